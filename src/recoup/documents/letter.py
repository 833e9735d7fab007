"""Dunning letters: a rendered message under the organisation's letterhead, as PDF."""

from pathlib import Path

from markupsafe import Markup

from recoup.comms.context import MessageContext
from recoup.comms.render import render, resolve_locale
from recoup.documents.pdf import (
    frame_variables,
    html_to_pdf,
    labels,
    languages,
    render_document,
)


def letter_html(name: str, context: MessageContext, *, templates_dir: Path | None = None) -> str:
    """The letter for message ``name`` as a complete HTML document.

    The body is the message's HTML rendered for the ``letter`` medium (greeting, text,
    invoice table, totals, payment instructions, signature); the frame adds the
    letterhead, the customer's address in the window position, the date and references,
    the subject line and a footer on every page.
    """
    message = render(name, context, medium="letter", templates_dir=templates_dir)
    if message.html is None:
        # A text-only message (a call script) still prints: as preformatted text.
        body = Markup('<pre class="text">{}</pre>').format(message.text)
    else:
        body = Markup(message.html)  # rendered by our autoescaping templates
    language, _ = resolve_locale(message.locale, languages())
    return render_document(
        "letter.html.j2",
        {
            **frame_variables(context),
            "language": language,
            "locale": message.locale,
            "L": labels(language),
            "title": message.subject,
            "subject": message.subject,
            "body": body,
        },
    )


def letter_pdf(name: str, context: MessageContext, *, templates_dir: Path | None = None) -> bytes:
    """The letter for message ``name`` as PDF bytes (A4), ready to post or store."""
    return html_to_pdf(letter_html(name, context, templates_dir=templates_dir))
