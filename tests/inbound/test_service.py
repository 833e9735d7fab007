"""Receiving replies on both databases: matched to the customer, stored with their
files, and acted on through the cases and ledger services; chasing pauses until a
person handles them."""

from datetime import date, timedelta

import pytest
from sqlalchemy.orm import Session

from recoup.cases import disputes, promises, tasks
from recoup.errors import Conflict
from recoup.inbound import service as inbound
from recoup.inbound.enums import ReplyKind, ReplyStatus
from recoup.ledger import service as ledger
from recoup.policy.pauses import PauseScope
from tests.factories import make_customer
from tests.inbound.conftest import RECEIVED, Book
from tests.inbound.messages import TOKEN, eml

DAY = RECEIVED.date()


def receive(session: Session, book: Book, name: str) -> inbound.Received:
    return inbound.receive(session, org_id=book.org.id, raw=eml(name), received_at=RECEIVED)


def reply_tasks(session: Session, book: Book) -> list[tuple[int | None, str, str]]:
    return [
        (t.customer_id, t.kind, t.title)
        for t in tasks.open_tasks(session, org_id=book.org.id)
        if (t.key or "").startswith("reply:")
    ]


def test_reply_addresses_are_per_customer_stable_and_unguessable(
    session: Session, book: Book
) -> None:
    org_id = book.org.id
    assert inbound.reply_address(session, org_id=org_id, customer_id=book.customer.id) == (
        f"ar+{TOKEN}@acme.example"
    )
    first = inbound.reply_address(session, org_id=org_id, customer_id=book.other.id)
    again = inbound.reply_address(session, org_id=org_id, customer_id=book.other.id)
    assert first == again
    assert first.startswith("ar+")
    assert first.endswith("@acme.example")
    token = first[3:].split("@")[0]
    assert len(token) == 16
    assert token != TOKEN
    third = make_customer(session, org=book.org, external_id="C3")
    assert inbound.reply_address(session, org_id=org_id, customer_id=third.id) != first
    inbound.set_address(
        session, org_id=org_id, address="credit@acme.example", plus_addressing=False
    )
    assert inbound.reply_address(session, org_id=org_id, customer_id=third.id) == (
        "credit@acme.example"
    )


def test_a_paid_reply_by_token_is_stored_with_its_remittance(session: Session, book: Book) -> None:
    received = receive(session, book, "paid_remittance")
    reply = received.reply
    assert received.new
    assert (reply.customer_id, reply.matched_by, reply.kind, reply.status) == (
        book.customer.id,
        "token",
        ReplyKind.PAID,
        ReplyStatus.WAITING,
    )
    assert reply.paused_until == date(2026, 12, 8)
    assert reply.draft == {"invoice_ids": [book.invoices["INV-1-1"].id]}
    (pdf,) = inbound.attachments(session, org_id=book.org.id, reply_id=reply.id)
    assert pdf.filename == "Remittance-INV-1-1.pdf"
    assert pdf.content.startswith(b"%PDF")
    assert reply_tasks(session, book) == [
        (
            book.customer.id,
            "review",
            "Check the payment the customer says was made (remittance attached)",
        )
    ]
    # Paused a few days, whatever a person does; then chasing goes on.
    for day, paused in ((DAY, True), (date(2026, 12, 8), True), (date(2026, 12, 9), False)):
        found = inbound.pauses(session, org_id=book.org.id, as_of=day)
        assert bool(found) is paused, day
    (pause,) = inbound.pauses(session, org_id=book.org.id, as_of=DAY)
    assert (pause.scope, pause.customer_id, pause.kind) == (
        PauseScope.CUSTOMER,
        book.customer.id,
        "reply",
    )


def test_the_same_message_twice_is_stored_once(session: Session, book: Book) -> None:
    first = receive(session, book, "paid_remittance")
    again = receive(session, book, "paid_remittance")
    assert not again.new
    assert again.reply.id == first.reply.id
    assert len(reply_tasks(session, book)) == 1


def test_a_dispute_by_thread_is_drafted_and_a_collector_confirms_it(
    session: Session, book: Book
) -> None:
    reply = receive(session, book, "dispute_de").reply
    # The sender is C2's contact, but the reply answers C1's reminder: the thread wins.
    assert (reply.customer_id, reply.matched_by, reply.kind) == (
        book.customer.id,
        "thread",
        ReplyKind.DISPUTE,
    )
    assert inbound.pauses(session, org_id=book.org.id, as_of=DAY + timedelta(days=30))
    assert disputes.list_disputes(session, org_id=book.org.id) == []  # a draft only
    handled = inbound.confirm(session, org_id=book.org.id, reply_id=reply.id, by="sam@acme.example")
    (dispute,) = disputes.list_disputes(session, org_id=book.org.id)
    assert handled.outcome == f"dispute #{dispute.id} opened"
    assert (dispute.reason, dispute.disputed_amount, dispute.opened_on) == ("quality", 20000, DAY)
    assert disputes.dispute_invoice_ids(session, org_id=book.org.id, dispute_id=dispute.id) == [
        book.invoices["INV-1-2"].id
    ]
    assert reply_tasks(session, book) == []  # its task is done
    assert inbound.pauses(session, org_id=book.org.id, as_of=DAY) == []  # the dispute pauses now
    with pytest.raises(Conflict, match="handled, not waiting"):
        inbound.confirm(session, org_id=book.org.id, reply_id=reply.id, by="sam@acme.example")


def test_a_promise_by_sender_is_drafted_and_confirmed_with_another_date(
    session: Session, book: Book
) -> None:
    reply = receive(session, book, "promise_en").reply
    assert (reply.matched_by, reply.kind, reply.draft) == (
        "sender",
        ReplyKind.PROMISE,
        {"invoice_ids": [book.invoices["INV-1-1"].id], "promised_on": "2026-12-18"},
    )
    inbound.confirm(
        session,
        org_id=book.org.id,
        reply_id=reply.id,
        by="sam@acme.example",
        promised_on=date(2026, 12, 21),
    )
    (promise,) = promises.list_promises(session, org_id=book.org.id)
    assert (promise.promised_on, promise.promised_amount, promise.channel, promise.contact) == (
        date(2026, 12, 21),
        100000,
        "email",
        "ap1@customer.example",
    )


@pytest.mark.parametrize("name", ["out_of_office_en", "out_of_office_de", "delayed_dsn"])
def test_automatic_answers_are_noted_without_a_task_or_a_pause(
    session: Session, book: Book, name: str
) -> None:
    reply = receive(session, book, name).reply
    assert (reply.kind, reply.status) == (ReplyKind.AUTO_REPLY, ReplyStatus.NOTED)
    assert reply.customer_id is not None  # token, thread or sender
    assert reply_tasks(session, book) == []
    assert inbound.pauses(session, org_id=book.org.id, as_of=DAY) == []


def test_a_bounce_switches_off_the_contacts_email_and_raises_a_task(
    session: Session, book: Book
) -> None:
    reply = receive(session, book, "bounce_dsn").reply
    assert (reply.customer_id, reply.matched_by, reply.kind) == (
        book.customer.id,
        "token",
        ReplyKind.BOUNCE,
    )
    (contact,) = ledger.contacts_of(session, org_id=book.org.id, customer_id=book.customer.id)
    assert contact.opted_out == ["email"]
    (bounced,) = inbound.undeliverable(session, org_id=book.org.id, customer_id=book.customer.id)
    assert (bounced.email, bounced.contact_id, bounced.status_code) == (
        "ap1@customer.example",
        contact.id,
        "5.1.1",
    )
    assert "User unknown" in bounced.diagnostic
    assert reply_tasks(session, book) == [
        (
            book.customer.id,
            "delivery",
            "Email to ap1@customer.example bounced: find a working address",
        )
    ]
    assert inbound.pauses(session, org_id=book.org.id, as_of=DAY)


def test_chasing_pauses_until_the_task_is_done_or_the_reply_handled(
    session: Session, book: Book
) -> None:
    question = receive(session, book, "question_en").reply
    assert question.kind is ReplyKind.OTHER
    later = DAY + timedelta(days=40)
    (pause,) = inbound.pauses(session, org_id=book.org.id, as_of=later)
    assert pause.ends_on is None
    assert "waiting for a person" in pause.reason
    # Done on the tasks page: the pause ends.
    (task,) = [
        t
        for t in tasks.open_tasks(session, org_id=book.org.id)
        if t.key == inbound.task_key(question)
    ]
    tasks.complete_task(session, org_id=book.org.id, task_id=task.id, by="sam@acme.example")
    assert inbound.pauses(session, org_id=book.org.id, as_of=later) == []
    # Or handled here: the task is done with it.
    raw = eml("question_en").replace(b"<q.77@customer.example>", b"<q.78@customer.example>")
    second = inbound.receive(session, org_id=book.org.id, raw=raw, received_at=RECEIVED).reply
    assert inbound.pauses(session, org_id=book.org.id, as_of=later)
    inbound.mark_handled(
        session, org_id=book.org.id, reply_id=second.id, by="sam@acme.example", note="sent a copy"
    )
    assert second.outcome == "sent a copy"
    assert second.handled_by == "sam@acme.example"
    assert inbound.pauses(session, org_id=book.org.id, as_of=later) == []
    assert reply_tasks(session, book) == []


def test_a_reply_from_nobody_known_is_a_task_without_a_customer(
    session: Session, book: Book
) -> None:
    raw = (
        b"From: stranger@elsewhere.example\r\nTo: ar@acme.example\r\nSubject: Invoice?\r\n"
        b"Message-ID: <s.1@elsewhere.example>\r\n\r\nWho are you?\r\n"
    )
    reply = inbound.receive(session, org_id=book.org.id, raw=raw, received_at=RECEIVED).reply
    assert (reply.customer_id, reply.status) == (None, ReplyStatus.WAITING)
    assert reply_tasks(session, book) == [
        (None, "review", "Reply from an unknown sender: find the customer")
    ]
    with pytest.raises(Conflict, match="no customer"):
        inbound.confirm(session, org_id=book.org.id, reply_id=reply.id, by="sam@acme.example")


def test_another_organisations_token_matches_nothing(session: Session, book: Book) -> None:
    from tests.factories import make_org

    other = make_org(session, slug="globex")
    reply = inbound.receive(
        session, org_id=other.id, raw=eml("paid_remittance"), received_at=RECEIVED
    ).reply
    assert reply.customer_id is None
