"""Every HTML template escapes what it prints: a hostile value in any field of a message,
letter, statement or invoice copy comes out as text, in every language and medium.

Escaping is one policy shared by every Jinja environment (``recoup.templating``); the
last test checks that each environment applies it to each template it can load.
"""

from dataclasses import replace
from datetime import date

import pytest
from jinja2 import Environment

from recoup.comms import render as comms_render
from recoup.comms.render import TEMPLATES, render
from recoup.documents import InvoiceCopy, Settlement, invoice_copy_html, letter_html, statement_html
from recoup.documents import pdf as documents_pdf
from recoup.languages import LANGUAGES
from recoup.templating import TEXT_KINDS, autoescape, template_kind
from tests.documents.factories import make_context
from tests.documents.hostile import HOSTILE, assert_escaped, hostile


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", sorted(TEMPLATES))
@pytest.mark.parametrize("medium", ["email", "letter"])
def test_every_message_escapes_hostile_values(name: str, language: str, medium: str) -> None:
    context = hostile(make_context(language=language))

    message = render(name, context, medium=medium)  # type: ignore[arg-type]

    if message.html is not None:
        assert_escaped(message.html, where=f"{language}/{name} ({medium})")
    # The text parts print the value as it is: text is not HTML.
    assert "&lt;" not in message.text + message.subject


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_every_letter_document_escapes_hostile_values(name: str, language: str) -> None:
    html = letter_html(name, hostile(make_context(language=language)))

    assert_escaped(html, where=f"letter {language}/{name}")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_statement_escapes_hostile_values(language: str) -> None:
    assert_escaped(statement_html(hostile(make_context(language=language))), where="statement")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_invoice_copy_escapes_hostile_values(language: str) -> None:
    invoice = InvoiceCopy(
        number=HOSTILE,
        issue_date=date(2026, 1, 20),
        due_date=date(2026, 2, 19),
        currency="EUR",
        total_amount=50000,
        tax_amount=7983,
        open_amount=25000,
        po_number=HOSTILE,
        settlements=(Settlement("payment", HOSTILE, date(2026, 3, 1), 20000),),
    )
    context = replace(hostile(make_context(language=language)), portal_url=None)

    assert_escaped(invoice_copy_html(context, invoice), where="invoice copy")


def _environments() -> dict[str, Environment]:
    from recoup.portal.views import templates as portal_templates
    from recoup.web.templating import templates as web_templates

    return {
        "comms": comms_render._environment((comms_render.TEMPLATES_DIR,)),
        "documents": documents_pdf._environment(),
        "web": web_templates.env,
        "portal": portal_templates.env,
    }


@pytest.mark.parametrize("which", ["comms", "documents", "web", "portal"])
def test_every_environment_escapes_every_html_template(which: str) -> None:
    environment = _environments()[which]
    names = environment.list_templates(filter_func=lambda n: not n.endswith(".yaml"))
    assert names

    for name in names:
        escaped = _escapes(environment, name)
        if template_kind(name) in TEXT_KINDS:
            assert not escaped, name
        else:
            assert escaped, f"{which}: {name} is not autoescaped"
    assert environment.autoescape is autoescape


def _escapes(environment: Environment, name: str) -> bool:
    """Whether ``name`` escapes a variable, as compiled by ``environment``."""
    source = "{{ value }}"
    compiled = environment.compile(source, name=name)
    template = environment.template_class.from_code(environment, compiled, {}, None)
    return "&lt;" in template.render(value="<")
