"""Read models of the team's pages: the ranked worklist, invoice search, credit sales.

These are read-only aggregates over the ledger's tables that no ledger service offers
yet; they rank, filter and page in SQL so that the pages stay fast with 100,000
customers. Every query is scoped to one organisation. Nothing here writes.
"""

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Select,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.orm import Session

from recoup.comms.models import OutboxAttachment, OutboxMessage
from recoup.ledger import queries as ledger_queries
from recoup.ledger.models import Customer, Invoice, InvoiceStatus
from recoup.web.core import WorklistRow, weight_ranges


@dataclass(frozen=True, slots=True)
class WorklistFilter:
    """What narrows the worklist; ``None`` / empty means any."""

    collector: str | None = None
    assignees: tuple[str, ...] | None = None  # the user's scope (``auth.scope``)
    tag: str = ""
    currency: str = ""
    oldest: tuple[date | None, date] | None = None  # due-date range of the oldest item
    search: str = ""


def _assigned_to(assignees: tuple[str, ...]) -> ColumnElement[bool]:
    """Customers whose collector is one of ``assignees`` (case-insensitive)."""
    return func.lower(func.trim(Customer.collector)).in_([a.strip().lower() for a in assignees])


def _in_range(column: Any, earliest: date | None, latest: date) -> ColumnElement[bool]:
    return and_(column >= earliest, column <= latest) if earliest else column <= latest


def worklist(
    session: Session,
    org_id: int,
    as_of: date,
    where: WorklistFilter,
    *,
    limit: int,
    offset: int,
) -> tuple[list[WorklistRow], int]:
    """Accounts (customer × currency) with overdue money, highest priority first, and how
    many there are in all. Priority: overdue amounts weighted by age (``core``)."""
    overdue = Invoice.due_date < as_of
    weighted = sum(
        (
            case(
                (_in_range(Invoice.due_date, earliest, latest), Invoice.open_amount * weight),
                else_=0,
            )
            for earliest, latest, weight in weight_ranges(as_of)
        ),
        start=literal(0),
    )
    over_90_latest = as_of - timedelta(days=91)
    overdue_sum = func.sum(case((overdue, Invoice.open_amount), else_=0))
    oldest_due = func.min(case((overdue, Invoice.due_date)))
    # Invoices are summed per account first and only the sums meet their customers: a
    # join per invoice would cost a lookup for each of a million open invoices.
    accounts = (
        select(
            Invoice.customer_id,
            Invoice.currency,
            cast(func.sum(Invoice.open_amount), BigInteger).label("open"),
            cast(overdue_sum, BigInteger).label("overdue"),
            cast(
                func.sum(case((Invoice.due_date <= over_90_latest, Invoice.open_amount), else_=0)),
                BigInteger,
            ).label("over_90"),
            func.count(case((overdue, 1))).label("overdue_count"),
            oldest_due.label("oldest_due"),
            cast(func.sum(weighted), BigInteger).label("score"),
        )
        .where(
            Invoice.org_id == org_id,
            Invoice.status == InvoiceStatus.OPEN,
            Invoice.open_amount > 0,
        )
        .group_by(Invoice.customer_id, Invoice.currency)
        .having(overdue_sum > 0)
    )
    if where.currency:
        accounts = accounts.where(Invoice.currency == where.currency)
    if where.oldest is not None:
        earliest, latest = where.oldest
        accounts = accounts.having(_in_range(oldest_due, earliest, latest))
    account = accounts.subquery()
    query: Select[*tuple[Any, ...]] = select(
        Customer.id,
        Customer.external_id,
        Customer.name,
        Customer.collector,
        account.c.currency,
        account.c.open,
        account.c.overdue,
        account.c.over_90,
        account.c.overdue_count,
        account.c.oldest_due,
        account.c.score,
        Customer.credit_limit_amount,
        Customer.status,
        func.count().over().label("rows"),
    ).join(account, and_(Customer.org_id == org_id, Customer.id == account.c.customer_id))
    if where.collector is not None:
        query = query.where(Customer.collector == where.collector)
    if where.assignees is not None:
        query = query.where(_assigned_to(where.assignees))
    if where.tag:
        query = query.where(cast(Customer.tags, String).contains(f'"{where.tag}"', autoescape=True))
    if where.search:
        pattern = f"%{where.search.lower()}%"
        query = query.where(
            or_(
                func.lower(Customer.name).like(pattern),
                func.lower(Customer.external_id).like(pattern),
            )
        )
    query = query.order_by(
        account.c.score.desc(), account.c.overdue.desc(), Customer.id, account.c.currency
    )
    rows = session.execute(query.limit(limit).offset(offset)).all()
    total = int(rows[0].rows) if rows else _count(session, query) if offset else 0
    return [
        WorklistRow(
            customer_id=r[0],
            external_id=r[1],
            name=r[2],
            collector=r[3],
            currency=r[4],
            total_open=int(r[5]),
            overdue=int(r[6]),
            over_90=int(r[7]),
            overdue_count=int(r[8]),
            oldest_due=r[9],
            score=int(r[10] or 0),
            credit_limit=r[11],
            status=str(r[12]),
        )
        for r in rows
    ], total


def _count(session: Session, query: Select[*tuple[Any, ...]]) -> int:
    """Rows of ``query`` without paging (only needed for a page past the end)."""
    return int(
        session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    )


def collectors(session: Session, org_id: int) -> list[str]:
    """The distinct collectors named on the organisation's customers."""
    return [
        c
        for c in session.scalars(
            select(Customer.collector)
            .where(Customer.org_id == org_id)
            .distinct()
            .order_by(Customer.collector)
        )
        if c
    ]


def tags(session: Session, org_id: int) -> list[str]:
    """Every tag used on the organisation's customers, sorted."""
    found: set[str] = set()
    for value in session.scalars(
        select(cast(Customer.tags, String)).where(Customer.org_id == org_id).distinct()
    ):
        found.update(str(t) for t in json.loads(value or "[]"))
    return sorted(found)


def currencies(session: Session, org_id: int) -> list[str]:
    """The currencies the organisation invoices in, in order (the ledger's query)."""
    return ledger_queries.currencies_in_use(session, org_id)


INVOICE_SORTS = {
    "number": Invoice.number,
    "customer": Customer.name,
    "issue_date": Invoice.issue_date,
    "due_date": Invoice.due_date,
    "total": Invoice.total_amount,
    "open": Invoice.open_amount,
}


@dataclass(frozen=True, slots=True)
class InvoiceFilter:
    """What narrows the invoice list."""

    search: str = ""
    status: str = "open"  # open | paid | void | written_off | all
    currency: str = ""
    overdue_only: bool = False
    customer_id: int | None = None
    assignees: tuple[str, ...] | None = None  # the user's scope (``auth.scope``)
    sort: str = "due_date"
    descending: bool = False


@dataclass(frozen=True, slots=True)
class InvoiceRow:
    """An invoice as the list shows it."""

    id: int
    number: str
    customer_id: int
    customer_external_id: str
    customer_name: str
    issue_date: date
    due_date: date
    currency: str
    total_amount: int
    open_amount: int
    status: str
    po_number: str


_CUSTOMER_OF_INVOICE = and_(Customer.org_id == Invoice.org_id, Customer.id == Invoice.customer_id)


def _invoice_conditions(org_id: int, where: InvoiceFilter, as_of: date) -> list[Any]:
    """The filter's conditions; only a search and a scope refer to the customer."""
    conditions: list[Any] = [Invoice.org_id == org_id]
    if where.status != "all":
        conditions.append(Invoice.status == where.status)
    if where.currency:
        conditions.append(Invoice.currency == where.currency)
    if where.overdue_only:
        conditions += [Invoice.due_date < as_of, Invoice.open_amount > 0]
    if where.customer_id is not None:
        conditions.append(Invoice.customer_id == where.customer_id)
    if where.assignees is not None:
        conditions.append(_assigned_to(where.assignees))
    if where.search:
        pattern = f"%{where.search.lower()}%"
        conditions.append(
            or_(
                func.lower(Invoice.number).like(pattern),
                func.lower(Customer.name).like(pattern),
                func.lower(Invoice.po_number).like(pattern),
                func.lower(Customer.external_id).like(pattern),
            )
        )
    return conditions


def _invoice_query(org_id: int, where: InvoiceFilter, as_of: date) -> Select[*tuple[Any, ...]]:
    query: Select[*tuple[Any, ...]] = (
        select(
            Invoice.id,
            Invoice.number,
            Invoice.customer_id,
            Customer.external_id,
            Customer.name,
            Invoice.issue_date,
            Invoice.due_date,
            Invoice.currency,
            Invoice.total_amount,
            Invoice.open_amount,
            Invoice.status,
            Invoice.po_number,
        )
        .join(Customer, _CUSTOMER_OF_INVOICE)
        .where(*_invoice_conditions(org_id, where, as_of))
    )
    column = INVOICE_SORTS.get(where.sort, Invoice.due_date)
    ordered = column.desc() if where.descending else column.asc()
    return query.order_by(ordered, Invoice.id.desc() if where.descending else Invoice.id)


def _invoice_count(session: Session, org_id: int, where: InvoiceFilter, as_of: date) -> int:
    """How many invoices match: joined to customers only to search them (every invoice
    has its customer), so that a count of a million invoices reads one index."""
    query = select(func.count()).select_from(Invoice)
    if where.search or where.assignees is not None:
        query = query.join(Customer, _CUSTOMER_OF_INVOICE)
    return int(session.scalar(query.where(*_invoice_conditions(org_id, where, as_of))) or 0)


def _invoice_row(r: Sequence[Any]) -> InvoiceRow:
    return InvoiceRow(
        id=r[0],
        number=r[1],
        customer_id=r[2],
        customer_external_id=r[3],
        customer_name=r[4],
        issue_date=r[5],
        due_date=r[6],
        currency=r[7],
        total_amount=int(r[8]),
        open_amount=int(r[9]),
        status=str(r[10]),
        po_number=r[11],
    )


def invoices(
    session: Session, org_id: int, where: InvoiceFilter, as_of: date, *, limit: int, offset: int
) -> tuple[list[InvoiceRow], int]:
    """One page of matching invoices and how many match in all."""
    query = _invoice_query(org_id, where, as_of)
    rows = session.execute(query.limit(limit).offset(offset)).all()
    return [_invoice_row(r) for r in rows], _invoice_count(session, org_id, where, as_of)


def iter_invoices(
    session: Session, org_id: int, where: InvoiceFilter, as_of: date
) -> Iterator[InvoiceRow]:
    """Every matching invoice, streamed in batches (for CSV export)."""
    query = _invoice_query(org_id, where, as_of).execution_options(yield_per=2_000)
    for r in session.execute(query):
        yield _invoice_row(r)


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """A planned or delivered outbound effect as the outbox page lists it."""

    id: int
    customer_id: int | None
    customer_name: str
    kind: str
    template: str
    recipient: str
    source: str
    status: str
    attempts: int
    next_attempt_at: datetime
    sent_at: datetime | None
    last_error: str
    subject: str


def outbox(
    session: Session, org_id: int, status: str, *, limit: int, offset: int
) -> tuple[list[OutboxRow], int, dict[str, int]]:
    """One page of the organisation's outbox, newest first; the count matching and the
    count per status."""
    query: Select[*tuple[Any, ...]] = (
        select(
            OutboxMessage.id,
            OutboxMessage.customer_id,
            func.coalesce(Customer.name, ""),
            OutboxMessage.kind,
            OutboxMessage.template,
            OutboxMessage.recipient,
            OutboxMessage.source,
            OutboxMessage.status,
            OutboxMessage.attempts,
            OutboxMessage.next_attempt_at,
            OutboxMessage.sent_at,
            OutboxMessage.last_error,
            OutboxMessage.subject,
        )
        .outerjoin(
            Customer,
            and_(Customer.org_id == OutboxMessage.org_id, Customer.id == OutboxMessage.customer_id),
        )
        .where(OutboxMessage.org_id == org_id)
    )
    if status:
        query = query.where(OutboxMessage.status == status)
    rows = session.execute(
        query.order_by(OutboxMessage.id.desc()).limit(limit).offset(offset)
    ).all()
    counts = {
        str(r[0]): int(r[1])
        for r in session.execute(
            select(OutboxMessage.status, func.count())
            .where(OutboxMessage.org_id == org_id)
            .group_by(OutboxMessage.status)
        )
    }
    return [OutboxRow(*r) for r in rows], _count(session, query), counts


def outbox_attachment(
    session: Session, org_id: int, message_id: int, number: int
) -> tuple[str, str, bytes] | None:
    """The ``number``-th (1-based, in stored order) attachment of an outbox row:
    filename, type and content."""
    if number < 1:
        return None
    row = session.execute(
        select(OutboxAttachment.filename, OutboxAttachment.mime, OutboxAttachment.content)
        .where(OutboxAttachment.org_id == org_id, OutboxAttachment.outbox_id == message_id)
        .order_by(OutboxAttachment.id)
        .offset(number - 1)
        .limit(1)
    ).first()
    return None if row is None else (row[0], row[1], bytes(row[2]))


def outbox_attachments(
    session: Session, org_id: int, message_id: int
) -> list[tuple[str, str, int]]:
    """The attachments of an outbox row in stored order: filename, type, size in bytes."""
    rows = session.execute(
        select(
            OutboxAttachment.filename,
            OutboxAttachment.mime,
            func.length(OutboxAttachment.content),
        )
        .where(OutboxAttachment.org_id == org_id, OutboxAttachment.outbox_id == message_id)
        .order_by(OutboxAttachment.id)
    )
    return [(r[0], r[1], int(r[2] or 0)) for r in rows]


def engine_activity(
    session: Session, org_id: int, start: datetime, end: datetime, *, planned: bool
) -> list[tuple[str, str, int]]:
    """What the engine did or plans, per step (template) and channel (kind), most first:
    rows sent in ``start``..``end`` (exclusive), or (``planned``) rows waiting to go out
    before ``end``."""
    if planned:
        condition = and_(
            OutboxMessage.status.in_(["pending", "retrying"]),
            OutboxMessage.next_attempt_at < end,
        )
    else:
        condition = and_(OutboxMessage.sent_at >= start, OutboxMessage.sent_at < end)
    rows = session.execute(
        select(OutboxMessage.template, OutboxMessage.kind, func.count())
        .where(OutboxMessage.org_id == org_id, condition)
        .group_by(OutboxMessage.template, OutboxMessage.kind)
    )
    return sorted(
        ((r[0] or "", str(r[1]), int(r[2])) for r in rows), key=lambda r: (-r[2], r[0], r[1])
    )


@dataclass(frozen=True, slots=True)
class NextStep:
    """What happens next on an account: the engine's next waiting message or action, and
    the earliest open task of a person."""

    step: str = ""  # the template, e.g. "friendly_reminder"
    channel: str = ""  # email, letter, task, ...
    at: datetime | None = None
    task: str = ""
    task_due: date | None = None


def next_steps(session: Session, org_id: int, customer_ids: Sequence[int]) -> dict[int, NextStep]:
    """``customer id -> NextStep`` for some of the organisation's customers (two queries,
    by the outbox's and the tasks' customer indexes)."""
    from recoup.cases.models import Task  # the web's read model of cases' tasks

    ids = sorted(set(customer_ids))
    if not ids:
        return {}
    waiting: dict[int, tuple[str, str, datetime]] = {}
    for cid, template, kind, at in session.execute(
        select(
            OutboxMessage.customer_id,
            OutboxMessage.template,
            OutboxMessage.kind,
            OutboxMessage.next_attempt_at,
        )
        .where(
            OutboxMessage.org_id == org_id,
            OutboxMessage.customer_id.in_(ids),
            OutboxMessage.status.in_(["pending", "retrying"]),
        )
        .order_by(OutboxMessage.customer_id, OutboxMessage.next_attempt_at, OutboxMessage.id)
    ):
        waiting.setdefault(int(cid or 0), (template or "", str(kind), at))
    tasks: dict[int, tuple[str, date | None]] = {}
    for cid, title, due in session.execute(
        select(Task.customer_id, Task.title, Task.due_on)
        .where(Task.org_id == org_id, Task.customer_id.in_(ids), Task.status == "open")
        .order_by(Task.customer_id, Task.due_on.is_(None), Task.due_on, Task.id)
    ):
        tasks.setdefault(int(cid or 0), (title, due))
    found: dict[int, NextStep] = {}
    for cid in ids:
        title, due = tasks.get(cid, ("", None))
        if cid in waiting:
            step, channel, at = waiting[cid]
            found[cid] = NextStep(step, channel, at, title, due)
        elif title:
            found[cid] = NextStep(task=title, task_due=due)
    return found
