"""The one clock: what time and what business day it is.

Everything that needs "now" or "today" asks here (or is handed an explicit ``as_of`` by
its caller, which is better still: the cores never read a clock). Today is the UTC
date, the same for every process of one installation whatever the machine's time zone.
"""

from datetime import date

from recoup.db.base import utcnow


def today() -> date:
    """Today's business date (UTC)."""
    return utcnow().date()
