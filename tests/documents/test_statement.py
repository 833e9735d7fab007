"""Account statements: the figures by currency, their aging, and the PDF's text."""

import io
import re

import pytest
from pypdf import PdfReader

from recoup.comms.context import MessageContext
from recoup.documents import statement_html, statement_pdf
from recoup.documents.statement import statement_sections
from tests.documents.factories import make_context


def pdf_text(pdf: bytes) -> str:
    """All pages' text, with Babel's no-break spaces as plain spaces."""
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages).replace("\xa0", " ")


@pytest.fixture(scope="module")
def english_pdf() -> bytes:
    return statement_pdf(make_context())


def test_sections_hold_each_currency_apart() -> None:
    sections = {s.currency: s for s in statement_sections(make_context())}

    assert list(sections) == ["EUR", "GBP"]
    eur = sections["EUR"]
    assert [(r.kind, r.document, r.open_amount) for r in eur.rows] == [
        ("invoice", "INV-2026-0041", 123456),
        ("invoice", "INV-2026-0057", 25000),
        ("charge", "Late-payment interest", 1523),
        ("charge", "Fixed compensation for recovery costs", 4000),
        ("credit_note", "CN-0007", -10000),
    ]
    assert eur.total.balance == 143979
    assert sum(r.open_amount for r in eur.rows) == eur.total.balance
    assert sections["GBP"].total.balance == 99999


def test_aging_splits_open_invoices_by_days_past_due() -> None:
    eur, gbp = statement_sections(make_context())

    # 58 and 40 days overdue both fall in 31-60; the GBP invoice is due today (current)
    assert [(a.label, a.amount) for a in eur.aging] == [
        ("Not yet due", 0),
        ("1–30 days", 0),
        ("31–60 days", 148456),
        ("61–90 days", 0),
        ("over 90 days", 0),
    ]
    assert [a.amount for a in gbp.aging] == [99999, 0, 0, 0, 0]
    assert [a.label for a in statement_sections(make_context(), language="de")[0].aging] == [
        "Noch nicht fällig",
        "1–30 Tage",
        "31–60 Tage",
        "61–90 Tage",
        "über 90 Tage",
    ]


def test_statement_pdf_is_an_a4_pdf(english_pdf: bytes) -> None:
    reader = PdfReader(io.BytesIO(english_pdf))

    assert english_pdf.startswith(b"%PDF-")
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    assert reader.metadata is not None
    assert reader.metadata.title == "Statement of account C-1001"


def test_statement_pdf_shows_the_figures(english_pdf: bytes) -> None:
    text = pdf_text(english_pdf)

    for expected in (
        "Statement of account as at 31 March 2026",
        "Globex GmbH",
        "For the attention of Anna Schmidt",
        "Hauptstraße 5",
        "C-1001",
        "INV-2026-0041",
        "€1,234.56",
        "INV-2026-0057",
        "€500.00",
        "€250.00",
        "Late-payment interest",
        "€15.23",
        "Credit note CN-0007",
        "-€100.00",
        "€1,439.79",
        "INV-2026-0102",
        "£999.99",
        "€1,484.56",  # the 31-60 bucket and the open invoices total
        "GB33 BUKB 2020 1555 5555 55",
        "BUKBGB22",
        "https://pay.acme.example/p/abc123",
        "Acme Supplies Ltd",
        "+44 20 7946 0000",
    ):
        assert expected in text, expected
    assert re.search(r"Balance due \(EUR\)\s*€1,439\.79", text)
    assert re.search(r"Balance due \(GBP\)\s*£999\.99", text)
    assert re.search(r"Page 1 of \d", text)


def test_german_statement() -> None:
    text = pdf_text(statement_pdf(make_context(language="de", country="DE")))

    assert "Kontoauszug, Stand 31. März 2026" in text
    assert "z. Hd. Anna Schmidt" in text
    assert "1.234,56 €" in text
    assert "1.439,79 €" in text
    assert "Zu zahlender Saldo (EUR)" in text
    assert "Verwendungszweck" in text
    assert re.search(r"Seite 1 von \d", text)


def test_an_account_with_nothing_open() -> None:
    context = make_context(invoices=(), charges=(), credits=())

    html = statement_html(context)

    assert "There are no open items on your account." in html
    assert statement_sections(context) == ()


def test_a_credit_balance_is_shown_as_such() -> None:
    context: MessageContext = make_context(invoices=make_context().invoices[1:2], charges=())

    text = pdf_text(statement_pdf(context))  # 250.00 open, 100.00 credit: still owed

    assert "Balance due (EUR)" in text
    credit_only = make_context(invoices=(), charges=())
    assert "Balance in your favour (EUR)" in statement_html(credit_only)
    assert "-€100.00" in statement_html(credit_only)
