"""The pure charges rules on small examples whose figures were worked out by hand.

Interest is base × rate % × days / 365 per period, summed unrounded, rounded once
(half up) to the minor unit. Rates and laws are those of DOMAIN.md and the shipped tables.
"""

from datetime import date
from decimal import Decimal

import pytest

from recoup.charges.core import (
    BalanceChange,
    CompensationBand,
    Debt,
    Fixing,
    Jurisdiction,
    LateFee,
    RateChange,
    RateNotFound,
    RateTable,
    Statute,
    Terms,
    compensation_due,
    interest_due,
    late_fee_due,
)
from recoup.charges.jurisdictions import shipped_jurisdictions
from recoup.charges.tables import shipped_table
from recoup.errors import InvalidInput

D = Decimal


def statute(code: str) -> Statute:
    jurisdiction = shipped_jurisdictions()[code]
    return Statute(jurisdiction, shipped_table(jurisdiction.reference))


def debt(
    total: str,
    due: date,
    *,
    currency: str = "EUR",
    payments: tuple[tuple[date, str], ...] = (),
    consumer: bool = False,
) -> Debt:
    balances = [BalanceChange(date(2000, 1, 1), D(total))]
    left = D(total)
    for day, amount in payments:
        left -= D(amount)
        balances.append(BalanceChange(day, left))
    return Debt("INV-1", currency, due, tuple(balances), is_consumer=consumer)


def test_gov_uk_example_rounds_once_not_per_day() -> None:
    # gov.uk: £1,000 at 0.5 % + 8 % = 8.5 % = £85 a year. The debt is late from
    # 2018-02-01 (Jan-Jun, so the Bank Rate of 31 December 2017 applies: 0.50 %);
    # 2018-02-01..2018-03-22 is 28 + 22 = 50 days.
    # Recoup: 1,000 × 8.5 × 50 / 36,500 = 11.6438356... → £11.64 (rounded once).
    # gov.uk rounds the daily interest first: 85 / 365 = 0.2328... → 23p × 50 = £11.50.
    result = interest_due(
        debt=debt("1000.00", date(2018, 1, 31), currency="GBP"),
        as_of=date(2018, 3, 22),
        statute=statute("GB"),
    )
    [period] = result.periods
    assert (period.start, period.end, period.days) == (date(2018, 2, 1), date(2018, 3, 22), 50)
    assert period.rate_percent == D("8.50")
    assert period.basis == "boe_base 0.50 % on 2017-12-31 + 8"
    assert result.unrounded == D(425_000) / D(36_500)
    assert result.total == D("11.64")
    per_day_first = (D(85) / 365).quantize(D("0.01")) * 50
    assert per_day_first == D("11.50")  # what gov.uk shows, and why Recoup differs


def test_germany_across_the_july_rate_change() -> None:
    # €10,000 due 2023-05-31, as of 2023-09-30; Basiszinssatz + 9 points:
    #   2023-06-01..06-30: 30 days at 1.62 + 9 = 10.62 %: 10,000 × 10.62 × 30 / 36,500
    #                      = 87.2876712...
    #   2023-07-01..09-30: 92 days at 3.12 + 9 = 12.12 %: 10,000 × 12.12 × 92 / 36,500
    #                      = 305.4904109...
    #   total 392.7780821... → €392.78
    result = interest_due(
        debt=debt("10000.00", date(2023, 5, 31)), as_of=date(2023, 9, 30), statute=statute("DE")
    )
    assert [(p.start, p.end, p.days, p.rate_percent) for p in result.periods] == [
        (date(2023, 6, 1), date(2023, 6, 30), 30, D("10.62")),
        (date(2023, 7, 1), date(2023, 9, 30), 92, D("12.12")),
    ]
    assert [p.interest.quantize(D("1e-10")) for p in result.periods] == [
        D("87.2876712329"),
        D("305.4904109589"),
    ]
    assert result.total == D("392.78")
    assert result.warnings == ()


def test_germany_negative_base_rate() -> None:
    # Basiszinssatz -0.88 % (2016-07-01..2022-12-31): -0.88 + 9 = 8.12 %.
    # €1,000 late 2022-06-01..2022-06-30, 30 days: 1,000 × 8.12 × 30 / 36,500 = 6.6739... → €6.67
    result = interest_due(
        debt=debt("1000.00", date(2022, 5, 31)), as_of=date(2022, 6, 30), statute=statute("DE")
    )
    assert result.periods[0].rate_percent == D("8.12")
    assert result.total == D("6.67")


def test_uk_rate_is_fixed_for_the_life_of_the_debt() -> None:
    # Late from 2023-08-11 (Jul-Dec): the Bank Rate on 30 June 2023, 5.00 %, applies for
    # the whole debt although it was 5.25 % from 2023-08-03 and 5.00 % again from
    # 2024-08-01. 2023-08-11..2024-12-31 is 509 days (2024 is a leap year):
    # 10,000 × 13 × 509 / 36,500 = 1,812.8767... → £1,812.88
    result = interest_due(
        debt=debt("10000.00", date(2023, 8, 10), currency="GBP"),
        as_of=date(2024, 12, 31),
        statute=statute("GB"),
    )
    [period] = result.periods
    assert (period.days, period.rate_percent) == (509, D("13.00"))
    assert period.basis == "boe_base 5.00 % on 2023-06-30 + 8"
    assert result.total == D("1812.88")
    # A debt late from 1 January 2024 takes the rate of 31 December 2023: 5.25 + 8.
    later = interest_due(
        debt=debt("10000.00", date(2023, 12, 31), currency="GBP"),
        as_of=date(2024, 1, 31),
        statute=statute("GB"),
    )
    assert later.periods[0].rate_percent == D("13.25")


def test_belgium_rounds_the_rate_up_to_the_next_half_point() -> None:
    # ECB rate on 2024-07-01: 4.25 → 12.25 → 12.5 %. On 2025-01-01: 3.15 → 11.15 → 11.5 %.
    #   2024-07-01..12-31: 184 days: 1,000 × 12.5 × 184 / 36,500 = 63.0136986...
    #   2025-01-01..01-31:  31 days: 1,000 × 11.5 × 31 / 36,500 =  9.7671232...
    #   total 72.7808219... → €72.78
    be = interest_due(
        debt=debt("1000.00", date(2024, 6, 30)), as_of=date(2025, 1, 31), statute=statute("BE")
    )
    assert [p.rate_percent for p in be.periods] == [D("12.5"), D("11.5")]
    assert be.periods[0].basis == "ecb_mro 4.25 % on 2024-07-01 + 8 rounded up to 12.5"
    assert be.total == D("72.78")
    # The same debt under the EU minimum, unrounded: 12.25 % and 11.15 %.
    eu = interest_due(
        debt=debt("1000.00", date(2024, 6, 30)), as_of=date(2025, 1, 31), statute=statute("EU")
    )
    assert [p.rate_percent for p in eu.periods] == [D("12.25"), D("11.15")]


def test_france_and_netherlands_margins() -> None:
    # ECB on 2024-01-01: 4.50. France + 10 = 14.5 %, Netherlands + 8 = 12.5 %.
    # €1,000 for 31 days (2024-02-01..03-02): 14.5 → 12.3150... → 12.32; 12.5 → 10.6164... → 10.62
    fr = interest_due(
        debt=debt("1000.00", date(2024, 1, 31)), as_of=date(2024, 3, 2), statute=statute("FR")
    )
    nl = interest_due(
        debt=debt("1000.00", date(2024, 1, 31)), as_of=date(2024, 3, 2), statute=statute("NL")
    )
    assert (fr.periods[0].rate_percent, fr.total) == (D("14.50"), D("12.32"))
    assert (nl.periods[0].rate_percent, nl.total) == (D("12.50"), D("10.62"))


def test_austria_takes_the_rate_of_the_last_day_of_the_previous_half_year() -> None:
    table = RateTable(
        "ecb_mro", (RateChange(date(2020, 1, 1), D("1.00")), RateChange(date(2024, 7, 1), D("2")))
    )
    at = Statute(shipped_jurisdictions()["AT"], table)
    eu = Statute(shipped_jurisdictions()["EU"], table)
    owed = debt("1000.00", date(2024, 6, 30))
    at_rate = interest_due(debt=owed, as_of=date(2024, 7, 31), statute=at).periods[0]
    eu_rate = interest_due(debt=owed, as_of=date(2024, 7, 31), statute=eu).periods[0]
    assert (at_rate.rate_percent, at_rate.basis) == (
        D("10.20"),
        "ecb_mro 1.00 % on 2024-06-30 + 9.2",
    )
    assert (eu_rate.rate_percent, eu_rate.basis) == (D("10"), "ecb_mro 2 % on 2024-07-01 + 8")


def test_partial_payment_reduces_the_base_from_its_date() -> None:
    # EU, ECB on 2024-01-01 4.50 + 8 = 12.5 %; €1,000 due 2024-01-31, €400 paid 2024-03-01:
    #   02-01..02-29: 29 days on 1,000: 1,000 × 12.5 × 29 / 36,500 = 9.9315068...
    #   03-01..03-31: 31 days on   600:   600 × 12.5 × 31 / 36,500 = 6.3698630...
    #   total 16.3013698... → €16.30 (unpaid it would be 60 days on 1,000 = €20.55)
    result = interest_due(
        debt=debt("1000.00", date(2024, 1, 31), payments=((date(2024, 3, 1), "400.00"),)),
        as_of=date(2024, 3, 31),
        statute=statute("EU"),
    )
    assert [(p.days, p.base) for p in result.periods] == [(29, D("1000.00")), (31, D("600.00"))]
    assert result.total == D("16.30")


def test_paid_in_full_stops_the_interest() -> None:
    # Paid on 2024-02-11: interest for 2024-02-01..02-10 only, 10 days at 12.5 % on 1,000
    # = 3.4246... → €3.42
    result = interest_due(
        debt=debt("1000.00", date(2024, 1, 31), payments=((date(2024, 2, 11), "1000.00"),)),
        as_of=date(2024, 6, 30),
        statute=statute("EU"),
    )
    assert [(p.start, p.end) for p in result.periods] == [(date(2024, 2, 1), date(2024, 2, 10))]
    assert result.total == D("3.42")


def test_contract_rate_wins_over_the_statute() -> None:
    # The gov.uk debt at a contractual 12 %: 1,000 × 12 × 50 / 36,500 = 16.4383... → £16.44
    result = interest_due(
        debt=debt("1000.00", date(2018, 1, 31), currency="GBP"),
        as_of=date(2018, 3, 22),
        terms=Terms(interest_rate_percent=D("12")),
        statute=statute("GB"),
    )
    assert result.total == D("16.44")
    assert result.rule == "contract rate 12 % a year (contract terms win over the statute)"
    assert result.jurisdiction is None


def test_consumer_gets_no_statutory_interest_but_a_contract_rate_applies() -> None:
    owed = debt("1000.00", date(2024, 1, 31), consumer=True)
    none = interest_due(debt=owed, as_of=date(2024, 3, 31), statute=statute("EU"))
    assert none.total == 0
    assert none.periods == ()
    assert none.reason is not None
    assert none.reason.startswith("the customer is a consumer: no statutory")
    agreed = interest_due(
        debt=owed, as_of=date(2024, 3, 31), terms=Terms(interest_rate_percent=D("5"))
    )
    assert agreed.reason is None
    assert agreed.total == D("8.22")  # 1,000 × 5 × 60 / 36,500 = 8.2191...


def test_no_statute_and_not_yet_overdue() -> None:
    owed = debt("1000.00", date(2024, 1, 31))
    assert "no statutory late-payment rules" in (
        interest_due(debt=owed, as_of=date(2024, 3, 31), statute=None).reason or ""
    )
    on_due_date = interest_due(debt=owed, as_of=date(2024, 1, 31), statute=statute("EU"))
    assert on_due_date.reason == "INV-1 is not overdue on 2024-01-31 (due 2024-01-31)"


def test_since_skips_the_days_already_charged() -> None:
    # Charged through 2023-06-30; from 2023-07-01 only: the second German period, €305.49.
    result = interest_due(
        debt=debt("10000.00", date(2023, 5, 31)),
        as_of=date(2023, 9, 30),
        statute=statute("DE"),
        since=date(2023, 7, 1),
    )
    assert [p.start for p in result.periods] == [date(2023, 7, 1)]
    assert result.total == D("305.49")
    done = interest_due(
        debt=debt("10000.00", date(2023, 5, 31)),
        as_of=date(2023, 9, 30),
        statute=statute("DE"),
        since=date(2023, 10, 1),
    )
    assert done.reason == "interest already charged through 2023-09-30"


def test_rate_beyond_the_known_table_is_flagged() -> None:
    result = interest_due(
        debt=debt("1000.00", date(2026, 6, 30)), as_of=date(2026, 7, 31), statute=statute("DE")
    )
    assert result.total > 0
    assert len(result.warnings) == 1
    assert result.warnings[0].startswith("de_basiszins knows no rate after 2026-01-01")


def test_a_rate_before_the_table_starts_is_an_error() -> None:
    with pytest.raises(RateNotFound, match=r"has no rate for 2016-01-01 \(it starts 2016-07-01\)"):
        interest_due(
            debt=debt("1000.00", date(2015, 12, 31)),
            as_of=date(2016, 1, 31),
            statute=statute("DE"),
        )


@pytest.mark.parametrize(
    ("total", "expected"),
    [
        ("0.01", "40.00"),
        ("999.99", "40.00"),
        ("1000.00", "70.00"),
        ("9999.99", "70.00"),
        ("10000.00", "100.00"),
        ("250000.00", "100.00"),
    ],
)
def test_uk_fixed_compensation_bands(total: str, expected: str) -> None:
    owed = debt(total, date(2026, 1, 31), currency="GBP")
    decision = compensation_due(debt=owed, jurisdiction=shipped_jurisdictions()["GB"])
    assert decision.reason is None
    assert decision.amount == D(expected)


def test_compensation_is_on_the_amount_that_became_late() -> None:
    # £1,500 with £600 paid on the due date: £900 became late → £40, not £70.
    owed = debt(
        "1500.00", date(2026, 1, 31), currency="GBP", payments=((date(2026, 1, 31), "600"),)
    )
    assert compensation_due(debt=owed, jurisdiction=shipped_jurisdictions()["GB"]).amount == D(
        "40.00"
    )


def test_compensation_refusals() -> None:
    gb, eu = shipped_jurisdictions()["GB"], shipped_jurisdictions()["EU"]
    euro_debt = debt("500.00", date(2026, 1, 31))
    assert compensation_due(debt=euro_debt, jurisdiction=eu).amount == D("40.00")
    assert "fixed in GBP" in (compensation_due(debt=euro_debt, jurisdiction=gb).reason or "")
    consumer = debt("500.00", date(2026, 1, 31), consumer=True)
    assert "consumer" in (compensation_due(debt=consumer, jurisdiction=eu).reason or "")
    early = compensation_due(debt=euro_debt, jurisdiction=eu, as_of=date(2026, 1, 31))
    assert early.reason == "INV-1 is not overdue on 2026-01-31"
    assert compensation_due(debt=euro_debt, jurisdiction=None).reason is not None


def test_late_fees_fixed_percent_and_contract() -> None:
    owed = debt("1234.56", date(2026, 1, 31))
    on = date(2026, 2, 15)
    assert late_fee_due(debt=owed, as_of=on, fee=LateFee(amount=D("25"))).amount == D("25.00")
    # 2.5 % of 1,234.56 = 30.864 → 30.86
    assert late_fee_due(debt=owed, as_of=on, fee=LateFee(percent=D("2.5"))).amount == D("30.86")
    # 1 % of 10.50 = 0.105 → 0.11 (half up, once)
    small = debt("10.50", date(2026, 1, 31))
    assert late_fee_due(debt=small, as_of=on, fee=LateFee(percent=D("1"))).amount == D("0.11")
    contract = Terms(late_fee=LateFee(amount=D("15")))
    decided = late_fee_due(debt=owed, as_of=on, fee=LateFee(amount=D("25")), terms=contract)
    assert (decided.amount, decided.rule) == (D("15.00"), "15 EUR (contract terms)")


def test_late_fee_refusals() -> None:
    on = date(2026, 2, 15)
    consumer = debt("100.00", date(2026, 1, 31), consumer=True)
    refused = late_fee_due(debt=consumer, as_of=on, fee=LateFee(amount=D("25")))
    assert (
        refused.reason
        == "the customer is a consumer: no late fee unless its contract terms set one"
    )
    agreed = late_fee_due(
        debt=consumer, as_of=on, fee=None, terms=Terms(late_fee=LateFee(amount=D("5")))
    )
    assert agreed.amount == D("5.00")
    owed = debt("100.00", date(2026, 1, 31))
    assert late_fee_due(debt=owed, as_of=on, fee=None).reason == "no late fee is set"
    assert late_fee_due(debt=owed, as_of=date(2026, 1, 31), fee=LateFee(amount=D("5"))).reason
    paid = debt("100.00", date(2026, 1, 31), payments=((date(2026, 2, 1), "100.00"),))
    assert "nothing of INV-1 is overdue" in (
        late_fee_due(debt=paid, as_of=on, fee=LateFee(amount=D("5"))).reason or ""
    )


def test_late_fee_needs_exactly_one_of_amount_and_percent() -> None:
    with pytest.raises(InvalidInput, match="not both"):
        LateFee(amount=D("1"), percent=D("1"))
    with pytest.raises(InvalidInput, match="not both"):
        LateFee()
    with pytest.raises(InvalidInput, match="negative"):
        LateFee(percent=D("-1"))


def test_bands_pick_the_largest_threshold_not_above_the_debt() -> None:
    rules = Jurisdiction(
        "XX",
        "Somewhere",
        "ecb_mro",
        D(8),
        Fixing.HALF_YEAR_FIRST_DAY,
        "EUR",
        (CompensationBand(D(0), D(10)), CompensationBand(D(100), D(20))),
    )
    assert compensation_due(debt=debt("99.99", date(2026, 1, 1)), jurisdiction=rules).amount == 10
    assert compensation_due(debt=debt("100", date(2026, 1, 1)), jurisdiction=rules).amount == 20
