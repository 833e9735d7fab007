"""The daily planning through the database: outbox rows, steps, idempotent re-runs."""

from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import event, select, text
from sqlalchemy.orm import Session

from recoup.cases import disputes
from recoup.comms.models import OutboxMessage
from recoup.jobs.daily import run_day
from recoup.ledger import service as ledger
from recoup.ledger.models import Channel, Invoice
from recoup.policy import repository
from recoup.policy import service as policy_service
from recoup.policy.models import DunningCycle, DunningStep
from tests.factories import make_customer, make_invoice, make_org

POLICIES = policy_service.available_policies()


def run(session: Session, org_id: int, day: date) -> list[tuple[str, str, str, str]]:
    """Plan ``day``; the new outbox rows as (customer, kind, template, recipient)."""
    before = set(session.scalars(select(OutboxMessage.id)))
    run_day(
        session,
        org_id=org_id,
        as_of=day,
        now=datetime.combine(day, time(7), UTC),
        policies=POLICIES,
    )  # type: ignore[arg-type]
    rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    return [
        # Statutory charges are queued by the daily run, not by a step.
        (r.payload.get("step", "statutory"), r.kind, r.template, r.recipient)
        for r in rows
        if r.id not in before
    ]


def portfolio(session: Session) -> int:
    org = make_org(session, currency="GBP")
    alpha = make_customer(session, org=org, external_id="A", name="Alpha Ltd", currency="GBP")
    alpha.country, alpha.timezone, alpha.collector = "GB", "Europe/London", "sam@us.example"
    ledger.add_contact(
        session, org_id=org.id, customer_id=alpha.id, name="AP", email="ap@alpha.example"
    )
    make_invoice(session, customer=alpha, number="A-1", total="1000.00", due_date=date(2026, 3, 2))
    beta = make_customer(session, org=org, external_id="B", name="Beta GmbH", currency="EUR")
    beta.country, beta.timezone, beta.address = "DE", "Europe/Berlin", "Hauptstr. 1, Berlin"
    ledger.add_contact(
        session,
        org_id=org.id,
        customer_id=beta.id,
        name="Buchhaltung",
        email="buha@beta.example",
        opted_out=[Channel.EMAIL],
    )
    make_invoice(session, customer=beta, number="B-1", total="500.00", due_date=date(2026, 3, 2))
    session.flush()
    return org.id


def test_default_policy_through_the_database(session: Session) -> None:
    org_id = portfolio(session)
    assert run(session, org_id, date(2026, 2, 27)) == [
        ("pre-due reminder", "email", "pre_due_reminder", "ap@alpha.example"),
        (
            "pre-due reminder",
            "letter",
            "pre_due_reminder",
            "Hauptstr. 1, Berlin",
        ),  # email opted out
    ]
    assert run(session, org_id, date(2026, 3, 3)) == [
        ("due notice", "email", "due_notice", "ap@alpha.example"),
        ("due notice", "letter", "due_notice", "Hauptstr. 1, Berlin"),
    ]
    assert run(session, org_id, date(2026, 3, 3)) == []  # the same day again: nothing new
    assert run(session, org_id, date(2026, 4, 1)) == [
        ("courtesy call", "email", "courtesy_reminder", "ap@alpha.example"),
        ("courtesy call", "task", "call_script", "sam@us.example"),
        ("courtesy call", "letter", "courtesy_reminder", "Hauptstr. 1, Berlin"),
        ("courtesy call", "task", "call_script", ""),
    ]
    steps = session.scalars(select(DunningStep.step).order_by(DunningStep.id)).all()
    assert steps == ["pre-due reminder"] * 2 + ["due notice"] * 2 + ["courtesy call"] * 2
    assert len(session.scalars(select(DunningCycle)).all()) == 2


def test_a_dispute_takes_its_invoice_off_the_ladder(session: Session) -> None:
    org_id = portfolio(session)
    alpha = ledger.get_customer(session, org_id=org_id, external_id="A")
    (invoice,) = ledger.open_invoices(session, org_id=org_id, customer_id=alpha.id)
    disputes.open_dispute(
        session,
        org_id=org_id,
        customer_id=alpha.id,
        invoice_ids=[invoice.id],
        reason="quality",
        opened_on=date(2026, 3, 1),
    )
    assert run(session, org_id, date(2026, 3, 3)) == [
        ("due notice", "letter", "due_notice", "Hauptstr. 1, Berlin"),
    ]


def test_policy_assignment_narrowest_wins(session: Session) -> None:
    org_id = portfolio(session)
    alpha = ledger.get_customer(session, org_id=org_id, external_id="A")
    policy_service.assign_policy(session, org_id=org_id, policy="gentle", policies=POLICIES)
    policy_service.assign_policy(
        session, org_id=org_id, policy="strict", policies=POLICIES, customer_id=alpha.id
    )
    # strict reminds 5 days before the due date, gentle 7: on 25 February only Beta (gentle).
    assert [r[3] for r in run(session, org_id, date(2026, 2, 23))] == ["Hauptstr. 1, Berlin"]
    assert [r[3] for r in run(session, org_id, date(2026, 2, 25))] == ["ap@alpha.example"]


def test_an_invoice_policy_wins_over_its_customers(session: Session) -> None:
    org_id = portfolio(session)
    alpha = ledger.get_customer(session, org_id=org_id, external_id="A")
    invoice = session.scalars(select(Invoice).where(Invoice.number == "A-1")).one()
    policy_service.assign_policy(
        session, org_id=org_id, policy="strict", policies=POLICIES, customer_id=alpha.id
    )
    policy_service.assign_policy(
        session, org_id=org_id, policy="gentle", policies=POLICIES, invoice_id=invoice.id
    )
    # Gentle reminds 7 days before the due date (23 February), strict 5, the default 3.
    assert run(session, org_id, date(2026, 2, 23)) == [
        ("pre-due reminder", "email", "pre_due_reminder", "ap@alpha.example"),
    ]
    assert run(session, org_id, date(2026, 2, 25)) == []  # not strict's reminder as well


def test_an_account_cleared_and_due_again_the_same_day_opens_a_new_cycle(
    session: Session,
) -> None:
    org_id = portfolio(session)
    day = date(2026, 3, 3)
    assert len(run(session, org_id, day)) == 2  # the due notices
    for invoice in session.scalars(select(Invoice)):  # both paid by the afternoon
        invoice.open_amount, invoice.status = 0, "paid"
    session.flush()
    thanks = run(session, org_id, day)
    assert [(step, recipient) for step, _, _, recipient in thanks] == [
        ("thank you", "ap@alpha.example")  # Beta can't be emailed: no thank-you letter
    ]
    alpha = ledger.get_customer(session, org_id=org_id, external_id="A")
    make_invoice(session, customer=alpha, number="A-2", total="10.00", due_date=date(2026, 3, 2))
    session.flush()
    # A late import brings an overdue invoice: a new cycle under a key of its own (its due
    # notice waits for the frequency cap: the due notice and the thank-you went today).
    assert run(session, org_id, day) == []
    open_cycles = session.scalars(
        select(DunningCycle.key).where(DunningCycle.closed_on.is_(None))
    ).all()
    assert open_cycles == [f"c{alpha.id}:default:2026-03-03:2"]
    assert run(session, org_id, day) == []  # and again: nothing new


def test_an_invoice_joining_the_cycle_has_its_own_ladder_through_the_database(
    session: Session,
) -> None:
    """Alpha's A-1 (due 2 March) had its formal notice on 16 April; A-2, due Tuesday
    5 May, joins the open cycle: it gets its own due notice on Wed 6 May, its steps are
    stored with its id, and the hand-off of 15 July (A-1's notice + 90) takes A-1 only."""
    org_id = portfolio(session)
    alpha = ledger.get_customer(session, org_id=org_id, external_id="A")
    for day in (date(2026, 3, 3), date(2026, 4, 1), date(2026, 4, 16)):
        run(session, org_id, day)
    a2 = make_invoice(
        session, customer=alpha, number="A-2", total="200.00", due_date=date(2026, 5, 5)
    )
    a1 = session.scalars(select(Invoice).where(Invoice.number == "A-1")).one()
    assert run(session, org_id, date(2026, 5, 6))[:1] == [
        ("due notice", "email", "due_notice", "ap@alpha.example")
    ]
    steps = session.scalars(
        select(DunningStep)
        .where(DunningStep.customer_id == alpha.id, DunningStep.done_on == date(2026, 5, 6))
        .order_by(DunningStep.id)
    ).all()
    assert [(s.step, s.fired, s.invoice_ids) for s in steps] == [
        ("pre-due reminder", False, [a2.id]),  # no run between 16 April and 6 May
        ("due notice", True, [a2.id]),
    ]
    run(session, org_id, date(2026, 7, 15))
    handoff = session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.kind == "handoff", OutboxMessage.customer_id == alpha.id
        )
    ).one()
    assert handoff.payload["invoice_ids"] == [a1.id]


def test_the_frequency_caps_read_uses_the_index_of_messages_to_customers(
    session: Session,
) -> None:
    """The cap's read of what each customer of a partition was sent goes through the
    partial index of messages to customers (migrations ``policy_0004``, ``policy_0005``):
    its condition
    is the index's own, kinds written in the statement, so both databases' planners can
    tell the index holds every row it asks for (a condition with parameters would not).
    The planner is told to avoid reading the table whole, as it would for a few rows."""
    org = make_org(session)
    since = datetime(2026, 3, 1, tzinfo=UTC)
    statements: list[tuple[str, Any]] = []
    connection = session.connection()
    dialect = connection.dialect.name

    def capture(*args: Any) -> None:  # (connection, cursor, statement, parameters, ...)
        statements.append((args[2], args[3]))

    event.listen(connection, "before_cursor_execute", capture)
    try:
        assert repository.recent_messages(session, org.id, since, (1, 1000)) == []
    finally:
        event.remove(connection, "before_cursor_execute", capture)
    statement, parameters = statements[-1]
    assert "'email', 'letter', 'sms'" in statement  # written in, not parameters
    assert "!= 'cancelled'" in statement  # the index leaves cancelled messages out
    if dialect == "postgresql":
        session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = connection.exec_driver_sql("EXPLAIN " + statement, parameters).all()
    else:
        plan = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
    assert "ix_outbox_customer_messages" in " ".join(str(row) for row in plan)
