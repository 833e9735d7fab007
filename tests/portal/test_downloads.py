"""The PDFs a customer downloads from the portal: their statement and copies of their
open invoices; a bad link or someone else's invoice never yields a PDF.

Besides the world's invoices, customer C1 of org A (German, EUR) has RE/2026/7: issued
1 June 2026, due 1 July, 1,190.00 of which 190.00 tax, order PO-4711. Payment BANK-0815
(500.00 on 10 June) paid 400.00 of it and credit note GS-12 (90.00, 12 June) the rest
of the 490.00 paid so far: 700.00 is open.
"""

import html
import re
from datetime import date
from decimal import Decimal

import pytest

from recoup.db import transaction
from recoup.ledger import service as ledger
from tests.pdf import pdf_text, squash
from tests.portal.links import bad_tokens, issue
from tests.web.support import World, make_client

NUMBER = "RE/2026/7"


@pytest.fixture(scope="module", autouse=True)
def part_paid_invoice(world: World) -> None:
    """RE/2026/7 as the module docstring describes it."""
    org_id, customer_id = world.a.id, world.a.customers["C1"]
    with transaction(world.engine, actor="test") as session:
        invoice = ledger.create_invoice(
            session,
            org_id=org_id,
            customer_id=customer_id,
            number=NUMBER,
            issue_date=date(2026, 6, 1),
            due_date=date(2026, 7, 1),
            total=Decimal("1190.00"),
            tax=Decimal("190.00"),
            po_number="PO-4711",
        )
        payment = ledger.record_payment(
            session,
            org_id=org_id,
            customer_id=customer_id,
            received_on=date(2026, 6, 10),
            amount=Decimal("500.00"),
            currency="EUR",
            external_id="BANK-0815",
        )
        note = ledger.create_credit_note(
            session,
            org_id=org_id,
            customer_id=customer_id,
            number="GS-12",
            issue_date=date(2026, 6, 12),
            total=Decimal("90.00"),
        )
        ledger.allocate(session, org_id=org_id, invoice_id=invoice.id, amount=Decimal("400.00"),
                        on=date(2026, 6, 15), payment_id=payment.id)  # fmt: skip
        ledger.allocate(session, org_id=org_id, invoice_id=invoice.id, amount=Decimal("90.00"),
                        on=date(2026, 6, 15), credit_note_id=note.id)  # fmt: skip


def pdf_links(page: str) -> list[str]:
    """The PDF links of a portal page, as the browser would follow them."""
    return [html.unescape(href) for href in re.findall(r'href="([^"]+\.pdf[^"]*)"', page)]


def assert_pdf(response: object, filename: str) -> str:
    """The text of a PDF download, after checking its headers; the PDF's text."""
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert response.headers["content-type"] == "application/pdf"  # type: ignore[attr-defined]
    disposition = response.headers["content-disposition"]  # type: ignore[attr-defined]
    assert disposition == f'attachment; filename="{filename}"'
    content: bytes = response.content  # type: ignore[attr-defined]
    assert content.startswith(b"%PDF")
    return squash(pdf_text(content))


def test_the_page_links_the_statement_and_each_open_invoice(world: World) -> None:
    client = make_client(world)
    token = issue(world)

    german = client.get(f"/p/{token}").text
    assert "Kontoauszug herunterladen (PDF)" in german
    assert pdf_links(german) == [
        f"/p/{token}/statement.pdf",
        f"/p/{token}/invoices/A-C1-1.pdf",
        f"/p/{token}/invoices/{NUMBER}.pdf",  # oldest due first
        f"/p/{token}/invoices/A-C1-2.pdf",
    ]
    english = client.get(f"/p/{token}?lang=en").text
    assert "Download statement (PDF)" in english
    assert pdf_links(english)[0] == f"/p/{token}/statement.pdf?lang=en"
    assert all(link.endswith(".pdf?lang=en") for link in pdf_links(english))


def test_the_statement_pdf_in_the_customers_language(world: World) -> None:
    client = make_client(world)
    token = issue(world)

    text = assert_pdf(client.get(f"/p/{token}/statement.pdf"), "statement-C1-2026-06-30.pdf")
    for expected in (
        "Kontoauszug, Stand 30. Juni 2026",
        "A C1 Kunde GmbH",
        "Rechnung A-C1-1 16.05.2026 45 1.200,00 € 1.200,00 €",
        "PO-4711 01.07.2026 nicht fällig 1.190,00 € 700,00 €",  # RE/2026/7
        "Zahlung BANK-0815 -100,00 €",  # what is left of the payment
        "IBAN DE89 3704 0044 0532 0130 00",
    ):
        assert expected in text, expected
    assert "A-C2" not in text
    assert "B-C1" not in text
    assert token not in text  # a forwarded PDF does not open the account

    english = assert_pdf(
        client.get(f"/p/{token}/statement.pdf?lang=en"), "statement-C1-2026-06-30.pdf"
    )
    # no country of its own: the organisation's (Germany) sets the formats, en_DE
    assert "Statement of account as at 30 June 2026" in english


def test_an_invoice_copy_shows_what_is_paid_and_how_to_pay_the_rest(world: World) -> None:
    client = make_client(world)
    token = issue(world)
    (link,) = [link for link in pdf_links(client.get(f"/p/{token}").text) if "/invoices/RE" in link]

    text = assert_pdf(client.get(link), "invoice-RE-2026-7.pdf")
    for expected in (
        f"Rechnungskopie {NUMBER}",
        "A C1 Kunde GmbH",
        "Alpha Trading Ltd",
        "Rechnungsdatum 1. Juni 2026",
        "Fällig am 1. Juli 2026",
        "Ihre Referenz PO-4711",
        "Nettobetrag 1.000,00 €",
        "Umsatzsteuer 190,00 €",
        "Rechnungsbetrag 1.190,00 €",
        "Bereits bezahlt -490,00 €",
        "Offener Betrag (EUR) 700,00 €",
        "10.06.2026 Zahlung BANK-0815 -400,00 €",
        "12.06.2026 Gutschrift GS-12 -90,00 €",
        "Bank Commerzbank",
        "IBAN DE89 3704 0044 0532 0130 00",
        f"Verwendungszweck {NUMBER}",
    ):
        assert expected in text, expected

    english = assert_pdf(client.get(f"{link}?lang=en"), "invoice-RE-2026-7.pdf")
    assert f"Invoice copy {NUMBER}" in english
    assert "Open amount (EUR) 700,00 €" in english


def test_another_customers_invoice_is_not_available(world: World) -> None:
    client = make_client(world)
    token = issue(world)
    refused = [
        client.get(f"/p/{token}/invoices/{number}.pdf")
        # another organisation's, another customer's, and no invoice at all
        for number in ("B-C1-1", "A-C2-1", "NO-SUCH-1", "")
    ]
    for response in refused:
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/html")
        assert not response.content.startswith(b"%PDF")
        assert "Diese Rechnung ist nicht verfügbar" in response.text
        assert "B-C1" not in response.text
        assert "A-C2" not in response.text
        assert "Traceback" not in response.text
    # The same answer whether the invoice exists elsewhere or not at all.
    assert len({response.text for response in refused}) == 1
    assert f'href="/p/{token}"' in refused[0].text


def test_bad_links_get_the_invalid_link_page_and_no_pdf(world: World) -> None:
    client = make_client(world)
    for token in bad_tokens(world):
        for path in ("statement.pdf", "invoices/A-C1-1.pdf", "invoices/A-C2-1.pdf"):
            response = client.get(f"/p/{token}/{path}")
            assert response.status_code == 404
            assert response.headers["content-type"].startswith("text/html")
            assert "This link cannot be used" in response.text
            assert "A-C" not in response.text
            assert "content-disposition" not in response.headers


def test_pdf_responses_are_not_cached(world: World) -> None:
    response = make_client(world).get(f"/p/{issue(world)}/statement.pdf")
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "no-referrer"
