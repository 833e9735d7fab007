"""``/webhooks`` for admins: add (the secret shown once), the delivery log of a real
delivery, replay, disable; other roles and other organisations are kept out."""

from pathlib import Path

from sqlalchemy import select

from recoup.audit.models import AuditEvent
from recoup.comms.dispatcher import dispatch
from recoup.config import Settings
from recoup.db import transaction
from recoup.jobs.effects import LiveChannels
from recoup.webhooks import service
from tests.web.conftest import world  # noqa: F401 (the fixture)
from tests.web.support import World, log_in, make_client
from tests.webhooks.sink import Sink


def test_an_admin_adds_a_webhook_reads_its_log_replays_and_disables_it(
    world: World,  # noqa: F811
    sink: Sink,
    tmp_path: Path,
) -> None:
    client = make_client(world)
    csrf = log_in(client, "admin@alpha.example")
    assert "Webhooks" in client.get("/").text  # in the admin's menu
    refused = client.post(
        "/webhooks", data={"csrf_token": csrf, "url": "ftp://x.example", "events": ["promise.made"]}
    )
    assert refused.status_code == 422
    assert "must be an http:// or https:// address" in refused.text

    added = client.post(
        "/webhooks",
        data={"csrf_token": csrf, "url": sink.url, "events": ["promise.made", "dispute.opened"]},
    )
    assert added.status_code == 201
    assert added.headers["cache-control"] == "no-store"
    assert "whsec_" in added.text
    assert not any("whsec_" in c for c in added.headers.get_list("set-cookie"))
    with transaction(world.engine, actor="test") as session:
        (sub,) = service.list_subscriptions(session, org_id=world.a.id)
        assert sub.secret in added.text
        service.emit(session, org_id=world.a.id, type="promise.made", data={"promise_id": 7})
    settings = Settings(smtp_url=f"file://{tmp_path}/mail", letters_dir=str(tmp_path / "l"))
    assert dispatch(world.engine, LiveChannels(settings), org_id=world.a.id).sent >= 1
    assert len(sink.received) == 1

    log = client.get(f"/webhooks/{sub.id}")
    assert log.status_code == 200
    assert "HTTP 200" in log.text
    assert "promise.made" in log.text
    (delivery,) = service_deliveries(world, sub.id)
    replayed = client.post(f"/webhooks/deliveries/{delivery}/replay", data={"csrf_token": csrf})
    assert replayed.status_code == 303
    assert replayed.headers["location"] == f"/webhooks/{sub.id}"
    assert "replay of #" in client.get(f"/webhooks/{sub.id}").text
    with transaction(world.engine, actor="test", read_only=True) as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.entity == "outbox").order_by(AuditEvent.seq.desc())
        ).first()
        assert event is not None
        assert event.actor == "user:admin@alpha.example"

    off = client.post(f"/webhooks/{sub.id}/enabled", data={"csrf_token": csrf, "enabled": "0"})
    assert off.status_code == 303
    page = client.get("/webhooks")
    assert "disabled by admin@alpha.example" in page.text
    assert "whsec_" not in page.text  # never shown again
    assert "Replay" not in client.get(f"/webhooks/{sub.id}").text

    # Other roles and other organisations see none of it.
    manager = make_client(world)
    log_in(manager, "manager@alpha.example")
    assert manager.get("/webhooks").status_code == 403
    other = make_client(world)
    other_csrf = log_in(other, "admin@beta.example")
    assert other.get(f"/webhooks/{sub.id}").status_code == 404
    assert (
        other.post(f"/webhooks/{sub.id}/remove", data={"csrf_token": other_csrf}).status_code == 404
    )
    assert sink.url not in other.get("/webhooks").text

    removed = client.post(f"/webhooks/{sub.id}/remove", data={"csrf_token": csrf})
    assert removed.status_code == 303
    assert "No webhooks yet" in client.get("/webhooks").text


def service_deliveries(built: World, subscription_id: int, org_id: int | None = None) -> list[int]:
    with transaction(built.engine, actor="test", read_only=True) as session:
        rows = service.deliveries(
            session, org_id=org_id or built.a.id, subscription_id=subscription_id
        )
        return [r.id for r in rows]


def test_a_delivery_shows_on_the_outbox_page_as_sent(
    world: World,  # noqa: F811
    sink: Sink,
    tmp_path: Path,
) -> None:
    with transaction(world.engine, actor="test") as session:
        sub = service.add_subscription(
            session, org_id=world.b.id, url=sink.url, events="dispute.opened"
        )
        service.emit(session, org_id=world.b.id, type="dispute.opened", data={"dispute_id": 3})
    settings = Settings(smtp_url=f"file://{tmp_path}/mail", letters_dir=str(tmp_path / "l"))
    dispatch(world.engine, LiveChannels(settings), org_id=world.b.id)
    (delivery,) = service_deliveries(world, sub.id, org_id=world.b.id)
    client = make_client(world)
    log_in(client, "admin@beta.example")
    page = client.get(f"/outbox/{delivery}")
    assert page.status_code == 200
    assert sink.received[0].body.decode().replace('"', "&#34;") in page.text
    assert "webhook-signature" in page.text
