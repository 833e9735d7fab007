"""SMS: a file channel for development and an HTTP channel for a provider.

``RECOUP_SMS_URL`` chooses: ``file://sms-outbox`` (relative) or ``file:///var/spool/sms``
writes one JSON file per message; ``https://api.provider.example/sms?token=...`` (or
``https://:TOKEN@api.provider.example/sms``) posts JSON ``{"to", "text", "key"}`` with
the token as a bearer token and the key as the ``Idempotency-Key`` header, which most
providers honour so that a retried request does not send twice.
"""

import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from recoup.comms.channels.errors import PermanentFailure, TemporaryFailure
from recoup.comms.channels.files import file_name, write_once
from recoup.errors import InvalidInput

#: HTTP statuses worth retrying besides 5xx: timeout, too early, rate limited.
_RETRYABLE = {408, 425, 429}


class SmsChannel(Protocol):
    """Sends one text message; ``key`` is the idempotency key of the outbox row."""

    def send(self, to: str, text: str, key: str) -> str:
        """Send ``text`` to the phone number ``to``; return the provider's message id."""
        ...


class FileSmsChannel:
    """Development channel: one JSON file per message in ``directory``, named by key.

    Sending the same key again writes nothing and returns the same file.
    """

    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory)

    def send(self, to: str, text: str, key: str) -> str:
        """Write the message; return the file's path."""
        content = json.dumps(
            {"key": key, "to": to, "text": text}, ensure_ascii=False, indent=2, sort_keys=True
        )
        path = write_once(self.directory, file_name(key, ".json"), content.encode("utf-8"))
        return str(path)


class HttpSmsChannel:
    """A provider's HTTP API: POST JSON, bearer token, ``Idempotency-Key`` header.

    5xx, 408, 425, 429, timeouts and connection errors are ``TemporaryFailure``; any
    other 4xx (a bad number, a bad token) is ``PermanentFailure``.
    """

    def __init__(self, url: str, token: str = "", *, timeout: float = 10.0) -> None:
        if urlsplit(url).scheme not in ("http", "https"):
            raise InvalidInput(f"{url!r} is not an http(s) URL", field="sms_url")
        self.url = url
        self.token = token
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"HttpSmsChannel({self.url!r})"  # never the token

    def send(self, to: str, text: str, key: str) -> str:
        """Post the message; return the provider's id (``id``/``message_id``/``sid``)."""
        body = json.dumps({"to": to, "text": text, "key": key}).encode("utf-8")
        headers = {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Idempotency-Key": key,
            "User-Agent": "Recoup",
        }
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        try:
            # The scheme is checked in __init__: only http(s) reaches here.
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                status, raw = response.status, response.read(65536)
        except urllib.error.HTTPError as exc:
            detail = exc.read(500).decode("utf-8", "replace").strip()
            message = f"SMS provider answered {exc.code} {exc.reason}: {detail}".rstrip(": ")
            if exc.code >= 500 or exc.code in _RETRYABLE:
                raise TemporaryFailure(message, code=exc.code) from exc
            raise PermanentFailure(message, code=exc.code) from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise TemporaryFailure(f"cannot reach the SMS provider: {reason}") from exc
        return _provider_id(raw) or f"http {status}"


def sms_channel_from_url(url: str) -> SmsChannel:
    """The channel ``RECOUP_SMS_URL`` names (``file://DIR`` or ``http(s)://...``).

    >>> sms_channel_from_url("file://sms-outbox").directory
    PosixPath('sms-outbox')
    >>> sms_channel_from_url("https://sms.example/send?token=abc&from=ACME").url
    'https://sms.example/send?from=ACME'
    """
    parts = urlsplit(url)
    if parts.scheme == "file":
        directory = parts.netloc + parts.path
        if not directory:
            raise InvalidInput("file:// needs a directory", field="sms_url")
        return FileSmsChannel(Path(directory))
    if parts.scheme in ("http", "https") and parts.hostname:
        query = parse_qsl(parts.query, keep_blank_values=True)
        token = next((value for name, value in query if name == "token"), "")
        token = token or (parts.password or "")
        netloc = parts.hostname + (f":{parts.port}" if parts.port else "")
        rest = urlencode([(name, value) for name, value in query if name != "token"])
        clean = urlunsplit((parts.scheme, netloc, parts.path, rest, ""))
        return HttpSmsChannel(clean, token)
    raise InvalidInput(f"{url!r} is neither file://DIR nor an http(s) URL", field="sms_url")


def _provider_id(raw: bytes) -> str:
    try:
        document = json.loads(raw or b"null")
    except ValueError:
        return ""
    if isinstance(document, dict):
        for name in ("id", "message_id", "messageId", "sid"):
            if document.get(name):
                return str(document[name])
    return ""


# GSM 03.38: the basic character set (one septet each) and the extension table (two).
_GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENDED = frozenset("^{}\\[~]|€\f")


def segments(text: str) -> int:
    """How many SMS segments ``text`` takes: GSM-7 (160 septets, 153 per part of a longer
    message; ``€`` and a few others take two) when every character is in the GSM
    alphabet, else UCS-2 (70, then 67 per part).

    >>> segments("Pay £10 now"), segments("x" * 161), segments("Zahlung fällig: 10 €")
    (1, 2, 1)
    >>> segments("Pay – now"), segments("–" * 71)
    (1, 2)
    """
    if all(c in _GSM_BASIC or c in _GSM_EXTENDED for c in text):
        units = sum(2 if c in _GSM_EXTENDED else 1 for c in text)
        single, part = 160, 153
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, part = 70, 67
    return 1 if units <= single else -(-units // part)
