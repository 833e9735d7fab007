"""Case use cases: tasks, notes, calls, disputes, promises to pay, payment plans, and the
pauses they put on the escalation ladder.

Services never commit; the caller owns the transaction. Every record is an audited
model, so each create and update lands in the audit log. Outbound messages are never
sent from here: ``plan_effects`` returns outbox ``Effect``s for the daily run to
enqueue, and promise confirmations are enqueued through ``recoup.comms.outbox``.

The daily run calls, in this order: ``evaluate_promises``, ``evaluate_plans``,
``evaluate_disputes`` (or all three through ``run_day``), then ``pauses`` for the
engine and ``plan_effects`` for the outbox.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from recoup import clock, money
from recoup.cases import core, repository
from recoup.cases.core import KeptRate, PromiseLine, ScheduledInstalment
from recoup.cases.ledger_views import (
    CustomerView,
    checked_invoices,
    contacts,
    customer,
    customers_by_id,
    email_contact,
    invoices_by_id,
)
from recoup.cases.models import (
    OPEN_DISPUTE_STATUSES,
    CallLog,
    CallOutcome,
    Dispute,
    DisputeInvoice,
    DisputeReason,
    DisputeStatus,
    Handoff,
    HandoffStatus,
    Instalment,
    InstalmentStatus,
    Note,
    PaymentPlan,
    PlanFrequency,
    PlanInvoice,
    PlanStatus,
    Promise,
    PromiseChannel,
    PromiseItem,
    PromiseStatus,
    Task,
    TaskKind,
    TaskStatus,
)
from recoup.cases.payloads import instalment_notice, promise_confirmation
from recoup.comms import scheduling
from recoup.comms.models import OutboxKind
from recoup.comms.outbox import Effect, enqueue
from recoup.db.base import utcnow
from recoup.errors import Conflict, InvalidInput
from recoup.ledger import service as ledger
from recoup.policy.pauses import Pause, PauseScope
from recoup.webhooks import events as hook
from recoup.webhooks.service import emit


def _choice(enum: Any, value: str, field: str) -> Any:
    """``value`` as a member of the StrEnum ``enum``, or a clear error naming the choices."""
    try:
        return enum(str(value).strip().lower())
    except ValueError:
        names = ", ".join(member.value for member in enum)
        raise InvalidInput(f"{value!r} is not one of {names}", field=field) from None


def _amount(value: Decimal, currency: str, field: str) -> int:
    if value <= 0:
        raise InvalidInput("must be positive", field=field)
    return money.to_minor(value, currency)


# Which cases may coexist on an invoice (``core.admit`` decides; these read and apply)


def _label(kind: str, case: Any) -> tuple[core.Case, str]:
    if kind == "promise":
        return core.Case.PROMISE, (
            f"a pending promise (#{case.id}, to pay by {case.promised_on.isoformat()})"
        )
    if kind == "dispute":
        return core.Case.DISPUTE, f"open dispute #{case.id} ({case.reason.replace('_', ' ')})"
    if kind == "plan":
        return core.Case.PLAN, f"payment plan #{case.id}"
    if case.status == "placed":
        return core.Case.PLACEMENT, f"placed with agency {case.agency} (hand-off #{case.id})"
    return core.Case.HANDOFF, f"hand-off #{case.id} to agency {case.agency}, awaiting approval"


def cases_on_invoices(
    session: Session, *, org_id: int, invoice_ids: Sequence[int]
) -> list[core.CaseOnInvoice]:
    """Every open case holding one of ``invoice_ids`` (pending promises, open disputes,
    active plans, hand-offs asked for or placed), each named in words."""
    rows = repository.open_cases_on(session, org_id, invoice_ids)
    numbers = invoices_by_id(session, org_id=org_id, ids=sorted({r[2] for r in rows}))
    found = []
    for kind, case, invoice_id in rows:
        case_kind, label = _label(kind, case)
        found.append(
            core.CaseOnInvoice(case_kind, case.id, invoice_id, numbers[invoice_id].number, label)
        )
    return found


def admit_case(
    session: Session,
    *,
    org_id: int,
    new: core.Case,
    invoice_ids: Sequence[int],
    ignore: tuple[core.Case, int] | None = None,
) -> core.Admission:
    """``core.admit`` over the open cases on ``invoice_ids`` (but ``ignore``, the case
    itself when it is being decided): a ``Conflict`` in words when the new case may not
    go on them, else what it closes and leaves out."""
    found = [
        c
        for c in cases_on_invoices(session, org_id=org_id, invoice_ids=invoice_ids)
        if (c.kind, c.case_id) != ignore
    ]
    return core.admit(new, found)


def close_cases(
    session: Session,
    *,
    org_id: int,
    admission: core.Admission,
    new: core.Case,
    new_id: int,
    on: date,
    agency: str = "",
) -> None:
    """Cancel the open cases a new case closes, recording why on each."""
    for case in admission.closes:
        reason = core.closing_reason(new, case.kind, new_id=new_id, agency=agency)
        if case.kind is core.Case.PROMISE:
            cancel_promise(session, org_id=org_id, promise_id=case.case_id, on=on, reason=reason)
        elif case.kind is core.Case.PLAN:
            cancel_plan(session, org_id=org_id, plan_id=case.case_id, on=on, reason=reason)


# Tasks, notes and calls


def create_task(
    session: Session,
    *,
    org_id: int,
    customer_id: int | None,
    title: str,
    body: str = "",
    kind: str = "other",
    assignee: str = "",
    due_on: date | None = None,
    key: str | None = None,
) -> Task:
    """A new open task; with a ``key`` already used, the existing task (nothing new)."""
    if key is not None:
        existing = repository.by_key(session, Task, org_id, key)
        if existing is not None:
            return existing
    if not title.strip():
        raise InvalidInput("a task needs a title", field="title")
    if customer_id is not None:
        customer(session, org_id=org_id, customer_id=customer_id)
    task = Task(
        org_id=org_id,
        customer_id=customer_id,
        title=title.strip()[:200],
        body=body,
        kind=_choice(TaskKind, kind, "kind"),
        assignee=assignee.strip(),
        due_on=due_on,
        status=TaskStatus.OPEN,
        key=key,
    )
    repository.add(session, task)
    return task


def complete_task(
    session: Session, *, org_id: int, task_id: int, by: str, at: datetime | None = None
) -> Task:
    """Mark a task done by ``by``."""
    task: Task = repository.require(session, Task, org_id, task_id, "task")
    if task.status == TaskStatus.DONE:
        raise Conflict(f"task #{task_id} is already done")
    task.status = TaskStatus.DONE
    task.completed_by = by
    task.completed_at = at or utcnow()
    session.flush()
    return task


def open_tasks(session: Session, *, org_id: int, assignee: str | None = None) -> list[Task]:
    """Open tasks (of one assignee when named), soonest due first."""
    return repository.open_tasks(session, org_id, assignee)


def complete_task_by_key(session: Session, *, org_id: int, key: str, by: str) -> None:
    """Complete the open task raised with ``key`` (an approval once decided), if any."""
    task = repository.by_key(session, Task, org_id, key)
    if task is not None and task.status == TaskStatus.OPEN:
        complete_task(session, org_id=org_id, task_id=task.id, by=by)


def add_note(
    session: Session, *, org_id: int, customer_id: int, text: str, author: str = ""
) -> Note:
    """A note on a customer's account."""
    customer(session, org_id=org_id, customer_id=customer_id)
    if not text.strip():
        raise InvalidInput("a note needs some text", field="text")
    note = Note(org_id=org_id, customer_id=customer_id, text=text.strip(), author=author)
    repository.add(session, note)
    return note


def log_call(
    session: Session,
    *,
    org_id: int,
    customer_id: int,
    outcome: str,
    contact: str = "",
    note: str = "",
    author: str = "",
    at: datetime | None = None,
) -> CallLog:
    """Record a call with a customer and its outcome."""
    customer(session, org_id=org_id, customer_id=customer_id)
    call = CallLog(
        org_id=org_id,
        customer_id=customer_id,
        outcome=_choice(CallOutcome, outcome, "outcome"),
        contact=contact.strip(),
        note=note,
        author=author,
        called_at=at or utcnow(),
    )
    repository.add(session, call)
    return call


# Disputes


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
    checked_reason = _choice(DisputeReason, reason, "reason")
    invoices = checked_invoices(
        session, org_id=org_id, customer_id=customer_id, invoice_ids=invoice_ids, what="a dispute"
    )
    admit_case(session, org_id=org_id, new=core.Case.DISPUTE, invoice_ids=[i.id for i in invoices])
    currency = invoices[0].currency
    open_total = sum(i.open_amount for i in invoices)
    disputed = open_total if amount is None else _amount(amount, currency, "amount")
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
        dispute.disputed_amount if amount is None else _amount(amount, dispute.currency, "amount")
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


# Promises to pay


def add_promise(
    session: Session,
    *,
    org_id: int,
    customer_id: int,
    items: Sequence[tuple[int, Decimal | None]],
    promised_on: date,
    made_on: date | None = None,
    contact: str = "",
    channel: str = "phone",
    collector: str | None = None,
    grace_days: int = core.PROMISE_GRACE_DAYS,
    note: str = "",
    confirm: bool = False,
    now: datetime | None = None,
) -> Promise:
    """A promise to pay ``items`` (invoice id, amount — None for its open amount) by
    ``promised_on``; it pauses those invoices until ``promised_on + grace_days``.

    ``collector`` (who took the promise, for the kept rate per collector) defaults to the
    customer's collector. With ``confirm`` a ``promise_confirmation`` email is planned.
    """
    day = made_on or clock.today()
    checked_channel = _choice(PromiseChannel, channel, "channel")
    if promised_on < day:
        raise InvalidInput("the promised date is before the day it was made", field="date")
    if grace_days < 0:
        raise InvalidInput("must not be negative", field="grace_days")
    who = customer(session, org_id=org_id, customer_id=customer_id)
    invoices = checked_invoices(
        session,
        org_id=org_id,
        customer_id=customer_id,
        invoice_ids=[invoice_id for invoice_id, _ in items],
        what="a promise",
    )
    currency = invoices[0].currency
    amounts = []
    for invoice, (_, amount) in zip(invoices, items, strict=True):
        minor = invoice.open_amount if amount is None else _amount(amount, currency, "amount")
        if minor > invoice.open_amount:
            raise InvalidInput(
                f"{money.format_minor(minor, currency)} is more than the "
                f"{money.format_minor(invoice.open_amount, currency)} open on {invoice.number}",
                field="amount",
            )
        amounts.append(minor)
    admit_case(session, org_id=org_id, new=core.Case.PROMISE, invoice_ids=[i.id for i in invoices])
    promise = Promise(
        org_id=org_id,
        customer_id=customer_id,
        made_on=day,
        promised_on=promised_on,
        grace_days=grace_days,
        contact=contact.strip(),
        channel=checked_channel,
        collector=who.collector if collector is None else collector,
        currency=currency,
        promised_amount=sum(amounts),
        kept_amount=0,
        status=PromiseStatus.PENDING,
        note=note,
    )
    repository.add(session, promise)
    repository.add(
        session,
        *(
            PromiseItem(org_id=org_id, promise_id=promise.id, invoice_id=i.id, amount=a)
            for i, a in zip(invoices, amounts, strict=True)
        ),
    )
    if confirm:
        _confirm_promise(session, org_id, promise, who, [i.id for i in invoices], now)
    emit(
        session,
        org_id=org_id,
        type="promise.made",
        data=hook.promise(promise),
        key=f"promise:{promise.id}:made",
    )
    return promise


def _confirm_promise(
    session: Session,
    org_id: int,
    promise: Promise,
    who: CustomerView,
    invoice_ids: list[int],
    now: datetime | None,
) -> None:
    recipient = email_contact(contacts(session, org_id=org_id, customer_ids=[who.id])[who.id])
    kind = OutboxKind.EMAIL
    if recipient is None or who.do_not_contact or who.legal_hold:
        kind = OutboxKind.TASK
    effect = Effect(
        key=f"promise:{promise.id}:confirmation",
        kind=kind,
        customer_id=who.id,
        scheduled_at=now or utcnow(),
        template="promise_confirmation",
        recipient=recipient.email if recipient and kind is OutboxKind.EMAIL else who.collector,
        source="cases",
        payload=promise_confirmation(
            promise_id=promise.id,
            invoice_ids=invoice_ids,
            contact_id=recipient.id if recipient else None,
            amount=promise.promised_amount,
            currency=promise.currency,
            promised_on=promise.promised_on,
            made_on=promise.made_on,
            by_email=kind is OutboxKind.EMAIL,
        ).dump(),
    )
    at = now or utcnow()
    timed = scheduling.schedule_messages(
        session, org_id=org_id, effects=[effect], as_of=promise.made_on, now=at
    )
    enqueue(session, org_id=org_id, effects=timed)


def cancel_promise(
    session: Session, *, org_id: int, promise_id: int, on: date | None = None, reason: str = ""
) -> Promise:
    """Withdraw a pending promise (recorded in error, superseded by a plan); it ends the
    pause and counts in no kept rate."""
    promise: Promise = repository.require(session, Promise, org_id, promise_id, "promise")
    if promise.status != PromiseStatus.PENDING:
        raise Conflict(f"promise #{promise_id} is {promise.status}, not pending")
    promise.status = PromiseStatus.CANCELLED
    promise.closed_on = on or clock.today()
    if reason:
        promise.note = f"{promise.note}\ncancelled: {reason}".strip()
    session.flush()
    return promise


def _paid_in_window(
    allocations: Sequence[ledger.AllocationLine], start: date, end: date
) -> tuple[dict[int, int], dict[int, int]]:
    """Payments and credits allocated per invoice between ``start`` and ``end``."""
    paid: dict[int, int] = defaultdict(int)
    credited: dict[int, int] = defaultdict(int)
    for line in allocations:
        if start <= line.allocated_on <= end:
            target = paid if line.payment_id is not None else credited
            target[line.invoice_id] += line.amount
    return paid, credited


def evaluate_promises(session: Session, *, org_id: int, as_of: date) -> list[Promise]:
    """Judge pending promises on ``as_of``; the promises whose status changed.

    A promise is kept when payments allocated to its invoices between the day it was
    made and the promised date cover what was promised on each invoice (``core.
    judge_promise``); the grace days only delay chasing. After the deadline, or once
    everything was paid late, it is partially kept or broken; when money promised is
    still owed that ends its pause and raises a task for the collector.
    """
    pending = repository.promises(session, org_id, statuses=[PromiseStatus.PENDING])
    pending = [p for p in pending if p.made_on <= as_of]
    items = repository.promise_items(session, org_id, [p.id for p in pending])
    invoice_ids = [item.invoice_id for rows in items.values() for item in rows]
    by_invoice: dict[int, list[ledger.AllocationLine]] = defaultdict(list)
    for line in ledger.allocation_lines(session, org_id=org_id, invoice_ids=invoice_ids):
        by_invoice[line.invoice_id].append(line)
    changed = []
    for promise in pending:
        deadline = core.promise_deadline(promise.promised_on, promise.grace_days)
        lines_of = [a for item in items[promise.id] for a in by_invoice[item.invoice_id]]
        on_time = min(as_of, promise.promised_on)
        paid, credited = _paid_in_window(lines_of, promise.made_on, min(as_of, deadline))
        by_date, _ = _paid_in_window(lines_of, promise.made_on, on_time)
        outcome = core.judge_promise(
            [
                PromiseLine(
                    item.amount,
                    by_date[item.invoice_id],
                    credited[item.invoice_id],
                    paid_late=paid[item.invoice_id] - by_date[item.invoice_id],
                )
                for item in items[promise.id]
            ],
            promised_on=promise.promised_on,
            deadline=deadline,
            as_of=as_of,
        )
        if outcome is None:
            continue
        promise.status = outcome.status
        promise.kept_amount = outcome.kept_amount
        promise.closed_on = as_of
        changed.append(promise)
        if outcome.unpaid:
            _raise_broken_promise_task(session, org_id, promise, as_of)
            emit(
                session,
                org_id=org_id,
                type="promise.broken",
                data=hook.promise(promise),
                key=f"promise:{promise.id}:broken",
            )
    session.flush()
    return changed


def _raise_broken_promise_task(
    session: Session, org_id: int, promise: Promise, as_of: date
) -> None:
    promised = money.format_minor(promise.promised_amount, promise.currency)
    kept = money.format_minor(promise.kept_amount, promise.currency)
    verdict = "partially kept" if promise.status == PromiseStatus.PARTIALLY_KEPT else "broken"
    create_task(
        session,
        org_id=org_id,
        customer_id=promise.customer_id,
        title=f"Promise #{promise.id} to pay by {promise.promised_on.isoformat()} {verdict}",
        body=(
            f"{promise.contact or 'The customer'} promised {promised} {promise.currency} by "
            f"{promise.promised_on.isoformat()}; {kept} was paid. Escalation has resumed."
        ),
        kind=TaskKind.BROKEN_PROMISE,
        assignee=promise.collector,
        due_on=as_of,
        key=f"promise:{promise.id}:broken",
    )


@dataclass(frozen=True, slots=True)
class PromiseRates:
    """Promise-kept rates overall, per customer and per collector."""

    overall: KeptRate
    by_customer: dict[int, KeptRate]
    by_collector: dict[str, KeptRate]


def promise_kept_rates(session: Session, *, org_id: int, since: date | None = None) -> PromiseRates:
    """Promise-kept rates (``core.KeptRate``: kept / (kept + partially kept + broken))
    over promises made on or after ``since``."""
    found = [p for p in repository.promises(session, org_id) if since is None or p.made_on >= since]
    by_customer: dict[int, list[str]] = defaultdict(list)
    by_collector: dict[str, list[str]] = defaultdict(list)
    for promise in found:
        by_customer[promise.customer_id].append(promise.status)
        by_collector[promise.collector].append(promise.status)
    return PromiseRates(
        overall=core.kept_rate(p.status for p in found),
        by_customer={c: core.kept_rate(s) for c, s in by_customer.items()},
        by_collector={c: core.kept_rate(s) for c, s in by_collector.items()},
    )


def list_promises(
    session: Session,
    *,
    org_id: int,
    statuses: Sequence[str] | None = None,
    customer_id: int | None = None,
) -> list[Promise]:
    """Promises, oldest first; filtered by status and customer when given."""
    if customer_id is not None:
        found = repository.for_customer(session, Promise, org_id, customer_id)
        return [p for p in found if statuses is None or p.status in statuses]
    return repository.promises(session, org_id, statuses=statuses)


def promise_invoice_amounts(session: Session, *, org_id: int, promise_id: int) -> dict[int, int]:
    """``invoice id -> amount promised`` of one promise."""
    repository.require(session, Promise, org_id, promise_id, "promise")
    return {
        i.invoice_id: i.amount
        for i in repository.promise_items(session, org_id, [promise_id])[promise_id]
    }


# Payment plans


def _rate_bp(rate: Decimal) -> int:
    """An annual rate in percent ("8.5") as basis points (850)."""
    if rate < 0:
        raise InvalidInput("must not be negative", field="interest")
    bp = rate * 100
    if bp != bp.to_integral_value():
        raise InvalidInput("at most two decimals of a percent", field="interest")
    return int(bp)


def create_plan(
    session: Session,
    *,
    org_id: int,
    customer_id: int,
    invoice_ids: Sequence[int],
    start_on: date | None = None,
    first_due: date | None = None,
    instalments: int | None = None,
    frequency: str = "monthly",
    amounts: Sequence[Decimal] | None = None,
    dates: Sequence[date] | None = None,
    interest_rate: Decimal = Decimal(0),
    reminder_days: int = core.PLAN_REMINDER_DAYS,
    grace_days: int = core.PLAN_GRACE_DAYS,
    agreed_by: str = "",
    contact: str = "",
    note: str = "",
) -> PaymentPlan:
    """A payment plan over some of a customer's open invoices.

    The principal is their open amount today. Instalments are ``instalments`` equal parts
    (weekly, fortnightly or monthly from ``first_due``) or custom ``amounts`` and/or
    ``dates``; ``interest_rate`` is an annual percentage (simple, actual/365, on the
    declining principal; see ``core.build_schedule``). While active the plan pauses the
    ladder for those invoices and plans instalment reminders ``reminder_days`` before
    each due date; an instalment unpaid ``grace_days`` after its due date defaults it.
    """
    day = start_on or clock.today()
    checked_frequency = _choice(PlanFrequency, frequency, "frequency")
    if reminder_days < 0 or grace_days < 0:
        raise InvalidInput("reminder and grace days must not be negative", field="days")
    invoices = checked_invoices(
        session, org_id=org_id, customer_id=customer_id, invoice_ids=invoice_ids, what="a plan"
    )
    currency = invoices[0].currency
    admission = admit_case(
        session, org_id=org_id, new=core.Case.PLAN, invoice_ids=[i.id for i in invoices]
    )
    principal = sum(i.open_amount for i in invoices)
    schedule = core.build_schedule(
        principal=principal,
        start_on=day,
        first_due=first_due,
        count=instalments,
        frequency=checked_frequency,
        interest_bp=_rate_bp(interest_rate),
        amounts=None if amounts is None else [_amount(a, currency, "amounts") for a in amounts],
        dates=dates,
    )
    plan = PaymentPlan(
        org_id=org_id,
        customer_id=customer_id,
        currency=currency,
        principal_amount=principal,
        interest_amount=sum(i.interest for i in schedule),
        interest_rate_bp=_rate_bp(interest_rate),
        frequency=checked_frequency,
        created_on=day,
        reminder_days=reminder_days,
        grace_days=grace_days,
        status=PlanStatus.ACTIVE,
        agreed_by=agreed_by,
        contact=contact,
        note=note,
    )
    repository.add(session, plan)
    repository.add(
        session,
        *(
            PlanInvoice(org_id=org_id, plan_id=plan.id, invoice_id=i.id, amount=i.open_amount)
            for i in invoices
        ),
        *(
            Instalment(
                org_id=org_id,
                plan_id=plan.id,
                seq=s.seq,
                due_on=s.due_on,
                principal_amount=s.principal,
                interest_amount=s.interest,
                paid_amount=0,
                status=InstalmentStatus.PENDING,
            )
            for s in schedule
        ),
    )
    close_cases(
        session, org_id=org_id, admission=admission, new=core.Case.PLAN, new_id=plan.id, on=day
    )
    return plan


@dataclass(frozen=True, slots=True)
class PlanState:
    """A plan, its invoices and instalments as of a day; ``held_by`` names the open
    disputes on its invoices that hold its messages and its default (``core.admit``)."""

    plan: PaymentPlan
    invoice_ids: list[int]
    states: list[core.InstalmentState]
    status: PlanStatus
    held_by: tuple[int, ...] = ()
    resumed_on: date | None = None  # the last day a dispute holding it was resolved

    @property
    def remaining(self) -> int:
        """Principal and interest still owed under the plan."""
        return sum(s.outstanding + (0 if s.settled else s.interest) for s in self.states)

    @property
    def received(self) -> int:
        """Money received towards the plan (payments, never credits)."""
        return sum(s.paid for s in self.states)

    @property
    def credited(self) -> int:
        """Principal taken off the plan by credit notes."""
        return sum(s.credited for s in self.states)


def _plan_states(
    session: Session, org_id: int, plans: Sequence[PaymentPlan], as_of: date
) -> list[PlanState]:
    ids = [p.id for p in plans]
    invoices = repository.plan_invoices(session, org_id, ids)
    schedules = repository.instalments(session, org_id, ids)
    all_invoice_ids = [row.invoice_id for rows in invoices.values() for row in rows]
    lines: dict[int, list[ledger.AllocationLine]] = defaultdict(list)
    for line in ledger.allocation_lines(session, org_id=org_id, invoice_ids=all_invoice_ids):
        lines[line.invoice_id].append(line)
    disputed: dict[int, list[Dispute]] = defaultdict(list)
    links = repository.children(session, DisputeInvoice, org_id, "invoice_id", all_invoice_ids)
    found = repository.children(session, Dispute, org_id, "id", [r.dispute_id for r in links])
    disputes = {d.id: d for d in found if d.opened_on <= as_of}
    for row in links:
        if row.dispute_id in disputes:
            disputed[row.invoice_id].append(disputes[row.dispute_id])
    result = []
    for plan in plans:
        invoice_ids = [row.invoice_id for row in invoices[plan.id]]
        window = [
            line
            for invoice_id in invoice_ids
            for line in lines[invoice_id]
            if plan.created_on <= line.allocated_on <= as_of
        ]
        schedule = [
            ScheduledInstalment(i.seq, i.due_on, i.principal_amount, i.interest_amount)
            for i in schedules[plan.id]
        ]
        its = [d for i in invoice_ids for d in disputed.get(i, [])]
        held = tuple(sorted({d.id for d in its if d.resolved_on is None or d.resolved_on > as_of}))
        resumed = [
            d.resolved_on
            for d in its
            if d.resolved_on is not None and plan.created_on <= d.resolved_on <= as_of
        ]
        states, status = core.plan_progress(
            schedule,
            paid=sum(line.amount for line in window if line.payment_id is not None),
            credited=sum(line.amount for line in window if line.payment_id is None),
            as_of=as_of,
            grace_days=plan.grace_days,
            resumed_on=max(resumed, default=None),
        )
        result.append(
            PlanState(plan, invoice_ids, states, status, held, max(resumed, default=None))
        )
    return result


def plan_detail(session: Session, *, org_id: int, plan_id: int, as_of: date) -> PlanState:
    """A plan with its instalments, paid as of ``as_of``."""
    plan: PaymentPlan = repository.require(session, PaymentPlan, org_id, plan_id, "payment plan")
    return _plan_states(session, org_id, [plan], as_of)[0]


def evaluate_plans(session: Session, *, org_id: int, as_of: date) -> list[PaymentPlan]:
    """Apply payments to the active plans' instalments; complete the fully paid plans and
    default those with an instalment unpaid beyond the grace period (which ends their
    pause and raises a task). The plans whose status changed."""
    active = [
        p
        for p in repository.plans(session, org_id, statuses=[PlanStatus.ACTIVE])
        if p.created_on <= as_of
    ]
    rows = repository.instalments(session, org_id, [p.id for p in active])
    changed = []
    for state in _plan_states(session, org_id, active, as_of):
        for row, computed in zip(rows[state.plan.id], state.states, strict=True):
            if row.paid_amount != computed.paid or row.status != computed.status:
                row.paid_amount, row.status = computed.paid, computed.status
        if state.status is PlanStatus.ACTIVE:
            continue
        if state.status is PlanStatus.DEFAULTED and state.held_by:
            continue  # a dispute on its invoices holds the default until it is resolved
        state.plan.status = state.status
        state.plan.closed_on = as_of
        changed.append(state.plan)
        if state.status is PlanStatus.DEFAULTED:
            _raise_defaulted_task(session, org_id, state, as_of)
    session.flush()
    return changed


def _raise_defaulted_task(session: Session, org_id: int, state: PlanState, as_of: date) -> None:
    plan = state.plan
    missed = [s for s in state.states if s.status is InstalmentStatus.MISSED]
    who = customer(session, org_id=org_id, customer_id=plan.customer_id)
    create_task(
        session,
        org_id=org_id,
        customer_id=plan.customer_id,
        title=f"Payment plan #{plan.id} defaulted",
        body=(
            f"Instalment {missed[0].seq} due {missed[0].due_on.isoformat()} was not paid "
            f"within {plan.grace_days} days; escalation has resumed for the remaining "
            f"{money.format_minor(state.remaining, plan.currency)} {plan.currency}."
        ),
        kind=TaskKind.REVIEW,
        assignee=plan.agreed_by or who.collector,
        due_on=as_of,
        key=f"plan:{plan.id}:defaulted",
    )


def cancel_plan(
    session: Session, *, org_id: int, plan_id: int, on: date | None = None, reason: str = ""
) -> PaymentPlan:
    """End an active plan by agreement (no default); the ladder resumes for its invoices."""
    plan: PaymentPlan = repository.require(session, PaymentPlan, org_id, plan_id, "payment plan")
    if plan.status != PlanStatus.ACTIVE:
        raise Conflict(f"payment plan #{plan_id} is {plan.status}, not active")
    plan.status = PlanStatus.CANCELLED
    plan.closed_on = on or clock.today()
    if reason:
        plan.note = f"{plan.note}\ncancelled: {reason}".strip()
    session.flush()
    return plan


def list_plans(
    session: Session,
    *,
    org_id: int,
    statuses: Sequence[str] | None = None,
    customer_id: int | None = None,
) -> list[PaymentPlan]:
    """Payment plans, oldest first; filtered by status and customer when given."""
    if customer_id is not None:
        found = repository.for_customer(session, PaymentPlan, org_id, customer_id)
        return [p for p in found if statuses is None or p.status in statuses]
    return repository.plans(session, org_id, statuses=statuses)


def plan_effects(session: Session, *, org_id: int, as_of: date, now: datetime) -> list[Effect]:
    """The instalment reminders and missed-instalment notices active plans call for on
    ``as_of``, as outbox effects for the daily run to enqueue (nothing is written here).

    Keys are ``plan:<id>:instalment:<n>:reminder`` and ``...:missed``, so planning the
    same day twice (or the next day) adds nothing. The recipient is the customer's
    billing contact; a customer without a usable email address, or one marked do not
    contact or on legal hold, gets a ``task`` effect for its collector instead.
    """
    active = [
        p
        for p in repository.plans(session, org_id, statuses=[PlanStatus.ACTIVE])
        if p.created_on <= as_of
    ]
    states = _plan_states(session, org_id, active, as_of)
    customer_ids = sorted({p.customer_id for p in active})
    who = customers_by_id(session, org_id=org_id, ids=customer_ids)
    people = contacts(session, org_id=org_id, customer_ids=customer_ids)
    effects = []
    for state in states:
        if state.status is not PlanStatus.ACTIVE or state.held_by:
            # Closed by evaluate_plans (no more instalment messages), or held by a
            # dispute on its invoices: no reminder chases money in question.
            continue
        plan = state.plan
        account = who[plan.customer_id]
        recipient = email_contact(people.get(plan.customer_id, []))
        restricted = account.do_not_contact or account.legal_hold or recipient is None
        for notice in core.instalment_notices(
            state.states, as_of=as_of, reminder_days=plan.reminder_days
        ):
            template = "instalment_reminder" if notice.kind == "reminder" else "missed_instalment"
            payload = instalment_notice(
                notice,
                plan_id=plan.id,
                invoice_ids=state.invoice_ids,
                contact_id=recipient.id if recipient else None,
                as_of=as_of,
                count=len(state.states),
                currency=plan.currency,
                remaining=state.remaining,
                agreed_on=plan.created_on,
                pay_by=core.pay_by(notice.due_on, plan.grace_days, state.resumed_on),
                why_not_emailed=(
                    ""
                    if not restricted
                    else "no billing contact with an email address"
                    if recipient is None
                    else "the customer is marked do not contact or on legal hold"
                ),
            )
            effects.append(
                Effect(
                    key=f"plan:{plan.id}:instalment:{notice.seq}:{notice.kind}",
                    kind=OutboxKind.TASK if restricted else OutboxKind.EMAIL,
                    customer_id=plan.customer_id,
                    scheduled_at=now,
                    template=template,
                    recipient=account.collector if restricted else recipient.email,  # type: ignore[union-attr]
                    source="plan",
                    payload=payload.dump(),
                )
            )
    return effects


# Open cases of a customer


@dataclass(frozen=True, slots=True)
class OpenCases:
    """A customer's open cases, as the customer page lists them: pending promises, open
    disputes, active payment plans (with their instalments as of the day) and hand-offs
    awaiting approval or placed; ``on_invoice`` gives each invoice's open cases in
    words (for markers on the open invoices)."""

    promises: list[Promise]
    disputes: list[Dispute]
    plans: list[PlanState]
    handoffs: list[Handoff]
    on_invoice: dict[int, list[core.CaseOnInvoice]]

    def __bool__(self) -> bool:
        return bool(self.promises or self.disputes or self.plans or self.handoffs)


def open_cases(session: Session, *, org_id: int, customer_id: int, as_of: date) -> OpenCases:
    """Every open case of a customer (see ``OpenCases``), oldest first in each kind."""
    customer(session, org_id=org_id, customer_id=customer_id)
    promises = [
        p
        for p in repository.for_customer(session, Promise, org_id, customer_id)
        if p.status == PromiseStatus.PENDING
    ]
    disputes = [
        d
        for d in repository.for_customer(session, Dispute, org_id, customer_id)
        if d.status in OPEN_DISPUTE_STATUSES
    ]
    plans = [
        p
        for p in repository.for_customer(session, PaymentPlan, org_id, customer_id)
        if p.status == PlanStatus.ACTIVE
    ]
    handoffs = [
        h
        for h in repository.for_customer(session, Handoff, org_id, customer_id)
        if h.status in (HandoffStatus.PENDING, HandoffStatus.PLACED)
    ]
    invoice_ids = [
        i.id for i in ledger.open_invoices(session, org_id=org_id, customer_id=customer_id)
    ]
    on_invoice: dict[int, list[core.CaseOnInvoice]] = defaultdict(list)
    for case in cases_on_invoices(session, org_id=org_id, invoice_ids=invoice_ids):
        on_invoice[case.invoice_id].append(case)
    return OpenCases(
        promises, disputes, _plan_states(session, org_id, plans, as_of), handoffs, dict(on_invoice)
    )


# Pauses


def pauses(session: Session, *, org_id: int, as_of: date) -> list[Pause]:
    """Everything that takes invoices off the ladder on ``as_of``: open disputes
    (open-ended), pending promises (until the promised date + grace), active payment
    plans (open-ended) and agency placements (permanent while placed). One pause per
    invoice; each ends the day before the record was closed when it was closed later
    than ``as_of`` (so replays of past days see the pauses of that day)."""
    found: list[Pause] = []
    disputes = repository.disputes_pausing(session, org_id, as_of)
    disputed = repository.dispute_invoice_ids(session, org_id, [d.id for d in disputes])
    for dispute in disputes:
        for invoice_id in disputed[dispute.id]:
            found.append(
                Pause(
                    scope=PauseScope.INVOICE,
                    customer_id=dispute.customer_id,
                    starts_on=dispute.opened_on,
                    ends_on=core.pause_end(None, dispute.resolved_on),
                    reason=f"dispute #{dispute.id} ({dispute.reason})",
                    invoice_id=invoice_id,
                    kind="dispute",
                )
            )
    promises = repository.promises_pausing(session, org_id, as_of)
    items = repository.promise_items(session, org_id, [p.id for p in promises])
    for promise in promises:
        deadline = core.promise_deadline(promise.promised_on, promise.grace_days)
        for item in items[promise.id]:
            found.append(
                Pause(
                    scope=PauseScope.INVOICE,
                    customer_id=promise.customer_id,
                    starts_on=promise.made_on,
                    ends_on=core.pause_end(deadline, promise.closed_on),
                    reason=f"promise to pay by {promise.promised_on.isoformat()}",
                    invoice_id=item.invoice_id,
                    kind="promise",
                )
            )
    plans = repository.plans_pausing(session, org_id, as_of)
    covered = repository.plan_invoices(session, org_id, [p.id for p in plans])
    for plan in plans:
        for row in covered[plan.id]:
            found.append(
                Pause(
                    scope=PauseScope.INVOICE,
                    customer_id=plan.customer_id,
                    starts_on=plan.created_on,
                    ends_on=core.pause_end(None, plan.closed_on),
                    reason=f"payment plan #{plan.id}",
                    invoice_id=row.invoice_id,
                    kind="plan",
                )
            )
    handoffs = repository.handoffs_pausing(session, org_id, as_of)
    placed = repository.handoff_invoices(session, org_id, [h.id for h in handoffs])
    for handoff in handoffs:
        assert handoff.decided_on is not None
        for placement in placed[handoff.id]:
            found.append(
                Pause(
                    scope=PauseScope.INVOICE,
                    customer_id=handoff.customer_id,
                    starts_on=handoff.decided_on,
                    ends_on=core.pause_end(None, handoff.ended_on),
                    reason=f"placed with agency {handoff.agency} (hand-off #{handoff.id})",
                    invoice_id=placement.invoice_id,
                    kind="placement",
                )
            )
    return [p for p in found if p.active_on(as_of)]


# The daily run


def run_day(
    session: Session,
    *,
    org_id: int,
    as_of: date,
    now: datetime,
    sla_days: int = core.DISPUTE_SLA_DAYS,
) -> list[Effect]:
    """What cases do in the daily run: judge promises, apply payments to plans (default or
    complete them), raise dispute SLA tasks; returns the plans' effects for the outbox.
    Call it before ``pauses`` so that the engine sees today's pauses."""
    evaluate_promises(session, org_id=org_id, as_of=as_of)
    evaluate_plans(session, org_id=org_id, as_of=as_of)
    evaluate_disputes(session, org_id=org_id, as_of=as_of, sla_days=sla_days)
    return plan_effects(session, org_id=org_id, as_of=as_of, now=now)


def active_plan_states(
    session: Session, *, org_id: int, as_of: date, customer_ids: Sequence[int] | None = None
) -> list[PlanState]:
    """The active plans (of ``customer_ids`` when given) with their instalments as paid
    on ``as_of``: what another domain needs to know which instalment is due next."""
    active = [
        p
        for p in repository.plans(session, org_id, statuses=[PlanStatus.ACTIVE])
        if p.created_on <= as_of and (customer_ids is None or p.customer_id in set(customer_ids))
    ]
    return _plan_states(session, org_id, active, as_of)
