"""``recoup bank``: reviewing, applying, ignoring and undoing bank lines end to end."""

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

from recoup.cashapp import service as cashapp
from recoup.cashapp.statement import Statement, StatementLine
from recoup.db import make_engine, transaction
from recoup.ledger import service as ledger
from tests.cli.conftest import Recoup

CUSTOMERS = "external_id,name,currency\nC1,Alpha Trading GmbH,EUR\nC2,Beta Bau AG,EUR\n"
INVOICES = (
    "number,customer,issue_date,due_date,total\n"
    "INV-1,C1,2026-05-01,2026-05-31,300.00\n"
    "INV-2,C1,2026-06-01,2026-06-30,200.00\n"
    "INV-3,C2,2026-06-01,2026-06-30,150.00\n"
)
IBAN = "DE89370400440532013000"


def line(amount: str, credit: bool = True, **kw: str) -> StatementLine:
    return StatementLine(
        booking_date=date(2026, 7, 1), amount=Decimal(amount), currency="EUR", credit=credit, **kw
    )  # type: ignore[arg-type]


def seed(recoup: Recoup, tmp_path: Path, database_url: str) -> None:
    recoup("init")
    for kind, text in (("customers", CUSTOMERS), ("invoices", INVOICES)):
        path = tmp_path / f"{kind}.csv"
        path.write_text(text)
        done = recoup("import", kind, str(path))
        assert done.exit_code == 0, done.output
    with transaction(make_engine(database_url), actor="test") as session:
        (org,) = [ledger.resolve_organisation(session, slug=None)]
        statement = Statement(
            format="camt053",
            account_iban="DE02120300000000202051",
            account_number="",
            currency="EUR",
            opening_balance=Decimal("1000.00"),
            closing_balance=Decimal("1640.00"),
            lines=(
                line("300.00", remittance="INV-1", bank_id="B1"),  # applied
                line("150.00", payer_name="Beta Bau", payer_iban=IBAN, bank_id="B2"),  # proposed
                line("200.00", remittance="rent", bank_id="B3"),  # amount only: proposed
                line("10.00", credit=False, remittance="fees", bank_id="B4"),
            ),
        )
        summary = cashapp.import_statements(session, org_id=org.id, statements=[statement])
        assert (summary.auto_applied, summary.proposed) == (1, 2)


def test_review_apply_ignore_undo(recoup: Recoup, tmp_path: Path, database_url: str) -> None:
    seed(recoup, tmp_path, database_url)
    listed = recoup("bank", "lines", "--format", "json")
    assert listed.exit_code == 0, listed.output
    records = json.loads(listed.stdout)
    assert [(r["line"], r["amount"], r["status"]) for r in records] == [
        (1, "300.00", "applied"),
        (2, "150.00", "proposed"),
        (3, "200.00", "proposed"),
        (4, "-10.00", "debit"),
    ]
    assert records[1]["proposals"][0]["customer"] == "C2"
    assert records[1]["proposals"][0]["invoices"] == [{"number": "INV-3", "amount": "150.00"}]

    table = recoup("bank", "lines", "--status", "proposed")
    assert table.stdout.splitlines()[0].split() == [
        "line",
        "date",
        "amount",
        "status",
        "conf",
        "payer",
        "reference",
        "reason",
    ]
    assert len(table.stdout.splitlines()) == 3

    accepted = recoup("bank", "apply", "2")
    assert accepted.exit_code == 0, accepted.output
    assert accepted.stdout.splitlines() == [
        "line 2 applied: 150.00 EUR to invoices, 0.00 EUR on account",
        "learned: IBAN DE893704… pays for C2",
        "learned: payer 'Beta Bau' pays for C2",
    ]
    ignored = recoup("bank", "ignore", "3", "--reason", "rent from the tenant")
    assert ignored.stdout == "line 3 ignored: rent from the tenant\n"
    undone = recoup("bank", "undo", "2", "--reason", "was for C1")
    assert undone.stdout == "line 2 undone; open again: INV-3\n"
    split = recoup("bank", "apply", "2", "--invoice", "INV-2:100", "--customer", "C1")
    assert split.exit_code == 0, split.output
    assert (
        split.stdout.splitlines()[0]
        == "line 2 applied: 100.00 EUR to invoices, 50.00 EUR on account"
    )
    aging = json.loads(
        recoup("report", "aging", "--format", "json", "--as-of", "2026-07-02").stdout
    )
    by_customer = {r["customer"]: (r["total"], r["unapplied_payments"]) for r in aging[:-1]}
    assert by_customer == {"C1": ("100.00", "50.00"), "C2": ("150.00", "0.00")}

    wrong = recoup("bank", "apply", "2", "--invoice", "INV-3")
    assert wrong.exit_code == 1
    assert wrong.stderr == "error: bank line 2 is already applied\n"
    debit = recoup("bank", "ignore", "4")
    assert debit.stderr == "error: bank line 4 is a debit, not a customer payment\n"
    unknown = recoup("bank", "apply", "9")
    assert unknown.stderr == "error: no bank line 9\n"
    verified = recoup("audit", "verify")
    assert verified.exit_code == 0, verified.output
    bad = recoup("bank", "apply", "3", "--invoice", "INV-2:abc")
    assert bad.exit_code == 1
    assert "'abc' is not an amount" in bad.stderr


def test_a_line_split_over_two_customers_keeps_the_rest_with_the_one_named(
    recoup: Recoup, tmp_path: Path, database_url: str
) -> None:
    seed(recoup, tmp_path, database_url)
    # Line 3 is 200.00: 20.00 to C1's INV-2, 150.00 to C2's INV-3, 30.00 on C2's account.
    split = recoup(
        "bank", "apply", "3", "--invoice", "INV-2:20", "--invoice", "INV-3", "--customer", "C2"
    )
    assert split.exit_code == 0, split.output
    assert split.stdout.splitlines()[0] == (
        "line 3 applied: 170.00 EUR to invoices, 30.00 EUR on account"
    )
    aging = json.loads(
        recoup("report", "aging", "--format", "json", "--as-of", "2026-07-02").stdout
    )
    by_customer = {r["customer"]: (r["total"], r["unapplied_payments"]) for r in aging[:-1]}
    assert by_customer == {"C1": ("180.00", "0.00"), "C2": ("0.00", "30.00")}


def test_reconcile(recoup: Recoup, tmp_path: Path, database_url: str) -> None:
    seed(recoup, tmp_path, database_url)
    result = recoup("bank", "reconcile", "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["statements"] == [
        {
            "statement": 1,
            "account": "DE02120300000000202051",
            "currency": "EUR",
            "opening": "1000.00",
            "credits": "650.00",
            "debits": "10.00",
            "closing": "1640.00",
            "difference": "0.00",
        }
    ]
    assert report["days"] == [
        {
            "day": "2026-07-01",
            "currency": "EUR",
            "credits": "650.00",
            "applied": "300.00",
            "unapplied": "350.00",
        }
    ]
    table = recoup("bank", "reconcile")
    assert "difference" in table.stdout.splitlines()[0]


def test_settings(recoup: Recoup, tmp_path: Path, database_url: str) -> None:
    recoup("init")
    shown = recoup("bank", "settings")
    assert shown.stdout.splitlines() == [
        "threshold: 90",
        "short payment settles: up to 15.00 GBP or 3 %, whichever is more; in other currencies 3 %",
    ]
    changed = recoup(
        "bank", "settings", "--threshold", "95", "--short-fixed", "10", "--short-percent", "2.5"
    )
    assert changed.stdout.splitlines() == [
        "threshold: 95",
        "short payment settles: up to 10.00 GBP or 2.5 %, whichever is more; in other currencies 2.5 %",
    ]
    bad = recoup("bank", "settings", "--short-percent", "lots")
    assert bad.exit_code == 1
    assert "'lots' is not a number" in bad.stderr
