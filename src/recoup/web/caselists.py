"""Read models of the disputes, promises and tasks lists: filter, sort and page in SQL.

One shape for the three lists (``ListFilter`` in, ``CaseRow`` out) so that one template
and one CSV writer serve them all. Every query is scoped to one organisation and to the
user's customers (``auth.scope``): a task with no customer is seen by everyone unless it
is assigned to another collector. The customers' names, and the search and scope on
them, come from the ledger (``ledger.queries.rows_beside_customers``) in the same
statement. Nothing here writes.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, select
from sqlalchemy.orm import Session

from recoup.cases.core import DISPUTE_SLA_DAYS
from recoup.cases.models import (
    Dispute,
    DisputeStatus,
    Promise,
    PromiseStatus,
    Task,
    TaskStatus,
)
from recoup.ledger import queries as ledger_queries
from recoup.ledger.queries import CustomerMatch, NameOrder

KINDS = ("disputes", "promises", "tasks")
AGES = {"0-7": (0, 7), "8-30": (8, 30), "31-60": (31, 60), "60+": (61, None)}
STATUSES: dict[str, tuple[str, ...]] = {
    "disputes": (*[s.value for s in DisputeStatus], "all"),
    "promises": (*[s.value for s in PromiseStatus], "all"),
    "tasks": ("open", "done", "all"),
}
DEFAULT_STATUS = {"disputes": "open", "promises": "pending", "tasks": "open"}
SORTS: dict[str, tuple[str, ...]] = {
    "disputes": ("id", "customer", "amount", "opened", "person", "status"),
    "promises": ("id", "customer", "amount", "due", "opened", "person", "status"),
    "tasks": ("id", "customer", "title", "due", "opened", "person", "status"),
}
DEFAULT_SORT = {"disputes": "opened", "promises": "due", "tasks": "due"}


@dataclass(frozen=True, slots=True)
class ListFilter:
    """What narrows a case list; empty means any."""

    search: str = ""
    status: str = ""
    person: str = ""  # the dispute's owner, the promise's collector, the task's assignee
    age: str = ""  # one of ``AGES``: days since opened / made / created
    sla_breached: bool = False
    assignees: tuple[str, ...] | None = None  # the user's scope (``auth.scope``)
    customer_id: int | None = None
    sort: str = ""
    descending: bool = False


@dataclass(frozen=True, slots=True)
class CaseRow:
    """A dispute, promise or task as its list shows it."""

    id: int
    customer_id: int | None
    customer_name: str
    customer_external_id: str
    title: str  # the dispute's reason, the task's title; empty for a promise
    detail: str  # description / note / body
    person: str
    status: str
    opened: date  # opened / made / created
    due: date | None  # SLA date, promised date, due date
    currency: str
    amount: int  # disputed / promised; 0 for a task
    done_amount: int  # kept; 0 otherwise
    sla_breached: bool
    kind: str = ""  # the task's kind


def _table(kind: str) -> Any:
    return {"disputes": Dispute, "promises": Promise, "tasks": Task}[kind]


def _person(kind: str) -> Any:
    return {"disputes": Dispute.owner, "promises": Promise.collector, "tasks": Task.assignee}[kind]


def _opened(kind: str) -> Any:
    return {
        "disputes": Dispute.opened_on,
        "promises": Promise.made_on,
        "tasks": Task.created_at,
    }[kind]


def _breached(kind: str, as_of: date) -> ColumnElement[bool]:
    """Past its SLA: a dispute open longer than the SLA, a broken promise, a task past
    its due date."""
    if kind == "disputes":
        return and_(
            Dispute.status.in_([DisputeStatus.OPEN, DisputeStatus.INVESTIGATING]),
            Dispute.opened_on < as_of - timedelta(days=DISPUTE_SLA_DAYS),
        )
    if kind == "promises":
        return Promise.status == PromiseStatus.BROKEN
    return and_(Task.status == TaskStatus.OPEN, Task.due_on < as_of)


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _conditions(kind: str, org_id: int, where: ListFilter, as_of: date) -> list[Any]:
    table = _table(kind)
    conditions: list[Any] = [table.org_id == org_id]
    status = where.status or DEFAULT_STATUS[kind]
    if kind == "disputes" and status == "open":
        conditions.append(Dispute.status.in_([DisputeStatus.OPEN, DisputeStatus.INVESTIGATING]))
    elif status != "all":
        conditions.append(table.status == status)
    if where.customer_id is not None:
        conditions.append(table.customer_id == where.customer_id)
    if where.person:
        conditions.append(func.lower(_person(kind)) == where.person.strip().lower())
    if where.age in AGES:
        low, high = AGES[where.age]
        opened = _opened(kind)
        if kind == "tasks":  # a moment: compare with the start of the days
            conditions.append(opened < _day_start(as_of - timedelta(days=low - 1)))
            if high is not None:
                conditions.append(opened >= _day_start(as_of - timedelta(days=high)))
        else:
            conditions.append(opened <= as_of - timedelta(days=low))
            if high is not None:
                conditions.append(opened >= as_of - timedelta(days=high))
    if where.sla_breached:
        conditions.append(_breached(kind, as_of))
    return conditions


def _customer_match(kind: str, where: ListFilter) -> CustomerMatch:
    """What of ``where`` reads the customer: the search (also in the case's texts) and
    the user's scope (for a task of no customer: its assignee)."""
    texts: tuple[Any, ...]
    if kind == "disputes":
        texts = (Dispute.description, Dispute.reason)
    elif kind == "promises":
        texts = (Promise.note, Promise.contact)
    else:
        texts = (Task.title, Task.body)
    or_in_scope = None
    if kind == "tasks" and where.assignees is not None:
        lowered = [a.strip().lower() for a in where.assignees]
        or_in_scope = and_(Task.customer_id.is_(None), func.lower(Task.assignee).in_(lowered))
    return CustomerMatch(
        search=where.search,
        also_searched=texts,
        assignees=where.assignees,
        or_in_scope=or_in_scope,
    )


def _sort_column(kind: str, key: str) -> Any:
    table = _table(kind)
    columns: dict[str, Any] = {
        "id": table.id,
        "opened": _opened(kind),
        "person": _person(kind),
        "status": table.status,
    }
    if kind == "disputes":
        columns["amount"] = Dispute.disputed_amount
    elif kind == "promises":
        columns["amount"] = Promise.promised_amount
        columns["due"] = Promise.promised_on
    else:
        columns["title"] = Task.title
        columns["due"] = Task.due_on
    return columns.get(key, columns.get(DEFAULT_SORT[kind]))


def _order(kind: str, where: ListFilter) -> NameOrder:
    """``where``'s order: by the customer's name or a column of the case, then the id."""
    table = _table(kind)
    last = table.id.desc() if where.descending else table.id
    if where.sort == "customer":
        return NameOrder(by_name=True, descending=where.descending, then=(last,))
    column = _sort_column(kind, where.sort)
    return NameOrder(then=(column.desc() if where.descending else column.asc(), last))


def _query(kind: str, as_of: date) -> Select[Any]:
    """The case columns a row shows (the ledger adds the customer's name and external id)."""
    table = _table(kind)
    if kind == "disputes":
        cols: list[Any] = [Dispute.reason, Dispute.description, Dispute.opened_on, Dispute.currency,
                Dispute.disputed_amount]  # fmt: skip
    elif kind == "promises":
        cols = [Promise.note, Promise.made_on, Promise.promised_on, Promise.currency,
                Promise.promised_amount, Promise.kept_amount]  # fmt: skip
    else:
        cols = [Task.title, Task.body, Task.created_at, Task.due_on, Task.kind]
    return select(
        table.id, table.customer_id, _person(kind), table.status, _breached(kind, as_of), *cols
    )


def _row(kind: str, r: Any, as_of: date) -> CaseRow:
    head = {
        "id": r[0],
        "customer_id": r[1],
        "customer_name": r[-2],
        "customer_external_id": r[-1],
        "person": r[2] or "",
        "status": str(r[3]),
        "sla_breached": bool(r[4]),
    }
    if kind == "disputes":
        reason, description, opened, currency, amount = r[5:10]
        return CaseRow(
            **head, title=str(reason).replace("_", " "), detail=description or "",
            opened=opened, due=opened + timedelta(days=DISPUTE_SLA_DAYS), currency=currency,
            amount=int(amount), done_amount=0,
        )  # fmt: skip
    if kind == "promises":
        note, made, promised, currency, amount, kept = r[5:11]
        return CaseRow(
            **head, title="", detail=note or "", opened=made, due=promised, currency=currency,
            amount=int(amount), done_amount=int(kept or 0),
        )  # fmt: skip
    title, body, created, due, task_kind = r[5:10]
    return CaseRow(
        **head, title=title, detail=body or "", opened=created.date(), due=due, currency="",
        amount=0, done_amount=0, kind=str(task_kind),
    )  # fmt: skip


def _needs_customer(where: ListFilter) -> bool:
    """Whether the filter or the order reads the customer (else the case table alone
    is filtered, sorted and counted, and only the page's rows meet their customers)."""
    return bool(where.search) or where.assignees is not None or where.sort == "customer"


def rows(
    session: Session, kind: str, org_id: int, where: ListFilter, as_of: date, *, limit: int,
    offset: int,
) -> tuple[list[CaseRow], int]:  # fmt: skip
    """One page of ``kind`` (disputes, promises, tasks) and how many match in all."""
    table = _table(kind)
    conditions = _conditions(kind, org_id, where, as_of)
    query = _query(kind, as_of).where(*conditions)
    if _needs_customer(where):
        match = _customer_match(kind, where)
        found = ledger_queries.rows_beside_customers(
            session, org_id=org_id, rows=query, customer_id=table.customer_id, match=match,
            order=_order(kind, where), limit=limit, offset=offset,
        )  # fmt: skip
        total = ledger_queries.count_beside_customers(
            session, org_id=org_id, rows=select(func.count()).select_from(table).where(*conditions),
            customer_id=table.customer_id, match=match,
        )  # fmt: skip
        return [_row(kind, r, as_of) for r in found], total
    ids = list(
        session.scalars(
            select(table.id)
            .where(*conditions)
            .order_by(*_order(kind, where).then)
            .limit(limit)
            .offset(offset)
        )
    )
    page = ledger_queries.rows_beside_customers(
        session, org_id=org_id, rows=query.where(table.id.in_(ids)), customer_id=table.customer_id
    )
    by_id = {r[0]: _row(kind, r, as_of) for r in page}
    counted = session.scalar(select(func.count()).select_from(table).where(*conditions))
    return [by_id[i] for i in ids if i in by_id], int(counted or 0)


def iter_rows(
    session: Session, kind: str, org_id: int, where: ListFilter, as_of: date
) -> Iterator[CaseRow]:
    """Every matching row, streamed in batches (for CSV export)."""
    table = _table(kind)
    for r in ledger_queries.stream_beside_customers(
        session,
        org_id=org_id,
        rows=_query(kind, as_of).where(*_conditions(kind, org_id, where, as_of)),
        customer_id=table.customer_id,
        match=_customer_match(kind, where),
        order=_order(kind, where),
    ):
        yield _row(kind, r, as_of)
