"""Replies arriving over the wire: the SMTP receiver on 127.0.0.1 (sent to with
smtplib) and a real IMAP server (Dovecot), each message in its own transaction."""

import imaplib
import smtplib
import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, func, select

from recoup.cases.models import Task
from recoup.db import make_engine, transaction
from recoup.db.migrate import upgrade
from recoup.inbound import receivers
from recoup.inbound.enums import ReplyKind, ReplyStatus
from recoup.inbound.models import Reply, ReplyAttachment
from tests.inbound.conftest import make_book
from tests.inbound.dovecot import Imap
from tests.inbound.messages import eml
from tests.mailbox import free_port


@pytest.fixture
def committed(database_url: str) -> Iterator[tuple[Engine, int]]:
    """A migrated database holding the book (committed: receivers use their own
    transactions), and the organisation's id."""
    engine = make_engine(database_url)
    upgrade(engine)
    with transaction(engine, actor="test") as session:
        org_id = make_book(session).org.id
    yield engine, org_id
    engine.dispose()


def replies(engine: Engine) -> list[tuple[str, str, str]]:
    with transaction(engine, actor="test", read_only=True) as session:
        rows = session.scalars(select(Reply).order_by(Reply.id))
        return [(r.message_id, r.kind, r.status) for r in rows]


def test_the_smtp_receiver_stores_what_it_is_sent(committed: tuple[Engine, int]) -> None:
    engine, org_id = committed
    port = free_port()
    with (
        receivers.smtp_receiver(engine, org_id=org_id, host="127.0.0.1", port=port) as tally,
        smtplib.SMTP("127.0.0.1", port, timeout=10) as client,
    ):
        for name in ("paid_remittance", "out_of_office_de", "bounce_dsn"):
            client.sendmail("sender@customer.example", ["ar@acme.example"], eml(name))
        # Delivered twice (a retry after a lost reply): stored once.
        client.sendmail("sender@customer.example", ["ar@acme.example"], eml("paid_remittance"))
    assert (tally.stored, tally.again, tally.failed) == (3, 1, 0)
    assert replies(engine) == [
        ("<DB9PR01MB7262A1@customer.example>", ReplyKind.PAID, ReplyStatus.WAITING),
        ("<abw.9911@kunde.example>", ReplyKind.AUTO_REPLY, ReplyStatus.NOTED),
        ("<20261203090003.7E1C2@mx.acme.example>", ReplyKind.BOUNCE, ReplyStatus.WAITING),
    ]
    with transaction(engine, actor="test", read_only=True) as session:
        (pdf,) = session.scalars(select(ReplyAttachment))
        assert pdf.filename == "Remittance-INV-1-1.pdf"
        assert session.scalar(select(func.count()).select_from(Task)) == 2


def test_the_envelope_recipient_carries_the_token(committed: tuple[Engine, int]) -> None:
    # A mailbox that rewrites To: the plus address survives only in RCPT TO.
    engine, org_id = committed
    port = free_port()
    raw = eml("question_en").replace(b"To: ar+k3j9x2m4q8w1z7ab@", b"To: ar@")
    with (
        receivers.smtp_receiver(engine, org_id=org_id, host="127.0.0.1", port=port),
        smtplib.SMTP("127.0.0.1", port, timeout=10) as client,
    ):
        client.sendmail("x@elsewhere.example", ["ar+k3j9x2m4q8w1z7ab@acme.example"], raw)
    with transaction(engine, actor="test", read_only=True) as session:
        (reply,) = session.scalars(select(Reply))
        assert (reply.matched_by, reply.customer_id is not None) == ("token", True)


def test_a_message_that_cannot_be_stored_is_refused_for_a_retry(
    committed: tuple[Engine, int],
) -> None:
    engine, _ = committed
    port = free_port()
    # No such organisation: the insert fails, the sender is told to try again later.
    with (
        receivers.smtp_receiver(engine, org_id=999_999, host="127.0.0.1", port=port) as tally,
        smtplib.SMTP("127.0.0.1", port, timeout=10) as client,
        pytest.raises(smtplib.SMTPDataError) as refused,
    ):
        client.sendmail("a@b.example", ["ar@acme.example"], eml("question_en"))
    assert refused.value.smtp_code == 451
    assert tally.failed == 1
    assert replies(engine) == []


def _append(imap: Imap, *names: str) -> None:
    client = imaplib.IMAP4(imap.host, imap.port)
    client.login(imap.user, imap.password)
    for name in names:
        client.append("INBOX", "", None, eml(name))
    client.logout()


def _unseen(imap: Imap) -> int:
    client = imaplib.IMAP4(imap.host, imap.port)
    client.login(imap.user, imap.password)
    client.select("INBOX")
    _, data = client.search(None, "UNSEEN")
    client.logout()
    return len(data[0].split())


def _settings(imap: Imap) -> receivers.ImapSettings:
    return receivers.ImapSettings(
        host=imap.host, port=imap.port, user=imap.user, password=imap.password, security="none"
    )


def test_imap_once_fetches_unseen_replies_and_flags_them_seen(
    committed: tuple[Engine, int], dovecot: Imap
) -> None:
    engine, org_id = committed
    _append(dovecot, "dispute_de", "promise_en", "out_of_office_en")
    tally = receivers.read_mailbox(engine, org_id=org_id, settings=_settings(dovecot), once=True)
    assert (tally.stored, tally.failed) == (3, 0)
    assert [kind for _, kind, _ in replies(engine)] == [
        ReplyKind.DISPUTE,
        ReplyKind.PROMISE,
        ReplyKind.AUTO_REPLY,
    ]
    assert _unseen(dovecot) == 0
    # Nothing unseen: the next fetch stores nothing.
    again = receivers.read_mailbox(engine, org_id=org_id, settings=_settings(dovecot), once=True)
    assert (again.stored, again.again) == (0, 0)


def test_imap_idle_picks_up_a_reply_as_it_arrives(
    committed: tuple[Engine, int], dovecot: Imap
) -> None:
    engine, org_id = committed
    stop = threading.Event()
    result: list[receivers.Tally] = []
    reader = threading.Thread(
        target=lambda: result.append(
            receivers.read_mailbox(
                engine,
                org_id=org_id,
                settings=_settings(dovecot),
                idle_seconds=1,
                stop=stop,
            )
        )
    )
    reader.start()
    try:
        time.sleep(1.5)  # reading, then idling
        _append(dovecot, "question_en")
        deadline = time.monotonic() + 15
        while not replies(engine) and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        stop.set()
        reader.join(timeout=15)
    assert [kind for _, kind, _ in replies(engine)] == [ReplyKind.OTHER]
    assert result
    assert result[0].stored == 1


def test_imap_with_a_wrong_password_is_an_error(dovecot: Imap) -> None:
    from imapclient.exceptions import LoginError

    settings = receivers.ImapSettings(
        host=dovecot.host, port=dovecot.port, user=dovecot.user, password="wrong", security="none"
    )
    with pytest.raises(LoginError):
        receivers.read_mailbox(make_engine("sqlite://"), org_id=1, settings=settings, once=True)
