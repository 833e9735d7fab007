"""``recoup export`` and ``recoup payments``: files for the accounting system from the
command line, each record once with ``--since-last``; a provider set up and shown."""

from pathlib import Path

from tests.cli.conftest import Recoup
from tests.cli.test_unallocate import CUSTOMERS, INVOICES, PAYMENTS, write


def _book(recoup: Recoup, tmp_path: Path) -> None:
    recoup("init")
    for kind, text in (("customers", CUSTOMERS), ("invoices", INVOICES), ("payments", PAYMENTS)):
        done = recoup("import", kind, write(tmp_path, f"{kind}.csv", text))
        assert done.exit_code == 0, done.output


def test_export_allocations_for_xero_once(recoup: Recoup, tmp_path: Path) -> None:
    _book(recoup, tmp_path)
    target = tmp_path / "allocations.csv"
    result = recoup(
        "export", "allocations", "--since-last", "--format", "xero", "--output", str(target)
    )
    assert result.exit_code == 0, result.output
    assert "2 allocations exported as xero" in result.stderr
    assert target.read_bytes() == (
        b"*Date,*Amount,Payee,Description,Reference,Cheque Number\r\n"
        b"15/06/2026,300.00,Alpha GmbH,Payment P1 applied to INV-1,INV-1,\r\n"
        b"15/06/2026,50.00,Alpha GmbH,Payment P1 applied to INV-2,INV-2,\r\n"
    )
    again = recoup("export", "allocations", "--since-last", "--format", "xero")
    assert again.stdout.splitlines() == ["*Date,*Amount,Payee,Description,Reference,Cheque Number"]
    assert "0 allocations exported" in again.stderr


def test_export_refuses_a_bad_request_and_writes_no_file(recoup: Recoup, tmp_path: Path) -> None:
    _book(recoup, tmp_path)
    target = tmp_path / "x.csv"
    for args, message in (
        (("export", "payments", "--format", "xero"), "either --since DATE or --since-last"),
        (("export", "payments", "--since", "June"), "since: 'June' is not a date"),
        (("export", "payments", "--since-last", "--format", "sage"), "format: choose one of"),
    ):
        result = recoup(*args, "--output", str(target))
        assert result.exit_code == 1, result.output
        assert message in result.stderr
    assert recoup("export", "debts", "--since-last").exit_code == 2  # no such export
    assert not target.exists()


def test_payments_setup_stripe_and_show(recoup: Recoup, tmp_path: Path) -> None:
    recoup("init")
    assert "no payment provider" in recoup("payments", "show").stdout
    bad = recoup(
        "payments", "setup", "stripe", "--secret-key", "pk_x", "--webhook-secret", "whsec_1"
    )
    assert bad.exit_code == 1
    assert "secret_key: a stripe secret key starts with sk_ or rk_" in bad.stderr
    done = recoup(
        "payments", "setup", "stripe",
        "--secret-key", "sk_test_abcdef123456",
        "--webhook-secret", "whsec_abc",
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "/payments/stripe/webhook: checkout.session.completed" in done.stdout
    shown = recoup("payments", "show").stdout
    assert shown.startswith("stripe: key sk_test_…3456")
    assert "abcdef" not in shown
