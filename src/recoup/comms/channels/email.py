"""Email over SMTP: settings from a URL, MIME building, sending, failure classification.

``RECOUP_SMTP_URL`` names the server: ``smtp://user:pass@host:587?starttls=1&from=...``
for STARTTLS on the submission port, ``smtps://...:465`` for implicit TLS,
``smtp://127.0.0.1:1025`` for a local catcher. Query options: ``starttls`` (1/0),
``from`` (the default sender), ``timeout`` (seconds), ``cafile`` (a CA bundle to trust,
e.g. a private server's certificate) and ``verify=0`` (no certificate check: never in
production).

The ``Message-ID`` is derived from the outbox row's idempotency key, so a message sent
again after an unclear failure carries the same id and can be recognised as a resend.
"""

import hashlib
import logging
import smtplib
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, getaddresses, make_msgid, parseaddr
from pathlib import Path
from typing import Literal, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from recoup.comms.channels.errors import DeliveryError, PermanentFailure, TemporaryFailure
from recoup.comms.channels.files import file_name, write_once
from recoup.errors import InvalidInput

log = logging.getLogger(__name__)

Security = Literal["none", "starttls", "tls"]
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_OPTIONS = {"starttls", "from", "timeout", "cafile", "verify"}


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    """Where and how to submit mail."""

    host: str
    port: int
    username: str = ""
    password: str = field(default="", repr=False)
    security: Security = "none"
    from_address: str = ""
    timeout: float = 30.0
    cafile: str | None = None
    verify: bool = True

    @classmethod
    def from_url(cls, url: str) -> "SmtpSettings":
        """Settings from an ``smtp://`` or ``smtps://`` URL.

        >>> s = SmtpSettings.from_url("smtp://credit%40acme.example:s3cret@mail.acme.example:587?starttls=1&from=credit@acme.example")
        >>> s.host, s.port, s.username, s.security, s.from_address
        ('mail.acme.example', 587, 'credit@acme.example', 'starttls', 'credit@acme.example')
        >>> SmtpSettings.from_url("smtps://mail.acme.example").port
        465
        """
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise InvalidInput(
                f"{_redact(url)!r} is not an smtp:// or smtps:// URL with a host", field="smtp_url"
            )
        query = {name: values[-1] for name, values in parse_qs(parts.query, True).items()}
        unknown = set(query) - _OPTIONS
        if unknown:
            raise InvalidInput(
                f"unknown option(s) {', '.join(sorted(unknown))}; "
                f"known: {', '.join(sorted(_OPTIONS))}",
                field="smtp_url",
            )
        starttls = _flag(query.get("starttls", "0"), "starttls")
        if parts.scheme == "smtps":
            security: Security = "tls"
        else:
            security = "starttls" if starttls else "none"
        default_port = {"tls": 465, "starttls": 587, "none": 25}[security]
        try:
            port = parts.port or default_port
            timeout = float(query.get("timeout", "30"))
        except ValueError as exc:
            raise InvalidInput(f"bad port or timeout: {exc}", field="smtp_url") from None
        return cls(
            host=parts.hostname,
            port=port,
            username=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            security=security,
            from_address=query.get("from", ""),
            timeout=timeout,
            cafile=query.get("cafile") or None,
            verify=_flag(query.get("verify", "1"), "verify"),
        )

    def ssl_context(self) -> ssl.SSLContext:
        """The TLS context: the system's CAs (or ``cafile``), verification unless disabled."""
        context = ssl.create_default_context(cafile=self.cafile)
        if not self.verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file sent with a message."""

    filename: str
    mime: str  # e.g. "application/pdf"
    content: bytes


@dataclass(frozen=True, slots=True)
class OutgoingEmail:
    """One email to send.

    ``from_`` defaults to the settings' sender. ``message_id`` defaults to one derived
    from ``key`` (the outbox idempotency key) and the sender's domain; give one of them
    so that a resend carries the same id.
    """

    to: str | Sequence[str]
    subject: str
    text: str
    html: str | None = None
    from_: str = ""
    reply_to: str = ""
    cc: Sequence[str] = ()
    attachments: Sequence[Attachment] = ()
    message_id: str = ""
    key: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)


def message_id_for(key: str, domain: str) -> str:
    """A stable ``Message-ID`` for an idempotency key.

    The key must be unique across organisations where several share a sending domain
    (prefix it with the organisation).

    >>> message_id_for("1:policy:C42:formal notice:email", "acme.example")
    '<recoup.befee7f0f86594caae46906b8035b668@acme.example>'
    """
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    return f"<recoup.{digest}@{domain or 'recoup.invalid'}>"


def build_message(settings: SmtpSettings, email: OutgoingEmail) -> EmailMessage:
    """The MIME message: text, an HTML alternative when given, then the attachments."""
    sender = email.from_ or settings.from_address
    if not parseaddr(sender)[1]:
        raise InvalidInput("no sender: set from= in the SMTP URL or give one", field="from")
    recipients = [email.to] if isinstance(email.to, str) else list(email.to)
    if not recipients:
        raise InvalidInput("no recipient", field="to")
    message = EmailMessage(policy=SMTP)
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    if email.cc:
        message["Cc"] = ", ".join(email.cc)
    if email.reply_to:
        message["Reply-To"] = email.reply_to
    message["Subject"] = email.subject
    message["Date"] = formatdate(usegmt=True)
    domain = parseaddr(sender)[1].rpartition("@")[2]
    if email.message_id:
        message["Message-ID"] = email.message_id
    elif email.key:
        message["Message-ID"] = message_id_for(email.key, domain)
    else:
        message["Message-ID"] = make_msgid(domain=domain or None)
    for name, value in email.headers.items():
        message[name] = value
    # Quoted-printable keeps every line short and 7-bit, whatever the server supports.
    message.set_content(email.text, cte="quoted-printable")
    if email.html is not None:
        message.add_alternative(email.html, subtype="html", cte="quoted-printable")
    for attachment in email.attachments:
        maintype, _, subtype = attachment.mime.partition("/")
        message.add_attachment(
            attachment.content,
            maintype=maintype,
            subtype=subtype or "octet-stream",
            filename=attachment.filename,
        )
    return message


def send_email(settings: SmtpSettings, email: OutgoingEmail) -> str:
    """Send ``email``; return its ``Message-ID``.

    Raises ``TemporaryFailure`` (no connection, timeout, a 4xx reply, the server hung up)
    or ``PermanentFailure`` (a 5xx reply: recipient or sender refused, authentication
    failed; STARTTLS or AUTH not offered; the server's certificate did not verify). If
    some recipients are refused and others accepted, the message counts as sent and the
    refusals are logged.
    """
    message = build_message(settings, email)
    sender = parseaddr(str(message["From"]))[1]
    recipients = [
        address
        for _, address in getaddresses([str(message["To"]), str(message.get("Cc", ""))])
        if address
    ]
    try:
        smtp = _connect(settings)
    except Exception as exc:
        raise _classify(exc, settings) from exc
    try:
        if settings.security == "starttls":
            smtp.starttls(context=settings.ssl_context())
            smtp.ehlo()
        if settings.username:
            smtp.login(settings.username, settings.password)
        refused = smtp.send_message(message, from_addr=sender, to_addrs=recipients)
    except Exception as exc:
        raise _classify(exc, settings) from exc
    finally:
        _close(smtp)
    if refused:
        log.warning(
            "message %s: recipients refused: %s",
            message["Message-ID"],
            "; ".join(f"{rcpt} ({code} {_text(reply)})" for rcpt, (code, reply) in refused.items()),
        )
    return str(message["Message-ID"])


def _connect(settings: SmtpSettings) -> smtplib.SMTP:
    if settings.security == "tls":
        return smtplib.SMTP_SSL(
            settings.host, settings.port, timeout=settings.timeout, context=settings.ssl_context()
        )
    return smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)


def _close(smtp: smtplib.SMTP) -> None:
    """Say goodbye; a server that hangs up first changes nothing about the delivery."""
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


def _classify(exc: BaseException, settings: SmtpSettings) -> DeliveryError:
    """The ``DeliveryError`` for what smtplib, ssl or the socket raised."""
    where = f"{settings.host}:{settings.port}"
    if isinstance(exc, DeliveryError):
        return exc
    if isinstance(exc, InvalidInput):
        return PermanentFailure(exc.message)
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = {code for code, _ in exc.recipients.values()}
        detail = "; ".join(
            f"{rcpt}: {code} {_text(reply)}" for rcpt, (code, reply) in exc.recipients.items()
        )
        failure = TemporaryFailure if all(400 <= c < 500 for c in codes) else PermanentFailure
        return failure(f"recipients refused by {where}: {detail}", code=max(codes))
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return PermanentFailure(f"{where} does not support what the settings ask: {exc}")
    if isinstance(exc, smtplib.SMTPResponseException):  # sender, data, auth, connect, helo
        code = int(exc.smtp_code)
        failure = TemporaryFailure if 400 <= code < 500 else PermanentFailure
        return failure(f"{where} answered {code} {_text(exc.smtp_error)}", code=code)
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return TemporaryFailure(f"{where} closed the connection: {exc}")
    if isinstance(exc, smtplib.SMTPException):
        return PermanentFailure(f"SMTP error with {where}: {exc}")
    if isinstance(exc, ssl.SSLCertVerificationError):
        return PermanentFailure(f"the certificate of {where} did not verify: {exc.verify_message}")
    if isinstance(exc, TimeoutError):
        return TemporaryFailure(f"{where} did not answer in {settings.timeout:g} s")
    if isinstance(exc, OSError):  # refused, unreachable, DNS, TLS handshake
        return TemporaryFailure(f"cannot reach {where}: {exc}")
    return PermanentFailure(f"sending through {where} failed: {type(exc).__name__}: {exc}")


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply


def _flag(value: str, name: str) -> bool:
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise InvalidInput(f"{name}={value!r} is not 1 or 0", field="smtp_url")


def _redact(url: str) -> str:
    """The URL without its password, for error messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


class MailChannel(Protocol):
    """Something that takes an email and returns its ``Message-ID``."""

    @property
    def from_address(self) -> str: ...

    def send(self, email: OutgoingEmail) -> str: ...


@dataclass(frozen=True, slots=True)
class SmtpChannel:
    """Email over SMTP."""

    settings: SmtpSettings

    @property
    def from_address(self) -> str:
        return self.settings.from_address

    def send(self, email: OutgoingEmail) -> str:
        return send_email(self.settings, email)


@dataclass(frozen=True, slots=True)
class FileMailSink:
    """The development mailbox: one ``.eml`` file per message, named by its key, in
    ``directory`` (nothing leaves the machine; a second attempt writes nothing new)."""

    directory: Path
    from_address: str = ""

    def send(self, email: OutgoingEmail) -> str:
        settings = SmtpSettings(host="localhost", port=25, from_address=self.from_address)
        message = build_message(settings, email)
        write_once(
            self.directory, file_name(email.key or message["Message-ID"], ".eml"), bytes(message)
        )
        return str(message["Message-ID"])


def mail_channel_from_url(url: str) -> MailChannel:
    """``file://DIR[?from=ADDRESS]`` (development: .eml files) or an SMTP URL.

    >>> mail_channel_from_url("file://mail-outbox?from=credit@acme.example").directory
    PosixPath('mail-outbox')
    """
    parts = urlsplit(url)
    if parts.scheme == "file":
        query = {name: values[-1] for name, values in parse_qs(parts.query, True).items()}
        return FileMailSink(Path(parts.netloc + parts.path), query.get("from", ""))
    return SmtpChannel(SmtpSettings.from_url(url))
