"""``recoup worker`` processes killed at random moments and restarted: the day is
planned once and every due message is sent once (a real SMTP server counts them), and
the audit chain verifies. Real processes; the queue on PostgreSQL, the embedded loop on
SQLite. Also: simultaneous ``recoup run`` share or wait for a day's partitions."""

import os
import random
import signal
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from recoup.comms.channels.email import message_id_for
from recoup.comms.models import OutboxMessage
from recoup.db import make_engine, transaction
from recoup.db.migrate import upgrade
from recoup.jobs.models import DailyRun, RunPartition
from tests.jobs import book, portfolio
from tests.mailbox import Mailbox, StartServer, free_port

#: Customers of the PostgreSQL book (each gets one due notice); the stress script
#: ``python -m bench.workers`` runs the same test at 20,000.
CUSTOMERS = int(os.environ.get("RECOUP_WORKERS_CUSTOMERS", "2000"))
CLOCK = datetime(2026, 3, 3, 9, tzinfo=UTC)  # the workers' simulated start


def wait_for(condition: Callable[[], bool], timeout: float = 900) -> None:
    # Generous: rendering is CPU work, and a shared machine may give these processes
    # a fraction of a core; a hang still fails.
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


class Workers:
    """``recoup worker`` processes on one database, started and killed at will."""

    def __init__(self, env: dict[str, str], folder: Path, *options: str) -> None:
        self.env, self.folder, self.options = env, folder, options
        self.started = time.monotonic()
        self.logs: list[Path] = []

    def start(self, *extra: str) -> subprocess.Popen[bytes]:
        # A restarted worker's clock goes on from where the others' are.
        clock = CLOCK + timedelta(seconds=time.monotonic() - self.started)
        log = self.folder / f"worker-{len(self.logs)}.log"
        self.logs.append(log)
        command = [sys.executable, "-c", "from recoup.cli import main; main()", "worker"]
        return subprocess.Popen(
            [*command, "--clock", clock.isoformat(), *self.options, *extra],
            env=self.env,
            cwd=self.folder,
            stdout=subprocess.DEVNULL,
            stderr=log.open("wb"),
        )


def environment(database_url: str, port: int, folder: Path) -> dict[str, str]:
    return os.environ | {
        "RECOUP_DATABASE_URL": database_url,
        "RECOUP_SMTP_URL": f"smtp://127.0.0.1:{port}?from=credit@acme.example",
        "RECOUP_LETTERS_DIR": str(folder / "letters"),
        "RECOUP_SMS_URL": f"file://{folder / 'sms'}",
        "RECOUP_AUDIT_CHECKPOINT_DIR": str(folder / "checkpoints"),
        # The daily rate update asks this server (nothing listens: it fails, is logged
        # and counted, and the worker goes on) instead of the central banks'.
        "RECOUP_RATES_BASE_URL": f"http://127.0.0.1:{free_port()}",
    }


def count(engine: Engine, *conditions: object) -> int:
    with transaction(engine, actor="test", read_only=True) as session:
        return int(
            session.scalar(select(func.count()).select_from(OutboxMessage).where(*conditions))  # type: ignore[arg-type]
            or 0
        )


def settled(engine: Engine) -> bool:
    """The day closed, and no outbox row waiting or being sent."""
    with transaction(engine, actor="test", read_only=True) as session:
        closed = session.scalar(select(DailyRun.closed_at))
    return closed is not None and not count(
        engine, OutboxMessage.status.in_(["pending", "retrying", "sending"])
    )


def check_sent_once(
    engine: Engine, org_id: int, mailbox: Mailbox, customers: int, kills: int
) -> None:
    """Every planned message sent once, or (killed while handing it over) unknown."""
    received = Counter(mailbox.message(i)["Message-ID"] for i in range(len(mailbox.received)))
    assert received, "nothing was sent"
    assert max(received.values()) == 1, "a message was sent twice"
    with transaction(engine, actor="test", read_only=True) as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.org_id == org_id)).all()
        customers_planned = Counter(row.customer_id for row in rows)
        partitions = session.scalars(select(RunPartition)).all()
    statuses = Counter(row.status for row in rows)
    assert len(rows) == customers, statuses  # one due notice each: nothing planned twice
    assert max(customers_planned.values()) == 1
    assert all(p.done_at is not None for p in partitions)
    assert statuses["sent"] + statuses["unknown"] == customers, statuses
    assert statuses["unknown"] <= 2 * kills  # at most what each killed worker was sending
    ids = {row.key: message_id_for(f"{org_id}:{row.key}", "acme.example") for row in rows}
    for row in rows:
        if row.status == "sent":
            assert received[ids[row.key]] == 1, row.key


def verify_audit(env: dict[str, str], folder: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", "from recoup.cli import main; main()", "audit", "verify"],
        env=env,
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
    )
    assert "audit chain intact" in done.stdout, done.stdout + done.stderr
    assert "BROKEN" not in done.stderr


def stop(processes: list[subprocess.Popen[bytes]], logs: list[Path]) -> None:
    """SIGTERM: each finishes its job and exits 0."""
    for process in processes:
        process.send_signal(signal.SIGTERM)
    for process in processes:
        process.wait(timeout=60)
    for process in processes:
        assert process.returncode == 0, "\n".join(log.read_text()[-3000:] for log in logs)
    for log in logs:
        lines = log.read_text().splitlines()
        failed = [i for i, line in enumerate(lines) if "job failed" in line]
        unexpected = [i for i in failed if "update_rates" not in lines[i]]
        # The traceback follows the line: shown, so a rare failure can be diagnosed.
        assert not unexpected, "\n".join(lines[unexpected[0] : unexpected[0] + 60])


def test_three_workers_two_killed_and_restarted_send_each_message_once(
    database_url: str, smtp_server: StartServer, tmp_path: Path
) -> None:
    engine = make_engine(database_url)
    if engine.dialect.name != "postgresql":
        pytest.skip("the queue of several workers is PostgreSQL's (SQLite: the next test)")
    upgrade(engine)
    org_id = book.create(engine, tmp_path / "book", customers=CUSTOMERS)
    mailbox, port = smtp_server(Mailbox())
    env = environment(database_url, port, tmp_path)
    workers = Workers(
        env, tmp_path, "--concurrency", "2", "--partition-size", str(max(CUSTOMERS // 8, 1))
    )
    processes = [workers.start() for _ in range(3)]
    chance = random.Random()

    def done_partitions() -> int:
        with transaction(engine, actor="test", read_only=True) as session:
            return int(
                session.scalar(
                    select(func.count())
                    .select_from(RunPartition)
                    .where(RunPartition.done_at.is_not(None))
                )
                or 0
            )

    # One killed while the day is being planned, one while messages go out.
    wait_for(lambda: done_partitions() >= chance.randint(1, 4))
    time.sleep(chance.uniform(0, 0.5))
    processes[0].kill()
    processes[0].wait()
    processes[0] = workers.start()
    wait_for(lambda: len(mailbox.received) >= chance.randint(CUSTOMERS // 5, CUSTOMERS // 2))
    processes[1].kill()
    processes[1].wait()
    processes[1] = workers.start()

    wait_for(lambda: settled(engine))
    stop(processes, workers.logs)
    check_sent_once(engine, org_id, mailbox, CUSTOMERS, kills=2)
    verify_audit(env, tmp_path)
    engine.dispose()


def test_a_worker_on_sqlite_killed_and_restarted_sends_each_message_once(
    database_url: str, smtp_server: StartServer, tmp_path: Path
) -> None:
    engine = make_engine(database_url)
    if engine.dialect.name != "sqlite":
        pytest.skip("the embedded loop is SQLite's (PostgreSQL: the queue, above)")
    upgrade(engine)
    customers = 60
    org_id = book.create(engine, tmp_path / "book", customers=customers)
    mailbox, port = smtp_server(Mailbox(delay=0.02))
    env = environment(database_url, port, tmp_path)
    metrics = free_port()
    workers = Workers(env, tmp_path, "--partition-size", "25", "--log-format", "json")
    process = workers.start("--metrics-port", str(metrics))
    wait_for(lambda: len(mailbox.received) >= random.randint(5, 30))
    process.kill()
    process.wait()
    process = workers.start("--metrics-port", str(metrics))
    wait_for(lambda: settled(engine))

    health = urllib.request.urlopen(f"http://127.0.0.1:{metrics}/health", timeout=10)
    assert health.status == 200
    scraped = urllib.request.urlopen(f"http://127.0.0.1:{metrics}/metrics", timeout=10)
    text = scraped.read().decode()
    sent = count(engine, OutboxMessage.status == "sent")
    assert f'recoup_outbox_rows{{status="sent"}} {float(sent)}' in text
    assert "recoup_outbox_lag_seconds 0.0" in text
    assert 'recoup_jobs_total{outcome="done",task="dispatch"}' in text

    stop([process], workers.logs)
    assert '"event": "worker stopped"' in workers.logs[-1].read_text()
    check_sent_once(engine, org_id, mailbox, customers, kills=1)
    verify_audit(env, tmp_path)
    engine.dispose()


def test_simultaneous_runs_share_the_partitions_and_plan_each_customer_once(
    database_url: str, tmp_path: Path
) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    customers = 40
    org_id = portfolio.create(engine, customers=customers)
    env = os.environ | {
        "RECOUP_DATABASE_URL": database_url,
        "RECOUP_LETTERS_DIR": str(tmp_path / "letters"),
        "RECOUP_SMTP_URL": f"file://{tmp_path / 'mail'}",
        "RECOUP_SMS_URL": f"file://{tmp_path / 'sms'}",
    }
    command = [sys.executable, "-c", "from recoup.cli import main; main()", "run"]
    options = ["--as-of", "2026-03-03", "--no-dispatch", "--partition-size", "5"]
    processes = [
        subprocess.Popen(
            [*command, *options],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    results = [process.communicate(timeout=300) for process in processes]
    for process, (_, err) in zip(processes, results, strict=True):
        assert process.returncode == 0, err.decode()
        assert b"Traceback" not in err
    planned = [int(out.split(b"(")[1].split(b" ")[0]) for out, _ in results]
    assert sum(planned) == customers, results  # shared, or one waited and planned nothing
    with transaction(engine, actor="test", read_only=True) as session:
        keys = session.scalars(
            select(OutboxMessage.customer_id).where(OutboxMessage.org_id == org_id)
        ).all()
        partitions = session.scalars(select(RunPartition)).all()
    assert sorted(Counter(keys).values()) == [1] * customers
    assert len(partitions) == 8
    assert all(p.done_at is not None for p in partitions)
    engine.dispose()
