"""Reading a customer's reply and deciding what it means: pure functions of the message.

``parse`` turns the raw bytes into an ``Incoming`` (addresses, thread ids, the text a
person wrote with the quoted history cut off, attachments, a delivery report when it is
a bounce); ``classify`` reads it (``Reading``); ``decide`` says what to do (``Plan``).
Nothing here touches the database, the clock or the network: the day the reply came
and the customer's open invoice numbers are passed in.

The order of the readings matters and is fixed: a bounce (a DSN, RFC 3464) before an
automatic answer (RFC 3834 ``Auto-Submitted``, ``X-Autoreply``, out-of-office subjects in
English and German), then "already paid", a dispute, a promise with a date, anything
else. Only what the customer wrote counts: the quoted reminder below it says "overdue"
and "pay by" and must not make every reply a promise.
"""

import hashlib
import re
from collections.abc import Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email import message_from_bytes, policy
from email.errors import HeaderParseError
from email.header import decode_header, make_header
from email.message import Message
from email.utils import getaddresses, parseaddr, parsedate_to_datetime
from enum import StrEnum
from html.parser import HTMLParser

from recoup.inbound.enums import ReplyKind, ReplyStatus

#: "Already paid": chasing pauses this many days for the payment to arrive and be matched.
PAID_PAUSE_DAYS = 5
#: The local part of a plus address is ``<local>+<token>``; tokens are this alphabet.
TOKEN_PATTERN = re.compile(r"^[^+@\s]+\+([a-z0-9]{12,32})@", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file that came with the message."""

    filename: str
    mime: str
    content: bytes


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    """What a bounce says about the message it returns (RFC 3464)."""

    action: str  # failed, delayed, delivered, relayed, expanded
    recipient: str  # the address that did not work
    status: str  # 5.1.1
    diagnostic: str  # the remote server's words
    original_message_id: str  # of our message, from the returned headers
    original_to: tuple[str, ...] = ()  # addresses in the returned headers (reply token)


@dataclass(frozen=True, slots=True)
class Incoming:
    """A received message, read."""

    message_id: str
    from_address: str
    from_name: str
    to_addresses: tuple[str, ...]  # To, Cc, Delivered-To, X-Original-To and the envelope
    subject: str
    sent_at: datetime | None
    thread_ids: tuple[str, ...]  # In-Reply-To then References, newest first
    headers: dict[str, str]  # lower-cased names of the headers the classifier reads
    text: str  # the whole text part
    new_text: str  # what the sender wrote, quotes removed
    attachments: tuple[Attachment, ...] = ()
    report: DeliveryReport | None = None


# Parsing


class _Text(HTMLParser):
    """The text of an HTML part (for messages without a text part); what is inside a
    ``blockquote`` (the quoted history) comes out as ``>`` lines."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0
        self._quoted = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script", "head"):
            self._skip += 1
        elif tag in ("br", "p", "div", "tr", "li", "blockquote"):
            self.parts.append("\n")
        if tag == "blockquote":
            self._quoted += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script", "head") and self._skip:
            self._skip -= 1
        elif tag == "blockquote" and self._quoted:
            self._quoted -= 1
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._quoted and data.strip():
            data = "\n".join(f"> {line}" for line in data.splitlines() if line.strip())
        self.parts.append(data)


def html_text(html: str) -> str:
    """The readable text of an HTML body.

    >>> html_text("<p>Paid <b>yesterday</b></p><style>p{}</style>")
    'Paid yesterday'
    >>> html_text("<p>Thanks</p><blockquote><p>Please pay</p></blockquote>")
    'Thanks\\n> Please pay'
    """
    parser = _Text()
    parser.feed(html)
    lines = [" ".join(line.split()) for line in "".join(parser.parts).splitlines()]
    return "\n".join(line for line in lines if line).strip()


_HEADERS_READ = (
    "auto-submitted",
    "x-autoreply",
    "x-autorespond",
    "x-auto-response-suppress",
    "precedence",
    "x-failed-recipients",
    "return-path",
    "content-type",
)


def message_ids(value: str) -> tuple[str, ...]:
    """The ``<...>`` ids in a References or In-Reply-To header.

    >>> message_ids("<a@x> <b@y>\\n <c@z>")
    ('<a@x>', '<b@y>', '<c@z>')
    """
    return tuple(re.findall(r"<[^<>\s]+>", value or ""))


def parse(raw: bytes, *, envelope_to: Sequence[str] = ()) -> Incoming:
    """Read a message as received (``envelope_to``: the SMTP ``RCPT TO`` addresses).

    The plain (``compat32``) parser is used: headers stay text until read, which is
    several times faster than the header objects of the default policy on a batch of
    replies; encoded words are decoded where a header is read.
    """
    message = message_from_bytes(raw, policy=policy.compat32)
    header = _Header(message)
    from_name, from_address = parseaddr(header("from"))
    addresses = [
        a.lower()
        for _, a in getaddresses(
            [header(name) for name in ("to", "cc", "delivered-to", "x-original-to", "envelope-to")]
        )
        if a
    ]
    addresses += [a.lower() for a in envelope_to]
    message_id = header("message-id").strip()
    if not message_ids(message_id):
        # No id of its own: the content's hash, so that fetching it again finds it again.
        message_id = f"<sha256.{hashlib.sha256(raw).hexdigest()[:40]}@recoup.invalid>"
    in_reply_to = message_ids(header("in-reply-to"))
    references = message_ids(header("references"))
    thread = tuple(dict.fromkeys(in_reply_to + tuple(reversed(references))))
    sent_at = None
    try:
        sent_at = parsedate_to_datetime(header("date")) if header("date") else None
    except (TypeError, ValueError, IndexError):
        sent_at = None
    if sent_at is not None and sent_at.tzinfo is None:
        sent_at = None  # a date without a zone is not a moment
    parts = list(message.walk())
    text = _body_text(parts)
    return Incoming(
        message_id=message_id[:500],
        from_address=from_address.lower(),
        from_name=from_name,
        to_addresses=tuple(dict.fromkeys(addresses)),
        subject=header("subject")[:500],
        sent_at=sent_at,
        thread_ids=thread,
        headers={name: value for name in _HEADERS_READ if (value := header(name))},
        text=text,
        new_text=strip_quotes(text),
        attachments=tuple(_attachments(parts)),
        report=_delivery_report(message, parts),
    )


class _Header:
    """Header values as text, encoded words decoded and folding undone; a malformed
    header reads as its raw text, never an error."""

    def __init__(self, message: Message) -> None:
        self.message = message

    def __call__(self, name: str) -> str:
        value = self.message.get(name)
        if value is None:
            return ""
        return decoded(str(value))


def decoded(value: str) -> str:
    """A header's text with its encoded words decoded and its lines unfolded.

    >>> decoded("=?utf-8?q?Abwesenheitsnotiz=3A_R=C3=BCckkehr?=")
    'Abwesenheitsnotiz: Rückkehr'
    """
    if "=?" in value:
        with suppress(HeaderParseError, LookupError, UnicodeDecodeError, ValueError):
            value = str(make_header(decode_header(value)))
    return " ".join(value.split())


_SKIPPED = ("message/delivery-status", "text/rfc822-headers")


def _is_attachment(part: Message) -> bool:
    if part.is_multipart() or part.get_content_type() in _SKIPPED:
        return False
    disposition = (part.get("content-disposition") or "").split(";", 1)[0].strip().lower()
    if disposition == "attachment" or part.get_filename():
        return True
    return part.get_content_maintype() not in ("text", "multipart")


def _text_of(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_content_charset() or "utf-8"  # undeclared 8-bit is UTF-8, mostly
    try:
        return payload.decode(charset, "replace")
    except LookupError:
        return payload.decode("utf-8", "replace")


def _body_text(parts: Sequence[Message]) -> str:
    """The text a person reads: the first text part, else the first HTML part's text."""
    for subtype in ("plain", "html"):
        for part in parts:
            if part.get_content_type() == f"text/{subtype}" and not _is_attachment(part):
                text = _text_of(part)
                if subtype == "html":
                    text = html_text(text)
                return text.replace("\r\n", "\n").strip()
    return ""


def _attachments(parts: Sequence[Message]) -> Iterable[Attachment]:
    inside: set[int] = set()  # parts of an attached message: in its file, not ours
    for part in parts:
        if id(part) in inside:
            continue
        if part.get_content_type() == "message/rfc822":
            inner = part.get_payload()
            attached = inner[0] if isinstance(inner, list) and inner else None
            if isinstance(attached, Message):
                inside.update(id(p) for p in attached.walk())
            content = attached.as_bytes() if isinstance(attached, Message) else b""
            name = decoded(part.get_filename() or "message.eml")
            yield Attachment(name[:200], "message/rfc822", content)
            continue
        if not _is_attachment(part):
            continue
        payload = part.get_payload(decode=True)
        name = decoded(part.get_filename() or "attachment")
        content = payload if isinstance(payload, bytes) else b""
        yield Attachment(name[:200], part.get_content_type()[:100], content)


def _delivery_report(message: Message, parts: Sequence[Message]) -> DeliveryReport | None:
    """The delivery status of a ``multipart/report; report-type=delivery-status``."""
    if message.get_content_type() != "multipart/report":
        return None
    if str(message.get_param("report-type", "")).lower() != "delivery-status":
        return None
    fields: dict[str, str] = {}
    original: Message | None = None
    for part in parts:
        kind = part.get_content_type()
        if kind == "message/delivery-status":
            for block in part.get_payload():
                if isinstance(block, Message):
                    for name, value in block.items():
                        fields.setdefault(name.lower(), " ".join(str(value).split()))
        elif kind == "text/rfc822-headers":
            payload = part.get_payload(decode=True)
            text = payload if isinstance(payload, bytes) else str(part.get_payload()).encode()
            original = message_from_bytes(text, policy=policy.compat32)
        elif kind == "message/rfc822" and original is None:
            inner = part.get_payload()
            if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                original = inner[0]
    if not fields:
        return None
    recipient = fields.get("final-recipient") or fields.get("original-recipient", "")
    recipient = recipient.split(";", 1)[-1].strip().lower()
    original_to: tuple[str, ...] = ()
    original_id = ""
    if original is not None:
        reader = _Header(original)
        original_id = (message_ids(reader("message-id")) or ("",))[0]
        original_to = tuple(
            a.lower()
            for _, a in getaddresses([reader("reply-to"), reader("to"), reader("from")])
            if a
        )
    return DeliveryReport(
        action=fields.get("action", "").lower(),
        recipient=recipient,
        status=fields.get("status", "")[:16],
        diagnostic=fields.get("diagnostic-code", "").split(";", 1)[-1].strip()[:500],
        original_message_id=original_id,
        original_to=original_to,
    )


# Quoted history

_QUOTE_STARTS = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"^on\b.{0,200}\bwrote:\s*$",  # On Mon, 1 Dec 2026 at 09:00, Acme <ar@...> wrote:
        r"^am\b.{0,200}\bschrieb.{0,100}:\s*$",  # Am 01.12.2026 um 09:00 schrieb Acme:
        r"^-{2,}\s*(original message|ursprüngliche nachricht|weitergeleitete nachricht)",
        r"^_{10,}\s*$",  # Outlook's line before the quoted header block
        r"^(from|von):\s.+$",  # an Outlook header block: From: ... Sent: ...
    )
]


def strip_quotes(text: str) -> str:
    """What the sender wrote above the quoted history (``>`` lines, "On ... wrote:",
    "Am ... schrieb ...:", Outlook's "From:/Von:" block, "-----Original Message-----").

    >>> strip_quotes("Paid today.\\n\\nOn 1 Dec 2026, Acme wrote:\\n> Please pay 1042")
    'Paid today.'
    >>> strip_quotes("Wir zahlen am Freitag.\\n\\nVon: Acme\\nGesendet: Montag")
    'Wir zahlen am Freitag.'
    >>> strip_quotes("Paid.\\nOn Tue, 1 Dec 2026, Acme <ar@acme.example>\\nwrote:\\n> Pay now")
    'Paid.'
    """
    kept: list[str] = []
    lines = text.splitlines()
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith(">"):
            # A quote; the attribution line before it (split over two lines) goes too.
            break
        if any(p.match(stripped) for p in _QUOTE_STARTS):
            if stripped.lower().startswith(("from:", "von:")):
                following = " ".join(lines[i + 1 : i + 4]).lower()
                if not re.search(r"\b(sent|gesendet|date|datum|to|an):", following):
                    kept.append(line)
                    continue
            break
        kept.append(line)
    while kept and not kept[-1].strip():
        kept.pop()
    # An attribution wrapped over two lines ("On Tue, 1 Dec 2026, Acme <ar@…>" / "wrote:").
    if kept and re.search(r"\b(wrote|schrieb)\b.{0,40}:\s*$", kept[-1], re.IGNORECASE):
        kept.pop()
        if kept and kept[-1].strip().lower().startswith(("on ", "am ")):
            kept.pop()
    return "\n".join(kept).strip()


# Classifying


class Why(StrEnum):
    """What gave the reading away (shown to the collector)."""

    DSN = "a delivery status notification"
    BOUNCE_SENDER = "a mailer daemon's notice"
    AUTO_SUBMITTED = "an Auto-Submitted header"
    AUTO_HEADER = "an automatic-reply header"
    AUTO_SUBJECT = "an out-of-office subject"
    WORDS = "the words of the reply"
    NOTHING = "nothing recognised"


@dataclass(frozen=True, slots=True)
class Reading:
    """What a reply says."""

    kind: ReplyKind
    why: str
    invoice_numbers: tuple[str, ...] = ()  # the customer's invoices it names
    promised_on: date | None = None
    dispute_reason: str = "other"
    remittance: bool = False  # a remittance advice came with it (a file, or its words)
    undeliverable: str = ""  # a bounce: the address that failed
    status_code: str = ""
    diagnostic: str = ""


_AUTO_SUBJECTS = re.compile(
    r"^\s*(auto(matic)?[\s_-]*(reply|response|antwort)|autoreply|out of (the )?office|"
    r"away from (the )?office|abwesenheits(notiz|meldung|benachrichtigung)|"
    r"automatische antwort|abwesend|nicht im büro|vacation|urlaub)",
    re.IGNORECASE,
)
_BOUNCE_SUBJECTS = re.compile(
    r"(undeliver|undelivered mail|delivery status notification \(failure\)|"
    r"mail delivery (failed|system)|returned mail|unzustellbar|nicht zugestellt)",
    re.IGNORECASE,
)
_PAID = re.compile(
    r"(\balready paid\b|\bhave paid\b|\bhas been paid\b|\bwas paid\b|\bpaid (it|this|that|"
    r"them|the|in full|on|yesterday|today|last)\b|\bpayment (has been|was) (made|sent|"
    r"transferred|released)\b|\bwe (transferred|sent the payment)\b|\bremittance\b|"
    r"\bbereits (be)?zahlt\b|\bschon (be)?zahlt\b|\b(wurde|ist|haben|wurden) .{0,40}"
    r"(bezahlt|überwiesen|beglichen)\b|\büberwiesen\b|\bzahlungsavis\b|\bbeglichen\b)",
    re.IGNORECASE,
)
_REMITTANCE = re.compile(r"(remittance|zahlungsavis|proof of payment|zahlungsnachweis)", re.I)
_DISPUTE = re.compile(
    r"(\bdisput|\bdisagree\b|\bnot (correct|right|agreed|ordered|delivered)\b|\bincorrect\b|"
    r"\bwrong\b|\bnever (received|ordered|arrived)\b|\bdamaged\b|\bdefective\b|\bovercharged\b|"
    r"\bduplicate\b|\bcredit note\b|\bquery\b|\bcomplain|"
    r"\bwiderspr|\bwiderspruch\b|\breklamation\b|\bbestreiten\b|\bfehlerhaft\b|\bfalsch\b|"
    r"\bnicht (erhalten|bestellt|geliefert|korrekt)\b|\bbeschädigt\b|\bgutschrift\b|\bmangel)",
    re.IGNORECASE,
)
_DISPUTE_REASONS = (
    (
        "not_received",
        re.compile(
            r"(never (received|arrived)|not (delivered|received)|nicht (erhalten|geliefert))", re.I
        ),
    ),
    ("quality", re.compile(r"(damaged|defective|faulty|broken|beschädigt|defekt|mangel)", re.I)),
    ("duplicate", re.compile(r"(duplicate|twice|doppelt)", re.I)),
    ("pricing", re.compile(r"(price|pricing|overcharged|wrong amount|preis|betrag)", re.I)),
    ("quantity", re.compile(r"(quantity|too many|too few|menge|stück)", re.I)),
)
_PROMISE = re.compile(
    r"(\bwill (pay|transfer|settle|send (the )?payment)|\bwe'?ll (pay|transfer|settle)|"
    r"\bgoing to pay\b|\bpayment will (be made|follow|go out|be sent)\b|\bpay (it |this |the "
    r"balance |in full )?(by|on|before)\b|\bscheduled\b|"
    r"\bwerden .{0,60}(zahlen|bezahlen|überweisen|begleichen)\b|\bzahlen .{0,30}\b(am|bis)\b|"
    r"\bzahlung (erfolgt|folgt|geht) .{0,30}\b(am|bis)\b|\bwird .{0,40}(überwiesen|bezahlt))",
    re.IGNORECASE,
)

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan", "januar", "jän"),
            ("february", "feb", "februar"),
            ("march", "mar", "märz", "maerz", "mär"),
            ("april", "apr"),
            ("may", "mai"),
            ("june", "jun", "juni"),
            ("july", "jul", "juli"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct", "oktober", "okt"),
            ("november", "nov"),
            ("december", "dec", "dezember", "dez"),
        ),
        start=1,
    )
    for name in names
}
_WEEKDAYS = {
    name: number
    for number, names in enumerate(
        (
            ("monday", "montag"),
            ("tuesday", "dienstag"),
            ("wednesday", "mittwoch"),
            ("thursday", "donnerstag"),
            ("friday", "freitag"),
            ("saturday", "samstag"),
            ("sunday", "sonntag"),
        )
    )
    for name in names
}
_MONTH_NAMES = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DATE_PATTERNS = (
    ("iso", re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")),
    ("dmy", re.compile(r"\b(\d{1,2})[./](\d{1,2})[./](\d{4}|\d{2})\b")),
    (
        "d month",
        re.compile(
            rf"\b(\d{{1,2}})(?:st|nd|rd|th|\.)?\s+({_MONTH_NAMES})\.?\b(?:\s+(\d{{4}}))?", re.I
        ),
    ),
    (
        "month d",
        re.compile(
            rf"\b({_MONTH_NAMES})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(\d{{4}}))?", re.I
        ),
    ),
    (
        "relative",
        re.compile(
            r"\b(tomorrow|morgen|übermorgen|next week|nächste woche|end of (the )?month|"
            r"ende des monats|monatsende)\b",
            re.I,
        ),
    ),
    (
        "weekday",
        re.compile(
            r"\b(?:on |by |next |am |bis |nächsten )?(" + "|".join(_WEEKDAYS) + r")\b", re.I
        ),
    ),
)


def promised_date(text: str, *, today: date) -> date | None:
    """The first date in ``text`` on or after ``today`` (numbers are day first, as in
    Europe; a day and month without a year is the next such day).

    >>> d = date(2026, 12, 3)  # a Thursday
    >>> promised_date("we will pay on 15 December", today=d)
    datetime.date(2026, 12, 15)
    >>> promised_date("Zahlung erfolgt am 10.01.2027", today=d)
    datetime.date(2027, 1, 10)
    >>> promised_date("payment will go out on Friday", today=d)
    datetime.date(2026, 12, 4)
    >>> promised_date("wir überweisen morgen", today=d)
    datetime.date(2026, 12, 4)
    >>> promised_date("we will pay on January 8", today=d)
    datetime.date(2027, 1, 8)
    >>> promised_date("we will pay soon", today=d) is None
    True
    """
    found: list[tuple[int, date]] = []
    for kind, pattern in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            day = _date_of(kind, match, today)
            if day is not None and today <= day <= today + timedelta(days=366):
                found.append((match.start(), day))
    return min(found)[1] if found else None


def _date_of(kind: str, match: re.Match[str], today: date) -> date | None:
    try:
        if kind == "iso":
            return date(int(match[1]), int(match[2]), int(match[3]))
        if kind == "dmy":
            year = int(match[3]) + (2000 if len(match[3]) == 2 else 0)
            return date(year, int(match[2]), int(match[1]))
        if kind in ("d month", "month d"):
            day_text, month_text = (
                (match[1], match[2]) if kind == "d month" else (match[2], match[1])
            )
            month = _MONTHS[month_text.lower()]
            if match[3]:
                return date(int(match[3]), month, int(day_text))
            candidate = date(today.year, month, int(day_text))
            return candidate if candidate >= today else date(today.year + 1, month, int(day_text))
    except (ValueError, KeyError):
        return None
    if kind == "relative":
        word = match[1].lower()
        if word in ("tomorrow", "morgen"):
            return today + timedelta(days=1)
        if word == "übermorgen":
            return today + timedelta(days=2)
        if word in ("next week", "nächste woche"):
            return today + timedelta(days=7 - today.weekday())  # next Monday
        next_month = date(today.year + today.month // 12, today.month % 12 + 1, 1)
        return next_month - timedelta(days=1)
    weekday = _WEEKDAYS[match[1].lower()]
    ahead = (weekday - today.weekday()) % 7 or 7
    return today + timedelta(days=ahead)


def invoice_numbers_in(text: str, numbers: Iterable[str]) -> tuple[str, ...]:
    """Which of the customer's invoice ``numbers`` the text names, in the text's order.

    >>> invoice_numbers_in("We dispute INV-1042 and 1043.", ["INV-1042", "1043", "104"])
    ('INV-1042', '1043')
    """
    hits = []
    for number in numbers:
        if not number:
            continue
        match = re.search(rf"(?<![\w-]){re.escape(number)}(?![\w-])", text, re.IGNORECASE)
        if match:
            hits.append((match.start(), number))
    return tuple(number for _, number in sorted(hits))


def classify(
    incoming: Incoming, *, received_on: date, invoice_numbers: Sequence[str] = ()
) -> Reading:
    """What the reply says (see the module's docstring for the order of the readings)."""
    report = incoming.report
    if report is not None:
        if report.action == "failed":
            return Reading(
                ReplyKind.BOUNCE,
                Why.DSN,
                undeliverable=report.recipient,
                status_code=report.status,
                diagnostic=report.diagnostic,
            )
        return Reading(ReplyKind.AUTO_REPLY, f"{Why.DSN} ({report.action or 'no action'})")
    sender = incoming.from_address.split("@", 1)[0]
    if sender in ("mailer-daemon", "postmaster") and _BOUNCE_SUBJECTS.search(incoming.subject):
        failed = incoming.headers.get("x-failed-recipients", "")
        return Reading(
            ReplyKind.BOUNCE,
            Why.BOUNCE_SENDER,
            undeliverable=parseaddr(failed)[1].lower(),
            diagnostic=incoming.subject,
        )
    auto = incoming.headers.get("auto-submitted", "").strip().lower()
    if auto and auto != "no":
        return Reading(ReplyKind.AUTO_REPLY, f"{Why.AUTO_SUBMITTED} ({auto})")
    if any(
        incoming.headers.get(name, "").strip().lower() not in ("", "no")
        for name in ("x-autoreply", "x-autorespond")
    ) or incoming.headers.get("precedence", "").strip().lower() in ("auto_reply", "bulk", "junk"):
        return Reading(ReplyKind.AUTO_REPLY, Why.AUTO_HEADER)
    if _AUTO_SUBJECTS.match(incoming.subject):
        return Reading(ReplyKind.AUTO_REPLY, Why.AUTO_SUBJECT)
    text = f"{_subject_words(incoming.subject)}\n{incoming.new_text}"
    named = invoice_numbers_in(text, invoice_numbers)
    remittance = bool(incoming.attachments) or bool(_REMITTANCE.search(text))
    if _PAID.search(incoming.new_text) or (
        _REMITTANCE.search(incoming.new_text) and incoming.attachments
    ):
        return Reading(ReplyKind.PAID, Why.WORDS, named, remittance=remittance)
    if _DISPUTE.search(incoming.new_text):
        reason = next((r for r, p in _DISPUTE_REASONS if p.search(incoming.new_text)), "other")
        return Reading(ReplyKind.DISPUTE, Why.WORDS, named, dispute_reason=reason)
    if _PROMISE.search(incoming.new_text):
        on = promised_date(incoming.new_text, today=received_on)
        if on is not None:
            return Reading(ReplyKind.PROMISE, Why.WORDS, named, promised_on=on)
    return Reading(ReplyKind.OTHER, Why.NOTHING, named, remittance=remittance)


def _subject_words(subject: str) -> str:
    """The subject without its Re:/AW:/Fwd: prefixes."""
    return re.sub(r"^((re|aw|wg|fwd?|antw)\s*:\s*)+", "", subject, flags=re.IGNORECASE)


# Deciding


@dataclass(frozen=True, slots=True)
class Plan:
    """What to do about a reply. ``pause_until``: chasing pauses through that day
    whatever a person does; ``status`` WAITING pauses it until a person handles it."""

    status: ReplyStatus
    task_title: str = ""
    task_kind: str = "review"
    pause_until: date | None = None
    draft: dict[str, object] = field(default_factory=dict)
    undeliverable: str = ""


def decide(
    reading: Reading, *, received_on: date, customer_known: bool, invoice_ids: dict[str, int]
) -> Plan:
    """What to do about a reply that reads as ``reading`` (``invoice_ids``: the customer's
    open invoices by number, for drafts; a reply from nobody known is a task only).

    >>> r = Reading(ReplyKind.PAID, Why.WORDS, ("1042",), remittance=True)
    >>> p = decide(r, received_on=date(2026, 12, 3), customer_known=True, invoice_ids={"1042": 7})
    >>> p.status, p.pause_until
    (<ReplyStatus.WAITING: 'waiting'>, datetime.date(2026, 12, 8))
    >>> p.task_title
    'Check the payment the customer says was made (remittance attached)'
    """
    if reading.kind is ReplyKind.AUTO_REPLY:
        return Plan(ReplyStatus.NOTED)
    if not customer_known:
        return Plan(ReplyStatus.WAITING, "Reply from an unknown sender: find the customer")
    named = [invoice_ids[n] for n in reading.invoice_numbers if n in invoice_ids]
    if reading.kind is ReplyKind.BOUNCE:
        return Plan(
            ReplyStatus.WAITING,
            f"Email to {reading.undeliverable or 'the customer'} bounced: find a working address",
            task_kind="delivery",
            undeliverable=reading.undeliverable,
        )
    if reading.kind is ReplyKind.PAID:
        with_what = " (remittance attached)" if reading.remittance else ""
        return Plan(
            ReplyStatus.WAITING,
            f"Check the payment the customer says was made{with_what}",
            pause_until=received_on + timedelta(days=PAID_PAUSE_DAYS),
            draft={"invoice_ids": named},
        )
    if reading.kind is ReplyKind.DISPUTE:
        return Plan(
            ReplyStatus.WAITING,
            "Confirm the dispute drafted from the customer's reply",
            draft={
                "invoice_ids": named or list(invoice_ids.values()),
                "reason": reading.dispute_reason,
            },
        )
    if reading.kind is ReplyKind.PROMISE:
        assert reading.promised_on is not None
        return Plan(
            ReplyStatus.WAITING,
            f"Confirm the promise to pay by {reading.promised_on.isoformat()} "
            "from the customer's reply",
            draft={
                "invoice_ids": named or list(invoice_ids.values()),
                "promised_on": reading.promised_on.isoformat(),
            },
        )
    return Plan(ReplyStatus.WAITING, "Answer the customer's reply")


def token_in(addresses: Iterable[str]) -> str:
    """The reply token of the first plus address among ``addresses``.

    >>> token_in(["credit@acme.example", "AR+k3j9x2m4q8w1z7@acme.example"])
    'k3j9x2m4q8w1z7'
    """
    for address in addresses:
        match = TOKEN_PATTERN.match(address)
        if match:
            return match[1].lower()
    return ""


def plus_address(address: str, token: str) -> str:
    """``ar@acme.example`` with ``+token`` in its local part.

    >>> plus_address("ar@acme.example", "abc123def456")
    'ar+abc123def456@acme.example'
    """
    local, _, domain = address.partition("@")
    return f"{local}+{token}@{domain}"
