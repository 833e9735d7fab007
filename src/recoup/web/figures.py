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
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, TypeVar

from sqlalchemy import text
from sqlalchemy.orm import Session

from recoup.comms.models import OutboxMessage
from recoup.db import changes
from recoup.ledger import queries as ledger_queries
from recoup.ledger.queries import Followed

T = TypeVar("T")
MAX_AGE = 60.0  # seconds a figure may be served without its stamp being the newest
KEPT = 64  # figures kept (per process): a few per organisation and day

# The tables a figure reads: the ledger's are followed through ``ledger.queries``, the
# others (the outbox) are given as their model.
LEDGER = (Followed.INVOICES, Followed.PAYMENTS, Followed.CREDIT_NOTES)
OUTBOX = (OutboxMessage,)
CUSTOMERS = (Followed.CUSTOMERS,)
INVOICES = Followed.INVOICES  # the table of the sums kept per customer (``summed``)
OUTBOX_ROWS = OutboxMessage

_lock = threading.Lock()
_kept: OrderedDict[tuple[Any, ...], tuple[tuple[Any, ...], float, Any]] = OrderedDict()


def stamp(
    session: Session, org_id: int, models: Sequence[Any]
) -> tuple[datetime | str | None, ...]:
    """When the organisation's rows of each of ``models`` last changed (read from each
    table's ``ix_<table>_org_updated``, ``recoup.db.changes``)."""
    return tuple(
        ledger_queries.last_change(session, org_id=org_id, table=model)
        if isinstance(model, Followed)
        else changes.last_change(session, model.__table__, org_id)
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
        _summed.clear()


# --- sums kept per customer -------------------------------------------------------------
#
# The whole ledger's sums (aging, DSO's sales, each account's overdue money, the customers
# with something open, the outbox's counts) are kept as each customer's part and their
# total. A visit sums again only the customers whose rows changed since the last visit
# (``updated_at`` from the table's ``ix_<table>_org_updated``) and replaces their parts.
#
# A row's ``updated_at`` is the writer's clock at its flush, but the row is seen only once
# its transaction commits, maybe later. So the next visit looks back from *before* every
# transaction open now: on PostgreSQL from the start of the oldest open transaction of a
# client (``pg_stat_activity``: the same role's sessions, not autovacuum's), on SQLite
# (one writer, which holds the lock from its first statement) ``SQLITE_LOOKBACK`` before
# now, and on SQLite the sums are also made again in full once they are
# ``SQLITE_FULL_AGE`` old. The parts of the customers changed in that window are summed
# again on every visit: few rows, read by
# the index. The rows summed per customer are never deleted (invoices, outbox rows) and
# never move to another customer; what may be (payments, credit notes) is summed whole
# on each visit (``repository.unapplied_money``: only the unapplied money).
# A table whose newest ``updated_at`` went back (a rolled-back write, a database
# restored) makes the sums again in full.

LOOKBACK = timedelta(seconds=10)  # clocks of writers and database, a flush before BEGIN
SQLITE_LOOKBACK = timedelta(minutes=5)
SQLITE_FULL_AGE = 900.0  # seconds
BATCH = 5_000  # customers summed again per query
MOST = 50_000  # customers changed beyond which the sums are made again in full

Row = tuple[Any, ...]


class Sums(Generic[T]):
    """What a figure keeps of its rows: ``add`` a row (``sign`` -1 takes it back out)."""

    def add(self, row: Row, sign: int) -> None:
        raise NotImplementedError

    def value(self) -> T:
        raise NotImplementedError


class Totals(Sums[dict[Any, tuple[int, ...]]]):
    """Columns ``1 + key_columns ..`` of each row summed per its key columns (the row's
    columns after the customer): ``key -> sums`` of the keys some row has."""

    def __init__(self, key_columns: int = 1) -> None:
        self._key = key_columns
        self._sums: dict[Any, list[int]] = {}  # key -> [rows, *sums]

    def add(self, row: Row, sign: int) -> None:
        key = row[1] if self._key == 1 else row[1 : 1 + self._key]
        values = row[1 + self._key :]
        found = self._sums.get(key)
        if found is None:
            found = self._sums[key] = [0] * (len(values) + 1)
        found[0] += sign
        for i, v in enumerate(values, start=1):
            found[i] += sign * int(v or 0)
        if found[0] == 0:
            del self._sums[key]

    def value(self) -> dict[Any, tuple[int, ...]]:
        return {key: tuple(found[1:]) for key, found in self._sums.items()}


class Keyed(Sums[list[Any]]):
    """One item per row, by the row's key (``key(row)``); the value is every item in
    ``order``, kept between changes."""

    def __init__(
        self,
        item: Callable[[Row], Any],
        key: Callable[[Row], Any],
        order: Callable[[Any], Any] | None = None,
    ) -> None:
        self._item, self._key, self._order = item, key, order
        self._items: dict[Any, Any] = {}
        self._value: list[Any] | None = None

    def add(self, row: Row, sign: int) -> None:
        self._value = None
        if sign > 0:
            self._items[self._key(row)] = self._item(row)
        else:
            self._items.pop(self._key(row), None)

    def value(self) -> list[Any]:
        if self._value is None:
            items = list(self._items.values())
            if self._order is not None:
                items.sort(key=self._order)
            self._value = items
        return self._value


class Mapping(Sums[dict[Any, Any]]):
    """``row[0] -> row[1]``, one row per customer."""

    def __init__(self) -> None:
        self._items: dict[Any, Any] = {}
        self._value: dict[Any, Any] | None = None

    def add(self, row: Row, sign: int) -> None:
        self._value = None
        if sign > 0:
            self._items[row[0]] = row[1]
        else:
            self._items.pop(row[0], None)

    def value(self) -> dict[Any, Any]:
        if self._value is None:
            self._value = dict(self._items)
        return self._value


class _Summed:
    """One figure's parts per customer, their sums and where the next visit looks from."""

    def __init__(self, sums: "Sums[Any]", stamp: tuple[Any, ...], since: datetime) -> None:
        self.sums = sums
        self.parts: dict[Any, list[Row]] = {}
        self.stamp = stamp
        self.since = since
        self.made = time.monotonic()
        self.lock = threading.Lock()

    def put(self, rows: Iterable[Row]) -> None:
        for row in rows:
            self.parts.setdefault(row[0], []).append(row)
            self.sums.add(row, 1)

    def replace(self, customers: Iterable[Any], rows: Iterable[Row]) -> None:
        for customer in customers:
            for row in self.parts.pop(customer, ()):
                self.sums.add(row, -1)
        self.put(rows)


_summed: OrderedDict[tuple[Any, ...], _Summed] = OrderedDict()


def summed(
    session: Session,
    org_id: int,
    key: tuple[Any, ...],
    model: Any,
    rows: Callable[[Sequence[Any] | None], Iterable[Row]],
    start: Callable[[], "Sums[T]"],
) -> T:
    """The sums ``start()`` makes of ``rows(None)`` (every row of ``model``'s table the
    figure reads, the customer first), kept per customer: a visit sums again
    ``rows(customers)`` of the customers whose rows changed since the last one."""
    bind = session.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    full = (str(bind.engine.url), org_id, *key)
    since = _since(session, sqlite)
    current = stamp(session, org_id, (model,))
    with _lock:
        kept = _summed.get(full)
        if kept is not None:
            _summed.move_to_end(full)
    if kept is not None:
        with kept.lock:
            stale = (sqlite and time.monotonic() - kept.made > SQLITE_FULL_AGE) or _went_back(
                kept.stamp, current
            )
            if not stale:
                changed = _changed(session, org_id, model, kept.since)
                if len(changed) <= MOST:
                    for i in range(0, len(changed), BATCH):
                        part = changed[i : i + BATCH]
                        kept.replace(part, rows(part))
                    kept.stamp, kept.since = current, since
                    value: T = kept.sums.value()
                    return value
    made = _Summed(start(), current, since)
    made.put(rows(None))
    with _lock:
        _summed[full] = made
        _summed.move_to_end(full)
        while len(_summed) > KEPT:
            _summed.popitem(last=False)
    result: T = made.sums.value()
    return result


def _went_back(kept: tuple[Any, ...], current: tuple[Any, ...]) -> bool:
    return any(
        before is not None and (now is None or _utc(now) < _utc(before))
        for before, now in zip(kept, current, strict=True)
    )


def _utc(value: Any) -> datetime:
    """A stamp as an aware time (SQLite answers ``max(updated_at)`` as text)."""
    found = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return found if found.tzinfo is not None else found.replace(tzinfo=UTC)


def _since(session: Session, sqlite: bool) -> datetime:
    """Where the next visit looks back from: before every transaction open now."""
    now = datetime.now(UTC)
    if sqlite:
        return now - SQLITE_LOOKBACK
    oldest = session.scalar(
        text(
            "SELECT min(xact_start) FROM pg_stat_activity WHERE datname = current_database() "
            "AND backend_type = 'client backend' AND xact_start IS NOT NULL"
        )
    )
    return min(now, oldest or now) - LOOKBACK


def _changed(session: Session, org_id: int, model: Any, since: datetime) -> list[Any]:
    """The customers (None: rows of no customer) whose rows of ``model`` changed from
    ``since`` on."""
    if isinstance(model, Followed):
        return ledger_queries.customers_changed_since(
            session, org_id=org_id, table=model, since=since
        )
    return changes.changed_since(session, model.__table__, "customer_id", org_id, since)
