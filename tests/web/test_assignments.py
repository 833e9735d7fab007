"""/assignments: managers give accounts to collectors one by one or by filter; a new
collector's empty worklist says why; unassigned accounts are counted and listed."""

import json

from sqlalchemy import select

from recoup.audit.models import AuditEvent
from recoup.db import transaction
from recoup.ledger import service as ledger
from tests.web.support import World, log_in, make_client


def _collectors(world: World) -> dict[str, str]:
    with transaction(world.engine, actor="test") as session:
        return {c.external_id: c.collector for c in ledger.customers(session, org_id=world.a.id)}


def test_a_new_collectors_empty_worklist_says_why(world: World) -> None:
    client = make_client(world)
    log_in(client, "spare@alpha.example")
    page = client.get("/worklist")
    assert page.status_code == 200
    assert "No accounts are assigned to you yet" in page.text
    assert "Assign accounts" not in page.text  # a collector does not assign


def test_a_manager_sees_and_filters_unassigned_accounts(world: World) -> None:
    client = make_client(world)
    log_in(client, "manager@alpha.example")
    assert 'href="/assignments"' in client.get("/worklist").text
    page = client.get("/assignments")
    assert page.status_code == 200
    assert "<strong>1</strong> customer with open invoices has no collector" in page.text
    nobody = client.get("/assignments?collector=none")
    assert "A C2 Kunde GmbH" in nobody.text
    assert "A C1 Kunde GmbH" not in nobody.text
    # Both customers' oldest open invoice is 45 days late.
    late = client.get("/assignments?bucket=31-60")
    assert "A C1 Kunde GmbH" in late.text
    assert "A C2 Kunde GmbH" in late.text
    assert "A C1 Kunde GmbH" not in client.get("/assignments?bucket=1-30").text
    assert "A C1 Kunde GmbH" not in client.get("/assignments?country=FR").text


def test_assigning_by_filter_and_one_by_one(world: World) -> None:
    client = make_client(world)
    csrf = log_in(client, "manager@alpha.example")
    unknown = client.post(
        "/assignments",
        data={"to": "stranger@else.example", "which": "all", "csrf_token": csrf},
    )
    assert unknown.status_code == 422
    assert "to: choose one of the active users" in unknown.text
    none_ticked = client.post(
        "/assignments", data={"to": "spare@alpha.example", "csrf_token": csrf}
    )
    assert none_ticked.status_code == 422
    assert _collectors(world) == {"C1": "collector@alpha.example", "C2": ""}
    everyone_unassigned = client.post(
        "/assignments",
        data={"to": "spare@alpha.example", "which": "all", "collector": "none",
              "csrf_token": csrf},
    )  # fmt: skip
    assert everyone_unassigned.status_code == 303
    assert _collectors(world) == {"C1": "collector@alpha.example", "C2": "spare@alpha.example"}
    c1 = world.a.customers["C1"]
    ticked = client.post(
        "/assignments", data={"to": "spare@alpha.example", "customer": str(c1), "csrf_token": csrf}
    )
    assert ticked.status_code == 303
    assert _collectors(world) == {"C1": "spare@alpha.example", "C2": "spare@alpha.example"}
    with transaction(world.engine, actor="test") as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.entity == "customers", AuditEvent.entity_id == c1)
        ).all()
        assert [(e.actor, json.loads(e.after or "{}")) for e in events][-1] == (
            "user:manager@alpha.example",
            {"collector": "spare@alpha.example"},
        )
    theirs = client.post(
        "/assignments",
        data={"to": "", "customer": [str(c1), str(world.b.customers["C1"])], "csrf_token": csrf},
    )
    assert theirs.status_code == 404  # another organisation's customer: nothing changes
    assert _collectors(world)["C1"] == "spare@alpha.example"
    spare = make_client(world)
    log_in(spare, "spare@alpha.example")
    worklist = spare.get("/worklist").text
    assert "A C1 Kunde GmbH" in worklist
    assert "No accounts are assigned" not in worklist
    back = client.post("/assignments", data={"to": "", "which": "all", "csrf_token": csrf})
    assert back.status_code == 303
    assert _collectors(world) == {"C1": "", "C2": ""}
