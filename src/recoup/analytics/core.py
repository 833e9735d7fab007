"""Collection KPIs as pure formulas (DOMAIN.md's "KPIs"), one currency at a time.

No database, no clock: every function takes the figures it needs (minor units of one
currency, day counts) and returns a ``Decimal`` rounded half-up to two places, or None
when the ratio means nothing (no sales, nothing open, nothing paid). Amounts of different
currencies are never added: callers compute each currency on its own (``by_currency``).

Conventions where DOMAIN.md leaves a choice, stated once here and in each docstring:

* CEI uses the period's credit sales, not the monthly average (DOMAIN.md's choice).
* Days late are counted from the due date and never below zero (an early payment is 0
  days late, not a negative figure that would hide late ones); days to pay count from
  the issue date. Each payment allocation counts with its own amount and date, so a
  partly paid invoice weighs in once per part.
* A partly kept promise counts as broken: the promised amount was not paid in time.
* Percent collected: of what was due to be collected in the period — still owed on its
  first day on invoices due by its last (overdue before it or falling due in it), less
  credit notes applied in it — the share that payments dated in the period settled.
  (Counting only invoices falling due in the period would leave out the money
  collections is mostly about: overdue invoices paid late.)
* Dispute rate: disputes opened in the period per 100 invoices issued in it.
* Agency recovery rate: gross amount recovered over the amount placed with agencies.
"""

from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import NamedTuple

CENT = Decimal("0.01")
PROMISE_KEPT = "kept"
PROMISE_BROKEN = frozenset({"broken", "partially_kept"})


def _round(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def ratio(part: int, whole: int, scale: int = 100) -> Decimal | None:
    """``part / whole × scale`` (a percentage by default); None when ``whole`` is not
    positive.

    >>> ratio(12_312, 123_423)
    Decimal('9.98')
    >>> ratio(1, 0) is None
    True
    """
    if whole <= 0:
        return None
    return _round(Decimal(part) * scale / Decimal(whole))


def standard_dso(ending_ar: int, credit_sales: int, days: int) -> Decimal | None:
    """Days sales outstanding: ending AR / credit sales of the period × days in it.

    >>> standard_dso(200_000, 2_000_000, 365)
    Decimal('36.50')
    >>> standard_dso(100, 0, 30) is None
    True
    """
    return ratio(ending_ar, credit_sales, days)


def countback_dso(ending_ar: int, monthly_sales: Sequence[tuple[int, int]]) -> Decimal | None:
    """Count-back DSO: ``monthly_sales`` is ``(credit sales, days)`` per month, newest
    first. Whole months are counted while the AR left covers their sales, then the rest
    as a fraction of the next month. A month without sales counts whole.

    When the AR outlasts every month given, the rest is counted at the oldest month with
    sales (the history ends, the pace is assumed to continue); None if no month had
    sales while AR is open.

    >>> countback_dso(212_000, [(100_000, 30), (80_000, 30), (70_000, 30)])
    Decimal('73.71')
    >>> countback_dso(0, [(100_000, 30)])
    Decimal('0.00')
    """
    left = Decimal(ending_ar)
    if left <= 0:
        return _round(Decimal(0))
    days = Decimal(0)
    last_with_sales: tuple[int, int] | None = None
    for sales, month_days in monthly_sales:
        if left == 0:  # every open amount is accounted for
            return _round(days)
        if sales > 0:
            last_with_sales = (sales, month_days)
        if left < sales:
            return _round(days + left / sales * month_days)
        left -= sales
        days += month_days
    if left == 0:
        return _round(days)
    if last_with_sales is None:
        return None
    sales, month_days = last_with_sales
    return _round(days + left / sales * month_days)


def best_possible_dso(current_ar: int, credit_sales: int, days: int) -> Decimal | None:
    """Best possible DSO: current (not yet due) AR / credit sales × days.

    >>> best_possible_dso(4_000, 10_000, 30), best_possible_dso(8_000, 30_000, 28)
    (Decimal('12.00'), Decimal('7.47'))
    """
    return ratio(current_ar, credit_sales, days)


def average_days_delinquent(dso: Decimal | None, best_dso: Decimal | None) -> Decimal | None:
    """Average days delinquent: DSO − best possible DSO.

    >>> average_days_delinquent(Decimal(45), Decimal(12))
    Decimal('33.00')
    """
    if dso is None or best_dso is None:
        return None
    return _round(dso - best_dso)


def cei(
    beginning_ar: int, credit_sales: int, ending_total_ar: int, ending_current_ar: int
) -> Decimal | None:
    """Collection effectiveness index, in percent, with the period's credit sales:
    (beginning AR + sales − ending total AR) / (beginning AR + sales − ending current AR).

    None when the denominator is not positive (nothing was collectible).

    >>> cei(100_000, 1_000_000, 120_000, 100_000)
    Decimal('98.00')
    >>> cei(6_200, 10_890, 6_340, 3_590)
    Decimal('79.63')
    """
    return ratio(
        beginning_ar + credit_sales - ending_total_ar,
        beginning_ar + credit_sales - ending_current_ar,
    )


def percent_overdue(past_due: int, total: int) -> Decimal | None:
    """Past-due AR as a percentage of total AR (amounts or invoice counts).

    >>> percent_overdue(12_312, 123_423)
    Decimal('9.98')
    """
    return ratio(past_due, total)


def percent_collected(collected: int, due: int) -> Decimal | None:
    """Of what was due to be collected in the period (owed at its start on invoices due
    by its end, less credit notes), the share paid in it.

    >>> percent_collected(761_000, 1_000_000)
    Decimal('76.10')
    """
    return ratio(collected, due)


def bad_debt_ratio(written_off: int, credit_sales: int) -> Decimal | None:
    """Amount written off / credit sales of the period, in percent.

    >>> bad_debt_ratio(1_000, 100_000)
    Decimal('1.00')
    """
    return ratio(written_off, credit_sales)


class PaidPart(NamedTuple):
    """Money paid on one invoice (one payment allocation), minor units."""

    amount: int
    paid_on: date
    issue_date: date
    due_date: date


class WeightedDays(NamedTuple):
    """Σ amount and Σ amount × days over paid parts: what a weighted average needs."""

    amount: int = 0
    amount_days: int = 0

    def __add__(self, other: object) -> "WeightedDays":
        if not isinstance(other, WeightedDays):
            return NotImplemented
        return WeightedDays(self.amount + other.amount, self.amount_days + other.amount_days)

    @property
    def average(self) -> Decimal | None:
        """Σ(amount × days) / Σ amount; None when nothing was paid.

        >>> WeightedDays(225, 140 * 7 + 85 * 55).average
        Decimal('25.13')
        """
        return ratio(self.amount_days, self.amount, 1)


def days_late(part: PaidPart) -> int:
    """Days after the due date the part was paid; 0 when paid on time or early."""
    return max((part.paid_on - part.due_date).days, 0)


def days_to_pay(part: PaidPart) -> int:
    """Days from the issue date to the payment."""
    return (part.paid_on - part.issue_date).days


def weigh(parts: Iterable[PaidPart], days: Callable[[PaidPart], int]) -> WeightedDays:
    """The weighted-day sums of ``parts`` for a day measure (``days_late``,
    ``days_to_pay``).

    >>> parts = [PaidPart(140, date(2026, 1, 8), date(2026, 1, 1), date(2026, 1, 1)),
    ...          PaidPart(85, date(2026, 2, 25), date(2026, 1, 1), date(2026, 1, 1))]
    >>> weigh(parts, days_late).average
    Decimal('25.13')
    """
    amount = amount_days = 0
    for part in parts:
        amount += part.amount
        amount_days += part.amount * days(part)
    return WeightedDays(amount, amount_days)


def promise_kept_rate(statuses: Iterable[str]) -> Decimal | None:
    """Kept / (kept + broken) in percent; pending and cancelled promises left out and a
    partly kept promise counted as broken.

    >>> promise_kept_rate(["kept", "kept", "kept", "broken", "pending", "cancelled"])
    Decimal('75.00')
    """
    kept = broken = 0
    for status in statuses:
        if status == PROMISE_KEPT:
            kept += 1
        elif status in PROMISE_BROKEN:
            broken += 1
    return ratio(kept, kept + broken)


def dispute_rate(disputes_opened: int, invoices_issued: int) -> Decimal | None:
    """Disputes opened per 100 invoices issued in the period.

    >>> dispute_rate(3, 120)
    Decimal('2.50')
    """
    return ratio(disputes_opened, invoices_issued)


def average_days_to_resolve(spans: Iterable[tuple[date, date]]) -> Decimal | None:
    """Mean days from opening to resolving over ``(opened_on, resolved_on)`` pairs.

    >>> average_days_to_resolve([(date(2026, 1, 1), date(2026, 1, 11)),
    ...                          (date(2026, 1, 1), date(2026, 1, 6))])
    Decimal('7.50')
    """
    total = count = 0
    for opened, resolved in spans:
        total += (resolved - opened).days
        count += 1
    return ratio(total, count, 1)


def agency_recovery_rate(recovered: int, placed: int) -> Decimal | None:
    """Gross amount agencies recovered / amount placed with them, in percent.

    >>> agency_recovery_rate(3_000, 12_000)
    Decimal('25.00')
    """
    return ratio(recovered, placed)


NO_DAYS = WeightedDays()


class Kpi(StrEnum):
    """The KPIs Recoup reports, by their command-line names."""

    DSO = "dso"
    COUNTBACK_DSO = "countback_dso"
    BEST_DSO = "best_dso"
    ADD = "add"
    CEI = "cei"
    OVERDUE_PERCENT = "overdue_percent"
    OVERDUE_COUNT_PERCENT = "overdue_count_percent"
    COLLECTED_PERCENT = "collected_percent"
    BAD_DEBT_PERCENT = "bad_debt_percent"
    DAYS_TO_PAY = "days_to_pay"
    DAYS_LATE = "days_late"
    PROMISE_KEPT_PERCENT = "promise_kept_percent"
    DISPUTE_RATE = "dispute_rate"
    DAYS_TO_RESOLVE = "days_to_resolve"
    AGENCY_RECOVERY_PERCENT = "agency_recovery_percent"


# KPIs where a smaller figure is better (a goal is then an upper bound).
LOWER_IS_BETTER = frozenset(
    {
        Kpi.DSO,
        Kpi.COUNTBACK_DSO,
        Kpi.BEST_DSO,
        Kpi.ADD,
        Kpi.OVERDUE_PERCENT,
        Kpi.OVERDUE_COUNT_PERCENT,
        Kpi.BAD_DEBT_PERCENT,
        Kpi.DAYS_TO_PAY,
        Kpi.DAYS_LATE,
        Kpi.DISPUTE_RATE,
        Kpi.DAYS_TO_RESOLVE,
    }
)


@dataclass(frozen=True, slots=True)
class PeriodFigures:
    """What the ledger and the cases say about one currency (and one group: a collector,
    segment or country, or everyone) over ``start``..``end`` (inclusive).

    ``monthly_sales`` are ``(credit sales, days)`` of calendar months, newest first, the
    last one ending on ``end``; ``*_ar`` are open invoice amounts (void and written-off
    invoices left out); ``paid_*`` are weighted sums over payment allocations in the
    period.
    """

    currency: str
    start: date
    end: date
    beginning_ar: int = 0
    ending_ar: int = 0
    ending_current_ar: int = 0
    ending_open_count: int = 0
    ending_overdue_count: int = 0
    credit_sales: int = 0
    invoices_issued: int = 0
    monthly_sales: tuple[tuple[int, int], ...] = ()
    collected: int = 0
    due: int = 0
    collected_of_due: int = 0
    written_off: int = 0
    paid_late: WeightedDays = NO_DAYS
    paid_after_issue: WeightedDays = NO_DAYS
    promise_statuses: tuple[str, ...] = ()
    disputes_opened: int = 0
    resolved_spans: tuple[tuple[date, date], ...] = ()
    placed: int = 0
    recovered: int = 0

    @property
    def days(self) -> int:
        """Days in the period, both ends counted."""
        return (self.end - self.start).days + 1


def kpis(figures: PeriodFigures) -> dict[Kpi, Decimal | None]:
    """Every KPI of one currency's period figures.

    >>> f = PeriodFigures("EUR", date(2026, 11, 1), date(2026, 11, 30), beginning_ar=100,
    ...                   ending_ar=120, ending_current_ar=100, credit_sales=1_000)
    >>> values = kpis(f)
    >>> values[Kpi.DSO], values[Kpi.BEST_DSO], values[Kpi.ADD], values[Kpi.CEI]
    (Decimal('3.60'), Decimal('3.00'), Decimal('0.60'), Decimal('98.00'))
    """
    dso = standard_dso(figures.ending_ar, figures.credit_sales, figures.days)
    best = best_possible_dso(figures.ending_current_ar, figures.credit_sales, figures.days)
    monthly = figures.monthly_sales or ((figures.credit_sales, figures.days),)
    return {
        Kpi.DSO: dso,
        Kpi.COUNTBACK_DSO: countback_dso(figures.ending_ar, monthly),
        Kpi.BEST_DSO: best,
        Kpi.ADD: average_days_delinquent(dso, best),
        Kpi.CEI: cei(
            figures.beginning_ar,
            figures.credit_sales,
            figures.ending_ar,
            figures.ending_current_ar,
        ),
        Kpi.OVERDUE_PERCENT: percent_overdue(
            figures.ending_ar - figures.ending_current_ar, figures.ending_ar
        ),
        Kpi.OVERDUE_COUNT_PERCENT: percent_overdue(
            figures.ending_overdue_count, figures.ending_open_count
        ),
        Kpi.COLLECTED_PERCENT: percent_collected(figures.collected_of_due, figures.due),
        Kpi.BAD_DEBT_PERCENT: bad_debt_ratio(figures.written_off, figures.credit_sales),
        Kpi.DAYS_TO_PAY: figures.paid_after_issue.average,
        Kpi.DAYS_LATE: figures.paid_late.average,
        Kpi.PROMISE_KEPT_PERCENT: promise_kept_rate(figures.promise_statuses),
        Kpi.DISPUTE_RATE: dispute_rate(figures.disputes_opened, figures.invoices_issued),
        Kpi.DAYS_TO_RESOLVE: average_days_to_resolve(figures.resolved_spans),
        Kpi.AGENCY_RECOVERY_PERCENT: agency_recovery_rate(figures.recovered, figures.placed),
    }


def meets(kpi: Kpi, actual: Decimal | None, target: Decimal) -> bool | None:
    """Whether ``actual`` meets a goal of ``target`` (an upper bound for KPIs where lower
    is better, a lower bound otherwise); None when there is no actual figure.

    >>> meets(Kpi.DSO, Decimal("44.9"), Decimal(45)), meets(Kpi.CEI, Decimal(80), Decimal(85))
    (True, False)
    """
    if actual is None:
        return None
    return actual <= target if kpi in LOWER_IS_BETTER else actual >= target


def month_bounds(year: int, month: int) -> tuple[date, date]:
    """The first and last day of a calendar month.

    >>> month_bounds(2024, 2)
    (datetime.date(2024, 2, 1), datetime.date(2024, 2, 29))
    """
    first = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    return first, following - timedelta(days=1)


def months_back(end: date, count: int) -> list[tuple[date, date]]:
    """``count`` calendar months ending with ``end``'s month, newest first; the newest
    ends on ``end`` itself (a month to date).

    >>> months_back(date(2026, 3, 15), 2)
    [(datetime.date(2026, 3, 1), datetime.date(2026, 3, 15)), \
(datetime.date(2026, 2, 1), datetime.date(2026, 2, 28))]
    """
    out = []
    year, month = end.year, end.month
    for i in range(count):
        first, last = month_bounds(year, month)
        out.append((first, end if i == 0 else last))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out


def monthly_sales(daily: Mapping[date, int], end: date, count: int) -> tuple[tuple[int, int], ...]:
    """Fold sales per issue day into ``(sales, days)`` per month, newest first, for the
    count-back DSO (the newest month runs to ``end``).

    >>> monthly_sales({date(2026, 3, 2): 5, date(2026, 2, 27): 7, date(2026, 2, 1): 1},
    ...               date(2026, 3, 15), 2)
    ((5, 15), (8, 28))
    """
    out = []
    for first, last in months_back(end, count):
        total = sum(v for d, v in daily.items() if first <= d <= last)
        out.append((total, (last - first).days + 1))
    return tuple(out)


def add_figures(a: PeriodFigures, b: PeriodFigures) -> PeriodFigures:
    """Two groups' figures of the same currency and period summed (collectors into a
    total, tags into a segment). Refuses to add different currencies."""
    if a.currency != b.currency or (a.start, a.end) != (b.start, b.end):
        raise ValueError("only figures of one currency and one period add up")
    values: dict[str, object] = {}
    for f in fields(PeriodFigures):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if f.name in ("currency", "start", "end"):
            values[f.name] = x
        elif f.name == "monthly_sales":
            values[f.name] = _add_months(x, y)
        else:
            values[f.name] = x + y
    return PeriodFigures(**values)  # type: ignore[arg-type]


def _add_months(
    a: tuple[tuple[int, int], ...], b: tuple[tuple[int, int], ...]
) -> tuple[tuple[int, int], ...]:
    if not a or not b:
        return a or b
    return tuple((x[0] + y[0], x[1]) for x, y in zip(a, b, strict=True))


# Collector performance ----------------------------------------------------------------

# A payment counts as collected after contact when the customer was contacted in the
# 30 days before the day it was allocated.
CONTACT_WINDOW_DAYS = 30


def contacted_before(
    day: date, contacts: Sequence[date], window: int = CONTACT_WINDOW_DAYS
) -> bool:
    """Whether one of ``contacts`` (sorted days) falls in the ``window`` days before
    ``day``: from ``day − window`` to the day before ``day``. A contact on the day itself
    does not count (it cannot be told whether it came before the payment).

    >>> contacts = [date(2026, 10, 2), date(2026, 11, 20)]
    >>> contacted_before(date(2026, 11, 1), contacts), contacted_before(date(2026, 11, 2), contacts)
    (True, False)
    >>> contacted_before(date(2026, 11, 20), contacts)
    False
    """
    i = bisect_left(contacts, day - timedelta(days=window))
    return i < len(contacts) and contacts[i] < day


def collected_after_contact(
    parts: Iterable[tuple[date, int]], contacts: Sequence[date], window: int = CONTACT_WINDOW_DAYS
) -> int:
    """The amount of ``(allocation day, amount)`` parts allocated after a contact with
    the customer (``contacted_before``); ``contacts`` sorted.

    >>> collected_after_contact([(date(2026, 11, 10), 600), (date(2026, 11, 25), 500)],
    ...                         [date(2026, 11, 5)])
    1100
    >>> collected_after_contact([(date(2026, 11, 10), 600)], [date(2026, 10, 1)])
    0
    """
    return sum(amount for day, amount in parts if contacted_before(day, contacts, window))


def kept_and_closed(statuses: Iterable[str]) -> tuple[int, int]:
    """How many promises were kept and how many were closed (kept, partly kept or
    broken; pending and cancelled ones are not judged): the two sides of
    ``promise_kept_rate``.

    >>> kept_and_closed(["kept", "broken", "partially_kept", "pending", "cancelled"])
    (1, 3)
    """
    kept = closed = 0
    for status in statuses:
        if status == PROMISE_KEPT:
            kept += 1
            closed += 1
        elif status in PROMISE_BROKEN:
            closed += 1
    return kept, closed


def resolved_within(spans: Iterable[tuple[date, date]], sla_days: int) -> int:
    """How many ``(opened_on, resolved_on)`` disputes were resolved within ``sla_days``
    of being opened (on the SLA's last day still counts: the daily run raises its task
    only once a dispute is open longer than that).

    >>> resolved_within([(date(2026, 11, 1), date(2026, 11, 11)),
    ...                  (date(2026, 11, 1), date(2026, 11, 15)),
    ...                  (date(2026, 11, 1), date(2026, 11, 21))], 14)
    2
    """
    return sum(1 for opened, resolved in spans if (resolved - opened).days <= sla_days)


def on_time(completed_on: date, due_on: date | None) -> bool | None:
    """Whether a task was completed by its due date (on the day counts); None when it had
    none.

    >>> on_time(date(2026, 11, 5), date(2026, 11, 5)), on_time(date(2026, 11, 6), None)
    (True, None)
    """
    return None if due_on is None else completed_on <= due_on


@dataclass(frozen=True, slots=True)
class CollectorFigures:
    """A collector's performance in one currency over ``start``..``end``; the collector
    of a customer is the customer's ``collector`` ("" nobody).

    * ``accounts``, ``open_amount``: customers with money open on ``end`` in this currency
      and that money (void and written-off invoices left out);
    * ``collected``: payments allocated to their invoices in the period;
      ``collected_after_contact`` the part allocated after a contact with the customer
      in the 30 days before (``contacted_before``);
    * ``promise_statuses``: of the promises made in the period;
    * ``resolved_spans``: ``(opened, resolved)`` of the disputes resolved in the period;
    * ``tasks_done``: tasks about their customers (of this currency) completed in the
      period, ``tasks_due`` those of them with a due date, ``tasks_on_time`` those
      completed by it.
    """

    currency: str
    collector: str
    start: date
    end: date
    accounts: int = 0
    open_amount: int = 0
    collected: int = 0
    collected_after_contact: int = 0
    promise_statuses: tuple[str, ...] = ()
    resolved_spans: tuple[tuple[date, date], ...] = ()
    tasks_done: int = 0
    tasks_due: int = 0
    tasks_on_time: int = 0


@dataclass(frozen=True, slots=True)
class CollectorRates:
    """What ``CollectorFigures`` come to: counts, and percentages (None without a
    denominator)."""

    promises_made: int
    promises_kept: int
    promises_closed: int
    promise_kept_percent: Decimal | None
    collected_after_contact_percent: Decimal | None
    disputes_resolved: int
    disputes_within_sla: int
    disputes_within_sla_percent: Decimal | None
    tasks_on_time_percent: Decimal | None


def collector_rates(figures: CollectorFigures, sla_days: int) -> CollectorRates:
    """The counts and shares of one collector's figures: promises kept of those closed
    (``promise_kept_rate``), collected after contact of collected, disputes resolved
    within ``sla_days`` of those resolved, tasks done by their due date of those done
    that had one.

    >>> f = CollectorFigures("EUR", "ann", date(2026, 11, 1), date(2026, 11, 30),
    ...                      collected=1_000, collected_after_contact=250,
    ...                      promise_statuses=("kept", "broken", "pending"),
    ...                      resolved_spans=((date(2026, 11, 1), date(2026, 11, 11)),),
    ...                      tasks_done=3, tasks_due=2, tasks_on_time=1)
    >>> r = collector_rates(f, 14)
    >>> r.promises_made, r.promises_kept, r.promises_closed, r.promise_kept_percent
    (3, 1, 2, Decimal('50.00'))
    >>> r.collected_after_contact_percent, r.disputes_within_sla_percent, r.tasks_on_time_percent
    (Decimal('25.00'), Decimal('100.00'), Decimal('50.00'))
    """
    kept, closed = kept_and_closed(figures.promise_statuses)
    within = resolved_within(figures.resolved_spans, sla_days)
    resolved = len(figures.resolved_spans)
    return CollectorRates(
        promises_made=len(figures.promise_statuses),
        promises_kept=kept,
        promises_closed=closed,
        promise_kept_percent=promise_kept_rate(figures.promise_statuses),
        collected_after_contact_percent=ratio(figures.collected_after_contact, figures.collected),
        disputes_resolved=resolved,
        disputes_within_sla=within,
        disputes_within_sla_percent=ratio(within, resolved),
        tasks_on_time_percent=ratio(figures.tasks_on_time, figures.tasks_due),
    )
