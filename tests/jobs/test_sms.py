"""Text messages go to E.164 numbers, read in the customer's numbering plan; a number
that is not one fails its row (with a task) and never reaches the provider."""

import json
from datetime import UTC, date, datetime, time
from pathlib import Path

from sqlalchemy import select

from recoup.comms.dispatcher import dispatch
from recoup.comms.models import OutboxMessage
from recoup.config import Settings
from recoup.db import make_engine, transaction
from recoup.db.migrate import upgrade
from recoup.jobs.daily import run_day
from recoup.jobs.effects import LiveChannels
from recoup.ledger.models import Contact
from recoup.policy.service import assign_policy, available_policies
from tests.jobs import portfolio

DAY = date(2026, 3, 3)  # invoices due 2 March: the strict policy's due notice, email and SMS
NOW = datetime.combine(DAY, time(9), UTC)


def test_sms_numbers_are_sent_in_e164_and_a_bad_one_fails_its_row(
    database_url: str, tmp_path: Path
) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    org_id = portfolio.create(engine, customers=2)
    with transaction(engine, actor="test") as session:
        policies = available_policies()
        assign_policy(session, org_id=org_id, policy="strict", policies=policies)
        first, second = session.scalars(select(Contact).order_by(Contact.id)).all()
        first.phone, second.phone = "07911 123456", "12345"
        run_day(session, org_id=org_id, as_of=DAY, now=NOW, policies=policies)
    settings = Settings(
        smtp_url=f"file://{tmp_path / 'mail'}?from=credit@acme.example",
        sms_url=f"file://{tmp_path / 'sms'}",
        letters_dir=str(tmp_path / "letters"),
    )
    report = dispatch(engine, LiveChannels(settings), clock=lambda: NOW)
    (sent,) = [json.loads(p.read_text()) for p in (tmp_path / "sms").iterdir()]
    assert sent["to"] == "+447911123456"
    assert report.failed == 1
    with transaction(engine, actor="test") as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "sms")).all()
        outcome = sorted((row.recipient, row.status, row.last_error) for row in rows)
    assert outcome == [
        ("+447911123456", "sent", ""),
        (
            "12345",
            "failed",
            "could not be prepared: phone: not a valid phone number in GB: '12345'",
        ),
    ]
    assert len(list((tmp_path / "mail").iterdir())) == 2  # both due notices went by email
    engine.dispose()
