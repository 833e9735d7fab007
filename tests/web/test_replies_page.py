"""The replies pages: a collector sees the replies of their customers, confirms a drafted
dispute, marks a reply handled; the reply shows on the customer's timeline."""

from datetime import UTC, datetime

from recoup.cases import disputes as case_disputes
from recoup.db import transaction
from recoup.inbound import service as inbound
from tests.inbound.messages import eml
from tests.web.support import World, log_in, make_client

RECEIVED = datetime(2026, 6, 29, 10, tzinfo=UTC)


def _reply(world: World, name: str, message_id: str) -> int:
    """A fixture message from C1's contact, to C1's own reply address."""
    with transaction(world.engine, actor="test") as session:
        org_id, customer_id = world.a.id, world.a.customers["C1"]
        inbound.set_address(session, org_id=org_id, address="ar@alpha.example")
        address = inbound.reply_address(session, org_id=org_id, customer_id=customer_id)
        token = address.split("+")[1].split("@")[0]
        raw = eml(name, token=token).replace(b"INV-1-2", b"A-C1-2").replace(b"INV-1-1", b"A-C1-1")
        raw = raw.replace(
            b"To: Acme Forderungsmanagement <ar@acme.example>", f"To: {address}".encode()
        )
        raw = raw.replace(b"<a81c2f0e-77d1-4c51-9a0e@kunde.example>", message_id.encode())
        raw = raw.replace(b"<DB9PR01MB7262A1@customer.example>", message_id.encode())
        received = inbound.receive(session, org_id=org_id, raw=raw, received_at=RECEIVED)
        return received.reply.id


def test_a_collector_confirms_a_dispute_drafted_from_a_reply(world: World) -> None:
    reply_id = _reply(world, "dispute_de", "<web.dispute.1@kunde.example>")
    viewer = make_client(world)
    log_in(viewer, "viewer@alpha.example")
    listing = viewer.get("/replies")
    assert listing.status_code == 200
    assert f'href="/replies/{reply_id}"' in listing.text
    assert "Dispute of A-C1-2 (quality)" in listing.text
    assert "Confirm dispute" not in listing.text  # a viewer only reads
    # Another collector does not see C1's replies.
    spare = make_client(world)
    log_in(spare, "spare@alpha.example")
    assert f'href="/replies/{reply_id}"' not in spare.get("/replies").text
    assert spare.get(f"/replies/{reply_id}").status_code == 404
    # Nor does another organisation.
    beta = make_client(world)
    log_in(beta, "admin@beta.example")
    assert beta.get(f"/replies/{reply_id}").status_code == 404

    collector = make_client(world)
    csrf = log_in(collector, "collector@alpha.example")
    page = collector.get(f"/replies/{reply_id}")
    assert "wir widersprechen der Rechnung A-C1-2" in page.text
    assert "Confirm dispute" in page.text
    done = collector.post(
        f"/replies/{reply_id}/confirm",
        data={"csrf_token": csrf, "invoice_ids": [str(world.a.invoices["A-C1-2"])]},
    )
    assert done.status_code == 303
    with transaction(world.engine, actor="test", read_only=True) as session:
        disputes = case_disputes.list_disputes(
            session, org_id=world.a.id, customer_id=world.a.customers["C1"]
        )
        ours = [d for d in disputes if "widersprechen" in d.description]
        assert len(ours) == 1
        assert ours[0].owner == "collector@alpha.example"
        assert inbound.get_reply(session, org_id=world.a.id, reply_id=reply_id).status == "handled"
    assert f'href="/replies/{reply_id}"' not in collector.get("/replies").text  # not waiting
    assert f'href="/replies/{reply_id}"' in collector.get("/replies?show=all").text
    timeline = collector.get(f"/customers/{world.a.customers['C1']}").text
    assert "Email from buchhaltung@kunde.example" in timeline
    assert "dispute (handled by collector@alpha.example: dispute #" in timeline


def test_a_paid_reply_shows_its_remittance_and_is_marked_handled(world: World) -> None:
    reply_id = _reply(world, "paid_remittance", "<web.paid.1@customer.example>")
    client = make_client(world)
    csrf = log_in(client, "manager@alpha.example")
    page = client.get(f"/replies/{reply_id}")
    assert "Remittance-A-C1-1.pdf" in page.text
    assert "Chasing this customer is paused until" in page.text
    pdf = client.get(f"/replies/{reply_id}/attachments/1")
    assert pdf.content.startswith(b"%PDF-1.4")
    assert pdf.headers["content-type"] == "application/pdf"
    assert client.get(f"/replies/{reply_id}/attachments/2").status_code == 404
    handled = client.post(
        f"/replies/{reply_id}/handled", data={"csrf_token": csrf, "note": "payment found"}
    )
    assert handled.status_code == 303
    with transaction(world.engine, actor="test", read_only=True) as session:
        reply = inbound.get_reply(session, org_id=world.a.id, reply_id=reply_id)
        assert (reply.status, reply.outcome) == ("handled", "payment found")
    again = client.post(f"/replies/{reply_id}/handled", data={"csrf_token": csrf})
    assert again.status_code == 409
