"""The whole ledger's kept sums (``recoup.web.figures``) made before anyone asks.

The dashboard, the worklist and the assignments page sum the whole ledger once per
process and per day, then keep those sums up to date customer by customer. That first
sum is the slow one (some 5 s at 1,000,000 invoices), and without this module the first
visitor of each day pays for it. ``recoup serve`` starts ``keep_warm`` in a thread of
its own: it makes every organisation's sums at start and again when the day turns.
"""

import logging
import threading
from collections.abc import Callable
from datetime import date

from sqlalchemy import Engine

from recoup.db import transaction
from recoup.ledger import service as ledger
from recoup.web import assignments, service
from recoup.web.formatting import format_money
from recoup.web.repository import WorklistFilter

log = logging.getLogger(__name__)
EVERY = 60.0  # seconds between looks at the clock


def warm(engine: Engine, as_of: date) -> int:
    """Make the kept sums of every organisation's dashboard, worklist and assignments
    page for ``as_of``; how many organisations."""
    with transaction(engine, actor="web", read_only=True) as session:
        org_ids = [org.id for org in ledger.organisations(session)]
        for org_id in org_ids:
            service.dashboard(session, org_id=org_id, as_of=as_of, collector=None)
            service.worklist(
                session,
                org_id=org_id,
                as_of=as_of,
                where=WorklistFilter(),
                page=1,
                fmt=format_money,
            )
            assignments.kept_sums(session, org_id)
    return len(org_ids)


def keep_warm(
    engine: Engine, clock: Callable[[], date], stop: threading.Event, every: float = EVERY
) -> None:
    """``warm`` at once, then each time ``clock`` gives a new day, until ``stop``."""
    warmed: date | None = None
    while not stop.is_set():
        day = clock()
        if day != warmed:
            try:
                count = warm(engine, day)
            except Exception:  # a page's first visit sums instead; the server keeps going
                log.exception("could not make the kept sums for %s", day)
            else:
                warmed = day
                log.info("kept sums made for %d organisation(s) on %s", count, day)
        stop.wait(every)


def start(engine: Engine, clock: Callable[[], date]) -> threading.Event:
    """Run ``keep_warm`` in a daemon thread; set the event returned to stop it."""
    stop = threading.Event()
    threading.Thread(
        target=keep_warm, args=(engine, clock, stop), name="recoup-kept-sums", daemon=True
    ).start()
    return stop
