"""Read models of the disputes, promises and tasks lists: filter, sort and page in SQL.

One shape for the three lists (``ListFilter`` in, ``CaseRow`` out) so that one template
and one CSV writer serve them all. Every query is scoped to one organisation and to the
user's customers (``auth.scope``): a task with no customer is seen by everyone unless it
is assigned to another collector. Nothing here writes.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
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
from recoup.ledger.models import Customer

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
    if where.assignees is not None:
        lowered = [a.strip().lower() for a in where.assignees]
        in_scope: ColumnElement[bool] = func.lower(
            func.trim(func.coalesce(Customer.collector, ""))
        ).in_(lowered)
        if kind == "tasks":
            in_scope = or_(
                and_(Task.customer_id.is_not(None), in_scope),
                and_(Task.customer_id.is_(None), func.lower(Task.assignee).in_(lowered)),
            )
        conditions.append(in_scope)
    if where.search:
        pattern = f"%{where.search.lower()}%"
        texts = [func.lower(Customer.name), func.lower(Customer.external_id)]
        if kind == "disputes":
            texts += [func.lower(Dispute.description), func.lower(Dispute.reason)]
        elif kind == "promises":
            texts += [func.lower(Promise.note), func.lower(Promise.contact)]
        else:
            texts += [func.lower(Task.title), func.lower(Task.body)]
        conditions.append(or_(*(t.like(pattern) for t in texts)))
    return conditions


def _sort_column(kind: str, key: str) -> Any:
    table = _table(kind)
    columns: dict[str, Any] = {
        "id": table.id,
        "customer": Customer.name,
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


def _query(kind: str, org_id: int, where: ListFilter, as_of: date) -> Select[Any]:
    table = _table(kind)
    customer = and_(Customer.org_id == table.org_id, Customer.id == table.customer_id)
    if kind == "disputes":
        cols: list[Any] = [Dispute.reason, Dispute.description, Dispute.opened_on, Dispute.currency,
                Dispute.disputed_amount]  # fmt: skip
    elif kind == "promises":
        cols = [Promise.note, Promise.made_on, Promise.promised_on, Promise.currency,
                Promise.promised_amount, Promise.kept_amount]  # fmt: skip
    else:
        cols = [Task.title, Task.body, Task.created_at, Task.due_on, Task.kind]
    query = (
        select(
            table.id,
            table.customer_id,
            func.coalesce(Customer.name, ""),
            func.coalesce(Customer.external_id, ""),
            _person(kind),
            table.status,
            _breached(kind, as_of),
            *cols,
        )
        .outerjoin(Customer, customer)
        .where(*_conditions(kind, org_id, where, as_of))
    )
    column = _sort_column(kind, where.sort)
    ordered = column.desc() if where.descending else column.asc()
    return query.order_by(ordered, table.id.desc() if where.descending else table.id)


def _row(kind: str, r: Any, as_of: date) -> CaseRow:
    head = {
        "id": r[0],
        "customer_id": r[1],
        "customer_name": r[2],
        "customer_external_id": r[3],
        "person": r[4] or "",
        "status": str(r[5]),
        "sla_breached": bool(r[6]),
    }
    if kind == "disputes":
        reason, description, opened, currency, amount = r[7:12]
        return CaseRow(
            **head, title=str(reason).replace("_", " "), detail=description or "",
            opened=opened, due=opened + timedelta(days=DISPUTE_SLA_DAYS), currency=currency,
            amount=int(amount), done_amount=0,
        )  # fmt: skip
    if kind == "promises":
        note, made, promised, currency, amount, kept = r[7:13]
        return CaseRow(
            **head, title="", detail=note or "", opened=made, due=promised, currency=currency,
            amount=int(amount), done_amount=int(kept or 0),
        )  # fmt: skip
    title, body, created, due, task_kind = r[7:12]
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
    query = _query(kind, org_id, where, as_of)
    if _needs_customer(where):
        found = [_row(kind, r, as_of) for r in session.execute(query.limit(limit).offset(offset))]
        count = (
            select(func.count())
            .select_from(table)
            .outerjoin(
                Customer, and_(Customer.org_id == table.org_id, Customer.id == table.customer_id)
            )
            .where(*conditions)
        )
        return found, int(session.scalar(count) or 0)
    column = _sort_column(kind, where.sort)
    ordered = column.desc() if where.descending else column.asc()
    ids = list(
        session.scalars(
            select(table.id)
            .where(*conditions)
            .order_by(ordered, table.id.desc() if where.descending else table.id)
            .limit(limit)
            .offset(offset)
        )
    )
    by_id = {r[0]: _row(kind, r, as_of) for r in session.execute(query.where(table.id.in_(ids)))}
    total = session.scalar(select(func.count()).select_from(table).where(*conditions))
    return [by_id[i] for i in ids if i in by_id], int(total or 0)


def iter_rows(
    session: Session, kind: str, org_id: int, where: ListFilter, as_of: date
) -> Iterator[CaseRow]:
    """Every matching row, streamed in batches (for CSV export)."""
    query = _query(kind, org_id, where, as_of).execution_options(yield_per=2_000)
    for r in session.execute(query):
        yield _row(kind, r, as_of)
