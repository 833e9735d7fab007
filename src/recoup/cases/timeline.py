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

from babel.numbers import format_currency
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
from recoup.ledger import queries
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


# The words of the timeline: every entry is a sentence a credit controller would write
# ("Formal notice emailed to ap@alpha.example", "Interest of £12.40 charged on 1007",
# "Call task done by anna@acme.example"), never an internal name or status code.


def money_words(minor: int, currency: str) -> str:
    """An amount with its currency sign, as the web app shows money.

    >>> money_words(1240, "GBP"), money_words(500000, "EUR")
    ('£12.40', '€5,000.00')
    """
    return str(format_currency(money.from_minor(minor, currency), currency, locale="en_GB"))


def day_words(day: date) -> str:
    """A date as people write it: ``10 Mar 2026``.

    >>> day_words(date(2026, 3, 1))
    '1 Mar 2026'
    """
    return f"{day.day} {day:%b %Y}"


def _words(code: str) -> str:
    return code.replace("_", " ")


# What each message template is, in words (anything else: its name, in words).
TEMPLATE_WORDS = {
    "pre_due_reminder": "Pre-due reminder",
    "due_notice": "Due-date notice",
    "courtesy_reminder": "Courtesy reminder",
    "formal_notice": "Formal notice",
    "final_demand": "Final demand",
    "statement": "Statement",
    "thank_you": "Thank-you note",
    "promise_confirmation": "Promise confirmation",
    "instalment_reminder": "Instalment reminder",
    "missed_instalment": "Missed-instalment notice",
    "owner_notification": "Note to the account owner",
}

_SENT_BY = {"email": "emailed", "letter": "posted", "sms": "texted"}
_TO_BE = {"email": "to be emailed", "letter": "to be sent by post", "sms": "to be texted"}

# What an action planned by the escalation policy is, in words.
_ACTION_WORDS = {
    "task": "Task",
    "charge": "Interest or fee charge",
    "credit_hold": "Credit hold",
    "handoff": "Hand-off to an agency",
}

TASK_WORDS = {
    "call": "Call task",
    "review": "Review task",
    "approval": "Approval task",
    "dispute_sla": "Overdue-dispute task",
    "broken_promise": "Broken-promise task",
    "delivery": "Failed-delivery task",
    "other": "Task",
}

CALL_WORDS = {
    "reached": "reached",
    "no_answer": "no answer",
    "wrong_number": "wrong number",
    "promised": "promised to pay",
    "disputed": "disputed",
    "refused": "refused to pay",
}

DISPUTE_OUTCOME_WORDS = {
    "resolved_valid": "upheld",
    "resolved_invalid": "found not valid",
    "credited": "settled with a credit note",
}

CHARGE_WORDS = {"interest": "Interest", "late_fee": "Late fee", "compensation": "Compensation"}


def message_title(
    kind: str, template: str | None, status: str, recipient: str, last_error: str = ""
) -> str | None:
    """A message or planned action from the outbox in words; None for an action that was
    carried out (the task, hold, charge or hand-off it made has its own entry).

    >>> message_title("email", "formal_notice", "sent", "ap@alpha.example")
    'Formal notice emailed to ap@alpha.example'
    >>> message_title("letter", "final_demand", "pending", "Alpha Ltd")
    'Final demand to be sent by post to Alpha Ltd'
    >>> message_title("email", "statement", "failed", "ap@x.example", "mailbox full")
    'Statement to ap@x.example could not be emailed: mailbox full'
    >>> message_title("email", "due_notice", "cancelled", "ap@x.example", "its invoices were paid")
    'Due-date notice to ap@x.example not sent: its invoices were paid'
    >>> message_title("email", "statement", "cancelled", "ap@x.example", "cancelled: wrong address")
    'Statement to ap@x.example cancelled: wrong address'
    >>> message_title("credit_hold", None, "pending", "")
    'Credit hold planned'
    >>> message_title("task", "call_script", "failed", "kim", "no such user")
    'Call task for kim could not be created: no such user'
    >>> message_title("credit_hold", "credit_hold", "sent", "") is None
    True
    """
    why = f": {last_error}" if last_error else ""
    if kind in _SENT_BY:
        what = TEMPLATE_WORDS.get(template or "", _words(template or "message").capitalize())
        to = f" to {recipient}" if recipient else ""
        if status == "sent":
            return f"{what} {_SENT_BY[kind]}{to}"
        if status == "failed":
            return f"{what}{to} could not be {_SENT_BY[kind]}{why}"
        if status == "unknown":
            return f"{what}{to}: not known whether it was {_SENT_BY[kind]}"
        if status == "cancelled":  # by a person ("cancelled: why"), or no longer due
            if not last_error or last_error.startswith("cancelled"):
                return f"{what}{to} {last_error or 'cancelled'}"
            return f"{what}{to} not sent: {last_error}"
        if status == "retrying":
            return f"{what} {_TO_BE[kind]}{to} (trying again{why})"
        return f"{what} {_TO_BE[kind]}{to}"
    what = _ACTION_WORDS.get(kind, _words(kind).capitalize())
    if kind == "task":
        what = "Call task" if template == "call_script" else "Task"
        what += f" for {recipient}" if recipient else ""
    if status == "sent":
        return None
    done = {"task": "created", "credit_hold": "placed", "handoff": "requested"}.get(kind, "made")
    if status in ("failed", "unknown"):
        return f"{what} could not be {done}{why}"
    if status == "cancelled":
        return f"{what} cancelled"
    return f"{what} planned"


def _fmt(minor: int, currency: str) -> str:
    return money_words(minor, currency)


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
                OutboxMessage.last_error,
            )
            .where(OutboxMessage.org_id == org_id, OutboxMessage.customer_id == customer_id)
            .order_by(OutboxMessage.id)
        )
    )


def _ledger_entries(
    session: Session, org_id: int, customer_id: int, invoices: Sequence[Any]
) -> list[TimelineEntry]:
    entries = []
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
                f"Invoice {invoice.number} of {_fmt(invoice.total_amount, invoice.currency)} "
                "issued",
                f"due {day_words(invoice.due_date)}",
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
                    f"{late} day{'s' if late != 1 else ''} late" if late > 0 else "on time",
                    link,
                )
            )
    for payment in queries.customer_payments(session, org_id=org_id, customer_id=customer_id):
        entries.append(
            TimelineEntry(
                _day(payment.received_on),
                "payment",
                f"Payment of {_fmt(payment.amount, payment.currency)} received",
                f"payment {payment.external_id}"
                + (f", reference {payment.reference}" if payment.reference else ""),
                f"/payments/{payment.id}",
            )
        )
    for note in queries.customer_credit_notes(session, org_id=org_id, customer_id=customer_id):
        entries.append(
            TimelineEntry(
                _day(note.issue_date),
                "credit_note",
                f"Credit note {note.number} of {_fmt(note.total_amount, note.currency)} issued",
                note.reason or "",
                f"/credit-notes/{note.id}",
            )
        )
    return entries


def _cancelled_because(note: str) -> str:
    """The reason recorded when a promise or plan was cancelled ("cancelled: ...")."""
    return note.rsplit("cancelled: ", 1)[-1] if "cancelled: " in note else ""


def _numbers(ids: Sequence[int], numbers: dict[int, str]) -> str:
    found = [numbers[i] for i in ids if i in numbers]
    return ", ".join(found) if found else "its invoices"


def _case_entries(
    session: Session, org_id: int, customer_id: int, numbers: dict[int, str]
) -> list[TimelineEntry]:
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
        outcome = CALL_WORDS.get(call.outcome, _words(call.outcome))
        entries.append(
            TimelineEntry(
                call.called_at,
                "call",
                f"Call with {call.contact or 'the customer'}: {outcome}"
                + (f" (called by {call.author})" if call.author else ""),
                call.note,
                f"/customers/{customer_id}#call-{call.id}",
            )
        )
    for task in repository.for_customer(session, Task, org_id, customer_id):
        link = f"/tasks/{task.id}"
        what = TASK_WORDS.get(task.kind, "Task")
        due = f"due {day_words(task.due_on)}" if task.due_on else ""
        entries.append(
            TimelineEntry(
                task.created_at,
                "task",
                f"{what} for {task.assignee or 'the team'}: {task.title}",
                due,
                link,
            )
        )
        if task.completed_at is not None:
            entries.append(
                TimelineEntry(
                    task.completed_at,
                    "task",
                    f"{what} done by {task.completed_by or 'someone'}",
                    task.title,
                    link,
                )
            )
    disputes = repository.for_customer(session, Dispute, org_id, customer_id)
    disputed = repository.dispute_invoice_ids(session, org_id, [d.id for d in disputes])
    for dispute in disputes:
        link = f"/disputes/{dispute.id}"
        entries.append(
            TimelineEntry(
                _day(dispute.opened_on),
                "dispute",
                f"Dispute #{dispute.id} opened on {_numbers(disputed[dispute.id], numbers)}: "
                f"{_words(dispute.reason)}",
                f"{_fmt(dispute.disputed_amount, dispute.currency)} in dispute"
                + (f"; {dispute.lines}" if dispute.lines else ""),
                link,
            )
        )
        if dispute.resolved_on is not None:
            outcome = DISPUTE_OUTCOME_WORDS.get(dispute.status, _words(dispute.status))
            entries.append(
                TimelineEntry(
                    _day(dispute.resolved_on),
                    "dispute",
                    f"Dispute #{dispute.id} {outcome}",
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
                f"{day_words(promise.promised_on)}",
                f"{promise.contact or 'the customer'}, by {_words(promise.channel)}"
                + (f"; taken by {promise.collector}" if promise.collector else ""),
                link,
            )
        )
        if promise.closed_on is not None:
            closed = promise.status == "cancelled"
            why = _cancelled_because(promise.note)
            entries.append(
                TimelineEntry(
                    _day(promise.closed_on),
                    "promise",
                    f"Promise #{promise.id} {_words(promise.status)}",
                    why
                    if closed
                    else f"{_fmt(promise.kept_amount, promise.currency)} of "
                    f"{_fmt(promise.promised_amount, promise.currency)} paid by "
                    f"{day_words(promise.promised_on)}",
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
                f"Payment plan #{plan.id} agreed: {_fmt(plan.principal_amount, plan.currency)} "
                f"in {count} {plan.frequency} instalment{'s' if count != 1 else ''}",
                f"agreed by {plan.agreed_by}" if plan.agreed_by else "",
                link,
            )
        )
        if plan.closed_on is not None:
            why = _cancelled_because(plan.note)
            entries.append(
                TimelineEntry(
                    _day(plan.closed_on),
                    "plan",
                    f"Payment plan #{plan.id} {plan.status}",
                    why if plan.status == "cancelled" else "",
                    link,
                )
            )
    return entries


def _agency_entries(
    session: Session, org_id: int, customer_id: int, numbers: dict[int, str]
) -> list[TimelineEntry]:
    entries = []
    handoffs = repository.for_customer(session, Handoff, org_id, customer_id)
    for handoff in handoffs:
        link = f"/handoffs/{handoff.id}"
        by = handoff.requested_by
        entries.append(
            TimelineEntry(
                _day(handoff.requested_on),
                "handoff",
                f"Hand-off #{handoff.id} to {handoff.agency} requested by "
                + ("the escalation policy" if by in ("", "policy") else by),
                f"{_fmt(handoff.placed_amount, handoff.currency)}; needs a manager's approval",
                link,
            )
        )
        if handoff.decided_on is not None:
            rejected = handoff.status == HandoffStatus.REJECTED
            entries.append(
                TimelineEntry(
                    _day(handoff.decided_on),
                    "handoff",
                    f"Hand-off #{handoff.id} to {handoff.agency} rejected by {handoff.approver}"
                    if rejected
                    else f"Invoices placed with {handoff.agency} (hand-off #{handoff.id}), "
                    f"approved by {handoff.approver}",
                    "" if rejected else _fmt(handoff.placed_amount, handoff.currency),
                    link,
                )
            )
        if handoff.ended_on is not None:
            entries.append(
                TimelineEntry(
                    _day(handoff.ended_on),
                    "handoff",
                    f"Invoices recalled from {handoff.agency} (hand-off #{handoff.id})",
                    "",
                    link,
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
        number = numbers.get(write_off.invoice_id, "an invoice")
        entries.append(
            TimelineEntry(
                _day(write_off.decided_on or write_off.requested_on),
                "write_off",
                f"Write-off of {_fmt(write_off.amount, write_off.currency)} on {number} "
                f"{'requested' if write_off.status == 'pending' else write_off.status}",
                write_off.reason,
                f"/invoices/{write_off.invoice_id}",
            )
        )
    return entries


def _credit_entries(
    session: Session, org_id: int, customer_id: int, numbers: dict[int, str]
) -> list[TimelineEntry]:
    entries = []
    link = f"/customers/{customer_id}#credit"
    for change in credit.limit_history(session, org_id=org_id, customer_id=customer_id):
        new = "none" if change.limit_amount is None else _fmt(change.limit_amount, change.currency)
        old = (
            "none"
            if change.previous_amount is None
            else _fmt(change.previous_amount, change.currency)
        )
        title = (
            "Credit limit removed" if change.limit_amount is None else f"Credit limit set to {new}"
        )
        entries.append(
            TimelineEntry(
                _day(change.effective_on),
                "credit_limit",
                title + (f" by {change.changed_by}" if change.changed_by else ""),
                f"was {old}" + (f"; {change.reason}" if change.reason else ""),
                link,
            )
        )
    placed_by = {"policy": " by the escalation policy", "rule": " by the credit rule"}
    for hold in credit.holds(session, org_id=org_id, customer_id=customer_id):
        who = placed_by.get(hold.source, f" by {hold.placed_by}" if hold.placed_by else "")
        entries.append(
            TimelineEntry(
                _day(hold.placed_on),
                "credit_hold",
                f"Credit hold placed{who}",
                hold.reason,
                link,
            )
        )
        if hold.released_on is not None:
            entries.append(
                TimelineEntry(
                    _day(hold.released_on),
                    "credit_hold",
                    "Credit hold released"
                    + (f" by {hold.released_by}" if hold.released_by else ""),
                    hold.release_reason,
                    link,
                )
            )
    for charge in charges.customer_charges(session, org_id=org_id, customer_id=customer_id):
        what = CHARGE_WORDS.get(charge.kind, _words(charge.kind).capitalize())
        on = f" on {numbers[charge.invoice_id]}" if charge.invoice_id in numbers else ""
        amount = _fmt(charge.amount, charge.currency)
        charge_link = f"/customers/{customer_id}#charge-{charge.id}"
        entries.append(
            TimelineEntry(
                charge.created_at,
                "charge",
                f"{what} of {amount} charged{on}",
                charge.description,
                charge_link,
            )
        )
        if charge.status != "open":
            entries.append(
                TimelineEntry(
                    charge.updated_at,
                    "charge",
                    f"{what} of {amount}{on} {charge.status}",
                    "",
                    charge_link,
                )
            )
    return entries


def _message_entries(session: Session, org_id: int, customer_id: int) -> list[TimelineEntry]:
    entries = []
    for row in _customer_outbox_direct(session, org_id, customer_id):
        title = message_title(
            str(row.kind), row.template, str(row.status), row.recipient, row.last_error or ""
        )
        if title is None:
            continue
        entries.append(
            TimelineEntry(
                row.sent_at or row.created_at,
                "message",
                title,
                row.subject or "",
                f"/outbox/{row.id}",
            )
        )
    return entries


def timeline(session: Session, *, org_id: int, customer_id: int) -> list[TimelineEntry]:
    """Everything on a customer's account, oldest first."""
    customer(session, org_id=org_id, customer_id=customer_id)
    invoices = customer_invoices(session, org_id=org_id, customer_id=customer_id)
    numbers = {i.id: i.number for i in invoices}
    entries = (
        _ledger_entries(session, org_id, customer_id, invoices)
        + _message_entries(session, org_id, customer_id)
        + _case_entries(session, org_id, customer_id, numbers)
        + _credit_entries(session, org_id, customer_id, numbers)
        + _agency_entries(session, org_id, customer_id, numbers)
    )
    return sorted(entries, key=lambda e: (e.at, _ORDER.get(e.kind, 99), e.title))


def history_summary(entries: Sequence[TimelineEntry]) -> str:
    """A one-line summary of an account's history (for an agency's placement file).

    >>> at = datetime(2026, 5, 1, tzinfo=UTC)
    >>> history_summary([TimelineEntry(at, "message", "Formal notice emailed to ap@x", "", ""),
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
