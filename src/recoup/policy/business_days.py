"""Business days per country, from the ``holidays`` package (public holidays and
weekends). Pure: no clock; the engine asks about the dates it plans for."""

from datetime import date, timedelta
from functools import lru_cache
from typing import Any

import holidays

# Countries whose public holidays differ by region: the region assumed when the
# customer's is not known (England and Wales keep Easter Monday; Scotland does not).
DEFAULT_SUBDIVISIONS = {"GB": "ENG"}


@lru_cache(maxsize=512)
def _holidays(country: str, year: int) -> Any:
    try:
        return holidays.country_holidays(
            country, subdiv=DEFAULT_SUBDIVISIONS.get(country), years=year
        )
    except NotImplementedError:
        return {}


def holiday(country: str, day: date) -> str | None:
    """The name of the public holiday on ``day`` in ``country``, if any."""
    if not country:
        return None
    name = _holidays(country.upper(), day.year).get(day)
    return str(name) if name else None


@lru_cache(maxsize=4096)  # asked once per customer of a run: a few countries, one day
def is_business_day(country: str, day: date) -> bool:
    """Monday to Friday and not a public holiday of the country.

    >>> is_business_day("DE", date(2026, 10, 3))  # Tag der Deutschen Einheit, a Saturday
    False
    >>> is_business_day("GB", date(2026, 12, 28))  # Boxing Day (substitute)
    False
    >>> is_business_day("GB", date(2026, 12, 29))
    True
    """
    return day.weekday() < 5 and holiday(country, day) is None


def why_not_business_day(country: str, day: date) -> str:
    """Why ``day`` is not a business day (for the plan's reasons)."""
    name = holiday(country, day)
    if name:
        return f"{name} in {country}"
    return f"{day:%A}" if day.weekday() >= 5 else "a business day"


def next_business_day(country: str, day: date) -> date:
    """The first business day after ``day``."""
    day += timedelta(days=1)
    while not is_business_day(country, day):
        day += timedelta(days=1)
    return day


def previous_business_day(country: str, day: date) -> date:
    """The last business day before ``day``."""
    day -= timedelta(days=1)
    while not is_business_day(country, day):
        day -= timedelta(days=1)
    return day
