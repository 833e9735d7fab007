"""The customer page's actions: each goes through its domain's service, shows its
message on bad input and then writes nothing."""

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from recoup.cases import disputes, pauses
from recoup.cases.models import CallLog, Note
from recoup.comms.models import OutboxMessage
from recoup.credit import service as credit
from recoup.db import transaction
from recoup.ledger import service as ledger
from tests.web.support import AS_OF, World, log_in, make_client


def count(world: World, model: type) -> int:  # type: ignore[type-arg]
    with transaction(world.engine, actor="test") as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def client_for(world: World, email: str) -> tuple[TestClient, str]:
    client = make_client(world)
    return client, log_in(client, email)


def test_an_empty_note_is_refused_and_a_note_is_added(world: World) -> None:
    client, csrf = client_for(world, "collector@alpha.example")
    url = f"/customers/{world.a.customers['C2']}"
    before = count(world, Note)
    bad = client.post(f"{url}/notes", data={"text": "  ", "csrf_token": csrf})
    assert bad.status_code == 422
    assert "a note needs some text" in bad.text
    assert count(world, Note) == before
    good = client.post(f"{url}/notes", data={"text": "Asked for a copy", "csrf_token": csrf})
    assert good.status_code == 303
    page = client.get(url).text
    assert "Note added." in page
    assert "Note by collector@alpha.example" in page


def test_a_call_with_a_promise_pauses_the_invoices(world: World) -> None:
    client, csrf = client_for(world, "collector@alpha.example")
    customer_id = world.a.customers["C2"]
    url = f"/customers/{customer_id}"
    calls = count(world, CallLog)
    missing = client.post(
        f"{url}/calls", data={"outcome": "promised", "amount": "100", "csrf_token": csrf}
    )
    assert missing.status_code == 422
    assert "enter the date they promised to pay" in missing.text
    assert count(world, CallLog) == calls
    response = client.post(
        f"{url}/calls",
        data={"outcome": "promised", "contact": "Jo", "promised_on": "2026-07-10",
              "amount": "1000.00", "csrf_token": csrf},
    )  # fmt: skip
    assert response.status_code == 303
    assert "Promise to pay £1,000.00 by 10 Jul 2026" in client.get(url).text
    with transaction(world.engine, actor="test") as session:
        paused = pauses.pauses(session, org_id=world.a.id, as_of=AS_OF)
    assert {p.invoice_id for p in paused if p.customer_id == customer_id} == {
        world.a.invoices["A-C2-1"]
    }


def test_a_credit_hold_and_its_release(world: World) -> None:
    manager, csrf = client_for(world, "manager@alpha.example")
    customer_id = world.a.customers["C2"]
    url = f"/customers/{customer_id}"
    assert manager.post(f"{url}/hold", data={"reason": "", "csrf_token": csrf}).status_code == 422
    assert (
        manager.post(f"{url}/hold", data={"reason": "Over limit", "csrf_token": csrf}).status_code
        == 303
    )
    with transaction(world.engine, actor="test") as session:
        assert credit.holds(session, org_id=world.a.id, customer_id=customer_id, active_only=True)
        assert ledger.get_customer(session, org_id=world.a.id, external_id="C2").status == "on_hold"
    assert "credit hold" in manager.get(url).text
    released = manager.post(f"{url}/hold/release", data={"reason": "Paid", "csrf_token": csrf})
    assert released.status_code == 303
    collector, collector_csrf = client_for(world, "collector@alpha.example")
    refused = collector.post(f"{url}/hold", data={"reason": "x", "csrf_token": collector_csrf})
    assert refused.status_code == 403


def test_a_statement_is_queued_once_a_day_and_shows_in_the_outbox(world: World) -> None:
    client, csrf = client_for(world, "collector@alpha.example")
    customer_id = world.a.customers["C1"]
    with transaction(world.engine, actor="test") as session:
        contact = ledger.add_contact(
            session, org_id=world.a.id, customer_id=customer_id, name="AP", email="ap@c1.example"
        )
        contact_id = contact.id
    before = count(world, OutboxMessage)
    url = f"/customers/{customer_id}/statement"
    bad = client.post(url, data={"contact": "999999", "csrf_token": csrf})
    assert bad.status_code == 422
    assert "choose a contact with an email address" in bad.text
    first = client.post(url, data={"contact": str(contact_id), "csrf_token": csrf})
    assert first.status_code == 303
    again = client.post(url, data={"contact": str(contact_id), "csrf_token": csrf})
    assert "already planned today" in client.get(again.headers["location"]).text
    assert count(world, OutboxMessage) == before + 1
    outbox = client.get("/outbox?status=pending").text
    assert "statement" in outbox
    assert "ap@c1.example" in outbox


def test_a_dispute_needs_an_invoice_and_a_manager_resolves_it(world: World) -> None:
    collector, csrf = client_for(world, "collector@alpha.example")
    customer_id = world.a.customers["C2"]
    url = f"/customers/{customer_id}"
    none = collector.post(f"{url}/disputes", data={"reason": "quality", "csrf_token": csrf})
    assert none.status_code == 422
    assert "choose at least one invoice" in none.text
    opened = collector.post(
        f"{url}/disputes",
        data={"invoice": str(world.a.invoices["A-C2-2"]), "reason": "quality", "csrf_token": csrf},
    )
    assert opened.status_code == 303
    with transaction(world.engine, actor="test") as session:
        (dispute,) = [
            d
            for d in disputes.list_disputes(session, org_id=world.a.id, customer_id=customer_id)
            if d.reason == "quality"
        ]
    resolve = f"{url}/disputes/{dispute.id}/resolve"
    assert (
        collector.post(resolve, data={"outcome": "invalid", "csrf_token": csrf}).status_code == 403
    )
    manager, manager_csrf = client_for(world, "manager@alpha.example")
    done = manager.post(resolve, data={"outcome": "invalid", "csrf_token": manager_csrf})
    assert done.status_code == 303
    assert "closed (resolved invalid)" in manager.get(done.headers["location"]).text


def test_policies_are_listed(world: World) -> None:
    client, _ = client_for(world, "viewer@alpha.example")
    page = client.get("/policies").text
    assert "Escalation policies" in page
    assert "days past due" in page
