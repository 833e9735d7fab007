"""The daily run end to end: plan, dispatch over a real SMTP server, letters on disk,
charges, holds and tasks in the database; the same day twice sends nothing new."""

import io
from datetime import UTC, date, datetime, time
from email.message import EmailMessage
from pathlib import Path

from pypdf import PdfReader
from sqlalchemy import select

from recoup.cases.models import Task
from recoup.charges.models import Charge
from recoup.comms.dispatcher import dispatch, waiting
from recoup.comms.models import OutboxMessage
from recoup.config import Settings
from recoup.credit.models import CreditHold
from recoup.db import make_engine, transaction
from recoup.db.migrate import upgrade
from recoup.jobs.daily import run_day
from recoup.jobs.effects import LiveChannels
from recoup.ledger.models import Customer
from recoup.policy.service import available_policies
from tests.jobs import portfolio
from tests.mailbox import StartServer

FORMAL_DAY = date(2026, 4, 16)  # invoices due 2 March are 45 days past due


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_formal_notice_day_end_to_end(
    database_url: str, smtp_server: StartServer, tmp_path: Path
) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    org_id = portfolio.create(engine)
    mailbox, port = smtp_server()
    settings = Settings(
        smtp_url=f"smtp://127.0.0.1:{port}?from=credit@acme.example",
        letters_dir=str(tmp_path / "letters"),
        sms_url=f"file://{tmp_path / 'sms'}",
    )
    now = datetime.combine(FORMAL_DAY, time(9), UTC)
    with transaction(engine, actor="test") as session:
        result = run_day(
            session, org_id=org_id, as_of=FORMAL_DAY, now=now, policies=available_policies()
        )
    assert [a.kind for a in result.actions] == [
        "email",
        "letter",
        "charge",
        "charge",
        "credit_hold",
        "email",
    ]

    report = dispatch(engine, LiveChannels(settings), clock=lambda: now)
    # Sent: the notice, the owner's note, and the owner's note on the credit hold.
    # Applied: the step's two charge rows and its hold, and the statutory claims' row
    # that records each invoice's compensation (the claims start at 45 days too).
    assert (report.sent, report.applied, report.failed, report.errors) == (4, 4, 0, [])

    # The customer's formal notice, with the statement attached.
    notice, owner = mailbox.message(0), mailbox.message(1)
    assert notice["To"] == "ap1@customer.example"
    assert notice["From"] == "credit@acme.example"
    assert "INV-1-1" in notice["Subject"] or "formal" in notice["Subject"].lower()
    text = notice.get_body(preferencelist=("plain",)).get_content()
    for figure in (
        "INV-1-1",
        "INV-1-2",
        "£1,000.00",
        "£200.00",
        "45",
        "GB33 BUKB 2020 1555 5555 55",
    ):
        assert figure in text, figure
    (attachment,) = [part for part in notice.iter_attachments()]
    assert attachment.get_filename() == "statement.pdf"
    statement = pdf_text(attachment.get_content())
    assert "INV-1-1" in statement
    # Interest accrued to date on each invoice (the claim started today, at 45 days).
    words = " ".join(statement.split())
    assert (
        "Statutory interest at 11.75% a year — Bank of England base rate 3.75% plus 8% — on "
        "£1,000.00 from 3 March 2026 to 16 April 2026 (invoice INV-1-1), accruing until payment"
        in words
    )
    assert "1,000.00" in statement
    assert "Customer 1 Ltd" in statement
    # The sales owner hears about it, and about the credit hold.
    assert owner["To"] == "owner@acme.example"
    assert mailbox.message(2)["To"] == "owner@acme.example"
    # The letter went to the print room.
    (letter,) = (tmp_path / "letters").iterdir()
    letter_text = pdf_text(letter.read_bytes())
    assert "1 High Street" in letter_text
    assert "INV-1-1" in letter_text

    with transaction(engine, actor="test") as session:
        charges = session.scalars(select(Charge).order_by(Charge.id)).all()
        assert sorted((c.kind, c.amount) for c in charges if c.kind == "compensation") == [
            ("compensation", 4000),  # £200 invoice: £40
            ("compensation", 7000),  # £1,000 invoice: £70
        ]
        # Interest is not recorded at the notice: it accrues until payment (shown to date).
        assert {c.kind for c in charges} == {"compensation"}
        holds = session.scalars(select(CreditHold)).all()
        assert [h.source for h in holds] == ["policy"]
        assert session.scalars(select(Customer.status)).all() == ["on_hold"]
        stored = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "email")).all()
        assert [(row.status, bool(row.body_text)) for row in stored] == [("sent", True)] * 3

    # The same day again: nothing planned, nothing sent.
    with transaction(engine, actor="test") as session:
        again = run_day(
            session, org_id=org_id, as_of=FORMAL_DAY, now=now, policies=available_policies()
        )
    assert again.planned == 0
    assert dispatch(engine, LiveChannels(settings), clock=lambda: now).sent == 0
    assert len(mailbox.received) == 3
    engine.dispose()


def test_a_refused_recipient_fails_permanently_and_raises_a_task(
    database_url: str, smtp_server: StartServer, tmp_path: Path
) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    org_id = portfolio.create(engine)
    with transaction(engine, actor="test") as session:
        contact_email = session.execute(select(OutboxMessage)).first()
        assert contact_email is None
    from tests.mailbox import Mailbox

    _mailbox, port = smtp_server(Mailbox(rcpt_reply="550 5.1.1 mailbox unavailable"))
    settings = Settings(
        smtp_url=f"smtp://127.0.0.1:{port}?from=credit@acme.example", letters_dir=str(tmp_path)
    )
    day = date(2026, 3, 3)
    now = datetime.combine(day, time(9), UTC)
    with transaction(engine, actor="test") as session:
        run_day(session, org_id=org_id, as_of=day, now=now, policies=available_policies())
    report = dispatch(engine, LiveChannels(settings), clock=lambda: now)
    assert (report.sent, report.failed) == (0, 1)
    with transaction(engine, actor="test") as session:
        (row,) = session.scalars(select(OutboxMessage)).all()
        assert row.status == "failed"
        assert "550" in row.last_error
        (task,) = session.scalars(select(Task)).all()
        assert task.kind == "delivery"
        assert "failed" in task.title
    engine.dispose()


def test_a_server_that_is_down_is_retried_with_backoff(database_url: str, tmp_path: Path) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    org_id = portfolio.create(engine)
    from tests.mailbox import free_port

    settings = Settings(
        smtp_url=f"smtp://127.0.0.1:{free_port()}?from=credit@acme.example",
        letters_dir=str(tmp_path),
    )
    day = date(2026, 3, 3)
    now = datetime.combine(day, time(9), UTC)
    with transaction(engine, actor="test") as session:
        run_day(session, org_id=org_id, as_of=day, now=now, policies=available_policies())
    report = dispatch(engine, LiveChannels(settings), clock=lambda: now)
    assert (report.sent, report.retrying) == (0, 1)
    with transaction(engine, actor="test") as session:
        (row,) = session.scalars(select(OutboxMessage)).all()
        assert (row.status, row.attempts) == ("retrying", 1)
        assert row.next_attempt_at == datetime(2026, 3, 3, 9, 2, tzinfo=UTC)  # 2 minutes later
    # Not yet due again: nothing happens, and what waits says when it will.
    again = dispatch(engine, LiveChannels(settings), clock=lambda: now)
    later, next_at = waiting(engine, now=now)
    assert (again.retrying, later) == (0, 1)
    assert next_at is not None
    assert next_at.replace(tzinfo=UTC) == datetime(2026, 3, 3, 9, 2, tzinfo=UTC)
    engine.dispose()


def test_wording_follows_what_was_sent_and_the_customer_type(
    database_url: str, smtp_server: StartServer, tmp_path: Path
) -> None:
    """Issue 15.7. Three customers, invoices due 2 March. On 3 March the due notice goes
    to C001 and C002 (a consumer); C003 is on do-not-contact that day, so its step fired
    as a task and nothing reached it. On 16 April (45 days) each gets a formal notice:
    "Despite our previous reminders" only for C001 and C002; the statutory late-payment
    paragraph for the businesses C001 and C003, never for the consumer C002."""
    engine = make_engine(database_url)
    upgrade(engine)
    org_id = portfolio.create(engine, customers=3)
    with transaction(engine, actor="test") as session:
        people = {c.external_id: c for c in session.scalars(select(Customer))}
        people["C002"].is_consumer = True
        people["C003"].do_not_contact = True
    mailbox, port = smtp_server()
    settings = Settings(
        smtp_url=f"smtp://127.0.0.1:{port}?from=credit@acme.example",
        letters_dir=str(tmp_path / "letters"),
        sms_url=f"file://{tmp_path / 'sms'}",
    )
    for day, before in ((date(2026, 3, 3), False), (FORMAL_DAY, True)):
        now = datetime.combine(day, time(9), UTC)
        with transaction(engine, actor="test") as session:
            if before:
                for customer in session.scalars(select(Customer)):
                    customer.do_not_contact = False
            run_day(session, org_id=org_id, as_of=day, now=now, policies=available_policies())
        dispatch(engine, LiveChannels(settings), clock=lambda now=now: now)

    messages = [mailbox.message(n) for n in range(len(mailbox.received))]

    def notice(to: str) -> str:
        (found,) = [m for m in messages if m["To"] == to and "FORMAL NOTICE" in _text(m)]
        return _text(found)

    assert [m["To"] for m in messages[:2]] == ["ap1@customer.example", "ap2@customer.example"]
    business, consumer, unreminded = (notice(f"ap{n}@customer.example") for n in (1, 2, 3))
    assert "Despite our previous reminders, the invoices listed below remain unpaid" in business
    assert "Despite our previous reminders" in consumer
    assert "Despite" not in unreminded
    assert "The invoices listed below remain unpaid" in unreminded
    statutory = "late-payment legislation applying to commercial transactions"
    assert statutory in business
    assert statutory in unreminded
    assert statutory not in consumer
    assert "statutory interest" not in consumer
    engine.dispose()


def _text(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content())  # type: ignore[attr-defined]
