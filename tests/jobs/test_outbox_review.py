"""A configuration error found while sending fails the row (it never becomes "unknown"),
and a person resends or cancels it, audited."""

from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from sqlalchemy import select

from recoup.audit.models import AuditEvent
from recoup.cases.models import Task
from recoup.comms import review
from recoup.comms.dispatcher import dispatch
from recoup.comms.models import OutboxMessage
from recoup.config import Settings
from recoup.db import make_engine, transaction
from recoup.db.migrate import upgrade
from recoup.errors import Conflict
from recoup.jobs.daily import run_day
from recoup.jobs.effects import LiveChannels
from recoup.ledger import service as ledger
from recoup.policy.service import available_policies
from tests.jobs import portfolio
from tests.mailbox import StartServer

DAY = date(2026, 3, 3)  # the day after the due date: one due notice by email
NOW = datetime.combine(DAY, time(9), UTC)


def test_no_sender_fails_the_row_then_a_resend_after_the_fix_delivers_it(
    database_url: str, smtp_server: StartServer, tmp_path: Path
) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    org_id = portfolio.create(engine)
    with transaction(engine, actor="test") as session:
        ledger.get_organisation(session, org_id=org_id).email = ""  # the sender is missing
        run_day(session, org_id=org_id, as_of=DAY, now=NOW, policies=available_policies())
    mailbox, port = smtp_server()
    settings = Settings(smtp_url=f"smtp://127.0.0.1:{port}", letters_dir=str(tmp_path))

    report = dispatch(engine, LiveChannels(settings), clock=lambda: NOW)
    assert (report.sent, report.failed, report.unknown) == (0, 1, 0)
    with transaction(engine, actor="test") as session:
        (row,) = session.scalars(select(OutboxMessage)).all()
        assert row.status == "failed"  # not left "sending", never "unknown"
        assert row.last_error == "not sent: from: no sender: set from= in the SMTP URL or give one"
        (task,) = session.scalars(select(Task)).all()
        assert "failed" in task.title
        row_id = row.id
    assert mailbox.received == []

    with transaction(engine, actor="sam@acme.example") as session:
        ledger.get_organisation(session, org_id=org_id).email = "credit@acme.example"
        review.resend(session, org_id=org_id, message_id=row_id, now=NOW)
    report = dispatch(engine, LiveChannels(settings), clock=lambda: NOW)
    assert report.sent == 1
    assert mailbox.message()["From"] == "Acme Supplies Ltd <credit@acme.example>"
    with transaction(engine, actor="test") as session:
        row = session.get_one(OutboxMessage, row_id)
        assert (row.status, row.attempts) == ("sent", 1)
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.entity == "outbox", AuditEvent.entity_id == row_id)
        ).one()
        assert event.actor == "sam@acme.example"
        assert '"failed"' in (event.before or "")
        # A sent message can be neither resent nor cancelled.
        with pytest.raises(Conflict, match="only failed or unknown"):
            review.resend(session, org_id=org_id, message_id=row_id)
        with pytest.raises(Conflict, match="cannot be cancelled"):
            review.cancel(session, org_id=org_id, message_id=row_id, reason="")
    engine.dispose()


def test_a_cancelled_message_is_never_sent(
    database_url: str, smtp_server: StartServer, tmp_path: Path
) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    org_id = portfolio.create(engine)
    with transaction(engine, actor="test") as session:
        run_day(session, org_id=org_id, as_of=DAY, now=NOW, policies=available_policies())
        (row,) = session.scalars(select(OutboxMessage)).all()
        review.cancel(session, org_id=org_id, message_id=row.id, reason="paid by phone")
        with pytest.raises(Exception, match="no outbox message"):
            review.get_message(session, org_id=org_id + 1, message_id=row.id)
    mailbox, port = smtp_server()
    settings = Settings(smtp_url=f"smtp://127.0.0.1:{port}", letters_dir=str(tmp_path))
    assert dispatch(engine, LiveChannels(settings), clock=lambda: NOW).sent == 0
    assert mailbox.received == []
    with transaction(engine, actor="test") as session:
        (row,) = session.scalars(select(OutboxMessage)).all()
        assert (row.status, row.last_error) == ("cancelled", "cancelled: paid by phone")
    engine.dispose()
