"""Collector performance (``service.collector_rows``) over a hand-worked November 2026.

The book (amounts in major units; contacts are UTC days):

ann's customers
  A1 (EUR): A1-1 issued 10-01 due 10-31 1,000.00; email sent 11-03; 400.00 allocated
      11-10 (contact 7 days before: after contact); 600.00 open on 11-30.
  A2 (EUR): A2-1 issued 10-05 due 11-04 500.00; 500.00 allocated 11-08. Its only
      "contacts" do not count: an email still pending (planned 11-05, never sent) and a
      note without an author (11-05). Nothing open on 11-30: not an account.
  A3 (EUR): A3-1 issued 11-02 due 12-02 300.00; open (not yet due) on 11-30.
  G1 (GBP): G1-1 issued 11-01 due 12-01 500.00; open on 11-30.
bob's customers
  B1 (EUR): B1-1 issued 10-10 due 11-09 800.00; call logged by bob 10-20; 800.00
      allocated 11-15 (11-15 − 30 days = 10-16 ≤ 10-20: after contact). Nothing open.
  B2 (EUR): B2-1 issued 10-01 due 10-31 1,200.00; emails sent 10-12 (31 days before the
      payment: too early) and 11-12 (the payment's own day: does not count); 200.00
      allocated 11-12; 1,000.00 open on 11-30.

Accounts on 11-30: ann EUR 2 (A1 600 + A3 300 = 900.00), ann GBP 1 (500.00), bob EUR 1
(1,000.00).
Collected: ann EUR 400 + 500 = 900.00, after contact 400.00 (44.44 %); bob EUR 800 + 200
= 1,000.00, after contact 800.00 (80.00 %).

Promises made in November: ann — A1 made 11-03 kept, A3 made 11-05 broken, A1 made
11-25 pending: 3 made, 1 kept of 2 closed (50.00 %); bob — B2 made 11-12 kept: 1 made,
1 of 1 (100.00 %).

Disputes resolved in November: ann — A3 opened 11-01 resolved 11-11 (10 days, within
the 14-day SLA); bob — B2 opened 10-25 resolved 11-14 (20 days, outside). ann 1 of 1
(100.00 %), bob 0 of 1 (0.00 %).

Tasks completed in November: ann — A1 due 11-10 done 11-08 (early), A3 due 11-12 done
11-15 (late), A1 without a due date done 11-20: 3 done, 1 on time of 2 with a due date
(50.00 %). bob — B1 due 11-05 done 11-05 (on the day: on time), B2 due 11-01 done 11-03
by "system" (late; and not a contact of B2), and B1 done 10-31 (October: not counted):
2 done, 1 of 2 (50.00 %).

DSO and CEI of the portfolios (``kpi_rows(by=collector)``, November has 30 days):
  ann EUR: beginning AR (10-31) A1 1,000 + A2 500 = 1,500; sales A3-1 300; ending AR
      900, of it current 300 (A3-1). DSO = 900 / 300 × 30 = 90.00;
      CEI = (1,500 + 300 − 900) / (1,500 + 300 − 300) = 900 / 1,500 = 60.00.
  bob EUR: beginning AR B1 800 + B2 1,200 = 2,000; no sales: DSO none;
      CEI = (2,000 + 0 − 1,000) / (2,000 + 0 − 0) = 50.00.
  ann GBP: beginning 0, sales 500, ending 500 all current: DSO = 500 / 500 × 30 =
      30.00; CEI = 0 / 0: none.
"""

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from recoup.analytics import service
from recoup.analytics.core import Kpi
from recoup.analytics.service import By
from recoup.cases import disputes, notes, promises, tasks
from recoup.cases.models import PromiseStatus
from recoup.comms.models import OutboxKind, OutboxMessage, OutboxStatus
from recoup.ledger import service as ledger
from recoup.ledger.models import Customer, Invoice, Organisation
from tests.factories import make_invoice, make_org, make_payment

NOV = (date(2026, 11, 1), date(2026, 11, 30))


def _at(month: int, day: int) -> datetime:
    return datetime(2026, month, day, 10, tzinfo=UTC)


def _customer(
    session: Session, org: Organisation, external_id: str, collector: str, currency: str = "EUR"
) -> Customer:
    return ledger.create_customer(
        session,
        org_id=org.id,
        external_id=external_id,
        name=f"Customer {external_id}",
        currency=currency,
        collector=collector,
    )


def _invoice(session: Session, customer: Customer, total: str, issued: date, due: date) -> Invoice:
    return make_invoice(
        session,
        customer=customer,
        number=f"{customer.external_id}-1",
        total=total,
        issue_date=issued,
        due_date=due,
    )


def _pay(session: Session, invoice: Invoice, amount: str, on: date) -> None:
    customer = ledger.customer_by_id(
        session, org_id=invoice.org_id, customer_id=invoice.customer_id
    )
    payment = make_payment(
        session,
        customer=customer,
        amount=amount,
        currency=invoice.currency,
        external_id=f"P-{invoice.number}",
        received_on=on,
    )
    ledger.allocate(
        session,
        org_id=invoice.org_id,
        invoice_id=invoice.id,
        amount=Decimal(amount),
        on=on,
        payment_id=payment.id,
    )


def _message(
    session: Session, customer: Customer, sent: datetime, status: str = OutboxStatus.SENT
) -> None:
    session.add(
        OutboxMessage(
            org_id=customer.org_id,
            key=f"policy:{customer.external_id}:{sent:%m-%d}",
            customer_id=customer.id,
            kind=OutboxKind.EMAIL,
            template="courtesy_reminder",
            recipient="ap@customer.example",
            status=status,
            next_attempt_at=sent,
            sent_at=sent if status == OutboxStatus.SENT else None,
        )
    )
    session.flush()


def _promise(
    session: Session, invoice: Invoice, made: date, promised: date, status: PromiseStatus
) -> None:
    promise = promises.add_promise(
        session,
        org_id=invoice.org_id,
        customer_id=invoice.customer_id,
        items=[(invoice.id, Decimal(100))],
        made_on=made,
        promised_on=promised,
    )
    if status is not PromiseStatus.PENDING:  # as the daily run judges it after the grace days
        promise.status = status
        promise.closed_on = promised
        session.flush()


def _dispute(session: Session, invoice: Invoice, opened: date, resolved: date) -> None:
    dispute = disputes.open_dispute(
        session,
        org_id=invoice.org_id,
        customer_id=invoice.customer_id,
        invoice_ids=[invoice.id],
        reason="pricing",
        opened_on=opened,
    )
    disputes.resolve_dispute(
        session, org_id=invoice.org_id, dispute_id=dispute.id, outcome="invalid", on=resolved
    )


def _task(session: Session, customer: Customer, due: date | None, done: datetime, by: str) -> None:
    task = tasks.create_task(
        session, org_id=customer.org_id, customer_id=customer.id, title="Call", due_on=due
    )
    tasks.complete_task(session, org_id=customer.org_id, task_id=task.id, by=by, at=done)


def _book(session: Session) -> Organisation:
    org = make_org(session)
    a1, a2, a3 = (_customer(session, org, f"A{i}", "ann") for i in (1, 2, 3))
    g1 = _customer(session, org, "G1", "ann", currency="GBP")
    b1, b2 = (_customer(session, org, f"B{i}", "bob") for i in (1, 2))
    a1_1 = _invoice(session, a1, "1000.00", date(2026, 10, 1), date(2026, 10, 31))
    a2_1 = _invoice(session, a2, "500.00", date(2026, 10, 5), date(2026, 11, 4))
    a3_1 = _invoice(session, a3, "300.00", date(2026, 11, 2), date(2026, 12, 2))
    _invoice(session, g1, "500.00", date(2026, 11, 1), date(2026, 12, 1))
    b1_1 = _invoice(session, b1, "800.00", date(2026, 10, 10), date(2026, 11, 9))
    b2_1 = _invoice(session, b2, "1200.00", date(2026, 10, 1), date(2026, 10, 31))

    _message(session, a1, _at(11, 3))
    _message(session, a2, _at(11, 5), status=OutboxStatus.PENDING)
    note = notes.add_note(session, org_id=org.id, customer_id=a2.id, text="rang, no one there")
    note.created_at = _at(11, 5)
    notes.log_call(
        session, org_id=org.id, customer_id=b1.id, outcome="reached", author="bob", at=_at(10, 20)
    )
    _message(session, b2, _at(10, 12))
    _message(session, b2, _at(11, 12))

    _dispute(session, a3_1, date(2026, 11, 1), date(2026, 11, 11))
    _dispute(session, b2_1, date(2026, 10, 25), date(2026, 11, 14))
    _promise(session, a1_1, date(2026, 11, 3), date(2026, 11, 10), PromiseStatus.KEPT)
    _promise(session, a3_1, date(2026, 11, 5), date(2026, 11, 20), PromiseStatus.BROKEN)
    _promise(session, a1_1, date(2026, 11, 25), date(2026, 12, 5), PromiseStatus.PENDING)
    _promise(session, b2_1, date(2026, 11, 12), date(2026, 11, 20), PromiseStatus.KEPT)

    _pay(session, a1_1, "400.00", date(2026, 11, 10))
    _pay(session, a2_1, "500.00", date(2026, 11, 8))
    _pay(session, b1_1, "800.00", date(2026, 11, 15))
    _pay(session, b2_1, "200.00", date(2026, 11, 12))

    _task(session, a1, date(2026, 11, 10), _at(11, 8), "ann")
    _task(session, a3, date(2026, 11, 12), _at(11, 15), "ann")
    _task(session, a1, None, _at(11, 20), "ann")
    _task(session, b1, date(2026, 11, 5), _at(11, 5), "bob")
    _task(session, b2, date(2026, 11, 1), _at(11, 3), "system")
    _task(session, b1, date(2026, 10, 30), datetime(2026, 10, 31, 23, tzinfo=UTC), "bob")
    tasks.create_task(session, org_id=org.id, customer_id=b1.id, title="Still open")
    session.flush()
    return org


def test_collector_performance_of_november(session: Session) -> None:
    org = _book(session)
    rows = service.collector_rows(session, org_id=org.id, start=NOV[0], end=NOV[1])
    found = {
        (r.currency, r.collector): (
            r.figures.accounts,
            r.figures.open_amount,
            r.figures.collected,
            r.figures.collected_after_contact,
            r.rates.collected_after_contact_percent,
            (r.rates.promises_made, r.rates.promises_kept, r.rates.promises_closed),
            r.rates.promise_kept_percent,
            (r.rates.disputes_resolved, r.rates.disputes_within_sla),
            r.rates.disputes_within_sla_percent,
            (r.figures.tasks_done, r.figures.tasks_due, r.figures.tasks_on_time),
            r.rates.tasks_on_time_percent,
            r.values[Kpi.DSO],
            r.values[Kpi.CEI],
        )
        for r in rows
    }
    assert found == {
        ("EUR", "ann"): (
            2,
            90_000,
            90_000,
            40_000,
            Decimal("44.44"),
            (3, 1, 2),
            Decimal("50.00"),
            (1, 1),
            Decimal("100.00"),
            (3, 2, 1),
            Decimal("50.00"),
            Decimal("90.00"),
            Decimal("60.00"),
        ),
        ("EUR", "bob"): (
            1,
            100_000,
            100_000,
            80_000,
            Decimal("80.00"),
            (1, 1, 1),
            Decimal("100.00"),
            (1, 0),
            Decimal("0.00"),
            (2, 2, 1),
            Decimal("50.00"),
            None,
            Decimal("50.00"),
        ),
        ("GBP", "ann"): (
            1,
            50_000,
            0,
            0,
            None,
            (0, 0, 0),
            None,
            (0, 0),
            None,
            (0, 0, 0),
            None,
            Decimal("30.00"),
            None,
        ),
    }
    assert [(r.currency, r.collector) for r in rows] == sorted(found)


def test_the_portfolio_kpis_are_those_of_kpis_by_collector(session: Session) -> None:
    org = _book(session)
    rows = service.collector_rows(session, org_id=org.id, start=NOV[0], end=NOV[1])
    kpis = service.kpi_rows(session, org_id=org.id, start=NOV[0], end=NOV[1], by=By.COLLECTOR)
    assert {(r.currency, r.collector): r.values for r in rows} == {
        (k.currency, k.group): k.values for k in kpis
    }
    assert {(r.currency, r.collector): r.figures.collected for r in rows} == {
        (k.currency, k.group): k.figures.collected for k in kpis
    }


def test_a_period_without_activity(session: Session) -> None:
    """Nothing at all: no rows. A customer with an invoice open since before the
    period and nothing else: an account, no collections, no rates (no denominators)."""
    org = make_org(session)
    assert service.collector_rows(session, org_id=org.id, start=NOV[0], end=NOV[1]) == []
    idle = _customer(session, org, "I1", "cid")
    _invoice(session, idle, "250.00", date(2026, 9, 1), date(2026, 10, 1))
    [row] = service.collector_rows(session, org_id=org.id, start=NOV[0], end=NOV[1])
    assert (row.currency, row.collector) == ("EUR", "cid")
    assert (row.figures.accounts, row.figures.open_amount) == (1, 25_000)
    assert (row.figures.collected, row.figures.collected_after_contact) == (0, 0)
    assert (row.figures.tasks_done, row.rates.promises_made, row.rates.disputes_resolved) == (
        0,
        0,
        0,
    )
    assert row.rates.collected_after_contact_percent is None
    assert row.rates.promise_kept_percent is None
    assert row.rates.disputes_within_sla_percent is None
    assert row.rates.tasks_on_time_percent is None
    # Open all period without sales: no DSO; nothing collected of 250 collectible: CEI 0.
    assert (row.values[Kpi.DSO], row.values[Kpi.CEI]) == (None, Decimal("0.00"))
