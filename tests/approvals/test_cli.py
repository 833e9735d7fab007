"""``recoup approval list|approve|reject`` and the hand-off / write-off commands going
through the same maker-checker rule."""

from pathlib import Path

from tests.cases.cli_support import fingerprint, setup
from tests.cli.conftest import Recoup


def ok(recoup: Recoup, *args: str) -> str:
    result = recoup(*args)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_the_queue_on_the_command_line(recoup: Recoup, tmp_path: Path, database_url: str) -> None:
    setup(recoup, tmp_path)
    assert ok(recoup, "approval", "list") == "nothing waits for approval\n"
    ok(recoup, "handoff", "request", "C1", "--invoice", "INV-1", "--agency", "Debt Hunters",
       "--by", "max@acme.example", "--on", "2026-04-01")  # fmt: skip
    assert ok(recoup, "approval", "list") == (
        "handoff #1  2026-04-01  300.00 EUR  Hand invoices to Debt Hunters  "
        "(asked by max@acme.example)\n"
    )
    before = fingerprint(database_url)
    for args, message in (
        (("approval", "approve", "handoff", "1", "--approver", "max@acme.example",
          "--commission", "0.2"),
         "error: max@acme.example asked for hand-off #1; another manager or admin must decide"),
        (("handoff", "approve", "1", "--approver", "max@acme.example", "--commission", "0.2"),
         "error: max@acme.example asked for hand-off #1"),
        (("handoff", "reject", "1", "--approver", "ada@acme.example"),
         "error: reason: say why it is rejected"),
        (("approval", "reject", "bogus", "1", "--approver", "ada@acme.example", "--reason", "x"),
         "error: kind: 'bogus' is not one of handoff, write_off, credit_limit, policy"),
        (("approval", "reject", "policy", "1", "--approver", "ada@acme.example", "--reason", "x"),
         "error: no policy change request #1"),
        (("approval", "approve", "write_off", "9", "--approver", "ada@acme.example"),
         "error: no write-off #9"),
        (("writeoff", "INV-2", "--reason", "goodwill", "--approver", "ada@acme.example"),
         "error: ada@acme.example asked for write-off #1"),
    ):  # fmt: skip
        result = recoup(*args)
        assert result.exit_code == 1, (args, result.output)
        assert result.stderr.startswith(message), (args, result.stderr)
    assert fingerprint(database_url) == before
    target = tmp_path / "placement.csv"
    out = ok(recoup, "approval", "approve", "handoff", "1", "--approver", "ada@acme.example",
             "--commission", "0.2", "--out", str(target), "--on", "2026-04-02")  # fmt: skip
    assert out == f"hand-off #1 approved; placement file {target}\n"
    assert target.read_text().splitlines()[1].startswith("Debt Hunters,1,2026-04-02,C1,")
    assert ok(recoup, "approval", "list") == "nothing waits for approval\n"


def test_a_policy_change_proposed_on_the_command_line(
    recoup: Recoup, tmp_path: Path, database_url: str
) -> None:
    setup(recoup, tmp_path)
    shipped = Path(__file__).resolve().parents[2] / "src/recoup/policy/policies/strict.yaml"
    proposal = tmp_path / "strict.yaml"
    proposal.write_text(shipped.read_text().replace("name: strict", "name: stricter"))
    out = ok(recoup, "policy", "propose", str(proposal), "--by", "max@acme.example",
             "--reason", "For the worst payers")  # fmt: skip
    assert out.startswith("policy change #1 proposed: Change policy stricter: new policy")
    before = fingerprint(database_url)
    own = recoup("approval", "approve", "policy", "1", "--approver", "max@acme.example")
    assert own.exit_code == 1
    assert "another manager or admin must decide it" in own.stderr
    refused = recoup("policy", "assign", "stricter", "--customer", "C1")
    assert refused.exit_code == 1  # not a policy until approved
    assert fingerprint(database_url) == before
    ok(recoup, "approval", "approve", "policy", "1", "--approver", "ada@acme.example")
    assert ok(recoup, "policy", "assign", "stricter", "--customer", "C1") == (
        "customer C1 now follows policy 'stricter'\n"
    )
