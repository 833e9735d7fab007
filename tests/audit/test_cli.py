"""``recoup audit verify`` and ``recoup audit checkpoint`` from the command line, and
the checkpoint the daily run leaves."""

from collections.abc import Callable
from pathlib import Path

from sqlalchemy import text

from recoup.db import make_engine
from tests.cli.conftest import Recoup

CUSTOMERS = "external_id,name,currency\nC1,Alpha GmbH,EUR\nC2,Beta Ltd,GBP\n"
INVOICES = "number,customer,issue_date,due_date,total\nINV-1,C1,2026-05-01,2026-05-31,300.00\n"


def test_without_a_key_verify_warns_and_checkpoints_are_unsigned(
    recoup: Recoup, tmp_path: Path, audit_key: Callable[[str], None]
) -> None:
    audit_key("")
    recoup("init")
    (tmp_path / "c.csv").write_text(CUSTOMERS)
    recoup("import", "customers", str(tmp_path / "c.csv"))
    written = recoup("audit", "checkpoint")
    assert written.exit_code == 0, written.output
    assert "unsigned" in written.stderr
    result = recoup("audit", "verify")
    assert result.exit_code == 0, result.output
    assert "warning: no audit key is configured (RECOUP_AUDIT_KEY)" in result.stderr
    assert "is not signed (no key was configured)" in result.stderr
    assert "3 events verified (0 keyed), 1 checkpoint(s) compared" in result.stdout


def test_keyed_chain_checkpoints_and_the_daily_run(
    recoup: Recoup, tmp_path: Path, database_url: str, audit_key: Callable[[str], None]
) -> None:
    recoup("init")
    (tmp_path / "c.csv").write_text(CUSTOMERS)
    (tmp_path / "i.csv").write_text(INVOICES)
    recoup("import", "customers", str(tmp_path / "c.csv"))
    first = recoup("audit", "checkpoint", "--dir", str(tmp_path / "seals"))
    assert first.stdout.startswith("checkpoint of event 3 written to ")
    recoup("import", "invoices", str(tmp_path / "i.csv"))
    recoup("org", "set", "--email", "ar@acme.example", "--address", "1 Market Street, Leeds")
    recoup("org", "bank", "add", "--currency", "EUR", "--iban", "DE89370400440532013000")
    run = recoup("run", "--as-of", "2026-07-01", "--no-dispatch")
    assert run.exit_code == 0, run.output
    assert "audit checkpoint of event " in run.stdout
    assert len(list((tmp_path / "audit-checkpoints").rglob("*.json"))) == 1
    ok = recoup("audit", "verify")
    assert ok.exit_code == 0, ok.output
    assert ok.stderr == ""
    assert "1 checkpoint(s) compared" in ok.stdout
    assert ok.stdout.splitlines()[-1] == "every reconciled row matches its events"

    with make_engine(database_url).begin() as connection:
        connection.execute(text("UPDATE customers SET name = 'Evil GmbH' WHERE external_id = 'C1'"))
    tampered = recoup("audit", "verify")
    assert tampered.exit_code == 1
    assert "name is 'Evil GmbH' but its events say 'Alpha GmbH'" in tampered.stderr
