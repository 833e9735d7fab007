"""Killing a real ``recoup run`` at any point and running it again sends nothing twice
and loses nothing: every planned email is delivered once, or (if the process died while
handing it over) marked unknown with a task for a person, and never resent."""

import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select

from recoup.cases.models import Task
from recoup.comms.channels.email import message_id_for
from recoup.comms.models import OutboxMessage
from recoup.db import make_engine, transaction
from recoup.db.migrate import upgrade
from tests.jobs import portfolio
from tests.mailbox import Mailbox, StartServer

CUSTOMERS = 14  # each gets one due notice on 3 March


def wait_for(condition: Callable[[], bool], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_kill_and_rerun_sends_nothing_twice(
    database_url: str, smtp_server: StartServer, tmp_path: Path
) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    org_id = portfolio.create(engine, customers=CUSTOMERS)
    mailbox, port = smtp_server(Mailbox(delay=0.1))
    env = os.environ | {
        "RECOUP_DATABASE_URL": database_url,
        "RECOUP_SMTP_URL": f"smtp://127.0.0.1:{port}?from=credit@acme.example",
        "RECOUP_LETTERS_DIR": str(tmp_path / "letters"),
        "RECOUP_SMS_URL": f"file://{tmp_path / 'sms'}",
    }
    command = [
        sys.executable,
        "-c",
        "from recoup.cli import main; main()",
        "run",
        "--as-of",
        "2026-03-03",
    ]

    def start() -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            command, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )

    def kill(when: Callable[[], bool]) -> None:
        process = start()
        wait_for(lambda: when() or process.poll() is not None)
        process.kill()
        process.wait()

    # Killed at three points: while starting or planning, then twice mid-dispatch.
    started = time.monotonic()
    kill(lambda: time.monotonic() - started > 0.8)
    kill(lambda: len(mailbox.received) >= 3)
    kill(lambda: len(mailbox.received) >= 8)
    final = start()
    _, err = final.communicate(timeout=300)
    assert final.returncode == 0, err.decode()

    received = Counter(mailbox.message(i)["Message-ID"] for i in range(len(mailbox.received)))
    assert max(received.values()) == 1, "a message was sent twice"
    with transaction(engine, actor="test") as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.org_id == org_id)).all()
        statuses = Counter(row.status for row in rows)
        assert len(rows) == CUSTOMERS
        assert statuses["sent"] + statuses["unknown"] == CUSTOMERS, statuses
        ids = {row.key: message_id_for(f"{org_id}:{row.key}", "acme.example") for row in rows}
        for row in rows:
            if row.status == "sent":
                assert received[ids[row.key]] == 1
        # Only what a killed process was handing over is in doubt, and a person is told.
        assert statuses["unknown"] <= 3  # at most one per kill
        tasks = session.scalars(select(Task).where(Task.kind == "delivery")).all()
        assert len(tasks) == statuses["unknown"]
    assert len(received) >= statuses["sent"]
    engine.dispose()
