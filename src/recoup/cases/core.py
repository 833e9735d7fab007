"""Pure case rules: when a promise is kept, how a payment plan's schedule is built and
paid, when a pause ends, who may approve. No session, no clock: every function takes the
dates and amounts it needs (amounts are integer minor units).
"""

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from recoup.cases.enums import InstalmentStatus, PlanFrequency, PlanStatus, PromiseStatus
from recoup.errors import Conflict, InvalidInput, RecoupError

DISPUTE_SLA_DAYS = 14
PROMISE_GRACE_DAYS = 3
PLAN_REMINDER_DAYS = 3
PLAN_GRACE_DAYS = 7
MAX_INSTALMENTS = 120
APPROVER_ROLES = ("admin", "manager")


class NotAllowed(RecoupError):
    """The user's role does not allow the action (a collector approving a write-off)."""

    status_code = 403


def check_approver(role: str, *, action: str) -> str:
    """The approver's role, if it may approve ``action`` (manager or admin).

    >>> check_approver("Manager", action="a write-off")
    'manager'
    >>> check_approver("collector", action="this")
    Traceback (most recent call last):
    ...
    recoup.cases.core.NotAllowed: this needs approval by a manager or an admin, not a collector
    """
    normalised = role.strip().lower()
    if normalised not in APPROVER_ROLES:
        raise NotAllowed(
            f"{action} needs approval by a manager or an admin, not a {normalised or 'user'}"
        )
    return normalised


def pause_end(natural_end: date | None, closed_on: date | None) -> date | None:
    """The last paused day of a pause that would run to ``natural_end`` (None: open-ended)
    but was closed on ``closed_on`` — the ladder resumes on the closing day itself.

    >>> pause_end(date(2026, 3, 10), None)
    datetime.date(2026, 3, 10)
    >>> pause_end(None, date(2026, 3, 5))
    datetime.date(2026, 3, 4)
    >>> pause_end(date(2026, 3, 10), date(2026, 3, 20))
    datetime.date(2026, 3, 10)
    """
    if closed_on is None:
        return natural_end
    early = closed_on - timedelta(days=1)
    return early if natural_end is None else min(natural_end, early)


# Promises to pay


@dataclass(frozen=True, slots=True)
class PromiseLine:
    """One promised invoice: the amount promised, the payments allocated to it from the
    day the promise was made to the promised date (``paid``), those allocated later but
    within the grace days (``paid_late``), and credit notes allocated to it meanwhile
    (money no longer owed, so no longer expected)."""

    amount: int
    paid: int
    credited: int = 0
    paid_late: int = 0

    @property
    def required(self) -> int:
        """What the customer still had to pay on this invoice to keep the promise."""
        return max(0, self.amount - self.credited)

    @property
    def kept(self) -> int:
        """What was paid towards the promise on this invoice by the promised date (never
        more than required)."""
        return min(self.paid, self.required)

    @property
    def settled(self) -> int:
        """What was paid towards the promise by the end of the grace days."""
        return min(self.paid + self.paid_late, self.required)


@dataclass(frozen=True, slots=True)
class PromiseOutcome:
    """A promise's verdict: its new status, how much of it was kept (paid by the promised
    date) and whether something promised is still unpaid (chasing resumes)."""

    status: PromiseStatus
    kept_amount: int
    required_amount: int
    unpaid: bool = False


def promise_deadline(promised_on: date, grace_days: int) -> date:
    """The last day of the pause: the grace days only delay chasing, they do not make a
    late payment a kept promise."""
    return promised_on + timedelta(days=grace_days)


def judge_promise(
    lines: Sequence[PromiseLine], *, promised_on: date, deadline: date, as_of: date
) -> PromiseOutcome | None:
    """The outcome of a pending promise on ``as_of``, or None while it is still open.

    A promise is kept when the promised amount is paid on or before the promised date
    (DOMAIN.md) — kept as soon as it is, even before the date. What arrives in the grace
    days after the date does not keep it: once everything promised is paid, or after the
    deadline, it is partially kept when something was paid by the date and broken when
    nothing was; ``unpaid`` says whether money promised is still owed (chasing resumes).
    A promise whose invoices were entirely credited meanwhile is cancelled.

    >>> p, d = date(2026, 3, 1), date(2026, 3, 4)
    >>> judge_promise([PromiseLine(10000, 10000)], promised_on=p, deadline=d,
    ...               as_of=date(2026, 2, 27)).status
    <PromiseStatus.KEPT: 'kept'>
    >>> judge_promise([PromiseLine(10000, 4000)], promised_on=p, deadline=d, as_of=d) is None
    True
    >>> late = judge_promise([PromiseLine(10000, 4000)], promised_on=p, deadline=d,
    ...                      as_of=date(2026, 3, 5))
    >>> late.status.value, late.kept_amount, late.required_amount, late.unpaid
    ('partially_kept', 4000, 10000, True)
    >>> in_grace = judge_promise([PromiseLine(10000, 0, paid_late=10000)], promised_on=p,
    ...                          deadline=d, as_of=date(2026, 3, 3))
    >>> in_grace.status.value, in_grace.kept_amount, in_grace.unpaid
    ('broken', 0, False)
    >>> judge_promise([PromiseLine(10000, 6000, credited=4000)], promised_on=p, deadline=d,
    ...               as_of=d).status
    <PromiseStatus.KEPT: 'kept'>
    """
    required = sum(line.required for line in lines)
    kept = sum(line.kept for line in lines)
    settled = sum(line.settled for line in lines)
    if required == 0:
        return PromiseOutcome(PromiseStatus.CANCELLED, 0, 0)
    if kept >= required:
        return PromiseOutcome(PromiseStatus.KEPT, kept, required)
    if as_of <= promised_on or (settled < required and as_of <= deadline):
        return None
    status = PromiseStatus.PARTIALLY_KEPT if kept > 0 else PromiseStatus.BROKEN
    return PromiseOutcome(status, kept, required, unpaid=settled < required)


@dataclass(frozen=True, slots=True)
class KeptRate:
    """Promise counts by outcome and the promise-kept rate.

    The rate is kept / (kept + partially kept + broken): a partially kept promise was not
    kept (DOMAIN.md: kept means the promised amount was paid by the date), so it counts
    against the rate; pending and cancelled promises are left out.
    """

    kept: int = 0
    partially_kept: int = 0
    broken: int = 0
    pending: int = 0
    cancelled: int = 0

    @property
    def judged(self) -> int:
        """Promises that count in the rate."""
        return self.kept + self.partially_kept + self.broken

    @property
    def rate(self) -> Decimal | None:
        """The kept rate as a fraction (4 decimals), None when no promise was judged."""
        if not self.judged:
            return None
        return (Decimal(self.kept) / Decimal(self.judged)).quantize(
            Decimal("0.0001"), rounding=ROUND_HALF_UP
        )

    @property
    def percent(self) -> Decimal | None:
        """The kept rate in percent with two decimals, as DOMAIN.md gives its rates
        (1 of 3 → ``33.33``); None when no promise was judged."""
        if not self.judged:
            return None
        return (Decimal(100 * self.kept) / Decimal(self.judged)).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )


def kept_rate(statuses: Iterable[str]) -> KeptRate:
    """Count promise statuses into a ``KeptRate``.

    >>> kept_rate(["kept", "kept", "broken", "partially_kept", "pending", "cancelled"]).rate
    Decimal('0.5000')
    >>> kept_rate(["kept", "broken", "partially_kept"]).percent
    Decimal('33.33')
    >>> kept_rate(["pending"]).rate is None
    True
    """
    counts = dict.fromkeys(PromiseStatus, 0)
    for status in statuses:
        counts[PromiseStatus(status)] += 1
    return KeptRate(
        kept=counts[PromiseStatus.KEPT],
        partially_kept=counts[PromiseStatus.PARTIALLY_KEPT],
        broken=counts[PromiseStatus.BROKEN],
        pending=counts[PromiseStatus.PENDING],
        cancelled=counts[PromiseStatus.CANCELLED],
    )


# Payment plans


@dataclass(frozen=True, slots=True)
class ScheduledInstalment:
    """One instalment of a schedule: principal (settles the invoices) and interest."""

    seq: int
    due_on: date
    principal: int
    interest: int = 0

    @property
    def amount(self) -> int:
        """What the customer pays on ``due_on``."""
        return self.principal + self.interest


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months``, the day of the month clamped to the month's end.

    >>> add_months(date(2026, 1, 31), 1)
    datetime.date(2026, 2, 28)
    >>> add_months(date(2026, 11, 15), 3)
    datetime.date(2027, 2, 15)
    >>> add_months(date(2026, 3, 31), -13)
    datetime.date(2025, 2, 28)
    """
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def instalment_dates(first_due: date, count: int, frequency: PlanFrequency) -> list[date]:
    """Due dates of ``count`` instalments from ``first_due`` (monthly keeps the day of
    the month, clamped to short months).

    >>> instalment_dates(date(2026, 1, 31), 3, PlanFrequency.MONTHLY)
    [datetime.date(2026, 1, 31), datetime.date(2026, 2, 28), datetime.date(2026, 3, 31)]
    >>> instalment_dates(date(2026, 1, 1), 3, PlanFrequency.FORTNIGHTLY)[-1]
    datetime.date(2026, 1, 29)
    """
    if frequency is PlanFrequency.MONTHLY:
        return [add_months(first_due, k) for k in range(count)]
    step = 7 if frequency is PlanFrequency.WEEKLY else 14
    return [first_due + timedelta(days=step * k) for k in range(count)]


def split_equally(total: int, count: int) -> list[int]:
    """``total`` minor units in ``count`` equal parts, the last taking the remainder.

    >>> split_equally(10000, 3)
    [3333, 3333, 3334]
    """
    base = total // count
    return [base] * (count - 1) + [total - base * (count - 1)]


def build_schedule(
    *,
    principal: int,
    start_on: date,
    first_due: date | None = None,
    count: int | None = None,
    frequency: PlanFrequency = PlanFrequency.MONTHLY,
    interest_bp: int = 0,
    amounts: Sequence[int] | None = None,
    dates: Sequence[date] | None = None,
) -> list[ScheduledInstalment]:
    """A payment plan's instalments.

    ``count`` equal parts (the last takes the rounding remainder) or custom ``amounts``
    that add up to ``principal``; dates every week, fortnight or month from
    ``first_due``, or custom ``dates``. Interest, when ``interest_bp`` is given (annual
    rate in basis points), is simple interest, actual/365, on the principal still
    outstanding over each period (from ``start_on`` to the first due date, then between
    due dates), rounded half up once per instalment.

    >>> [(i.principal, i.interest) for i in build_schedule(
    ...     principal=30000, start_on=date(2026, 1, 1), first_due=date(2026, 2, 1),
    ...     count=3, interest_bp=1200)]
    [(10000, 306), (10000, 184), (10000, 102)]
    """
    if principal <= 0:
        raise InvalidInput("nothing to schedule: the invoices have no open amount")
    if amounts is not None:
        if not amounts or any(a <= 0 for a in amounts):
            raise InvalidInput("every instalment must be a positive amount", field="amounts")
        if sum(amounts) != principal:
            raise InvalidInput(
                f"the instalments add up to {sum(amounts)} but the plan covers {principal}"
                " (minor units)",
                field="amounts",
            )
        if count is not None and count != len(amounts):
            raise InvalidInput(f"{len(amounts)} amounts for {count} instalments", field="amounts")
        count = len(amounts)
    if dates is not None:
        if count is not None and count != len(dates):
            raise InvalidInput(f"{len(dates)} dates for {count} instalments", field="dates")
        if list(dates) != sorted(set(dates)):
            raise InvalidInput("must be in order, each after the one before", field="dates")
        count = len(dates)
    if count is None or count < 1 or count > MAX_INSTALMENTS:
        raise InvalidInput(f"must be between 1 and {MAX_INSTALMENTS}", field="instalments")
    if dates is None:
        if first_due is None:
            raise InvalidInput("the first instalment needs a date", field="first_due")
        dates = instalment_dates(first_due, count, frequency)
    if dates[0] < start_on:
        raise InvalidInput("the first instalment is before the plan starts", field="first_due")
    if interest_bp < 0:
        raise InvalidInput("must not be negative", field="interest")
    parts = list(amounts) if amounts is not None else split_equally(principal, count)
    schedule = []
    outstanding, previous = principal, start_on
    for seq, (due_on, part) in enumerate(zip(dates, parts, strict=True), start=1):
        days = (due_on - previous).days
        interest = Decimal(outstanding * interest_bp * days) / Decimal(10_000 * 365)
        schedule.append(
            ScheduledInstalment(
                seq, due_on, part, int(interest.quantize(Decimal(1), rounding=ROUND_HALF_UP))
            )
        )
        outstanding, previous = outstanding - part, due_on
    return schedule


@dataclass(frozen=True, slots=True)
class InstalmentState:
    """An instalment on a given day: how much of its principal was paid (money received,
    never a credit), how much a credit note took off it, and its status."""

    seq: int
    due_on: date
    principal: int
    interest: int
    paid: int
    status: InstalmentStatus
    credited: int = 0

    @property
    def due(self) -> int:
        """Principal still asked for on this instalment once credits are taken off."""
        return self.principal - self.credited

    @property
    def outstanding(self) -> int:
        """Principal still to pay on this instalment."""
        return self.due - self.paid

    @property
    def settled(self) -> bool:
        """Paid, or taken off the plan entirely by credits."""
        return self.status in (InstalmentStatus.PAID, InstalmentStatus.CREDITED)


def plan_progress(
    schedule: Sequence[ScheduledInstalment],
    *,
    paid: int,
    as_of: date,
    grace_days: int,
    credited: int = 0,
    resumed_on: date | None = None,
) -> tuple[list[InstalmentState], PlanStatus]:
    """Apply ``paid`` (the payments allocated to the plan's invoices since it began) to
    the instalments in order, and say whether the plan is active, completed or defaulted.

    Only money received pays an instalment. ``credited`` (credit notes allocated to the
    plan's invoices since it began: a dispute settled by a credit, a write-off) is money
    no longer owed: it comes off the end of the schedule, last instalment first, and an
    instalment it takes off entirely is ``credited``, not paid.

    An unpaid instalment is missed from the day after its due date; the plan defaults
    when one is still unpaid more than ``grace_days`` after its due date — or after
    ``resumed_on``, the day a dispute that held the plan was resolved, when later (the
    customer gets the grace days again once the question is settled).

    >>> s = build_schedule(principal=30000, start_on=date(2026, 1, 1),
    ...                    first_due=date(2026, 2, 1), count=3)
    >>> states, status = plan_progress(s, paid=15000, as_of=date(2026, 3, 5), grace_days=7)
    >>> [(x.paid, x.status.value) for x in states], status.value
    ([(10000, 'paid'), (5000, 'missed'), (0, 'pending')], 'active')
    >>> plan_progress(s, paid=15000, as_of=date(2026, 3, 9), grace_days=7)[1].value
    'defaulted'
    >>> states, _ = plan_progress(s, paid=0, credited=12000, as_of=date(2026, 1, 5),
    ...                           grace_days=7)
    >>> [(x.paid, x.credited, x.status.value) for x in states]
    [(0, 0, 'pending'), (0, 2000, 'pending'), (0, 10000, 'credited')]
    """
    off = [0] * len(schedule)
    left_credit = credited
    for index in range(len(schedule) - 1, -1, -1):
        off[index] = min(left_credit, schedule[index].principal)
        left_credit -= off[index]
    states = []
    left = paid
    for item, credit in zip(schedule, off, strict=True):
        due = item.principal - credit
        part = min(left, due)
        left -= part
        if due == 0:
            status = InstalmentStatus.CREDITED
        elif part >= due:
            status = InstalmentStatus.PAID
        elif as_of > item.due_on:
            status = InstalmentStatus.MISSED
        else:
            status = InstalmentStatus.PENDING
        states.append(
            InstalmentState(
                item.seq, item.due_on, item.principal, item.interest, part, status, credit
            )
        )
    if all(s.settled for s in states):
        return states, PlanStatus.COMPLETED
    if any(
        s.status is InstalmentStatus.MISSED and as_of > pay_by(s.due_on, grace_days, resumed_on)
        for s in states
    ):
        return states, PlanStatus.DEFAULTED
    return states, PlanStatus.ACTIVE


def pay_by(due_on: date, grace_days: int, resumed_on: date | None = None) -> date:
    """The last day to pay a missed instalment before the plan defaults.

    >>> pay_by(date(2026, 2, 1), 7), pay_by(date(2026, 2, 1), 7, date(2026, 2, 21))
    (datetime.date(2026, 2, 8), datetime.date(2026, 2, 28))
    """
    start = due_on if resumed_on is None else max(due_on, resumed_on)
    return start + timedelta(days=grace_days)


@dataclass(frozen=True, slots=True)
class InstalmentNotice:
    """A message a plan calls for on a day: a reminder before an instalment, or a notice
    that it was missed."""

    seq: int
    kind: str  # "reminder" or "missed"
    due_on: date
    amount: int  # principal + interest of the instalment
    paid: int  # principal received towards it

    @property
    def outstanding(self) -> int:
        """What is still to pay on the instalment."""
        return self.amount - self.paid


def instalment_notices(
    states: Sequence[InstalmentState], *, as_of: date, reminder_days: int
) -> list[InstalmentNotice]:
    """The reminders (from ``reminder_days`` before the due date through the due date)
    and missed-instalment notices (after the due date) that apply on ``as_of``.

    >>> s = build_schedule(principal=30000, start_on=date(2026, 1, 1),
    ...                    first_due=date(2026, 2, 1), count=3)
    >>> states, _ = plan_progress(s, paid=10000, as_of=date(2026, 2, 27), grace_days=7)
    >>> [(n.seq, n.kind) for n in instalment_notices(states, as_of=date(2026, 2, 27),
    ...                                               reminder_days=3)]
    [(2, 'reminder')]
    """
    notices = []
    for state in states:
        if state.settled:
            continue
        amount = state.due + state.interest
        if state.status is InstalmentStatus.MISSED:
            notices.append(InstalmentNotice(state.seq, "missed", state.due_on, amount, state.paid))
        elif state.due_on - timedelta(days=reminder_days) <= as_of <= state.due_on:
            notices.append(
                InstalmentNotice(state.seq, "reminder", state.due_on, amount, state.paid)
            )
    return notices


# Cases on one invoice: which may coexist


class Case(StrEnum):
    """A case that can hold an invoice: the kinds the coexistence table speaks of."""

    PROMISE = "promise"  # a pending promise to pay
    DISPUTE = "dispute"  # an open dispute (open or under investigation)
    PLAN = "plan"  # an active payment plan
    HANDOFF = "handoff"  # a hand-off to an agency, requested and awaiting approval
    PLACEMENT = "placement"  # a hand-off approved: the invoice is with the agency


class Rule(StrEnum):
    """What happens when a new case meets an open case on the same invoice."""

    ALLOW = "allow"  # both stand
    REFUSE = "refuse"  # the new case is refused (``Conflict``), nothing is written
    CLOSE = "close"  # the new case closes the open one (cancelled, with the reason)
    HOLD = "hold"  # both stand; the dispute holds the plan's messages and its default
    LEAVE_OUT = "leave_out"  # the invoice is left out of the new case (already asked)


_P, _D, _L, _H, _A = Case.PROMISE, Case.DISPUTE, Case.PLAN, Case.HANDOFF, Case.PLACEMENT

# (new case, open case on the same invoice) -> (rule, the words of a refusal or closing).
COEXISTENCE: dict[tuple[Case, Case], tuple[Rule, str]] = {
    (_P, _P): (
        Rule.REFUSE,
        "cancel it first if the customer has moved the date (a moved promise is not a kept one)",
    ),
    (_P, _D): (Rule.ALLOW, ""),
    (_P, _L): (Rule.REFUSE, "its instalments are the customer's promise"),
    (_P, _H): (Rule.REFUSE, "reject the hand-off first to take a promise on it"),
    (_P, _A): (Rule.REFUSE, "the agency collects it now; recall the hand-off first"),
    (_D, _P): (Rule.ALLOW, ""),
    (_D, _D): (Rule.REFUSE, "add to that dispute or resolve it first"),
    (_D, _L): (Rule.HOLD, ""),
    (_D, _H): (Rule.ALLOW, ""),
    (_D, _A): (Rule.ALLOW, ""),
    (_L, _P): (Rule.CLOSE, "absorbed by payment plan #{new}"),
    (_L, _D): (Rule.HOLD, ""),
    (_L, _L): (Rule.REFUSE, "cancel that plan first to agree a new one"),
    (_L, _H): (Rule.REFUSE, "reject the hand-off first to agree a plan"),
    (_L, _A): (Rule.REFUSE, "the agency collects it now; recall the hand-off first"),
    (_H, _P): (Rule.ALLOW, ""),
    (_H, _D): (Rule.REFUSE, "resolve the dispute before handing the invoice to an agency"),
    (_H, _L): (Rule.ALLOW, ""),
    (_H, _H): (Rule.LEAVE_OUT, ""),
    (_H, _A): (Rule.LEAVE_OUT, ""),
    (_A, _P): (Rule.CLOSE, "handed off to agency {agency} (hand-off #{new})"),
    (_A, _D): (Rule.REFUSE, "resolve the dispute before placing the invoice with an agency"),
    (_A, _L): (Rule.CLOSE, "handed off to agency {agency} (hand-off #{new})"),
    (_A, _H): (Rule.REFUSE, "decide that hand-off first"),
    (_A, _A): (Rule.REFUSE, "recall it first"),
}


_VERBS = {_P: "has", _D: "is in", _L: "is in", _H: "is in", _A: "is"}


@dataclass(frozen=True, slots=True)
class CaseOnInvoice:
    """An open case holding one invoice: ``label`` names it in words ("a pending promise
    (#3, to pay by 2026-03-10)", "payment plan #2"), ``invoice`` is the invoice's number."""

    kind: Case
    case_id: int
    invoice_id: int
    invoice: str
    label: str


@dataclass(frozen=True, slots=True)
class Admission:
    """What a new case does to the open cases on its invoices: the cases it closes (with
    the reason to record), the invoices left out of it, and the plans it holds (or is
    held by) through a dispute."""

    closes: tuple[CaseOnInvoice, ...] = ()
    leave_out: frozenset[int] = frozenset()
    holds: tuple[CaseOnInvoice, ...] = ()


def closing_reason(new: Case, closed: Case, *, new_id: int, agency: str = "") -> str:
    """Why the new case closed an open one, to record on it.

    >>> closing_reason(Case.PLACEMENT, Case.PLAN, new_id=4, agency="Acme")
    'handed off to agency Acme (hand-off #4)'
    """
    return COEXISTENCE[(new, closed)][1].format(new=new_id, agency=agency)


def admit(new: Case, existing: Iterable[CaseOnInvoice]) -> Admission:
    """Whether a new case of kind ``new`` may go onto invoices already holding the
    ``existing`` open cases — the one place where the cases' coexistence is decided.

    ======================  =======  =======  ==========  =============  =========
    new \\ open on invoice   promise  dispute  plan        hand-off asked placed
    ======================  =======  =======  ==========  =============  =========
    promise                 refuse   allow    refuse      refuse         refuse
    dispute                 allow    refuse   hold        allow          allow
    payment plan            close    hold     refuse      refuse         refuse
    hand-off request        allow    refuse   allow       leave out      leave out
    hand-off approval       close    refuse   close       refuse         refuse
    ======================  =======  =======  ==========  =============  =========

    * A second promise while one is pending is **refused**, not a silent replacement:
      a credit controller records a moved date by cancelling the old promise first, so
      that the promise-kept rate is not flattered by promises pushed back for ever.
    * A promise or a plan on an invoice in a plan or with an agency (asked or placed) is
      refused: the instalments, or the agency, are how that invoice is paid now.
    * A plan **absorbs** the pending promises on its invoices (they are cancelled,
      "absorbed by payment plan #n", and count in no kept rate).
    * A dispute and a plan coexist, but while one of the plan's invoices is in open
      dispute the plan is **held**: no instalment reminders or missed-instalment notices
      (instalments cannot be split by invoice, so none is sent that would chase money in
      question) and no default, until the dispute is resolved.
    * A hand-off may be asked while a promise or plan is open; its **approval** closes
      them (cancelled, "handed off to ..."). Disputed invoices are not handed off: asking
      or approving is refused until the dispute is resolved. Invoices already asked for
      or placed are left out of a new request.

    A refusal is a ``Conflict`` naming the invoice and the open case:

    >>> held = CaseOnInvoice(Case.PROMISE, 3, 7, "1007", "a pending promise (#3)")
    >>> admit(Case.PROMISE, [held])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    recoup.errors.Conflict: invoice 1007 already has a pending promise (#3): cancel it first...
    >>> [c.case_id for c in admit(Case.PLAN, [held]).closes]
    [3]
    """
    closes: dict[tuple[Case, int], CaseOnInvoice] = {}
    leave_out: set[int] = set()
    holds: list[CaseOnInvoice] = []
    for case in existing:
        rule, words = COEXISTENCE[(new, case.kind)]
        if rule is Rule.REFUSE:
            verb = _VERBS[case.kind]
            if case.kind is new:
                verb = {"has": "already has", "is in": "is already in", "is": "is already"}[verb]
            raise Conflict(f"invoice {case.invoice} {verb} {case.label}: {words}")
        if rule is Rule.CLOSE:
            closes.setdefault((case.kind, case.case_id), case)
        elif rule is Rule.LEAVE_OUT:
            leave_out.add(case.invoice_id)
        elif rule is Rule.HOLD:
            holds.append(case)
    return Admission(tuple(closes.values()), frozenset(leave_out), tuple(holds))
