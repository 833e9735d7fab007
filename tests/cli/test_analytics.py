"""``recoup report kpis|collectors|trend``, ``recoup goal set|list``, ``recoup analytics backfill``.

The book (tests/cli/test_commands.py's): EUR INV-1 issued 05-01 due 05-31 300.00 and
INV-3 issued 06-10 due 07-10 50.00; GBP INV-2 issued 06-01 due 06-29 200.00. June 2026:
EUR AR 300 on 05-31 and 350 on 06-30 (50 not yet due), sales 50; GBP AR 0 then 200, all
overdue, sales 200.
"""

import json
from pathlib import Path

from tests.cli.conftest import Recoup
from tests.cli.test_commands import CUSTOMERS, INVOICES, write


def _book(recoup: Recoup, tmp_path: Path) -> None:
    recoup("init")
    assert recoup("import", "customers", write(tmp_path, "c.csv", CUSTOMERS)).exit_code == 0
    assert recoup("import", "invoices", write(tmp_path, "i.csv", INVOICES)).exit_code == 0


def test_kpis_of_a_month_as_json_csv_and_table(recoup: Recoup, tmp_path: Path) -> None:
    _book(recoup, tmp_path)
    result = recoup("report", "kpis", "--period", "2026-06", "--format", "json")
    assert result.exit_code == 0, result.output
    eur, gbp = json.loads(result.stdout)
    assert eur["currency"] == "EUR"
    assert eur["dso"] == "210.00"  # 350 / 50 × 30
    assert eur["best_dso"] == "30.00"  # 50 / 50 × 30
    assert eur["add"] == "180.00"
    assert eur["countback_dso"] == "61.00"  # June's 50 (30 days) + May's 300 (31)
    assert eur["cei"] == "0.00"  # nothing collected of the 300 collectible
    assert eur["overdue_percent"] == "85.71"  # 300 / 350
    assert eur["days_late"] is None  # nothing paid
    assert gbp["dso"] == "30.00"
    assert gbp["overdue_percent"] == "100.00"
    csv_out = recoup(
        "report", "kpis", "--from", "2026-06-01", "--to", "2026-06-30", "--format", "csv"
    )
    lines = csv_out.stdout.splitlines()
    assert lines[0].startswith("currency,dso,countback_dso,best_dso,add,cei,")
    assert lines[1].startswith("EUR,210.00,61.00,30.00,180.00,0.00,85.71,")
    table = recoup("report", "kpis", "--period", "2026-06")
    assert "KPIs 2026-06-01 to 2026-06-30" in table.stdout
    assert "DSO (days)" in table.stdout
    assert "210.00" in table.stdout


def test_kpis_by_collector_and_bad_periods(recoup: Recoup, tmp_path: Path) -> None:
    _book(recoup, tmp_path)
    result = recoup(
        "report", "kpis", "--as-of", "2026-06-30", "--by", "collector", "--format", "json"
    )
    assert [(r["currency"], r["collector"]) for r in json.loads(result.stdout)] == [
        ("EUR", ""),
        ("GBP", ""),
    ]
    bad = recoup("report", "kpis", "--period", "June")
    assert bad.exit_code == 1
    assert "'June' is not a month (YYYY-MM)" in bad.stderr
    both = recoup("report", "kpis", "--period", "2026-06", "--as-of", "2026-06-30")
    assert both.exit_code == 1
    assert "give --period, or --from/--to, or --as-of" in both.stderr


def test_collectors_as_json_csv_and_table(recoup: Recoup, tmp_path: Path) -> None:
    """C1 (EUR, ann) owes 350.00 on 06-30 (INV-1 300 + INV-3 50), C2 (GBP, nobody)
    200.00; nothing paid, promised, disputed or done in June. ann's EUR DSO and CEI are
    the book's EUR ones (she has all of it): 210.00 and 0.00."""
    _book(recoup, tmp_path)
    customers = write(
        tmp_path, "c2.csv", "external_id,name,currency,collector\nC1,Alpha GmbH,EUR,ann\n"
    )
    assert recoup("import", "customers", customers).exit_code == 0
    result = recoup("report", "collectors", "--period", "2026-06", "--format", "json")
    assert result.exit_code == 0, result.output
    ann, nobody = json.loads(result.stdout)
    assert (ann["currency"], ann["collector"], nobody["currency"], nobody["collector"]) == (
        "EUR",
        "ann",
        "GBP",
        "",
    )
    assert (ann["accounts"], ann["open_amount"], ann["collected"]) == (1, "350.00", "0.00")
    assert (ann["collected_after_contact_percent"], ann["promise_kept_percent"]) == (None, None)
    assert (ann["tasks_done"], ann["disputes_resolved"]) == (0, 0)
    assert (ann["dso"], ann["cei"]) == ("210.00", "0.00")
    assert (nobody["accounts"], nobody["open_amount"]) == (1, "200.00")
    csv_out = recoup(
        "report", "collectors", "--from", "2026-06-01", "--to", "2026-06-30", "--format", "csv"
    )
    lines = csv_out.stdout.splitlines()
    assert lines[0].startswith("currency,collector,accounts,open_amount,collected,")
    assert lines[1].startswith("EUR,ann,1,350.00,0.00,0.00,,0,")
    table = recoup("report", "collectors", "--period", "2026-06").stdout
    assert "Collectors 2026-06-01 to 2026-06-30" in table
    assert "EUR ann" in table
    assert "GBP (unassigned)" in table
    assert "Open amount" in table
    assert "350.00" in table
    empty = recoup("report", "collectors", "--period", "2025-01")
    assert empty.stdout == "Collectors 2025-01-01 to 2025-01-31: nothing open, paid or done\n"


def test_backfill_then_trend(recoup: Recoup, tmp_path: Path) -> None:
    _book(recoup, tmp_path)
    before = recoup("report", "trend", "dso", "--months", "2", "--as-of", "2026-06-30")
    assert "run `recoup analytics backfill --from DATE`" in before.stdout
    done = recoup("analytics", "backfill", "--from", "2026-05-01", "--to", "2026-06-30")
    assert done.stdout == "61 daily snapshots stored, 2026-05-01 to 2026-06-30\n"
    result = recoup(
        "report", "trend", "dso", "--months", "2", "--as-of", "2026-06-30", "--format", "json"
    )
    assert json.loads(result.stdout) == [
        {"currency": "EUR", "month": "2026-05", "dso": "31.00", "complete": True},
        {"currency": "EUR", "month": "2026-06", "dso": "210.00", "complete": True},
        {"currency": "GBP", "month": "2026-05", "dso": None, "complete": True},
        {"currency": "GBP", "month": "2026-06", "dso": "30.00", "complete": True},
    ]
    table = recoup("report", "trend", "dso", "--months", "2", "--as-of", "2026-06-30")
    assert table.stdout.splitlines()[2].split() == ["EUR", "2026-06", "210.00"]
    assert "*" not in table.stdout


def test_goals_set_and_listed_against_the_month(recoup: Recoup, tmp_path: Path) -> None:
    _book(recoup, tmp_path)
    assert recoup("goal", "list").stdout == "no goals yet: `recoup goal set dso 45`\n"
    set_dso = recoup("goal", "set", "dso", "45")
    assert set_dso.stdout == "goal: DSO (days) at most 45 (every currency)\n"
    set_cei = recoup("goal", "set", "cei", "85", "--currency", "EUR")
    assert set_cei.stdout == "goal: Collection effectiveness (%) at least 85 (EUR)\n"
    result = recoup("goal", "list", "--period", "2026-06", "--format", "json")
    assert json.loads(result.stdout) == [
        {"kpi": "cei", "currency": "EUR", "target": "85.00", "actual": "0.00", "met": False},
        {"kpi": "dso", "currency": "EUR", "target": "45.00", "actual": "210.00", "met": False},
        {"kpi": "dso", "currency": "GBP", "target": "45.00", "actual": "30.00", "met": True},
    ]
    bad = recoup("goal", "set", "speed", "3")
    assert bad.exit_code == 1
    assert "unknown KPI 'speed'" in bad.stderr
    assert recoup("goal", "set", "dso", "soon").exit_code == 1


def test_management_report_files(recoup: Recoup, tmp_path: Path) -> None:
    _book(recoup, tmp_path)
    pdf, html = tmp_path / "report.pdf", tmp_path / "report.html"
    result = recoup(
        "report", "management", "--month", "2026-06", "--pdf", str(pdf), "--html", str(html)
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [f"report written to {html}", f"report written to {pdf}"]
    assert pdf.read_bytes().startswith(b"%PDF")
    page = html.read_text()
    assert "Management report: June 2026" in page
    assert "<td>2026-06</td><td>€50.00</td><td>€300.00</td>" in page  # aging, EUR
    bad = recoup("report", "management", "--month", "2026-06", "--language", "fr")
    assert bad.exit_code == 1
    assert "the report is in en or de, not 'fr'" in bad.stderr
