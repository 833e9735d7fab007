"""The portal through HTTP: a live link shows its customer's statement in their language;
anything else gets the friendly page; forms validate and write nothing on error."""

import html
import re

import pytest
from sqlalchemy import func, select

from recoup.db import transaction
from recoup.portal.models import PortalSubmission
from tests.portal.links import bad_tokens, issue
from tests.web.support import World, csrf_of, log_in, make_client


def pay_links(page: str) -> list[str]:
    """The "pay online" buttons' addresses, as the browser follows them."""
    return [
        html.unescape(url) for url in re.findall(r'class="button primary" href="([^"]+)"', page)
    ]


def submissions(world: World) -> int:
    with transaction(world.engine, actor="test") as session:
        return int(session.scalar(select(func.count()).select_from(PortalSubmission)) or 0)


def test_a_live_link_shows_the_statement_in_the_customers_language(world: World) -> None:
    client = make_client(world)
    page = client.get(f"/p/{issue(world)}")
    assert page.status_code == 200
    text = page.text
    assert "Kontoauszug für A C1 Kunde GmbH" in text  # C1's language is German
    assert "A-C1-1" in text
    assert "1.200,00" in text
    assert "45 Tage überfällig" in text
    assert "DE89 3704 0044 0532 0130 00" in text  # grouped as on paper
    assert "<svg" in text
    assert "B C1" not in text
    assert "A-C2" not in text
    english = client.get(f"/p/{issue(world)}?lang=en").text
    assert "Statement for A C1 Kunde GmbH" in english
    assert page.headers["cache-control"] == "no-store"


def test_wrong_expired_and_revoked_links_get_the_friendly_page(world: World) -> None:
    client = make_client(world)
    for token in bad_tokens(world):
        response = client.get(f"/p/{token}")
        assert response.status_code == 404
        assert "This link cannot be used" in response.text
        assert "A-C" not in response.text
        assert "Traceback" not in response.text
    german = client.get("/p/forged", headers={"accept-language": "de-DE,de;q=0.9"})
    assert "Dieser Link ist nicht gültig" in german.text


def test_posting_to_a_bad_link_writes_nothing(world: World) -> None:
    client = make_client(world)
    csrf = csrf_of(client.get(f"/p/{issue(world)}").text)
    before = submissions(world)
    response = client.post("/p/forged/feedback", data={"comment": "hello", "csrf_token": csrf})
    assert response.status_code == 404
    assert "This link cannot be used" in response.text
    assert submissions(world) == before


def test_a_dispute_of_another_customers_invoice_is_refused(world: World) -> None:
    client = make_client(world)
    token = issue(world)
    csrf = csrf_of(client.get(f"/p/{token}").text)
    before = submissions(world)
    for invoice in (world.b.invoices["B-C1-1"], world.a.invoices["A-C2-1"], "abc"):
        response = client.post(
            f"/p/{token}/dispute",
            data={"invoice": str(invoice), "reason": "wrong_amount", "csrf_token": csrf},
        )
        assert response.status_code == 422
        assert "Bitte wählen Sie eine Ihrer offenen Rechnungen." in response.text
    assert submissions(world) == before


def test_a_bad_promise_shows_the_message_and_writes_nothing(world: World) -> None:
    client = make_client(world)
    token = issue(world)
    csrf = csrf_of(client.get(f"/p/{token}?lang=en").text)
    before = submissions(world)
    response = client.post(
        f"/p/{token}/promise",
        data={"promised_on": "2026-01-01", "csrf_token": csrf, "lang": "en"},
    )
    assert response.status_code == 422
    assert "Please choose a date from today up to six months ahead." in response.text
    assert submissions(world) == before
    forged = client.post(f"/p/{token}/promise", data={"promised_on": "2026-07-10"})
    assert forged.status_code == 403
    assert submissions(world) == before


def test_a_dispute_reaches_the_collector(world: World) -> None:
    client = make_client(world)
    token = issue(world)
    csrf = csrf_of(client.get(f"/p/{token}").text)
    response = client.post(
        f"/p/{token}/dispute",
        data={"invoice": str(world.a.invoices["A-C1-1"]), "reason": "goods_or_service",
              "comment": "Lieferung beschädigt", "csrf_token": csrf, "lang": "de"},
    )  # fmt: skip
    assert response.status_code == 303
    thanks = client.get(response.headers["location"]).text
    assert "Beanstandung zu Rechnung A-C1-1 erhalten" in thanks

    team = make_client(world)
    log_in(team, "collector@alpha.example")
    dashboard = team.get("/").text
    assert "disputes an invoice (goods or service)" in dashboard
    customer = team.get(f"/customers/{world.a.customers['C1']}").text
    assert "On the portal: disputed invoice A-C1-1 (goods or service)" in customer
    assert "Lieferung beschädigt" in customer
    assert "disputes an invoice" not in team.get("/").text  # seen now


PAYMENT_URL = "https://pay.example/checkout?ref={reference}&amount={amount}&currency={currency}"


def test_pay_online_fills_the_payment_providers_address(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RECOUP_PAYMENT_URL", PAYMENT_URL)
    client = make_client(world)

    german = client.get(f"/p/{issue(world)}").text  # C1 owes 1,200.00 + 300.50 EUR
    assert pay_links(german) == [
        "https://pay.example/checkout?ref=C1%20A-C1-1%20A-C1-2&amount=1500.50&currency=EUR"
    ]
    assert "Online bezahlen: 1.500,50\xa0€" in german
    assert "Oder überweisen Sie auf folgendes Konto:" in german
    english = client.get(f"/p/{issue(world, customer='C2')}").text
    assert pay_links(english) == [
        "https://pay.example/checkout?ref=C2%20A-C2-1%20A-C2-2&amount=1500.50&currency=GBP"
    ]
    assert "Pay online: £1,500.50" in english


def test_a_placeholder_in_the_path_is_encoded_too(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RECOUP_PAYMENT_URL", "https://pay.example/{currency}/{reference}")
    page = make_client(world).get(f"/p/{issue(world)}").text
    assert pay_links(page) == ["https://pay.example/EUR/C1%20A-C1-1%20A-C1-2"]


def test_no_pay_online_button_without_a_payment_url(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RECOUP_PAYMENT_URL", raising=False)
    client = make_client(world)
    german = client.get(f"/p/{issue(world)}").text
    english = client.get(f"/p/{issue(world)}?lang=en").text

    assert pay_links(german) == pay_links(english) == []
    assert "Online bezahlen" not in german
    assert "Pay online" not in english
    assert "Please pay by bank transfer to:" in english
