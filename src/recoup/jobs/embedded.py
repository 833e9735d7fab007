"""``recoup worker`` on SQLite: the same jobs in one process, no queue server.

A loop wakes every ``TICK`` seconds and does, in order: each organisation's day when
its time has come (the cases phase, then every partition, then the close), the due
outbox rows in batches (so a retry goes out once its backoff has passed), and the daily
upkeep and rate update once a day after their hour (UTC). SQLite has one writer at a
time, so one process is all it can use; a second worker on the same file only waits
for the first (every step stays safe to repeat).

SIGTERM or SIGINT sets ``stop``: the step under way finishes, then the loop ends.
"""

import functools
import logging
import threading
from collections.abc import Callable
from datetime import date, time
from typing import TypeVar

from sqlalchemy import Engine

from recoup.jobs import tasks
from recoup.jobs.operations import Metrics

log = logging.getLogger("recoup.worker")
T = TypeVar("T")

TICK = 5.0
UPKEEP_AT = time(2, 15)
RATES_AT = time(5, 30)


def run(engine: Engine, metrics: Metrics, *, size: int, stop: threading.Event) -> None:
    """Work until ``stop`` is set."""
    done: dict[str, date] = {}  # periodic job → the UTC day it last ran
    while not stop.is_set():
        step(engine, metrics, size=size, stop=stop, done=done)
        stop.wait(TICK)


def step(
    engine: Engine, metrics: Metrics, *, size: int, stop: threading.Event, done: dict[str, date]
) -> None:
    """One pass of the loop (each job failure is logged and counted, never fatal)."""
    now = tasks.now()
    for org_id, day in tasks.due_days(engine):
        pending = _attempt(
            metrics,
            "start_day",
            functools.partial(tasks.start_day, engine, org_id=org_id, as_of=day, size=size),
        )
        if pending:  # as the queue's jobs, one after the other (one writer at a time)
            _attempt(
                metrics,
                "take_snapshot",
                functools.partial(tasks.take_snapshot, engine, org_id=org_id, as_of=day),
            )
        for partition_id in pending or []:
            if stop.is_set():
                return
            _attempt(
                metrics,
                "plan_partition",
                functools.partial(tasks.plan_partition, engine, partition_id=partition_id),
            )
    while not stop.is_set() and tasks.due_messages(engine):
        report = _attempt(metrics, "dispatch", lambda: tasks.dispatch_batch(engine))
        handled = report and report.sent + report.applied + report.retrying + report.failed
        if not handled:
            break  # nothing to deliver now (what is left is settled or not due)
    today = now.date()
    if now.time() >= UPKEEP_AT and done.get("upkeep") != today:
        done["upkeep"] = today
        _attempt(metrics, "upkeep", lambda: tasks.upkeep(engine, today=today))
    if now.time() >= RATES_AT and done.get("update_rates") != today:
        done["update_rates"] = today
        _attempt(metrics, "update_rates", lambda: tasks.update_rates(engine, today=today))


def _attempt(metrics: Metrics, task: str, body: Callable[[], T]) -> T | None:
    try:
        return metrics.run(task, body)
    except Exception:  # logged and counted by ``metrics.run``; the loop goes on
        return None
