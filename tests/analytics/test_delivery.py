"""The monthly management report by email: planned once per month by the daily run on
the first business day, rendered when sent with the PDF attached, over a real SMTP
server; sent at once on request; to the managers or a configured list."""

from datetime import UTC, date, datetime, time
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from recoup.analytics import delivery
from recoup.auth import service as auth
from recoup.comms.dispatcher import dispatch
from recoup.comms.models import OutboxMessage
from recoup.config import Settings
from recoup.db import make_engine, transaction
from recoup.db.migrate import upgrade
from recoup.errors import InvalidInput
from recoup.jobs.daily import run_day
from recoup.jobs.effects import LiveChannels
from recoup.ledger import service as ledger
from recoup.policy.service import available_policies
from tests.jobs import portfolio
from tests.mailbox import StartServer
from tests.pdf import pdf_text, squash

# 1 April 2026 is a Wednesday, England's first business day of April; 31 March is past
# March's catch-up days (its first business day was Monday 2 March).
FIRST_BUSINESS_DAY = date(2026, 4, 1)


def _reports_to(mails: list[EmailMessage], address: str) -> list[EmailMessage]:
    return [m for m in mails if m["To"] == address and "Management report" in m["Subject"]]


def test_run_sends_the_report_once_a_month_to_the_managers(
    database_url: str, smtp_server: StartServer, tmp_path: Path
) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    org_id = portfolio.create(engine)  # £1,200 falling due on 2 March, unpaid
    with transaction(engine, actor="test") as session:
        for email, role, active in (
            ("maria@acme.example", "manager", True),
            ("old@acme.example", "manager", False),
            ("sam@acme.example", "collector", True),
        ):
            user = auth.create_user(
                session, org_id=org_id, email=email, password="a long password 1", role=role
            )
            user.active = active
    mailbox, port = smtp_server()
    channels = LiveChannels(
        Settings(
            smtp_url=f"smtp://127.0.0.1:{port}?from=credit@acme.example",
            letters_dir=str(tmp_path / "letters"),
            sms_url=f"file://{tmp_path / 'sms'}",
        )
    )

    def run(day: date, hour: int = 7) -> None:
        now = datetime.combine(day, time(hour), UTC)
        with transaction(engine, actor="test") as session:
            run_day(session, org_id=org_id, as_of=day, now=now, policies=available_policies())
        dispatch(engine, channels, clock=lambda: now)

    def planned() -> list[tuple[str, str]]:
        with transaction(engine, actor="test") as session:
            rows = session.scalars(
                select(OutboxMessage).where(OutboxMessage.template == delivery.TEMPLATE)
            )
            return [(r.key, r.status) for r in rows]

    run(date(2026, 3, 31))
    assert planned() == []
    run(FIRST_BUSINESS_DAY)
    run(FIRST_BUSINESS_DAY, hour=15)  # the same day again
    run(date(2026, 4, 2))
    assert planned() == [("management-report:2026-03:maria@acme.example", "sent")]
    mails = [mailbox.message(i) for i in range(len(mailbox.received))]
    (sent,) = _reports_to(mails, "maria@acme.example")
    assert _reports_to(mails, "old@acme.example") == []
    assert _reports_to(mails, "sam@acme.example") == []
    assert sent["Subject"] == "Management report 2026-03 — Acme Supplies Ltd"
    text = sent.get_body(preferencelist=("plain",)).get_content()
    assert "GBP" in text
    assert "Overdue, amount (%): 100.00" in text  # all £1,200 overdue at March's end
    (attachment,) = list(sent.iter_attachments())
    assert attachment.get_filename() == "management-report-2026-03.pdf"
    content = squash(pdf_text(attachment.get_content()))
    assert "Management report" in content
    assert "Acme Supplies Ltd" in content
    assert "2026-03" in content
    assert "£1,200.00" in content


def test_send_now_and_a_configured_list(
    database_url: str, smtp_server: StartServer, tmp_path: Path
) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    org_id = portfolio.create(engine)
    mailbox, port = smtp_server()
    channels = LiveChannels(Settings(smtp_url=f"smtp://127.0.0.1:{port}"))
    now = datetime(2026, 4, 20, 10, tzinfo=UTC)
    with transaction(engine, actor="test") as session:
        with pytest.raises(InvalidInput, match="nobody to send the report to"):
            delivery.send_now(session, org_id=org_id, month="2026-03", now=now)
        delivery.set_recipients(
            session, org_id=org_id, emails=["board@acme.example"], language="de"
        )
        assert delivery.send_now(session, org_id=org_id, month="2026-03", now=now) == [
            "board@acme.example"
        ]
    report = dispatch(engine, channels, clock=lambda: now)
    assert (report.sent, report.failed) == (1, 0)
    sent = mailbox.message(0)
    assert sent["To"] == "board@acme.example"
    assert sent["From"] == "Acme Supplies Ltd <credit@acme.example>"
    assert sent["Subject"] == "Managementbericht 2026-03 — Acme Supplies Ltd"
    (attachment,) = list(sent.iter_attachments())
    assert "Managementbericht" in pdf_text(attachment.get_content())


def test_recipients_are_checked(session: Session) -> None:
    org = ledger.create_organisation(session, slug="r", name="R Ltd", country="GB")
    with pytest.raises(InvalidInput, match="'not an address'"):
        delivery.set_recipients(session, org_id=org.id, emails=["not an address"])
    with pytest.raises(InvalidInput, match="report language"):
        delivery.set_recipients(session, org_id=org.id, emails=[], language="fr")
    assert delivery.recipients(session, org_id=org.id) == ([], "en")
