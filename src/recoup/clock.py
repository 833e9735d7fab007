"""The one clock: what time and what business day it is.

Everything that needs "now" or "today" asks here (or is handed an explicit ``as_of`` by
its caller, which is better still: the cores never read a clock). Today is the UTC
date, the same for every process of one installation whatever the machine's time zone.
"""

from datetime import date

from recoup.db.base import utcnow
from recoup.errors import InvalidInput


def today() -> date:
    """Today's business date (UTC)."""
    return utcnow().date()


def parse_day(text: str, *, field: str, error: str = "enter a date") -> date:
    """A day as people type it (``2026-12-03``, spaces around it allowed) in a form or an
    option; anything else is an ``InvalidInput`` on ``field`` in the words of ``error``.
    The one date parser of the web forms, the portal and the command line."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(error, field=field) from None
