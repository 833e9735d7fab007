"""A real SMTP server for tests (aiosmtpd on 127.0.0.1): it keeps what it receives, or
answers as told; the ``smtp_server`` fixture starts one on a free port."""

import asyncio
import email
import email.policy
import socket
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# --- an SMTP server ----------------------------------------------------------------


class Mailbox:
    """An aiosmtpd handler that keeps what it receives, or answers as told."""

    def __init__(self, *, rcpt_reply: str = "", data_reply: str = "", delay: float = 0) -> None:
        self.rcpt_reply = rcpt_reply
        self.data_reply = data_reply
        self.delay = delay  # seconds before accepting each message (a slow server)
        self.received: list[Envelope] = []
        self.sessions: list[dict[str, Any]] = []

    async def handle_RCPT(
        self, server: Any, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.rcpt_reply:
            return self.rcpt_reply
        if address.startswith("bounce"):
            return f"550 5.1.1 <{address}>: Recipient address rejected"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        if self.data_reply:
            return self.data_reply
        if self.delay:
            await asyncio.sleep(self.delay)
        self.received.append(envelope)
        self.sessions.append(
            {"authenticated": session.authenticated, "tls": session.ssl is not None}
        )
        return "250 2.0.0 Ok: queued as TEST1"

    def message(self, index: int = -1) -> EmailMessage:
        content = self.received[index].original_content or b""
        parsed = email.message_from_bytes(content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


def check_password(
    server: Any, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        b"credit@acme.example",
        b"s3cret:pass",
    )
    return AuthResult(success=ok, handled=False)


StartServer = Callable[..., tuple[Mailbox, int]]


@pytest.fixture
def smtp_server() -> Iterator[StartServer]:
    """Start an SMTP server on a free port: ``smtp_server(mailbox, **aiosmtpd options)``."""
    controllers: list[Controller] = []

    def start(mailbox: Mailbox | None = None, **options: Any) -> tuple[Mailbox, int]:
        mailbox = mailbox or Mailbox()
        port = free_port()
        controller = Controller(mailbox, hostname="127.0.0.1", port=port, **options)
        controller.start()
        controllers.append(controller)
        return mailbox, port

    yield start
    for controller in controllers:
        controller.stop()
