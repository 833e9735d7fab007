"""Rendering messages: Jinja2 templates per language, Babel formatting in the locale.

Templates live in ``templates/<language>/<name>.<part>.j2`` where ``part`` is
``subject``, ``txt`` and (except for text-only messages such as ``call_script``)
``html``. A language without the template falls back to English, so a new language can
be added one template at a time. An organisation may keep its own templates in a
directory searched first (``templates_dir``), laid out the same way.

Money and dates are formatted only here, with Babel, in the context's locale
(``1.234,56 €`` and ``31. März 2026`` in German). Variables that do not exist are
errors (``StrictUndefined``), every template but the text parts (``.txt``, ``.subject``,
``.sms``, ``_text``) is HTML-escaped (``recoup.templating.autoescape``: the macro files
``_html.j2`` included), and any template error becomes a ``RenderError`` naming the
template.
"""

import dataclasses
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from babel import Locale, UnknownLocaleError
from babel.dates import format_date as babel_format_date
from babel.numbers import format_currency, format_decimal, format_percent
from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    Template,
    TemplateError,
    TemplateNotFound,
    pass_context,
)
from jinja2.runtime import Context

from recoup.comms.context import DEFAULT_LOCALE, MessageContext
from recoup.errors import RecoupError
from recoup.money import from_minor
from recoup.templating import autoescape

TEMPLATES_DIR = Path(__file__).with_name("templates")

#: Every message Recoup ships, with the context fields each needs beyond the basics.
TEMPLATES: dict[str, tuple[str, ...]] = {
    "pre_due_reminder": (),
    "due_notice": (),
    "courtesy_reminder": (),
    "formal_notice": (),
    "final_demand": (),
    "thank_you": (),
    "instalment_reminder": ("instalment",),
    "missed_instalment": ("instalment",),
    "promise_confirmation": ("promise",),
    "statement": (),
    "owner_notification": ("event",),
    "call_script": (),
}

Medium = Literal["email", "letter"]
_LAYOUTS: dict[str, str] = {"email": "_email.html.j2", "letter": "_letter.html.j2"}
_BLANK_LINES = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")
_TRAILING_SPACE = re.compile(r"[ \t]+\n")
_ONE_LINE = re.compile(r"[ \t\r\n]+")


class RenderError(RecoupError):
    """A message could not be rendered; ``template`` names the one at fault."""

    status_code = 422

    def __init__(self, template: str, reason: str) -> None:
        super().__init__(f"template {template}: {reason}")
        self.template = template
        self.reason = reason


@dataclass(frozen=True, slots=True)
class RenderedMessage:
    """A message ready for a channel. ``html`` is None for text-only messages.

    For the ``letter`` medium ``html`` is a fragment (no ``<html>`` shell) that the letter
    document places under its letterhead.
    """

    subject: str
    text: str
    html: str | None
    locale: str


def render(
    name: str,
    context: MessageContext,
    *,
    medium: Medium = "email",
    templates_dir: Path | None = None,
) -> RenderedMessage:
    """Render the message ``name`` for ``context``.

    The language is the contact's, else the customer's, else English; a language
    without this template is rendered in English. Raises ``RenderError`` for a template
    that exists in no language, for a context that lacks what the template needs and for
    any error inside the template.
    """
    if medium not in _LAYOUTS:
        raise RenderError(name, f"unknown medium {medium!r}")
    for needed in TEMPLATES.get(name, ()):
        if not getattr(context, needed):
            raise RenderError(name, f"the message needs {needed!r} in its context")
    environment = _environment(_search_path(templates_dir))
    language, locale = _choose_language(environment, name, context.locale)
    variables = _variables(context, name=name, locale=locale, language=language, medium=medium)
    subject = _render_part(environment, name, language, "subject", variables)
    text = _render_part(environment, name, language, "txt", variables)
    html = _render_optional(environment, name, language, "html", variables)
    return RenderedMessage(
        subject=_ONE_LINE.sub(" ", subject).strip(),  # keeps no-break spaces (French " :")
        text=_tidy_text(text),
        html=html.strip() + "\n" if html is not None else None,
        locale=locale,
    )


def render_sms(name: str, context: MessageContext, *, templates_dir: Path | None = None) -> str:
    """The text message for ``name``: one short paragraph with the figures that matter.

    ``<language>/<name>.sms.j2`` when it exists, else the language's generic
    ``_sms.j2`` (which reads ``message``, the message's name); English when the
    language has neither.
    """
    for needed in TEMPLATES.get(name, ()):
        if not getattr(context, needed):
            raise RenderError(name, f"the message needs {needed!r} in its context")
    environment = _environment(_search_path(templates_dir))
    language, locale = resolve_locale(context.locale, ())
    if not any(_exists(environment, f"{language}/{t}.j2") for t in (f"{name}.sms", "_sms")):
        language, locale = resolve_locale(context.locale, (DEFAULT_LOCALE,))
    variables = _variables(context, name=name, locale=locale, language=language, medium="sms")
    for path in (f"{language}/{name}.sms.j2", f"{language}/_sms.j2"):
        text = _render_path(environment, path, variables)
        if text is not None:
            return " ".join(text.split())
    raise RenderError(name, "no text-message template")


def template_names(templates_dir: Path | None = None) -> list[str]:
    """Names of the messages that exist in English (every message must)."""
    names: set[str] = set()
    for directory in _search_path(templates_dir):
        names |= {p.name.removesuffix(".txt.j2") for p in (directory / "en").glob("*.txt.j2")}
    return sorted(n for n in names if not n.startswith("_"))


def _search_path(templates_dir: Path | None) -> tuple[Path, ...]:
    return (templates_dir, TEMPLATES_DIR) if templates_dir is not None else (TEMPLATES_DIR,)


def _choose_language(environment: Environment, name: str, locale: str) -> tuple[str, str]:
    """The template language and the locale to format in, falling back to English."""
    language, resolved = resolve_locale(locale, ())
    if _exists(environment, f"{language}/{name}.txt.j2"):
        return language, resolved
    if not _exists(environment, f"{DEFAULT_LOCALE}/{name}.txt.j2"):
        raise RenderError(name, "no such template")
    return resolve_locale(locale, (DEFAULT_LOCALE,))


def resolve_locale(locale: str, languages: Collection[str]) -> tuple[str, str]:
    """``(language, locale)`` to write in, given the languages a text exists in.

    An empty ``languages`` accepts any. A language without a text falls back to English,
    keeping the customer's country where Babel knows the combination, so that an English
    text for a German customer still writes 31 March 2026 and €1,234.56.

    >>> resolve_locale("de_AT", ("en", "de"))
    ('de', 'de_AT')
    >>> resolve_locale("fr_FR", ("en", "de"))
    ('en', 'en_FR')
    >>> resolve_locale("xx", ("en",))
    ('en', 'en')
    """
    try:
        parsed = Locale.parse(locale.replace("-", "_"))
    except (ValueError, TypeError, UnknownLocaleError):
        parsed = Locale.parse(DEFAULT_LOCALE)
    if not languages or parsed.language in languages:
        return parsed.language, str(parsed)
    if parsed.territory:
        try:
            return DEFAULT_LOCALE, str(Locale.parse(f"{DEFAULT_LOCALE}_{parsed.territory}"))
        except (ValueError, UnknownLocaleError):
            pass
    return DEFAULT_LOCALE, DEFAULT_LOCALE


def _exists(environment: Environment, path: str) -> bool:
    try:
        environment.get_template(path)
    except TemplateNotFound:
        return False
    except TemplateError:
        return True  # it exists; rendering reports the error
    return True


def _render_part(
    environment: Environment, name: str, language: str, part: str, variables: dict[str, Any]
) -> str:
    path = f"{language}/{name}.{part}.j2"
    rendered = _render_path(environment, path, variables)
    if rendered is None:
        raise RenderError(path, "template not found")
    return rendered


def _render_optional(
    environment: Environment, name: str, language: str, part: str, variables: dict[str, Any]
) -> str | None:
    """The rendered part, or None when this language has no such part."""
    return _render_path(environment, f"{language}/{name}.{part}.j2", variables)


def _render_path(environment: Environment, path: str, variables: dict[str, Any]) -> str | None:
    """The rendered template at ``path``, or None when there is none."""
    try:
        template: Template = environment.get_template(path)
    except TemplateNotFound as exc:
        if exc.name == path:
            return None
        raise RenderError(path, f"template not found: {exc.name}") from exc
    except TemplateError as exc:
        raise RenderError(path, str(exc)) from exc
    try:
        return template.render(variables)
    except TemplateError as exc:
        raise RenderError(path, str(exc)) from exc
    except (TypeError, ValueError, ArithmeticError, AttributeError, KeyError) as exc:
        raise RenderError(path, f"{type(exc).__name__}: {exc}") from exc


def _variables(
    context: MessageContext, *, name: str, locale: str, language: str, medium: str
) -> dict[str, Any]:
    """The names a template sees: every context field, the derived totals, and settings."""
    variables: dict[str, Any] = {
        field.name: getattr(context, field.name) for field in dataclasses.fields(context)
    }
    variables.update(
        context=context,
        message=name,
        totals=context.totals,
        overdue_invoices=context.overdue_invoices,
        max_days_overdue=context.max_days_overdue,
        locale=locale,
        language=language,
        medium=medium,
        layout=_LAYOUTS.get(medium, ""),
    )
    return variables


def _tidy_text(text: str) -> str:
    """At most one blank line in a row, no trailing spaces, one final newline."""
    text = _TRAILING_SPACE.sub("\n", text.strip() + "\n")
    return _BLANK_LINES.sub("\n\n", text)


@lru_cache(maxsize=16)
def _environment(search_path: tuple[Path, ...]) -> Environment:
    environment = Environment(
        loader=ChoiceLoader([FileSystemLoader(str(path)) for path in search_path]),
        undefined=StrictUndefined,
        autoescape=autoescape,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    add_formatting(environment)
    return environment


def add_formatting(environment: Environment) -> None:
    """Install the locale-aware filters (``money``, ``date``, ``percent``, ``iban``, ...).

    They read ``locale`` from the template's variables, so every render must pass it.
    """
    environment.filters.update(
        money=_money,
        date=_date,
        percent=_percent,
        number=_number,
        iban=format_iban,
        sort_code=format_sort_code,
        lines=_lines,
        ljust=lambda value, width: str(value).ljust(width),
        rjust=lambda value, width: str(value).rjust(width),
    )
    environment.globals.update(text_table=text_table)


@pass_context
def _money(template_context: Context, minor: int, currency: str) -> str:
    """``1234 56`` minor units of EUR as ``€1,234.56`` (en) or ``1.234,56 €`` (de)."""
    amount = from_minor(minor, currency)
    return str(format_currency(amount, currency, locale=template_context["locale"]))


@pass_context
def _date(template_context: Context, value: date, format: str = "long") -> str:
    return str(babel_format_date(value, format=format, locale=template_context["locale"]))


@pass_context
def _percent(template_context: Context, value: Decimal) -> str:
    """A yearly rate given in percent (``Decimal("11.62")``) as ``11.62%`` / ``11,62 %``."""
    return str(
        format_percent(value / 100, locale=template_context["locale"], decimal_quantization=False)
    )


@pass_context
def _number(template_context: Context, value: int | Decimal) -> str:
    return str(format_decimal(value, locale=template_context["locale"]))


def _lines(value: str) -> list[str]:
    """The non-empty lines of a multi-line field (an address)."""
    return [line.strip() for line in value.splitlines() if line.strip()]


def format_iban(iban: str) -> str:
    """An IBAN in groups of four, as printed on paper.

    >>> format_iban("gb33bukb20201555555555")
    'GB33 BUKB 2020 1555 5555 55'
    """
    compact = "".join(iban.split()).upper()
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def format_sort_code(code: str) -> str:
    """A UK sort code in pairs, as printed on paper.

    >>> format_sort_code("202015")
    '20-20-15'
    """
    return "-".join(code[i : i + 2] for i in range(0, len(code), 2))


def text_table(
    headers: Sequence[str] | None,
    rows: Sequence[Sequence[Any]],
    right: Sequence[int] = (),
    indent: int = 2,
) -> str:
    """Rows as aligned plain-text columns; ``right`` lists right-aligned column indexes.

    >>> rows = [["INV-1", "€10.00"], ["INV-22", "€1,000.00"]]
    >>> print(text_table(["Invoice", "Amount"], rows, right=[1]))
      Invoice      Amount
      INV-1        €10.00
      INV-22    €1,000.00
    """
    table = [list(map(str, headers))] if headers else []
    table += [list(map(str, row)) for row in rows]
    if not table:
        return ""
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    lines = []
    for row in table:
        cells = [
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ]
        lines.append((" " * indent + "   ".join(cells)).rstrip())
    return "\n".join(lines)
