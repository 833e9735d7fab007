"""Disputes: opened on some of a customer's open invoices (which pauses them),
investigated, resolved valid, invalid or credited (a credit note through the ledger);
the daily run raises a task for a dispute open past its SLA (``evaluate_disputes``).

Services never commit; the caller owns the transaction."""

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from recoup import clock, money
from recoup.cases import core, repository
from recoup.cases.coexistence import admit_case
from recoup.cases.fields import choice, positive_amount
from recoup.cases.ledger_views import (
    checked_invoices,
    customer,
    invoices_by_id,
)
from recoup.cases.models import (
    OPEN_DISPUTE_STATUSES,
    Dispute,
    DisputeInvoice,
    DisputeReason,
    DisputeStatus,
    Task,
    TaskKind,
)
from recoup.cases.tasks import complete_task_by_key, create_task
from recoup.errors import Conflict, InvalidInput
from recoup.ledger import service as ledger
from recoup.webhooks import events as hook
from recoup.webhooks.service import emit


def open_dispute(
    session: Session,
    *,
    org_id: int,
    customer_id: int,
    invoice_ids: Sequence[int],
    reason: str,
    amount: Decimal | None = None,
    owner: str = "",
    lines: str = "",
    description: str = "",
    opened_on: date | None = None,
) -> Dispute:
    """A dispute on some of a customer's open invoices; it pauses them until resolved.

    ``amount`` (in dispute) defaults to the invoices' open amounts; ``lines`` names the
    disputed invoice lines, as text.
    """
    checked_reason = choice(DisputeReason, reason, "reason")
    invoices = checked_invoices(
        session, org_id=org_id, customer_id=customer_id, invoice_ids=invoice_ids, what="a dispute"
    )
    admit_case(session, org_id=org_id, new=core.Case.DISPUTE, invoice_ids=[i.id for i in invoices])
    currency = invoices[0].currency
    open_total = sum(i.open_amount for i in invoices)
    disputed = open_total if amount is None else positive_amount(amount, currency, "amount")
    if disputed > open_total:
        raise InvalidInput(
            f"{money.format_minor(disputed, currency)} is more than the "
            f"{money.format_minor(open_total, currency)} open on the invoices",
            field="amount",
        )
    dispute = Dispute(
        org_id=org_id,
        customer_id=customer_id,
        reason=checked_reason,
        currency=currency,
        disputed_amount=disputed,
        lines=lines,
        description=description,
        owner=owner.strip(),
        status=DisputeStatus.OPEN,
        opened_on=opened_on or clock.today(),
    )
    repository.add(session, dispute)
    repository.add(
        session,
        *(DisputeInvoice(org_id=org_id, dispute_id=dispute.id, invoice_id=i.id) for i in invoices),
    )
    emit(
        session,
        org_id=org_id,
        type="dispute.opened",
        data=hook.dispute(dispute, [i.id for i in invoices]),
        key=f"dispute:{dispute.id}:opened",
    )
    return dispute


def investigate_dispute(session: Session, *, org_id: int, dispute_id: int) -> Dispute:
    """Mark an open dispute as under investigation (it stays a pause)."""
    dispute: Dispute = repository.require(session, Dispute, org_id, dispute_id, "dispute")
    if dispute.status != DisputeStatus.OPEN:
        raise Conflict(f"dispute #{dispute_id} is {dispute.status}, not open")
    dispute.status = DisputeStatus.INVESTIGATING
    session.flush()
    return dispute


_OUTCOMES = {
    "valid": DisputeStatus.RESOLVED_VALID,
    "resolved_valid": DisputeStatus.RESOLVED_VALID,
    "invalid": DisputeStatus.RESOLVED_INVALID,
    "resolved_invalid": DisputeStatus.RESOLVED_INVALID,
    "credited": DisputeStatus.CREDITED,
}


def resolve_dispute(
    session: Session,
    *,
    org_id: int,
    dispute_id: int,
    outcome: str,
    on: date | None = None,
    note: str = "",
    credit_amount: Decimal | None = None,
    by: str = "",
) -> Dispute:
    """Close a dispute: ``valid``, ``invalid`` or ``credited``; each ends its pause.

    ``credited`` issues a credit note (``credit_amount``, default the amount in dispute)
    through the ledger and applies it to the disputed invoices in order, each up to its
    open amount; what cannot be applied stays open on the credit note. ``invalid`` only
    ends the pause: the engine resumes where it stopped.
    """
    status = _OUTCOMES.get(outcome.strip().lower())
    if status is None:
        raise InvalidInput(f"{outcome!r} is not one of valid, invalid, credited", field="outcome")
    dispute: Dispute = repository.require(session, Dispute, org_id, dispute_id, "dispute")
    customer(session, org_id=org_id, customer_id=dispute.customer_id)
    if dispute.status not in OPEN_DISPUTE_STATUSES:
        raise Conflict(f"dispute #{dispute_id} is already closed ({dispute.status})")
    day = on or clock.today()
    if day < dispute.opened_on:
        raise InvalidInput("a dispute cannot be resolved before it was opened", field="on")
    if status is DisputeStatus.CREDITED:
        dispute.credit_note_id = _credit_dispute(session, org_id, dispute, day, credit_amount)
    elif credit_amount is not None:
        raise InvalidInput("only a credited resolution takes a credit amount", field="amount")
    dispute.status = status
    dispute.resolved_on = day
    dispute.resolution = note or (f"resolved by {by}" if by else "")
    session.flush()
    complete_task_by_key(session, org_id=org_id, key=f"dispute:{dispute.id}:sla", by=by or "system")
    emit(
        session,
        org_id=org_id,
        type="dispute.resolved",
        data=hook.dispute(dispute),
        key=f"dispute:{dispute.id}:resolved",
    )
    return dispute


def _credit_dispute(
    session: Session, org_id: int, dispute: Dispute, day: date, amount: Decimal | None
) -> int:
    total = (
        dispute.disputed_amount
        if amount is None
        else positive_amount(amount, dispute.currency, "amount")
    )
    if total <= 0:
        raise InvalidInput("a credited resolution needs an amount to credit", field="amount")
    note = ledger.create_credit_note(
        session,
        org_id=org_id,
        customer_id=dispute.customer_id,
        number=f"CN-DSP-{dispute.id}",
        issue_date=day,
        total=money.from_minor(total, dispute.currency),
        currency=dispute.currency,
        reason=f"dispute #{dispute.id} ({dispute.reason}) credited",
    )
    ids = repository.dispute_invoice_ids(session, org_id, [dispute.id])[dispute.id]
    found = invoices_by_id(session, org_id=org_id, ids=ids)
    left = total
    for invoice_id in ids:
        invoice = found[invoice_id]
        part = min(left, invoice.open_amount) if invoice.status == "open" else 0
        if part > 0:
            ledger.allocate(
                session,
                org_id=org_id,
                invoice_id=invoice_id,
                amount=money.from_minor(part, dispute.currency),
                on=day,
                credit_note_id=note.id,
            )
            left -= part
    return note.id


def list_disputes(
    session: Session,
    *,
    org_id: int,
    statuses: Sequence[str] | None = None,
    customer_id: int | None = None,
) -> list[Dispute]:
    """Disputes, oldest first; filtered by status and customer when given."""
    if customer_id is not None:
        found = repository.for_customer(session, Dispute, org_id, customer_id)
        return [d for d in found if statuses is None or d.status in statuses]
    return repository.disputes(session, org_id, statuses=statuses)


def dispute_invoice_ids(session: Session, *, org_id: int, dispute_id: int) -> list[int]:
    """The invoices a dispute is about."""
    repository.require(session, Dispute, org_id, dispute_id, "dispute")
    return repository.dispute_invoice_ids(session, org_id, [dispute_id])[dispute_id]


def evaluate_disputes(
    session: Session, *, org_id: int, as_of: date, sla_days: int = core.DISPUTE_SLA_DAYS
) -> list[Task]:
    """Raise a task for the owner of every dispute open longer than ``sla_days``
    (once per dispute: the task's key is ``dispute:<id>:sla``); the tasks raised."""
    raised = []
    for dispute in repository.disputes(session, org_id, statuses=list(OPEN_DISPUTE_STATUSES)):
        age = (as_of - dispute.opened_on).days
        if age <= sla_days:
            continue
        key = f"dispute:{dispute.id}:sla"
        if repository.by_key(session, Task, org_id, key) is not None:
            continue
        raised.append(
            create_task(
                session,
                org_id=org_id,
                customer_id=dispute.customer_id,
                title=f"Dispute #{dispute.id} ({dispute.reason}) open for {age} days",
                body=(
                    f"The dispute was opened on {dispute.opened_on.isoformat()}; the target "
                    f"is to resolve disputes within {sla_days} days."
                ),
                kind=TaskKind.DISPUTE_SLA,
                assignee=dispute.owner,
                due_on=as_of,
                key=key,
            )
        )
    return raised
