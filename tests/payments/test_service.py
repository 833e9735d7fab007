"""Online payments through Stripe: checkouts go out in Stripe's documented request
format (recorded by a local stand-in for api.stripe.com); signed events come back and
are recorded, allocated, refunded and charged back through the ledger, each once."""

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from recoup.cases.models import Note, Task
from recoup.comms.models import OutboxMessage
from recoup.errors import InvalidInput, NotFound
from recoup.ledger import service as ledger
from recoup.ledger.models import Customer, Invoice, Payment
from recoup.payments import service
from recoup.payments.models import Checkout, CheckoutStatus, ProviderEvent
from recoup.payments.provider import BadSignature, ProviderFailed
from tests.factories import make_customer, make_invoice, make_org
from tests.payments.stripe_stub import (
    SECRET_KEY,
    WEBHOOK_SECRET,
    StripeStub,
    completed,
    dispute,
    event,
    refunded_charge,
    signed,
    stripe_stub,
)

PAID_AT = 1_780_056_000  # 2026-05-29 12:00 UTC
PAID_ON = date(2026, 5, 29)


@pytest.fixture
def stub() -> Iterator[StripeStub]:
    with stripe_stub() as running:
        yield running


def _customer(session: Session) -> tuple[int, Customer, dict[str, Invoice]]:
    org = make_org(session)
    customer = make_customer(session, org=org)
    ledger.add_contact(
        session, org_id=org.id, customer_id=customer.id, name="AP", email="ap@c1.example"
    )
    invoices = {
        "INV-1": make_invoice(session, customer=customer, number="INV-1", total="100.00"),
        "INV-2": make_invoice(
            session, customer=customer, number="INV-2", total="50.25", due_date=date(2026, 3, 1)
        ),
        "INV-G": make_invoice(
            session, customer=customer, number="INV-G", total="30.00", currency="GBP"
        ),
    }
    service.setup_provider(
        session,
        org_id=org.id,
        provider="stripe",
        secret_key=SECRET_KEY,
        webhook_secret=WEBHOOK_SECRET,
    )
    return org.id, customer, invoices


def _checkout(
    session: Session, org_id: int, customer: Customer, invoices: list[Invoice]
) -> list[Checkout]:
    return service.start_checkout(
        session,
        org_id=org_id,
        customer_id=customer.id,
        invoice_ids=[i.id for i in invoices],
        success_url="https://ar.example/p/tok?done=paid",
        cancel_url="https://ar.example/p/tok",
        today=date(2026, 5, 28),
        language="de",
    )


def _post(session: Session, body: dict[str, object], secret: str = WEBHOOK_SECRET) -> str:
    payload, headers = signed(body, secret)
    return service.handle_event(session, provider="stripe", payload=payload, headers=headers)


def _pay(
    session: Session,
    checkout: Checkout,
    event_id: str = "evt_1Paid",
    intent: str = "pi_3RecoupPaymentIntent0001",
) -> str:
    metadata = {
        "org_id": str(checkout.org_id),
        "customer_id": str(checkout.customer_id),
        "invoice_ids": ",".join(map(str, checkout.invoice_ids)),
    }
    data = completed(
        checkout.session_id,
        amount=checkout.amount,
        currency=checkout.currency,
        metadata=metadata,
        intent=intent,
    )
    return _post(session, event(event_id, "checkout.session.completed", data, created=PAID_AT))


def test_a_checkout_per_currency_goes_out_in_stripes_request_format(
    session: Session, stub: StripeStub
) -> None:
    org_id, customer, invoices = _customer(session)
    made = _checkout(session, org_id, customer, list(invoices.values()))

    assert [(c.currency, c.amount) for c in made] == [("EUR", 15025), ("GBP", 3000)]
    # Oldest due first: INV-1 (due 31 January, 30 days after 1 January), then INV-2.
    assert made[0].invoice_ids == [invoices["INV-1"].id, invoices["INV-2"].id]
    assert [(r.method, r.path) for r in stub.requests] == [
        ("POST", "/v1/checkout/sessions"),
        ("POST", "/v1/checkout/sessions"),
    ]
    euro = stub.requests[0]
    assert euro.headers["authorization"] == f"Bearer {SECRET_KEY}"
    assert euro.headers["content-type"] == "application/x-www-form-urlencoded"
    assert len(euro.headers["idempotency-key"]) == 64
    assert euro.form == {
        "mode": "payment",
        "line_items[0][price_data][currency]": "eur",
        "line_items[0][price_data][unit_amount]": "10000",
        "line_items[0][price_data][product_data][name]": "Invoice INV-1",
        "line_items[0][quantity]": "1",
        "line_items[1][price_data][currency]": "eur",
        "line_items[1][price_data][unit_amount]": "5025",
        "line_items[1][price_data][product_data][name]": "Invoice INV-2",
        "line_items[1][quantity]": "1",
        "success_url": "https://ar.example/p/tok?done=paid",
        "cancel_url": "https://ar.example/p/tok",
        "client_reference_id": f"{org_id}:C1",
        "metadata[org_id]": str(org_id),
        "metadata[customer_id]": str(customer.id),
        "metadata[invoice_ids]": f"{invoices['INV-1'].id},{invoices['INV-2'].id}",
        "payment_intent_data[metadata][org_id]": str(org_id),
        "payment_intent_data[metadata][customer_id]": str(customer.id),
        "payment_intent_data[metadata][invoice_ids]": f"{invoices['INV-1'].id},{invoices['INV-2'].id}",
        "customer_email": "ap@c1.example",
        "locale": "de",
    }
    pound = stub.requests[1].form
    assert pound["line_items[0][price_data][currency]"] == "gbp"
    assert pound["line_items[0][price_data][unit_amount]"] == "3000"
    assert made[0].url.startswith("https://checkout.stripe.com/c/pay/cs_test_")
    assert (
        stub.requests[0].headers["idempotency-key"] != stub.requests[1].headers["idempotency-key"]
    )


def test_only_the_customers_open_invoices_can_be_paid(session: Session, stub: StripeStub) -> None:
    org_id, customer, invoices = _customer(session)
    other = make_customer(
        session, org=ledger.get_organisation(session, org_id=org_id), external_id="C2"
    )
    foreign = make_invoice(session, customer=other, number="OTHER-1")
    with pytest.raises(InvalidInput, match="not one of your open invoices"):
        _checkout(session, org_id, customer, [invoices["INV-1"], foreign])
    with pytest.raises(InvalidInput, match="choose at least one"):
        _checkout(session, org_id, customer, [])
    assert stub.requests == []


def test_a_provider_error_stores_no_checkout(session: Session, stub: StripeStub) -> None:
    org_id, customer, invoices = _customer(session)
    stub.fail_with = 500
    with pytest.raises(ProviderFailed, match="Stripe refused the checkout"):
        _checkout(session, org_id, customer, [invoices["INV-1"]])
    assert session.scalar(select(func.count()).select_from(Checkout)) == 0


def test_a_completed_checkout_is_recorded_and_allocated_once(
    session: Session, stub: StripeStub
) -> None:
    org_id, customer, invoices = _customer(session)
    (checkout, _) = _checkout(session, org_id, customer, list(invoices.values()))

    outcome = _pay(session, checkout)
    again = _pay(session, checkout)

    assert outcome.startswith("payment stripe:pi_3RecoupPaymentIntent0001: EUR 150.25 paid online")
    assert "applied to INV-1, INV-2" in outcome
    assert again == "event evt_1Paid was handled already"
    payments = session.scalars(select(Payment)).all()
    assert [
        (p.external_id, p.amount, p.unallocated_amount, p.method, p.received_on) for p in payments
    ] == [("stripe:pi_3RecoupPaymentIntent0001", 15025, 0, "card", PAID_ON)]
    session.refresh(invoices["INV-1"])
    session.refresh(invoices["INV-2"])
    assert (invoices["INV-1"].status, invoices["INV-1"].open_amount) == ("paid", 0)
    assert (invoices["INV-2"].status, invoices["INV-2"].open_amount) == ("paid", 0)
    assert (checkout.status, checkout.paid_amount, checkout.paid_on) == ("paid", 15025, PAID_ON)
    # The GBP invoice is still open: the receipt is the statement of what is left.
    (receipt,) = session.scalars(select(OutboxMessage)).all()
    assert (receipt.kind, receipt.template, receipt.recipient, receipt.source) == (
        "email",
        "statement",
        "ap@c1.example",
        "payments",
    )
    assert receipt.payload["as_of"] == "2026-05-29"
    assert receipt.payload["invoice_ids"] == [invoices["INV-G"].id]
    notes = [n.text for n in session.scalars(select(Note))]
    assert notes == [
        "EUR 150.25 paid online (stripe), recorded as payment "
        "stripe:pi_3RecoupPaymentIntent0001 and applied to INV-1, INV-2."
    ]
    assert session.scalar(select(func.count()).select_from(ProviderEvent)) == 1


def test_a_clear_account_gets_the_thank_you(session: Session, stub: StripeStub) -> None:
    org_id, customer, invoices = _customer(session)
    (euro, pound) = _checkout(session, org_id, customer, list(invoices.values()))
    _pay(session, euro)
    _pay(session, pound, "evt_2Paid", intent="pi_3RecoupPaymentIntent0002")
    templates = [
        m.template for m in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
    ]
    assert templates == ["statement", "thank_you"]


def test_an_invoice_paid_meanwhile_leaves_the_rest_on_account(
    session: Session, stub: StripeStub
) -> None:
    org_id, customer, invoices = _customer(session)
    (checkout, _) = _checkout(session, org_id, customer, list(invoices.values()))
    transfer = ledger.record_payment(
        session,
        org_id=org_id,
        customer_id=customer.id,
        received_on=date(2026, 5, 28),
        amount=Decimal("100.00"),
        currency="EUR",
        external_id="BANK-1",
    )
    ledger.allocate(
        session,
        org_id=org_id,
        invoice_id=invoices["INV-1"].id,
        amount=Decimal("100.00"),
        on=date(2026, 5, 28),
        payment_id=transfer.id,
    )
    outcome = _pay(session, checkout)
    assert "applied to INV-2" in outcome
    online = session.scalar(select(Payment).where(Payment.external_id.like("stripe:%")))
    assert online is not None
    assert (online.amount, online.unallocated_amount) == (15025, 10000)


def test_a_bad_signature_is_refused_and_writes_nothing(session: Session, stub: StripeStub) -> None:
    org_id, customer, invoices = _customer(session)
    (checkout,) = _checkout(session, org_id, customer, [invoices["INV-1"]])
    with pytest.raises(BadSignature, match="no organisation's stripe signing secret"):
        _post(
            session,
            event(
                "evt_forged",
                "checkout.session.completed",
                completed(checkout.session_id, amount=10000, currency="EUR", metadata={}),
            ),
            secret="whsec_someone_else",
        )
    payload, headers = signed(event("evt_old", "checkout.session.completed", {}), at=1_700_000_000)
    with pytest.raises(BadSignature):  # outside Stripe's five-minute tolerance
        service.handle_event(session, provider="stripe", payload=payload, headers=headers)
    with pytest.raises(NotFound):
        service.handle_event(session, provider="paypal", payload=b"{}", headers={})
    assert session.scalar(select(func.count()).select_from(Payment)) == 0
    assert session.scalar(select(func.count()).select_from(ProviderEvent)) == 0


def test_an_unpaid_completion_and_other_events_are_ignored(
    session: Session, stub: StripeStub
) -> None:
    org_id, customer, invoices = _customer(session)
    (checkout,) = _checkout(session, org_id, customer, [invoices["INV-1"]])
    pending = completed(
        checkout.session_id, amount=10000, currency="EUR", metadata={}, payment_status="unpaid"
    )
    assert (
        _post(session, event("evt_a", "checkout.session.completed", pending))
        == "ignored: not paid yet"
    )
    assert _post(
        session, event("evt_b", "customer.created", {"id": "cus_1", "object": "customer"})
    ) == ("ignored: not an event Recoup acts on")
    assert session.scalar(select(func.count()).select_from(Payment)) == 0
    assert checkout.status == CheckoutStatus.OPEN


def test_a_full_refund_reverses_the_payment_and_says_why(
    session: Session, stub: StripeStub
) -> None:
    org_id, customer, invoices = _customer(session)
    (checkout,) = _checkout(session, org_id, customer, [invoices["INV-1"], invoices["INV-2"]])
    _pay(session, checkout)
    body = event(
        "evt_3Refund",
        "charge.refunded",
        refunded_charge(amount=15025, refunded=15025, currency="EUR"),
    )
    outcome = _post(session, body)
    assert _post(session, body) == "event evt_3Refund was handled already"

    assert outcome == (
        "Online payment of EUR 150.25 refunded through stripe (EUR 150.25, evt_3Refund): "
        "its allocations to INV-1, INV-2 were reversed."
    )
    assert session.scalar(select(func.count()).select_from(Payment)) == 0
    for number in ("INV-1", "INV-2"):
        session.refresh(invoices[number])
        assert invoices[number].status == "open"
        assert invoices[number].open_amount == invoices[number].total_amount
    assert (checkout.status, checkout.payment_id) == ("refunded", None)
    assert outcome in [n.text for n in session.scalars(select(Note))]


def test_a_partial_refund_keeps_the_rest_applied_in_order(
    session: Session, stub: StripeStub
) -> None:
    org_id, customer, invoices = _customer(session)
    (checkout,) = _checkout(session, org_id, customer, [invoices["INV-1"], invoices["INV-2"]])
    _pay(session, checkout)
    _post(
        session,
        event(
            "evt_4Part",
            "charge.refunded",
            refunded_charge(amount=15025, refunded=5025, currency="EUR"),
        ),
    )
    (kept,) = session.scalars(select(Payment)).all()
    assert (kept.external_id, kept.amount, kept.unallocated_amount) == (
        "stripe:pi_3RecoupPaymentIntent0001:evt_4Part",
        10000,
        0,
    )
    session.refresh(invoices["INV-1"])
    session.refresh(invoices["INV-2"])
    assert (invoices["INV-1"].status, invoices["INV-2"].status, invoices["INV-2"].open_amount) == (
        "paid",
        "open",
        5025,
    )
    assert checkout.status == CheckoutStatus.PAID


def test_a_chargeback_reverses_the_payment_and_raises_a_task(
    session: Session, stub: StripeStub
) -> None:
    org_id, customer, invoices = _customer(session)
    (checkout,) = _checkout(session, org_id, customer, [invoices["INV-1"]])
    _pay(session, checkout)
    outcome = _post(
        session,
        event("evt_5Dispute", "charge.dispute.created", dispute(amount=10000, currency="EUR")),
    )
    assert outcome == (
        "Online payment of EUR 100.00 disputed with the card issuer (chargeback, reason: "
        "fraudulent; evt_5Dispute): the payment was withdrawn and INV-1 reopened."
    )
    assert session.scalar(select(func.count()).select_from(Payment)) == 0
    session.refresh(invoices["INV-1"])
    assert (invoices["INV-1"].status, invoices["INV-1"].open_amount) == ("open", 10000)
    assert checkout.status == CheckoutStatus.DISPUTED
    (task,) = session.scalars(select(Task)).all()
    assert task.title == "Chargeback on an online payment"
    assert task.key == "payments:dispute:evt_5Dispute"
    # A refund after the chargeback finds nothing left to reverse.
    won = _post(
        session,
        event(
            "evt_7Won",
            "charge.dispute.closed",
            {**dispute(amount=10000, currency="EUR"), "status": "won"},
        ),
    )
    assert won == (
        "The chargeback on the online payment of EUR 100.00 was decided for us (evt_7Won): the "
        "payment is recorded again as stripe:pi_3RecoupPaymentIntent0001:evt_7Won and applied "
        "to INV-1."
    )
    session.refresh(invoices["INV-1"])
    assert (invoices["INV-1"].status, checkout.status) == ("paid", "paid")
    _post(
        session,
        event("evt_5Again", "charge.dispute.created", dispute(amount=10000, currency="EUR")),
    )
    late = _post(
        session,
        event(
            "evt_6Refund",
            "charge.refunded",
            refunded_charge(amount=10000, refunded=10000, currency="EUR"),
        ),
    )
    assert late.endswith("is disputed: nothing to reverse")


def test_setup_checks_the_keys_and_shows_them_masked(session: Session) -> None:
    org = make_org(session)
    with pytest.raises(
        InvalidInput, match="secret_key: a stripe secret key starts with sk_ or rk_"
    ):
        service.setup_provider(
            session,
            org_id=org.id,
            provider="stripe",
            secret_key="pk_live_x",
            webhook_secret=WEBHOOK_SECRET,
        )
    with pytest.raises(InvalidInput, match="webhook_secret"):
        service.setup_provider(
            session,
            org_id=org.id,
            provider="stripe",
            secret_key=SECRET_KEY,
            webhook_secret="secret",
        )
    with pytest.raises(InvalidInput, match="unknown provider 'mollie'"):
        service.setup_provider(
            session, org_id=org.id, provider="mollie", secret_key="x", webhook_secret="y"
        )
    assert not service.checkout_available(session, org_id=org.id)
    service.setup_provider(
        session,
        org_id=org.id,
        provider="stripe",
        secret_key=SECRET_KEY,
        webhook_secret=WEBHOOK_SECRET,
    )
    assert service.checkout_available(session, org_id=org.id)
    (status,) = service.provider_status(session, org_id=org.id)
    assert (status.provider, status.key_hint) == ("stripe", "sk_test_…abcd")
