"""Subscriptions and emitting: one outbox row per event and enabled subscription to its
type, in the caller's transaction; the domains emit where things happen."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from recoup.audit.models import AuditEvent
from recoup.cases import disputes, promises
from recoup.comms.models import OutboxMessage, OutboxStatus
from recoup.credit import service as credit
from recoup.errors import Conflict, InvalidInput, NotFound
from recoup.ledger import service as ledger
from recoup.webhooks import service
from recoup.webhooks.overdue import emit_overdue
from tests.factories import make_customer, make_invoice, make_org, make_payment


def webhook_rows(session: Session, org_id: int) -> list[OutboxMessage]:
    query = select(OutboxMessage).where(
        OutboxMessage.org_id == org_id, OutboxMessage.kind == "webhook"
    )
    return list(session.scalars(query.order_by(OutboxMessage.id)))


def test_a_subscription_gets_a_secret_and_its_creation_is_audited_without_it(
    session: Session,
) -> None:
    org = make_org(session)
    sub = service.add_subscription(
        session,
        org_id=org.id,
        url=" https://hooks.example.com/r ",
        events="promise.made, message.sent",
    )
    assert sub.secret.startswith("whsec_")
    assert len(sub.secret) == 6 + 44
    assert sub.url == "https://hooks.example.com/r"
    assert sub.events == ["promise.made", "message.sent"]
    event = session.scalars(
        select(AuditEvent).where(
            AuditEvent.org_id == org.id, AuditEvent.entity == "webhook_subscriptions"
        )
    ).one()
    assert sub.secret not in event.after
    assert "promise.made" in event.after


@pytest.mark.parametrize(
    ("url", "events", "field"),
    [
        ("ftp://x.example", "promise.made", "url"),
        ("https://user:pw@x.example", "promise.made", "url"),
        ("https://x.example", "promise.kept", "events"),
        ("https://x.example", "", "events"),
    ],
)
def test_a_bad_subscription_names_the_field_and_writes_nothing(
    session: Session, url: str, events: str, field: str
) -> None:
    org = make_org(session)
    with pytest.raises(InvalidInput) as raised:
        service.add_subscription(session, org_id=org.id, url=url, events=events)
    assert raised.value.field == field
    assert service.list_subscriptions(session, org_id=org.id) == []


def test_emit_plans_one_row_per_enabled_subscription_to_the_type(session: Session) -> None:
    org = make_org(session)
    both = service.add_subscription(
        session, org_id=org.id, url="https://a.example", events="promise.made,promise.broken"
    )
    service.add_subscription(session, org_id=org.id, url="https://b.example", events="message.sent")
    off = service.add_subscription(
        session, org_id=org.id, url="https://c.example", events="promise.made"
    )
    service.set_enabled(session, org_id=org.id, subscription_id=off.id, enabled=False)

    keys = service.emit(
        session, org_id=org.id, type="promise.made", data={"on": date(2026, 3, 1)}, key="p:1"
    )
    again = service.emit(
        session, org_id=org.id, type="promise.made", data={"on": date(2026, 3, 1)}, key="p:1"
    )

    assert again == []  # the same event is planned once
    (row,) = webhook_rows(session, org.id)
    assert keys == [row.key]
    assert row.key.startswith(f"webhook:{both.id}:msg_")
    assert row.recipient == "https://a.example"
    assert row.payload["type"] == "promise.made"
    assert row.payload["data"] == {"on": "2026-03-01"}
    assert row.payload["event_id"] == service.event_id(org_id=org.id, key="p:1")
    assert row.status == OutboxStatus.PENDING
    assert row.customer_id is None


def test_another_organisations_subscriptions_hear_nothing_and_cannot_be_reached(
    session: Session,
) -> None:
    ours, theirs = make_org(session, slug="ours"), make_org(session, slug="theirs")
    their_sub = service.add_subscription(
        session, org_id=theirs.id, url="https://t.example", events="promise.made"
    )
    service.emit(session, org_id=ours.id, type="promise.made", data={})
    assert webhook_rows(session, theirs.id) == []
    with pytest.raises(NotFound):
        service.get_subscription(session, org_id=ours.id, subscription_id=their_sub.id)
    with pytest.raises(NotFound):
        service.set_enabled(session, org_id=ours.id, subscription_id=their_sub.id, enabled=False)
    with pytest.raises(NotFound):
        service.remove_subscription(session, org_id=ours.id, subscription_id=their_sub.id)


def test_disabling_cancels_what_waits_and_removing_keeps_the_outbox(session: Session) -> None:
    org = make_org(session)
    sub = service.add_subscription(
        session, org_id=org.id, url="https://a.example", events="promise.made"
    )
    service.emit(session, org_id=org.id, type="promise.made", data={})
    service.set_enabled(
        session, org_id=org.id, subscription_id=sub.id, enabled=False, reason="maintenance"
    )
    (row,) = webhook_rows(session, org.id)
    session.refresh(row)
    assert (row.status, row.last_error) == ("cancelled", "not sent: maintenance")
    with pytest.raises(Conflict):
        service.replay(session, org_id=org.id, delivery_id=row.id)
    service.remove_subscription(session, org_id=org.id, subscription_id=sub.id)
    assert service.list_subscriptions(session, org_id=org.id) == []
    assert len(webhook_rows(session, org.id)) == 1


def test_the_domains_emit_their_events(session: Session) -> None:
    org = make_org(session)
    types = "promise.made,dispute.opened,dispute.resolved,payment.applied,credit_hold.placed,credit_hold.released"
    service.add_subscription(session, org_id=org.id, url="https://a.example", events=types)
    customer = make_customer(session, org=org)
    first = make_invoice(session, customer=customer, number="INV-1", total="100.00")
    second = make_invoice(session, customer=customer, number="INV-2", total="50.00")
    promises.add_promise(
        session,
        org_id=org.id,
        customer_id=customer.id,
        items=[(first.id, None)],
        promised_on=date(2026, 3, 10),
        made_on=date(2026, 3, 1),
    )
    dispute = disputes.open_dispute(
        session,
        org_id=org.id,
        customer_id=customer.id,
        invoice_ids=[second.id],
        reason="pricing",
        opened_on=date(2026, 3, 1),
    )
    disputes.resolve_dispute(
        session, org_id=org.id, dispute_id=dispute.id, outcome="invalid", on=date(2026, 3, 2)
    )
    payment = make_payment(session, customer=customer, amount="40.00")
    ledger.allocate(
        session,
        org_id=org.id,
        invoice_id=first.id,
        amount=Decimal("40.00"),
        on=date(2026, 3, 3),
        payment_id=payment.id,
    )
    credit.place_hold(session, org_id=org.id, customer_id=customer.id, reason="over limit")
    credit.release_hold(session, org_id=org.id, customer_id=customer.id, reason="paid")

    rows = webhook_rows(session, org.id)
    assert [r.payload["type"] for r in rows] == [
        "promise.made",
        "dispute.opened",
        "dispute.resolved",
        "payment.applied",
        "credit_hold.placed",
        "credit_hold.released",
    ]
    promise, opened, resolved, applied, placed, released = (r.payload["data"] for r in rows)
    assert promise["promised_amount"] == "100.00"
    assert promise["currency"] == "EUR"
    assert promise["promised_on"] == "2026-03-10"
    assert promise["status"] == "pending"
    assert opened["invoice_ids"] == [second.id]
    assert opened["disputed_amount"] == "50.00"
    assert resolved["status"] == "resolved_invalid"
    assert resolved["resolved_on"] == "2026-03-02"
    assert applied == {
        "allocation_id": applied["allocation_id"],
        "payment_id": payment.id,
        "invoice_id": first.id,
        "currency": "EUR",
        "amount": "40.00",
        "allocated_on": "2026-03-03",
    }
    assert placed["reason"] == "over limit"
    assert placed["status"] == "active"
    assert released["status"] == "released"
    assert released["release_reason"] == "paid"


def test_invoices_falling_overdue_are_told_once(session: Session) -> None:
    org = make_org(session)
    service.add_subscription(
        session, org_id=org.id, url="https://a.example", events="invoice.overdue"
    )
    customer = make_customer(session, org=org)
    make_invoice(session, customer=customer, number="DUE-5", due_date=date(2026, 3, 5))
    make_invoice(session, customer=customer, number="DUE-20", due_date=date(2026, 2, 18))
    make_invoice(session, customer=customer, number="NOT-YET", due_date=date(2026, 3, 10))

    assert len(emit_overdue(session, org_id=org.id, as_of=date(2026, 3, 10))) == 1
    assert emit_overdue(session, org_id=org.id, as_of=date(2026, 3, 11)) != []  # NOT-YET
    assert emit_overdue(session, org_id=org.id, as_of=date(2026, 3, 12)) == []
    data = [r.payload["data"] for r in webhook_rows(session, org.id)]
    assert [(d["number"], d["days_past_due"]) for d in data] == [("DUE-5", 5), ("NOT-YET", 1)]
    assert data[0]["open_amount"] == "100.00"


def test_the_credit_rule_s_holds_are_told_too(session: Session) -> None:
    org = make_org(session)
    service.add_subscription(
        session, org_id=org.id, url="https://a.example", events="credit_hold.placed"
    )
    customer = make_customer(session, org=org)
    make_invoice(session, customer=customer, number="OLD", due_date=date(2026, 1, 1))
    changes = credit.evaluate_holds(session, org_id=org.id, as_of=date(2026, 6, 1))
    (hold,) = changes.placed
    (row,) = webhook_rows(session, org.id)
    assert row.payload["data"]["hold_id"] == hold.id
    assert row.payload["data"]["source"] == "rule"


def test_a_removed_subscription_s_id_is_never_given_again(session: Session) -> None:
    org = make_org(session)
    first = service.add_subscription(
        session, org_id=org.id, url="https://a.example", events="promise.made"
    )
    service.emit(session, org_id=org.id, type="promise.made", data={})
    service.remove_subscription(session, org_id=org.id, subscription_id=first.id)
    second = service.add_subscription(
        session, org_id=org.id, url="https://b.example", events="promise.made"
    )
    assert second.id != first.id
    assert service.deliveries(session, org_id=org.id, subscription_id=second.id) == []
