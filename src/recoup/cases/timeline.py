"""The customer timeline: everything that happened on an account, in one chronological
list — invoices issued and paid, payments, credit notes, messages, notes, calls, tasks,
disputes, promises, plans, credit limit changes and holds, charges, hand-offs,
recoveries and write-offs.

Events that only have a business date (an invoice's issue date) are placed at midnight
UTC of that day; ties keep a fixed order of kinds so the list is stable.
"""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from recoup import money
from recoup.cases import repository
from recoup.cases.ledger_views import customer, customer_invoices
from recoup.cases.models import (
    CallLog,
    Dispute,
    Handoff,
    HandoffStatus,
    Note,
    PaymentPlan,
    Promise,
    Recovery,
    Task,
    WriteOff,
)
from recoup.charges import service as charges
from recoup.comms.models import OutboxMessage
from recoup.credit import service as credit
from recoup.ledger import service as ledger


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One event on a customer's account; ``link`` is the web app's path to the record."""

    at: datetime
    kind: str
    title: str
    detail: str
    link: str


_ORDER = {
    kind: i
    for i, kind in enumerate(
        (
            "invoice",
            "credit_note",
            "payment",
            "invoice_paid",
            "charge",
            "message",
            "call",
            "note",
            "promise",
            "dispute",
            "plan",
            "credit_limit",
            "credit_hold",
            "handoff",
            "recovery",
            "write_off",
            "task",
        )
    )
}


def _day(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def _fmt(minor: int, currency: str) -> str:
    return f"{money.format_minor(minor, currency)} {currency}"


def _customer_outbox_direct(session: Session, org_id: int, customer_id: int) -> list[Any]:
    """The customer's outbox rows, read here until ``recoup.comms`` offers
    ``customer_outbox(session, *, org_id, customer_id)`` — then call that instead."""
    return list(
        session.execute(
            select(
                OutboxMessage.id,
                OutboxMessage.kind,
                OutboxMessage.template,
                OutboxMessage.status,
                OutboxMessage.sent_at,
                OutboxMessage.created_at,
                OutboxMessage.recipient,
                OutboxMessage.subject,
            )
            .where(OutboxMessage.org_id == org_id, OutboxMessage.customer_id == customer_id)
            .order_by(OutboxMessage.id)
        )
    )


def _ledger_entries(session: Session, org_id: int, customer_id: int) -> list[TimelineEntry]:
    entries = []
    invoices = customer_invoices(session, org_id=org_id, customer_id=customer_id)
    settled: dict[int, date] = {}
    for line in ledger.allocation_lines(
        session, org_id=org_id, invoice_ids=[i.id for i in invoices]
    ):
        settled[line.invoice_id] = max(settled.get(line.invoice_id, date.min), line.allocated_on)
    for invoice in invoices:
        link = f"/invoices/{invoice.id}"
        entries.append(
            TimelineEntry(
                _day(invoice.issue_date),
                "invoice",
                f"Invoice {invoice.number} issued",
                f"{_fmt(invoice.total_amount, invoice.currency)}, due "
                f"{invoice.due_date.isoformat()}",
                link,
            )
        )
        if invoice.status in ("paid", "written_off") and invoice.id in settled:
            late = (settled[invoice.id] - invoice.due_date).days
            verdict = "paid" if invoice.status == "paid" else "written off"
            entries.append(
                TimelineEntry(
                    _day(settled[invoice.id]),
                    "invoice_paid",
                    f"Invoice {invoice.number} {verdict}",
                    f"{late} days late" if late > 0 else "on time",
                    link,
                )
            )
    for row in ledger.snapshot(
        session,
        org_id=org_id,
        entity="payments",
        fields=("id", "received_on", "amount", "currency", "external_id", "reference"),
        where=("customer_id", [customer_id]),
    ):
        entries.append(
            TimelineEntry(
                _day(row[1]),
                "payment",
                f"Payment {row[4]} received",
                _fmt(row[2], row[3]) + (f", {row[5]}" if row[5] else ""),
                f"/payments/{row[0]}",
            )
        )
    for row in ledger.snapshot(
        session,
        org_id=org_id,
        entity="credit_notes",
        fields=("id", "issue_date", "total_amount", "currency", "number", "reason"),
        where=("customer_id", [customer_id]),
    ):
        entries.append(
            TimelineEntry(
                _day(row[1]),
                "credit_note",
                f"Credit note {row[4]} issued",
                _fmt(row[2], row[3]) + (f", {row[5]}" if row[5] else ""),
                f"/credit-notes/{row[0]}",
            )
        )
    return entries


def _case_entries(session: Session, org_id: int, customer_id: int) -> list[TimelineEntry]:
    entries = []
    for note in repository.for_customer(session, Note, org_id, customer_id):
        entries.append(
            TimelineEntry(
                note.created_at,
                "note",
                f"Note by {note.author or 'someone'}",
                note.text,
                f"/customers/{customer_id}#note-{note.id}",
            )
        )
    for call in repository.for_customer(session, CallLog, org_id, customer_id):
        entries.append(
            TimelineEntry(
                call.called_at,
                "call",
                f"Call: {call.outcome.replace('_', ' ')}"
                + (f" ({call.contact})" if call.contact else ""),
                call.note,
                f"/customers/{customer_id}#call-{call.id}",
            )
        )
    for task in repository.for_customer(session, Task, org_id, customer_id):
        link = f"/tasks/{task.id}"
        entries.append(
            TimelineEntry(
                task.created_at,
                "task",
                f"Task: {task.title}",
                f"{task.kind}" + (f", for {task.assignee}" if task.assignee else ""),
                link,
            )
        )
        if task.completed_at is not None:
            entries.append(
                TimelineEntry(
                    task.completed_at, "task", f"Task done: {task.title}", task.completed_by, link
                )
            )
    for dispute in repository.for_customer(session, Dispute, org_id, customer_id):
        link = f"/disputes/{dispute.id}"
        entries.append(
            TimelineEntry(
                _day(dispute.opened_on),
                "dispute",
                f"Dispute #{dispute.id} opened ({dispute.reason})",
                _fmt(dispute.disputed_amount, dispute.currency)
                + (f"; {dispute.lines}" if dispute.lines else ""),
                link,
            )
        )
        if dispute.resolved_on is not None:
            entries.append(
                TimelineEntry(
                    _day(dispute.resolved_on),
                    "dispute",
                    f"Dispute #{dispute.id} {dispute.status.replace('_', ' ')}",
                    dispute.resolution,
                    link,
                )
            )
    for promise in repository.for_customer(session, Promise, org_id, customer_id):
        link = f"/promises/{promise.id}"
        entries.append(
            TimelineEntry(
                _day(promise.made_on),
                "promise",
                f"Promise to pay {_fmt(promise.promised_amount, promise.currency)} by "
                f"{promise.promised_on.isoformat()}",
                f"{promise.contact or 'customer'} by {promise.channel}"
                + (f", taken by {promise.collector}" if promise.collector else ""),
                link,
            )
        )
        if promise.closed_on is not None:
            entries.append(
                TimelineEntry(
                    _day(promise.closed_on),
                    "promise",
                    f"Promise #{promise.id} {promise.status.replace('_', ' ')}",
                    f"{_fmt(promise.kept_amount, promise.currency)} of "
                    f"{_fmt(promise.promised_amount, promise.currency)} paid",
                    link,
                )
            )
    for plan in repository.for_customer(session, PaymentPlan, org_id, customer_id):
        link = f"/plans/{plan.id}"
        count = len(repository.instalments(session, org_id, [plan.id])[plan.id])
        entries.append(
            TimelineEntry(
                _day(plan.created_on),
                "plan",
                f"Payment plan #{plan.id} agreed",
                f"{_fmt(plan.principal_amount, plan.currency)} in {count} {plan.frequency} "
                "instalments",
                link,
            )
        )
        if plan.closed_on is not None:
            entries.append(
                TimelineEntry(
                    _day(plan.closed_on), "plan", f"Payment plan #{plan.id} {plan.status}", "", link
                )
            )
    return entries


def _agency_entries(session: Session, org_id: int, customer_id: int) -> list[TimelineEntry]:
    entries = []
    handoffs = repository.for_customer(session, Handoff, org_id, customer_id)
    for handoff in handoffs:
        link = f"/handoffs/{handoff.id}"
        entries.append(
            TimelineEntry(
                _day(handoff.requested_on),
                "handoff",
                f"Hand-off #{handoff.id} to {handoff.agency} requested",
                f"by {handoff.requested_by}" if handoff.requested_by else "",
                link,
            )
        )
        if handoff.decided_on is not None:
            entries.append(
                TimelineEntry(
                    _day(handoff.decided_on),
                    "handoff",
                    f"Hand-off #{handoff.id} "
                    + ("rejected" if handoff.status == HandoffStatus.REJECTED else "placed"),
                    f"{handoff.approver} ({handoff.approver_role})",
                    link,
                )
            )
        if handoff.ended_on is not None:
            entries.append(
                TimelineEntry(
                    _day(handoff.ended_on), "handoff", f"Hand-off #{handoff.id} recalled", "", link
                )
            )
    recoveries = repository.children(
        session, Recovery, org_id, "handoff_id", [h.id for h in handoffs]
    )
    for recovery in recoveries:
        entries.append(
            TimelineEntry(
                _day(recovery.received_on),
                "recovery",
                f"Agency recovered {_fmt(recovery.gross_amount, recovery.currency)}",
                f"commission {_fmt(recovery.commission_amount, recovery.currency)}, net "
                f"{_fmt(recovery.net_amount, recovery.currency)}",
                f"/handoffs/{recovery.handoff_id}",
            )
        )
    for write_off in repository.for_customer(session, WriteOff, org_id, customer_id):
        entries.append(
            TimelineEntry(
                _day(write_off.decided_on or write_off.requested_on),
                "write_off",
                f"Write-off of {_fmt(write_off.amount, write_off.currency)} {write_off.status}",
                write_off.reason,
                f"/invoices/{write_off.invoice_id}",
            )
        )
    return entries


def _credit_entries(session: Session, org_id: int, customer_id: int) -> list[TimelineEntry]:
    entries = []
    link = f"/customers/{customer_id}#credit"
    for change in credit.limit_history(session, org_id=org_id, customer_id=customer_id):
        new = "none" if change.limit_amount is None else _fmt(change.limit_amount, change.currency)
        old = (
            "none"
            if change.previous_amount is None
            else _fmt(change.previous_amount, change.currency)
        )
        entries.append(
            TimelineEntry(
                _day(change.effective_on),
                "credit_limit",
                f"Credit limit set to {new}",
                f"was {old}" + (f"; {change.reason}" if change.reason else ""),
                link,
            )
        )
    for hold in credit.holds(session, org_id=org_id, customer_id=customer_id):
        entries.append(
            TimelineEntry(
                _day(hold.placed_on),
                "credit_hold",
                f"Credit hold ({hold.source})",
                hold.reason,
                link,
            )
        )
        if hold.released_on is not None:
            entries.append(
                TimelineEntry(
                    _day(hold.released_on),
                    "credit_hold",
                    "Credit hold released",
                    hold.release_reason,
                    link,
                )
            )
    for charge in charges.open_charges(session, org_id=org_id, customer_id=customer_id):
        entries.append(
            TimelineEntry(
                charge.created_at,
                "charge",
                f"{str(charge.kind).replace('_', ' ').capitalize()} charged: "
                f"{_fmt(charge.amount, charge.currency)}",
                charge.description,
                f"/customers/{customer_id}#charge-{charge.id}",
            )
        )
    return entries


def _message_entries(session: Session, org_id: int, customer_id: int) -> list[TimelineEntry]:
    entries = []
    for row in _customer_outbox_direct(session, org_id, customer_id):
        template = row.template.replace("_", " ") if row.template else row.kind
        entries.append(
            TimelineEntry(
                row.sent_at or row.created_at,
                "message",
                f"{str(row.kind).capitalize()}: {template} ({row.status})",
                row.subject or row.recipient,
                f"/outbox/{row.id}",
            )
        )
    return entries


def timeline(session: Session, *, org_id: int, customer_id: int) -> list[TimelineEntry]:
    """Everything on a customer's account, oldest first."""
    customer(session, org_id=org_id, customer_id=customer_id)
    entries = (
        _ledger_entries(session, org_id, customer_id)
        + _message_entries(session, org_id, customer_id)
        + _case_entries(session, org_id, customer_id)
        + _credit_entries(session, org_id, customer_id)
        + _agency_entries(session, org_id, customer_id)
    )
    return sorted(entries, key=lambda e: (e.at, _ORDER.get(e.kind, 99), e.title))


def history_summary(entries: Sequence[TimelineEntry]) -> str:
    """A one-line summary of an account's history (for an agency's placement file).

    >>> at = datetime(2026, 5, 1, tzinfo=UTC)
    >>> history_summary([TimelineEntry(at, "message", "Email: formal notice (sent)", "", ""),
    ...                  TimelineEntry(at, "promise", "Promise #1 broken", "", "")])
    '1 message (last 2026-05-01); 1 promise broken'
    """
    counts = Counter(e.kind for e in entries)
    parts = []
    messages = [e for e in entries if e.kind == "message"]
    if messages:
        last = max(e.at for e in messages).date().isoformat()
        parts.append(f"{len(messages)} message{'s' if len(messages) != 1 else ''} (last {last})")
    if counts["call"]:
        parts.append(f"{counts['call']} call{'s' if counts['call'] != 1 else ''}")
    broken = sum(1 for e in entries if e.kind == "promise" and e.title.endswith(" broken"))
    partial = sum(1 for e in entries if e.kind == "promise" and e.title.endswith("partially kept"))
    if broken:
        parts.append(f"{broken} promise{'s' if broken != 1 else ''} broken")
    if partial:
        parts.append(f"{partial} promise{'s' if partial != 1 else ''} partially kept")
    disputes = sum(1 for e in entries if e.kind == "dispute" and " opened " in e.title)
    if disputes:
        parts.append(f"{disputes} dispute{'s' if disputes != 1 else ''}")
    defaulted = sum(1 for e in entries if e.kind == "plan" and e.title.endswith(" defaulted"))
    if defaulted:
        parts.append(f"{defaulted} payment plan{'s' if defaulted != 1 else ''} defaulted")
    return "; ".join(parts) or "no collection activity recorded"
