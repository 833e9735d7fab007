"""Every portal page in every language reads as words: charges described for the
customer, no engine identifiers, no ``None``, no template tags (``tests/customer_text``)."""

from recoup.charges import service as charges
from recoup.db import transaction
from recoup.portal.i18n import LANGUAGES
from tests.customer_text import problems
from tests.portal.links import issue
from tests.web.support import AS_OF, World, csrf_of, make_client


def test_every_portal_page_in_every_language_reads_as_words(world: World) -> None:
    invoice_id = world.a.invoices["A-C1-1"]
    with transaction(world.engine, actor="test") as session:
        charges.charge_interest(
            session, org_id=world.a.id, invoice_id=invoice_id, as_of=AS_OF, key="t:interest"
        )
        charges.charge_compensation(
            session, org_id=world.a.id, invoice_id=invoice_id, key="t:comp", as_of=AS_OF
        )
    client = make_client(world)
    token = issue(world)
    failures: list[str] = []
    for language in LANGUAGES:
        page = client.get(f"/p/{token}?lang={language}").text
        assert f'lang="{language}"' in page
        csrf = csrf_of(page)
        refused = client.post(
            f"/p/{token}/promise",
            data={"promised_on": "1999-01-01", "csrf_token": csrf, "lang": language},
        ).text
        thanks = client.get(
            client.post(
                f"/p/{token}/feedback",
                data={"comment": "Thanks", "csrf_token": csrf, "lang": language},
            ).headers["location"]
        ).text
        invalid = client.get("/p/forged-token", headers={"accept-language": language}).text
        missing = client.get(f"/p/{token}/invoices/NO-SUCH.pdf?lang={language}").text
        pages = {
            "account": page,
            "refused promise": refused,
            "thanks": thanks,
            "invalid link": invalid,
            "missing invoice": missing,
        }
        for name, html in pages.items():
            failures += [f"{name} ({language}): {p}" for p in problems(html, html=True)]
    assert failures == []

    german = client.get(f"/p/{token}?lang=de").text
    english = client.get(f"/p/{token}?lang=en").text
    assert "Verzugszinsen von " in german
    assert "(Rechnung A-C1-1)" in german
    assert "Statutory interest at " in english
    assert "(invoice A-C1-1)" in english
