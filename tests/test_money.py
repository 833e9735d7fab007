"""Money: exact conversions, parsing as people write amounts, no currency mixing."""

from decimal import Decimal

import pytest
from babel.numbers import format_decimal
from hypothesis import assume, given
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
    # Babel (2.19) groups de_CH amounts of a million and more wrongly: "1000000'000.00".
    assume(locale != "de_CH" or units < 10**8)
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


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("€1,234.50", "1234.50"),
        ("-€12.50", "-12.50"),
        ("€ -12.50", "-12.50"),
        ("EUR 12.50", "12.50"),
        ("12.50 EUR", "12.50"),
        ("US$1,000", "1000"),
        ("12,50 zł", "12.50"),
        ("1 234,50 kr", "1234.50"),
        ("(€45.00)", "-45.00"),
        ("1\u202f234,56", "1234.56"),
        ("1\u2019234.50", "1234.50"),
        ("\u221212.50", "-12.50"),
        (".5", "0.5"),
        ("999999999999999.99", "999999999999999.99"),
    ],
)
def test_parse_amount_accepts_currency_signs_and_codes(text: str, expected: str) -> None:
    assert money.parse_amount(text) == Decimal(expected)


@pytest.mark.parametrize(
    "text",
    [
        "1O00.00",  # a letter O for a zero: was 100.00
        "12abc34",  # was 1,234.00
        "1e3",  # an exponent: was 13.00
        "1e30",  # the portal promise: was 130.00
        "1E3",
        "NaN",
        "Infinity",
        "12 34",  # a space that groups two digits
        "1,23,456.00",  # Indian grouping is not a convention of the exports we read
        "1,234 567",
        "12.",
        "12,",
        "1_000",
        "\u0661\u0662",  # Arabic-Indic digits
        "EUR 12 USD",
        "--12",
        "-12-",
        "(-12)",
        "12)",
        "12 eur",  # codes are written in capitals
        "12 EURO",
        "1" * 16,  # more than fifteen integer digits
        "1" * 200,
    ],
)
def test_parse_amount_refuses_what_is_not_an_amount(text: str) -> None:
    with pytest.raises(InvalidInput, match=r"is not an amount|too large"):
        money.parse_amount(text)


def _letters_outside_currency_signs(text: str) -> bool:
    """Whether ``text`` has a letter once every currency sign and code is taken out."""
    for sign in sorted(money.currency_signs(), key=len, reverse=True):
        text = text.replace(sign, " ")
    return any(c.isalpha() for c in text)


AMOUNTISH = st.text(
    alphabet=st.sampled_from(list("0123456789.,'- ()$€£+") + list("aeEOlIoxkrRSUDZłß")),
    min_size=1,
    max_size=20,
)


@given(text=AMOUNTISH)
def test_no_text_with_a_stray_letter_is_an_amount(text: str) -> None:
    if not _letters_outside_currency_signs(text):
        return
    with pytest.raises(InvalidInput):
        money.parse_amount(text)


@given(
    minor=st.integers(min_value=0, max_value=10**12),
    letter=st.characters(categories=["Lu", "Ll", "Lo"]),
    at=st.integers(min_value=1),
)
def test_a_letter_inside_the_digits_is_never_an_amount(minor: int, letter: str, at: int) -> None:
    written = str(Decimal(minor).scaleb(-2))
    position = 1 + at % (len(written) - 1)
    with pytest.raises(InvalidInput):
        money.parse_amount(written[:position] + letter + written[position:])
