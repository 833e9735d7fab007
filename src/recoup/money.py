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
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache

from babel.numbers import get_currency_precision, list_currencies

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
_NOT_A_NUMBER = re.compile(r"[^\d.,\-+()]")
_PLAIN = re.compile(r"-?\d+(?:\.\d+)?")


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


def to_minor(amount: Decimal, currency: str) -> int:
    """Integer minor units of an amount that must already be exact to the minor unit."""
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


def parse_amount(text: str) -> Decimal:
    """Parse an amount as written by people and accounting exports.

    Accepts currency symbols and codes, thousands separators in either convention
    ("1,234.50", "1.234,50", "1 234,50"), a leading or trailing minus and accounting
    parentheses for negatives. Where one separator alone leaves it open, the English
    convention of accounting exports decides: a lone comma before exactly three digits
    groups thousands ("1,234" is 1234) and a lone point is the decimal point ("1.234" is
    1.234, which a two-decimal currency then refuses rather than misreads).
    """
    raw = text.strip()
    if _PLAIN.fullmatch(raw):  # the common case, as software writes amounts
        return Decimal(raw)
    negative = raw.startswith("(") and raw.endswith(")")
    cleaned = _NOT_A_NUMBER.sub("", raw).strip("()")
    if cleaned.endswith("-"):
        negative, cleaned = True, cleaned[:-1]
    if cleaned.startswith(("-", "+")):
        negative, cleaned = negative or cleaned[0] == "-", cleaned[1:]
    if not cleaned or (not cleaned[0].isdigit() and cleaned[0] not in ".,"):
        raise InvalidInput(f"{text!r} is not an amount", field="amount")
    last_dot, last_comma = cleaned.rfind("."), cleaned.rfind(",")
    if last_dot >= 0 and last_comma >= 0:
        decimal_mark = "." if last_dot > last_comma else ","
    elif last_dot >= 0 or last_comma >= 0:
        mark = "." if last_dot >= 0 else ","
        groups = cleaned.split(mark)
        thousands = len(groups) > 2 or (mark == "," and len(groups[1]) == 3)
        decimal_mark = "" if thousands else mark
    else:
        decimal_mark = ""
    integer, _, fraction = cleaned.rpartition(decimal_mark) if decimal_mark else (cleaned, "", "")
    groups = integer.replace(",", ".").split(".")
    well_grouped = all(g.isdigit() for g in groups) and all(len(g) == 3 for g in groups[1:])
    mixed = "." in integer and "," in integer
    if (integer and not well_grouped) or mixed or not (fraction.isdigit() or fraction == ""):
        raise InvalidInput(f"{text!r} is not an amount", field="amount")
    digits = "".join(groups)
    try:
        value = Decimal(f"{digits or '0'}.{fraction}" if fraction else digits or "0")
    except InvalidOperation:
        raise InvalidInput(f"{text!r} is not an amount", field="amount") from None
    return -value if negative else value


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
