"""The command line: exit codes, messages on stderr, and nothing written on failure."""

import json
import sys
from pathlib import Path

import pytest

from recoup.cli import main
from tests.cli.conftest import Recoup

CUSTOMERS = "external_id,name,currency\nC1,Alpha GmbH,EUR\nC2,Beta Ltd,GBP\n"
# As of 2026-07-01: INV-1 is 31 days past due, INV-2 2 days, INV-3 not yet due.
INVOICES = (
    "number,customer,issue_date,due_date,total\n"
    "INV-1,C1,2026-05-01,2026-05-31,300.00\n"
    "INV-2,C2,2026-06-01,2026-06-29,200.00\n"
    "INV-3,C1,2026-06-10,2026-07-10,50.00\n"
)


def write(tmp: Path, name: str, text: str) -> str:
    path = tmp / name
    path.write_text(text)
    return str(path)


def test_init_then_init_again(recoup: Recoup) -> None:
    first = recoup("init", "--org", "acme", "--name", "Acme Ltd")
    assert first.exit_code == 0, first.output
    assert "organisation 'acme' created" in first.stdout
    second = recoup("init", "--org", "acme")  # brings the database up to date, no more
    assert second.exit_code == 0, second.output
    assert second.stdout == "database up to date; organisation 'acme' exists (`recoup org show`)\n"


def test_commands_need_an_organisation(recoup: Recoup) -> None:
    result = recoup("report", "aging")
    assert result.exit_code == 1
    assert "no organisation yet: run `recoup init`" in result.stderr


def test_a_command_in_a_folder_without_the_database_says_so_and_makes_none(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # The default database is ./recoup.db: a command run elsewhere must not start an
    # empty one there and report "no organisation yet".
    from typer.testing import CliRunner

    from recoup.cli.app import app

    monkeypatch.delenv("RECOUP_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["report", "aging"])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: no database at {tmp_path.resolve() / 'recoup.db'}")
    assert "run `recoup init`" in result.stderr
    assert not (tmp_path / "recoup.db").exists()
    made = CliRunner().invoke(app, ["init", "--org", "acme", "--name", "Acme Ltd"])
    assert made.exit_code == 0, made.output
    assert (tmp_path / "recoup.db").exists()


def test_bad_file_lists_every_problem_and_writes_nothing(recoup: Recoup, tmp_path: Path) -> None:
    recoup("init")
    recoup("import", "customers", write(tmp_path, "c.csv", CUSTOMERS))
    bad = INVOICES.replace("INV-2,C2", "INV-2,C9").replace("300.00", "-3")
    result = recoup("import", "invoices", write(tmp_path, "i.csv", bad))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "error: 2 problems found; nothing was written",
        "  row 2, total: must be zero or more, got -3",
        "  row 3, customer: unknown customer 'C9'",
    ]
    aging = recoup("report", "aging", "--format", "json", "--as-of", "2026-07-01")
    assert json.loads(aging.stdout) == []


def test_dry_run_then_import_then_reimport(recoup: Recoup, tmp_path: Path) -> None:
    recoup("init")
    recoup("import", "customers", write(tmp_path, "c.csv", CUSTOMERS))
    path = write(tmp_path, "i.csv", INVOICES)
    dry = recoup("import", "invoices", path, "--dry-run")
    assert dry.exit_code == 0
    assert dry.stdout.splitlines() == [
        "row 2: create INV-1",
        "row 3: create INV-2",
        "row 4: create INV-3",
        "3 rows: 3 created, 0 updated, 0 unchanged (invoices; changes would be planned)",
    ]
    assert json.loads(recoup("report", "aging", "--format", "json").stdout) == []
    real = recoup("import", "invoices", path)
    assert (
        real.stdout.strip()
        == "3 rows: 3 created, 0 updated, 0 unchanged (invoices; changes were written)"
    )
    again = recoup("import", "invoices", path)
    assert "0 created, 0 updated, 3 unchanged" in again.stdout


def test_max_rows_sets_the_row_limit(recoup: Recoup, tmp_path: Path) -> None:
    recoup("init")
    recoup("import", "customers", write(tmp_path, "c.csv", CUSTOMERS))
    path = write(tmp_path, "i.csv", INVOICES)
    refused = recoup("import", "invoices", path, "--max-rows", "2")
    assert refused.exit_code == 1
    assert refused.stderr.splitlines() == [
        "error: 1 problem found; nothing was written",
        "  row 4: the file has more than 2 rows; split it into smaller files",
    ]
    assert json.loads(recoup("report", "aging", "--format", "json").stdout) == []
    done = recoup("import", "invoices", path, "--max-rows", "3")
    assert "3 created" in done.stdout
    assert recoup("import", "invoices", path, "--max-rows", "0").exit_code == 2


def test_aging_report_formats(recoup: Recoup, tmp_path: Path) -> None:
    recoup("init")
    recoup("import", "customers", write(tmp_path, "c.csv", CUSTOMERS))
    recoup("import", "invoices", write(tmp_path, "i.csv", INVOICES))
    result = recoup("report", "aging", "--as-of", "2026-07-01", "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == [
        {"customer": "C1", "name": "Alpha GmbH", "currency": "EUR", "current": "50.00", "1-30": "0.00",
         "31-60": "300.00", "61-90": "0.00", "90+": "0.00", "total": "350.00",
         "unapplied_payments": "0.00", "open_credits": "0.00"},
        {"customer": "C2", "name": "Beta Ltd", "currency": "GBP", "current": "0.00", "1-30": "200.00",
         "31-60": "0.00", "61-90": "0.00", "90+": "0.00", "total": "200.00",
         "unapplied_payments": "0.00", "open_credits": "0.00"},
        {"customer": "TOTAL", "name": "Total", "currency": "EUR", "current": "50.00", "1-30": "0.00",
         "31-60": "300.00", "61-90": "0.00", "90+": "0.00", "total": "350.00",
         "unapplied_payments": "0.00", "open_credits": "0.00"},
        {"customer": "TOTAL", "name": "Total", "currency": "GBP", "current": "0.00", "1-30": "200.00",
         "31-60": "0.00", "61-90": "0.00", "90+": "0.00", "total": "200.00",
         "unapplied_payments": "0.00", "open_credits": "0.00"},
    ]  # fmt: skip
    total = recoup("report", "aging", "--as-of", "2026-07-01", "--by", "total", "--format", "csv")
    assert total.stdout.splitlines() == [
        "customer,name,currency,current,1-30,31-60,61-90,90+,total,unapplied_payments,open_credits",
        "TOTAL,Total,EUR,50.00,0.00,300.00,0.00,0.00,350.00,0.00,0.00",
        "TOTAL,Total,GBP,0.00,200.00,0.00,0.00,0.00,200.00,0.00,0.00",
    ]
    table = recoup("report", "aging", "--as-of", "2026-07-01")
    assert "Alpha GmbH" in table.stdout
    assert "350.00" in table.stdout


def test_bad_option_values(recoup: Recoup) -> None:
    recoup("init")
    result = recoup("report", "aging", "--as-of", "yesterday")
    assert result.exit_code == 2
    assert "'yesterday' is not a date" in result.stderr


def test_audit_verify(recoup: Recoup, tmp_path: Path, database_url: str) -> None:
    recoup("init")
    recoup("import", "customers", write(tmp_path, "c.csv", CUSTOMERS))
    ok = recoup("audit", "verify")
    assert ok.exit_code == 0
    assert ok.stdout.splitlines() == [
        "audit chain intact: 3 events verified (0 keyed), 0 checkpoint(s) compared",
        "every reconciled row matches its events",
    ]

    from sqlalchemy import text

    from recoup.db import make_engine

    with make_engine(database_url).begin() as connection:
        connection.execute(text("UPDATE audit_events SET actor = 'someone else' WHERE seq = 2"))
    broken = recoup("audit", "verify")
    assert broken.exit_code == 1
    assert (
        "audit chain BROKEN at event 2: content does not match its hash (altered)"
        in broken.stderr.splitlines()
    )


def test_demo(recoup: Recoup) -> None:
    result = recoup("demo", "--customers", "6", "--as-of", "2026-11-22")
    assert result.exit_code == 0, result.output
    # 22 November 2026 is a Sunday: the run covers Wednesday to Friday.
    assert "Demo portfolio (6 customers, seed 7, history to 2026-11-17)" in result.stdout
    days = [line[:10] for line in result.stdout.splitlines() if line[:3] in ("Wed", "Thu", "Fri")]
    assert days == ["Wed 18 Nov", "Thu 19 Nov", "Fri 20 Nov"]
    assert "TOTAL" in result.stdout
    login = "web app: `recoup serve`, then log in as admin@demo.example"
    assert f"{login} with the password " in result.stdout.splitlines()[-1]
    again = recoup("demo", "--customers", "6", "--as-of", "2026-11-22")
    assert "invoices: 0 new, 0 updated" in again.stdout
    assert again.stdout.splitlines()[-1] == login  # the password is shown once
    assert "Wed 18 Nov: nothing" in again.stdout  # the same days again: nothing new


def test_policy_assign(recoup: Recoup, tmp_path: Path) -> None:
    recoup("init", "--first-run", "policy")  # each policy as if it had always run
    recoup("import", "customers", write(tmp_path, "c.csv", CUSTOMERS))
    recoup("import", "invoices", write(tmp_path, "i.csv", INVOICES))

    def steps() -> set[str]:
        plan = recoup("run", "--dry-run", "--as-of", "2026-07-01", "--format", "json")
        assert plan.exit_code == 0, plan.output
        actions = json.loads(plan.stdout)["actions"]
        return {row["step"] for row in actions if row["customer"] == "C1"}

    # INV-1 is 31 days past due: the default policy's courtesy call (30 days) is due;
    # under the strict one its formal notice (21 days) is.
    assert steps() == {"courtesy call"}
    assigned = recoup("policy", "assign", "strict", "--customer", "C1")
    assert assigned.stdout == "customer C1 now follows policy 'strict'\n"
    assert steps() == {"formal notice"}
    recoup("policy", "assign", "default", "--customer", "C1")  # replaces, not adds
    assert steps() == {"courtesy call"}

    unknown = recoup("policy", "assign", "harsh")
    assert unknown.exit_code == 1
    assert "unknown policy 'harsh' (default, gentle, strict)" in unknown.stderr
    assert recoup("policy", "assign", "strict", "--customer", "C9").exit_code == 1
    assert recoup("policy", "assign", "strict", "--invoice", "INV-9").stderr == (
        "error: no invoice 'INV-9'\n"
    )


def test_a_bad_setting_is_an_error_not_a_traceback(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("RECOUP_DATABASE_URL", database_url)
    monkeypatch.setenv("RECOUP_PAYMENT_URL", "https://pay.example/?c={customer}")
    monkeypatch.setattr(sys, "argv", ["recoup", "serve"])
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 1
    assert capsys.readouterr().err == (
        "error: RECOUP_PAYMENT_URL: unknown placeholder {customer}; "
        "use {reference}, {amount} and {currency}\n"
    )


def test_import_summary_names_skipped_rows_and_ignored_columns(
    recoup: Recoup, tmp_path: Path
) -> None:
    recoup("init")
    recoup("import", "customers", write(tmp_path, "c.csv", CUSTOMERS))
    text = (
        "InvoiceNumber,ContactName,InvoiceDate,Total,Status,Phone Numbers,Full Name\n"
        "INV-1,C1,2026-05-01,300.00,Awaiting Payment,,\n"
        "INV-2,C1,2026-05-02,10.00,Draft,,\n"
    )
    result = recoup("import", "invoices", write(tmp_path, "x.csv", text), "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-2:] == [
        "1 skipped: row 3: invoice INV-2 is Draft (not owed yet)",
        "ignored columns: Phone Numbers, Full Name",
    ]
