"""``recoup worker``: the daily runs, the dispatcher and the periodic jobs, continuously;
``recoup worker schedule``: when an organisation's day runs."""

import logging
import os
import signal
import socket
import threading
from datetime import UTC, datetime, time
from enum import StrEnum
from types import FrameType
from typing import Annotated

import typer

from recoup.cli.app import engine, fail, unit_of_work
from recoup.errors import InvalidInput, RecoupError
from recoup.jobs import embedded, operations, partitions, queue, tasks
from recoup.jobs import schedule as schedules

app = typer.Typer(
    help="Run the daily runs, the dispatcher and the periodic jobs continuously.",
    invoke_without_command=True,
)
log = logging.getLogger("recoup.worker")


class LogFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


@app.callback()
def worker(
    context: typer.Context,
    concurrency: Annotated[
        int, typer.Option("--concurrency", min=1, help="jobs run at once (PostgreSQL)")
    ] = 1,
    log_format: Annotated[LogFormat, typer.Option("--log-format")] = LogFormat.TEXT,
    metrics_port: Annotated[
        int | None,
        typer.Option("--metrics-port", help="serve /metrics and /health on 127.0.0.1:PORT"),
    ] = None,
    partition_size: Annotated[
        int, typer.Option("--partition-size", min=1, help="customers planned per transaction")
    ] = partitions.DEFAULT_SIZE,
    clock: Annotated[
        str | None,
        typer.Option(
            "--clock",
            help="start the worker's time at this ISO date-time (rehearse a day)",
            hidden=True,
        ),
    ] = None,
) -> None:
    """Work until stopped (SIGTERM or Ctrl-C finish the job under way first).

    On PostgreSQL the work is a queue of jobs in the database, shared by every
    `recoup worker` on any machine; on SQLite one worker does it all in one process.
    """
    if context.invoked_subcommand is not None:
        return
    operations.configure_logging(log_format.value)
    if clock is not None:
        try:
            tasks.set_clock(datetime.fromisoformat(clock).astimezone(UTC))
        except ValueError:
            fail(InvalidInput(f"{clock!r} is not an ISO date-time", field="clock"))
    db = engine()
    metrics = operations.Metrics(db)
    server = operations.serve(metrics, db, metrics_port) if metrics_port is not None else None
    name = f"{socket.gethostname()}:{os.getpid()}"
    log.info(
        "worker started",
        extra={"database": db.dialect.name, "concurrency": concurrency, "metrics": metrics_port},
    )
    try:
        if db.dialect.name == "postgresql":
            queue.run(db, metrics, concurrency=concurrency, size=partition_size, name=name)
        else:
            stop = threading.Event()

            def stop_gracefully(signum: int, frame: FrameType | None) -> None:
                metrics.stopping = True
                log.info("stopping", extra={"signal": signal.Signals(signum).name})
                stop.set()

            signal.signal(signal.SIGTERM, stop_gracefully)
            signal.signal(signal.SIGINT, stop_gracefully)
            embedded.run(db, metrics, size=partition_size, stop=stop)
    finally:
        metrics.stopping = True
        if server is not None:
            server.shutdown()
        log.info("worker stopped")


@app.command("schedule")
def schedule(
    at: Annotated[str, typer.Option("--at", help="local time of day, HH:MM")],
    timezone: Annotated[str, typer.Option("--timezone", help="e.g. Europe/London")] = "UTC",
    org: Annotated[str | None, typer.Option("--org")] = None,
) -> None:
    """When `recoup worker` runs the organisation's day (default 06:00 UTC)."""
    try:
        run_at = time.fromisoformat(at)
    except ValueError:
        fail(InvalidInput(f"{at!r} is not a time of day (HH:MM)", field="at"))
    try:
        with unit_of_work(org) as (session, organisation):
            schedules.set_schedule(
                session, org_id=organisation.id, run_at=run_at, timezone=timezone
            )
            slug = organisation.slug
    except RecoupError as error:
        fail(error)
    typer.echo(f"{slug}: the daily run starts at {run_at:%H:%M} {timezone}")
