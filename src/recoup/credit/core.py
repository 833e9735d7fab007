"""Pure credit-control rules: exposure against the limit, when an account goes on hold,
and a suggested credit limit from payment history. No session, no clock.

**Suggested limit.** Over the 365 days up to ``as_of``:

    average monthly sales = invoiced in the window / months of history
                            (12, or fewer for a customer whose first invoice is more
                            recent: whole-or-part 30-day months since it, at least 1)
    average days late     = Σ(total × days late) / Σ total over the window's invoices
                            that are due by ``as_of``; days late = settled − due
                            (0 if paid on time), or as_of − due while still unpaid
    factor                = 1.25 − average days late / 60, kept within 0.25 .. 1.25
                            (paying on time earns a 25 % cushion; 15 days late: 1.0;
                            30 days: 0.75; 60 days or more: 0.25)
    suggested limit       = average monthly sales × terms / 30 × factor,
                            rounded down to a multiple of 100 currency units

so a customer on 30-day terms buying 10,000 a month and paying 15 days late on average
is suggested 10,000.
"""

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from recoup import money

HOLD_DAYS_PAST_DUE = 60
WINDOW_DAYS = 365
FACTOR_CEILING = Decimal("1.25")
FACTOR_FLOOR = Decimal("0.25")
DAYS_LATE_PER_FACTOR = Decimal(60)
ROUND_TO_UNITS = 100


@dataclass(frozen=True, slots=True)
class Exposure:
    """What a customer owes or has ordered, in its own currency, against its limit."""

    customer_id: int
    currency: str
    open_amount: int  # open invoices in the customer's currency
    open_orders: int  # reported orders not yet invoiced
    limit: int | None  # None: no limit set
    oldest_due: date | None  # the oldest due date among its open invoices (any currency)

    @property
    def total(self) -> int:
        """Open invoices plus open orders."""
        return self.open_amount + self.open_orders

    @property
    def available(self) -> int | None:
        """Credit left under the limit (negative when over it); None without a limit."""
        return None if self.limit is None else self.limit - self.total


def holds(exposure: Exposure, *, as_of: date, max_days_past_due: int) -> bool:
    """Whether the credit rule puts the account on hold on ``as_of`` (``hold_reasons``
    is not empty), without putting the reasons in words.

    >>> e = Exposure(1, "EUR", 900000, 0, 1000000, date(2026, 1, 1))
    >>> holds(e, as_of=date(2026, 3, 2), max_days_past_due=60)
    False
    >>> holds(e, as_of=date(2026, 3, 3), max_days_past_due=60)
    True
    """
    if exposure.limit is not None and exposure.total > exposure.limit:
        return True
    return exposure.oldest_due is not None and (
        (as_of - exposure.oldest_due).days > max_days_past_due
    )


def hold_reasons(exposure: Exposure, *, as_of: date, max_days_past_due: int) -> list[str]:
    """Why the credit rule puts the account on hold on ``as_of`` (empty: it does not).

    >>> e = Exposure(1, "EUR", 900000, 200000, 1000000, date(2026, 1, 1))
    >>> hold_reasons(e, as_of=date(2026, 3, 1), max_days_past_due=60)
    ['exposure 11000.00 EUR is over the credit limit of 10000.00 EUR']
    >>> hold_reasons(e, as_of=date(2026, 3, 3), max_days_past_due=60)[1]
    'an invoice is 61 days past due (more than 60)'
    """
    reasons = []
    if exposure.limit is not None and exposure.total > exposure.limit:
        total = money.format_minor(exposure.total, exposure.currency)
        limit = money.format_minor(exposure.limit, exposure.currency)
        reasons.append(
            f"exposure {total} {exposure.currency} is over the credit limit of "
            f"{limit} {exposure.currency}"
        )
    if exposure.oldest_due is not None:
        days = (as_of - exposure.oldest_due).days
        if days > max_days_past_due:
            reasons.append(f"an invoice is {days} days past due (more than {max_days_past_due})")
    return reasons


@dataclass(frozen=True, slots=True)
class Sale:
    """An invoice to the customer: when issued and due, its total, and the day it was
    settled in full (None while open)."""

    issue_date: date
    due_date: date
    total_amount: int
    settled_on: date | None


@dataclass(frozen=True, slots=True)
class LimitSuggestion:
    """A suggested credit limit with the figures behind it and the reasoning in words."""

    currency: str
    amount: int
    monthly_sales: int
    months: int
    terms_days: int
    average_days_late: Decimal
    factor: Decimal
    reasoning: tuple[str, ...]


def limit_factor(average_days_late: Decimal) -> Decimal:
    """The multiplier for a customer's average days late.

    >>> [str(limit_factor(Decimal(d))) for d in (0, 15, 30, 90)]
    ['1.25', '1.00', '0.75', '0.25']
    """
    raw = FACTOR_CEILING - average_days_late / DAYS_LATE_PER_FACTOR
    return max(FACTOR_FLOOR, min(FACTOR_CEILING, raw)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def suggest_limit(
    sales: Sequence[Sale], *, as_of: date, terms_days: int, currency: str
) -> LimitSuggestion:
    """A credit limit from the customer's payment history (formula in the module doc)."""
    window_start = as_of - timedelta(days=WINDOW_DAYS)
    in_window = [s for s in sales if window_start < s.issue_date <= as_of]
    first = min((s.issue_date for s in sales if s.issue_date <= as_of), default=None)
    if first is None or first <= window_start:
        months = 12
    else:
        months = min(12, max(1, -(-(as_of - first).days // 30)))
    invoiced = sum(s.total_amount for s in in_window)
    monthly = Decimal(invoiced) / months
    weighted = total = 0
    for sale in in_window:
        settled = sale.settled_on if sale.settled_on and sale.settled_on <= as_of else None
        if sale.due_date >= as_of and settled is None:
            continue  # not yet due: says nothing about lateness
        end = settled or as_of
        weighted += sale.total_amount * max(0, (end - sale.due_date).days)
        total += sale.total_amount
    average_late = (
        (Decimal(weighted) / Decimal(total)).quantize(Decimal("0.01"), ROUND_HALF_UP)
        if total
        else Decimal(0)
    )
    factor = limit_factor(average_late)
    raw = monthly * Decimal(terms_days) / Decimal(30) * factor
    step = Decimal(ROUND_TO_UNITS) * Decimal(10) ** money.exponent(currency)
    amount = int((raw / step).to_integral_value(rounding=ROUND_FLOOR) * step)
    monthly_minor = int(monthly.to_integral_value(rounding=ROUND_HALF_UP))

    def fmt(minor: int) -> str:
        return f"{money.format_minor(minor, currency)} {currency}"

    reasoning = (
        f"invoiced {fmt(invoiced)} in the last {WINDOW_DAYS} days over {months} month"
        f"{'s' if months != 1 else ''} of history: average monthly sales {fmt(monthly_minor)}",
        f"payment terms {terms_days} days: × {terms_days}/30",
        f"paid {average_late} days late on average (weighted by amount): factor {factor}"
        f" (1.25 − days late / 60, within 0.25 .. 1.25)",
        f"{fmt(monthly_minor)} × {terms_days}/30 × {factor}, rounded down to "
        f"{ROUND_TO_UNITS} {currency}: {fmt(amount)}",
    )
    return LimitSuggestion(
        currency=currency,
        amount=amount,
        monthly_sales=monthly_minor,
        months=months,
        terms_days=terms_days,
        average_days_late=average_late,
        factor=factor,
        reasoning=reasoning,
    )


def free_key(key: str, taken: Collection[str]) -> str:
    """``key``, or ``key:2``, ``key:3``, ... if it is taken.

    >>> free_key("rule:7:2026-03-02", {"rule:7:2026-03-02"})
    'rule:7:2026-03-02:2'
    """
    if key not in taken:
        return key
    n = 2
    while f"{key}:{n}" in taken:
        n += 1
    return f"{key}:{n}"
