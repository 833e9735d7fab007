"""What the team's pages show, assembled from the domains' services.

Each function loads one page's data for one organisation; the views render it. Writes
go through the owning domain's service (ledger, imports, auth, portal), never here.
"""

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from markupsafe import Markup
from sqlalchemy.orm import Session

from recoup.analytics import core as kpi
from recoup.analytics import service as analytics
from recoup.analytics.prediction import service as prediction
from recoup.approvals import service as approvals_service
from recoup.auth import scope
from recoup.auth import service as auth
from recoup.cases import disputes as case_disputes
from recoup.cases import overview
from recoup.cases import plans as case_plans
from recoup.cases import promises as case_promises
from recoup.cases import queue as case_queue
from recoup.cases import tasks as case_tasks
from recoup.cases import timeline as case_timeline
from recoup.cases.core import DISPUTE_SLA_DAYS
from recoup.cases.models import OPEN_DISPUTE_STATUSES, Dispute, Handoff, Promise, Task
from recoup.credit import service as credit
from recoup.credit.models import CreditHold
from recoup.errors import NotFound
from recoup.inbound import words as inbound_words
from recoup.ledger import core as ledger_core
from recoup.ledger import queries
from recoup.portal import service as portal
from recoup.portal.core import Statement
from recoup.portal.models import PortalSubmission
from recoup.web import caselists, core, figures, repository
from recoup.web.core import Page, WorklistRow
from recoup.web.formatting import format_day, format_money
from recoup.web.repository import InvoiceFilter, InvoiceRow, WorklistFilter

PAGE_SIZE = 50
ALL = 2**62  # no limit: every row, to be ranked here


@dataclass(frozen=True, slots=True)
class CurrencySummary:
    """The dashboard's figures for one currency."""

    currency: str
    total: int
    overdue: int
    buckets: list[tuple[str, int]]
    overdue_percent: Decimal | None
    dso: Decimal | None
    credit_sales: int
    unapplied: int
    credits: int

    @property
    def largest_bucket(self) -> int:
        """The largest bucket amount (the bar chart's scale)."""
        return max((amount for _, amount in self.buckets), default=0)


@dataclass(frozen=True, slots=True)
class Dashboard:
    """What the dashboard shows."""

    as_of: date
    currencies: list[CurrencySummary]
    top_accounts: list[WorklistRow]
    submissions: list[tuple[PortalSubmission, str]]
    tasks: list[tuple[Task, str]] = field(default_factory=list)  # due, with customer name
    broken_promises: list[tuple[Promise, str]] = field(default_factory=list)
    late_disputes: list[tuple[Dispute, str, int]] = field(default_factory=list)  # + age
    done_yesterday: list[tuple[str, str, int]] = field(default_factory=list)  # step, channel, n
    planned_today: list[tuple[str, str, int]] = field(default_factory=list)
    # per currency: DSO and % overdue over 12 months (snapshots), and their SVG charts
    trends: list[tuple[analytics.DashboardTrend, Markup, Markup]] = field(default_factory=list)


def _shown(value: Decimal | None) -> Decimal | None:
    """A KPI to one decimal place, as the dashboard shows it."""
    return None if value is None else value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def dashboard(session: Session, *, org_id: int, as_of: date, collector: str | None) -> Dashboard:
    """Total AR, overdue share, aging and DSO per currency; the top of the worklist;
    what customers said on the portal that nobody has seen yet."""
    labels, totals = aging_totals(session, org_id, as_of)
    sales = credit_sales(session, org_id, as_of)
    summaries = []
    for line in totals:
        overdue = line.total - line.buckets[0]
        summaries.append(
            CurrencySummary(
                currency=line.currency,
                total=line.total,
                overdue=overdue,
                buckets=list(zip(labels, line.buckets, strict=True)),
                overdue_percent=_shown(kpi.percent_overdue(overdue, line.total)),
                dso=_shown(kpi.standard_dso(line.total, sales.get(line.currency, 0), 365)),
                credit_sales=sales.get(line.currency, 0),
                unapplied=line.unapplied_payments,
                credits=line.open_credits,
            )
        )
    summaries.sort(key=lambda s: -s.total)
    trends = _trends(session, org_id, as_of) if collector is None else []
    top, _ = repository.worklist(
        session, org_id, as_of, WorklistFilter(collector=collector), limit=8, offset=0,
        accounts=_accounts(session, org_id, as_of),
    )  # fmt: skip
    unseen = portal.unseen_submissions(session, org_id=org_id, collector=collector, limit=10)
    tasks = [
        t
        for t in case_tasks.open_tasks(session, org_id=org_id, assignee=collector)
        if t.due_on is None or t.due_on <= as_of
    ][:10]
    broken = [
        p
        for p in case_promises.list_promises(session, org_id=org_id, statuses=["broken"])
        if (collector is None or p.collector == collector)
        and p.promised_on >= as_of - timedelta(days=30)
    ][-10:]
    late = [
        (d, (as_of - d.opened_on).days)
        for d in case_disputes.list_disputes(
            session, org_id=org_id, statuses=list(OPEN_DISPUTE_STATUSES)
        )
        if (as_of - d.opened_on).days > DISPUTE_SLA_DAYS
        and (collector is None or d.owner == collector)
    ][:10]
    names = _names(
        session,
        org_id,
        [s.customer_id for s in unseen]
        + [t.customer_id for t in tasks if t.customer_id is not None]
        + [p.customer_id for p in broken]
        + [d.customer_id for d, _ in late],
    )
    return Dashboard(
        as_of,
        summaries,
        top,
        [(s, names.get(s.customer_id, "")) for s in unseen],
        tasks=[(t, names.get(t.customer_id or 0, "")) for t in tasks],
        broken_promises=[(p, names.get(p.customer_id, "")) for p in reversed(broken)],
        late_disputes=[(d, names.get(d.customer_id, ""), age) for d, age in late],
        done_yesterday=_activity(session, org_id, as_of - timedelta(days=1), planned=False),
        planned_today=_activity(session, org_id, as_of, planned=True),
        trends=trends,
    )


def _accounts(session: Session, org_id: int, as_of: date) -> list[repository.AccountTotal]:
    """The day's accounts with overdue money, highest priority first, kept per customer
    (``figures.summed``)."""
    found: list[repository.AccountTotal] = figures.summed(
        session, org_id, ("accounts", as_of), figures.INVOICES,
        lambda customers: repository.account_rows(session, org_id, as_of, customers),
        lambda: figures.Keyed(
            repository.account_total, lambda row: (row[0], row[1]), repository.account_order
        ),
    )  # fmt: skip
    return found


def aging_totals(
    session: Session, org_id: int, as_of: date
) -> tuple[tuple[str, ...], list[ledger_core.AgingLine]]:
    """The ledger's aging by due date on ``as_of``, one line per currency (the ledger's
    ``aging_report`` totals), the open invoices' part kept per customer (``figures``)."""
    buckets = ledger_core.aging_buckets()
    ranges = [b.date_range(as_of) for b in buckets]
    per_currency: dict[str, tuple[int, ...]] = figures.summed(
        session, org_id, ("aging", as_of), figures.INVOICES,
        lambda customers: repository.aging_rows(session, org_id, as_of, ranges, customers),
        figures.Totals,
    )  # fmt: skip
    unapplied, credits = repository.unapplied_money(session, org_id)
    empty = (0,) * len(buckets)
    lines = [
        ledger_core.AgingLine(
            "",
            "",
            currency,
            per_currency.get(currency, empty),
            unapplied.get(currency, 0),
            credits.get(currency, 0),
        )
        for currency in per_currency.keys() | unapplied.keys() | credits.keys()
    ]
    return tuple(b.label for b in buckets), ledger_core.total_lines(lines, len(buckets))


def credit_sales(session: Session, org_id: int, as_of: date) -> dict[str, int]:
    """Invoiced amounts per currency over the 365 days to ``as_of`` (analytics'
    ``credit_sales``, DSO's sales), kept per customer (``figures``)."""
    start = as_of - timedelta(days=364)
    found = figures.summed(
        session, org_id, ("sales", as_of), figures.INVOICES,
        lambda customers: repository.sales_rows(session, org_id, start, as_of, customers),
        figures.Totals,
    )  # fmt: skip
    return {currency: sums[0] for currency, sums in found.items()}


def _activity(
    session: Session, org_id: int, day: date, *, planned: bool
) -> list[tuple[str, str, int]]:
    """What the engine did on ``day`` or (``planned``) plans by its end, kept per
    customer (``figures.summed``)."""
    start, end = _midnight(day), _midnight(day + timedelta(days=1))
    found = figures.summed(
        session, org_id, ("activity", day, planned), figures.OUTBOX_ROWS,
        lambda customers: repository.engine_activity_rows(
            session, org_id, start, end, planned=planned, customers=customers
        ),
        lambda: figures.Totals(2),
    )  # fmt: skip
    return repository.activity_order({key: sums[0] for key, sums in found.items()})


def _trends(
    session: Session, org_id: int, as_of: date
) -> list[tuple[analytics.DashboardTrend, Markup, Markup]]:
    """The dashboard's 12-month trends from the stored snapshots, charts cached by
    their figures."""
    found = analytics.dashboard_trends(session, org_id=org_id, end=as_of)
    if not found:
        return []
    from recoup.analytics import charts  # matplotlib: loaded once there is a trend

    return [
        (
            t,
            charts.trend_line(
                key=f"trend-dso-{t.currency}",
                title=f"DSO over 12 months ({t.currency})",
                months=t.months,
                values=t.dso,
                label="DSO (days)",
            ),
            charts.trend_line(
                key=f"trend-overdue-{t.currency}",
                title=f"Overdue share of receivables over 12 months ({t.currency})",
                months=t.months,
                values=t.overdue_percent,
                label="Overdue (%)",
            ),
        )
        for t in found
    ]


def _midnight(day: date) -> datetime:
    """The start of ``day`` in UTC (the outbox's times are UTC)."""
    return datetime.combine(day, time.min, tzinfo=UTC)


def _names(session: Session, org_id: int, customer_ids: Sequence[int]) -> dict[int, str]:
    """``id -> name`` of some of the organisation's customers."""
    ids = sorted(set(customer_ids))
    if not ids:
        return {}
    return queries.customer_names(session, org_id=org_id, customer_ids=ids)


@dataclass(frozen=True, slots=True)
class WorklistOptions:
    """The choices the worklist's filters offer."""

    collectors: list[str]
    tags: list[str]
    currencies: list[str]
    buckets: Sequence[str] = core.WORKLIST_BUCKETS


@dataclass(frozen=True, slots=True)
class Worklist:
    """One page of the ranked worklist."""

    rows: list[WorklistRow]
    reasons: dict[tuple[int, str], list[str]]
    page: Page
    options: WorklistOptions
    next_steps: dict[int, repository.NextStep] = field(default_factory=dict)
    # (customer, currency) -> expected amount at risk; empty without a trained model
    at_risk: dict[tuple[int, str], int] = field(default_factory=dict)


def worklist(
    session: Session,
    *,
    org_id: int,
    as_of: date,
    where: WorklistFilter,
    page: int,
    fmt: core.AmountFormatter,
) -> Worklist:
    """The accounts to work, highest priority first, each with the reasons why. With a
    trained late-payment model the priority is the expected amount at risk (open amount
    × probability of paying late), today's order among equals; without one, today's
    order (overdue amounts weighted by age)."""
    size = PAGE_SIZE
    at_risk = prediction.amounts_at_risk(session, org_id=org_id, as_of=as_of)
    if at_risk:
        rows, total = repository.worklist(
            session, org_id, as_of, where, limit=ALL, offset=0,
            accounts=_accounts(session, org_id, as_of),
        )  # fmt: skip
        rows.sort(key=lambda r: -at_risk.get((r.customer_id, r.currency), 0))
        rows = rows[(page - 1) * size : page * size]
    else:
        rows, total = repository.worklist(
            session, org_id, as_of, where, limit=size, offset=(page - 1) * size,
            accounts=_accounts(session, org_id, as_of),
        )  # fmt: skip
    options = figures.cached(
        session, org_id, ("worklist options",), (*figures.CUSTOMERS, *figures.LEDGER),
        lambda: WorklistOptions(
            collectors=repository.collectors(session, org_id),
            tags=repository.tags(session, org_id),
            currencies=repository.currencies(session, org_id),
        ),
    )  # fmt: skip
    why = {(r.customer_id, r.currency): core.reasons(r, as_of, fmt) for r in rows}
    steps = repository.next_steps(session, org_id, [r.customer_id for r in rows])
    shown = {(r.customer_id, r.currency): at_risk.get((r.customer_id, r.currency), 0) for r in rows}
    return Worklist(rows, why, Page(page, size, total), options, steps, shown if at_risk else {})


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One thing that happened to a customer's account."""

    at: datetime
    kind: str  # the cases timeline's kinds, or "portal-promise" / "portal-dispute" / ...
    text: str
    actor: str = ""
    detail: str = ""


@dataclass
class CustomerPage:
    """Everything the customer page shows."""

    customer: dict[str, Any]
    statement: Statement
    aging: list[tuple[str, list[tuple[str, int]]]]  # per currency: (bucket, amount)
    contacts: list[dict[str, Any]]
    timeline: list[TimelineEntry]
    submissions: list[PortalSubmission]
    disputes: list[Dispute] = field(default_factory=list)  # open ones
    promises: list[Promise] = field(default_factory=list)  # pending ones
    plans: list[case_plans.PlanState] = field(default_factory=list)  # active ones, as of today
    handoffs: list[Handoff] = field(default_factory=list)  # asked for or placed
    holds: list[CreditHold] = field(default_factory=list)  # active ones
    invoice_labels: dict[int, str] = field(default_factory=dict)
    tasks: list[caselists.CaseRow] = field(default_factory=list)  # open ones
    users: list[str] = field(default_factory=list)  # who a task can be given to
    approvals: list[approvals_service.Pending] = field(default_factory=list)  # waiting
    markers: dict[int, list[str]] = field(default_factory=dict)  # open invoice -> cases
    outlook: list[prediction.Outlook] = field(default_factory=list)  # per currency, if a model


def customer(session: Session, *, org_id: int, customer_id: int) -> dict[str, Any]:
    """One customer of the organisation as a dict; ``NotFound`` for anyone else's."""
    found = queries.customer_record(session, org_id=org_id, customer_id=customer_id)
    if found is None:
        raise NotFound(f"no customer with id {customer_id}")
    record = asdict(found)
    scope.check_customer(session, customer_id=customer_id, assigned=record["collector"])
    return record


def customer_aging(statement: Statement) -> list[tuple[str, list[tuple[str, int]]]]:
    """The open invoices of a statement in the default aging buckets, per currency."""
    buckets = ledger_core.aging_buckets()
    sums: dict[str, list[int]] = {}
    for line in statement.invoices:
        acc = sums.setdefault(line.currency, [0] * len(buckets))
        index = next(i for i, b in enumerate(buckets) if b.holds(line.days_past_due))
        acc[index] += line.open_amount
    return [
        (currency, [(b.label, amount) for b, amount in zip(buckets, acc, strict=True)])
        for currency, acc in sorted(sums.items())
    ]


def customer_page(
    session: Session, *, org_id: int, customer_id: int, as_of: date, with_timeline: bool = True
) -> CustomerPage:
    """The customer, its balances and aging, contacts, open cases and timeline."""
    record = customer(session, org_id=org_id, customer_id=customer_id)
    statement = portal.customer_statement(
        session, org_id=org_id, customer_id=customer_id, as_of=as_of
    )
    contacts = [
        asdict(contact)
        for contact in queries.contact_records(session, org_id=org_id, customer_id=customer_id)
    ]
    submissions = portal.submissions(session, org_id=org_id, customer_id=customer_id)
    invoice_labels = _invoice_labels(session, org_id, customer_id)
    open_now = overview.open_cases(session, org_id=org_id, customer_id=customer_id, as_of=as_of)
    return CustomerPage(
        customer=record,
        statement=statement,
        aging=customer_aging(statement),
        contacts=contacts,
        timeline=_timeline(session, org_id, customer_id, submissions, invoice_labels)
        if with_timeline
        else [],
        submissions=submissions,
        disputes=open_now.disputes,
        promises=open_now.promises,
        plans=open_now.plans,
        handoffs=open_now.handoffs,
        holds=credit.holds(session, org_id=org_id, customer_id=customer_id, active_only=True),
        invoice_labels=invoice_labels,
        tasks=caselists.rows(
            session,
            "tasks",
            org_id,
            caselists.ListFilter(status="open", customer_id=customer_id, sort="due"),
            as_of,
            limit=50,
            offset=0,
        )[0],
        users=auth.collector_emails(session, org_id=org_id),
        approvals=approvals_service.pending(session, org_id=org_id, customer_id=customer_id),
        markers=case_queue.invoice_markers(
            session, org_id=org_id, invoice_ids=[i.id for i in statement.invoices]
        ),
        outlook=prediction.customer_outlook(
            session, org_id=org_id, customer_id=customer_id, as_of=as_of
        ),
    )


def _invoice_labels(session: Session, org_id: int, customer_id: int) -> dict[int, str]:
    return queries.invoice_numbers(session, org_id=org_id, customer_id=customer_id)


def _timeline(
    session: Session,
    org_id: int,
    customer_id: int,
    submissions: Sequence[PortalSubmission],
    invoice_labels: dict[int, str],
) -> list[TimelineEntry]:
    """The account's timeline (``recoup.cases``: ledger, messages, notes, calls, cases,
    credit, hand-offs) with what the customer said on the portal, newest first."""
    entries = [
        TimelineEntry(at=e.at, kind=e.kind, text=e.title, detail=e.detail)
        for e in case_timeline.timeline(session, org_id=org_id, customer_id=customer_id)
    ]
    for submission in submissions:
        entries.append(
            TimelineEntry(
                at=submission.created_at,
                kind=f"portal-{submission.kind}",
                text=_describe_submission(submission, invoice_labels),
                actor="customer (portal)",
                detail=submission.comment,
            )
        )
    for reply in inbound_words.timeline(session, org_id=org_id, customer_id=customer_id):
        entries.append(
            TimelineEntry(
                at=reply.at,
                kind="reply",
                text=reply.text,
                actor="customer (email)",
                detail=reply.detail,
            )
        )
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries


def _describe_submission(submission: PortalSubmission, invoice_labels: dict[int, str]) -> str:
    if submission.kind == "promise":
        amount = format_money(submission.promised_amount, submission.currency)
        return f"On the portal: promised to pay {amount} on {format_day(submission.promised_on)}"
    if submission.kind == "dispute":
        number = invoice_labels.get(submission.invoice_id or 0, "?")
        return f"On the portal: disputed invoice {number} ({submission.reason.replace('_', ' ')})"
    return "On the portal: left a message"


@dataclass(frozen=True, slots=True)
class InvoiceList:
    """One page of the invoice list."""

    rows: list[InvoiceRow]
    page: Page
    currencies: list[str]


def invoice_list(
    session: Session, *, org_id: int, where: InvoiceFilter, as_of: date, page: int
) -> InvoiceList:
    """Matching invoices, sorted and paged."""
    by_customer = bool(where.search) or where.assignees is not None
    count = figures.cached(
        session, org_id, ("invoice count", where, as_of),
        (*figures.LEDGER, *figures.CUSTOMERS) if by_customer else figures.LEDGER,
        lambda: repository.invoice_count(session, org_id, where, as_of),
    )  # fmt: skip
    rows, total = repository.invoices(
        session, org_id, where, as_of, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE,
        count=count,
    )  # fmt: skip
    return InvoiceList(rows, Page(page, PAGE_SIZE, total), repository.currencies(session, org_id))
