"""The document templates' environment, their labels, and HTML → PDF with WeasyPrint.

Templates escape what they print (``recoup.templating.autoescape``) and WeasyPrint loads
only Recoup's packaged assets (``recoup.documents.fetcher``): a document made of
customer data can neither run markup nor pull in a local file or a URL.
"""

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from babel import Locale, UnknownLocaleError
from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateError, pass_context
from jinja2.runtime import Context

from recoup.comms.context import MessageContext
from recoup.comms.render import add_formatting
from recoup.errors import RecoupError
from recoup.templating import autoescape

TEMPLATES_DIR = Path(__file__).with_name("templates")
#: Where the files a document may load live (stylesheets, images, fonts of those types).
ASSET_DIRS: tuple[Path, ...] = (TEMPLATES_DIR,)
DEFAULT_LANGUAGE = "en"


class DocumentError(RecoupError):
    """A document could not be produced (a template error, or no PDF engine)."""

    status_code = 500


def html_to_pdf(html: str, *, base_url: str | None = None) -> bytes:
    """The PDF of a complete HTML document (A4 pages as its CSS says)."""
    try:
        # Imported here: it loads Pango through ctypes, which takes a moment and fails
        # on a system without it, and most commands never make a PDF.
        import weasyprint

        from recoup.documents.fetcher import AssetFetcher
    except (ImportError, OSError) as exc:
        raise DocumentError(
            "PDF rendering needs WeasyPrint and the Pango library "
            f"(Debian: libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core): {exc}"
        ) from exc
    document = weasyprint.HTML(
        string=html,
        base_url=base_url or str(TEMPLATES_DIR),
        url_fetcher=AssetFetcher(roots=ASSET_DIRS),
    )
    pdf = document.write_pdf()
    if not isinstance(pdf, bytes):  # write_pdf returns bytes when given no target
        raise DocumentError("WeasyPrint returned no PDF")
    return pdf


def render_document(template: str, variables: dict[str, Any]) -> str:
    """The HTML of a document template; any template error is a ``DocumentError``."""
    try:
        return _environment().get_template(template).render(variables)
    except TemplateError as exc:
        raise DocumentError(f"document template {template}: {exc}") from exc


def frame_variables(context: MessageContext) -> dict[str, object]:
    """What the document frame (letterhead, address, references) reads."""
    return {
        "organisation": context.organisation,
        "customer": context.customer,
        "contact": context.contact,
        "as_of": context.as_of,
        "payment_reference": context.payment_reference,
        "portal_url": context.portal_url,
        "pays_online": context.pays_online,
        "addressee": context.addressee,
        "signatory": context.sender,
    }


@lru_cache(maxsize=8)
def labels(language: str) -> dict[str, str]:
    """The printed words for ``language``, English where it has none."""
    table = _label_table()
    return {**table[DEFAULT_LANGUAGE], **table.get(language, {})}


def languages() -> frozenset[str]:
    """The languages the labels exist in."""
    return frozenset(_label_table())


@lru_cache(maxsize=1)
def _label_table() -> dict[str, dict[str, str]]:
    loaded = yaml.safe_load((TEMPLATES_DIR / "labels.yaml").read_text(encoding="utf-8"))
    return {str(lang): {str(k): str(v) for k, v in words.items()} for lang, words in loaded.items()}


@lru_cache(maxsize=1)
def _environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(str(TEMPLATES_DIR)),
        undefined=StrictUndefined,
        autoescape=autoescape,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    add_formatting(environment)
    environment.filters["country_name"] = _country_name
    return environment


@pass_context
def _country_name(template_context: Context, code: str) -> str:
    """``DE`` as ``Germany`` / ``Deutschland`` in the document's locale."""
    try:
        return str(Locale.parse(template_context["locale"]).territories.get(code.upper(), code))
    except (ValueError, UnknownLocaleError):
        return code
