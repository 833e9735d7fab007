"""Pure portal rules: the payment provider's link and the downloads' file names."""

from decimal import Decimal

import pytest

from recoup.errors import InvalidInput
from recoup.portal.core import check_payment_url, payment_link, pdf_filename


def test_every_value_of_a_payment_link_is_url_encoded() -> None:
    template = check_payment_url("https://pay.example/pay/{currency}?ref={reference}&amt={amount}")

    link = payment_link(
        template, reference="C 1 RE/7 & Co?#", amount=Decimal("1234.50"), currency="EUR"
    )
    assert link == "https://pay.example/pay/EUR?ref=C%201%20RE%2F7%20%26%20Co%3F%23&amt=1234.50"


def test_a_payment_link_may_use_some_placeholders_or_none() -> None:
    assert check_payment_url("https://pay.example/start") == "https://pay.example/start"
    template = check_payment_url("https://pay.example/?a={amount}&again={amount}&x={{literal}}")
    link = payment_link(template, reference="R", amount=Decimal("5"), currency="JPY")
    assert link == "https://pay.example/?a=5&again=5&x={literal}"


@pytest.mark.parametrize("template", ["https://x/{ref}", "https://x/{amount!s}", "https://x/{"])
def test_a_bad_template_names_the_setting(template: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        check_payment_url(template)
    assert raised.value.field == "RECOUP_PAYMENT_URL"


def test_download_names_are_safe_in_a_header_and_on_disk() -> None:
    assert pdf_filename("invoice", 'RE/2026/7 "copy"') == "invoice-RE-2026-7-copy.pdf"
    assert pdf_filename("invoice", "Übersicht-№1") == "invoice-Ubersicht-No1.pdf"
    assert pdf_filename("", "..") == "document.pdf"
