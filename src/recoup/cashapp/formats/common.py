"""Helpers shared by the format parsers: exact amounts, dates, text and account ids."""

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from recoup.cashapp.formats.errors import StatementError

_SPACES = re.compile(r"\s+")
_IBAN = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$")


def squash(*parts: str | None) -> str:
    """Join the non-empty ``parts`` with single spaces, collapsing runs of whitespace.

    >>> squash(" a  b", None, "", "c\\n d")
    'a b c d'
    """
    return _SPACES.sub(" ", " ".join(part for part in parts if part)).strip()


def compact_iban(value: str | None) -> str:
    """``value`` without spaces, upper case, when it has the shape of an IBAN; else "".

    >>> compact_iban("nl91 abna 0417 1643 00")
    'NL91ABNA0417164300'
    >>> compact_iban("123456")
    ''
    """
    text = re.sub(r"[\s-]", "", value or "").upper()
    return text if _IBAN.match(text) else ""


def decimal_of(text: str, *, format: str, where: str = "", line: int | None = None) -> Decimal:
    """An exact amount from ``text`` written with a point as decimal separator.

    >>> decimal_of("754.25", format="camt053")
    Decimal('754.25')
    """
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise StatementError(
            f"amount {text.strip()!r} is not a number", format=format, entry=where, line=line
        ) from None
    if not value.is_finite():
        raise StatementError(
            f"amount {text.strip()!r} is not a number", format=format, entry=where, line=line
        )
    return value


def iso_date(text: str, *, format: str, where: str = "") -> date:
    """The date of an ISO 8601 date or date-time (its first ten characters).

    >>> iso_date("2014-01-06T16:20:26.673Z", format="camt053")
    datetime.date(2014, 1, 6)
    """
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        raise StatementError(
            f"{text.strip()!r} is not a date", format=format, entry=where
        ) from None
