"""Formatting for people: amounts, numbers, dates (Babel, at the edge only)."""

from datetime import date, datetime
from decimal import Decimal

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal

from recoup import money

LOCALE = "en_GB"


def format_money(minor: int | None, currency: str) -> str:
    """Minor units as an amount with its currency symbol, e.g. ``£1,234.50``.

    >>> format_money(123450, "GBP"), format_money(-500, "EUR"), format_money(None, "EUR")
    ('£1,234.50', '-€5.00', '—')
    """
    if minor is None:
        return "—"
    amount: Decimal = money.from_minor(minor, currency)
    return str(format_currency(amount, currency, locale=LOCALE))


def format_number(value: int | Decimal | None, digits: int = 0) -> str:
    """A number with thousands separators (``—`` for none)."""
    if value is None:
        return "—"
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return str(format_decimal(value, format=pattern, locale=LOCALE))


def format_day(value: date | None) -> str:
    """A date such as ``5 Mar 2026``."""
    return "—" if value is None else str(format_date(value, format="medium", locale=LOCALE))


def format_moment(value: datetime | None) -> str:
    """A timestamp such as ``5 Mar 2026, 14:03`` (UTC)."""
    if value is None:
        return "—"
    if (value.hour, value.minute, value.second) == (0, 0, 0):  # a business date
        return format_day(value.date())
    return str(format_datetime(value, format="d MMM yyyy, HH:mm", locale=LOCALE, tzinfo=None))
