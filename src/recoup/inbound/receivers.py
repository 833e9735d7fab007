"""Getting replies in: an SMTP port of our own (aiosmtpd) or a mailbox over IMAP
(imapclient, with IDLE where the server has it).

Each message is stored in its own transaction (``store``): one that cannot be stored
is refused (SMTP ``451``, so the sending server tries again) or left unread in the
mailbox (IMAP) and the others go on. A message is flagged ``\\Seen`` only after its
transaction committed; fetched again after a crash, it is recognised by its
``Message-ID`` and stored nothing new.
"""

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SMTPServer
from aiosmtpd.smtp import Envelope
from aiosmtpd.smtp import Session as SMTPSession
from imapclient import IMAPClient
from sqlalchemy import Engine

from recoup.db import transaction
from recoup.db.base import utcnow
from recoup.errors import InvalidInput
from recoup.inbound import service

log = logging.getLogger(__name__)

#: The largest message taken (remittance PDFs and scans included).
MAX_MESSAGE_BYTES = 25 * 1024 * 1024
ACTOR = "inbound"


@dataclass
class Tally:
    """What a receiver did."""

    stored: int = 0
    again: int = 0  # already stored (fetched or delivered twice)
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def store(
    engine: Engine,
    *,
    org_id: int,
    raw: bytes,
    envelope_to: Sequence[str] = (),
    clock: Callable[[], datetime] = utcnow,
) -> service.Received:
    """Receive one message in a transaction of its own (committed on return)."""
    with transaction(engine, actor=ACTOR) as session:
        return service.receive(
            session, org_id=org_id, raw=raw, received_at=clock(), envelope_to=envelope_to
        )


def _store_counted(
    engine: Engine,
    org_id: int,
    raw: bytes,
    envelope_to: Sequence[str],
    tally: Tally,
    clock: Callable[[], datetime] = utcnow,
) -> bool:
    try:
        received = store(engine, org_id=org_id, raw=raw, envelope_to=envelope_to, clock=clock)
    except Exception as exc:  # one bad message must not stop the others
        log.exception("could not store a received message")
        tally.failed += 1
        tally.errors.append(f"{type(exc).__name__}: {exc}")
        return False
    if received.new:
        tally.stored += 1
    else:
        tally.again += 1
    return True


# SMTP


class _Handler:
    """aiosmtpd's handler: every accepted message goes to ``store``."""

    def __init__(
        self, engine: Engine, org_id: int, tally: Tally, clock: Callable[[], datetime]
    ) -> None:
        self.engine, self.org_id, self.tally, self.clock = engine, org_id, tally, clock
        # SQLite has one writer: one transaction at a time. PostgreSQL takes the messages
        # of several connections (a mail server delivers over a few) side by side.
        self.lock: threading.Lock | contextlib.nullcontext[None] = (
            threading.Lock() if engine.dialect.name == "sqlite" else contextlib.nullcontext()
        )

    async def handle_DATA(
        self, server: SMTPServer, session: SMTPSession, envelope: Envelope
    ) -> str:
        raw = envelope.original_content or b""
        if isinstance(envelope.content, bytes) and not raw:
            raw = envelope.content
        recipients = [str(r) for r in envelope.rcpt_tos]
        stored = await asyncio.to_thread(self._store, bytes(raw), recipients)
        return "250 2.0.0 stored" if stored else "451 4.3.0 could not store the message, try again"

    def _store(self, raw: bytes, recipients: list[str]) -> bool:
        with self.lock:
            return _store_counted(self.engine, self.org_id, raw, recipients, self.tally, self.clock)


def parse_listen(value: str) -> tuple[str, int]:
    """``HOST:PORT`` of ``--smtp-listen``.

    >>> parse_listen("127.0.0.1:2525")
    ('127.0.0.1', 2525)
    """
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise InvalidInput(f"{value!r} is not HOST:PORT", field="smtp_listen")
    return host.strip("[]"), int(port)


@contextmanager
def smtp_receiver(
    engine: Engine,
    *,
    org_id: int,
    host: str,
    port: int,
    clock: Callable[[], datetime] = utcnow,
) -> Iterator[Tally]:
    """An SMTP server on ``host:port`` storing what it receives, until the block ends."""
    tally = Tally()
    controller = Controller(
        _Handler(engine, org_id, tally, clock),
        hostname=host,
        port=port,
        data_size_limit=MAX_MESSAGE_BYTES,
        decode_data=False,
        server_hostname="recoup-inbound",
        ready_timeout=10,
    )
    controller.start()
    try:
        yield tally
    finally:
        controller.stop()


# IMAP

Security = Literal["ssl", "starttls", "none"]


@dataclass(frozen=True, slots=True)
class ImapSettings:
    """A mailbox to read replies from."""

    host: str
    user: str
    password: str = field(repr=False)
    port: int = 0  # 0: 993 with ssl, else 143
    folder: str = "INBOX"
    security: Security = "ssl"
    timeout: float = 30.0

    @property
    def real_port(self) -> int:
        return self.port or (993 if self.security == "ssl" else 143)


def _connect(settings: ImapSettings) -> IMAPClient:
    client = IMAPClient(
        settings.host,
        port=settings.real_port,
        ssl=settings.security == "ssl",
        timeout=settings.timeout,
    )
    if settings.security == "starttls":
        client.starttls()
    client.login(settings.user, settings.password)
    client.select_folder(settings.folder)
    return client


def fetch_unseen(
    client: IMAPClient,
    engine: Engine,
    org_id: int,
    tally: Tally,
    clock: Callable[[], datetime] = utcnow,
) -> None:
    """Store every unseen message of the selected folder; flag each stored one seen."""
    uids = client.search(["UNSEEN"])
    for start in range(0, len(uids), 50):
        batch = uids[start : start + 50]
        fetched: dict[int, dict[bytes, Any]] = client.fetch(batch, ["BODY.PEEK[]"])
        for uid in batch:
            raw = fetched.get(uid, {}).get(b"BODY[]")
            if not isinstance(raw, bytes):
                continue
            if _store_counted(engine, org_id, raw, (), tally, clock):
                client.add_flags([uid], [b"\\Seen"])


def read_mailbox(
    engine: Engine,
    *,
    org_id: int,
    settings: ImapSettings,
    once: bool = False,
    idle_seconds: int = 300,
    poll_seconds: int = 60,
    stop: threading.Event | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> Tally:
    """Store the folder's unseen messages; unless ``once``, wait for more (IDLE where the
    server has it, else polling) until ``stop`` is set."""
    tally = Tally()
    stop = stop or threading.Event()
    client = _connect(settings)
    try:
        fetch_unseen(client, engine, org_id, tally, clock)
        idle = b"IDLE" in client.capabilities()
        while not once and not stop.is_set():
            if idle:
                client.idle()
                try:
                    client.idle_check(timeout=idle_seconds)
                finally:
                    client.idle_done()
            else:
                stop.wait(poll_seconds)
                client.noop()
            fetch_unseen(client, engine, org_id, tally, clock)
    finally:
        try:
            client.logout()
        except Exception:  # the server may have hung up already
            log.debug("IMAP logout failed", exc_info=True)
    return tally
