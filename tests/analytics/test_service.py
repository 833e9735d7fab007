"""KPIs of a small hand-worked book for November 2026, snapshots and their backfill.

The book (amounts in major units):

EUR, customer C1 (collector ann, tag retail, DE):
  I1 issued 10-01 due 10-31 1,000.00; 600.00 paid 11-10 (10 days late), 400 open
  I2 issued 11-05 due 12-05 2,000.00; open, not yet due on 11-30
EUR, customer C2 (collector bob, FR):
  I3 issued 11-10 due 11-20 500.00; paid 11-25 (5 days late)
  I4 issued 10-15 due 11-14 300.00; credit note 100.00 applied 11-16, 200 open
GBP, customer C3: G1 issued 11-01 due 12-01 800.00; open

On 10-31 EUR AR is 1,300 (I1, I4); on 11-30 2,600 (400 + 2,000 + 200), 2,000 current.
November's EUR sales: 2,500 (I2, I3); October's: 1,300 (I1, I4).
"""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from recoup.analytics import service
from recoup.analytics.core import Kpi
from recoup.analytics.service import By
from recoup.cases import disputes
from recoup.errors import InvalidInput
from recoup.jobs.daily import run_day
from recoup.ledger import service as ledger
from recoup.ledger.models import Organisation
from recoup.policy.service import available_policies
from tests.factories import make_credit_note, make_invoice, make_org, make_payment

NOV = (date(2026, 11, 1), date(2026, 11, 30))


def _book(session: Session) -> Organisation:
    org = make_org(session)
    c1 = ledger.create_customer(
        session,
        org_id=org.id,
        external_id="C1",
        name="Alpha GmbH",
        currency="EUR",
        country="DE",
        tags=["retail"],
        collector="ann",
    )
    c2 = ledger.create_customer(
        session,
        org_id=org.id,
        external_id="C2",
        name="Beta SARL",
        currency="EUR",
        country="FR",
        collector="bob",
    )
    c3 = ledger.create_customer(
        session, org_id=org.id, external_id="C3", name="Gamma Ltd", currency="GBP"
    )
    i1 = make_invoice(
        session,
        customer=c1,
        number="I1",
        total="1000.00",
        issue_date=date(2026, 10, 1),
        due_date=date(2026, 10, 31),
    )
    make_invoice(
        session,
        customer=c1,
        number="I2",
        total="2000.00",
        issue_date=date(2026, 11, 5),
        due_date=date(2026, 12, 5),
    )
    i3 = make_invoice(
        session,
        customer=c2,
        number="I3",
        total="500.00",
        issue_date=date(2026, 11, 10),
        due_date=date(2026, 11, 20),
    )
    i4 = make_invoice(
        session,
        customer=c2,
        number="I4",
        total="300.00",
        issue_date=date(2026, 10, 15),
        due_date=date(2026, 11, 14),
    )
    make_invoice(
        session,
        customer=c3,
        number="G1",
        total="800.00",
        issue_date=date(2026, 11, 1),
        due_date=date(2026, 12, 1),
    )
    p1 = make_payment(
        session, customer=c1, amount="600.00", external_id="P1", received_on=date(2026, 11, 10)
    )
    ledger.allocate(
        session,
        org_id=org.id,
        invoice_id=i1.id,
        amount=Decimal(600),
        on=date(2026, 11, 10),
        payment_id=p1.id,
    )
    p2 = make_payment(
        session, customer=c2, amount="500.00", external_id="P2", received_on=date(2026, 11, 25)
    )
    ledger.allocate(
        session,
        org_id=org.id,
        invoice_id=i3.id,
        amount=Decimal(500),
        on=date(2026, 11, 25),
        payment_id=p2.id,
    )
    note = make_credit_note(
        session, customer=c2, number="CN1", total="100.00", issue_date=date(2026, 11, 16)
    )
    ledger.allocate(
        session,
        org_id=org.id,
        invoice_id=i4.id,
        amount=Decimal(100),
        on=date(2026, 11, 16),
        credit_note_id=note.id,
    )
    disputes.open_dispute(
        session,
        org_id=org.id,
        customer_id=c2.id,
        invoice_ids=[i4.id],
        reason="pricing",
        opened_on=date(2026, 11, 15),
    )
    return org


def test_kpis_of_november_per_currency(session: Session) -> None:
    org = _book(session)
    rows = service.kpi_rows(session, org_id=org.id, start=NOV[0], end=NOV[1])
    assert [(r.currency, r.group) for r in rows] == [("EUR", ""), ("GBP", "")]
    eur, gbp = rows
    f = eur.figures
    assert (f.beginning_ar, f.ending_ar, f.ending_current_ar) == (130_000, 260_000, 200_000)
    assert (f.ending_open_count, f.ending_overdue_count) == (3, 2)
    assert (f.credit_sales, f.invoices_issued, f.collected) == (250_000, 2, 110_000)
    # Owed on 11-01 on invoices due by 11-30: I1 1,000 + I3 500 + I4 300 less its credit
    # note 100; paid in November: I1 600 + I3 500.
    assert (f.due, f.collected_of_due) == (170_000, 110_000)
    v = eur.values
    assert v[Kpi.DSO] == Decimal("31.2")  # 2,600 / 2,500 × 30
    assert v[Kpi.BEST_DSO] == Decimal(24)  # 2,000 / 2,500 × 30
    assert v[Kpi.ADD] == Decimal("7.2")
    assert v[Kpi.COUNTBACK_DSO] == Decimal("32.38")  # 30 + 100 / 1,300 × 31
    assert v[Kpi.CEI] == Decimal("66.67")  # 1,200 / 1,800
    assert v[Kpi.OVERDUE_PERCENT] == Decimal("23.08")  # 600 / 2,600
    assert v[Kpi.OVERDUE_COUNT_PERCENT] == Decimal("66.67")  # 2 of 3
    assert v[Kpi.COLLECTED_PERCENT] == Decimal("64.71")  # 1,100 of 1,700
    assert v[Kpi.DAYS_LATE] == Decimal("7.73")  # (600 × 10 + 500 × 5) / 1,100
    assert v[Kpi.DAYS_TO_PAY] == Decimal("28.64")  # (600 × 40 + 500 × 15) / 1,100
    assert v[Kpi.DISPUTE_RATE] == Decimal(50)  # 1 dispute, 2 invoices issued
    assert v[Kpi.PROMISE_KEPT_PERCENT] is None
    assert gbp.figures.ending_ar == 80_000
    assert gbp.values[Kpi.DSO] == Decimal(30)
    assert gbp.values[Kpi.CEI] is None  # nothing was collectible: 0 / 0


def test_collected_of_due_counts_overdue_invoices_paid_in_the_period(
    session: Session,
) -> None:
    """The trial's finding: EUR 7,610.00 collected in November on an invoice due in
    October read as "collected of due 0.00 %" (only invoices falling due in November
    counted). Worked by hand: owed on 11-01 on invoices due by 11-30 is 7,610 (A, due
    10-15) + 2,390 (B, due 11-20) = 10,000; paid in November 7,610: 76.10 %. C falls due
    in December and D was paid before November: neither counts."""
    org = make_org(session)
    customer = ledger.create_customer(
        session, org_id=org.id, external_id="K1", name="Kappa GmbH", currency="EUR"
    )
    invoices = {
        number: make_invoice(
            session,
            customer=customer,
            number=number,
            total=total,
            issue_date=issued,
            due_date=due,
        )
        for number, total, issued, due in (
            ("A", "7610.00", date(2026, 9, 15), date(2026, 10, 15)),
            ("B", "2390.00", date(2026, 10, 21), date(2026, 11, 20)),
            ("C", "5000.00", date(2026, 11, 10), date(2026, 12, 10)),
            ("D", "1000.00", date(2026, 9, 1), date(2026, 10, 1)),
        )
    }
    for number, amount, day in (
        ("A", "7610.00", date(2026, 11, 12)),
        ("D", "1000.00", date(2026, 10, 2)),
    ):
        payment = make_payment(
            session, customer=customer, amount=amount, external_id=f"P{number}", received_on=day
        )
        ledger.allocate(
            session,
            org_id=org.id,
            invoice_id=invoices[number].id,
            amount=Decimal(amount),
            on=day,
            payment_id=payment.id,
        )
    (row,) = service.kpi_rows(session, org_id=org.id, start=NOV[0], end=NOV[1])
    assert (row.figures.due, row.figures.collected_of_due) == (1_000_000, 761_000)
    assert row.values[Kpi.COLLECTED_PERCENT] == Decimal("76.10")
    # October: A and D were due (8,610 owed on 10-01), D's 1,000 paid: 11.61 %.
    (october,) = service.kpi_rows(
        session, org_id=org.id, start=date(2026, 10, 1), end=date(2026, 10, 31)
    )
    assert october.values[Kpi.COLLECTED_PERCENT] == Decimal("11.61")


def test_kpis_by_collector_segment_and_country(session: Session) -> None:
    org = _book(session)
    by_collector = {
        (r.currency, r.group): r
        for r in service.kpi_rows(session, org_id=org.id, start=NOV[0], end=NOV[1], by=By.COLLECTOR)
    }
    assert set(by_collector) == {("EUR", "ann"), ("EUR", "bob"), ("GBP", "")}
    assert by_collector[("EUR", "ann")].figures.ending_ar == 240_000
    assert by_collector[("EUR", "ann")].values[Kpi.DSO] == Decimal(36)  # 2,400 / 2,000 × 30
    assert by_collector[("EUR", "bob")].values[Kpi.DSO] == Decimal(12)  # 200 / 500 × 30
    assert by_collector[("EUR", "bob")].values[Kpi.DISPUTE_RATE] == Decimal(100)
    by_segment = service.kpi_rows(session, org_id=org.id, start=NOV[0], end=NOV[1], by=By.SEGMENT)
    assert [(r.currency, r.group, r.figures.ending_ar) for r in by_segment] == [
        ("EUR", "(no tag)", 20_000),
        ("EUR", "retail", 240_000),
        ("GBP", "(no tag)", 80_000),
    ]
    by_country = service.kpi_rows(session, org_id=org.id, start=NOV[0], end=NOV[1], by=By.COUNTRY)
    assert [(r.currency, r.group) for r in by_country] == [
        ("EUR", "DE"),
        ("EUR", "FR"),
        ("GBP", ""),
    ]


def test_a_period_before_any_sales(session: Session) -> None:
    org = _book(session)
    rows = service.kpi_rows(session, org_id=org.id, start=date(2026, 9, 1), end=date(2026, 9, 30))
    assert rows == []


def test_backfilled_snapshots_give_the_ledgers_figures(session: Session) -> None:
    org = _book(session)
    days = service.backfill(session, org_id=org.id, start=date(2026, 9, 1), end=NOV[1])
    assert days == 91
    for kpi in sorted(service.SNAPSHOT_KPIS):
        from_snapshots = {
            (p.currency, p.month): p.value
            for p in service.trend(session, org_id=org.id, kpi=kpi, end=NOV[1], months=2)
        }
        for first, last in [(date(2026, 10, 1), date(2026, 10, 31)), NOV]:
            for row in service.kpi_rows(session, org_id=org.id, start=first, end=last):
                assert from_snapshots[(row.currency, f"{first:%Y-%m}")] == row.values[kpi], kpi
    points = service.trend(session, org_id=org.id, kpi=Kpi.DSO, end=NOV[1], months=2)
    assert [(p.currency, p.month, p.value, p.complete) for p in points] == [
        ("EUR", "2026-10", Decimal("31"), True),  # 1,300 / 1,300 × 31
        ("EUR", "2026-11", Decimal("31.2"), True),
        ("GBP", "2026-10", None, True),
        ("GBP", "2026-11", Decimal(30), True),
    ]


def test_a_snapshot_replaces_that_days_rows(session: Session) -> None:
    org = _book(session)
    first = service.take_snapshot(session, org_id=org.id, as_of=NOV[1])
    again = service.take_snapshot(session, org_id=org.id, as_of=NOV[1])
    assert first == again
    # ann: 1-30 and current; bob: 1-30 and the day's flows (none); GBP current.
    stored = service.month_figures_from_snapshots(session, org_id=org.id, end=NOV[1], months=1)
    assert stored["EUR"][0][1].ending_ar == 260_000
    assert stored["EUR"][0][2] is False  # the other days of November are missing


def test_goals_against_actuals(session: Session) -> None:
    org = _book(session)
    service.set_goal(session, org_id=org.id, kpi="dso", target=Decimal(30))
    service.set_goal(session, org_id=org.id, kpi="cei", target=Decimal(60), currency="eur")
    service.set_goal(session, org_id=org.id, kpi="dso", target=Decimal(45))  # replaces
    statuses = service.goal_statuses(session, org_id=org.id, start=NOV[0], end=NOV[1])
    assert [(s.kpi, s.currency, s.target, s.actual, s.met) for s in statuses] == [
        (Kpi.CEI, "EUR", Decimal(60), Decimal("66.67"), True),
        (Kpi.DSO, "EUR", Decimal(45), Decimal("31.2"), True),
        (Kpi.DSO, "GBP", Decimal(45), Decimal(30), True),
    ]
    with pytest.raises(InvalidInput, match="unknown KPI"):
        service.set_goal(session, org_id=org.id, kpi="speed", target=Decimal(1))


def test_the_daily_run_stores_yesterdays_closing_snapshot(session: Session) -> None:
    org = _book(session)
    run_day(
        session,
        org_id=org.id,
        as_of=date(2026, 12, 1),
        now=datetime(2026, 12, 1, 6, tzinfo=UTC),
        policies=available_policies(),
    )
    stored = service.month_figures_from_snapshots(session, org_id=org.id, end=NOV[1], months=1)
    november = stored["EUR"][0][1]
    assert (november.ending_ar, november.ending_current_ar) == (260_000, 200_000)
