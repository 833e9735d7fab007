"""What a customer must never read: the checks every rendered message, document and
portal page goes through (``tests/comms/test_customer_text.py``, the portal's too).

``problems(text)`` lists what is wrong with a text a customer reads: an identifier of
the engine (``boe_base``, ``formal_notice``), Python's ``None``, an unrendered template
tag, an ISO date or an engine amount ("0 GBP or more"), or an email address where a
name belongs ("Dear payables@kestrel.example,"). HTML is checked on what a reader sees:
its text and the attributes read aloud or shown (``title``, ``alt``, ``aria-label``).
"""

import re
from html.parser import HTMLParser

_URL = re.compile(r"(?:https?://|mailto:)\S+")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_SNAKE = re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]*[a-z0-9]\b")
_NONE = re.compile(r"\bNone\b")
_TAG = re.compile(r"\{\{|\}\}|\{%|%\}|\{#|#\}")
_EMPTY_VALUE = re.compile(r"\S*[ \xa0]+[,.;:](?=\s|$)")  # "IBAN , reference": a value left out
_ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
_ENGINE_AMOUNT = re.compile(r"(?<![\d.,])\b\d+(?:\.\d+)? [A-Z]{3}\b")  # "40 GBP", "999.99 GBP"
# (Babel writes "999,99 GBP" in Spanish: a decimal comma before the digits is a locale's format.)
# A greeting or an addressee line: what follows it is a name.
_NAMED = re.compile(
    r"(?:Dear|Hello|Guten Tag|Hallo|Sehr geehrte[rs]?|Attn\.?|z\. ?Hd\.?|For the attention of)"
    r"[^\n,<]*",
    re.IGNORECASE,
)
_SHOWN_ATTRIBUTES = ("title", "alt", "aria-label", "placeholder")


class _Visible(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script"):
            self._hidden += 1
        self.parts += [value for name, value in attrs if name in _SHOWN_ATTRIBUTES and value]
        if tag in ("br", "p", "div", "tr", "li", "h1", "h2", "h3", "td", "th"):
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script"):
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    """What a reader of ``html`` sees (and hears from a screen reader)."""
    parser = _Visible()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts)


def problems(text: str, *, html: bool = False) -> list[str]:
    """Everything a customer must not read in ``text`` (empty when it is fine)."""
    found = [f"unrendered template tag {m!r}" for m in _TAG.findall(text)]
    if html:
        text = visible_text(text)
    found += [
        f"an email address as a name: {m.strip()!r}" for m in _NAMED.findall(text) if "@" in m
    ]
    plain = _EMAIL.sub("address", _URL.sub("address", text))
    found += [f"engine identifier {m!r}" for m in _SNAKE.findall(plain)]
    found += [f"Python's {m!r}" for m in _NONE.findall(plain)]
    found += [f"ISO date {m!r}" for m in _ISO_DATE.findall(plain)]
    found += [f"a value left empty: {m!r}" for m in _EMPTY_VALUE.findall(plain)]
    found += [f"engine amount {m!r}" for m in _ENGINE_AMOUNT.findall(plain)]
    return found
