"""Exact money: ``Decimal`` in Python, integer minor units in the database.

Every conversion between the two goes through this module, with the currency's ISO 4217
exponent (from Babel's CLDR data) and an explicit rounding mode. Nothing here uses a float.

>>> to_minor(Decimal("12.34"), "EUR")
1234
>>> from_minor(1234, "EUR")
Decimal('12.34')
>>> from_minor(1234, "JPY")
Decimal('1234')
>>> parse_amount("£1,234.50")
Decimal('1234.50')
>>> parse_amount("1.234,50 €")
Decimal('1234.50')
>>> parse_amount("(99.90)")
Decimal('-99.90')
"""

import re
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

from babel.numbers import get_currency_precision, get_currency_symbol, list_currencies

from recoup.errors import InvalidInput

# ISO 4217's X-codes that are not money one can invoice in: precious metals (gold,
# silver, platinum, palladium), the IMF's and the African Development Bank's units of
# account, the European bond-market units, the Sucre, the testing code and "no
# currency". The X-codes of real currencies (XAF, XOF, XPF, XCD, ...) stay valid.
NOT_MONEY: dict[str, str] = {
    "XAU": "gold (one troy ounce)",
    "XAG": "silver (one troy ounce)",
    "XPT": "platinum (one troy ounce)",
    "XPD": "palladium (one troy ounce)",
    "XDR": "the IMF's special drawing right, a unit of account",
    "XBA": "a European bond-market unit (EURCO)",
    "XBB": "a European bond-market unit (E.M.U.-6)",
    "XBC": "a European bond-market unit (E.U.A.-9)",
    "XBD": "a European bond-market unit (E.U.A.-17)",
    "XSU": "the Sucre, a regional unit of account",
    "XUA": "the African Development Bank's unit of account",
    "XTS": "reserved for testing",
    "XXX": "the code for transactions without a currency",
}
_CURRENCIES = frozenset(list_currencies()) - NOT_MONEY.keys()
_PLAIN = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


def validate_currency(code: str) -> str:
    """Return the upper-cased ISO 4217 ``code`` or raise ``InvalidInput``.

    ISO 4217 codes that are not money one can invoice in (gold, SDR, "no currency",
    ...) are refused with what they are.

    >>> validate_currency("eur")
    'EUR'
    >>> validate_currency("XAU")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    recoup.errors.InvalidInput: currency: 'XAU' is gold (one troy ounce), not a currency...
    """
    normalised = code.strip().upper()
    if normalised in NOT_MONEY:
        raise InvalidInput(
            f"{code!r} is {NOT_MONEY[normalised]}, not a currency one can invoice in",
            field="currency",
        )
    if normalised not in _CURRENCIES:
        raise InvalidInput(f"unknown currency {code!r}", field="currency")
    return normalised


def is_currency(code: str) -> bool:
    """Whether ``code`` is an ISO 4217 currency code Recoup knows."""
    return code.strip().upper() in _CURRENCIES


@cache
def exponent(currency: str) -> int:
    """Digits after the decimal point for ``currency`` (EUR 2, JPY 0, KWD 3)."""
    return int(get_currency_precision(currency))


@cache
def _quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-exponent(currency))


def quantize(amount: Decimal, currency: str, rounding: str = ROUND_HALF_UP) -> Decimal:
    """Round ``amount`` to the currency's minor unit (half up unless told otherwise)."""
    return amount.quantize(_quantum(currency), rounding=rounding)


class WrittenAmount(Decimal):
    """An amount written with a currency symbol or code (``parse_amount``): the text as
    written and the currencies the symbol can stand for ("$": several)."""

    __slots__ = ("currencies", "written")

    currencies: frozenset[str]
    written: str

    def __new__(cls, value: Decimal, written: str, currencies: frozenset[str]) -> "WrittenAmount":
        amount = super().__new__(cls, value)
        amount.written, amount.currencies = written, currencies
        return amount


def to_minor(amount: Decimal, currency: str) -> int:
    """Integer minor units of an amount that must already be exact to the minor unit
    (and, written with a currency symbol, in ``currency``: "€50.00" is not 50 pounds).

    >>> to_minor(parse_amount("€1.234,50"), "EUR")
    123450
    >>> to_minor(parse_amount("€50.00"), "GBP")
    Traceback (most recent call last):
    ...
    recoup.errors.InvalidInput: amount: '€50.00' is not in GBP
    """
    if isinstance(amount, WrittenAmount) and currency not in amount.currencies:
        raise InvalidInput(f"{amount.written!r} is not in {currency}", field="amount")
    scaled = amount.scaleb(exponent(currency))
    if scaled != scaled.to_integral_value():
        raise InvalidInput(
            f"{amount} has more decimals than {currency} allows ({exponent(currency)})",
            field="amount",
        )
    return int(scaled)


def from_minor(minor: int, currency: str) -> Decimal:
    """The ``Decimal`` amount of ``minor`` units, with the currency's exponent."""
    return Decimal(minor).scaleb(-exponent(currency))


def format_minor(minor: int, currency: str) -> str:
    """Plain decimal string of minor units, as written in CSV and JSON ("1234.50")."""
    return str(from_minor(minor, currency))


_MINUS = "-\u2212"  # ASCII hyphen-minus and the typographic minus sign
_SPACES = " \u00a0\u202f"  # space, no-break space, narrow no-break space (French)
_APOSTROPHES = "'\u2019"  # Swiss grouping: 1'234.50 and 1’234.50
_GROUPING = frozenset(_SPACES + _APOSTROPHES)
_CURRENCY_RUN = "[^\\s0-9().,'\u2019+\\-\u2212][^\\s0-9()+\\-\u2212]*"
_SHAPE = re.compile(
    rf"(?P<open>\()?\s*(?P<sign1>[-+\u2212])?\s*(?P<currency1>{_CURRENCY_RUN})?\s*"
    rf"(?P<sign2>[-+\u2212])?\s*"
    rf"(?P<number>[0-9.,][0-9.,{_SPACES}{_APOSTROPHES}]*?)"
    rf"\s*(?P<sign3>-)?\s*(?P<currency2>{_CURRENCY_RUN})?\s*(?P<sign4>-)?\s*(?P<close>\))?"
)
# Fifteen integer digits keep the minor units of any currency (up to three decimals)
# and the sums of many of them inside the database's 64-bit integers.
_INTEGER_DIGITS = 15
# An amount is short; longer text is refused before the pattern looks at it (whose
# optional spaces would otherwise cost time quadratic in the length).
_MAX_LENGTH = 64


def parse_amount(text: str) -> Decimal:
    """Parse an amount as written by people and accounting exports.

    Accepts one currency symbol or ISO 4217 code before or after the number, thousands
    separators in either convention ("1,234.50", "1.234,50", "1 234,50", "1'234.50"), a
    leading or trailing minus and accounting parentheses for negatives. Where one
    separator alone leaves it open, the English convention of accounting exports
    decides: a lone comma before exactly three digits groups thousands ("1,234" is 1234)
    and a lone point is the decimal point ("1.234" is 1.234, which a two-decimal
    currency then refuses rather than misreads).

    Anything else is "not an amount": a letter that is not part of a currency symbol or
    code, a digit group of the wrong length, an exponent, two signs or two currencies.

    >>> parse_amount("1O00.00")
    Traceback (most recent call last):
    ...
    recoup.errors.InvalidInput: amount: '1O00.00' is not an amount
    """
    raw = text.strip()
    if len(raw) > _MAX_LENGTH:
        raise _not_an_amount(text[:_MAX_LENGTH] + "...")
    if _PLAIN.fullmatch(raw):  # the common case, as software writes amounts
        value = Decimal(raw)
        _check_size(value, text)
        return value
    match = _SHAPE.fullmatch(raw)
    if match is None:
        raise _not_an_amount(text)
    parts = match.groupdict()
    signs = [parts[k] for k in ("sign1", "sign2", "sign3", "sign4") if parts[k]]
    currencies = [parts[k] for k in ("currency1", "currency2") if parts[k]]
    in_parentheses = bool(parts["open"])
    if (
        len(signs) > 1
        or (signs and in_parentheses)
        or len(currencies) > 1
        or not all(_is_currency_sign(c) for c in currencies)
        or bool(parts["open"]) != bool(parts["close"])
    ):
        raise _not_an_amount(text)
    value = _number(parts["number"], text)
    negative = in_parentheses or (bool(signs) and signs[0] in _MINUS)
    value = -value if negative else value
    meant = _meant_currencies(currencies[0]) if currencies else frozenset()
    return WrittenAmount(value, raw, meant) if meant else value


def _not_an_amount(text: str) -> InvalidInput:
    return InvalidInput(f"{text!r} is not an amount", field="amount")


def _check_size(value: Decimal, text: str) -> None:
    if value.adjusted() >= _INTEGER_DIGITS:
        raise InvalidInput(f"{text!r} is too large to be an amount", field="amount")


def _number(body: str, text: str) -> Decimal:
    """The value of a number written with ASCII digits, grouping and a decimal mark."""
    dot, comma = body.rfind("."), body.rfind(",")
    other_grouping = any(c in _GROUPING for c in body)
    if dot >= 0 and comma >= 0:
        mark = "." if dot > comma else ","
    elif dot >= 0 or comma >= 0:
        mark = "." if dot >= 0 else ","
        groups = body.split(mark)
        thousands = len(groups) > 2 or (mark == "," and len(groups[1]) == 3 and not other_grouping)
        mark = "" if thousands else mark
    else:
        mark = ""
    integer, _, fraction = body.rpartition(mark) if mark else (body, "", "")
    if mark and not fraction.isdigit():
        raise _not_an_amount(text)
    separators = {c for c in integer if not c.isdigit()}
    if separators <= set(_SPACES):
        separators = {" "} if separators else set()
        integer = "".join(" " if c in _SPACES else c for c in integer)
    if len(separators) > 1:
        raise _not_an_amount(text)
    groups = integer.split(separators.pop()) if separators else [integer]
    if integer and not (
        all(g.isascii() and g.isdigit() for g in groups)
        and (len(groups) == 1 or (len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])))
    ):
        raise _not_an_amount(text)
    if not integer and not fraction:
        raise _not_an_amount(text)
    value = Decimal(f"{''.join(groups) or '0'}.{fraction}" if fraction else "".join(groups))
    _check_size(value, text)
    return value


_SIGN_LOCALES = (
    "en", "en_GB", "en_US", "en_IN", "en_AU", "en_CA", "de", "de_CH", "de_AT", "fr",
    "fr_CH", "it", "es", "nl", "pt", "pt_BR", "sv", "da", "nb", "fi", "pl", "cs", "hu",
    "ro", "ja", "zh", "ru", "tr", "el", "bg", "uk", "hr", "sk", "sl", "lt", "lv", "et",
    "ar", "he", "ko", "th", "hi",
    # Where "$", "kr" or "R" is the country's own currency.
    "en_NZ", "en_SG", "en_HK", "en_ZA", "en_JM", "en_TT", "en_BS", "en_BB", "en_BZ",
    "en_FJ", "en_LR", "en_NA", "en_GY", "es_MX", "es_AR", "es_CL", "es_CO", "es_UY",
    "es_DO", "es_CU", "zh_Hant", "is", "ms", "id",
)  # fmt: skip


# Signs people write for currencies besides those the locales give them.
_SIGN_EXTRA = {
    "kr": ("DKK", "ISK"),
    "kr.": ("DKK", "ISK", "NOK", "SEK"),
    "$": ("HKD", "BND", "XCD", "SRD", "SBD", "KYD", "BMD"),
    "£": ("GIP", "FKP", "SHP", "EGP", "SSP"),
}


@cache
def _currency_signs() -> frozenset[str]:
    """Currency symbols as CLDR writes them in the locales accounting exports come
    from ("$", "€", "US$", "kr", "zł", "Kč", ...); ISO codes are checked apart."""
    return frozenset(_sign_currencies())


@cache
def _sign_currencies() -> dict[str, frozenset[str]]:
    """Each CLDR currency symbol ("€", "£", "$", "kr") and the currencies it stands for
    in the locales ``_currency_signs`` reads."""
    found: dict[str, set[str]] = {sign: set(codes) for sign, codes in _SIGN_EXTRA.items()}
    for locale in _SIGN_LOCALES:
        for code in _CURRENCIES:
            found.setdefault(get_currency_symbol(code, locale), set()).add(code)
    return {sign: frozenset(codes) for sign, codes in found.items()}


def _meant_currencies(token: str) -> frozenset[str]:
    """The currencies a written symbol or code stands for; empty when unknown (a
    currency sign CLDR does not list), which nothing is checked against."""
    if token in _CURRENCIES:
        return frozenset({token})
    return _sign_currencies().get(token, frozenset())


def _is_currency_sign(token: str) -> bool:
    """Whether ``token`` is a currency code (upper case), a CLDR currency symbol or a
    single character of Unicode's currency-symbol category."""
    return (
        token in _CURRENCIES
        or (len(token) == 1 and unicodedata.category(token) == "Sc")
        or token in _currency_signs()
    )


def currency_signs() -> frozenset[str]:
    """Every currency symbol and code ``parse_amount`` accepts next to a number (for
    tests; single currency-symbol characters of Unicode are accepted besides)."""
    return _currency_signs() | _CURRENCIES


@dataclass(frozen=True, slots=True)
class Money:
    """An exact amount in one currency; arithmetic refuses to mix currencies."""

    amount: Decimal
    currency: str

    @classmethod
    def of(cls, amount: str | int | Decimal, currency: str) -> "Money":
        """Money from a decimal string or integer, e.g. ``Money.of("10.50", "EUR")``."""
        return cls(Decimal(amount), currency)

    @classmethod
    def from_minor(cls, minor: int, currency: str) -> "Money":
        """Money from integer minor units."""
        return cls(from_minor(minor, currency), currency)

    @property
    def minor(self) -> int:
        """The amount in integer minor units (must be exact)."""
        return to_minor(self.amount, self.currency)

    def _same(self, other: "Money") -> None:
        if other.currency != self.currency:
            raise ValueError(f"cannot combine {self.currency} and {other.currency}")

    def __add__(self, other: "Money") -> "Money":
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: "Money") -> "Money":
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> "Money":
        return Money(-self.amount, self.currency)

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"
