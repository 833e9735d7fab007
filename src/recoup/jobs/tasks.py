"""What ``recoup worker`` does, as plain functions over an engine.

The same bodies run as jobs of the queue on PostgreSQL (``recoup.jobs.queue``) and in
the embedded loop on SQLite (``recoup.jobs.embedded``). Each opens its own short
transactions; each can be run again (by another worker, after a crash) without doing
anything twice: the day's steps are recorded (``recoup.jobs.partitions``), the outbox
is claimed row by row (``recoup.comms.dispatcher``).
"""

import logging
import os
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, func, select, text

from recoup.analytics.prediction import service as prediction
from recoup.charges import rates_update
from recoup.comms.dispatcher import DispatchReport, dispatch
from recoup.comms.models import SENDING, WAITING, OutboxMessage
from recoup.config import Settings
from recoup.db import transaction
from recoup.db.base import utcnow
from recoup.jobs import daily, partitions, schedule
from recoup.jobs.effects import LiveChannels
from recoup.jobs.readiness import blocking, sending_findings
from recoup.ledger import service as ledger
from recoup.policy.definition import Policy
from recoup.policy.service import available_policies
from recoup.portal.service import PortalSettings

log = logging.getLogger("recoup.worker")

ACTOR = "worker"
DISPATCH_BATCH = 50  # messages one dispatch job delivers before it hands over


_clock: tuple[datetime, float] | None = None  # a simulated start, and when it was set


def set_clock(start: datetime | None) -> None:
    """Let the worker's time start at ``start`` and run from there (None: real time):
    to replay or rehearse a day (``recoup worker --clock``)."""
    global _clock
    _clock = None if start is None else (start, time.monotonic())


def now() -> datetime:
    """The worker's time: real, or the simulated clock's."""
    if _clock is None:
        return utcnow()
    start, set_at = _clock
    return start + timedelta(seconds=time.monotonic() - set_at)


def policies() -> dict[str, Policy]:
    """The available policies (the built-in ones and ``RECOUP_POLICY_DIR``'s)."""
    directory = Settings().policy_dir
    return available_policies(Path(directory) if directory else None)


def due_days(engine: Engine) -> list[tuple[int, date]]:
    """``(org_id, day)`` of every organisation whose daily run is due and not closed."""
    with transaction(engine, actor=ACTOR, read_only=True) as session:
        return schedule.due_days(session, now=now())


def start_day(engine: Engine, *, org_id: int, as_of: date, size: int) -> list[int]:
    """The cases phase of the organisation's day (once); the partitions not done yet.

    An organisation whose messages would go out wrong (no sender, no public address)
    is not planned: said in the log, nothing written, tried again at the next tick.
    """
    settings = Settings()
    with transaction(engine, actor=ACTOR, read_only=True) as session:
        organisation = ledger.get_organisation(session, org_id=org_id)
        findings = blocking(
            sending_findings(
                session,
                org=organisation,
                smtp_url=settings.smtp_url,
                public_url=PortalSettings().public_url,
            )
        )
    if findings:
        for finding in findings:
            log.error("daily run not started", extra={"org_id": org_id, "reason": str(finding)})
        return []
    start = partitions.start_day(
        engine,
        org_id=org_id,
        as_of=as_of,
        now=now(),
        policies=policies(),
        size=size,
        actor=ACTOR,
    )
    for message in start.stale:
        log.warning("reference rates", extra={"org_id": org_id, "reason": message})
    if start.cases is not None:
        log.info(
            "cases evaluated",
            extra={"org_id": org_id, "as_of": str(as_of), "planned": start.cases.planned},
        )
    return partitions.pending(engine, org_id=org_id, as_of=as_of)


def plan_partition(engine: Engine, *, partition_id: int) -> int | None:
    """Plan one partition (None: done already, or another worker is on it), then close
    its day if it was the last; the outbox rows it added."""
    result = partitions.run_partition(
        engine, partition_id=partition_id, now=now(), policies=policies(), actor=ACTOR
    )
    day = partitions.day_of(engine, partition_id=partition_id)
    if day is not None:
        org_id, as_of = day
        notes = partitions.close(engine, org_id=org_id, as_of=as_of, now=now(), actor=ACTOR)
        if notes is not None:
            log.info("day closed", extra={"org_id": org_id, "as_of": str(as_of), "notes": notes})
    return None if result is None else result.planned


def take_snapshot(engine: Engine, *, org_id: int, as_of: date) -> bool:
    """Yesterday's closing KPI snapshot of the organisation's day, beside its partitions
    (once; the close takes it when no worker has); whether this call took it."""
    return partitions.take_snapshot(engine, org_id=org_id, as_of=as_of, actor=ACTOR)


def due_messages(engine: Engine) -> int:
    """Outbox rows due now (waiting and their time come), plus one when rows are left
    ``sending`` (a dispatcher that died: the next dispatch settles them)."""
    at = now()
    with transaction(engine, actor=ACTOR, read_only=True) as session:
        due = session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(text(WAITING), OutboxMessage.next_attempt_at <= at)
        )
        stranded = session.scalar(select(OutboxMessage.id).where(text(SENDING)).limit(1))
    return int(due or 0) + (stranded is not None)


def dispatch_batch(engine: Engine, *, limit: int = DISPATCH_BATCH) -> DispatchReport:
    """Deliver up to ``limit`` due outbox rows (each claimed by this worker alone)."""
    return dispatch(engine, LiveChannels(Settings()), clock=now, limit=limit)


def upkeep(engine: Engine, *, today: date) -> list[str]:
    """Each organisation's closing KPI snapshot of yesterday and the late-payment
    model's upkeep (retrained when stale), one transaction per organisation; notes."""
    with transaction(engine, actor=ACTOR, read_only=True) as session:
        org_ids = [org.id for org in ledger.organisations(session)]
    notes: list[str] = []
    for org_id in org_ids:
        with transaction(engine, actor=ACTOR) as session:
            daily.take_snapshot(session, org_id=org_id, as_of=today)
            notes += prediction.daily_upkeep(session, org_id=org_id, as_of=today, now=now())
    return notes


def update_rates(engine: Engine, *, today: date) -> list[str]:
    """Download and import the reference rates (all or nothing); what changed. The
    sources are the central banks', or ``RECOUP_RATES_BASE_URL``'s (a mirror), as for
    ``recoup charges rates update``."""
    base_url = os.environ.get("RECOUP_RATES_BASE_URL") or None
    with transaction(engine, actor=ACTOR) as session:
        results = rates_update.update_rates(session, today=today, base_url=base_url)
    return [
        f"{r.table}: up to date" if r.imported is None else f"{r.table}: {r.imported.new} new"
        for r in results
    ]
