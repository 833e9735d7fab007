"""The credit commands, and that a failed one writes nothing."""

from pathlib import Path

from tests.cases.cli_support import fingerprint, setup
from tests.cli.conftest import Recoup


def ok(recoup: Recoup, *args: str) -> str:
    result = recoup(*args)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_limits_holds_and_suggestions(recoup: Recoup, tmp_path: Path) -> None:
    setup(recoup, tmp_path)
    out = ok(
        recoup,
        "credit",
        "limit",
        "C1",
        "800",
        "--reason",
        "review",
        "--by",
        "max",
        "--on",
        "2026-03-01",
    )
    assert out.splitlines() == [
        "C1 credit limit 800.00 EUR; exposure 500.00 EUR (open invoices 500.00 EUR + open "
        "orders 0.00 EUR); status active",
        "  2026-03-01  1000.00 EUR → 800.00 EUR  max  review",
    ]
    assert ok(recoup, "credit", "orders", "C1", "400") == "C1 open orders 400.00 EUR\n"
    # 900.00 exposure over the 800.00 limit; INV-1 is 30 days past due on 2 March.
    assert (
        ok(recoup, "credit", "check", "--as-of", "2026-03-02") == "1 hold(s) placed, 0 released\n"
    )
    assert "status on_hold" in ok(recoup, "credit", "limit", "C1")
    assert ok(recoup, "credit", "orders", "C1", "0") == "C1 open orders 0.00 EUR\n"
    assert (
        ok(recoup, "credit", "check", "--as-of", "2026-03-02") == "0 hold(s) placed, 1 released\n"
    )
    assert (
        ok(recoup, "credit", "hold", "C2", "--reason", "cheque bounced")
        == "C2 on credit hold (#2, manual)\n"
    )
    assert (
        ok(recoup, "credit", "check", "--as-of", "2026-03-04") == "0 hold(s) placed, 0 released\n"
    )
    assert (
        ok(recoup, "credit", "release", "C2", "--reason", "paid")
        == "C2: 1 hold(s) released; active\n"
    )
    # 500.00 over 2 months = 250.00 a month; INV-1 30 days late → factor 0.75:
    # 250.00 × 30/30 × 0.75 = 187.50, rounded down to 100.00.
    out = ok(recoup, "credit", "suggest", "C1", "--as-of", "2026-03-02", "--apply")
    assert out.splitlines()[0] == "suggested credit limit for C1: 100.00 EUR"
    assert out.splitlines()[-1] == "  applied"
    assert "→ 100.00 EUR" in ok(recoup, "credit", "limit", "C1")
    assert "none" in ok(recoup, "credit", "limit", "C1", "none").splitlines()[0]


def test_failures_write_nothing(recoup: Recoup, tmp_path: Path, database_url: str) -> None:
    setup(recoup, tmp_path)
    before = fingerprint(database_url)
    for args, message in [
        (("credit", "hold", "C9", "--reason", "x"), "error: no customer 'C9'"),
        (("credit", "hold", "C1", "--reason", " "), "error: reason: a credit hold needs a reason"),
        (("credit", "release", "C1"), "error: customer: C1 is not on credit hold"),
        (("credit", "limit", "C1", "--", "-5"), "error: credit_limit: must not be negative"),
        (("credit", "limit", "C1", "lots"), "error: amount: 'lots' is not an amount"),
        (
            ("credit", "limit", "C1", "10.001"),
            "error: amount: 10.001 has more decimals than EUR allows",
        ),
        (("credit", "orders", "C1", "--", "-1"), "error: amount: must not be negative"),
        (("credit", "suggest", "C1", "--as-of", "today"), "error: as_of: 'today' is not a date"),
        (("credit", "check", "--as-of", "2026-13-01"), "error: as_of: '2026-13-01' is not a date"),
    ]:
        result = recoup(*args)
        assert result.exit_code == 1, (args, result.output)
        assert result.stderr.startswith(message), (args, result.stderr)
    assert fingerprint(database_url) == before
