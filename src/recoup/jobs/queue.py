"""``recoup worker`` on PostgreSQL: the work as jobs of a procrastinate queue.

The queue lives in the same database, in its own schema ``procrastinate`` (created by
the first worker that starts), so there is no broker to run and any number of workers,
on one machine or several, share the jobs: each job is taken by one worker.

- ``tick`` (periodic, every ``TICK`` seconds, deferred once per tick whatever the
  number of workers): puts back the jobs of workers that died (no heartbeat), starts
  each organisation's day when its time has come (``start_day``), and asks for as many
  ``dispatch`` jobs as the due outbox rows need (at most ``DISPATCH_SLOTS`` waiting).
- ``start_day``: the cases phase (once), then a ``take_snapshot`` job and one
  ``plan_partition`` job per partition left. A job per partition is queued at most
  once at a time (``queueing_lock``); a job whose partition another worker holds, or
  has done, does nothing.
- ``take_snapshot``: yesterday's closing KPI snapshot, taken by one worker while the
  others plan partitions (the close takes it when no worker has).
- ``plan_partition``: one partition, then the day's close if it was the last.
- ``dispatch``: up to ``DISPATCH_BATCH`` rows, each claimed ``FOR UPDATE SKIP LOCKED``;
  when rows are still due it queues itself again. A retry waits its backoff on the row
  (``next_attempt_at``) and is picked up by the tick that follows.
- ``upkeep`` (daily, 02:15 UTC): KPI snapshots and the late-payment model's upkeep;
  ``update_rates`` (daily, 05:30 UTC): the reference rates.

A worker stopped with SIGTERM (or SIGINT) takes no new job and finishes those it runs;
one killed outright leaves its jobs "doing": the next tick after its heartbeat stops
puts them back in the queue, and what it was writing was rolled back with its
connection.
"""

import asyncio
import logging
import math
import re
from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

import procrastinate
import psycopg
from procrastinate import exceptions as queue_errors
from sqlalchemy import Engine, make_url

from recoup.jobs import tasks
from recoup.jobs.operations import Metrics

log = logging.getLogger("recoup.worker")
T = TypeVar("T")

SCHEMA = "procrastinate"
TICK = 10  # seconds between ticks
DISPATCH_SLOTS = 16  # dispatch jobs waiting at most (a worker takes one at a time per slot)
STALLED_AFTER = 30  # seconds without a worker's heartbeat before its jobs are put back

jobs = procrastinate.Blueprint()


class _State:
    """What the jobs of this process work with (set by ``run``)."""

    engine: Engine
    metrics: Metrics
    size: int
    app: procrastinate.App


state = _State()


def conninfo(engine: Engine) -> str:
    """The libpq connection string of ``engine``'s database."""
    url = make_url(engine.url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def queue_schema(engine: Engine) -> str:
    """Where the queue's tables are: schema ``procrastinate``, or the schema the
    database URL names (``?options=-csearch_path=NAME``: one schema per installation)."""
    options = str(make_url(engine.url).query.get("options", ""))
    match = re.search(r"search_path\s*=\s*([A-Za-z_][A-Za-z0-9_]*)", options)
    return match.group(1) if match else SCHEMA


def _job(task: str, body: Callable[[], T]) -> T:
    return state.metrics.run(task, body)


def _defer(task: Any, lock: str, **kwargs: Any) -> bool:
    """Queue ``task`` unless a job with ``lock`` already waits; whether it was queued."""
    try:
        task.configure(queueing_lock=lock).defer(**kwargs)
    except queue_errors.AlreadyEnqueued:
        return False
    return True


@jobs.periodic(cron=f"* * * * * */{TICK}", periodic_id="tick")  # seconds last
@jobs.task(name="tick", queueing_lock="tick", pass_context=False)
async def tick(timestamp: int) -> None:
    """Put back stalled jobs; start due days; ask for dispatch jobs."""
    manager = state.app.job_manager
    for job in await manager.get_stalled_jobs(seconds_since_heartbeat=STALLED_AFTER):
        log.warning("job of a dead worker put back", extra={"job": job.id, "task": job.task_name})
        await manager.retry_job(job)
    await asyncio.to_thread(_tick)


def _tick() -> None:
    for org_id, day in tasks.due_days(state.engine):
        _defer(start_day, f"day:{org_id}:{day}", org_id=org_id, as_of=day.isoformat())
    due = tasks.due_messages(state.engine)
    for slot in range(min(math.ceil(due / tasks.DISPATCH_BATCH), DISPATCH_SLOTS)):
        _defer(dispatch, f"dispatch:{slot}", slot=slot)


@jobs.task(name="start_day", pass_context=False)
def start_day(org_id: int, as_of: str) -> None:
    """The organisation's day: the cases phase, then a job per partition left."""
    day = date.fromisoformat(as_of)
    pending = _job(
        "start_day",
        lambda: tasks.start_day(state.engine, org_id=org_id, as_of=day, size=state.size),
    )
    if pending:
        _defer(take_snapshot, f"snapshot:{org_id}:{day}", org_id=org_id, as_of=as_of)
    for partition_id in pending:
        _defer(plan_partition, f"partition:{partition_id}", partition_id=partition_id)


@jobs.task(name="take_snapshot", pass_context=False)
def take_snapshot(org_id: int, as_of: str) -> None:
    """Yesterday's closing KPI snapshot of a day, beside its partitions."""
    day = date.fromisoformat(as_of)
    _job("take_snapshot", lambda: tasks.take_snapshot(state.engine, org_id=org_id, as_of=day))


@jobs.task(name="plan_partition", pass_context=False)
def plan_partition(partition_id: int) -> None:
    """One partition of a day."""
    planned = _job(
        "plan_partition", lambda: tasks.plan_partition(state.engine, partition_id=partition_id)
    )
    if planned is not None:
        log.info("partition planned", extra={"partition": partition_id, "planned": planned})


@jobs.task(name="dispatch", pass_context=False)
def dispatch(slot: int) -> None:
    """Deliver a batch of due outbox rows; queue again while rows are due."""
    report = _job("dispatch", lambda: tasks.dispatch_batch(state.engine))
    handled = report.sent + report.applied + report.retrying + report.failed
    if handled:
        log.info(
            "dispatched",
            extra={
                "sent": report.sent,
                "applied": report.applied,
                "retrying": report.retrying,
                "failed": report.failed,
                "unknown": report.unknown,
            },
        )
    if handled >= tasks.DISPATCH_BATCH:
        _defer(dispatch, f"dispatch:{slot}", slot=slot)


@jobs.periodic(cron="15 2 * * *", periodic_id="upkeep")
@jobs.task(name="upkeep", queueing_lock="upkeep", pass_context=False)
def upkeep(timestamp: int) -> None:
    """KPI snapshots of yesterday and the late-payment model's upkeep."""
    _job("upkeep", lambda: tasks.upkeep(state.engine, today=tasks.now().date()))


@jobs.periodic(cron="30 5 * * *", periodic_id="update_rates")
@jobs.task(name="update_rates", queueing_lock="update_rates", pass_context=False)
def update_rates(timestamp: int) -> None:
    """The reference rates from the central banks."""
    _job("update_rates", lambda: tasks.update_rates(state.engine, today=tasks.now().date()))


def install_schema(engine: Engine, app: procrastinate.App) -> None:
    """Create the queue's tables in schema ``procrastinate`` unless they exist (one
    worker at a time: the first to start creates them)."""
    schema = queue_schema(engine)
    with psycopg.connect(conninfo(engine), autocommit=True) as connection:
        connection.execute("SELECT pg_advisory_lock(hashtext('recoup.queue.schema'))")
        try:
            connection.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
            found = connection.execute(
                f"SELECT to_regclass('{schema}.procrastinate_jobs')"
            ).fetchone()
            if found is None or found[0] is None:
                connection.execute(f"SET search_path = {schema}")
                connection.execute(app.schema_manager.get_schema())
        finally:
            connection.execute("SELECT pg_advisory_unlock(hashtext('recoup.queue.schema'))")


def make_app(engine: Engine) -> procrastinate.App:
    """The queue of ``engine``'s database, with Recoup's jobs."""
    connector = procrastinate.PsycopgConnector(
        conninfo=conninfo(engine), kwargs={"options": f"-c search_path={queue_schema(engine)}"}
    )
    app = procrastinate.App(connector=connector)
    app.add_tasks_from(jobs, namespace="recoup")
    return app


def run(engine: Engine, metrics: Metrics, *, concurrency: int, size: int, name: str) -> None:
    """Work until SIGTERM/SIGINT: take jobs, ``concurrency`` at a time."""
    app = make_app(engine)
    install_schema(engine, app)
    state.engine, state.metrics, state.size, state.app = engine, metrics, size, app
    with app.open():
        app.run_worker(
            concurrency=concurrency,
            name=name,
            delete_jobs="successful",
            update_heartbeat_interval=5,
            stalled_worker_timeout=STALLED_AFTER,
            fetch_job_polling_interval=2,
        )
