"""Invariants of the interest rule, for any amount, rate and number of days."""

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import given
from hypothesis import strategies as st

from recoup.charges.core import BalanceChange, Debt, Statute, Terms, interest_due
from recoup.charges.jurisdictions import shipped_jurisdictions
from recoup.charges.tables import shipped_table

DUE = date(2023, 5, 31)
CENT = Decimal("0.01")

amounts = st.decimals(min_value=0, max_value=10_000_000, places=2)
rates = st.decimals(min_value=0, max_value=50, places=4)
days = st.integers(min_value=1, max_value=3 * 366)


def contract_interest(amount: Decimal, rate: Decimal, day_count: int) -> Decimal:
    owed = Debt("INV-1", "EUR", DUE, (BalanceChange(DUE, amount),))
    result = interest_due(
        debt=owed,
        as_of=DUE + timedelta(days=day_count),
        terms=Terms(interest_rate_percent=rate),
    )
    return result.total


@given(amounts, rates, days, st.integers(min_value=0, max_value=400))
def test_monotonic_in_days_and_never_negative(
    amount: Decimal, rate: Decimal, day_count: int, more: int
) -> None:
    shorter = contract_interest(amount, rate, day_count)
    assert shorter >= 0
    assert contract_interest(amount, rate, day_count + more) >= shorter


@given(amounts, amounts, rates, days)
def test_monotonic_in_amount(a: Decimal, b: Decimal, rate: Decimal, day_count: int) -> None:
    low, high = sorted((a, b))
    assert contract_interest(low, rate, day_count) <= contract_interest(high, rate, day_count)


@given(
    amounts,
    st.integers(min_value=0, max_value=3000),
    st.sampled_from(["GB", "DE", "BE", "EU", "AT"]),
)
def test_statutory_interest_monotonic_in_days(amount: Decimal, day_count: int, code: str) -> None:
    # Every shipped statutory rate since 2017 is positive (the German base rate was
    # -0.88 %, but + 9 points), so more days never mean less interest.
    rules = shipped_jurisdictions()[code]
    statute = Statute(rules, shipped_table(rules.reference))
    currency = rules.compensation_currency
    owed = Debt("INV-1", currency, date(2017, 12, 31), (BalanceChange(date(2017, 12, 31), amount),))
    as_of = date(2018, 1, 1) + timedelta(days=day_count)
    first = interest_due(debt=owed, as_of=as_of, statute=statute).total
    later = interest_due(debt=owed, as_of=as_of + timedelta(days=30), statute=statute).total
    assert 0 <= first <= later


@given(amounts, rates, days)
def test_rounding_once_differs_from_rounding_daily_by_less_than_a_cent_a_day(
    amount: Decimal, rate: Decimal, day_count: int
) -> None:
    once = contract_interest(amount, rate, day_count)
    daily = (amount * rate / 100 / 365).quantize(CENT, rounding=ROUND_HALF_UP) * day_count
    assert abs(once - daily) < CENT * day_count
