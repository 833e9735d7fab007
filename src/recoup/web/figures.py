"""Figures of the whole ledger the web pages show on every visit (the dashboard's aging
and DSO, the worklist's accounts), computed once per change of the ledger.

Summing a million open invoices takes seconds; doing it for every page view made the
dashboard and the worklist the slowest pages. A figure is kept in this process with the
*stamp* of the tables it reads: when each last changed (``max(updated_at)``, read from an
index in microseconds; every insert and update of those tables sets ``updated_at``, and
their rows are never deleted). A visit whose stamp differs computes the figure again,
so a payment recorded a moment ago shows at once. Two transactions committing out of
order could leave an older stamp in place; a figure is therefore never older than
``MAX_AGE`` either.
"""

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from recoup.comms.models import OutboxMessage
from recoup.ledger.models import CreditNote, Customer, Invoice, Payment

T = TypeVar("T")
MAX_AGE = 60.0  # seconds a figure may be served without its stamp being the newest
KEPT = 64  # figures kept (per process): a few per organisation and day

LEDGER = (Invoice, Payment, CreditNote)
OUTBOX = (OutboxMessage,)
CUSTOMERS = (Customer,)

_lock = threading.Lock()
_kept: OrderedDict[tuple[Any, ...], tuple[tuple[Any, ...], float, Any]] = OrderedDict()


def stamp(
    session: Session, org_id: int, models: Sequence[Any]
) -> tuple[datetime | str | None, ...]:
    """When the organisation's rows of each of ``models`` last changed (read from each
    table's ``ix_<table>_org_updated``, named to SQLite, whose planner preferred another
    index of the organisation and a scan of its rows)."""
    if session.get_bind().dialect.name == "sqlite":
        return tuple(
            session.scalar(
                text(
                    f"SELECT max(updated_at) FROM {model.__tablename__} "
                    f"INDEXED BY ix_{model.__tablename__}_org_updated WHERE org_id = :org"
                ),
                {"org": org_id},
            )
            for model in models
        )
    return tuple(
        session.scalar(select(func.max(model.updated_at)).where(model.org_id == org_id))
        for model in models
    )


def cached(
    session: Session,
    org_id: int,
    key: tuple[Any, ...],
    models: Sequence[Any],
    compute: Callable[[], T],
) -> T:
    """``compute()``, or the value it gave for ``key`` while ``models`` were as now."""
    bind = session.get_bind()
    full = (str(bind.engine.url), org_id, *key)
    current = stamp(session, org_id, models)
    now = time.monotonic()
    with _lock:
        found = _kept.get(full)
        if found is not None and found[0] == current and now - found[1] < MAX_AGE:
            _kept.move_to_end(full)
            value: T = found[2]
            return value
    value = compute()
    with _lock:
        _kept[full] = (current, now, value)
        _kept.move_to_end(full)
        while len(_kept) > KEPT:
            _kept.popitem(last=False)
    return value


def forget() -> None:
    """Drop every kept figure (tests that change rows behind the stamps' back)."""
    with _lock:
        _kept.clear()
