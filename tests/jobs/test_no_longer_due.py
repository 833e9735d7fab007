"""A reminder planned in the morning and paid before it goes out is never sent.

Between the plan and the dispatch (sending hours, a retry, a payment file imported in
between) the customer may pay. A chasing message then lists what is still open; when
nothing is, or when a pre-due reminder has nothing left that is still to fall due, the
row is cancelled with the reason, and the account's timeline says so in words.
"""

from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, select

from recoup.cases.timeline import timeline
from recoup.comms.dispatcher import dispatch
from recoup.comms.models import OutboxMessage
from recoup.config import Settings
from recoup.db import make_engine, transaction
from recoup.db.migrate import upgrade
from recoup.jobs.daily import run_day
from recoup.jobs.effects import LiveChannels
from recoup.ledger import service as ledger
from recoup.ledger.models import Invoice
from recoup.policy.service import available_policies
from tests.jobs import portfolio
from tests.mailbox import StartServer

DUE = date(2026, 3, 2)  # the portfolio's two invoices, £1,000.00 and £200.00


def _plan(engine: Engine, org_id: int, day: date) -> list[str]:
    with transaction(engine, actor="test") as session:
        result = run_day(
            session,
            org_id=org_id,
            as_of=day,
            now=datetime.combine(day, time(9), UTC),
            policies=available_policies(),
        )
    return [a.template or "" for a in result.actions if a.kind == "email"]


def _pay(engine: Engine, org_id: int, day: date, numbers: list[str]) -> None:
    with transaction(engine, actor="test") as session:
        invoices = session.scalars(select(Invoice).where(Invoice.number.in_(numbers))).all()
        total = sum(i.open_amount for i in invoices)
        payment = ledger.record_payment(
            session,
            org_id=org_id,
            customer_id=invoices[0].customer_id,
            received_on=day,
            amount=Decimal(total) / 100,
            currency="GBP",
            external_id=f"P-{'-'.join(numbers)}",
        )
        for invoice in invoices:
            ledger.allocate(
                session,
                org_id=org_id,
                invoice_id=invoice.id,
                amount=Decimal(invoice.open_amount) / 100,
                on=day,
                payment_id=payment.id,
            )


def _settings(port: int, tmp_path: Path) -> Settings:
    return Settings(
        smtp_url=f"smtp://127.0.0.1:{port}?from=credit@acme.example",
        letters_dir=str(tmp_path / "letters"),
        sms_url=f"file://{tmp_path / 'sms'}",
    )


def test_a_reminder_paid_before_dispatch_is_cancelled_not_sent(
    database_url: str, smtp_server: StartServer, tmp_path: Path
) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    org_id = portfolio.create(engine, due=DUE)
    mailbox, port = smtp_server()
    day = date(2026, 3, 3)
    assert _plan(engine, org_id, day) == ["due_notice"]
    _pay(engine, org_id, day, ["INV-1-1", "INV-1-2"])

    now = datetime.combine(day, time(10), UTC)
    report = dispatch(engine, LiveChannels(_settings(port, tmp_path)), clock=lambda: now)

    assert (report.sent, report.cancelled, report.failed) == (0, 1, 0)
    assert mailbox.received == []
    with transaction(engine, actor="test") as session:
        row = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "email")).one()
        assert row.status == "cancelled"
        assert row.body_text == ""  # never rendered, never stored as if sent
        customer_id = row.customer_id
        assert customer_id is not None
        titles = [e.title for e in timeline(session, org_id=org_id, customer_id=customer_id)]
    assert (
        "Due-date notice to ap1@customer.example not sent: "
        "its invoices were paid or credited after it was planned"
    ) in titles
    # A second dispatch has nothing left to do: the row stays cancelled.
    again = dispatch(engine, LiveChannels(_settings(port, tmp_path)), clock=lambda: now)
    assert (again.sent, again.cancelled) == (0, 0)


def test_a_reminder_partly_paid_before_dispatch_lists_what_is_still_open(
    database_url: str, smtp_server: StartServer, tmp_path: Path
) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    org_id = portfolio.create(engine, due=DUE)
    mailbox, port = smtp_server()
    day = date(2026, 3, 3)
    assert _plan(engine, org_id, day) == ["due_notice"]
    _pay(engine, org_id, day, ["INV-1-1"])

    now = datetime.combine(day, time(10), UTC)
    report = dispatch(engine, LiveChannels(_settings(port, tmp_path)), clock=lambda: now)

    assert (report.sent, report.cancelled) == (1, 0)
    text = mailbox.message(0).get_body(preferencelist=("plain",)).get_content()
    assert "INV-1-2" in text
    assert "£200.00" in text
    assert "INV-1-1" not in text


def test_a_pre_due_reminder_whose_coming_invoices_were_paid_is_not_sent(
    database_url: str, smtp_server: StartServer, tmp_path: Path
) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    org_id = portfolio.create(engine, due=DUE)
    with transaction(engine, actor="test") as session:  # an older invoice, already overdue
        customer = ledger.get_customer(session, org_id=org_id, external_id="C001")
        ledger.create_invoice(
            session,
            org_id=org_id,
            customer_id=customer.id,
            number="INV-1-0",
            issue_date=date(2026, 1, 1),
            due_date=date(2026, 2, 20),
            total=Decimal("50.00"),
        )
    mailbox, port = smtp_server()
    channels = LiveChannels(_settings(port, tmp_path))
    first = date(2026, 2, 23)  # INV-1-0's due-date notice goes out
    assert _plan(engine, org_id, first) == ["due_notice"]
    dispatch(engine, channels, clock=lambda: datetime.combine(first, time(10), UTC))
    day = date(2026, 2, 27)  # three days before INV-1-1 and INV-1-2 fall due
    assert _plan(engine, org_id, day) == ["pre_due_reminder"]
    del mailbox.received[:]
    _pay(engine, org_id, day, ["INV-1-1", "INV-1-2"])

    now = datetime.combine(day, time(10), UTC)
    report = dispatch(engine, channels, clock=lambda: now)

    assert (report.sent, report.cancelled) == (0, 1)
    assert mailbox.received == []
    with transaction(engine, actor="test") as session:
        rows = session.scalars(
            select(OutboxMessage).where(OutboxMessage.template == "pre_due_reminder")
        ).all()
    assert [(r.status, r.last_error.split(";")[0]) for r in rows] == [
        ("cancelled", "the invoices it announced were paid or credited after it was planned")
    ]
