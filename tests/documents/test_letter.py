"""Dunning letters: letterhead, address block, date, the message and its invoice table."""

import io
from dataclasses import replace

import pytest
from pypdf import PdfReader

from recoup.comms.context import CustomerInfo
from recoup.comms.render import RenderError
from recoup.documents import letter_html, letter_pdf
from tests.documents.factories import ORGANISATION, make_context


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages).replace("\xa0", " ")


def squash(text: str) -> str:
    """Text with line breaks as spaces: PDF text wraps where the page did."""
    return " ".join(text.split())


def test_formal_notice_letter_reads_like_a_business_letter() -> None:
    pdf = letter_pdf("formal_notice", make_context())
    text = pdf_text(pdf)

    assert pdf.startswith(b"%PDF-")
    for expected in (
        # letterhead and the window address
        "Acme Supplies Ltd",
        "1 High Street · London EC1A 1BB · United Kingdom",
        "Globex GmbH",
        "For the attention of Anna Schmidt",
        "10115 Berlin",
        # date and references
        "31 March 2026",
        "Customer number",
        "C-1001",
        # subject and body
        "Formal notice: overdue account C-1001 – Globex GmbH",
        "Dear Anna Schmidt,",
        "INV-2026-0041",
        "€1,234.56",
        "INV-2026-0057",
        "€250.00",
        "£999.99",
        "€1,439.79",
        "credit hold",
        "GB33 BUKB 2020 1555 5555 55",
        "Yours sincerely,",
        "Jane Doe",
        # footer
        "Registered in England No. 01234567",
    ):
        assert expected in text, expected
    assert "by 14 April 2026" in squash(text)
    assert "View your account" not in text


def test_german_final_demand_letter() -> None:
    context = make_context(language="de", country="DE", handoff_to="die Inkasso Nord GmbH")

    text = squash(pdf_text(letter_pdf("final_demand", context)))

    assert "Letzte Mahnung vor Übergabe an ein Inkassounternehmen" in text
    assert "z. Hd. Anna Schmidt" in text
    assert "31. März 2026" in text
    assert "an die Inkasso Nord GmbH zur Beitreibung" in text
    assert "1.439,79 €" in text
    assert "Mit freundlichen Grüßen" in text


@pytest.mark.parametrize(
    ("language", "footer"),
    [
        ("en", "Acme Supplies Limited · Company number 01234567 · VAT GB123456789"),
        ("de", "Acme Supplies Limited · Registernummer 01234567 · USt-IdNr. GB123456789"),
        ("fr", "Acme Supplies Limited · N° d’immatriculation 01234567 · N° TVA GB123456789"),
    ],
)
def test_the_letter_footer_labels_the_registered_numbers(language: str, footer: str) -> None:
    """A bare "01234567 · GB123456789" tells the reader nothing: each number says what
    it is, in the letter's language, after the registered name."""
    organisation = replace(
        ORGANISATION,
        legal_name="Acme Supplies Limited",
        registration_number="01234567",
        vat_number="GB123456789",
    )
    context = make_context(language=language, organisation=organisation)
    assert footer in squash(pdf_text(letter_pdf("courtesy_reminder", context)))


def test_letter_without_an_address_prints_the_country() -> None:
    customer = CustomerInfo(external_id="C-9", name="Initech", country="AT", language="de")

    html = letter_html("courtesy_reminder", make_context(customer=customer))

    assert "Österreich" in html


def test_a_text_only_message_prints_as_text() -> None:
    html = letter_html("call_script", make_context())

    assert '<pre class="text">' in html
    assert "CALL SCRIPT – Globex GmbH" in html


def test_an_unknown_letter_is_an_error() -> None:
    with pytest.raises(RenderError, match="no_such_letter"):
        letter_pdf("no_such_letter", make_context())
