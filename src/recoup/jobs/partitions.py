"""The daily run in partitions, each step in its own short transaction.

A day's run of an organisation is four kinds of step, each committed on its own:

1. **cases** (once; ``recoup run`` on a day already closed opens it again): cases
   evaluated, the reference-rate check, and the day laid out
   in partitions: ranges of customer ids of ``size`` customers each (the first starts
   at 0, the last ends at the largest id there can be, so a customer created later
   still falls in one). Holds the organisation's run lock (``daily.lock_run``) for its
   transaction.
2. **partition** (once per range): the credit rule's holds (each customer judged on its
   own account), statutory charges, the plan, its outbox rows, the
   cases' messages of those customers, the release of cleared accounts
   (``daily.plan_range``). A partition holds the run lock *shared*: partitions of one
   organisation run side by side (several workers), a single-transaction run (a dry
   run, the demo) waits for them. Its row is claimed ``FOR UPDATE SKIP LOCKED`` (SQLite:
   the write lock), and a partition already done is not done again: a second worker on
   the same partition plans nothing new. Its audit events are appended at its commit
   (``audit.service.defer_until_commit``), so the chain head is locked for a moment,
   not for the partition's work.
3. **snapshot** (once, beside the partitions; ``take_snapshot``): yesterday's closing
   KPI snapshot, taken by a worker while others plan partitions (it reads nothing they
   change), so the close does not add it after the last partition.
4. **close** (once, when every partition is done): the snapshot if no worker took it,
   and the prediction model's upkeep (``daily.close_day``).

A process killed in a step rolls that step back (nothing of it stays); whoever runs the
day next does it again.
"""

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, delete, func, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from recoup.audit.service import defer_until_commit
from recoup.cases import tasks
from recoup.charges import service as charges
from recoup.comms.dispatcher import dispatcher_id
from recoup.comms.models import OutboxKind
from recoup.comms.outbox import Effect, enqueue
from recoup.db import bulk, transaction
from recoup.db.base import utcnow
from recoup.jobs import daily
from recoup.jobs.daily import RunResult
from recoup.jobs.models import DailyRun, RunPartition
from recoup.ledger import queries as ledger_queries
from recoup.policy.definition import Policy

DEFAULT_SIZE = 5_000  # customers per partition
LAST_ID = 2**62  # above every id there can be


def lay_out(customer_ids: Sequence[int], size: int) -> list[tuple[int, int]]:
    """Customer-id ranges of ``size`` customers each (from sorted ids), covering every
    id from 0 up, both ends included.

    >>> lay_out([3, 5, 8, 9, 12], 2)
    [(0, 7), (8, 11), (12, 4611686018427387904)]
    >>> lay_out([], 2)
    [(0, 4611686018427387904)]
    """
    if size < 1:
        raise ValueError(f"partition size {size}: must be at least 1")
    starts = [0] + [customer_ids[i] for i in range(size, len(customer_ids), size)]
    ends = [start - 1 for start in starts[1:]] + [LAST_ID]
    return list(zip(starts, ends, strict=True))


def flag_stale_rates(session: Session, *, org_id: int, day: date) -> list[str]:
    """Charges computed today past a rate table's known end: raised once as a task (per
    table and reference day) for a person to check; the messages."""
    stale = charges.stale_rates(session, org_id=org_id, as_of=day)
    for table, fixing, message in stale:
        tasks.create_task(
            session,
            org_id=org_id,
            customer_id=None,
            title=f"Reference rates out of date: {table} (rate of {fixing} unknown)",
            body=message,
            key=f"stale-rates:{table}:{fixing}",
        )
    return [message for _, _, message in stale]


def _effect_json(effect: Effect) -> dict[str, Any]:
    return {
        "key": effect.key,
        "kind": effect.kind.value,
        "customer_id": effect.customer_id,
        "scheduled_at": effect.scheduled_at.isoformat(),
        "payload": effect.payload,
        "template": effect.template,
        "recipient": effect.recipient,
        "source": effect.source,
        "to_customer": effect.to_customer,
    }


def _effect(data: dict[str, Any]) -> Effect:
    return Effect(
        key=data["key"],
        kind=OutboxKind(data["kind"]),
        customer_id=data["customer_id"],
        scheduled_at=datetime.fromisoformat(data["scheduled_at"]),
        payload=data["payload"],
        template=data["template"],
        recipient=data["recipient"],
        source=data["source"],
        to_customer=data["to_customer"],
    )


@dataclass
class DayStart:
    """The day as laid out: its partitions' ids, and what the cases phase did (None
    when another process had done it)."""

    run_id: int
    partitions: list[int]
    cases: RunResult | None
    stale: list[str]


def _insert_day(session: Session, org_id: int, as_of: date, size: int) -> None:
    dialect_insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    now = utcnow()
    session.execute(
        dialect_insert(DailyRun)
        .values(
            org_id=org_id,
            as_of=as_of,
            partition_size=size,
            partitions=0,
            planned=0,
            case_effects=[],
            created_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=["org_id", "as_of"])
    )


def start_day(
    engine: Engine,
    *,
    org_id: int,
    as_of: date,
    now: datetime,
    policies: dict[str, Policy],
    size: int = DEFAULT_SIZE,
    actor: str = "daily run",
    again: bool = False,
) -> DayStart:
    """The cases phase of ``as_of`` (done once, whoever asks first) and the day's
    partitions. ``again``: a day already closed is opened again and run anew (``recoup
    run`` a second time on one day: what changed since is judged, nothing planned twice,
    as its keys are taken); otherwise a closed day stays as it is."""
    if not again:
        with transaction(engine, actor=actor, read_only=True) as session:
            done = session.scalar(
                select(DailyRun.cases_done_at).where(
                    DailyRun.org_id == org_id, DailyRun.as_of == as_of
                )
            )
            if done is not None:  # the usual case of a worker's repeated tick: no lock
                return DayStart(0, _partitions(session, org_id, as_of), None, [])
    with transaction(engine, actor=actor) as session:
        daily.lock_run(session, org_id=org_id)
        _insert_day(session, org_id, as_of, size)
        day = session.scalars(
            select(DailyRun)
            .where(DailyRun.org_id == org_id, DailyRun.as_of == as_of)
            .with_for_update()
        ).one()
        if again and day.closed_at is not None:
            session.execute(
                delete(RunPartition).where(
                    RunPartition.org_id == org_id, RunPartition.as_of == as_of
                )
            )
            day.cases_done_at = day.closed_at = day.snapshot_at = None
            day.partition_size = size
        result: RunResult | None = None
        stale: list[str] = []
        if day.cases_done_at is None:
            defer_until_commit(session)
            case_effects = daily.evaluate_cases(
                session, org_id=org_id, as_of=as_of, now=now, policies=policies
            )
            internal = [e for e in case_effects if e.customer_id is None]
            result = RunResult(
                as_of=as_of,
                dry_run=False,
                actions=[],
                notes=[],
                customers={},
                other_effects=case_effects,
            )
            result.planned = len(enqueue(session, org_id=org_id, effects=internal))
            stale = flag_stale_rates(session, org_id=org_id, day=as_of)
            ids = ledger_queries.customer_ids(session, org_id=org_id)
            ranges = lay_out(ids, day.partition_size)
            session.add_all(
                RunPartition(
                    org_id=org_id, as_of=as_of, first_customer_id=first, last_customer_id=last
                )
                for first, last in ranges
            )
            day.case_effects = [_effect_json(e) for e in case_effects if e.customer_id]
            day.partitions = len(ranges)
            day.planned = result.planned
            day.cases_done_at = utcnow()
        return DayStart(day.id, _partitions(session, org_id, as_of), result, stale)


def _partitions(session: Session, org_id: int, as_of: date) -> list[int]:
    return list(
        session.scalars(
            select(RunPartition.id)
            .where(RunPartition.org_id == org_id, RunPartition.as_of == as_of)
            .order_by(RunPartition.first_customer_id)
        )
    )


def _lock_run_shared(session: Session, org_id: int) -> None:
    if session.get_bind().dialect.name != "postgresql":
        return
    wait = int(daily.RUN_LOCK_WAIT.total_seconds() * 1000)
    session.execute(text(f"SET LOCAL lock_timeout = {wait}"))
    session.execute(select(func.pg_advisory_xact_lock_shared(daily.RUN_LOCK, org_id)))
    session.execute(text("SET LOCAL lock_timeout = DEFAULT"))


def run_partition(
    engine: Engine,
    *,
    partition_id: int,
    now: datetime,
    policies: dict[str, Policy],
    wait: bool = False,
    actor: str = "daily run",
) -> RunResult | None:
    """Plan one partition unless it is done or (without ``wait``) another process is
    on it; what it planned, or None."""
    with transaction(engine, actor=actor) as session:
        partition = session.scalars(
            select(RunPartition)
            .where(RunPartition.id == partition_id)
            .with_for_update(skip_locked=not wait)
        ).first()
        if partition is None or partition.done_at is not None:
            return None
        started = time.perf_counter()
        _lock_run_shared(session, partition.org_id)
        defer_until_commit(session)
        day = session.scalars(
            select(DailyRun).where(
                DailyRun.org_id == partition.org_id, DailyRun.as_of == partition.as_of
            )
        ).one()
        first, last = partition.first_customer_id, partition.last_customer_id
        effects = [
            _effect(e)
            for e in day.case_effects
            if e["customer_id"] is not None and first <= e["customer_id"] <= last
        ]
        with bulk.gc_paused():  # as in a single run: many short-lived objects
            result = daily.plan_range(
                session,
                org_id=partition.org_id,
                as_of=partition.as_of,
                now=now,
                policies=policies,
                customer_range=(first, last),
                case_effects=effects,
            )
        partition.planned = result.planned
        partition.done_at = utcnow()
        partition.done_by = dispatcher_id()
        partition.seconds = time.perf_counter() - started
        return result


def pending(engine: Engine, *, org_id: int, as_of: date) -> list[int]:
    """The partitions of the day not done yet."""
    with transaction(engine, actor="daily run", read_only=True) as session:
        return list(
            session.scalars(
                select(RunPartition.id)
                .where(
                    RunPartition.org_id == org_id,
                    RunPartition.as_of == as_of,
                    RunPartition.done_at.is_(None),
                )
                .order_by(RunPartition.first_customer_id)
            )
        )


def take_snapshot(engine: Engine, *, org_id: int, as_of: date, actor: str = "daily run") -> bool:
    """Yesterday's closing KPI snapshot of the day ``as_of``, unless it is stored or
    another process is taking it (its day's row is locked: this one goes on with the
    partitions), or the day is not laid out yet; whether this call took it. A worker
    takes it while the others plan the partitions (it reads nothing they change): on a
    large book it is the longest part of the close, which waits for the last partition.
    The close takes it when no worker has."""
    with transaction(engine, actor=actor) as session:
        day = session.scalars(
            select(DailyRun)
            .where(DailyRun.org_id == org_id, DailyRun.as_of == as_of)
            .with_for_update(skip_locked=True)
        ).first()
        if day is None or day.cases_done_at is None or day.snapshot_at is not None:
            return False
        daily.take_snapshot(session, org_id=org_id, as_of=as_of)
        day.snapshot_at = utcnow()
        return True


def close(
    engine: Engine, *, org_id: int, as_of: date, now: datetime, actor: str = "daily run"
) -> list[str] | None:
    """Close the day once every partition is done (done once); its notes, or None when
    partitions are left or the day was closed already."""
    with transaction(engine, actor=actor) as session:
        day = session.scalars(
            select(DailyRun)
            .where(DailyRun.org_id == org_id, DailyRun.as_of == as_of)
            .with_for_update()
        ).first()
        if day is None or day.closed_at is not None:
            return None
        left = session.scalar(
            select(func.count())
            .select_from(RunPartition)
            .where(
                RunPartition.org_id == org_id,
                RunPartition.as_of == as_of,
                RunPartition.done_at.is_(None),
            )
        )
        if left:
            return None
        notes = daily.close_day(
            session, org_id=org_id, as_of=as_of, now=now, snapshot=day.snapshot_at is None
        )
        day.closed_at = utcnow()
        day.snapshot_at = day.snapshot_at or day.closed_at
    with transaction(engine, actor=actor) as session:  # after a day that wrote much
        bulk.refresh_statistics(session)
    return notes


def merge(results: Iterator[RunResult | None], as_of: date) -> RunResult:
    """One result of a day's steps (those that did something)."""
    total = RunResult(as_of=as_of, dry_run=False, actions=[], notes=[], customers={})
    for part in results:
        if part is None:
            continue
        total.actions += part.actions
        total.notes += part.notes
        total.customers |= part.customers
        total.other_effects += part.other_effects
        total.holds_placed += part.holds_placed
        total.holds_released += part.holds_released
        total.planned += part.planned
        total.charges_queued += part.charges_queued
    return total


def run_day(
    engine: Engine,
    *,
    org_id: int,
    as_of: date,
    now: datetime,
    policies: dict[str, Policy],
    size: int = DEFAULT_SIZE,
    actor: str = "daily run",
) -> tuple[RunResult, list[str]]:
    """The whole day, partition after partition (``recoup run``): what this process
    planned, and the reference-rate warnings. Partitions another process is on are
    skipped first, then waited for, so the day is complete on return."""
    start = start_day(
        engine,
        org_id=org_id,
        as_of=as_of,
        now=now,
        policies=policies,
        size=size,
        actor=actor,
        again=True,
    )

    def steps() -> Iterator[RunResult | None]:
        yield start.cases
        for partition_id in start.partitions:
            yield run_partition(
                engine, partition_id=partition_id, now=now, policies=policies, actor=actor
            )
        for partition_id in pending(engine, org_id=org_id, as_of=as_of):
            yield run_partition(
                engine,
                partition_id=partition_id,
                now=now,
                policies=policies,
                wait=True,
                actor=actor,
            )

    result = merge(steps(), as_of)
    notes = close(engine, org_id=org_id, as_of=as_of, now=now, actor=actor)
    result.notes += [(0, note) for note in notes or []]
    return result, start.stale


def day_of(engine: Engine, *, partition_id: int) -> tuple[int, date] | None:
    """``(org_id, as_of)`` of a partition."""
    with transaction(engine, actor="daily run", read_only=True) as session:
        row = session.execute(
            select(RunPartition.org_id, RunPartition.as_of).where(RunPartition.id == partition_id)
        ).first()
        return None if row is None else (row.org_id, row.as_of)
