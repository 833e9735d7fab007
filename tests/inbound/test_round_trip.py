"""The whole round: a reminder goes out over SMTP with the customer's reply address, the
customer answers it, the reply comes in on the SMTP receiver, and the next daily run
leaves the customer alone until a person has handled the reply."""

import smtplib
from datetime import UTC, date, datetime, time
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from recoup.comms.dispatcher import dispatch
from recoup.config import Settings
from recoup.db import make_engine, transaction
from recoup.db.migrate import upgrade
from recoup.inbound import receivers
from recoup.inbound import service as inbound
from recoup.jobs.daily import run_day
from recoup.jobs.effects import LiveChannels
from recoup.policy.service import available_policies
from tests.jobs import portfolio
from tests.mailbox import StartServer, free_port

DUE_NOTICE_DAY = date(2026, 3, 3)  # the day after the portfolio's invoices fell due
CALL_DAY = date(2026, 4, 1)  # 30 days past due: the courtesy call


def test_a_reply_to_a_reminder_pauses_chasing_until_handled(
    database_url: str, smtp_server: StartServer, tmp_path: Path
) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    org_id = portfolio.create(engine)
    with transaction(engine, actor="test") as session:
        inbound.set_address(session, org_id=org_id, address="ar@acme.example")
    mailbox, port = smtp_server()
    settings = Settings(
        smtp_url=f"smtp://127.0.0.1:{port}?from=credit@acme.example",
        letters_dir=str(tmp_path / "letters"),
        sms_url=f"file://{tmp_path / 'sms'}",
    )
    now = datetime.combine(DUE_NOTICE_DAY, time(9), UTC)
    with transaction(engine, actor="test") as session:
        run_day(
            session, org_id=org_id, as_of=DUE_NOTICE_DAY, now=now, policies=available_policies()
        )
    dispatch(engine, LiveChannels(settings), clock=lambda: now)
    notice = mailbox.message(0)
    reply_to = str(notice["Reply-To"])
    assert reply_to.startswith("ar+")
    assert reply_to.endswith("@acme.example")

    # The customer answers the notice from their mail program.
    answer = EmailMessage()
    answer["From"] = "ap1@customer.example"
    answer["To"] = reply_to
    answer["Subject"] = f"Re: {notice['Subject']}"
    answer["Message-ID"] = make_msgid(domain="customer.example")
    answer["In-Reply-To"] = notice["Message-ID"]
    answer["References"] = notice["Message-ID"]
    answer.set_content(
        "Could you send us the invoice again with our PO number?\n\n"
        f"On 3 Mar 2026, Acme wrote:\n> {notice.get_body(('plain',)).get_content()[:200]}"
    )
    receiver_port = free_port()
    with (
        receivers.smtp_receiver(
            engine,
            org_id=org_id,
            host="127.0.0.1",
            port=receiver_port,
            clock=lambda: datetime(2026, 3, 5, 10, tzinfo=UTC),
        ) as tally,
        smtplib.SMTP("127.0.0.1", receiver_port, timeout=10) as client,
    ):
        client.send_message(answer)
    assert tally.stored == 1

    def call_day_actions() -> list[str]:
        with transaction(engine, actor="test") as session:
            result = run_day(
                session,
                org_id=org_id,
                as_of=CALL_DAY,
                now=datetime.combine(CALL_DAY, time(9), UTC),
                policies=available_policies(),
            )
            session.rollback()
            return [a.kind for a in result.actions]

    assert call_day_actions() == []  # paused: the reply waits for a person
    with transaction(engine, actor="test") as session:
        (reply,), _ = inbound.list_replies(session, org_id=org_id)
        assert (reply.matched_by, reply.kind) == ("token", "other")
        inbound.mark_handled(session, org_id=org_id, reply_id=reply.id, by="sam@acme.example")
    assert call_day_actions() != []  # handled: the ladder goes on
