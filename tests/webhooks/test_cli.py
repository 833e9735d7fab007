"""``recoup webhook ...`` and ``recoup run`` delivering to a real endpoint: a UK
wholesaler subscribes, its daily run tells the endpoint of an invoice falling overdue and
of each reminder sent, and the delivery log, a replay and the subscription's state are
handled from the command line."""

import json
import re
from pathlib import Path

from standardwebhooks import Webhook

from tests.cli.conftest import Recoup, recoup  # noqa: F401 (the fixture)
from tests.cli.test_commands import write
from tests.webhooks.sink import Sink

CUSTOMERS = (
    "external_id,name,currency,country,email\nC1,Kestrel Tools Ltd,GBP,GB,ap@kestrel.example\n"
)
# On 2026-07-01 the invoice is 3 days past due: it fell overdue this week.
INVOICES = "number,customer,issue_date,due_date,total,currency\n1001,C1,2026-05-28,2026-06-28,1200.00,GBP\n"


def test_subscribe_run_read_the_log_and_replay(
    recoup: Recoup,  # noqa: F811
    sink: Sink,
    tmp_path: Path,
) -> None:
    made = recoup(
        "init", "--org", "canal", "--name", "Canal Wholesale", "--country", "GB",
        "--currency", "GBP", "--email", "ar@canal.example",
        "--address", "Unit 4, Canal Works, Leeds LS11 5PS",
        "--iban", "GB33BUKB20201555555555", "--bic", "BUKBGB22",
        "--admin-email", "sam@canal.example",
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    refused = recoup("webhook", "add", "ftp://x.example", "--events", "invoice.overdue")
    assert refused.exit_code == 1
    assert "error: url: must be an http:// or https:// address" in refused.stderr

    added = recoup("webhook", "add", sink.url, "--events", "invoice.overdue,message.sent")
    assert added.exit_code == 0, added.output
    secret = re.search(r"signing secret: (whsec_\S+)", added.stdout)
    assert secret is not None
    assert "not shown again" in added.stderr
    assert recoup("import", "customers", write(tmp_path, "c.csv", CUSTOMERS)).exit_code == 0
    assert recoup("import", "invoices", write(tmp_path, "i.csv", INVOICES)).exit_code == 0

    run = recoup("run", "--as-of", "2026-07-01")
    assert run.exit_code == 0, run.output

    bodies = [Webhook(secret.group(1)).verify(r.body, r.headers) for r in sink.received]
    assert [b["type"] for b in bodies] == ["invoice.overdue", "message.sent"]
    overdue, sent = (b["data"] for b in bodies)
    assert (overdue["number"], overdue["days_past_due"]) == ("1001", 3)
    assert (overdue["open_amount"], overdue["currency"]) == ("1200.00", "GBP")
    assert sent["channel"] == "email"
    assert sent["to_customer"] is True

    listed = recoup("webhook", "list")
    assert f"{sink.url}  invoice.overdue, message.sent  enabled" in listed.stdout
    log = recoup("webhook", "deliveries")
    assert log.stdout.count("attempt 1 at ") == 2
    assert "HTTP 200 in " in log.stdout
    assert '{"ok":true}' in log.stdout
    first = re.findall(r"^#(\d+)  sent\s+invoice.overdue", log.stdout, re.M)
    assert len(first) == 1

    replayed = recoup("webhook", "replay", first[0])
    assert replayed.exit_code == 0, replayed.output
    again = recoup("run", "--as-of", "2026-07-01")  # plans nothing new; sends the replay
    assert again.exit_code == 0, again.output
    assert len(sink.received) == 3
    assert sink.received[2].headers["webhook-id"] == sink.received[0].headers["webhook-id"]
    assert json.loads(sink.received[2].body)["type"] == "invoice.overdue"
    assert f"(replay of #{first[0]})" in recoup("webhook", "deliveries").stdout

    number = re.search(r"#(\d+)", listed.stdout)
    assert number is not None
    assert recoup("webhook", "disable", number.group(1)).exit_code == 0
    assert "disabled (disabled by hand)" in recoup("webhook", "list").stdout
    refused_replay = recoup("webhook", "replay", first[0])
    assert refused_replay.exit_code == 1
    assert "enable it before a replay" in refused_replay.stderr
    assert recoup("webhook", "enable", number.group(1)).exit_code == 0
    assert recoup("webhook", "remove", number.group(1)).exit_code == 0
    assert recoup("webhook", "list").stdout.strip() == "no webhook subscriptions"
    assert recoup("webhook", "remove", number.group(1)).exit_code == 1
