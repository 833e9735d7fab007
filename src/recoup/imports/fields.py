"""Parsing the text of one cell: dates in the file's day/month order, amounts, flags.

>>> detect_date_order(["2026-03-01"])
'ymd'
>>> detect_date_order(["03/01/2026", "03/25/2026"])
'mdy'
>>> detect_date_order(["25.03.2026"])
'dmy'
>>> parse_date("1/2/26", "dmy")
datetime.date(2026, 2, 1)
>>> parse_date("12 Mar 2026", "dmy")
datetime.date(2026, 3, 12)
"""

import re
from collections.abc import Iterable
from datetime import date, datetime
from functools import lru_cache

from babel import Locale, UnknownLocaleError

from recoup.errors import InvalidInput

_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T].*)?$")
_NUMERIC = re.compile(r"^(\d{1,2})([/.\-])(\d{1,2})\2(\d{2}|\d{4})(?:[ T].*)?$")
_TEXT_FORMATS = ("%d %b %Y", "%d %B %Y", "%b %d, %Y", "%B %d, %Y", "%d-%b-%Y", "%d-%b-%y")
DATE_ORDERS = ("ymd", "dmy", "mdy")


def is_numeric_date(text: str) -> bool:
    """Whether ``text`` is a date like 01/02/2026, whose order needs deciding."""
    return _NUMERIC.match(text.strip()) is not None


def detect_date_order(values: Iterable[str]) -> str | None:
    """The day/month order the file evidently uses: ``ymd``, ``dmy`` or ``mdy``.

    ISO dates are ``ymd``; dotted dates are day-first by convention; for slashed dates a
    first part over 12 means day-first and a second part over 12 month-first. ``None``
    when every date is ambiguous; ``InvalidInput`` when the file contradicts itself.
    """
    day_first = month_first = False
    iso = False
    for value in values:
        text = value.strip()
        if not text:
            continue
        if (len(text) == 10 and text[4] == "-") or _ISO.match(text):
            iso = True
            continue
        match = _NUMERIC.match(text)
        if match is None:
            continue
        first, separator, second = int(match[1]), match[2], int(match[3])
        if separator == "." or first > 12:
            day_first = True
        elif second > 12:
            month_first = True
        if day_first and month_first:
            raise InvalidInput(
                f"dates are written both day-first and month-first (e.g. {text!r})",
                field="dates",
            )
    if day_first:
        return "dmy"
    if month_first:
        return "mdy"
    return "ymd" if iso else None


@lru_cache(maxsize=64)
def locale_date_order(country: str) -> str | None:
    """How numeric dates are written in ``country`` (its main locale's short date
    format, from Babel): ``dmy``, ``mdy``, or ``None`` when it writes the year first.

    >>> [locale_date_order(c) for c in ("GB", "US", "DE", "NL", "JP", "")]
    ['dmy', 'mdy', 'dmy', 'dmy', None, None]
    """
    if not country:
        return None
    try:
        pattern = Locale.parse(f"und_{country.upper()}").date_formats["short"].pattern
    except (ValueError, UnknownLocaleError):
        return None
    positions = {part: pattern.find(part) for part in "dMy"}
    if min(positions.values()) < 0 or positions["y"] < min(positions["d"], positions["M"]):
        return None
    return "dmy" if positions["d"] < positions["M"] else "mdy"


def _year(text: str) -> int:
    return 2000 + int(text) if len(text) == 2 else int(text)


@lru_cache(maxsize=10_000)  # a file repeats a few thousand dates a million times
def parse_date(text: str, order: str | None) -> date:
    """A date written ISO-style, numerically in ``order``, or with a month name."""
    value = text.strip()
    if len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise InvalidInput(f"{value!r} is not a date", field="date") from None
    match = _ISO.match(value)
    try:
        if match:
            return date(int(match[1]), int(match[2]), int(match[3]))
        match = _NUMERIC.match(value)
        if match:
            if order is None:
                raise InvalidInput(f"{value!r} could be day-first or month-first", field="date")
            first, second, year = int(match[1]), int(match[3]), _year(match[4])
            day, month = (first, second) if order == "dmy" else (second, first)
            return date(year, month, day)
    except ValueError:
        raise InvalidInput(f"{value!r} is not a date", field="date") from None
    for fmt in _TEXT_FORMATS:
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise InvalidInput(f"{value!r} is not a date", field="date")


def parse_int(text: str) -> int:
    """A whole number ("30", "30 days", "Net 30" all give 30).

    >>> parse_int("Net 30")
    30
    """
    digits = re.sub(r"^\D*(-?\d+)\D*$", r"\1", text.strip())
    try:
        return int(digits)
    except ValueError:
        raise InvalidInput(f"{text!r} is not a whole number", field="number") from None


_TRUE = {"1", "true", "yes", "y", "x", "ja", "wahr"}
_FALSE = {"0", "false", "no", "n", "", "nein", "falsch"}


def parse_bool(text: str) -> bool:
    """Yes/no in the usual spellings (yes, y, true, 1, x; no, n, false, 0, empty)."""
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise InvalidInput(f"{text!r} is not yes or no", field="flag")


def parse_list(text: str) -> list[str]:
    """Items separated by semicolons, commas or pipes, trimmed, empties dropped.

    >>> parse_list("key account; export ,vip")
    ['key account', 'export', 'vip']
    """
    return [item.strip() for item in re.split(r"[;,|]", text) if item.strip()]
