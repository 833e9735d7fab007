"""Typed outbox payloads: every shape stored so far reads, each kind has its handler,
and rendering a message writes nothing (its portal link was issued when planned)."""

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import recoup.jobs.effects  # noqa: F401  (registers every domain's handlers)
from recoup.analytics.payloads import MonthlyReport
from recoup.cases.payloads import HandoffOrder, TaskOrder
from recoup.charges.payloads import ChargeOrder
from recoup.comms import review
from recoup.comms.models import OutboxKind, OutboxMessage, OutboxStatus
from recoup.comms.outbox import Effect, enqueue
from recoup.comms.payloads import HANDLERS, Envelope, Message, handler_for
from recoup.config import Settings
from recoup.credit.payloads import HoldOrder
from recoup.jobs.effects import LiveChannels
from recoup.ledger import service as ledger
from recoup.portal import service as portal
from recoup.portal.models import PortalToken
from recoup.webhooks.payloads import Delivery, Notice
from tests.factories import make_customer, make_invoice, make_org

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)

# Payloads exactly as the producers wrote them before the models existed (2026-12),
# with the envelope the dispatcher stored on the row beside them.
POLICY = {
    "step": "formal notice",
    "reason": "45 days past due",
    "cycle": "c1",
    "invoice_ids": [7, 8],
    "contact_id": 3,
    "as_of": "2026-03-02",
}
STORED: list[tuple[OutboxKind, str, dict[str, Any], type]] = [
    (
        OutboxKind.EMAIL,
        "policy",
        {**POLICY, "params": {"attach_statement": True, "to_owner": False}},
        Message,
    ),
    (OutboxKind.LETTER, "policy", {**POLICY, "params": {}}, Message),
    (OutboxKind.SMS, "policy", {**POLICY, "params": {}, "from": "A <a@x.example>"}, Message),
    (OutboxKind.TASK, "policy", {**POLICY, "params": {"title": "Call", "kind": "call"}}, TaskOrder),
    (
        OutboxKind.CHARGE,
        "policy",
        {**POLICY, "params": {"charge": "late_fee", "fixed": {"EUR": "40.00"}, "percent": "2.5"}},
        ChargeOrder,
    ),
    (OutboxKind.CREDIT_HOLD, "policy", {**POLICY, "params": {}}, HoldOrder),
    (OutboxKind.HANDOFF, "policy", {**POLICY, "params": {"agency": "Acme Collect"}}, HandoffOrder),
    (
        OutboxKind.EMAIL,
        "cases",
        {
            "promise_id": 4,
            "invoice_ids": [7],
            "contact_id": None,
            "as_of": "2026-03-01",
            "promise": {
                "amount": 10000,
                "currency": "EUR",
                "promised_date": "2026-03-15",
                "made_on": "2026-03-01",
            },
            "from": "Acme <ar@acme.example>",
            "reply_to": "",
        },
        Message,
    ),
    (
        OutboxKind.TASK,
        "plan",
        {
            "plan_id": 2,
            "invoice_ids": [7],
            "contact_id": None,
            "as_of": "2026-03-02",
            "instalment": {
                "sequence": 1,
                "count": 3,
                "due_date": "2026-02-01",
                "currency": "EUR",
                "amount": 10000,
                "paid_amount": 3000,
                "plan_remaining_amount": 17000,
                "plan_agreed_on": "2026-01-10",
            },
            "pay_by": "2026-03-08",
            "reason": "no billing contact with an email address",
            "params": {"title": "Instalment 1 was missed", "kind": "call"},
        },
        TaskOrder,
    ),
    (
        OutboxKind.EMAIL,
        "web",
        {"invoice_ids": [7], "contact_id": 3, "as_of": "2026-03-02", "requested_by": "kim@x"},
        Message,
    ),
    (
        OutboxKind.CHARGE,
        "charges",
        {
            "reason": "statutory charges follow the debt: fixed compensation",
            "invoice_ids": [7],
            "as_of": "2026-03-02",
            "params": {"charge": "compensation"},
        },
        ChargeOrder,
    ),
    (
        OutboxKind.EMAIL,
        "credit",
        {
            "event": "credit_hold",
            "note": "cheque bounced",
            "invoice_ids": [7],
            "as_of": "2026-03-01",
        },
        Message,
    ),
    (
        OutboxKind.TASK,
        "credit",
        {"reason": "C1 is cleared", "as_of": "2026-03-02", "params": {"title": "Review"}},
        TaskOrder,
    ),
    (
        OutboxKind.EMAIL,
        "payments",
        {"invoice_ids": [7], "contact_id": None, "as_of": "2026-05-29", "checkout_id": 5},
        Message,
    ),
    (
        OutboxKind.WEBHOOK,
        "webhooks",
        {
            "subscription_id": 1,
            "event_id": "evt_1",
            "type": "promise.made",
            "timestamp": "2026-03-01T08:00:00Z",
            "data": {"on": "2026-03-01", "amount": "12.50"},
            "replay_of": 9,
            "body": '{"type":"promise.made"}',
            "headers": {"webhook-id": "evt_1"},
        },
        Delivery,
    ),
    (
        OutboxKind.EMAIL,
        "webhooks",
        {"subscription_id": 1, "url": "https://h.example/", "reason": "410 Gone", "from": ""},
        Notice,
    ),
    (OutboxKind.EMAIL, "analytics", {"month": "2026-02", "language": "de"}, MonthlyReport),
]
ENVELOPE = {"from", "reply_to", "body", "headers"}


def _row(kind: OutboxKind, source: str, payload: dict[str, Any]) -> OutboxMessage:
    return OutboxMessage(org_id=1, key="k", kind=kind, source=source, payload=payload)


@pytest.mark.parametrize(("kind", "source", "stored", "model"), STORED)
def test_every_stored_shape_reads_and_is_written_the_same_way(
    kind: OutboxKind, source: str, stored: dict[str, Any], model: type
) -> None:
    handler = handler_for(_row(kind, source, stored))
    assert handler.payload is model
    payload = handler.read(_row(kind, source, stored))
    # Written again by the model, the row's JSON is what it was (its envelope aside).
    assert payload.dump() == {k: v for k, v in stored.items() if k not in ENVELOPE}


def test_stored_values_read_as_typed_values() -> None:
    policy_charge = handler_for(_row(*STORED[4][:3])).read(_row(*STORED[4][:3]))
    assert policy_charge.params.fixed == {"EUR": Decimal("40.00")}
    assert policy_charge.params.percent == Decimal("2.5")
    assert policy_charge.as_of == date(2026, 3, 2)
    plan_task = TaskOrder.model_validate(STORED[8][2])
    assert plan_task.instalment is not None
    assert plan_task.instalment.due_date == date(2026, 2, 1)
    assert plan_task.pay_by == date(2026, 3, 8)
    assert plan_task.title("missed_instalment") == "Instalment 1 was missed"
    assert TaskOrder().title("call_script") == "call_script"  # nothing else to call it
    assert HoldOrder().reason == "escalation policy"  # a hold planned without a reason
    assert HandoffOrder().params.agency == "default"
    envelope = Envelope.model_validate(STORED[14][2])
    assert (envelope.body, envelope.headers) == ('{"type":"promise.made"}', {"webhook-id": "evt_1"})


def test_every_kind_has_one_handler_and_two_sources_their_own() -> None:
    assert {kind for kind, source in HANDLERS if source is None} == set(OutboxKind)
    assert sorted(source for _, source in HANDLERS if source is not None) == [
        "analytics",
        "webhooks",
    ]
    email = [h for (kind, _), h in HANDLERS.items() if kind is OutboxKind.EMAIL]
    assert all(h.render is not None and h.apply is None for h in email)
    for kind in (OutboxKind.TASK, OutboxKind.CHARGE, OutboxKind.CREDIT_HOLD, OutboxKind.HANDOFF):
        assert HANDLERS[(kind, None)].apply is not None


def _links(session: Session, org_id: int) -> int:
    return session.scalar(
        select(func.count()).select_from(PortalToken).where(PortalToken.org_id == org_id)
    )


def test_a_message_gets_its_portal_link_when_planned_and_rendering_writes_nothing(
    session: Session,
) -> None:
    org = make_org(session)
    customer = make_customer(session, org=org)
    invoice = make_invoice(session, customer=customer, due_date=date(2026, 1, 31))
    contact = ledger.add_contact(
        session, org_id=org.id, customer_id=customer.id, name="Ann", email="ann@c1.example"
    )
    effect = Effect(
        key="statement:test",
        kind=OutboxKind.EMAIL,
        customer_id=customer.id,
        scheduled_at=NOW,
        template="statement",
        recipient="ann@c1.example",
        source="web",
        payload=Message(
            invoice_ids=[invoice.id], contact_id=contact.id, as_of=date(2026, 3, 2)
        ).dump(),
    )
    (planned,) = enqueue(session, org_id=org.id, effects=[effect])
    token = planned.payload["portal_token"]
    assert _links(session, org.id) == 1
    access = portal.open_portal(session, token=token, now=NOW)
    assert access is not None
    assert (access.customer_id, access.expires_at) == (
        customer.id,
        datetime(2026, 4, 1, 8, 0, tzinfo=UTC),
    )
    # Planning it again (same key) issues no second link.
    assert enqueue(session, org_id=org.id, effects=[effect]) == []
    assert _links(session, org.id) == 1

    row = session.scalars(select(OutboxMessage).where(OutboxMessage.key == effect.key)).one()
    session.flush()
    rendered = LiveChannels(Settings()).render(session, row)
    assert not session.new  # rendering wrote nothing
    assert not session.dirty
    assert _links(session, org.id) == 1
    assert portal.portal_url(token) in rendered.text
    assert row.payload["portal_token"] == token


def test_a_task_gets_a_link_only_for_a_call_script_and_a_hold_none(session: Session) -> None:
    org = make_org(session)
    customer = make_customer(session, org=org)
    effects = [
        Effect(
            key=f"k:{template}:{kind}",
            kind=kind,
            customer_id=customer.id,
            scheduled_at=NOW,
            template=template,
            payload=model(reason="r", as_of=date(2026, 3, 2)).dump(),
        )
        for kind, template, model in [
            (OutboxKind.TASK, "call_script", TaskOrder),
            (OutboxKind.TASK, "promise_confirmation", TaskOrder),
            (OutboxKind.CREDIT_HOLD, "", HoldOrder),
        ]
    ]
    planned = enqueue(session, org_id=org.id, effects=effects)
    assert ["portal_token" in e.payload for e in planned] == [True, False, False]
    assert _links(session, org.id) == 1


def test_a_failed_message_resent_gets_a_fresh_link_from_when_it_goes_again(
    session: Session,
) -> None:
    org = make_org(session)
    customer = make_customer(session, org=org)
    effect = Effect(
        key="k:resend",
        kind=OutboxKind.EMAIL,
        customer_id=customer.id,
        scheduled_at=NOW,
        template="statement",
        recipient="ann@c1.example",
        payload=Message(as_of=date(2026, 3, 2)).dump(),
    )
    (planned,) = enqueue(session, org_id=org.id, effects=[effect])
    row = session.scalars(select(OutboxMessage).where(OutboxMessage.key == effect.key)).one()
    row.status = OutboxStatus.FAILED
    later = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
    review.resend(session, org_id=org.id, message_id=row.id, now=later)
    fresh = row.payload["portal_token"]
    assert fresh != planned.payload["portal_token"]
    access = portal.open_portal(session, token=fresh, now=later)
    assert access is not None
    assert access.expires_at == datetime(2026, 5, 31, 9, 0, tzinfo=UTC)
    assert _links(session, org.id) == 2  # the first link lives out its 30 days
