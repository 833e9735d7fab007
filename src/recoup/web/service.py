"""What the team's pages show, assembled from the domains' services.

Each function loads one page's data for one organisation; the views render it. Writes
go through the owning domain's service (ledger, imports, auth, portal), never here.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from recoup.audit import service as audit
from recoup.errors import NotFound
from recoup.ledger import core as ledger_core
from recoup.ledger import service as ledger
from recoup.portal import service as portal
from recoup.portal.core import Statement
from recoup.portal.models import PortalSubmission
from recoup.web import core, repository
from recoup.web.core import Page, WorklistRow
from recoup.web.formatting import format_day, format_money
from recoup.web.repository import InvoiceFilter, InvoiceRow, WorklistFilter

PAGE_SIZE = 50
TIMELINE_RECORDS = 40


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


def dashboard(session: Session, *, org_id: int, as_of: date, collector: str | None) -> Dashboard:
    """Total AR, overdue share, aging and DSO per currency; the top of the worklist;
    what customers said on the portal that nobody has seen yet."""
    report = ledger.aging_report(session, org_id=org_id, as_of=as_of, by_customer=False)
    sales = repository.credit_sales(session, org_id, as_of - timedelta(days=364), as_of)
    summaries = []
    for line in report.totals:
        overdue = line.total - line.buckets[0]
        summaries.append(
            CurrencySummary(
                currency=line.currency,
                total=line.total,
                overdue=overdue,
                buckets=list(zip(report.labels, line.buckets, strict=True)),
                overdue_percent=core.percent(overdue, line.total),
                dso=core.standard_dso(line.total, sales.get(line.currency, 0)),
                credit_sales=sales.get(line.currency, 0),
                unapplied=line.unapplied_payments,
                credits=line.open_credits,
            )
        )
    summaries.sort(key=lambda s: -s.total)
    top, _ = repository.worklist(
        session, org_id, as_of, WorklistFilter(collector=collector), limit=8, offset=0
    )
    unseen = portal.unseen_submissions(session, org_id=org_id, collector=collector, limit=10)
    return Dashboard(as_of, summaries, top, _with_names(session, org_id, unseen))


def _with_names(
    session: Session, org_id: int, submissions: Sequence[PortalSubmission]
) -> list[tuple[PortalSubmission, str]]:
    ids = sorted({s.customer_id for s in submissions})
    names = {
        row[0]: row[1]
        for row in ledger.snapshot(
            session, org_id=org_id, entity="customers", fields=("id", "name"), where=("id", ids)
        )
    }
    return [(s, names.get(s.customer_id, "")) for s in submissions]


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


def worklist(
    session: Session,
    *,
    org_id: int,
    as_of: date,
    where: WorklistFilter,
    page: int,
    fmt: core.AmountFormatter,
) -> Worklist:
    """The accounts to work, highest priority first, each with the reasons why."""
    size = PAGE_SIZE
    rows, total = repository.worklist(
        session, org_id, as_of, where, limit=size, offset=(page - 1) * size
    )
    options = WorklistOptions(
        collectors=repository.collectors(session, org_id),
        tags=repository.tags(session, org_id),
        currencies=repository.currencies(session, org_id),
    )
    why = {(r.customer_id, r.currency): core.reasons(r, as_of, fmt) for r in rows}
    return Worklist(rows, why, Page(page, size, total), options)


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One thing that happened to a customer's account."""

    at: datetime
    kind: str  # "audit" | "portal" | ...
    text: str
    actor: str = ""
    detail: str = ""
    order: int = 0  # the audit sequence, to order events of one moment


@dataclass
class CustomerPage:
    """Everything the customer page shows."""

    customer: dict[str, Any]
    statement: Statement
    aging: list[tuple[str, list[tuple[str, int]]]]  # per currency: (bucket, amount)
    contacts: list[dict[str, Any]]
    timeline: list[TimelineEntry]
    submissions: list[PortalSubmission]
    invoice_labels: dict[int, str] = field(default_factory=dict)


CUSTOMER_FIELDS = (
    "id",
    "external_id",
    "name",
    "currency",
    "country",
    "language",
    "timezone",
    "payment_terms_days",
    "credit_limit_amount",
    "tags",
    "collector",
    "status",
    "vat_number",
    "registration_number",
    "is_consumer",
)
CONTACT_FIELDS = ("id", "name", "role", "email", "phone", "preferred_channel", "opted_out")


def customer(session: Session, *, org_id: int, customer_id: int) -> dict[str, Any]:
    """One customer of the organisation as a dict; ``NotFound`` for anyone else's."""
    rows = ledger.snapshot(
        session,
        org_id=org_id,
        entity="customers",
        fields=CUSTOMER_FIELDS,
        where=("id", [customer_id]),
    )
    if not rows:
        raise NotFound(f"no customer with id {customer_id}")
    return dict(zip(CUSTOMER_FIELDS, rows[0], strict=True))


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


def customer_page(session: Session, *, org_id: int, customer_id: int, as_of: date) -> CustomerPage:
    """The customer, its balances and aging, contacts, and timeline."""
    record = customer(session, org_id=org_id, customer_id=customer_id)
    statement = portal.customer_statement(
        session, org_id=org_id, customer_id=customer_id, as_of=as_of
    )
    contacts = [
        dict(zip(CONTACT_FIELDS, row, strict=True))
        for row in ledger.snapshot(
            session,
            org_id=org_id,
            entity="contacts",
            fields=CONTACT_FIELDS,
            where=("customer_id", [customer_id]),
        )
    ]
    submissions = portal.submissions(session, org_id=org_id, customer_id=customer_id)
    invoice_labels = _invoice_labels(session, org_id, customer_id)
    timeline = _timeline(session, org_id, record, statement, submissions, invoice_labels)
    return CustomerPage(
        customer=record,
        statement=statement,
        aging=customer_aging(statement),
        contacts=contacts,
        timeline=timeline,
        submissions=submissions,
        invoice_labels=invoice_labels,
    )


def _invoice_labels(session: Session, org_id: int, customer_id: int) -> dict[int, str]:
    rows = ledger.snapshot(
        session,
        org_id=org_id,
        entity="invoices",
        fields=("id", "number", "issue_date"),
        where=("customer_id", [customer_id]),
    )
    rows.sort(key=lambda r: (r[2], r[0]), reverse=True)
    return {r[0]: r[1] for r in rows}


def _timeline(
    session: Session,
    org_id: int,
    record: dict[str, Any],
    statement: Statement,
    submissions: Sequence[PortalSubmission],
    invoice_labels: dict[int, str],
) -> list[TimelineEntry]:
    """Audit events of the customer, its open and latest invoices and its unapplied
    payments, with the portal submissions, newest first."""
    records: list[tuple[str, int, str]] = [("customers", record["id"], record["name"])]
    currencies = {line.id: line.currency for line in statement.invoices}
    currencies.update({line.id: line.currency for line in statement.credits})
    invoice_ids = [line.id for line in statement.invoices]
    invoice_ids += [i for i in invoice_labels if i not in invoice_ids][:10]
    records += [("invoices", i, invoice_labels.get(i, "")) for i in invoice_ids]
    records += [
        ("payments", line.id, line.number) for line in statement.credits if line.kind == "payment"
    ]
    records += [
        ("credit_notes", line.id, line.number)
        for line in statement.credits
        if line.kind == "credit_note"
    ]
    entries: list[TimelineEntry] = []
    for entity, entity_id, label in records[:TIMELINE_RECORDS]:
        for event in audit.history(session, org_id=org_id, entity=entity, entity_id=entity_id):
            entries.append(
                TimelineEntry(
                    at=event.occurred_at,
                    kind="audit",
                    text=core.describe_event(
                        entity,
                        event.action,
                        label,
                        event.before,
                        event.after,
                        currency=currencies.get(entity_id, record["currency"]),
                        fmt=format_money,
                    ),
                    order=event.seq,
                    actor=event.actor,
                )
            )
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
    entries.sort(key=lambda e: (e.at, e.order), reverse=True)
    return entries


def _describe_submission(submission: PortalSubmission, invoice_labels: dict[int, str]) -> str:
    if submission.kind == "promise":
        amount = format_money(submission.promised_amount, submission.currency)
        return f"Promised to pay {amount} on {format_day(submission.promised_on)}"
    if submission.kind == "dispute":
        number = invoice_labels.get(submission.invoice_id or 0, "?")
        return f"Disputed invoice {number}: {submission.reason.replace('_', ' ')}"
    return "Left a message"


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
    rows, total = repository.invoices(
        session, org_id, where, as_of, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
    )
    return InvoiceList(rows, Page(page, PAGE_SIZE, total), repository.currencies(session, org_id))
