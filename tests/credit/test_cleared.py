"""An account is cleared only when no invoice, charge or plan instalment is open: then,
and only then, the thank-you goes out and the policy's credit hold is released (a hold a
person placed becomes a task to review it). The daily run end to end, on a real SMTP
server."""

from datetime import UTC, date, datetime, time
from pathlib import Path

from sqlalchemy import select

from recoup.cases.models import Task
from recoup.charges import service as charges
from recoup.charges.models import Charge
from recoup.comms.dispatcher import dispatch
from recoup.comms.models import OutboxMessage
from recoup.config import Settings
from recoup.credit import service as credit
from recoup.credit.models import CreditHold
from recoup.db import make_engine, transaction
from recoup.db.migrate import upgrade
from recoup.jobs.daily import run_day
from recoup.jobs.effects import LiveChannels
from recoup.ledger.models import Customer, Invoice
from recoup.policy.models import DunningCycle
from recoup.policy.service import available_policies
from tests.charges.factories import pay
from tests.jobs import portfolio
from tests.mailbox import StartServer

FORMAL_DAY = date(2026, 4, 16)  # the portfolio's invoices, due 2 March, are 45 days late


def test_thank_you_and_hold_release_wait_until_nothing_is_open(
    database_url: str, smtp_server: StartServer, tmp_path: Path
) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    org_id = portfolio.create(engine)
    mailbox, port = smtp_server()
    channels = LiveChannels(
        Settings(
            smtp_url=f"smtp://127.0.0.1:{port}?from=credit@acme.example",
            letters_dir=str(tmp_path / "letters"),
        )
    )

    def day(on: date) -> None:
        now = datetime.combine(on, time(9), UTC)
        with transaction(engine, actor="test") as session:
            run_day(session, org_id=org_id, as_of=on, now=now, policies=available_policies())
        dispatch(engine, channels, clock=lambda: now)

    def thank_yous() -> list[OutboxMessage]:
        with transaction(engine, actor="test") as session:
            return list(
                session.scalars(select(OutboxMessage).where(OutboxMessage.template == "thank_you"))
            )

    # The formal notice: compensation recorded, the policy's credit hold placed; a
    # person also put the account on hold that day.
    day(FORMAL_DAY)
    with transaction(engine, actor="test") as session:
        customer = session.scalars(select(Customer)).one()
        credit.place_hold(
            session,
            org_id=org_id,
            customer_id=customer.id,
            reason="order desk: stop shipments",
            by="kim@acme.example",
            on=FORMAL_DAY,
        )
        # Both invoices paid in full on 20 April.
        for number, amount in (("INV-1-1", "1000.00"), ("INV-1-2", "200.00")):
            invoice = session.scalars(select(Invoice).where(Invoice.number == number)).one()
            pay(session, invoice=invoice, amount=amount, on=date(2026, 4, 20), external_id=number)

    # 21 April: every invoice is paid, but the compensation (and now the interest, recorded
    # on payment) is open: no thank-you, the cycle stays open, the holds stay.
    day(date(2026, 4, 21))
    assert thank_yous() == []
    with transaction(engine, actor="test") as session:
        open_charges = session.scalars(select(Charge).where(Charge.status == "open")).all()
        assert sorted(c.kind for c in open_charges) == [
            "compensation",
            "compensation",
            "interest",
            "interest",
        ]
        assert session.scalars(select(DunningCycle.closed_on)).all() == [None]
        holds = session.scalars(select(CreditHold).order_by(CreditHold.id)).all()
        assert [(h.source, h.status) for h in holds] == [("policy", "active"), ("manual", "active")]
        # The charges are paid.
        for charge in open_charges:
            charges.mark_charge_paid(session, org_id=org_id, charge_id=charge.id)

    # 22 April: cleared. The thank-you goes out, the policy's hold is released, and the
    # hold a person placed becomes a task for the collector.
    day(date(2026, 4, 22))
    (thanks,) = thank_yous()
    assert (thanks.recipient, thanks.status) == ("ap1@customer.example", "sent")
    last = mailbox.message(len(mailbox.received) - 1)
    assert last["To"] == "ap1@customer.example"
    assert last["Subject"].startswith("Thank you for your payment")
    with transaction(engine, actor="test") as session:
        assert session.scalars(select(DunningCycle.closed_on)).all() == [date(2026, 4, 22)]
        holds = session.scalars(select(CreditHold).order_by(CreditHold.id)).all()
        assert [(h.source, h.status) for h in holds] == [
            ("policy", "released"),
            ("manual", "active"),
        ]
        assert holds[0].release_reason == "account cleared: nothing is open"
        (task,) = session.scalars(select(Task).where(Task.title.like("Review the credit hold%")))
        assert task.assignee == "sam@acme.example"
        assert "kim@acme.example" in task.body
    # Another run the same day: no second thank-you, no second task.
    day(date(2026, 4, 22))
    assert len(thank_yous()) == 1
    with transaction(engine, actor="test") as session:
        assert len(session.scalars(select(Task).where(Task.title.like("Review%"))).all()) == 1
    engine.dispose()
