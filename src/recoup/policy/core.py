"""The escalation engine: a pure function of ledger state, pauses, the history of steps
done, the calendar, the policies and ``as_of`` to the actions planned for that day.

Rules (DOMAIN.md's escalation, done exactly once):

* A **cycle** is one pass up a policy's ladder: per customer in consolidated mode, per
  invoice otherwise. A cycle opens when an invoice reaches the policy's first trigger
  and closes when none does any more and the customer owes no charge or plan instalment
  (the account is cleared); a closing cycle that chased overdue money sends a thank-you
  when nothing at all is open.
* **Each invoice climbs its own ladder**, also inside a consolidated cycle: a step acts
  at most once per invoice, its level is the invoice's own days past due, and
  ``after_step`` triggers count from the day that step acted on that invoice (a
  hand-off takes only invoices whose formal notice is old enough). One message per
  customer and day: the most advanced step acting leads it, and it lists the overdue
  invoices, each at the step it has reached; charges, holds and hand-offs act only on
  the invoices that reached their step.
* **Catch-up**: when runs were missed, only the latest step now due fires; the earlier
  due ones are recorded as skipped, except a step marked ``required`` that has not
  acted on the invoice, which fires first (a formal notice before an agency hand-off).
* A step's messages never reach one channel and address twice (a letter falling back
  to the email the step already sends is dropped).
* Steps fall on **business days** of the customer's country; messages go out within
  the policy's **sending hours** in the customer's time zone.
* A **frequency cap** (messages per rolling window) holds a step back to a later day.
* **Told already**: a step's message is not sent when a message of the cap's window, led
  by that step or a later one, listed each of its invoices as due or overdue (the step
  still acts: charges, holds, hand-offs; ``_told_on``); for a ``required`` step, only a
  required step's message tells.
* **Opt-outs** fall back to the next channel (email -> letter, sms -> email -> letter),
  or to a task; a customer on **do-not-contact** or **legal hold** gets only tasks; a
  **consumer** gets B2B charges, holds and hand-offs only as a task to review.
* **Pauses** (disputes, promises, plans, placements) take invoices, or the whole
  customer, off the ladder; history is kept, so the ladder resumes where it stopped.
* **A gentle start** (the organisation's ``first_run: gentle``): on the first run for a
  customer Recoup has never chased, each invoice that has reached the ladder's first
  customer-facing step for overdue money starts there (the earlier steps, required or
  not, are skipped), and from that day on climbs as if it had fallen due then: the
  later steps keep their usual gaps after this first message. Charges of a step the
  invoice had already reached before its first run are not claimed (nothing back-dated).
"""

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from operator import attrgetter
from types import MappingProxyType
from typing import Any, NamedTuple

from recoup import money
from recoup.comms.scheduling import SendingWindow, earliest_send
from recoup.ledger import core as ledger_core
from recoup.policy import business_days
from recoup.policy.definition import (
    B2B_ONLY_ACTIONS,
    MESSAGE_ACTIONS,
    Action,
    ActionKind,
    Mode,
    Policy,
    SendingHours,
    Step,
)
from recoup.policy.pauses import Pause, PauseScope

ROLE_ORDER = {"billing": 0, "ap": 1, "other": 2}
FALLBACKS = {
    ActionKind.EMAIL: ("email", "letter"),
    ActionKind.SMS: ("sms", "email", "letter"),
    ActionKind.LETTER: ("letter", "email"),
}
CHARGE_ACTIONS = {ActionKind.LATE_FEE, ActionKind.INTEREST, ActionKind.COMPENSATION}
_DUE = attrgetter("due_date")
_DUE_THEN_NUMBER = attrgetter("due_date", "number")
_POLICY = attrgetter("policy")


class ContactView(NamedTuple):
    id: int
    name: str
    email: str = ""
    phone: str = ""
    role: str = "billing"
    opted_out: frozenset[str] = frozenset()


class InvoiceView(NamedTuple):
    id: int
    number: str
    due_date: date
    currency: str
    open_amount: int
    policy: str | None = None


class CustomerView(NamedTuple):
    id: int
    external_id: str
    name: str
    invoices: tuple[InvoiceView, ...]
    contacts: tuple[ContactView, ...] = ()
    country: str = ""
    timezone: str = "UTC"
    tags: frozenset[str] = frozenset()
    risk_band: str = ""
    address: str = ""
    collector: str = ""
    sales_owner: str = ""
    do_not_contact: bool = False
    legal_hold: bool = False
    is_consumer: bool = False
    policy: str | None = None
    # What the customer still owes besides invoices (open charges, a payment plan), in
    # words; empty when nothing. The account is cleared only when this is empty too.
    still_owes: str = ""
    # With a gentle start: the day Recoup first chased the customer (its first dunning
    # cycle opened); None when never yet, so today is its first run.
    first_chased: date | None = None


class StepDone(NamedTuple):
    """A step of a cycle for ``invoice_ids``: fired on ``on``, or skipped (caught up,
    conditions unmet). No invoice ids: every invoice of the cycle (records written
    before each invoice climbed its own ladder)."""

    step: str
    on: date
    fired: bool
    invoice_ids: tuple[int, ...] = ()


class Cycle(NamedTuple):
    """An open cycle and the steps it has been through."""

    key: str
    customer_id: int
    policy: str
    opened_on: date
    invoice_id: int | None = None
    steps: tuple[StepDone, ...] = ()


class PlannedAction(NamedTuple):
    """One effect to put in the outbox. ``kind`` is the outbox's vocabulary (email,
    letter, sms, task, charge, credit_hold, handoff)."""

    key: str
    customer_id: int
    cycle_key: str
    step: str
    kind: str
    template: str
    recipient: str
    scheduled_at: datetime
    reason: str
    invoice_ids: tuple[int, ...]
    contact_id: int | None = None
    params: Mapping[str, Any] = MappingProxyType({})


class StepRecord(NamedTuple):
    cycle_key: str
    customer_id: int
    step: str
    fired: bool
    reason: str
    invoice_ids: tuple[int, ...] = ()


@dataclass
class EnginePlan:
    """What a run decided: actions, cycle changes, step records, and notes on what was
    held back or skipped (with reasons)."""

    actions: list[PlannedAction] = field(default_factory=list)
    opened: list[Cycle] = field(default_factory=list)
    closed: list[str] = field(default_factory=list)
    steps: list[StepRecord] = field(default_factory=list)
    notes: list[tuple[int, str]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class RunContext:
    """Everything the engine reads besides the customers."""

    as_of: date
    now: datetime
    policies: Mapping[str, Policy]
    default_policy: str
    cycles: Mapping[str, Cycle]
    pauses: Sequence[Pause] = ()
    recent_messages: Mapping[int, Sequence[date]] = field(default_factory=dict)
    closed_today: frozenset[str] = frozenset()  # keys of cycles opened and closed today
    gentle_start: bool = False  # the organisation's first_run choice is ``gentle``
    # What the run learns once and reuses for every customer (``_Known``).
    known: "_Known" = field(default_factory=lambda: _Known(), compare=False, repr=False)


class _PolicyFacts(NamedTuple):
    """What the ladder's climb asks of a policy for every invoice."""

    start: int | None  # the gentle start's step (``gentle_start_step``)
    start_level: int  # the days past due at which that step can first act
    thresholds: list[int]  # ``_thresholds``


@dataclass
class _Known:
    """What one run decides once and reuses for every customer. Moves: (policy, the
    history's number, the level's threshold bucket) -> the move; a million invoices fall
    into a few hundred such classes. Histories: a cycle's steps done (step, fired, day)
    -> their number in this run."""

    moves: dict[tuple[str, int, int], "_Move | None"] = field(default_factory=dict)
    histories: dict[tuple[tuple[str, bool, date], ...], int] = field(default_factory=dict)
    policies: dict[str, _PolicyFacts] = field(default_factory=dict)


def _facts(policy: "Policy", known: _Known) -> _PolicyFacts:
    facts = known.policies.get(policy.name)
    if facts is None:
        start = gentle_start_step(policy)
        level = 0 if start is None else earliest_level(policy, start)
        facts = known.policies[policy.name] = _PolicyFacts(start, level, _thresholds(policy))
    return facts


# The record of a gentle start, kept with the cycle's steps for the invoices it started:
# from its day on, those invoices climb as if they had fallen due then.
GENTLE_START = "first run: gentle start"


def days_past_due(invoice: InvoiceView, as_of: date) -> int:
    """Days past the due date on ``as_of``: 1 on the day after it, negative before."""
    return ledger_core.days_past_due(invoice.due_date, as_of)


def plan(customers: Iterable[CustomerView], context: RunContext) -> EnginePlan:
    """The day's plan for ``customers`` (any subset: a worker's customer range)."""
    result = EnginePlan()
    pauses = _index_pauses(context.pauses, context.as_of)
    open_cycles: dict[int, list[Cycle]] = defaultdict(list)
    for cycle in context.cycles.values():
        open_cycles[cycle.customer_id].append(cycle)
    for customer in customers:
        _plan_customer(customer, context, pauses, open_cycles.get(customer.id, []), result)
    return result


def _index_pauses(pauses: Sequence[Pause], as_of: date) -> dict[int, list[Pause]]:
    by_customer: dict[int, list[Pause]] = defaultdict(list)
    for pause in pauses:
        if pause.active_on(as_of):
            by_customer[pause.customer_id].append(pause)
    return by_customer


def _plan_customer(
    customer: CustomerView,
    context: RunContext,
    pauses: dict[int, list[Pause]],
    open_cycles: list[Cycle],
    result: EnginePlan,
) -> None:
    as_of = context.as_of
    if not business_days.is_business_day(customer.country, as_of):
        if customer.invoices:
            why = business_days.why_not_business_day(customer.country, as_of)
            result.notes.append((customer.id, f"held: not a business day ({why})"))
        return
    paused: dict[int, str] = {}
    customer_pauses = pauses.get(customer.id)
    if customer_pauses:  # most customers have none
        whole = next((p for p in customer_pauses if p.scope is PauseScope.CUSTOMER), None)
        if whole is not None:
            result.notes.append((customer.id, f"paused: {whole.reason}"))
            return
        paused = {p.invoice_id: p.reason for p in customer_pauses if p.invoice_id is not None}
    budget = _MessageBudget(customer, context)
    groups: dict[str, list[InvoiceView]] = defaultdict(list)
    policy_of_customer = customer.policy or context.default_policy
    if any(map(_POLICY, customer.invoices)):
        for invoice in customer.invoices:
            groups[invoice.policy or policy_of_customer].append(invoice)
    elif customer.invoices:
        groups[policy_of_customer] = list(customer.invoices)
    for policy_name in sorted(groups.keys() | {c.policy for c in open_cycles}):
        policy = context.policies[policy_name]
        invoices = groups.get(policy_name, [])
        cycles = [c for c in open_cycles if c.policy == policy_name]
        units: list[tuple[str, int | None, list[InvoiceView]]]
        if policy.mode is Mode.CONSOLIDATED:
            units = [(f"c{customer.id}:{policy_name}", None, invoices)]
        else:
            ids = {i.id for i in invoices} | {c.invoice_id for c in cycles if c.invoice_id}
            by_id = {i.id: i for i in invoices}
            units = [
                (
                    f"i{invoice_id}:{policy_name}",
                    invoice_id,
                    [by_id[invoice_id]] if invoice_id in by_id else [],
                )
                for invoice_id in sorted(ids)
            ]
        for prefix, invoice_id, unit in units:
            cycle = next(
                (
                    c
                    for c in cycles
                    if c.key.startswith(prefix + ":") and c.invoice_id == invoice_id
                ),
                None,
            )
            _plan_unit(
                customer, policy, prefix, invoice_id, unit, cycle, paused, budget, context, result
            )


def _plan_unit(
    customer: CustomerView,
    policy: Policy,
    prefix: str,
    invoice_id: int | None,
    invoices: list[InvoiceView],
    cycle: Cycle | None,
    paused: dict[int, str],
    budget: "_MessageBudget",
    context: RunContext,
    result: EnginePlan,
) -> None:
    as_of = context.as_of
    if cycle is not None and cycle.opened_on > as_of:
        # A run for an earlier day (``recoup run --as-of`` a past date) judges that
        # day's facts: a cycle opened since is neither closed nor doubled by a new one.
        result.notes.append((customer.id, f"cycle opened {cycle.opened_on}: left alone"))
        return
    latest_due = as_of - timedelta(days=policy.first_trigger)
    reach = [i for i in invoices if i.due_date <= latest_due]
    active = reach
    if paused:
        active = [i for i in reach if i.id not in paused]
        for invoice in reach:
            if invoice.id in paused:
                result.notes.append((customer.id, f"{invoice.number} paused: {paused[invoice.id]}"))
    if cycle is not None and not reach:
        if customer.still_owes:  # charges or plan instalments: the chase is not over
            result.notes.append((customer.id, f"cycle stays open: {customer.still_owes}"))
            return
        result.closed.append(cycle.key)
        if policy.thank_you and _chased_overdue(policy, cycle):
            if any(i.open_amount > 0 for i in customer.invoices):
                result.notes.append(
                    (customer.id, "no thank-you: invoices not yet due are still open")
                )
            else:
                _thank(customer, policy, cycle, context, result)
        return
    if not active:
        return
    if cycle is None:
        cycle = Cycle(_new_cycle_key(prefix, context), customer.id, policy.name, as_of, invoice_id)
        result.opened.append(cycle)
    gentle = context.gentle_start and customer.first_chased is None and not cycle.steps
    _advance(customer, policy, cycle, active, budget, context, result, gentle=gentle)


def _new_cycle_key(prefix: str, context: RunContext) -> str:
    """``prefix:day``; ``prefix:day:2`` and on when the account was cleared and fell due
    again the same day (the cycle closed then keeps its key and its history)."""
    key = f"{prefix}:{context.as_of.isoformat()}"
    again = 1
    while key in context.closed_today:
        again += 1
        key = f"{prefix}:{context.as_of.isoformat()}:{again}"
    return key


def _chased_overdue(policy: Policy, cycle: Cycle) -> bool:
    """Whether the cycle fired a step meant for overdue money (not just a pre-due one)."""
    steps = {s.name: s for s in policy.steps}
    for done in cycle.steps:
        step = steps.get(done.step)
        if done.fired and step is not None:
            days = step.trigger.days_from_due
            if days is None or days >= 1:
                return True
    return False


def _is_due(step: Step, level: int, fired: dict[str, date], as_of: date) -> bool:
    trigger = step.trigger
    if trigger.days_from_due is not None:
        return level >= trigger.days_from_due
    assert trigger.after_step is not None
    fired_on = fired.get(trigger.after_step)
    return fired_on is not None and as_of >= fired_on + timedelta(days=trigger.days)


class _Move(NamedTuple):
    """Where one invoice goes today: the step it reaches and those it skips past
    (``gentle``: because its first run starts it at that step)."""

    step: int
    caught_up: tuple[int, ...]
    gentle: bool = False
    first_seen: bool = False  # gentle because Recoup first sees it overdue (not a first run)


def gentle_start_step(policy: Policy) -> int | None:
    """The index of the step a gentle start begins at: the first step sending the
    customer a message about overdue money (triggered on day 1 past due or later); None
    when the policy has none."""
    for index, step in enumerate(policy.steps):
        days = step.trigger.days_from_due
        if days is not None and days >= 1 and _has_message(step):
            return index
    return None


def earliest_level(policy: Policy, index: int) -> int:
    """The fewest days past due at which step ``index`` can act (a step triggered after
    another counts that one's days plus its own)."""
    trigger = policy.steps[index].trigger
    if trigger.days_from_due is not None:
        return trigger.days_from_due
    assert trigger.after_step is not None
    names = [s.name for s in policy.steps]
    return earliest_level(policy, names.index(trigger.after_step)) + trigger.days


def _gentle_started(cycle: Cycle) -> dict[int, date]:
    """Invoice id → the day a gentle start began its ladder."""
    started: dict[int, date] = {}
    for record in cycle.steps:
        if record.step == GENTLE_START:
            for invoice_id in record.invoice_ids:
                started.setdefault(invoice_id, record.on)
    return started


def _moves(
    policy: Policy,
    cycle: Cycle,
    active: list[InvoiceView],
    as_of: date,
    known: _Known,
    *,
    gentle: bool = False,
    fresh: bool = False,
) -> dict[int, _Move]:
    """Each invoice's own move up the ladder today (invoices with none left out).

    An invoice climbs its own ladder inside the customer's cycle: its level is its own
    days past due, ``after_step`` triggers count from the day that step acted on it, and
    it passes through every ``required`` step before a later one acts on it. After
    missed runs only the latest step now due acts, the earlier ones are caught up.
    ``gentle`` (a gentle first run): an invoice that has reached the gentle start step
    goes to it; an invoice started so climbs as if it had fallen due on its first run.
    ``fresh`` (the organisation starts gently): an invoice with no history in the cycle
    that would climb past that step (imported since, already late) starts there too.
    """
    steps = policy.steps
    facts = _facts(policy, known)
    start = facts.start
    started = _gentle_started(cycle) if start is not None else {}
    # An invoice's history as a bit set of the cycle's step records: the shared ones
    # (records of every invoice) and those naming it. Records naming the same invoices
    # (a cycle's steps usually name all of its invoices) are taken together.
    shared = 0
    named: dict[tuple[int, ...], int] = {}
    for n, record in enumerate(cycle.steps):
        if record.invoice_ids:
            named[record.invoice_ids] = named.get(record.invoice_ids, 0) | 1 << n
        else:
            shared |= 1 << n
    own: dict[int, int] = {}
    for invoice_ids, bits in named.items():
        for invoice_id in invoice_ids:
            own[invoice_id] = own.get(invoice_id, 0) | bits
    thresholds = facts.thresholds
    # Invoices with the same history and the same days-past-due thresholds reached move
    # alike: decide once per class, for every customer of the run (``known.moves``). A
    # history's steps are numbered once per run (``known.histories``): the class's key
    # is then three small values, not the steps' tuples hashed again for each invoice.
    histories: dict[int, int] = {}
    moves = {}
    seen = known.moves
    for invoice in active:
        invoice_id = invoice.id
        history = shared | own.get(invoice_id, 0)
        level = ledger_core.days_past_due(invoice.due_date, as_of)
        if start is not None:
            if invoice_id in started:
                level = min(level, facts.start_level + (as_of - started[invoice_id]).days)
            if gentle and _is_due(steps[start], level, {}, as_of):
                moves[invoice_id] = _Move(start, tuple(range(start)), gentle=True)
                continue
        number = histories.get(history)
        if number is None:
            steps_done = tuple(
                (r.step, r.fired, r.on) for n, r in enumerate(cycle.steps) if history >> n & 1
            )
            number = histories[history] = known.histories.setdefault(
                steps_done, len(known.histories)
            )
        key = (policy.name, number, bisect_right(thresholds, level))
        if key in seen:
            move = seen[key]
        else:
            move = seen[key] = _move(
                steps, [r for n, r in enumerate(cycle.steps) if history >> n & 1], level, as_of
            )
        if fresh and not history and start is not None and move is not None and move.step > start:
            move = _Move(start, tuple(range(start)), gentle=True, first_seen=True)
        if move is not None:
            moves[invoice_id] = move
    return moves


def _thresholds(policy: Policy) -> list[int]:
    """The distinct ``days_from_due`` of the policy's steps, ascending: an invoice's
    level matters to the ladder only through how many of them it has reached."""
    return sorted({d for s in policy.steps if (d := s.trigger.days_from_due) is not None})


def _move(
    steps: Sequence[Step], history: Sequence[StepDone], level: int, as_of: date
) -> _Move | None:
    done: set[str] = set()
    fired: dict[str, date] = {}
    for record in history:
        done.add(record.step)
        if record.fired:
            fired.setdefault(record.step, record.on)
    due = [k for k, s in enumerate(steps) if s.name not in done and _is_due(s, level, fired, as_of)]
    if not due:
        return None
    chosen = max(due)
    missing = [k for k in range(chosen) if steps[k].required and steps[k].name not in done]
    if missing:
        chosen = missing[0]
    return _Move(chosen, tuple(k for k in due if k < chosen))


# Why an invoice starts gently: its customer's first run, or first seen overdue since.
_GENTLE = {False: "first run: gentle start", True: "first seen overdue: gentle start"}
_GENTLE_WHY = " (the ladder starts at its first notice of overdue money)"

# What a step does to the invoices it reached, whichever step leads the day's message;
# the sales owner's note says what the step did, so it names those invoices too (a
# hand-off note never lists an invoice that stays in-house).
_PER_INVOICE_ACTIONS = CHARGE_ACTIONS | {
    ActionKind.AGENCY_HANDOFF,
    ActionKind.CREDIT_HOLD,
    ActionKind.NOTIFY_OWNER,
}


def _advance(
    customer: CustomerView,
    policy: Policy,
    cycle: Cycle,
    active: list[InvoiceView],
    budget: "_MessageBudget",
    context: RunContext,
    result: EnginePlan,
    *,
    gentle: bool = False,
) -> None:
    """Move each invoice up its own ladder and plan the day's actions.

    One message per customer: the most advanced step acting today leads it and it lists
    the customer's overdue invoices, each at the level it has reached (``params
    ["invoice_steps"]``); the invoice-level actions of a step (charges, credit hold,
    hand-off) act only on the invoices that reached that step.
    """
    as_of = context.as_of
    steps = policy.steps
    moves = _moves(
        policy, cycle, active, as_of, context.known, gentle=gentle, fresh=context.gentle_start
    )
    if not moves:
        return
    at_step: dict[int, list[int]] = defaultdict(list)
    for invoice_id, move in moves.items():
        at_step[move.step].append(invoice_id)
    records: dict[tuple[str, bool], tuple[str, list[int]]] = {}

    def record(step: Step, fired: bool, reason: str, ids: Iterable[int]) -> None:
        earlier, listed = records.get((step.name, fired), (reason, []))
        records[(step.name, fired)] = (earlier, listed + [i for i in ids if i not in listed])

    firing: list[int] = []
    skipped: list[tuple[int, str]] = []
    for k in sorted(at_step, reverse=True):
        failed = _unmet_condition(steps[k], customer, active, as_of)
        if failed is None:
            firing.append(k)
        else:
            skipped.append((k, failed))
    talking = next((k for k in firing if _has_message(steps[k])), None)
    told_on: date | None = None
    if firing and talking is not None:
        about = {i for k in firing if _has_message(steps[k]) for i in at_step[k]}
        told_on = _told_on(policy, cycle, talking, [i for i in active if i.id in about], budget)
        messages = sum(1 for a in steps[talking].actions if a.kind in MESSAGE_ACTIONS)
        if told_on is None and not budget.allows(messages):
            step = steps[firing[0]]
            result.notes.append((customer.id, f"held: step '{step.name}': {budget.describe()}"))
            return
    for invoice_id, move in sorted(moves.items()):
        why = _GENTLE[move.first_seen] + _GENTLE_WHY if move.gentle else "caught up (missed runs)"
        for k in move.caught_up:
            record(steps[k], False, why, [invoice_id])
    for k, failed in skipped:
        record(steps[k], False, failed, at_step[k])
        result.notes.append((customer.id, f"skipped step '{steps[k].name}': {failed}"))
    starting = sorted(i for i, move in moves.items() if move.gentle)
    if starting:
        first_seen = any(moves[i].first_seen for i in starting)
        records[(GENTLE_START, False)] = (_GENTLE[first_seen] + _GENTLE_WHY, starting)
    if not firing:
        _store_records(cycle, customer, records, result)
        return
    if told_on is not None:
        names = ", ".join(repr(steps[k].name) for k in firing if _has_message(steps[k]))
        result.notes.append(
            (customer.id, f"no message for {names}: the one of {told_on} listed its invoices")
        )
    by_age = sorted(active, key=_DUE_THEN_NUMBER)
    lead = firing[0]
    reasons = {}
    for k in firing:
        reached = [i for i in by_age if i.id in at_step[k]]
        first_due = reached[0].due_date
        *_, oldest = (i for i in reached if i.due_date == first_due)  # the last number
        reason = (
            f"{oldest.number} is {_describe_days(days_past_due(oldest, as_of))}; "
            f"step '{steps[k].name}'"
        )
        caught_up = sorted({c for i in at_step[k] for c in moves[i].caught_up})
        gentle_moves = [moves[i] for i in at_step[k] if moves[i].gentle]
        if gentle_moves:
            reason += f" ({_GENTLE[any(m.first_seen for m in gentle_moves)]})"
        elif caught_up:
            reason += f" (caught up past {', '.join(repr(steps[c].name) for c in caught_up)})"
        if told_on is not None:
            reason += f" (no new message: listed in the one of {told_on.isoformat()})"
        reasons[k] = reason
        record(steps[k], True, reason, at_step[k])
    message_step = steps[talking if talking is not None else lead]
    days = message_step.trigger.days_from_due
    listed_until = as_of - timedelta(days=min(1, days if days is not None else 1))
    reaching = set(moves)
    listed = tuple(i.id for i in by_age if i.due_date <= listed_until or i.id in reaching)
    levels = {str(i): steps[moves[i].step].name for i in listed if i in moves}
    # With a gentle start, how late each invoice already was on its customer's first run:
    # a charge of a step it had reached by then would be back-dated (the statutory claims
    # follow the same rule, ``charges.claim_statutory_charges``).
    late_at_start: dict[int, int] = {}
    if context.gentle_start:
        first_run = customer.first_chased or as_of
        started = _gentle_started(cycle)  # those first seen overdue after the first run
        late_at_start = {
            i.id: days_past_due(
                i,
                as_of
                if i.id in moves and moves[i.id].first_seen
                else max(first_run, started.get(i.id, first_run)),
            )
            for i in active
        }
    for k in firing:
        kinds = {a.kind for a in steps[k].actions}
        if k != lead:
            kinds &= _PER_INVOICE_ACTIONS | (MESSAGE_ACTIONS if k == talking else set())
        if told_on is not None:
            kinds -= _TOLD_ACTIONS
        planned = _actions(
            customer,
            policy,
            cycle,
            steps[k],
            listed,
            reasons[k],
            context,
            reached=tuple(i for i in listed if i in at_step[k]) or tuple(at_step[k]),
            kinds=kinds,
            levels=levels,
            uncharged=frozenset(
                i for i, late in late_at_start.items() if late >= earliest_level(policy, k)
            ),
        )
        budget.spend(sum(1 for a in planned if is_customer_message(a)))
        result.actions.extend(planned)
    _store_records(cycle, customer, records, result)


# What a step does not do again when the customer was just told (``_told_on``): the
# message, and the call about it.
_TOLD_ACTIONS = MESSAGE_ACTIONS | {ActionKind.CALL_TASK}


def _told_on(
    policy: Policy,
    cycle: Cycle,
    talking: int,
    invoices: Sequence[InvoiceView],
    budget: "_MessageBudget",
) -> date | None:
    """The day of a message that already told the customer what today's would: in the
    frequency cap's window (its first day included), led by step ``talking`` or a later
    one, and listing each of ``invoices`` as due or overdue. None when there is none.

    Each invoice climbs its own ladder, so without this an invoice listed as "due today"
    in yesterday's due notice would bring its own due notice today, listing the same
    invoices again; a customer sent a formal notice on Monday would get a courtesy
    reminder on Thursday. The steps still act (and are recorded): their charges, holds,
    hand-offs and notes to the sales owner go ahead; the message is not sent again, nor
    a call task made for it. A ``required`` step (the formal notice, which a hand-off
    relies on) is told only by a required step's message: a formal notice listing an
    invoice as overdue is its formal notice too (no second one on the day the first
    asked to be paid by), a final demand is not.
    """
    sent = budget.message_days()
    if not sent:
        return None
    required = policy.steps[talking].required
    index = {step.name: k for k, step in enumerate(policy.steps)}
    for day in sorted({r.on for r in cycle.steps if r.fired and r.on in sent}, reverse=True):
        fired = [r for r in cycle.steps if r.on == day and r.fired and r.step in index]
        led = max(
            (index[r.step] for r in fired if _has_message(policy.steps[index[r.step]])), default=-1
        )
        if led < 0:
            continue  # that day's message came from another cycle
        # Listed as overdue (or due that day, when it reached a step then); an invoice
        # listed before it was due has not been told it is due.
        reached = {i for r in fired for i in r.invoice_ids}
        listed = all(i.due_date < day or (i.due_date == day and i.id in reached) for i in invoices)
        as_strong = led >= talking and (not required or policy.steps[led].required)
        return day if as_strong and listed else None
    return None


def _has_message(step: Step) -> bool:
    return any(a.kind in MESSAGE_ACTIONS for a in step.actions)


def _store_records(
    cycle: Cycle,
    customer: CustomerView,
    records: Mapping[tuple[str, bool], tuple[str, list[int]]],
    result: EnginePlan,
) -> None:
    for (name, fired), (reason, ids) in records.items():
        result.steps.append(
            StepRecord(cycle.key, customer.id, name, fired, reason, tuple(sorted(ids)))
        )


def is_customer_message(action: PlannedAction) -> bool:
    """Whether the action is a message to the customer (what the frequency cap counts)."""
    return action.kind in ("email", "letter", "sms") and not action.params.get("to_owner")


def _describe_days(days: int) -> str:
    if days > 0:
        return f"{days} day{'s' if days != 1 else ''} past due"
    if days == 0:
        return "due today"
    return f"due in {-days} day{'s' if days != -1 else ''}"


def _unmet_condition(
    step: Step, customer: CustomerView, active: list[InvoiceView], as_of: date
) -> str | None:
    conditions = step.conditions
    overdue = [i for i in active if i.due_date < as_of]
    if conditions.min_overdue:
        owed: dict[str, int] = defaultdict(int)
        for invoice in overdue:
            owed[invoice.currency] += invoice.open_amount
        minimums = conditions.min_overdue
        # Below the minimum in every currency owed (a currency without one always counts).
        if owed and all(
            currency in minimums and money.from_minor(amount, currency) < minimums[currency]
            for currency, amount in owed.items()
        ):
            figures = "; ".join(
                f"{money.format_minor(a, c)} {c} < {minimums[c]}" for c, a in sorted(owed.items())
            )
            return f"overdue below the minimum ({figures})"
    if conditions.tags_in and not (customer.tags & set(conditions.tags_in)):
        return f"customer has none of the tags {conditions.tags_in}"
    if conditions.tags_out and customer.tags & set(conditions.tags_out):
        return f"customer has an excluded tag ({sorted(customer.tags & set(conditions.tags_out))})"
    if conditions.risk_bands and customer.risk_band not in conditions.risk_bands:
        return f"risk band {customer.risk_band or 'none'} not in {conditions.risk_bands}"
    if len(overdue) < conditions.min_overdue_invoices:
        return f"{len(overdue)} overdue invoices < {conditions.min_overdue_invoices}"
    return None


def _actions(
    customer: CustomerView,
    policy: Policy,
    cycle: Cycle,
    step: Step,
    invoice_ids: tuple[int, ...],
    reason: str,
    context: RunContext,
    *,
    reached: tuple[int, ...],
    kinds: set[ActionKind],
    levels: Mapping[str, str],
    uncharged: frozenset[int] = frozenset(),
) -> list[PlannedAction]:
    """The actions of ``step`` among ``kinds``: messages and tasks about ``invoice_ids``,
    charges and hand-offs on the invoices that ``reached`` the step, charges not on
    those ``uncharged`` (a gentle start claims nothing back-dated)."""
    base = f"policy:{cycle.key}:{step.name}"
    if any(d.step == step.name and d.fired for d in cycle.steps):
        base += f":{context.as_of.isoformat()}"  # the step acts again, on other invoices
    now = context.now
    send_at = sending_time(customer, policy.sending_hours, context.as_of, now)
    restricted = (
        "do not contact"
        if customer.do_not_contact
        else "legal hold"
        if customer.legal_hold
        else None
    )
    actions = [a for a in step.actions if a.kind in kinds]
    if not actions:
        return []
    if restricted:
        summary = ", ".join(_label(a) for a in actions)
        return [
            PlannedAction(
                key=f"{base}:restricted",
                customer_id=customer.id,
                cycle_key=cycle.key,
                step=step.name,
                kind="task",
                template="",
                recipient=customer.collector,
                scheduled_at=now,
                reason=f"{reason}; customer is on {restricted}: only a task ({summary})",
                invoice_ids=invoice_ids,
                params={"title": f"Review '{step.name}' for {customer.name} ({restricted})"},
            )
        ]
    planned: list[PlannedAction] = []
    used: dict[tuple[str, str], int] = {}  # (channel, address) -> index in ``planned``
    for index, action in enumerate(step.actions):
        if action.kind not in kinds:
            continue
        if action.kind in CHARGE_ACTIONS and all(i in uncharged for i in reached):
            continue
        key = f"{base}:{index}:{action.kind.value}"
        common: dict[str, Any] = {
            "key": key,
            "customer_id": customer.id,
            "cycle_key": cycle.key,
            "step": step.name,
            "invoice_ids": tuple(i for i in reached if i not in uncharged)
            if action.kind in CHARGE_ACTIONS
            else reached
            if action.kind in _PER_INVOICE_ACTIONS
            else invoice_ids,
        }
        if customer.is_consumer and action.kind in B2B_ONLY_ACTIONS:
            planned.append(
                PlannedAction(
                    **common,
                    kind="task",
                    template="",
                    recipient=customer.collector,
                    scheduled_at=now,
                    reason=f"{reason}; consumer account: {_label(action)} needs a review",
                    params={"title": f"Review {_label(action)} for consumer {customer.name}"},
                )
            )
        elif action.kind in MESSAGE_ACTIONS:
            message = _message(customer, action, common, reason, send_at, now, used, levels)
            if isinstance(message, int):  # the step already reaches that channel and address
                earlier = planned[message]
                planned[message] = earlier._replace(
                    reason=f"{earlier.reason}; {action.kind.value} not possible, "
                    f"already sent by {earlier.kind} to {earlier.recipient}"
                )
                continue
            if message.kind in ("email", "letter", "sms"):
                used[(message.kind, message.recipient)] = len(planned)
            planned.append(message)
        elif action.kind is ActionKind.CALL_TASK:
            planned.append(
                PlannedAction(
                    **common,
                    kind="task",
                    template=action.template,
                    recipient=customer.collector,
                    scheduled_at=now,
                    reason=reason,
                    params={"title": action.title or f"Call {customer.name}", "kind": "call"},
                )
            )
        elif action.kind in CHARGE_ACTIONS:
            planned.append(
                PlannedAction(
                    **common,
                    kind="charge",
                    template="",
                    recipient="",
                    scheduled_at=now,
                    reason=reason,
                    params={
                        "charge": action.kind.value,
                        "fixed": {c: str(a) for c, a in action.fixed.items()},
                        "percent": None if action.percent is None else str(action.percent),
                    },
                )
            )
        elif action.kind is ActionKind.CREDIT_HOLD:
            planned.append(
                PlannedAction(
                    **common,
                    kind="credit_hold",
                    template="",
                    recipient="",
                    scheduled_at=now,
                    reason=reason,
                )
            )
        elif action.kind is ActionKind.AGENCY_HANDOFF:
            planned.append(
                PlannedAction(
                    **common,
                    kind="handoff",
                    template="",
                    recipient=customer.collector,
                    scheduled_at=now,
                    reason=f"{reason}; needs a manager's approval",
                    params={"agency": action.agency or "default"},
                )
            )
        elif action.kind is ActionKind.NOTIFY_OWNER:
            owner = customer.sales_owner
            planned.append(
                PlannedAction(
                    **common,
                    kind="email" if owner else "task",
                    template=action.template if owner else "",
                    recipient=owner or customer.collector,
                    scheduled_at=now,
                    reason=reason if owner else f"{reason}; no sales owner to notify",
                    params={"to_owner": True, "title": f"Tell the sales owner of {customer.name}"},
                )
            )
    return planned


def _label(action: Action) -> str:
    return action.kind.value.replace("_", " ")


def _message(
    customer: CustomerView,
    action: Action,
    common: dict[str, Any],
    reason: str,
    send_at: datetime,
    now: datetime,
    used: Mapping[tuple[str, str], int],
    levels: Mapping[str, str],
) -> PlannedAction | int:
    """A message on the first channel the customer can be reached on, else a task.

    Never the same message twice: when that channel and address already carry one of
    the step's messages (a letter falling back to the email the step sends anyway), the
    index of that message in ``used`` instead."""
    wanted = action.kind.value
    for channel in FALLBACKS[action.kind]:
        reached = _reach(customer, channel)
        if reached is None:
            continue
        recipient, contact_id = reached
        if (channel, recipient) in used:
            return used[(channel, recipient)]
        why = reason if channel == wanted else f"{reason}; {wanted} not possible, sent by {channel}"
        return PlannedAction(
            **common,
            kind=channel,
            template=action.template,
            recipient=recipient,
            scheduled_at=send_at,
            reason=why,
            contact_id=contact_id,
            params={"attach_statement": action.attach_statement, "invoice_steps": dict(levels)},
        )
    return PlannedAction(
        **common,
        kind="task",
        template=action.template,
        recipient=customer.collector,
        scheduled_at=now,
        reason=f"{reason}; no contact reachable by {wanted} or a fallback",
        params={"title": f"Reach {customer.name}: no usable contact for {wanted}"},
    )


def _reach(customer: CustomerView, channel: str) -> tuple[str, int | None] | None:
    contacts = sorted(customer.contacts, key=lambda c: (ROLE_ORDER.get(c.role, 9), c.id))
    if channel == "letter":
        if not customer.address:
            return None
        allowed = [c for c in contacts if "letter" not in c.opted_out]
        if contacts and not allowed:
            return None
        return customer.address, allowed[0].id if allowed else None
    for contact in contacts:
        address = contact.email if channel == "email" else contact.phone
        if address and channel not in contact.opted_out:
            return address, contact.id
    return None


def sending_time(
    customer: CustomerView, hours: SendingHours, as_of: date, now: datetime
) -> datetime:
    """When a message planned on ``as_of`` may go out (``comms.scheduling``, the one
    rule for every message): now if within the sending hours of a business day in the
    customer's time zone, else the next opening."""
    window = SendingWindow(customer.country, customer.timezone or "UTC", hours.start, hours.end)
    return earliest_send(window, as_of=as_of, now=now)


class _MessageBudget:
    """The frequency cap of one customer: messages already sent or planned in the
    rolling window, plus what this run plans."""

    def __init__(self, customer: CustomerView, context: RunContext) -> None:
        self.context = context
        self.customer = customer
        self.planned = 0

    def _cap(self) -> tuple[int, int]:
        policy = self.context.policies[self.customer.policy or self.context.default_policy]
        return policy.frequency_cap.messages, policy.frequency_cap.days

    def _recent(self) -> int:
        _, days = self._cap()
        start = self.context.as_of - timedelta(days=days)
        sent = self.context.recent_messages.get(self.customer.id, ())
        return sum(1 for day in sent if start < day <= self.context.as_of)

    def message_days(self) -> frozenset[date]:
        """The days before today, in the window (its first day included), on which the
        customer was sent (or will be sent) a message. The day is the UTC one: the same
        as the customer's where its sending hours start between UTC-16 and UTC+8
        (elsewhere no day matches a step's, and ``_told_on`` finds nothing)."""
        _, days = self._cap()
        start = self.context.as_of - timedelta(days=days)
        sent = self.context.recent_messages.get(self.customer.id, ())
        return frozenset(day for day in sent if start <= day < self.context.as_of)

    def allows(self, messages: int) -> bool:
        limit, _ = self._cap()
        return messages == 0 or self._recent() + self.planned + messages <= limit

    def spend(self, messages: int) -> None:
        self.planned += messages

    def describe(self) -> str:
        limit, days = self._cap()
        return f"frequency cap of {limit} messages in {days} days reached"


def _thank(
    customer: CustomerView, policy: Policy, cycle: Cycle, context: RunContext, result: EnginePlan
) -> None:
    if customer.do_not_contact or customer.legal_hold or policy.thank_you is None:
        return
    reached = _reach(customer, "email")
    if reached is None:
        return
    recipient, contact_id = reached
    result.actions.append(
        PlannedAction(
            key=f"policy:{cycle.key}:thank-you",
            customer_id=customer.id,
            cycle_key=cycle.key,
            step="thank you",
            kind="email",
            template=policy.thank_you,
            recipient=recipient,
            scheduled_at=sending_time(customer, policy.sending_hours, context.as_of, context.now),
            reason=f"account cleared; cycle opened {cycle.opened_on} closed",
            # the invoices the cycle chased: the thank-you names those now settled
            invoice_ids=tuple(sorted({i for done in cycle.steps for i in done.invoice_ids})),
            contact_id=contact_id,
        )
    )


def apply(cycles: Mapping[str, Cycle], result: EnginePlan, as_of: date) -> dict[str, Cycle]:
    """The open cycles after a plan is carried out (what the service stores as rows)."""
    state = {key: cycle for key, cycle in cycles.items() if key not in result.closed}
    for cycle in result.opened:
        state[cycle.key] = cycle
    for record in result.steps:
        cycle = state[record.cycle_key]
        done = StepDone(record.step, as_of, record.fired, record.invoice_ids)
        state[record.cycle_key] = Cycle(
            cycle.key,
            cycle.customer_id,
            cycle.policy,
            cycle.opened_on,
            cycle.invoice_id,
            (*cycle.steps, done),
        )
    return state
