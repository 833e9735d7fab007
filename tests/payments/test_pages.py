"""The portal and the settings page when an organisation takes payments online: the
customer ticks invoices and is sent to the provider (a page of buttons for several
currencies); a wrong choice or a provider failure is told in the customer's language and
starts nothing; the settings page shows the provider with its key masked."""

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine

from recoup.db import transaction
from recoup.ledger import service as ledger
from recoup.payments import service
from tests.payments.stripe_stub import SECRET_KEY, WEBHOOK_SECRET, StripeStub, stripe_stub
from tests.portal.links import issue
from tests.web.support import World, build_world, csrf_of, fresh_database, log_in, make_client


@pytest.fixture(scope="module")
def world(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """The web tests' two organisations; alpha takes payments with Stripe and its
    customer C1 also owes a GBP invoice."""
    with fresh_database(engine, tmp_path_factory.mktemp("pay")) as url:
        built = build_world(url)
        with transaction(built.engine, actor="test") as session:
            service.setup_provider(
                session,
                org_id=built.a.id,
                provider="stripe",
                secret_key=SECRET_KEY,
                webhook_secret=WEBHOOK_SECRET,
            )
            invoice = ledger.create_invoice(
                session,
                org_id=built.a.id,
                customer_id=built.a.customers["C1"],
                number="A-C1-GBP",
                issue_date=date(2026, 5, 1),
                due_date=date(2026, 5, 31),
                total=Decimal("80.00"),
                currency="GBP",
            )
            built.a.invoices["A-C1-GBP"] = invoice.id
        yield built
        built.engine.dispose()


@pytest.fixture
def stub() -> Iterator[StripeStub]:
    with stripe_stub() as running:
        yield running


def test_the_portal_offers_the_open_invoices_to_tick(world: World) -> None:
    page = make_client(world).get(f"/p/{issue(world)}").text
    assert "Angekreuzte Rechnungen online bezahlen" in page
    assert f'name="invoice" value="{world.a.invoices["A-C1-1"]}" checked' in page
    assert f'name="invoice" value="{world.a.invoices["A-C1-GBP"]}" checked' in page
    assert "Oder überweisen Sie auf folgendes Konto:" in page
    other = make_client(world).get(f"/p/{issue(world, org='b')}").text
    assert '/pay" class="stack"' not in other
    assert "Angekreuzte Rechnungen" not in other


def test_two_currencies_make_a_button_each(world: World, stub: StripeStub) -> None:
    client = make_client(world)
    token = issue(world)
    page = client.get(f"/p/{token}")
    chosen = [world.a.invoices["A-C1-1"], world.a.invoices["A-C1-GBP"]]
    answer = client.post(
        f"/p/{token}/pay",
        data={"invoice": [str(i) for i in chosen], "csrf_token": csrf_of(page.text), "lang": "de"},
    )
    assert answer.status_code == 200
    assert [r.form["line_items[0][price_data][currency]"] for r in stub.requests] == ["eur", "gbp"]
    assert answer.text.count('href="https://checkout.stripe.com/c/pay/cs_test_') == 2
    assert "Online bezahlen: 1.200,00\xa0€" in answer.text
    assert "Online bezahlen: 80,00\xa0£" in answer.text


def test_a_wrong_choice_starts_nothing(world: World, stub: StripeStub) -> None:
    client = make_client(world)
    token = issue(world)
    csrf = csrf_of(client.get(f"/p/{token}").text)
    for chosen in ([], ["abc"], [str(world.b.invoices["B-C1-1"])]):
        answer = client.post(f"/p/{token}/pay", data={"invoice": chosen, "csrf_token": csrf})
        assert answer.status_code == 422
        assert "Bitte wählen Sie eine Ihrer offenen Rechnungen." in answer.text
    assert stub.requests == []


def test_a_provider_failure_is_told_in_the_customers_language(
    world: World, stub: StripeStub
) -> None:
    stub.fail_with = 500
    with transaction(world.engine, actor="test") as session:
        before = len(
            service.checkouts(session, org_id=world.a.id, customer_id=world.a.customers["C1"])
        )
    client = make_client(world)
    token = issue(world)
    csrf = csrf_of(client.get(f"/p/{token}").text)
    answer = client.post(
        f"/p/{token}/pay",
        data={"invoice": [str(world.a.invoices["A-C1-1"])], "csrf_token": csrf},
    )
    assert answer.status_code == 502
    assert "Die Online-Zahlung konnte nicht gestartet werden." in answer.text
    with transaction(world.engine, actor="test") as session:
        after = service.checkouts(session, org_id=world.a.id, customer_id=world.a.customers["C1"])
    assert len(after) == before


def test_the_settings_page_shows_the_provider_masked(world: World) -> None:
    client = make_client(world)
    log_in(client, "admin@alpha.example")
    page = client.get("/settings").text
    assert "Online payments" in page
    assert "sk_test_…abcd" in page
    assert SECRET_KEY not in page
    assert WEBHOOK_SECRET not in page
    other = make_client(world)
    log_in(other, "admin@beta.example")
    assert "None: the portal shows bank details only" in other.get("/settings").text
