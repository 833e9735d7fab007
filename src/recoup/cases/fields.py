"""Checks on what people type into a case, shared by every kind of case: a choice
from one of the cases' enums, a positive amount in minor units."""

from decimal import Decimal
from typing import Any

from recoup import money
from recoup.errors import InvalidInput


def choice(enum: Any, value: str, field: str) -> Any:
    """``value`` as a member of the StrEnum ``enum``, or a clear error naming the choices."""
    try:
        return enum(str(value).strip().lower())
    except ValueError:
        names = ", ".join(member.value for member in enum)
        raise InvalidInput(f"{value!r} is not one of {names}", field=field) from None


def positive_amount(value: Decimal, currency: str, field: str) -> int:
    """``value`` in minor units of ``currency``; zero or less is an error on ``field``."""
    if value <= 0:
        raise InvalidInput("must be positive", field=field)
    return money.to_minor(value, currency)
