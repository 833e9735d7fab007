"""The case commands: what they print, and that a failed command writes nothing."""

from pathlib import Path

import pytest

from tests.cases.cli_support import fingerprint, setup
from tests.cli.conftest import Recoup


def ok(recoup: Recoup, *args: str) -> str:
    result = recoup(*args)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_working_an_account(recoup: Recoup, tmp_path: Path) -> None:
    setup(recoup, tmp_path)
    out = ok(
        recoup,
        "dispute",
        "open",
        "C1",
        "--invoice",
        "INV-2",
        "--reason",
        "quality",
        "--amount",
        "50",
        "--owner",
        "kim@acme.example",
        "--on",
        "2026-03-05",
    )
    assert out == "dispute #1 opened (quality, 50.00 EUR) on INV-2: paused until resolved\n"
    assert ok(recoup, "dispute", "list").split() == [
        "#1",
        "2026-03-05",
        "C1",
        "quality",
        "50.00",
        "EUR",
        "open",
        "INV-2",
        "kim@acme.example",
    ]
    assert ok(recoup, "dispute", "investigate", "1") == "dispute #1 is under investigation\n"
    out = ok(recoup, "dispute", "resolve", "1", "--outcome", "credited", "--on", "2026-03-09")
    assert out == "dispute #1 credited, credit note CN-DSP-1; escalation resumes\n"

    out = ok(
        recoup,
        "promise",
        "add",
        "C1",
        "--invoice",
        "INV-1:120.00",
        "--date",
        "2026-03-20",
        "--contact",
        "Ann Payable",
        "--on",
        "2026-03-10",
    )
    assert out == "promise #1: 120.00 EUR by 2026-03-20; paused through 2026-03-23\n"
    assert "pending" in ok(recoup, "promise", "list")
    assert ok(recoup, "promise", "rate").splitlines()[0] == (
        "all: n/a  (kept 0, partially kept 0, broken 0; pending 1, cancelled 0)"
    )

    out = ok(
        recoup,
        "plan",
        "create",
        "C2",
        "--invoice",
        "INV-3",
        "--instalments",
        "3",
        "--first",
        "2026-04-01",
        "--start",
        "2026-03-15",
    )
    assert out.splitlines() == [
        "payment plan #1 (active): 150.00 EUR over INV-3",
        "  1. 2026-04-01  50.00 EUR  paid 0.00 EUR  pending",
        "  2. 2026-05-01  50.00 EUR  paid 0.00 EUR  pending",
        "  3. 2026-06-01  50.00 EUR  paid 0.00 EUR  pending",
    ]
    assert (
        ok(recoup, "plan", "show", "1", "--as-of", "2026-04-02").splitlines()[1].endswith("missed")
    )

    assert ok(recoup, "note", "add", "C1", "Asked for proof of delivery", "--author", "kim") == (
        "note #1 added to C1\n"
    )
    assert ok(recoup, "call", "log", "C1", "--outcome", "promised", "--contact", "Ann") == (
        "call #1 logged (promised)\n"
    )
    assert ok(
        recoup, "task", "add", "C1", "Send statement", "--assignee", "kim", "--due", "2026-03-12"
    ) == ("task #1 added\n")
    assert "Send statement  [kim]" in ok(recoup, "task", "list", "--assignee", "kim")
    assert ok(recoup, "task", "done", "1", "--by", "kim") == "task #1 done\n"
    assert ok(recoup, "task", "list", "--assignee", "kim") == "no open tasks\n"

    # A collector may not approve a hand-off; the manager may.
    out = ok(
        recoup,
        "handoff",
        "request",
        "C1",
        "--invoice",
        "INV-1",
        "--agency",
        "Debt Hunters",
        "--by",
        "kim@acme.example",
        "--on",
        "2026-04-01",
    )
    assert out == "hand-off #1 to Debt Hunters requested (300.00 EUR); awaiting approval\n"
    refused = recoup(
        "handoff", "approve", "1", "--approver", "kim@acme.example", "--commission", "0.2"
    )
    assert refused.exit_code == 1
    assert refused.stderr == (
        "error: a hand-off to an agency needs approval by a manager or an admin, not a collector\n"
    )
    target = tmp_path / "placement.csv"
    out = ok(
        recoup,
        "handoff",
        "approve",
        "1",
        "--approver",
        "max@acme.example",
        "--commission",
        "0.2",
        "--out",
        str(target),
        "--on",
        "2026-04-02",
    )
    assert (
        out == f"hand-off #1 placed with Debt Hunters (commission 20 %); placement file {target}\n"
    )
    assert target.read_text().splitlines()[1].startswith("Debt Hunters,1,2026-04-02,C1,Alpha GmbH,")
    assert ok(recoup, "handoff", "recovery", "1", "100", "--on", "2026-05-01") == (
        "recovered 100.00 EUR: commission 20.00 EUR, net 80.00 EUR\n"
    )

    out = ok(
        recoup,
        "writeoff",
        "INV-2",
        "--reason",
        "goodwill",
        "--approver",
        "ada@acme.example",
        "--by",
        "kim@acme.example",
        "--on",
        "2026-04-03",
    )
    assert out == "written off 150.00 EUR of INV-2 (credit note WO-1)\n"

    lines = ok(recoup, "timeline", "C1").splitlines()
    assert (
        lines[0]
        == "2026-01-01 00:00  invoice       Invoice INV-1 of €300.00 issued — due 31 Jan 2026"
    )
    assert any("dispute       Dispute #1 settled with a credit note" in line for line in lines)
    assert any(
        "write_off     Write-off of €150.00 on INV-2 approved — goodwill" in line for line in lines
    )
    assert '"kind": "promise"' in ok(recoup, "timeline", "C1", "--format", "json")

    out = ok(
        recoup, "feasibility", "--as-of", "2026-06-30", "--currency", "EUR", "--bands", "30,90"
    )
    assert out.splitlines()[2].split()[:3] == ["band", "accounts", "value"]
    assert "Expected net recovery following the recommendations" in out
    assert ok(recoup, "audit", "verify").startswith("audit chain intact")


FAILURES = [
    (
        ("dispute", "open", "C9", "--invoice", "INV-1", "--reason", "quality"),
        "error: no customer 'C9'",
    ),
    (("dispute", "open", "C1", "--invoice", "INV-9"), "error: no invoice 'INV-9'"),
    (
        ("dispute", "open", "C1", "--invoice", "INV-3", "--reason", "quality"),
        "error: invoices: invoice INV-3 belongs to another customer",
    ),
    (
        ("dispute", "open", "C1", "--invoice", "INV-1", "--reason", "late"),
        "error: reason: 'late' is not one of pricing",
    ),
    (
        ("dispute", "open", "C1", "--invoice", "INV-1", "--amount", "lots"),
        "error: amount: 'lots' is not an amount",
    ),
    (
        ("dispute", "open", "C1", "--invoice", "INV-1", "--on", "soon"),
        "error: on: 'soon' is not a date",
    ),
    (("dispute", "resolve", "7", "--outcome", "credited"), "error: no dispute #7"),
    (
        ("dispute", "resolve", "1", "--outcome", "maybe"),
        "error: outcome: 'maybe' is not one of valid",
    ),
    (("dispute", "investigate", "7"), "error: no dispute #7"),
    (
        (
            "promise",
            "add",
            "C1",
            "--invoice",
            "INV-1:999",
            "--date",
            "2026-03-20",
            "--on",
            "2026-03-10",
        ),
        "error: amount: 999.00 is more than the 300.00 open on INV-1",
    ),
    (
        (
            "promise",
            "add",
            "C1",
            "--invoice",
            "INV-2",
            "--date",
            "2026-03-20",
            "--on",
            "2026-03-10",
        ),
        "error: invoice INV-2 already has a pending promise",
    ),
    (("promise", "cancel", "7"), "error: no promise #7"),
    (
        ("plan", "create", "C1", "--invoice", "INV-1", "--instalments", "2"),
        "error: first_due: the first instalment needs a date",
    ),
    (
        (
            "plan",
            "create",
            "C1",
            "--invoice",
            "INV-1",
            "--amounts",
            "100,100",
            "--first",
            "2026-04-01",
        ),
        "error: amounts: the instalments add up to 20000",
    ),
    (
        (
            "plan",
            "create",
            "C1",
            "--invoice",
            "INV-1",
            "--instalments",
            "2",
            "--first",
            "2026-04-01",
            "--frequency",
            "daily",
        ),
        "error: frequency: 'daily' is not one of",
    ),
    (("plan", "show", "7"), "error: no payment plan #7"),
    (
        ("handoff", "request", "C1", "--invoice", "INV-1", "--agency", " ", "--by", "kim"),
        "error: agency: name the agency",
    ),
    (("handoff", "approve", "7", "--approver", "max@acme.example"), "error: no hand-off #7"),
    (
        ("handoff", "approve", "1", "--approver", "kim@acme.example", "--commission", "0.2"),
        "error: a hand-off to an agency needs approval by a manager or an admin, not a collector",
    ),
    (
        ("handoff", "approve", "1", "--approver", "nobody@acme.example"),
        "error: no user 'nobody@acme.example'",
    ),
    (
        ("handoff", "approve", "1", "--approver", "max@acme.example"),
        "error: commission: give the agency's commission rate",
    ),
    (
        ("handoff", "approve", "1", "--approver", "max@acme.example", "--commission", "25"),
        "error: commission: must be a fraction between 0 and 1",
    ),
    (
        (
            "handoff",
            "approve",
            "1",
            "--approver",
            "max@acme.example",
            "--commission",
            "0.2",
            "--out",
            "/nonexistent/dir/p.csv",
        ),
        "error: out: cannot write /nonexistent/dir/p.csv",
    ),
    (("handoff", "recovery", "1", "10"), "error: hand-off #1 is pending, not placed"),
    (
        ("writeoff", "INV-1", "--reason", "bad debt", "--approver", "kim@acme.example"),
        "error: a write-off needs approval by a manager or an admin, not a collector",
    ),
    (
        (
            "writeoff",
            "INV-1",
            "--reason",
            "bad debt",
            "--approver",
            "max@acme.example",
            "--role",
            "admin",
        ),
        "error: role: max@acme.example is a manager, not a admin",
    ),
    (
        ("writeoff", "INV-1", "--reason", " ", "--approver", "max@acme.example"),
        "error: reason: a write-off needs a reason",
    ),
    (
        ("writeoff", "INV-1", "--reason", "x", "--approver", "max@acme.example", "--amount", "301"),
        "error: amount: 301.00 is more than the 300.00 open on INV-1",
    ),
    (("task", "done", "7"), "error: no task #7"),
    (("task", "add", "C1", " "), "error: title: a task needs a title"),
    (("task", "add", "C1", "x", "--kind", "chat"), "error: kind: 'chat' is not one of"),
    (("note", "add", "C1", " "), "error: text: a note needs some text"),
    (("call", "log", "C1", "--outcome", "maybe"), "error: outcome: 'maybe' is not one of"),
    (("timeline", "C9"), "error: no customer 'C9'"),
    (("timeline", "C1", "--format", "xml"), "error: format: must be table or json"),
    (("feasibility", "--currency", "XXX1"), "error: currency: unknown currency"),
    (("feasibility", "--agency-contingency", "2"), "error: agency-contingency: must be a fraction"),
    (("feasibility", "--bands", "90,30"), "error: bands: band edges must be ascending"),
]


def test_every_failure_writes_nothing(recoup: Recoup, tmp_path: Path, database_url: str) -> None:
    setup(recoup, tmp_path)
    ok(recoup, "dispute", "open", "C1", "--invoice", "INV-1", "--reason", "quality")
    ok(recoup, "promise", "add", "C1", "--invoice", "INV-2", "--date", "2026-12-20")
    ok(
        recoup,
        "handoff",
        "request",
        "C1",
        "--invoice",
        "INV-2",  # a hand-off may be asked while a promise is pending (not a dispute)
        "--agency",
        "Debt Hunters",
        "--by",
        "kim",
    )
    before = fingerprint(database_url)
    for args, message in FAILURES:
        result = recoup(*args)
        assert result.exit_code == 1, (args, result.output)
        assert result.stderr.startswith(message), (args, result.stderr)
    assert fingerprint(database_url) == before


@pytest.mark.parametrize("command", ["writeoff", "handoff"])
def test_role_is_needed_while_there_are_no_users(
    recoup: Recoup, tmp_path: Path, database_url: str, command: str
) -> None:
    setup(recoup, tmp_path)
    from sqlalchemy import text

    from recoup.db import make_engine

    engine = make_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM users"))
    engine.dispose()
    if command == "writeoff":
        args = ["writeoff", "INV-1", "--reason", "bad debt", "--approver", "max@acme.example"]
        args += ["--by", "kim@acme.example"]
    else:
        ok(
            recoup,
            "handoff",
            "request",
            "C1",
            "--invoice",
            "INV-1",
            "--agency",
            "DH",
            "--by",
            "kim",
        )
        args = [
            "handoff",
            "approve",
            "1",
            "--approver",
            "max@acme.example",
            "--commission",
            "0.1",
            "--out",
            str(tmp_path / "p.csv"),
        ]
    missing = recoup(*args)
    assert missing.exit_code == 1
    assert (
        missing.stderr
        == "error: role: there are no users yet to look the approver up in: give --role\n"
    )
    assert recoup(*args, "--role", "collector").exit_code == 1
    assert recoup(*args, "--role", "manager").exit_code == 0


def test_a_customer_is_named_by_account_number_or_name_and_a_promise_covers_all_it_owes(
    recoup: Recoup, tmp_path: Path
) -> None:
    setup(recoup, tmp_path)
    # No --invoice: everything Alpha has open (INV-1 300.00 + INV-2 200.00).
    out = ok(recoup, "promise", "add", "alpha gmbh", "--date", "2026-03-20", "--on", "2026-03-10")
    assert out.startswith("promise #1: 500.00 EUR by 2026-03-20")
    assert "Invoice INV-3 of €150.00 issued" in ok(
        recoup, "timeline", "Beta Ltd"
    )  # C2, by its name
    missing = recoup("timeline", "Gamma AG")
    assert missing.exit_code == 1
    assert "no customer 'Gamma AG' (by account number or name)" in missing.stderr
