"""``recoup unallocate``: allocations taken back from the command line."""

import json
from pathlib import Path

from tests.cli.conftest import Recoup

CUSTOMERS = "external_id,name,currency\nC1,Alpha GmbH,EUR\n"
INVOICES = (
    "number,customer,issue_date,due_date,total\n"
    "INV-1,C1,2026-05-01,2026-05-31,300.00\n"
    "INV-2,C1,2026-06-01,2026-06-30,200.00\n"
)
# P1 pays INV-1 in full and 50.00 of INV-2.
PAYMENTS = "external_id,customer,received_on,amount,invoices\nP1,C1,2026-06-15,350.00,INV-1;INV-2\n"


def write(tmp: Path, name: str, text: str) -> str:
    path = tmp / name
    path.write_text(text)
    return str(path)


def aging(recoup: Recoup) -> tuple[str, str]:
    result = recoup("report", "aging", "--format", "json", "--as-of", "2026-07-01")
    (line, _total) = json.loads(result.stdout)
    return line["total"], line["unapplied_payments"]


def test_unallocate_a_payment_from_one_invoice(recoup: Recoup, tmp_path: Path) -> None:
    recoup("init")
    for kind, text in (("customers", CUSTOMERS), ("invoices", INVOICES), ("payments", PAYMENTS)):
        done = recoup("import", kind, write(tmp_path, f"{kind}.csv", text))
        assert done.exit_code == 0, done.output
    assert aging(recoup) == ("150.00", "0.00")

    result = recoup(
        "unallocate", "--invoice", "INV-2", "--payment", "P1", "--reason", "not for INV-2"
    )

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "removed 1 allocation:",
        "  50.00 EUR of payment P1 back from invoice INV-2",
    ]
    assert aging(recoup) == ("200.00", "50.00")

    again = recoup("unallocate", "--invoice", "INV-2", "--reason", "again")
    assert again.exit_code == 1
    assert again.stderr == "error: nothing to reverse: invoice INV-2 has no allocations\n"
    nothing = recoup("unallocate", "--reason", "x")
    assert nothing.exit_code == 1
    assert "name an --invoice, a --payment or a --credit-note" in nothing.stderr
    unknown = recoup("unallocate", "--payment", "P9", "--reason", "x")
    assert unknown.stderr == "error: no payment 'P9'\n"
