"""Pure case rules: when a promise is kept, how a payment plan's schedule is built and
paid, when a pause ends, who may approve. No session, no clock: every function takes the
dates and amounts it needs (amounts are integer minor units).
"""

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from recoup.cases.models import InstalmentStatus, PlanFrequency, PlanStatus, PromiseStatus
from recoup.errors import InvalidInput, RecoupError

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
    """An instalment on a given day: how much of its principal is paid, and its status."""

    seq: int
    due_on: date
    principal: int
    interest: int
    paid: int
    status: InstalmentStatus

    @property
    def outstanding(self) -> int:
        """Principal still to pay on this instalment."""
        return self.principal - self.paid


def plan_progress(
    schedule: Sequence[ScheduledInstalment], *, paid: int, as_of: date, grace_days: int
) -> tuple[list[InstalmentState], PlanStatus]:
    """Apply ``paid`` (everything allocated to the plan's invoices since it began) to the
    instalments in order, and say whether the plan is active, completed or defaulted.

    An unpaid instalment is missed from the day after its due date; the plan defaults
    when one is still unpaid more than ``grace_days`` after its due date.

    >>> s = build_schedule(principal=30000, start_on=date(2026, 1, 1),
    ...                    first_due=date(2026, 2, 1), count=3)
    >>> states, status = plan_progress(s, paid=15000, as_of=date(2026, 3, 5), grace_days=7)
    >>> [(x.paid, x.status.value) for x in states], status.value
    ([(10000, 'paid'), (5000, 'missed'), (0, 'pending')], 'active')
    >>> plan_progress(s, paid=15000, as_of=date(2026, 3, 9), grace_days=7)[1].value
    'defaulted'
    """
    states = []
    left = paid
    for item in schedule:
        part = min(left, item.principal)
        left -= part
        if part >= item.principal:
            status = InstalmentStatus.PAID
        elif as_of > item.due_on:
            status = InstalmentStatus.MISSED
        else:
            status = InstalmentStatus.PENDING
        states.append(
            InstalmentState(item.seq, item.due_on, item.principal, item.interest, part, status)
        )
    if all(s.status is InstalmentStatus.PAID for s in states):
        return states, PlanStatus.COMPLETED
    if any(
        s.status is InstalmentStatus.MISSED and as_of > s.due_on + timedelta(days=grace_days)
        for s in states
    ):
        return states, PlanStatus.DEFAULTED
    return states, PlanStatus.ACTIVE


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
        if state.status is InstalmentStatus.PAID:
            continue
        amount = state.principal + state.interest
        if state.status is InstalmentStatus.MISSED:
            notices.append(InstalmentNotice(state.seq, "missed", state.due_on, amount, state.paid))
        elif state.due_on - timedelta(days=reminder_days) <= as_of <= state.due_on:
            notices.append(
                InstalmentNotice(state.seq, "reminder", state.due_on, amount, state.paid)
            )
    return notices
