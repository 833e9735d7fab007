"""Deliveries end to end: the dispatcher POSTs to a real HTTP endpoint on 127.0.0.1,
the signatures verify with the ``standardwebhooks`` library, failures are retried with
the outbox's backoff and disable the subscription (its admins are emailed over real
SMTP), a replay is a new audited delivery, and two dispatches never send twice."""

import json
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from standardwebhooks import Webhook

from recoup.audit.models import AuditEvent
from recoup.auth import service as auth
from recoup.auth.models import Role
from recoup.comms.dispatcher import dispatch
from recoup.comms.models import OutboxMessage
from recoup.config import Settings
from recoup.db import make_engine, transaction
from recoup.db.base import utcnow
from recoup.db.migrate import upgrade
from recoup.jobs.effects import LiveChannels
from recoup.webhooks import service
from recoup.webhooks.models import WebhookAttempt, WebhookSubscription
from tests.factories import make_org
from tests.mailbox import StartServer
from tests.webhooks.sink import Sink, running_sink


@dataclass
class Book:
    engine: Engine
    org_id: int
    subscription_id: int
    secret: str


def make_book(database_url: str, url: str, *, events: str = "promise.made", **options: int) -> Book:
    engine = make_engine(database_url)
    upgrade(engine)
    with transaction(engine, actor="test") as session:
        org = make_org(session)
        auth.create_user(
            session,
            org_id=org.id,
            email="admin@acme.example",
            password="correct horse battery",
            role=Role.ADMIN,
        )
        sub = service.add_subscription(session, org_id=org.id, url=url, events=events, **options)
    return Book(engine, org.id, sub.id, sub.secret)


def emit(book: Book, count: int = 1, type: str = "promise.made") -> None:
    with transaction(book.engine, actor="test") as session:
        for n in range(count):
            service.emit(session, org_id=book.org_id, type=type, data={"promise_id": n + 1})


def channels(tmp_path: Path, smtp_port: int | None = None) -> LiveChannels:
    smtp = (
        f"smtp://127.0.0.1:{smtp_port}?from=credit@acme.example"
        if smtp_port
        else f"file://{tmp_path / 'mail'}?from=credit@acme.example"
    )
    return LiveChannels(
        Settings(smtp_url=smtp, letters_dir=str(tmp_path / "l"), sms_url=f"file://{tmp_path}/s")
    )


def verified(book: Book, sink: Sink, index: int = -1) -> dict[str, object]:
    received = sink.received[index]
    payload = Webhook(book.secret).verify(received.body, received.headers)
    assert isinstance(payload, dict)
    return payload


def rows(book: Book) -> list[OutboxMessage]:
    with transaction(book.engine, actor="test", read_only=True) as session:
        query = select(OutboxMessage).where(OutboxMessage.org_id == book.org_id)
        return list(session.scalars(query.order_by(OutboxMessage.id)))


def attempts(book: Book) -> list[WebhookAttempt]:
    with transaction(book.engine, actor="test", read_only=True) as session:
        return list(session.scalars(select(WebhookAttempt).order_by(WebhookAttempt.id)))


def subscription(book: Book) -> WebhookSubscription:
    with transaction(book.engine, actor="test", read_only=True) as session:
        return service.get_subscription(
            session, org_id=book.org_id, subscription_id=book.subscription_id
        )


def test_a_delivery_is_signed_as_the_standard_says_and_logged(
    database_url: str, sink: Sink, tmp_path: Path
) -> None:
    book = make_book(database_url, sink.url)
    emit(book)
    report = dispatch(book.engine, channels(tmp_path), org_id=book.org_id)

    assert (report.sent, report.failed) == (1, 0)
    payload = verified(book, sink)
    assert payload["type"] == "promise.made"
    assert payload["data"] == {"promise_id": 1}
    assert str(payload["timestamp"]).endswith("Z")
    headers = sink.received[0].headers
    (row,) = rows(book)
    assert headers["webhook-id"] == row.payload["event_id"]
    assert headers["content-type"] == "application/json"
    assert sink.received[0].body.decode() == row.payload["body"]  # stored as sent
    assert row.status == "sent"
    assert row.result.startswith("HTTP 200 in ")
    (attempt,) = attempts(book)
    assert (attempt.status_code, attempt.succeeded, attempt.attempt) == (200, True, 1)
    assert attempt.response_excerpt == '{"ok":true}'
    assert attempt.outbox_id == row.id
    assert attempt.event_type == "promise.made"
    # A tampered body does not verify.
    with pytest.raises(Exception, match="signature"):
        Webhook(book.secret).verify(sink.received[0].body + b" ", sink.received[0].headers)


def test_two_dispatches_deliver_each_event_exactly_once(
    database_url: str, sink: Sink, tmp_path: Path
) -> None:
    book = make_book(database_url, sink.url)
    emit(book, 3)
    first = dispatch(book.engine, channels(tmp_path), org_id=book.org_id)
    second = dispatch(book.engine, channels(tmp_path), org_id=book.org_id)
    assert (first.sent, second.sent) == (3, 0)
    ids = [r.headers["webhook-id"] for r in sink.received]
    assert len(ids) == len(set(ids)) == 3
    assert sorted(verified(book, sink, i)["data"]["promise_id"] for i in range(3)) == [1, 2, 3]  # type: ignore[index]


def test_a_failure_is_retried_with_backoff_and_a_success_resets_the_count(
    database_url: str, sink: Sink, tmp_path: Path
) -> None:
    book = make_book(database_url, sink.url)
    sink.answers.extend([503, 500])
    emit(book)
    start = utcnow()
    live = channels(tmp_path)

    report = dispatch(book.engine, live, org_id=book.org_id, clock=lambda: start)
    (row,) = rows(book)
    assert (report.retrying, row.status, row.attempts) == (1, "retrying", 1)
    assert row.next_attempt_at == start + timedelta(minutes=2)
    assert row.last_error.startswith("HTTP 503 in ")
    assert subscription(book).consecutive_failures == 1
    # Not yet due: nothing is sent.
    assert dispatch(book.engine, live, clock=lambda: start + timedelta(minutes=1)).retrying == 0
    dispatch(book.engine, live, clock=lambda: start + timedelta(minutes=3))
    (row,) = rows(book)
    assert (row.status, row.attempts) == ("retrying", 2)
    assert row.next_attempt_at == start + timedelta(minutes=3 + 4)
    dispatch(book.engine, live, clock=lambda: start + timedelta(minutes=8))
    (row,) = rows(book)
    assert (row.status, row.attempts) == ("sent", 3)
    assert [(a.attempt, a.status_code) for a in attempts(book)] == [(1, 503), (2, 500), (3, 200)]
    assert attempts(book)[0].response_excerpt == "endpoint says no"
    assert subscription(book).consecutive_failures == 0
    # Every attempt carried the same id, each signature valid for its own timestamp.
    assert len({r.headers["webhook-id"] for r in sink.received}) == 1
    for index in range(3):
        assert verified(book, sink, index)["type"] == "promise.made"


def test_repeated_failure_disables_the_subscription_and_emails_the_admins(
    database_url: str, sink: Sink, tmp_path: Path, smtp_server: StartServer
) -> None:
    book = make_book(database_url, sink.url, max_failures=3)
    with running_sink() as watcher:  # another endpoint hears of the admins' email
        with transaction(book.engine, actor="test") as session:
            service.add_subscription(
                session, org_id=book.org_id, url=watcher.url, events="message.sent"
            )
        mailbox, port = smtp_server()
        sink.answer_always = 500
        emit(book, 2)
        start = utcnow()
        live = channels(tmp_path, port)
        dispatch(book.engine, live, org_id=book.org_id, clock=lambda: start)
        assert subscription(book).consecutive_failures == 2  # both events tried once
        dispatch(book.engine, live, org_id=book.org_id, clock=lambda: start + timedelta(minutes=3))

        found = subscription(book)
        assert not found.enabled
        assert found.consecutive_failures == 3
        assert found.disabled_reason.startswith("3 failed attempts in a row")
        hooks = [r for r in rows(book) if r.kind == "webhook" and r.template == "promise.made"]
        assert [r.status for r in hooks] == ["cancelled", "cancelled"]
        assert "subscription disabled" in hooks[0].last_error
        assert len(sink.received) == 3
        (notice,) = [m for m in (mailbox.message(i) for i in range(len(mailbox.received)))]
        assert notice["To"] == "admin@acme.example"
        assert notice["Subject"] == f"Webhooks to {sink.url} were disabled"
        assert "3 failed attempts in a row" in notice.get_content()
        # The email's own event reached the other endpoint, signed with its own secret.
        (told,) = watcher.received
        body = json.loads(told.body)
        assert body["type"] == "message.sent"
        assert body["data"]["template"] == "webhook_disabled"
        assert body["data"]["channel"] == "email"
        # Nothing more goes to the disabled endpoint, however late.
        later = start + timedelta(hours=12)
        assert dispatch(book.engine, live, org_id=book.org_id, clock=lambda: later).sent == 0
        assert len(sink.received) == 3
        with transaction(book.engine, actor="test", read_only=True) as session:
            events = session.scalars(
                select(AuditEvent).where(AuditEvent.entity == "webhook_subscriptions")
            ).all()
        assert [e.actor for e in events][-1] == "dispatcher"


def test_gone_disables_at_once(database_url: str, sink: Sink, tmp_path: Path) -> None:
    book = make_book(database_url, sink.url)
    sink.answer_always = 410
    emit(book)
    report = dispatch(book.engine, channels(tmp_path), org_id=book.org_id)
    assert report.failed == 1
    assert not subscription(book).enabled
    assert "410 Gone" in subscription(book).disabled_reason


def test_a_replay_sends_the_same_event_again_and_is_audited(
    database_url: str, sink: Sink, tmp_path: Path
) -> None:
    book = make_book(database_url, sink.url)
    emit(book)
    dispatch(book.engine, channels(tmp_path), org_id=book.org_id)
    (original,) = rows(book)
    with transaction(book.engine, actor="admin@acme.example") as session:
        replayed = service.replay(
            session, org_id=book.org_id, delivery_id=original.id, by="admin@acme.example"
        )
    assert replayed.key == f"{original.key}:replay:1"
    dispatch(book.engine, channels(tmp_path), org_id=book.org_id)
    assert len(sink.received) == 2
    first, again = sink.received
    assert first.headers["webhook-id"] == again.headers["webhook-id"]
    assert first.body == again.body
    assert verified(book, sink)["data"] == {"promise_id": 1}
    assert [r.status for r in rows(book)] == ["sent", "sent"]
    assert [a.outbox_id for a in attempts(book)] == [original.id, replayed.id]
    with transaction(book.engine, actor="test", read_only=True) as session:
        event = session.scalars(
            select(AuditEvent).where(
                AuditEvent.entity == "outbox", AuditEvent.entity_id == replayed.id
            )
        ).one()
    assert event.actor == "admin@acme.example"
    assert f'"replay_of":{original.id}' in event.after.replace(" ", "")


def test_events_of_one_organisation_go_only_to_its_endpoints(
    database_url: str, sink: Sink, tmp_path: Path
) -> None:
    book = make_book(database_url, sink.url + "?org=acme")
    with transaction(book.engine, actor="test") as session:
        other = make_org(session, slug="other")
        service.add_subscription(
            session, org_id=other.id, url=sink.url + "?org=other", events="promise.made"
        )
        other_id = other.id
    emit(book, 2)
    dispatch(book.engine, channels(tmp_path))  # every organisation's rows
    assert [r.path for r in sink.received] == ["/hooks?org=acme", "/hooks?org=acme"]
    with transaction(book.engine, actor="test", read_only=True) as session:
        assert service.deliveries(session, org_id=other_id) == []
