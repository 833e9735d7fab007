"""The one autoescaping policy of every Jinja environment in Recoup.

Messages, documents, the team's pages and the portal all build their environments with
``autoescape=autoescape``: a template is HTML-escaped unless its name says it is plain
text. Escaping is therefore a property of the environment, not of a file-naming habit:
a macro file such as ``en/_html.j2`` or a new template an organisation adds is escaped
without anyone remembering a suffix, and a value that must stay markup has to be made
``markupsafe.Markup`` where it is produced.

Text templates are those whose last name part (before ``.j2``) is one of
``TEXT_KINDS``: ``x.txt.j2``, ``x.subject.j2``, ``x.sms.j2``, ``_text.j2``, ``_sms.j2``
and the stylesheet ``document.css.j2`` (CSS is not HTML: entities would break it).
"""

from pathlib import PurePosixPath

#: The name parts that mark a template as plain text (not HTML-escaped).
TEXT_KINDS = frozenset({"txt", "text", "subject", "sms", "css"})


def template_kind(name: str) -> str:
    """The last part of a template's name, which says what it produces.

    >>> [template_kind(n) for n in ("en/due_notice.txt.j2", "en/_text.j2", "en/_html.j2")]
    ['txt', 'text', 'html']
    >>> template_kind("users.html"), template_kind("document.css.j2")
    ('html', 'css')
    """
    stem = PurePosixPath(name).name.removesuffix(".j2")
    return stem.rsplit(".", 1)[-1].lstrip("_")


def autoescape(name: str | None) -> bool:
    """Whether the template ``name`` is HTML-escaped: always, unless it is plain text.

    A template made from a string (no name) is escaped too.

    >>> autoescape("en/_html.j2"), autoescape("letter.html.j2"), autoescape("base.html")
    (True, True, True)
    >>> autoescape("en/formal_notice.subject.j2"), autoescape("en/_sms.j2"), autoescape(None)
    (False, False, True)
    """
    return name is None or template_kind(name) not in TEXT_KINDS
