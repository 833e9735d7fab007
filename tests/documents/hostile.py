"""Hostile values for the escaping tests: markup that must come out as text.

``hostile(value)`` replaces every free-text field of a context (recursively through its
dataclasses) with ``HOSTILE``; codes the formatting needs (currencies, languages, the
kind of a credit) stay valid.
"""

import dataclasses
from typing import Any

#: What an attacker types into a name: a local file to attach, an internal URL to fetch,
#: and a way out of an attribute into a script.
HOSTILE = (
    '<link rel="attachment" href="file:///etc/passwd">'
    "<img src=http://127.0.0.1:9/x>"
    "\"'><script>alert(1)</script>"
)
#: Fields that are codes, not text: a hostile currency or language is refused upstream.
CODES = frozenset({"currency", "language", "kind"})
#: What must never appear in a rendered HTML document (compared in lower case).
RAW_MARKUP = ("<link", "<img", "<script", "\"'>")


def hostile(value: Any) -> Any:
    """``value`` with every text field (not a code) set to ``HOSTILE``."""
    if isinstance(value, tuple):
        return tuple(hostile(item) for item in value)
    if not dataclasses.is_dataclass(value) or isinstance(value, type):
        return value
    changes: dict[str, Any] = {}
    for field in dataclasses.fields(value):
        current = getattr(value, field.name)
        if isinstance(current, str) and field.name not in CODES:
            changes[field.name] = HOSTILE
        elif dataclasses.is_dataclass(current) or isinstance(current, tuple):
            changes[field.name] = hostile(current)
    return dataclasses.replace(value, **changes)


def assert_escaped(html: str, *, where: str) -> None:
    """No hostile markup came through as markup, and the value is there as text."""
    lowered = html.lower()
    for raw in RAW_MARKUP:
        assert raw not in lowered, f"{where}: {raw!r} came out unescaped"
    assert "&lt;script&gt;" in lowered, f"{where}: the hostile value is not shown as text"


#: The pieces of ``HOSTILE`` that would act if printed raw (for pages that have
#: ``<link>`` and ``<script>`` elements of their own).
PAYLOADS = ('<link rel="attachment"', "<img src=http://127.0.0.1:9/x>", "\"'><", "<script>alert(1)")
#: ``HOSTILE`` without the link, for columns of 64 characters (invoice numbers).
SHORT_HOSTILE = "<img src=http://127.0.0.1:9/x>\"'><script>alert(1)</script>"


def assert_no_payload(html: str, *, where: str) -> None:
    """None of the hostile value's pieces came through as markup."""
    for payload in PAYLOADS:
        assert payload not in html, f"{where}: {payload!r} came out unescaped"
