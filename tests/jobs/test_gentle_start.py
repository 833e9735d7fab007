"""The first run over a newly imported book: customers 10, 48 and 120 days late.

Gentle (the onboarding default of `recoup init`): one friendly due notice each, no
charge claimed, at most one credit hold each. Policy: the policy as if it had always run
(formal notices with compensation and holds), the credit rule and the policy sharing
one hold per customer. Run through the database, dispatched over real SMTP.
"""

from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, select

from recoup.charges.models import Charge, StatutoryClaim
from recoup.comms.dispatcher import dispatch
from recoup.config import Settings
from recoup.credit.models import CreditHold
from recoup.db import make_engine, transaction
from recoup.db.migrate import upgrade
from recoup.jobs.daily import run_day
from recoup.jobs.effects import LiveChannels
from recoup.ledger import service as ledger
from recoup.ledger.models import Customer, Organisation
from recoup.ledger.organisation import update_details
from recoup.policy.core import GENTLE_START
from recoup.policy.models import DunningStep
from recoup.policy.service import available_policies
from tests.mailbox import StartServer

FIRST_RUN = date(2026, 4, 16)  # a Thursday
# Customer number → due date: 10, 48 and 120 days past due on the first run.
DUE = {1: date(2026, 4, 6), 2: date(2026, 2, 27), 3: date(2025, 12, 17)}


def _book(engine: Engine, first_run: str) -> int:
    """An imported book: three British customers, one £1,000.00 invoice each."""
    with transaction(engine, actor="test") as session:
        org = ledger.create_organisation(
            session,
            slug="acme",
            name="Acme Supplies Ltd",
            country="GB",
            base_currency="GBP",
            address="1 Market Street\nLondon EC1A 1AA",
            email="credit@acme.example",
            bank_name="Example Bank plc",
            iban="GB33BUKB20201555555555",
            bic="BUKBGB22",
        )
        update_details(session, org=org, changes={"first_run": first_run})
        for n, due in DUE.items():
            customer = ledger.create_customer(
                session,
                org_id=org.id,
                external_id=f"C{n:03d}",
                name=f"Customer {n} Ltd",
                currency="GBP",
                country="GB",
                timezone="Europe/London",
            )
            customer.address = f"{n} High Street\nManchester M1 1AA"
            customer.sales_owner = "owner@acme.example"
            customer.collector = "sam@acme.example"
            ledger.add_contact(
                session,
                org_id=org.id,
                customer_id=customer.id,
                name="Accounts Payable",
                email=f"ap{n}@customer.example",
            )
            ledger.create_invoice(
                session,
                org_id=org.id,
                customer_id=customer.id,
                number=f"INV-{n}",
                issue_date=date(2025, 11, 1),
                due_date=due,
                total=Decimal("1000.00"),
            )
        return org.id


def _first_run(engine: Engine, org_id: int, port: int, tmp_path: Path) -> list[str]:
    """The first run, dispatched; the customer-facing templates planned, by customer."""
    now = datetime.combine(FIRST_RUN, time(9), UTC)
    with transaction(engine, actor="test") as session:
        result = run_day(
            session, org_id=org_id, as_of=FIRST_RUN, now=now, policies=available_policies()
        )
    settings = Settings(
        smtp_url=f"smtp://127.0.0.1:{port}?from=credit@acme.example",
        letters_dir=str(tmp_path / "letters"),
    )
    report = dispatch(engine, LiveChannels(settings), clock=lambda: now)
    assert (report.failed, report.errors) == (0, [])
    return [
        f"{result.customers[a.customer_id][0]} {a.kind} {a.template}"
        for a in result.actions
        if a.kind in ("email", "letter", "sms") and not a.params.get("to_owner")
    ]


def _holds(engine: Engine) -> dict[str, list[tuple[str, str]]]:
    with transaction(engine, actor="test") as session:
        names = {i: e for i, e in session.execute(select(Customer.id, Customer.external_id)).all()}
        holds: dict[str, list[tuple[str, str]]] = {}
        for hold in session.scalars(select(CreditHold).where(CreditHold.status == "active")):
            holds.setdefault(names[hold.customer_id], []).append((hold.source, hold.reason))
        return holds


def test_gentle_first_run_sends_one_friendly_notice_each_and_claims_nothing(
    database_url: str, smtp_server: StartServer, tmp_path: Path
) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    org_id = _book(engine, "gentle")
    mailbox, port = smtp_server()

    planned = _first_run(engine, org_id, port, tmp_path)

    assert planned == [
        "C001 email due_notice",
        "C002 email due_notice",
        "C003 email due_notice",
    ]
    received = [mailbox.message(i) for i in range(len(mailbox.received))]
    to_customers = [m for m in received if m["To"].endswith("@customer.example")]
    assert sorted(m["To"] for m in to_customers) == [
        "ap1@customer.example",
        "ap2@customer.example",
        "ap3@customer.example",
    ]
    for message in to_customers:
        text = message.get_body(preferencelist=("plain",)).get_content()
        assert "now due for payment" in text
        assert "Despite our previous reminders" not in text
        assert "GB33 BUKB 2020 1555 5555 55" in text
    with transaction(engine, actor="test") as session:
        assert session.scalars(select(Charge)).all() == []
        assert session.scalars(select(StatutoryClaim)).all() == []
        started = session.scalars(select(DunningStep).where(DunningStep.step == GENTLE_START))
        assert sorted(len(s.invoice_ids or ()) for s in started) == [1, 1, 1]
    # Only the credit rule holds the account 120 days late (more than 60): one hold.
    assert _holds(engine) == {"C003": [("rule", "an invoice is 120 days past due (more than 60)")]}

    # The same day again: nothing new.
    sent = len(mailbox.received)
    assert _first_run(engine, org_id, port, tmp_path) == []
    assert len(mailbox.received) == sent
    engine.dispose()


def test_policy_first_run_applies_the_policy_with_one_hold_per_customer(
    database_url: str, smtp_server: StartServer, tmp_path: Path
) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    org_id = _book(engine, "policy")
    _mailbox, port = smtp_server()

    planned = _first_run(engine, org_id, port, tmp_path)

    # Today's behaviour: the due notice at 10 days, formal notices (email and letter)
    # at 48 and 120, each claiming compensation (£70 on £1,000.00) and holding credit.
    assert planned == [
        "C001 email due_notice",
        "C002 email formal_notice",
        "C002 letter formal_notice",
        "C003 email formal_notice",
        "C003 letter formal_notice",
    ]
    with transaction(engine, actor="test") as session:
        names = {i: e for i, e in session.execute(select(Customer.id, Customer.external_id)).all()}
        claims = session.scalars(select(StatutoryClaim)).all()
        assert sorted(names[c.customer_id] for c in claims) == ["C002", "C003"]
        compensation = session.scalars(select(Charge).where(Charge.kind == "compensation"))
        assert sorted((names[c.customer_id], c.amount) for c in compensation) == [
            ("C002", 7000),
            ("C003", 7000),
        ]
    # One hold each: the 120-day account's carries the credit rule's reason and the
    # policy's, and is the policy's (released when the account is cleared).
    holds = _holds(engine)
    assert sorted(holds) == ["C002", "C003"]
    assert [source for source, _ in holds["C002"]] == ["policy"]
    ((source, reason),) = holds["C003"]
    assert source == "policy"
    assert reason.startswith("credit rule: an invoice is 120 days past due (more than 60); ")
    assert "escalation policy: INV-3 is 120 days past due; step 'formal notice'" in reason
    with transaction(engine, actor="test") as session:
        organisation = session.get_one(Organisation, org_id)
        assert organisation.first_run == "policy"
    engine.dispose()


def test_gentle_claims_start_only_on_invoices_that_become_late_after_the_first_run(
    database_url: str, smtp_server: StartServer, tmp_path: Path
) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    org_id = _book(engine, "gentle")
    _, port = smtp_server()
    _first_run(engine, org_id, port, tmp_path)

    # INV-1 (due 6 April) was 10 days late on its first run (Thursday 16 April), so its
    # ladder started there as if it had fallen due on 15 April: the default policy claims
    # at 45 days, so on Saturday 30 May, with the formal notice -- not on Thursday 21 May
    # (45 days after its real due date, 35 days after its first friendly notice).
    # INV-2 and INV-3 were that late before their first run: never.
    for day, claimed in ((date(2026, 5, 21), 0), (date(2026, 5, 29), 0), (date(2026, 5, 30), 1)):
        now = datetime.combine(day, time(9), UTC)
        with transaction(engine, actor="test") as session:
            result = run_day(
                session, org_id=org_id, as_of=day, now=now, policies=available_policies()
            )
        assert result.charges_queued == claimed, day
    dispatch(engine, LiveChannels(Settings(smtp_url=f"smtp://127.0.0.1:{port}")), clock=lambda: now)
    with transaction(engine, actor="test") as session:
        names = {i: e for i, e in session.execute(select(Customer.id, Customer.external_id)).all()}
        claims = session.scalars(select(StatutoryClaim)).all()
        assert [(names[c.customer_id], c.claimed_on) for c in claims] == [("C001", day)]
        charged = session.scalars(select(Charge)).all()
        assert [(names[c.customer_id], c.kind, c.amount) for c in charged] == [
            ("C001", "compensation", 7000)
        ]
    engine.dispose()
