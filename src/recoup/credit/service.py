"""Credit-control use cases: credit limits (with history), open orders, exposure, credit
holds — manual, by the escalation policy, and by the credit rule — and limit suggestions.

Services never commit. The customer's current limit and its ``on_hold`` status are kept
on the ledger's customer through ``recoup.ledger.service``; the sales owner hears of a
hold through an ``owner_notification`` email planned in the outbox in the same
transaction.
"""

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from recoup import clock, money
from recoup.audit.service import insert_audited
from recoup.cases.payloads import TaskOrder, TaskParams
from recoup.comms.models import OutboxKind
from recoup.comms.outbox import Effect, enqueue
from recoup.comms.payloads import Message
from recoup.credit import core, repository
from recoup.credit.core import Exposure, LimitSuggestion, Sale
from recoup.credit.models import CreditHold, CreditLimitChange, HoldSource, HoldStatus, OpenOrders
from recoup.db.base import utcnow
from recoup.errors import InvalidInput
from recoup.ledger import queries as ledger_queries
from recoup.ledger import service as ledger
from recoup.ledger.enums import CustomerStatus
from recoup.webhooks import events as hook
from recoup.webhooks.service import emit, emit_many

# Limits and exposure


def set_credit_limit(
    session: Session,
    *,
    org_id: int,
    customer_id: int,
    limit: Decimal | None,
    reason: str = "",
    by: str = "",
    on: date | None = None,
) -> CreditLimitChange:
    """Set a customer's credit limit (None removes it), in the customer's currency, and
    record the change with the limit before it."""
    customer = ledger.customer_by_id(session, org_id=org_id, customer_id=customer_id)
    previous = customer.credit_limit_amount
    ledger.set_credit_limit(session, org_id=org_id, customer_id=customer_id, limit=limit)
    change = CreditLimitChange(
        org_id=org_id,
        customer_id=customer_id,
        currency=customer.currency,
        previous_amount=previous,
        limit_amount=customer.credit_limit_amount,
        reason=reason,
        changed_by=by,
        effective_on=on or clock.today(),
    )
    session.add(change)
    session.flush()
    return change


def limit_history(session: Session, *, org_id: int, customer_id: int) -> list[CreditLimitChange]:
    """A customer's credit limit changes, oldest first."""
    return repository.limit_changes(session, org_id, customer_id)


def report_open_orders(
    session: Session,
    *,
    org_id: int,
    customer_id: int,
    amount: Decimal,
    on: date | None = None,
    reference: str = "",
) -> OpenOrders:
    """Record the value of a customer's orders not yet invoiced (in its currency); it
    replaces the previous report and counts towards its exposure."""
    customer = ledger.customer_by_id(session, org_id=org_id, customer_id=customer_id)
    if amount < 0:
        raise InvalidInput("must not be negative", field="amount")
    minor = money.to_minor(amount, customer.currency)
    row = repository.open_orders_of(session, org_id, customer_id)
    if row is None:
        row = OpenOrders(org_id=org_id, customer_id=customer_id, currency=customer.currency)
        session.add(row)
    row.open_amount = minor
    row.reported_on = on or clock.today()
    row.reference = reference
    session.flush()
    return row


def _exposure(
    customer_id: int,
    currency: str,
    limit: int | None,
    balances: Sequence[ledger.OpenBalance],
    orders: OpenOrders | None,
) -> Exposure:
    own = [b for b in balances if b.currency == currency]
    return Exposure(
        customer_id=customer_id,
        currency=currency,
        open_amount=sum(b.open_amount for b in own),
        open_orders=orders.open_amount if orders is not None else 0,
        limit=limit,
        oldest_due=min((b.oldest_due for b in balances), default=None),
    )


def exposure(session: Session, *, org_id: int, customer_id: int) -> Exposure:
    """A customer's exposure: open invoices in its currency plus reported open orders.

    Invoices in other currencies are not converted into it (they still count for the
    days-past-due rule)."""
    customer = ledger.customer_by_id(session, org_id=org_id, customer_id=customer_id)
    balances = [
        b for b in ledger.open_balances(session, org_id=org_id) if b.customer_id == customer_id
    ]
    orders = repository.open_orders_of(session, org_id, customer_id)
    return _exposure(customer.id, customer.currency, customer.credit_limit_amount, balances, orders)


# Holds


def _notify_owner(
    session: Session,
    *,
    org_id: int,
    customer_id: int,
    sales_owner: str,
    key: str,
    event: str,
    note: str,
    on: date,
    now: datetime | None,
) -> None:
    if not sales_owner:
        return
    overdue = [
        i.id
        for i in ledger.open_invoices(session, org_id=org_id, customer_id=customer_id)
        if i.due_date < on
    ]
    effect = _owner_note(
        customer_id=customer_id,
        owner=sales_owner,
        key=key,
        event=event,
        note=note,
        invoice_ids=overdue,
        on=on,
        now=now,
    )
    enqueue(session, org_id=org_id, effects=[effect])


def _owner_note(
    *,
    customer_id: int,
    owner: str,
    key: str,
    event: str,
    note: str,
    invoice_ids: list[int],
    on: date,
    now: datetime | None,
) -> Effect:
    """An email to the account's sales owner (not a message to the customer)."""
    return Effect(
        key=key,
        kind=OutboxKind.EMAIL,
        customer_id=customer_id,
        scheduled_at=now or utcnow(),
        template="owner_notification",
        recipient=owner,
        source="credit",
        to_customer=False,
        payload=Message(event=event, note=note, invoice_ids=invoice_ids, as_of=on).dump(),
    )


# The automatic holds, by their labels: the credit rule and the escalation policy never
# give a customer two active holds. The second reason joins the hold in force, which
# becomes the policy's (released when the account is cleared, not when the rule's
# condition clears). A person's hold is a person's decision and stays apart.
_AUTOMATIC = {HoldSource.RULE: "credit rule", HoldSource.POLICY: "escalation policy"}


def _joins(reason: str, source: HoldSource) -> bool:
    """Whether ``source``'s reason is still to join a policy hold saying ``reason``."""
    return f"{_AUTOMATIC[source]}: " not in reason


def _join_hold(hold: CreditHold, *, source: HoldSource, reason: str) -> CreditHold:
    """Add ``source``'s ``reason`` to the customer's active automatic ``hold`` (once):
    one hold, saying both reasons."""
    label = f"{_AUTOMATIC[source]}: "
    if source != hold.source and label not in hold.reason:
        own = _AUTOMATIC[HoldSource(hold.source)]
        if not hold.reason.startswith(own):
            hold.reason = f"{own}: {hold.reason}"
        hold.reason = f"{hold.reason}; {label}{reason.strip()}"
        hold.source = HoldSource.POLICY
    return hold


def place_hold(
    session: Session,
    *,
    org_id: int,
    customer_id: int,
    reason: str,
    source: str = "manual",
    key: str | None = None,
    by: str = "",
    on: date | None = None,
    now: datetime | None = None,
) -> CreditHold:
    """Put a customer on credit hold; idempotent by ``key`` (the same key returns the
    hold it placed, even once released) and by source (an active hold of the same source
    is returned rather than doubled). The credit rule and the policy share one hold: a
    policy hold for a customer on the rule's hold joins it (``_join_hold``).

    The customer's status becomes ``on_hold`` and its sales owner is notified
    (``owner_notification``, event ``credit_hold``). ``source`` is ``manual``,
    ``policy`` (the engine's ``credit_hold`` action) or ``rule`` (``evaluate_holds``).
    """
    try:
        checked_source = HoldSource(source)
    except ValueError:
        raise InvalidInput(
            f"{source!r} is not one of manual, policy, rule", field="source"
        ) from None
    if key is not None:
        existing = repository.hold_by_key(session, org_id, key)
        if existing is not None:
            return existing
    if not reason.strip():
        raise InvalidInput("a credit hold needs a reason", field="reason")
    customer = ledger.customer_by_id(session, org_id=org_id, customer_id=customer_id)
    for active in repository.holds(session, org_id, customer_id=customer_id, active_only=True):
        if active.source == checked_source:
            return active
        if checked_source in _AUTOMATIC and active.source in _AUTOMATIC:
            joined = _join_hold(active, source=checked_source, reason=reason)
            session.flush()
            return joined
    day = on or clock.today()
    hold = CreditHold(
        org_id=org_id,
        customer_id=customer_id,
        source=checked_source,
        reason=reason.strip(),
        status=HoldStatus.ACTIVE,
        placed_on=day,
        placed_by=by,
        key=key,
    )
    session.add(hold)
    session.flush()
    emit(
        session,
        org_id=org_id,
        type="credit_hold.placed",
        data=hook.credit_hold(hold),
        key=f"credit_hold:{hold.id}:placed",
    )
    if customer.status == CustomerStatus.ACTIVE:
        ledger.set_customer_status(
            session, org_id=org_id, customer_id=customer_id, status=CustomerStatus.ON_HOLD
        )
        _notify_owner(
            session,
            org_id=org_id,
            customer_id=customer.id,
            sales_owner=customer.sales_owner,
            key=f"credit_hold:{hold.id}:owner",
            event="credit_hold",
            note=hold.reason,
            on=day,
            now=now,
        )
    return hold


def release_hold(
    session: Session,
    *,
    org_id: int,
    customer_id: int,
    reason: str = "",
    by: str = "",
    on: date | None = None,
    sources: Sequence[str] | None = None,
    now: datetime | None = None,
) -> list[CreditHold]:
    """Release a customer's active holds (only those of ``sources`` when given); when
    none is left the customer is active again and its sales owner is told. The holds
    released (empty when there was none)."""
    customer = ledger.customer_by_id(session, org_id=org_id, customer_id=customer_id)
    day = on or clock.today()
    active = repository.holds(session, org_id, customer_id=customer_id, active_only=True)
    released = [h for h in active if sources is None or h.source in sources]
    for hold in released:
        hold.status = HoldStatus.RELEASED
        hold.released_on = day
        hold.released_by = by
        hold.release_reason = reason
    session.flush()
    emit_many(
        session,
        org_id=org_id,
        type="credit_hold.released",
        events=[(f"credit_hold:{h.id}:released", hook.credit_hold(h)) for h in released],
    )
    if released and len(released) == len(active) and customer.status == CustomerStatus.ON_HOLD:
        ledger.set_customer_status(
            session, org_id=org_id, customer_id=customer_id, status=CustomerStatus.ACTIVE
        )
        _notify_owner(
            session,
            org_id=org_id,
            customer_id=customer.id,
            sales_owner=customer.sales_owner,
            key=f"credit_hold:{released[-1].id}:released:owner",
            event="credit_hold_released",
            note=reason,
            on=day,
            now=now,
        )
    return released


def holds(
    session: Session, *, org_id: int, customer_id: int | None = None, active_only: bool = False
) -> list[CreditHold]:
    """Credit holds, oldest first."""
    return repository.holds(session, org_id, customer_id=customer_id, active_only=active_only)


def release_holds_of_cleared_accounts(
    session: Session,
    *,
    org_id: int,
    as_of: date,
    still_owing: Mapping[int, str],
    customer_range: tuple[int, int] | None = None,
    now: datetime | None = None,
    owing_invoices: Collection[int] | None = None,
) -> list[CreditHold]:
    """Release the escalation policy's holds of accounts that are cleared on ``as_of``:
    no open invoice, and nothing in ``still_owing`` (open charges, an active payment
    plan). A hold a person placed is not released automatically: a task asks the
    account's collector to review it (once per hold). ``owing_invoices``: the customers
    (of the range) with an open invoice, when the caller knows them already (the credit
    rule's ``HoldChanges.owing``, read the same day). The holds released."""
    candidates: dict[int, list[int]] = defaultdict(list)
    for hold_id, customer_id, source, _ in repository.active_hold_rows(
        session, org_id, customer_range=customer_range
    ):
        # The credit rule's own holds are released by ``evaluate_holds``.
        if source != HoldSource.RULE and customer_id not in still_owing:
            candidates[customer_id].append(hold_id)
    if not candidates:
        return []
    if owing_invoices is None:
        owing_invoices = {
            b.customer_id
            for b in ledger.open_balances(session, org_id=org_id, customer_range=customer_range)
        }
    # The holds themselves only of the accounts cleared (a few of those on hold).
    active: dict[int, list[CreditHold]] = defaultdict(list)
    for hold in repository.holds_with_ids(
        session,
        org_id,
        [i for c, ids in candidates.items() if c not in owing_invoices for i in ids],
    ):
        active[hold.customer_id].append(hold)
    released: list[CreditHold] = []
    tasks: list[Effect] = []
    for customer_id, holds_of_customer in sorted(active.items()):
        if any(h.source == HoldSource.POLICY for h in holds_of_customer):
            released += release_hold(
                session,
                org_id=org_id,
                customer_id=customer_id,
                reason="account cleared: nothing is open",
                by="escalation policy",
                on=as_of,
                sources=[HoldSource.POLICY],
                now=now,
            )
        manual = [h for h in holds_of_customer if h.source == HoldSource.MANUAL]
        if manual:
            customer = ledger.customer_by_id(session, org_id=org_id, customer_id=customer_id)
            for hold in manual:
                tasks.append(
                    Effect(
                        key=f"credit_hold:{hold.id}:cleared:review",
                        kind=OutboxKind.TASK,
                        customer_id=customer_id,
                        scheduled_at=now or utcnow(),
                        recipient=customer.collector,
                        source="credit",
                        to_customer=False,
                        payload=TaskOrder(
                            reason=f"{customer.external_id} {customer.name} is cleared "
                            f"on {as_of}; the credit hold placed by {hold.placed_by or 'a person'}"
                            f" on {hold.placed_on} ({hold.reason}) is still active",
                            as_of=as_of,
                            params=TaskParams(title=f"Review the credit hold on {customer.name}"),
                        ).dump(),
                    )
                )
    if tasks:
        enqueue(session, org_id=org_id, effects=tasks)
    return released


@dataclass(frozen=True, slots=True)
class HoldChanges:
    """What ``evaluate_holds`` did, and the customers it found with an open invoice."""

    placed: list[CreditHold]
    released: list[CreditHold]
    owing: frozenset[int] = frozenset()


def evaluate_holds(
    session: Session,
    *,
    org_id: int,
    as_of: date,
    max_days_past_due: int = core.HOLD_DAYS_PAST_DUE,
    now: datetime | None = None,
    customer_range: tuple[int, int] | None = None,
    open_invoices: Sequence[Any] | None = None,
) -> HoldChanges:
    """Apply the credit rule on ``as_of``: hold customers over their limit or with an
    invoice more than ``max_days_past_due`` days past due (source ``rule``), and release
    the rule's holds whose condition has cleared — not those placed after ``as_of``.
    Manual and policy holds are left alone. Closed customers are skipped. A customer on
    the policy's hold is not given a second one: the rule's reason joins that hold.
    Each customer is judged on its own: ``customer_range`` (ids, both ends in) judges
    those of a daily run's partition, None every customer; ``open_invoices``: their open
    invoices as the run read them (``ledger.open_balances``)."""
    within = customer_range  # of the partition, or None: every customer
    balances: dict[int, list[ledger.OpenBalance]] = defaultdict(list)
    for balance in ledger.open_balances(
        session, org_id=org_id, customer_range=within, open_invoices=open_invoices
    ):
        balances[balance.customer_id].append(balance)
    orders = repository.open_orders(session, org_id, customer_range=within)
    rule_holds = repository.customers_on_rule_hold(session, org_id, customer_range=within)
    # The policy's holds as plain rows (on a large ledger most customers have one); the
    # hold itself is loaded only when the rule's reason has to join it.
    policy_holds = {
        customer_id: (hold_id, reason)
        for hold_id, customer_id, source, reason in repository.active_hold_rows(
            session, org_id, customer_range=within
        )
        if source == HoldSource.POLICY
    }
    to_join: dict[int, str] = {}
    customers = {
        row.id: row
        for row in ledger_queries.customer_limits(session, org_id=org_id, id_range=within)
    }
    to_place: dict[int, str] = {}
    released: list[CreditHold] = []
    for customer_id in sorted(set(balances) | set(orders) | set(rule_holds)):
        _, currency, limit, status = customers[customer_id]
        if status == CustomerStatus.CLOSED:
            continue
        exposure = _exposure(
            customer_id, currency, limit, balances[customer_id], orders.get(customer_id)
        )
        held = core.holds(exposure, as_of=as_of, max_days_past_due=max_days_past_due)
        if held and customer_id in policy_holds and customer_id not in rule_holds:
            hold_id, reason = policy_holds[customer_id]
            if _joins(reason, HoldSource.RULE):  # the reasons in words only when written
                to_join[hold_id] = "; ".join(
                    core.hold_reasons(exposure, as_of=as_of, max_days_past_due=max_days_past_due)
                )
        elif held and customer_id not in rule_holds:
            to_place[customer_id] = "; ".join(
                core.hold_reasons(exposure, as_of=as_of, max_days_past_due=max_days_past_due)
            )
        elif not held and customer_id in rule_holds and rule_holds[customer_id] <= as_of:
            # A day judged again later (``recoup run --as-of`` a past date) does not
            # undo what the rule decided on a later day.
            released += release_hold(
                session,
                org_id=org_id,
                customer_id=customer_id,
                reason="the credit rule's condition has cleared",
                by="credit rule",
                on=as_of,
                sources=[HoldSource.RULE],
                now=now,
            )
    for hold in repository.holds_with_ids(session, org_id, sorted(to_join)):
        _join_hold(hold, source=HoldSource.RULE, reason=to_join[hold.id])
    placed = _place_rule_holds(session, org_id, to_place, as_of, now)
    return HoldChanges(placed, released, frozenset(balances))  # balances: money owed


def _place_rule_holds(
    session: Session, org_id: int, reasons: dict[int, str], as_of: date, now: datetime | None
) -> list[CreditHold]:
    """The credit rule's new holds, written together: on the first run over a large
    ledger they are thousands, so the holds, the status changes (audited) and the sales
    owners' notes go in a few statements rather than a dozen per customer."""
    if not reasons:
        return []
    # A hold of the same day released since (the account was paid, or a later day of a
    # replay cleared it) keeps its key: the new hold gets the next free one.
    taken = repository.rule_hold_keys_placed_on(session, org_id, as_of)
    new_holds = [
        {
            "customer_id": customer_id,
            "source": HoldSource.RULE.value,
            "reason": reason,
            "status": HoldStatus.ACTIVE.value,
            "placed_on": as_of,
            "placed_by": "credit rule",
            "released_on": None,
            "released_by": "",
            "release_reason": "",
            "key": core.free_key(f"rule:{customer_id}:{as_of.isoformat()}", taken),
        }
        for customer_id, reason in sorted(reasons.items())
    ]
    ids = insert_audited(session, org_id=org_id, table=CreditHold.__table__, rows=new_holds)
    holds = repository.holds_by_ids(session, org_id, ids)
    emit_many(
        session,
        org_id=org_id,
        type="credit_hold.placed",
        events=[(f"credit_hold:{h.id}:placed", hook.credit_hold(h)) for h in holds],
    )
    owners = ledger_queries.customer_owners(session, org_id=org_id, customer_ids=list(reasons))
    newly = {row.id: row.sales_owner for row in owners if row.status == CustomerStatus.ACTIVE}
    ledger.change_customer_statuses(
        session,
        org_id=org_id,
        customer_ids=list(newly),
        before=CustomerStatus.ACTIVE,
        after=CustomerStatus.ON_HOLD,
    )
    overdue = ledger_queries.overdue_invoice_ids(
        session,
        org_id=org_id,
        customer_ids=[c for c, owner in newly.items() if owner],
        before=as_of,
    )
    enqueue(
        session,
        org_id=org_id,
        effects=[
            _owner_note(
                customer_id=hold.customer_id,
                owner=newly[hold.customer_id],
                key=f"credit_hold:{hold.id}:owner",
                event="credit_hold",
                note=hold.reason,
                invoice_ids=overdue.get(hold.customer_id, []),
                on=as_of,
                now=now,
            )
            for hold in holds
            if newly.get(hold.customer_id)
        ],
    )
    return holds


# Suggestions


def suggest_credit_limit(
    session: Session, *, org_id: int, customer_id: int, as_of: date
) -> LimitSuggestion:
    """A suggested limit from the customer's invoices and payments in its currency over
    the last year (formula and reasoning in ``recoup.credit.core``)."""
    customer = ledger.customer_by_id(session, org_id=org_id, customer_id=customer_id)
    invoices = [
        i
        for i in ledger_queries.customer_invoices(session, org_id=org_id, customer_id=customer_id)
        if i.currency == customer.currency and i.status != "void"
    ]
    settled: dict[int, date] = {}
    for line in ledger.allocation_lines(
        session, org_id=org_id, invoice_ids=[i.id for i in invoices]
    ):
        if line.allocated_on > settled.get(line.invoice_id, date.min):
            settled[line.invoice_id] = line.allocated_on
    sales = [
        Sale(
            i.issue_date,
            i.due_date,
            i.total_amount,
            settled.get(i.id) if i.status == "paid" else None,
        )
        for i in invoices
    ]
    return core.suggest_limit(
        sales, as_of=as_of, terms_days=customer.payment_terms_days, currency=customer.currency
    )
