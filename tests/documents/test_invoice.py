"""Invoice copies: the invoice's figures, what settled part of it, and how to pay the rest.

INV-2026-0057 (from the sample context): 500.00 EUR of which 79.83 tax (net 420.17);
200.00 paid on 1 March and a 50.00 credit note on 2 March leave 250.00 open.
"""

import io
from datetime import date
from typing import Any

from pypdf import PdfReader

from recoup.comms.context import MessageContext
from recoup.documents import InvoiceCopy, Settlement, invoice_copy_html, invoice_copy_pdf
from tests.documents.factories import make_context
from tests.pdf import pdf_text, squash

INVOICE = InvoiceCopy(
    number="INV-2026-0057",
    issue_date=date(2026, 1, 20),
    due_date=date(2026, 2, 19),
    currency="EUR",
    total_amount=50000,
    tax_amount=7983,
    open_amount=25000,
    po_number="PO-77",
    settlements=(
        Settlement("payment", "BANK-123", date(2026, 3, 1), 20000),
        Settlement("credit_note", "CN-9", date(2026, 3, 2), 5000),
    ),
)


def copy_context(**overrides: Any) -> MessageContext:
    """The sample context as the portal makes it for one invoice: no portal link."""
    return make_context(payment_reference="INV-2026-0057", portal_url=None, **overrides)


def test_the_copy_shows_the_figures_and_how_to_pay() -> None:
    pdf = invoice_copy_pdf(copy_context(), INVOICE)
    text = squash(pdf_text(pdf))

    assert pdf.startswith(b"%PDF-")
    for expected in (
        "Invoice copy INV-2026-0057",
        "Globex GmbH",  # the customer's address block
        "Invoice date 20 January 2026",
        "Due date 19 February 2026",
        "Your reference PO-77",
        "Net amount €420.17",
        "Tax €79.83",
        "Invoice total €500.00",
        "Paid so far -€250.00",
        "Open amount (EUR) €250.00",
        "Payment BANK-123 -€200.00",
        "Credit note CN-9 -€50.00",
        "IBAN GB33 BUKB 2020 1555 5555 55",
        "Payment reference INV-2026-0057",
        "Payee Acme Supplies Ltd",
        "the original invoice remains the tax document",
    ):
        assert expected in text, expected
    assert "pay.acme.example" not in text


def test_the_copy_is_an_a4_pdf_titled_after_the_invoice() -> None:
    reader = PdfReader(io.BytesIO(invoice_copy_pdf(copy_context(), INVOICE)))

    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    assert reader.metadata is not None
    assert reader.metadata.title == "Invoice copy INV-2026-0057"


def test_the_copy_is_written_in_the_customers_language() -> None:
    text = squash(pdf_text(invoice_copy_pdf(copy_context(language="de", country="DE"), INVOICE)))

    for expected in (
        "Rechnungskopie INV-2026-0057",
        "Rechnungsdatum 20. Januar 2026",
        "Umsatzsteuer 79,83 €",
        "Bereits bezahlt -250,00 €",
        "Offener Betrag (EUR) 250,00 €",
        "Zahlung BANK-123",
        "Gutschrift CN-9",
        "Verwendungszweck INV-2026-0057",
    ):
        assert expected in text, expected


def test_no_tax_lines_and_no_payments_when_there_are_none() -> None:
    plain = InvoiceCopy("INV-1", date(2026, 1, 1), date(2026, 1, 31), "EUR", 10000, 0, 10000)
    html = invoice_copy_html(copy_context(), plain)

    assert "Net amount" not in html
    assert "Tax" not in html
    assert "Payments and credits applied" not in html
    assert "Paid so far" in html
    assert plain.settled_amount == 0
    assert (INVOICE.net_amount, INVOICE.settled_amount) == (42017, 25000)
