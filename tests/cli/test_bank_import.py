"""``recoup bank import`` and ``recoup bank profile add`` end to end."""

import json
from pathlib import Path

from recoup.cashapp.reference import customer_reference
from tests.cli.conftest import Recoup

BANK = Path(__file__).parent.parent / "cashapp" / "data" / "bank"
CUSTOMERS = "external_id,name,currency\nC1,Alpha Trading GmbH,EUR\nC2,Beta Bau AG,EUR\n"
INVOICES = (
    "number,customer,issue_date,due_date,total\n"
    "INV-1,C1,2026-05-01,2026-05-31,300.00\n"
    "INV-2,C1,2026-06-01,2026-06-30,200.00\n"
    "INV-3,C2,2026-06-01,2026-06-30,150.00\n"
)


def seed(recoup: Recoup, tmp_path: Path) -> None:
    recoup("init")
    for kind, text in (("customers", CUSTOMERS), ("invoices", INVOICES)):
        path = tmp_path / f"{kind}.csv"
        path.write_text(text)
        done = recoup("import", kind, str(path))
        assert done.exit_code == 0, done.output


def statement_csv(tmp_path: Path) -> Path:
    # C1 is customer id 1: its reference pays INV-1 + INV-2; a name-only line; a fee.
    ref = customer_reference(1)
    path = tmp_path / "bank.csv"
    path.write_text(
        "Buchungstag;Betrag;Verwendungszweck;Auftraggeber;IBAN\n"
        f"01.07.2026;500,00;{ref};Alpha Trading;DE89370400440532013000\n"
        "01.07.2026;150,00;Danke;Beta Bau;\n"
        "02.07.2026;-4,90;Kontofuehrung;;\n"
        "02.07.2026;77,00;unknown;Somebody;\n"
    )
    return path


def test_import_a_csv_statement_through_a_profile(recoup: Recoup, tmp_path: Path) -> None:
    seed(recoup, tmp_path)
    added = recoup(
        "bank", "profile", "add", "sparkasse",
        "--date", "Buchungstag", "--amount", "Betrag", "--reference", "Verwendungszweck",
        "--payer", "Auftraggeber", "--iban", "IBAN", "--decimal-comma", "--date-order", "dmy",
    )  # fmt: skip
    assert added.stdout == "CSV profile 'sparkasse' saved\n"
    path = statement_csv(tmp_path)

    dry = recoup("bank", "import", str(path), "--profile", "sparkasse", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert dry.stdout.splitlines()[-1] == "(changes would be planned)"
    assert json.loads(recoup("bank", "lines", "--format", "json").stdout) == []

    done = recoup("bank", "import", str(path), "--profile", "sparkasse")
    assert done.exit_code == 0, done.output
    assert done.stdout.splitlines() == [
        "bank.csv (csv): 1 statement, 4 new lines (3 credits, 1 debits)",
        "auto-applied: 1 (500.00 EUR)",
        "proposed for review: 1",
        "unmatched: 1",
        "duplicates skipped: 0",
        "(changes were written)",
    ]
    aging = json.loads(
        recoup("report", "aging", "--format", "json", "--as-of", "2026-07-02").stdout
    )
    assert {r["customer"]: r["total"] for r in aging[:-1]} == {"C2": "150.00"}

    again = recoup("bank", "import", str(path), "--profile", "sparkasse")
    assert again.stdout.splitlines()[:2] == [
        "bank.csv (csv): 1 statement, 0 new lines (0 credits, 0 debits)",
        "auto-applied: 0",
    ]
    assert "duplicates skipped: 4" in again.stdout
    # Every payment, allocation and decision written is in the audit chain.
    verified = recoup("audit", "verify")
    assert verified.exit_code == 0, verified.output


def test_bad_input_is_a_clear_error_and_writes_nothing(recoup: Recoup, tmp_path: Path) -> None:
    seed(recoup, tmp_path)
    path = statement_csv(tmp_path)
    no_profile = recoup("bank", "import", str(path))
    assert no_profile.exit_code == 1
    assert "a CSV statement needs a profile" in no_profile.stderr
    unknown = recoup("bank", "import", str(path), "--profile", "nope")
    assert unknown.stderr == "error: no CSV profile named 'nope'\n"
    both = recoup("bank", "profile", "add", "x", "--date", "D", "--amount", "A", "--credit", "C")
    assert both.exit_code == 1
    assert "either an amount column or credit/debit columns" in both.stderr
    wrong = recoup("bank", "import", str(BANK / "mt940_oca_wrong.940"))
    assert wrong.exit_code == 1
    assert wrong.stderr == "error: MT940 line 1: :9401: is not an MT940 field\n"
    assert json.loads(recoup("bank", "lines", "--format", "json").stdout) == []


def test_every_shared_bank_file_imports(recoup: Recoup, tmp_path: Path) -> None:
    seed(recoup, tmp_path)
    for path in sorted(BANK.iterdir()):
        if path.suffix == ".md" or path.suffix == ".csv":
            continue
        result = recoup("bank", "import", str(path))
        if "wrong" in path.name:
            assert result.exit_code == 1, path.name
            assert result.stderr.startswith("error: "), path.name
        else:
            assert result.exit_code == 0, (path.name, result.output)
            assert "new lines" in result.stdout
    lines = json.loads(recoup("bank", "lines", "--format", "json", "--limit", "1000").stdout)
    assert len(lines) > 100
    assert {r["status"] for r in lines} <= {"unmatched", "proposed", "debit", "returned"}
