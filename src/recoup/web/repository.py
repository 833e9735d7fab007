"""Read models of the team's pages: the ranked worklist, invoice search, credit sales.

The ledger's sums and lists come from ``recoup.ledger.queries`` (one statement each,
ranked, filtered and paged in SQL so that the pages stay fast with 100,000 customers);
the outbox's rows are read here, with their customers' names from the ledger in the
same statement. Every query is scoped to one organisation. Nothing here writes.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session

from recoup.comms.models import OutboxAttachment, OutboxMessage
from recoup.db import changes
from recoup.ledger import queries as ledger_queries
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


@dataclass(frozen=True, slots=True)
class AccountTotal:
    """An account (customer × currency) with overdue money: its sums on a day."""

    customer_id: int
    currency: str
    total_open: int
    overdue: int
    over_90: int
    overdue_count: int
    oldest_due: date | None
    score: int


def account_rows(
    session: Session, org_id: int, as_of: date, customers: Sequence[int | None] | None = None
) -> list[tuple[Any, ...]]:
    """``(customer, currency, total open, overdue, over 90, overdue count, oldest due,
    score)`` of every account with overdue money on ``as_of`` (of ``customers``, None
    all): one pass over their open invoices (the ledger's sums, weighted by ``core``)."""
    return ledger_queries.overdue_accounts(
        session, org_id=org_id, as_of=as_of, weights=weight_ranges(as_of), customers=customers
    )


def account_total(row: Sequence[Any]) -> AccountTotal:
    """An ``account_rows`` row as an ``AccountTotal``."""
    r = row
    return AccountTotal(
        r[0], r[1], int(r[2]), int(r[3]), int(r[4]), int(r[5]), r[6], int(r[7] or 0)
    )


def account_order(account: AccountTotal) -> tuple[int, int, int, str]:
    """Accounts' priority: the highest score first, then the overdue sum, the customer,
    the currency."""
    return (-account.score, -account.overdue, account.customer_id, account.currency)


def account_totals(session: Session, org_id: int, as_of: date) -> list[AccountTotal]:
    """Every account with overdue money on ``as_of``, highest priority first (overdue
    amounts weighted by age, ``core``; then the overdue sum, the customer, the currency).
    One pass over the open invoices: callers keep the result (``figures``)."""
    found = [account_total(r) for r in account_rows(session, org_id, as_of)]
    found.sort(key=account_order)
    return found


def aging_rows(
    session: Session,
    org_id: int,
    as_of: date,
    ranges: Sequence[tuple[date | None, date | None]],
    customers: Sequence[int | None] | None = None,
) -> list[tuple[Any, ...]]:
    """``(customer, currency, amount in each due-date range ...)`` of the open invoices
    (of ``customers``, None all): the ledger's aging by due date, per customer."""
    return ledger_queries.aging_by_customer(
        session, org_id=org_id, ranges=ranges, customers=customers
    )


def sales_rows(
    session: Session,
    org_id: int,
    start: date,
    end: date,
    customers: Sequence[int | None] | None = None,
) -> list[tuple[Any, ...]]:
    """``(customer, currency, invoiced amount)`` of invoices issued ``start``..``end``,
    void and written-off ones left out (the ledger's credit sales), per customer."""
    return ledger_queries.credit_sales_by_customer(
        session, org_id=org_id, start=start, end=end, customers=customers
    )


def unapplied_money(session: Session, org_id: int) -> tuple[dict[str, int], dict[str, int]]:
    """Per currency: unallocated payment money and open credit-note money (summed whole on
    each call: payments are deleted and change customer, so they are not kept)."""
    return ledger_queries.unapplied_by_currency(session, org_id=org_id)


def customers_matching(session: Session, org_id: int, where: WorklistFilter) -> set[int] | None:
    """The ids of the customers ``where``'s customer conditions (collector, scope, tag,
    search) allow; None when it sets none."""
    if where.collector is None and where.assignees is None and not where.tag and not where.search:
        return None
    return ledger_queries.customer_ids_matching(
        session,
        org_id=org_id,
        collector=where.collector,
        assignees=where.assignees,
        tag=where.tag,
        search=where.search,
    )


def worklist(
    session: Session,
    org_id: int,
    as_of: date,
    where: WorklistFilter,
    *,
    limit: int,
    offset: int,
    accounts: Sequence[AccountTotal] | None = None,
) -> tuple[list[WorklistRow], int]:
    """Accounts (customer × currency) with overdue money, highest priority first, and how
    many there are in all. Priority: overdue amounts weighted by age (``core``).
    ``accounts``: ``account_totals`` of the day, when the caller keeps them."""
    if accounts is None:
        accounts = account_totals(session, org_id, as_of)
    allowed = customers_matching(session, org_id, where)
    chosen = [
        a
        for a in accounts
        if (not where.currency or a.currency == where.currency)
        and (where.oldest is None or _within(a.oldest_due, *where.oldest))
        and (allowed is None or a.customer_id in allowed)
    ]
    shown = chosen[offset : offset + limit]
    ids = sorted({a.customer_id for a in shown})
    details = ledger_queries.customer_summaries(session, org_id=org_id, customer_ids=ids)
    return [
        WorklistRow(
            customer_id=a.customer_id,
            external_id=details[a.customer_id].external_id,
            name=details[a.customer_id].name,
            collector=details[a.customer_id].collector,
            currency=a.currency,
            total_open=a.total_open,
            overdue=a.overdue,
            over_90=a.over_90,
            overdue_count=a.overdue_count,
            oldest_due=a.oldest_due,
            score=a.score,
            credit_limit=details[a.customer_id].credit_limit_amount,
            status=str(details[a.customer_id].status),
        )
        for a in shown
    ], len(chosen)


def _within(day: date | None, earliest: date | None, latest: date) -> bool:
    return day is not None and day <= latest and (earliest is None or day >= earliest)


def collectors(session: Session, org_id: int) -> list[str]:
    """The distinct collectors named on the organisation's customers."""
    return ledger_queries.collectors(session, org_id=org_id)


def tags(session: Session, org_id: int) -> list[str]:
    """Every tag used on the organisation's customers, sorted."""
    return ledger_queries.customer_tags(session, org_id=org_id)


def currencies(session: Session, org_id: int) -> list[str]:
    """The currencies the organisation invoices in, in order (the ledger's query)."""
    return ledger_queries.currencies_in_use(session, org_id)


INVOICE_SORTS = ledger_queries.INVOICE_LIST_SORTS


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


def _invoice_match(where: InvoiceFilter, as_of: date) -> ledger_queries.InvoiceMatch:
    """The ledger's terms for ``where`` on ``as_of``."""
    return ledger_queries.InvoiceMatch(
        status=where.status,
        currency=where.currency,
        overdue_on=as_of if where.overdue_only else None,
        customer_id=where.customer_id,
        assignees=where.assignees,
        search=where.search,
        sort=where.sort,
        descending=where.descending,
    )


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
    session: Session,
    org_id: int,
    where: InvoiceFilter,
    as_of: date,
    *,
    limit: int,
    offset: int,
    count: int | None = None,
) -> tuple[list[InvoiceRow], int]:
    """One page of matching invoices and how many match in all (``count``: the caller's
    kept ``invoice_count``)."""
    match = _invoice_match(where, as_of)
    rows = ledger_queries.invoice_list(
        session, org_id=org_id, match=match, limit=limit, offset=offset
    )
    return [_invoice_row(r) for r in rows], (
        invoice_count(session, org_id, where, as_of) if count is None else count
    )


def invoice_count(session: Session, org_id: int, where: InvoiceFilter, as_of: date) -> int:
    """How many invoices match ``where``."""
    return ledger_queries.invoice_list_count(
        session, org_id=org_id, match=_invoice_match(where, as_of)
    )


def iter_invoices(
    session: Session, org_id: int, where: InvoiceFilter, as_of: date
) -> Iterator[InvoiceRow]:
    """Every matching invoice, streamed in batches (for CSV export)."""
    match = _invoice_match(where, as_of)
    for r in ledger_queries.stream_invoice_list(session, org_id=org_id, match=match):
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


def outbox_counts(session: Session, org_id: int) -> dict[str, int]:
    """How many of the organisation's outbox rows are in each status."""
    return {
        str(r[0]): int(r[1])
        for r in session.execute(
            select(OutboxMessage.status, func.count())
            .where(OutboxMessage.org_id == org_id)
            .group_by(OutboxMessage.status)
        )
    }


def outbox_count_rows(
    session: Session, org_id: int, customers: Sequence[int | None] | None = None
) -> list[tuple[Any, ...]]:
    """``(customer, status, rows)`` of the outbox (of ``customers``, None all)."""
    return [
        (r[0], str(r[1]), int(r[2]))
        for r in session.execute(
            select(OutboxMessage.customer_id, OutboxMessage.status, func.count())
            .where(
                OutboxMessage.org_id == org_id,
                *changes.of_customers(OutboxMessage.customer_id, customers),
            )
            .group_by(OutboxMessage.customer_id, OutboxMessage.status)
        )
    ]


def outbox(
    session: Session,
    org_id: int,
    status: str,
    *,
    limit: int,
    offset: int,
    counts: dict[str, int] | None = None,
) -> tuple[list[OutboxRow], int, dict[str, int]]:
    """One page of the organisation's outbox, newest first; the count matching and the
    count per status (``outbox_counts``, when the caller has them)."""
    query: Select[*tuple[Any, ...]] = select(
        OutboxMessage.id,
        OutboxMessage.customer_id,
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
    ).where(OutboxMessage.org_id == org_id)
    if status:
        query = query.where(OutboxMessage.status == status)
    rows = ledger_queries.rows_beside_customers(  # with the customer's name: one statement
        session,
        org_id=org_id,
        rows=query,
        customer_id=OutboxMessage.customer_id,
        order=ledger_queries.NameOrder(then=(OutboxMessage.id.desc(),)),
        limit=limit,
        offset=offset,
    )
    if counts is None:
        counts = outbox_counts(session, org_id)
    total = counts.get(status, 0) if status else sum(counts.values())
    return [OutboxRow(r[0], r[1], r[12], *r[2:12]) for r in rows], total, counts


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
    totals: dict[tuple[str, str], int] = {}
    for _, template, kind, count in engine_activity_rows(
        session, org_id, start, end, planned=planned
    ):
        totals[(template, kind)] = totals.get((template, kind), 0) + count
    return activity_order(totals)


def activity_order(totals: dict[tuple[str, str], int]) -> list[tuple[str, str, int]]:
    """``(step, channel) -> count`` as the dashboard lists them: most first."""
    return sorted(
        ((t, k, n) for (t, k), n in totals.items() if n),
        key=lambda r: (-r[2], r[0], r[1]),
    )


def engine_activity_rows(
    session: Session,
    org_id: int,
    start: datetime,
    end: datetime,
    *,
    planned: bool,
    customers: Sequence[int | None] | None = None,
) -> list[tuple[Any, str, str, int]]:
    """``(customer, step, channel, rows)`` of ``engine_activity`` (of ``customers``,
    None all)."""
    if planned:
        condition = and_(
            OutboxMessage.status.in_(["pending", "retrying"]),
            OutboxMessage.next_attempt_at < end,
        )
    else:
        condition = and_(OutboxMessage.sent_at >= start, OutboxMessage.sent_at < end)
    rows = session.execute(
        select(OutboxMessage.customer_id, OutboxMessage.template, OutboxMessage.kind, func.count())
        .where(
            OutboxMessage.org_id == org_id,
            condition,
            *changes.of_customers(OutboxMessage.customer_id, customers),
        )
        .group_by(OutboxMessage.customer_id, OutboxMessage.template, OutboxMessage.kind)
    )
    return [(r[0], r[1] or "", str(r[2]), int(r[3])) for r in rows]


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


def oldest_open_due(session: Session, org_id: int) -> dict[int, date]:
    """Customer id → the due date of its oldest open invoice (customers with something
    open; one pass over the open invoices: callers keep the result, ``figures``)."""
    return {r[0]: r[1] for r in oldest_open_rows(session, org_id)}


def oldest_open_rows(
    session: Session, org_id: int, customers: Sequence[int | None] | None = None
) -> list[tuple[Any, ...]]:
    """``(customer, due date of its oldest open invoice)`` of the customers (of
    ``customers``, None all) with something open."""
    return ledger_queries.oldest_open_due(session, org_id=org_id, customers=customers)


@dataclass(frozen=True, slots=True)
class AssignableCustomer:
    """A customer as the assignments page lists it."""

    id: int
    external_id: str
    name: str
    country: str
    tags: list[str]
    collector: str


@dataclass(frozen=True, slots=True)
class DirectoryEntry:
    """What the assignments page filters a customer by."""

    name: str
    id: int
    collector: str  # trimmed, lower case: "" nobody
    country: str
    tags: frozenset[str]


def customer_directory(session: Session, org_id: int) -> list[DirectoryEntry]:
    """Every customer of the organisation by name (then id), with what the assignments
    page filters by (one pass over the customers: callers keep it, ``figures``)."""
    return [
        DirectoryEntry(
            r[0], r[1], (r[2] or "").strip().lower(), (r[3] or "").upper(), frozenset(r[4] or ())
        )
        for r in ledger_queries.customer_directory(session, org_id=org_id)
    ]


def customers_to_assign(
    session: Session,
    org_id: int,
    *,
    directory: Sequence[DirectoryEntry],
    open_since: dict[int, date],
    tag: str,
    country: str,
    collector: str | None,
    oldest_due: tuple[date | None, date] | None,
    limit: int,
) -> tuple[list[AssignableCustomer], int]:
    """Customers with something open (``open_since``: ``oldest_open_due``), narrowed by
    segment (tag), country, collector ("" unassigned) and the due-date range of their
    oldest open invoice; the first ``limit`` by name and how many match in all."""
    wanted = None if collector is None else collector.strip().lower()
    matching = [
        c.id
        for c in directory
        if c.id in open_since
        and (not country or c.country == country.upper())
        and (wanted is None or c.collector == wanted)
        and (not tag or tag in c.tags)
        and (oldest_due is None or _within(open_since[c.id], *oldest_due))
    ]
    shown = matching[:limit]
    rows = ledger_queries.customer_summaries(session, org_id=org_id, customer_ids=shown)
    found = [
        AssignableCustomer(
            r.id, r.external_id, r.name, r.country or "", list(r.tags or []), r.collector or ""
        )
        for r in (rows[i] for i in shown if i in rows)
    ]
    return found, len(matching)
