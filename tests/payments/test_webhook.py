"""Online payment end to end, over HTTP: the customer ticks invoices on the portal and
is sent to Stripe's checkout (the request recorded by a local stand-in for
api.stripe.com); Stripe's signed event comes back to ``/payments/stripe/webhook``; the
same day's run no longer chases the customer and the receipt goes out by SMTP."""

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from recoup.comms.dispatcher import dispatch
from recoup.config import Settings
from recoup.db import make_engine, transaction
from recoup.db.migrate import upgrade
from recoup.jobs.daily import run_day
from recoup.jobs.effects import LiveChannels
from recoup.ledger.models import Customer, Invoice, Payment
from recoup.payments import service
from recoup.policy.service import available_policies
from recoup.portal import service as portal
from recoup.web.app import create_app
from tests.jobs import portfolio
from tests.mailbox import StartServer
from tests.payments.stripe_stub import (
    SECRET_KEY,
    WEBHOOK_SECRET,
    StripeStub,
    completed,
    event,
    signed,
    stripe_stub,
)
from tests.web.support import csrf_of

FORMAL_DAY = date(2026, 4, 16)  # the portfolio's invoices are 45 days past due
NOW = datetime.combine(FORMAL_DAY, time(9), UTC)


@pytest.fixture
def stub() -> Iterator[StripeStub]:
    with stripe_stub() as running:
        yield running


def test_paying_online_stops_the_days_chasing_and_sends_a_receipt(
    database_url: str, stub: StripeStub, smtp_server: StartServer, tmp_path: Path
) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    org_id = portfolio.create(engine, customers=2)
    with transaction(engine, actor="test") as session:
        service.setup_provider(
            session,
            org_id=org_id,
            provider="stripe",
            secret_key=SECRET_KEY,
            webhook_secret=WEBHOOK_SECRET,
        )
        payer = session.scalars(select(Customer).where(Customer.external_id == "C001")).one()
        invoices = session.scalars(
            select(Invoice).where(Invoice.customer_id == payer.id).order_by(Invoice.number)
        ).all()
        token = portal.issue_token(session, org_id=org_id, customer_id=payer.id)
    client = TestClient(
        create_app(engine=engine, clock=lambda: FORMAL_DAY, migrate=False), follow_redirects=False
    )

    page = client.get(f"/p/{token}")
    assert "Pay the ticked invoices online" in page.text
    assert f'name="invoice" value="{invoices[0].id}" checked' in page.text
    chosen = client.post(
        f"/p/{token}/pay",
        data={
            "invoice": [str(i.id) for i in invoices],
            "csrf_token": csrf_of(page.text),
            "lang": "en",
        },
    )
    assert chosen.status_code == 303
    assert chosen.headers["location"].startswith("https://checkout.stripe.com/c/pay/cs_test_")
    (request,) = stub.requests
    assert request.form["success_url"] == f"http://127.0.0.1:8000/p/{token}?done=paid#thanks"
    assert request.form["line_items[0][price_data][unit_amount]"] == "100000"  # INV-1-1
    assert request.form["line_items[1][price_data][unit_amount]"] == "20000"  # INV-1-2
    session_id = chosen.headers["location"].split("/pay/")[1].split("#")[0]

    paid_at = int(datetime.combine(FORMAL_DAY, time(8), UTC).timestamp())
    metadata = {k[9:-1]: v for k, v in request.form.items() if k.startswith("metadata[")}
    body = event(
        "evt_1E2E",
        "checkout.session.completed",
        completed(session_id, amount=120000, currency="GBP", metadata=metadata),
        created=paid_at,
    )
    payload, headers = signed(body)
    forged = client.post(
        "/payments/stripe/webhook",
        content=payload,
        headers={"stripe-signature": headers["stripe-signature"][:-4] + "0000"},
    )
    assert forged.status_code == 400
    assert "does not verify" in forged.json()["error"] or "signing secret" in forged.json()["error"]
    answer = client.post("/payments/stripe/webhook", content=payload, headers=headers)
    assert answer.status_code == 200, answer.text
    assert "applied to INV-1-1, INV-1-2" in answer.json()["outcome"]
    again = client.post("/payments/stripe/webhook", content=payload, headers=headers)
    assert again.json()["outcome"] == "event evt_1E2E was handled already"
    assert "Thank you for your payment" in client.get(f"/p/{token}?done=paid").text

    # The same day's run chases the customer who did not pay, not the one who did.
    with transaction(engine, actor="test") as session:
        result = run_day(
            session, org_id=org_id, as_of=FORMAL_DAY, now=NOW, policies=available_policies()
        )
    chased = {result.customers[a.customer_id][0] for a in result.actions}
    assert chased == {"C002"}

    mailbox, port = smtp_server()
    settings = Settings(
        smtp_url=f"smtp://127.0.0.1:{port}?from=credit@acme.example",
        letters_dir=str(tmp_path / "letters"),
        sms_url=f"file://{tmp_path / 'sms'}",
    )
    dispatch(engine, LiveChannels(settings), clock=lambda: NOW)
    receipts = [
        m
        for m in (mailbox.message(i) for i in range(len(mailbox.received)))
        if m["To"] == "ap1@customer.example"
    ]
    assert [m["Subject"] for m in receipts] == ["Thank you for your payment – account C001"]
    text = receipts[0].get_body(preferencelist=("plain",)).get_content()
    assert "Thank you for your payment. We have received it and allocated it" in text


def test_the_same_event_delivered_twice_at_once_is_recorded_once(
    database_url: str, stub: StripeStub
) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    org_id = portfolio.create(engine)
    with transaction(engine, actor="test") as session:
        service.setup_provider(
            session,
            org_id=org_id,
            provider="stripe",
            secret_key=SECRET_KEY,
            webhook_secret=WEBHOOK_SECRET,
        )
        customer = session.scalars(select(Customer)).one()
        ids = [i.id for i in session.scalars(select(Invoice).order_by(Invoice.number))]
        (checkout,) = service.start_checkout(
            session,
            org_id=org_id,
            customer_id=customer.id,
            invoice_ids=ids,
            success_url="https://ar.example/p/t?done=paid",
            cancel_url="https://ar.example/p/t",
            today=FORMAL_DAY,
        )
        session_id = checkout.session_id
    payload, headers = signed(
        event(
            "evt_twice",
            "checkout.session.completed",
            completed(session_id, amount=120000, currency="GBP", metadata={}),
        )
    )
    start = threading.Barrier(2)

    def deliver() -> str:
        start.wait()
        with transaction(engine, actor="stripe webhook") as session:
            return service.handle_event(
                session, provider="stripe", payload=payload, headers=headers
            )

    with ThreadPoolExecutor(2) as pool:
        outcomes = sorted(pool.map(lambda _: deliver(), range(2)))
    assert outcomes[0] == "event evt_twice was handled already"
    assert outcomes[1].startswith("payment stripe:pi_3RecoupPaymentIntent0001: GBP 1200.00")
    with transaction(engine, actor="test") as session:
        assert [p.amount for p in session.scalars(select(Payment))] == [120000]
