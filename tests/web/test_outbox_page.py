"""An outbox message's page: text, sandboxed HTML, attachments, and resend / cancel by a
person (audited through ``recoup.comms.review``)."""

import json

from sqlalchemy import select

from recoup.audit.models import AuditEvent
from recoup.comms.models import OutboxMessage
from recoup.db import transaction
from tests.web.support import World, log_in, make_client


def test_a_message_is_shown_as_sent(world: World) -> None:
    client = make_client(world)
    log_in(client, "viewer@alpha.example")
    message_id = world.a.messages[0]
    page = client.get(f"/outbox/{message_id}")
    assert page.status_code == 200
    assert "Reminder: invoice A-C1-1" in page.text
    assert "Dear customer,\ninvoice is overdue." in page.text
    assert "550 mailbox unavailable" in page.text
    assert f'src="/outbox/{message_id}/html"' in page.text
    assert "Send again" not in page.text  # a viewer only reads
    html = client.get(f"/outbox/{message_id}/html")
    assert html.text == "<p>Dear customer,</p><p><b>invoice</b> is overdue.</p>"
    assert "sandbox" in html.headers["content-security-policy"]
    assert "frame-ancestors 'self'" in html.headers["content-security-policy"]
    assert html.headers["x-frame-options"] == "SAMEORIGIN"
    pdf = client.get(f"/outbox/{message_id}/attachments/1")
    assert pdf.content == b"%PDF-1.4 test"
    assert pdf.headers["content-type"] == "application/pdf"
    assert 'filename="A-C1-1.pdf"' in pdf.headers["content-disposition"]
    assert client.get(f"/outbox/{message_id}/attachments/2").status_code == 404
    assert client.get(f"/outbox/{message_id}/attachments/0").status_code == 404
    assert f'href="/outbox/{message_id}"' in client.get("/outbox").text


def test_a_collector_cannot_open_another_collectors_customers_messages(world: World) -> None:
    client = make_client(world)
    log_in(client, "spare@alpha.example")
    assert client.get(f"/outbox/{world.a.messages[0]}").status_code == 404


def test_a_manager_resends_then_cancels_and_both_are_audited(world: World) -> None:
    client = make_client(world)
    csrf = log_in(client, "manager@alpha.example")
    message_id = world.a.messages[0]
    assert "Send again" in client.get(f"/outbox/{message_id}").text
    resent = client.post(f"/outbox/{message_id}/resend", data={"csrf_token": csrf})
    assert resent.status_code == 303
    again = client.post(f"/outbox/{message_id}/resend", data={"csrf_token": csrf})
    assert again.status_code == 409  # pending now: nothing to resend
    cancelled = client.post(
        f"/outbox/{message_id}/cancel", data={"reason": "Wrong address", "csrf_token": csrf}
    )
    assert cancelled.status_code == 303
    with transaction(world.engine, actor="test") as session:
        row = session.get(OutboxMessage, message_id)
        assert row is not None
        assert row.status == "cancelled"
        assert row.last_error == "cancelled: Wrong address (manager@alpha.example)"
        assert row.body_html  # an unknown row is kept as stored
        events = session.scalars(
            select(AuditEvent).where(
                AuditEvent.org_id == world.a.id,
                AuditEvent.entity == "outbox",
                AuditEvent.entity_id == message_id,
            )
        ).all()
        assert [(e.actor, json.loads(e.after or "{}")["status"]) for e in events] == [
            ("user:manager@alpha.example", "pending"),
            ("user:manager@alpha.example", "cancelled"),
        ]
