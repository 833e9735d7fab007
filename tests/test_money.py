"""Money: exact conversions, parsing as people write amounts, no currency mixing."""

from decimal import Decimal

import pytest
from babel.numbers import format_decimal
from hypothesis import given
from hypothesis import strategies as st

from recoup import money
from recoup.errors import InvalidInput

CURRENCIES = st.sampled_from(["EUR", "GBP", "USD", "JPY", "KWD", "CHF"])


@given(minor=st.integers(min_value=-(10**15), max_value=10**15), currency=CURRENCIES)
def test_minor_units_round_trip(minor: int, currency: str) -> None:
    assert money.to_minor(money.from_minor(minor, currency), currency) == minor


@given(minor=st.integers(min_value=0, max_value=10**13), currency=CURRENCIES)
def test_quantize_keeps_exact_amounts(minor: int, currency: str) -> None:
    amount = money.from_minor(minor, currency)
    assert money.quantize(amount, currency) == amount


@given(
    units=st.integers(min_value=0, max_value=10**12),
    locale=st.sampled_from(["en_GB", "de_DE", "fr_FR", "de_CH"]),
)
def test_parse_amount_reads_every_locale_formatting(units: int, locale: str) -> None:
    amount = Decimal(units).scaleb(-2)
    written = format_decimal(amount, format="#,##0.00", locale=locale)
    assert money.parse_amount(written) == amount


@given(minor=st.integers(min_value=1, max_value=10**12))
def test_rounding_is_half_up_once(minor: int) -> None:
    # A value exactly half-way between two cents rounds away from zero.
    half = Decimal(minor).scaleb(-2) + Decimal("0.005")
    assert money.quantize(half, "EUR") == Decimal(minor + 1).scaleb(-2)


def test_too_many_decimals_is_refused() -> None:
    with pytest.raises(InvalidInput, match="more decimals than JPY allows"):
        money.to_minor(Decimal("10.5"), "JPY")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,234.56", "1234.56"),
        ("1.234,56", "1234.56"),
        ("1 234,56 €", "1234.56"),
        ("$1,234", "1234"),
        ("1,234,567", "1234567"),
        ("12,5", "12.5"),
        ("(45.00)", "-45.00"),
        ("45.00-", "-45.00"),
        ("CHF 1'234.50", "1234.50"),
        ("0.5", "0.5"),
    ],
)
def test_parse_amount_examples(text: str, expected: str) -> None:
    assert money.parse_amount(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["", "abc", "12.3.4,5,6", "--"])
def test_parse_amount_rejects_non_amounts(text: str) -> None:
    with pytest.raises(InvalidInput):
        money.parse_amount(text)


def test_money_refuses_to_mix_currencies() -> None:
    with pytest.raises(ValueError, match="cannot combine EUR and GBP"):
        money.Money.of("1.00", "EUR") + money.Money.of("1.00", "GBP")
    assert money.Money.of("1.10", "EUR") + money.Money.of("2.20", "EUR") == money.Money.of(
        "3.30", "EUR"
    )


def test_unknown_currency() -> None:
    with pytest.raises(InvalidInput, match="unknown currency 'XYZ'"):
        money.validate_currency("XYZ")
