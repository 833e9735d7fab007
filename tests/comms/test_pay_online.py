"""Messages and statements offer to "pay online" only when the portal takes payments
(``RECOUP_PAYMENT_URL`` is set); otherwise they point to the account page for what it
does offer."""

from dataclasses import replace

import pytest

from recoup.comms.render import render, render_sms
from recoup.documents.statement import statement_pdf
from tests.documents.factories import make_context
from tests.pdf import pdf_text

PORTAL = "https://pay.example.com/p/token123"


@pytest.mark.parametrize(("language", "online"), [("en", "pay online"), ("de", "online bezahlen")])
def test_pay_online_only_when_the_portal_takes_payments(language: str, online: str) -> None:
    context = make_context(language=language)
    without = replace(context, portal_url=PORTAL, pays_online=False)
    with_payments = replace(context, portal_url=PORTAL, pays_online=True)
    for medium in ("email", "letter"):
        message = render("due_notice", without, medium=medium)
        assert online not in message.text
        assert PORTAL in message.text
        assert online in render("due_notice", with_payments, medium=medium).text
    sms = render_sms("due_notice", without)
    assert "online" not in sms
    assert PORTAL in sms
    assert "online" in render_sms("due_notice", with_payments)


def test_the_statement_offers_online_payment_only_when_there_is_one() -> None:
    context = replace(make_context(), portal_url=PORTAL)
    assert "pay online" not in " ".join(pdf_text(statement_pdf(context)).split())
    assert "pay online" in " ".join(
        pdf_text(statement_pdf(replace(context, pays_online=True))).split()
    )
