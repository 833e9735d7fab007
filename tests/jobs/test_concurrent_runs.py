"""Three ``recoup run`` started at the same moment on one organisation: one plans the
day, the others wait for it and then find nothing new to plan — nobody dies with a
traceback, nothing is planned twice (real processes, on both databases)."""

import functools
import importlib
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from typer.testing import CliRunner

from recoup.cli import app as cli
from recoup.comms.models import OutboxMessage
from recoup.db import make_engine, transaction
from recoup.db.migrate import upgrade
from recoup.jobs import daily
from tests.jobs import portfolio

cli_app = importlib.import_module("recoup.cli.app")  # the module that opens the database
CUSTOMERS = 40  # each gets one due notice on 3 March
RUNS = 3


def test_simultaneous_runs_wait_for_each_other(database_url: str, tmp_path: Path) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    org_id = portfolio.create(engine, customers=CUSTOMERS)
    env = os.environ | {
        "RECOUP_DATABASE_URL": database_url,
        "RECOUP_LETTERS_DIR": str(tmp_path / "letters"),
        "RECOUP_SMTP_URL": f"file://{tmp_path / 'mail'}",
        "RECOUP_SMS_URL": f"file://{tmp_path / 'sms'}",
    }
    command = [
        sys.executable,
        "-c",
        "from recoup.cli import main; main()",
        "run",
        "--as-of",
        "2026-03-03",
        "--no-dispatch",
    ]
    processes = [
        subprocess.Popen(
            command, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(RUNS)
    ]
    results = [process.communicate(timeout=300) for process in processes]
    for process, (_, err) in zip(processes, results, strict=True):
        assert process.returncode == 0, err.decode()
        assert b"Traceback" not in err
    planned = sorted(int(out.split(b"(")[1].split(b" ")[0]) for out, _ in results)
    assert planned == [0] * (RUNS - 1) + [CUSTOMERS], results
    with transaction(engine, actor="test") as session:
        rows = session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.org_id == org_id)
        )
    assert rows == CUSTOMERS
    engine.dispose()


def test_a_run_that_waits_too_long_says_another_run_is_in_progress(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    org_id = portfolio.create(engine, customers=1)
    monkeypatch.setenv("RECOUP_DATABASE_URL", database_url)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(daily, "RUN_LOCK_WAIT", timedelta(milliseconds=300))
    monkeypatch.setattr(
        cli_app, "make_engine", functools.partial(cli_app.make_engine, busy_timeout=0.3)
    )
    with transaction(engine, actor="test") as other_run:
        daily.lock_run(other_run, org_id=org_id)  # a run under way (SQLite: the write lock)
        if engine.dialect.name == "sqlite":
            other_run.execute(text("UPDATE organisations SET name = name"))
        result = CliRunner().invoke(cli, ["run", "--as-of", "2026-03-03", "--no-dispatch"])
    assert result.exit_code == 1, result.output
    assert "error: another run is in progress" in result.stderr
    assert "Traceback" not in result.output
    engine.dispose()
