"""Workers at scale on PostgreSQL: dispatch and the next day's run with 1 and 2 worker
processes, and the web pages while a run is under way.

``python -m bench.workers --template recoup_1m_tpl`` works on copies of a database
already through its first daily run (``make bench`` builds one: ``recoup_bench``); each
measurement gets a fresh copy, dropped afterwards. Printed: seconds and rate for 1 and
2 workers and their ratio (2 workers should dispatch at least 1.7× as fast as one);
the next-day run against the bare read of every open invoice (``bench.steps.BARE_READ``);
then a third run with 2 workers while the dashboard and the worklist are requested over
and over: their slowest answer, 95th percentile and median, against the same pages on an
idle database (they must stay under 1 s: no lock is held across the run). The cases
phase and the close run in worker processes, as ``recoup worker`` runs them; the
processes are started, and ready, before the clock starts, as ``recoup worker`` runs
before the day is due.

``python -m bench.workers --stress 20000`` runs the concurrency test
(``tests/jobs/test_workers.py``: three workers, two killed and restarted) on a book of
that many customers instead of the test suite's 2,000.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import make_url, text

from bench import steps
from recoup.db import make_engine, transaction
from recoup.db.migrate import upgrade
from recoup.jobs import partitions
from recoup.ledger import service as ledger
from recoup.policy.service import available_policies

PAGES = ("/", "/worklist")


def copy_database(template: str, name: str) -> str:
    """A fresh copy of ``template`` (migrated to the newest schema); its URL."""
    base = make_url(os.environ["RECOUP_TEST_DATABASE_URL"])
    admin = base.set(drivername="postgresql", database="postgres").render_as_string(False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
    url = base.set(database=name).render_as_string(False)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


def drop_database(name: str) -> None:
    base = make_url(os.environ["RECOUP_TEST_DATABASE_URL"])
    admin = base.set(drivername="postgresql", database="postgres").render_as_string(False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def together(commands: list[list[str]]) -> float:
    """Run ``commands`` at the same time; the wall-clock seconds until the last ends."""
    start = time.perf_counter()
    processes = [
        subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for c in commands
    ]
    for process in processes:
        _, err = process.communicate()
        if process.returncode:
            sys.exit(f"{' '.join(process.args)} failed:\n{err}")  # type: ignore[arg-type]
    return time.perf_counter() - start


def dispatch(url: str, workers: int, per_worker: int) -> float:
    """Messages per second delivered by ``workers`` processes (each claims its own rows
    and renders, prints and sends them to its own local SMTP sink)."""
    command = [sys.executable, "-m", "bench.steps", "dispatch", url, str(per_worker)]
    seconds = together([command] * workers)
    return workers * per_worker / seconds


def serve(url: str, org_id: int, as_of: str, size: int) -> None:
    """One worker of the next day's run, started before the day as ``recoup worker`` is
    (its imports, policies and connection ready): it says ``ready``, then does what the
    bench's lines on its input say — ``start``: the cases phase, which lays the day out
    (its seconds are printed); ``go``: every partition it can claim, then the close."""
    engine = make_engine(url)
    policies = available_policies()
    day = datetime.fromisoformat(as_of).date()
    now = datetime.combine(day, steps.RUN_AT.timetz())
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    print("ready", flush=True)
    for line in sys.stdin:
        if line.strip() == "start":
            began = time.perf_counter()
            partitions.start_day(
                engine, org_id=org_id, as_of=day, now=now, policies=policies, size=size
            )
            print(time.perf_counter() - began, flush=True)
        elif line.strip() == "go":
            # One worker takes yesterday's KPI snapshot (the others skip it), as the
            # queue's ``take_snapshot`` job, then every partition it can claim.
            partitions.take_snapshot(engine, org_id=org_id, as_of=day)
            for partition_id in partitions.pending(engine, org_id=org_id, as_of=day):
                partitions.run_partition(
                    engine, partition_id=partition_id, now=now, policies=policies
                )
            # The last worker done closes the day, as `recoup worker` does.
            partitions.close(engine, org_id=org_id, as_of=day, now=now)
            break
    engine.dispose()


def next_day(url: str, workers: int, size: int, during: Any = None) -> dict[str, Any]:
    """The next day's run by ``workers`` processes: the cases phase, the partitions
    shared, the close; its seconds and what it planned."""
    engine = make_engine(url)
    with transaction(engine, actor="bench") as session:
        org_id = ledger.resolve_organisation(session, slug="bench").id
    # The copy was just written: one bare read first, so that every measurement (the
    # first one included) starts from the same warm cache.
    with engine.connect() as connection:
        connection.execute(text(steps.BARE_READ), {"org": org_id}).all()
    day = steps.NEXT_DAY
    # The workers are started first and the clock when they are ready, as `recoup worker`
    # processes run before the day's run is due (a process's start, its imports, took
    # 1.5-2 s of each run when the bench started them on the clock). The cases phase runs
    # in the first of them, as a worker runs it (in the bench's process it would hold the
    # pages' thread); its own seconds are printed.
    command = [sys.executable, "-m", "bench.workers", "--serve", url, str(org_id)]
    processes = [
        subprocess.Popen(
            [*command, day.isoformat(), str(size)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        for _ in range(workers)
    ]  # fmt: skip
    for process in processes:
        if process.stdout is None or process.stdout.readline().strip() != "ready":
            sys.exit("a worker of the next day's run did not start")
    start = time.perf_counter()
    if during is not None:  # the pages from the run's first step (the cases phase) on
        during.start()
    first = processes[0]
    assert first.stdin is not None
    assert first.stdout is not None
    first.stdin.write("start\n")
    first.stdin.flush()
    cases = float(first.stdout.readline())
    for process in processes:
        assert process.stdin is not None
        process.stdin.write("go\n")
        process.stdin.close()
    for process in processes:
        if process.wait():
            sys.exit(f"a worker of the next day's run failed ({process.returncode})")
    seconds = time.perf_counter() - start
    if during is not None:  # the run is over: not during the bare reads below
        during.stop.set()
        during.join()
    with transaction(engine, actor="bench", read_only=True) as session:
        planned = session.scalar(
            text("SELECT coalesce(sum(planned), 0) FROM run_partitions WHERE as_of = :d"),
            {"d": day},
        )
        count = session.scalar(
            text("SELECT count(*) FROM run_partitions WHERE as_of = :d"), {"d": day}
        )
        each = session.scalar(  # a partition's own seconds, in its transaction
            text("SELECT avg(seconds) FROM run_partitions WHERE as_of = :d"), {"d": day}
        )
    with engine.connect() as connection:
        reference = min(
            _timed(lambda: connection.execute(text(steps.BARE_READ), {"org": org_id}).all())
            for _ in range(3)
        )
    engine.dispose()
    return {
        "seconds": seconds,
        "planned": int(planned or 0),
        "partitions": int(count or 0),
        "cases_phase": cases,
        "partition_mean": float(each or 0),
        "reference": reference,
    }


def _spread(seconds: list[float]) -> dict[str, float]:
    """The slowest, the 95th percentile and the median of ``seconds``."""
    ordered = sorted(seconds) or [0.0]
    return {
        "slowest": ordered[-1],
        "p95": ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))],
        "median": statistics.median(ordered),
    }


def _timed(fn: Any) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


class PageWatch(threading.Thread):
    """The web pages requested over and over while something runs: every answer's
    seconds, per page (the slowest, the 95th percentile and the median are reported)."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        from fastapi.testclient import TestClient

        from recoup.auth import service as auth
        from recoup.web.app import create_app

        engine = make_engine(url)
        with transaction(engine, actor="bench") as session:
            org_id = ledger.resolve_organisation(session, slug="bench").id
            email, password = "workers@recoup.example", "bench-password-1234"
            if not any(u.email == email for u in auth.list_users(session, org_id=org_id)):
                auth.create_user(
                    session, org_id=org_id, email=email, password=password, role="admin"
                )
        self.client = TestClient(
            create_app(engine=engine, clock=lambda: steps.NEXT_DAY, migrate=False)
        )
        login = self.client.get("/login").text
        token = login.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        self.client.post("/login", data={"email": email, "password": password, "csrf_token": token})
        self.stop = threading.Event()
        self.seconds: dict[str, list[float]] = {page: [] for page in PAGES}
        self.requests = 0

    def once(self) -> dict[str, float]:
        """Each page once; its seconds."""
        times = {}
        for page in PAGES:
            start = time.perf_counter()
            response = self.client.get(page)
            times[page] = time.perf_counter() - start
            if response.status_code != 200:
                raise RuntimeError(f"{page}: HTTP {response.status_code}")
        return times

    def run(self) -> None:
        while not self.stop.is_set():
            for page, seconds in self.once().items():
                self.seconds[page].append(seconds)
            self.requests += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--template", default="recoup_bench")
    parser.add_argument("--dispatch", type=int, default=400, help="messages per worker")
    parser.add_argument("--partition-size", type=int, default=partitions.DEFAULT_SIZE)
    parser.add_argument("--stress", type=int, help="run the concurrency test at this size")
    parser.add_argument("--skip-dispatch", action="store_true", help="the next-day run only")
    parser.add_argument(
        "--database", default="recoup_workers_bench", help="name of the copies (dropped after)"
    )
    parser.add_argument("--serve", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        url, org_id, as_of, size = args.serve
        serve(url, int(org_id), as_of, int(size))
        return
    if args.stress:
        env = os.environ | {"RECOUP_WORKERS_CUSTOMERS": str(args.stress)}
        test = (
            "tests/jobs/test_workers.py::"
            "test_three_workers_two_killed_and_restarted_send_each_message_once"
        )
        sys.exit(
            subprocess.call(
                [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test], env=env
            )
        )
    results: dict[str, Any] = {}
    name = args.database
    lines = [f"Workers on PostgreSQL, copies of {args.template}, {os.cpu_count()} cores"]
    try:
        if not args.skip_dispatch:
            url = copy_database(args.template, name)
            one = dispatch(url, 1, args.dispatch)
            two = dispatch(url, 2, args.dispatch)
            results["dispatch"] = {"1": one, "2": two}
            lines.append(
                f"dispatch: 1 worker {one:.1f} msg/s, 2 workers {two:.1f} msg/s, "
                f"ratio {two / one:.2f}x (target 1.7x)"
            )
            print(lines[-1], flush=True)
        # 1 and 2 workers alone, then 2 again with the pages requested over and over
        # (their client takes a core's share of its own: its run is not compared).
        for workers, watched in ((1, False), (2, False), (2, True)):
            url = copy_database(args.template, name)
            watch = PageWatch(url) if watched else None
            idle = watch.once() if watch else {}
            run = next_day(url, workers, args.partition_size, during=watch)
            results[f"next_day_{workers}{'_watched' if watched else ''}"] = run
            lines.append(
                f"next day, {workers} worker{'s' if workers > 1 else ''}"
                f"{', pages watched' if watched else ''}: {run['seconds']:.1f} s, "
                f"{run['planned']:,} planned in {run['partitions']} partitions; bare read "
                f"{run['reference']:.2f} s, ratio {run['seconds'] / run['reference']:.1f}x; "
                f"cases phase {run['cases_phase']:.1f} s, a partition {run['partition_mean']:.2f} s"
            )
            print(lines[-1], flush=True)
            if watch:
                spread = {page: _spread(watch.seconds[page]) for page in PAGES}
                results["web_during_run"] = {"idle": idle, **spread}
                pages = "; ".join(
                    f"{p} slowest {spread[p]['slowest']:.2f} s, 95% under {spread[p]['p95']:.2f}"
                    f" s, median {spread[p]['median']:.2f} s (idle {idle[p]:.2f} s)"
                    for p in PAGES
                )
                lines.append(f"web during the run ({watch.requests} rounds): {pages}")
                print(lines[-1], flush=True)
        if "next_day_1" in results:
            ratio = results["next_day_1"]["seconds"] / results["next_day_2"]["seconds"]
            lines.append(f"next day: 2 workers {ratio:.2f}x as fast as 1")
            print(lines[-1], flush=True)
    finally:
        drop_database(name)
    out = Path(__file__).parent / "out"
    out.mkdir(exist_ok=True)
    (out / "workers.txt").write_text("\n".join(lines) + "\n")
    (out / "workers.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
