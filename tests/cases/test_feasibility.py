"""In-house or agency: a small portfolio worked by hand."""

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from recoup.cases import agency
from recoup.cases.feasibility import Costs, InvoiceHistory, OverdueAccount, compare
from tests.cases.helpers import pay
from tests.factories import make_customer, make_invoice, make_org

DUE = date(2026, 1, 1)
COSTS = Costs(
    staff_cost_per_hour=Decimal(30),
    hours_per_account=Decimal(2),
    tool_cost_per_account=Decimal(5),
    agency_contingency=Decimal("0.25"),
    agency_fee_per_account=Decimal(10),
    agency_uplift=Decimal("1.2"),
)


def _history() -> list[InvoiceHistory]:
    """12 invoices due 1 January that reached day 1 past due: 7 paid on 15 January,
    1 on 1 March, 1 on 1 May, 3 never; plus one paid on time (reaches no band).

    1-30 (first day 2 Jan): 12 reached, 9 paid → 0.75.
    31-90 (first day 1 Feb): the 5 still unpaid then, 2 paid → 0.40.
    90+ (first day 2 Apr): the 4 still unpaid then, 1 paid → 0.25.
    """
    return (
        [InvoiceHistory(DUE, date(2026, 1, 15))] * 7
        + [InvoiceHistory(DUE, date(2026, 3, 1)), InvoiceHistory(DUE, date(2026, 5, 1))]
        + [InvoiceHistory(DUE, None)] * 3
        + [InvoiceHistory(DUE, date(2025, 12, 20))]
    )


def test_hand_worked_portfolio() -> None:
    accounts = [
        OverdueAccount(1, 10, 100000),
        OverdueAccount(2, 20, 50000),
        OverdueAccount(3, 120, 200000),
    ]
    result = compare(
        accounts=accounts,
        history=_history(),
        as_of=date(2026, 6, 30),
        currency="EUR",
        exponent=2,
        costs=COSTS,
        edges=(30, 90),
        min_history=3,
    )
    young, middle, old = result.bands
    # 1-30: 2 accounts, 1,500.00. In-house 1,125.00 − 2 × (2 × 30 + 5) = 995.00.
    # Agency 1,500 × 0.9 = 1,350.00 − 25 % − 2 × 10 = 992.50. In-house wins.
    assert (young.band, young.accounts, young.value, young.recovery_rate) == (
        "1-30",
        2,
        Decimal("1500.00"),
        Decimal("0.7500"),
    )
    assert (young.in_house_recovery, young.in_house_cost, young.in_house_net) == (
        Decimal("1125.00"),
        Decimal("130.00"),
        Decimal("995.00"),
    )
    assert (young.agency_recovery, young.agency_cost, young.agency_net) == (
        Decimal("1350.00"),
        Decimal("357.50"),
        Decimal("992.50"),
    )
    assert young.recommendation == "in-house"
    assert (middle.accounts, middle.recovery_rate, middle.recommendation) == (
        0,
        Decimal("0.4000"),
        "nothing overdue",
    )
    # 90+: 2,000.00. In-house 500.00 − 65.00 = 435.00; agency 600.00 − 150.00 − 10 = 440.00.
    assert (old.in_house_net, old.agency_net, old.recommendation) == (
        Decimal("435.00"),
        Decimal("440.00"),
        "agency",
    )
    assert (old.history_reached, old.history_paid) == (4, 1)
    assert result.best_net == Decimal("1435.00")


def test_too_little_history_gives_no_recommendation() -> None:
    result = compare(
        accounts=[OverdueAccount(1, 10, 100000)],
        history=_history()[:2],
        as_of=date(2026, 6, 30),
        currency="EUR",
        exponent=2,
        costs=COSTS,
        edges=(30,),
        min_history=5,
    )
    assert result.bands[0].recommendation == "no history"


def test_report_from_the_ledger(session: Session) -> None:
    """Two customers: C1's INV-1 was paid 40 days late, INV-2 is 45 days overdue;
    C2's INV-3 is 100 days overdue. Edges 30, 90."""
    org = make_org(session)
    c1 = make_customer(session, org=org, external_id="C1")
    c2 = make_customer(session, org=org, external_id="C2")
    as_of = date(2026, 6, 30)
    inv1 = make_invoice(
        session, customer=c1, number="INV-1", total="100.00", due_date=date(2026, 2, 1)
    )
    pay(session, invoice=inv1, amount="100.00", on=date(2026, 3, 13), external_id="P1")
    make_invoice(
        session,
        customer=c1,
        number="INV-2",
        total="80.00",
        issue_date=date(2026, 4, 1),
        due_date=as_of - timedelta(days=45),
    )
    make_invoice(
        session, customer=c2, number="INV-3", total="50.00", due_date=as_of - timedelta(days=100)
    )
    report = agency.feasibility_report(
        session,
        org_id=org.id,
        as_of=as_of,
        currency="EUR",
        costs=COSTS,
        edges=(30, 90),
        min_history=1,
    )
    assert [(b.band, b.accounts, b.value) for b in report.bands] == [
        ("1-30", 0, Decimal("0.00")),
        ("31-90", 1, Decimal("80.00")),
        ("90+", 1, Decimal("50.00")),
    ]
    # 1-30: INV-1, INV-2, INV-3 all reached day 1; INV-1 was paid → 1/3.
    # 31-90: all three reached day 31 unpaid (INV-1 paid on day 40) → 1/3.
    # 90+: INV-1 was paid before day 91, INV-2 has not reached it: INV-3 only, unpaid → 0.
    assert [b.recovery_rate for b in report.bands] == [
        Decimal("0.3333"),
        Decimal("0.3333"),
        Decimal("0.0000"),
    ]
