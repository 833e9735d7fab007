"""Promises to pay: made (pausing their invoices until the promised date + grace, with
an optional confirmation email enqueued through ``recoup.comms.outbox``), judged kept,
partially kept or broken by the daily run (``evaluate_promises``), cancelled, and the
kept rates.

Services never commit; the caller owns the transaction."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from recoup import clock, money
from recoup.cases import core, repository
from recoup.cases.coexistence import admit_case
from recoup.cases.core import KeptRate, PromiseLine
from recoup.cases.fields import choice, positive_amount
from recoup.cases.ledger_views import (
    CaseCustomerView,
    checked_invoices,
    contacts,
    customer,
    email_contact,
)
from recoup.cases.models import (
    Promise,
    PromiseChannel,
    PromiseItem,
    PromiseStatus,
    TaskKind,
)
from recoup.cases.payloads import promise_confirmation
from recoup.cases.tasks import create_task
from recoup.comms import scheduling
from recoup.comms.models import OutboxKind
from recoup.comms.outbox import Effect, enqueue
from recoup.db.base import utcnow
from recoup.errors import Conflict, InvalidInput
from recoup.ledger import service as ledger
from recoup.webhooks import events as hook
from recoup.webhooks.service import emit


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
    checked_channel = choice(PromiseChannel, channel, "channel")
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
        minor = (
            invoice.open_amount if amount is None else positive_amount(amount, currency, "amount")
        )
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
    who: CaseCustomerView,
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


# Returned payments and chargebacks arrive weeks after the money did: a promise judged
# kept within this many days is judged again when money that kept it is taken back.
REJUDGE_DAYS = 180


def _by_invoice(
    session: Session, org_id: int, items: dict[int, list[PromiseItem]]
) -> dict[int, list[ledger.AllocationLine]]:
    invoice_ids = [item.invoice_id for rows in items.values() for item in rows]
    by_invoice: dict[int, list[ledger.AllocationLine]] = defaultdict(list)
    for line in ledger.allocation_lines(session, org_id=org_id, invoice_ids=invoice_ids):
        by_invoice[line.invoice_id].append(line)
    return by_invoice


def _judge(
    promise: Promise,
    items: Sequence[PromiseItem],
    by_invoice: dict[int, list[ledger.AllocationLine]],
    as_of: date,
) -> core.PromiseOutcome | None:
    """``core.judge_promise`` on the money allocated to the promise's invoices now."""
    deadline = core.promise_deadline(promise.promised_on, promise.grace_days)
    lines_of = [a for item in items for a in by_invoice[item.invoice_id]]
    on_time = min(as_of, promise.promised_on)
    paid, credited = _paid_in_window(lines_of, promise.made_on, min(as_of, deadline))
    by_date, _ = _paid_in_window(lines_of, promise.made_on, on_time)
    return core.judge_promise(
        [
            PromiseLine(
                item.amount,
                by_date[item.invoice_id],
                credited[item.invoice_id],
                paid_late=paid[item.invoice_id] - by_date[item.invoice_id],
            )
            for item in items
        ],
        promised_on=promise.promised_on,
        deadline=deadline,
        as_of=as_of,
    )


def _reopen_taken_back(session: Session, org_id: int, as_of: date) -> list[Promise]:
    """Promises judged kept (or partly) whose money was taken back since — a returned
    payment, a chargeback, an undone bank match, a settlement an import withdrew: judged
    again on the day they were closed, they keep less. They are pending again (the
    caller judges them as of today); the promise's note says why."""
    judged = repository.promises(
        session,
        org_id,
        statuses=[PromiseStatus.KEPT, PromiseStatus.PARTIALLY_KEPT],
        closed_between=(as_of - timedelta(days=REJUDGE_DAYS), as_of),
    )
    if not judged:
        return []
    items = repository.promise_items(session, org_id, [p.id for p in judged])
    by_invoice = _by_invoice(session, org_id, items)
    reopened = []
    for promise in judged:
        assert promise.closed_on is not None
        again = _judge(promise, items[promise.id], by_invoice, promise.closed_on)
        if (again.kept_amount if again else 0) >= promise.kept_amount:
            continue
        was = "kept" if promise.status == PromiseStatus.KEPT else "partially kept"
        promise.note = (
            f"{promise.note}\nreopened on {as_of.isoformat()}: judged {was} on "
            f"{promise.closed_on.isoformat()}, but money that kept it was taken back"
        ).strip()
        promise.status, promise.closed_on, promise.kept_amount = PromiseStatus.PENDING, None, 0
        reopened.append(promise)
    session.flush()
    return reopened


def evaluate_promises(session: Session, *, org_id: int, as_of: date) -> list[Promise]:
    """Judge pending promises on ``as_of``; the promises whose status changed.

    A promise is kept when payments allocated to its invoices between the day it was
    made and the promised date cover what was promised on each invoice (``core.
    judge_promise``); the grace days only delay chasing. After the deadline, or once
    everything was paid late, it is partially kept or broken; when money promised is
    still owed that ends its pause and raises a task for the collector.

    A promise judged kept whose money was taken back since (``_reopen_taken_back``) is
    judged again: pending while its date is still ahead, else broken with its task.
    """
    reopened = _reopen_taken_back(session, org_id, as_of)
    pending = repository.promises(session, org_id, statuses=[PromiseStatus.PENDING])
    pending = [p for p in pending if p.made_on <= as_of]
    items = repository.promise_items(session, org_id, [p.id for p in pending])
    by_invoice = _by_invoice(session, org_id, items)
    changed = list(reopened)
    for promise in pending:
        outcome = _judge(promise, items[promise.id], by_invoice, as_of)
        if outcome is None:
            continue
        promise.status = outcome.status
        promise.kept_amount = outcome.kept_amount
        promise.closed_on = as_of
        if promise not in changed:
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
