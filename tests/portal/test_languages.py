"""The portal in every language it speaks: the page, its amounts and dates in the
language's formats, links to the other languages, and no English left on it."""

from datetime import date

import pytest
from sqlalchemy.orm import Session

from recoup.languages import LANGUAGES
from recoup.portal import service as portal
from recoup.portal.i18n import LANGUAGE_NAMES
from tests.comms.test_languages import NEW_LANGUAGES, english_in, flat
from tests.customer_text import visible_text
from tests.factories import make_customer, make_org
from tests.portal.links import issue
from tests.web.support import World, make_client

#: C1's statement (A-C1-1: 1,200.00 EUR, 45 days overdue) in each language.
EXPECTED = {
    "fr": ("Relevé de compte de A C1 Kunde GmbH", "1 200,00 €", "échue depuis 45 jours"),
    "nl": ("Rekeningoverzicht voor A C1 Kunde GmbH", "€ 1.200,00", "45 dagen te laat"),
    "es": ("Extracto de cuenta de A C1 Kunde GmbH", "1.200,00 €", "45 días de retraso"),
    "it": ("Estratto conto di A C1 Kunde GmbH", "1.200,00 €", "45 giorni di ritardo"),
}


@pytest.mark.parametrize("language", NEW_LANGUAGES)
def test_the_page_is_in_the_chosen_language(world: World, language: str) -> None:
    page = make_client(world).get(f"/p/{issue(world)}?lang={language}")
    shown = flat(visible_text(page.text))
    heading, amount, late = EXPECTED[language]

    assert page.status_code == 200
    assert f'<html lang="{language}">' in page.text
    assert heading in shown
    assert amount in shown
    assert late in shown
    assert english_in(shown.replace("A C1 Kunde GmbH", "")) == []
    for other in LANGUAGES:  # a link to every other language, named in itself
        assert (LANGUAGE_NAMES[other] in shown) is (other != language)


def test_the_tests_know_every_new_language() -> None:
    assert sorted(EXPECTED) == sorted(NEW_LANGUAGES)


@pytest.mark.parametrize(
    ("language", "country", "expected"),
    [("", "BE", "nl"), ("fr", "BE", "fr"), ("", "IT", "it"), ("", "US", "en"), ("", "", "en")],
)
def test_the_page_is_in_the_customers_language_else_their_countrys(
    session: Session, language: str, country: str, expected: str
) -> None:
    org = make_org(session)
    customer = make_customer(session, org=org)
    customer.language, customer.country = language, country
    session.flush()
    token = portal.issue_token(session, org_id=org.id, customer_id=customer.id)
    access = portal.open_portal(session, token=token)
    assert access is not None

    assert portal.page_language(session, access=access) == expected
    assert portal.portal_page(session, access=access, as_of=date(2026, 3, 1)).language == expected
    assert portal.page_language(session, access=access, chosen="es") == "es"  # the page's choice
