"""The aging report on hand-computed examples, boundaries included.

As of 2026-06-30 the due dates below are 0, 1, 30, 31, 90 and 91 days past due
(June has 30 days, May 31: 2026-05-31 is 30 days back, 2026-04-01 is 90).
"""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from recoup.errors import InvalidInput
from recoup.ledger import core
from recoup.ledger import service as ledger
from recoup.ledger.core import AgingBasis
from recoup.ledger.models import Customer, Organisation
from tests.factories import make_credit_note, make_customer, make_invoice, make_org, make_payment

AS_OF = date(2026, 6, 30)
# due date -> total
BOUNDARY_INVOICES = {
    date(2026, 7, 15): "50.00",  # not yet due: current
    date(2026, 6, 30): "100.00",  # due today, 0 days: current
    date(2026, 6, 29): "200.00",  # 1 day: 1-30
    date(2026, 5, 31): "300.00",  # 30 days: 1-30
    date(2026, 5, 30): "400.00",  # 31 days: 31-60
    date(2026, 4, 1): "500.00",  # 90 days: 61-90
    date(2026, 3, 31): "600.00",  # 91 days: 90+
}


def portfolio(session: Session) -> tuple[Organisation, Customer]:
    org = make_org(session)
    customer = make_customer(session, org=org, external_id="C1", name="Alpha GmbH")
    for i, (due, total) in enumerate(BOUNDARY_INVOICES.items()):
        make_invoice(
            session,
            customer=customer,
            number=f"A-{i}",
            total=total,
            issue_date=date(2026, 1, 1),
            due_date=due,
        )
    return org, customer


def amounts(line: core.AgingLine, labels: tuple[str, ...]) -> dict[str, str]:
    values = dict(zip(labels, line.buckets, strict=True)) | {"total": line.total}
    return {k: str(Decimal(v).scaleb(-2)) for k, v in values.items()}


def test_buckets_at_their_boundaries(session: Session) -> None:
    org, _ = portfolio(session)
    report = ledger.aging_report(session, org_id=org.id, as_of=AS_OF)
    (line,) = report.lines
    assert (line.customer, line.customer_name, line.currency) == ("C1", "Alpha GmbH", "EUR")
    assert amounts(line, report.labels) == {
        "current": "150.00",
        "1-30": "500.00",
        "31-60": "400.00",
        "61-90": "500.00",
        "90+": "600.00",
        "total": "2150.00",
    }


def test_partial_payments_age_only_what_is_open(session: Session) -> None:
    org, customer = portfolio(session)
    oldest = ledger.open_invoices(session, org_id=org.id, customer_id=customer.id)[0]
    payment = make_payment(session, customer=customer, amount="50.00")
    ledger.allocate(
        session,
        org_id=org.id,
        invoice_id=oldest.id,
        payment_id=payment.id,
        amount=Decimal("50.00"),
        on=AS_OF,
    )
    report = ledger.aging_report(session, org_id=org.id, as_of=AS_OF)
    assert amounts(report.lines[0], report.labels)["90+"] == "550.00"
    assert amounts(report.lines[0], report.labels)["total"] == "2100.00"


def test_currencies_are_never_mixed(session: Session) -> None:
    org, _ = portfolio(session)
    british = make_customer(session, org=org, external_id="C2", name="Beta Ltd", currency="GBP")
    make_invoice(session, customer=british, number="B-1", total="70.00", due_date=date(2026, 6, 1))
    make_invoice(
        session,
        customer=british,
        number="B-2",
        total="30.00",
        due_date=date(2026, 6, 1),
        currency="EUR",
    )
    report = ledger.aging_report(session, org_id=org.id, as_of=AS_OF)
    by_key = {(line.customer, line.currency): line for line in report.lines}
    assert set(by_key) == {("C1", "EUR"), ("C2", "EUR"), ("C2", "GBP")}
    assert by_key[("C2", "GBP")].buckets == (0, 7000, 0, 0, 0)
    totals = {line.currency: line.total for line in report.totals}
    assert totals == {"EUR": 218000, "GBP": 7000}


def test_unapplied_payments_and_credits_are_shown_not_netted(session: Session) -> None:
    org, customer = portfolio(session)
    make_payment(session, customer=customer, amount="25.00")
    make_credit_note(session, customer=customer, total="10.00")
    unknown_payer = make_payment(session, customer=None, org=org, amount="5.00", external_id="P2")
    report = ledger.aging_report(session, org_id=org.id, as_of=AS_OF)
    alpha = next(line for line in report.lines if line.customer == "C1")
    assert alpha.total == 215000
    assert (alpha.unapplied_payments, alpha.open_credits) == (2500, 1000)
    stranger = next(line for line in report.lines if line.customer == "")
    assert stranger.customer_name == "(unidentified payer)"
    assert stranger.unapplied_payments == unknown_payer.amount == 500
    assert report.totals[0].unapplied_payments == 3000


def test_paid_and_void_invoices_are_not_aged(session: Session) -> None:
    org, customer = portfolio(session)
    paid = make_invoice(session, customer=customer, number="P-1", total="9.00")
    payment = make_payment(session, customer=customer, amount="9.00", external_id="P9")
    ledger.allocate(
        session,
        org_id=org.id,
        invoice_id=paid.id,
        payment_id=payment.id,
        amount=Decimal("9.00"),
        on=AS_OF,
    )
    void = make_invoice(session, customer=customer, number="V-1", total="8.00")
    void.status = "void"
    session.flush()
    report = ledger.aging_report(session, org_id=org.id, as_of=AS_OF)
    assert report.lines[0].total == 215000


def test_aging_by_issue_date(session: Session) -> None:
    org = make_org(session)
    customer = make_customer(session, org=org)
    # Issued 45 days before as_of, due in 15 days: current by due date, 31-60 by age.
    make_invoice(
        session,
        customer=customer,
        total="80.00",
        issue_date=date(2026, 5, 16),
        due_date=date(2026, 7, 15),
    )
    by_due = ledger.aging_report(session, org_id=org.id, as_of=AS_OF)
    by_issue = ledger.aging_report(session, org_id=org.id, as_of=AS_OF, basis=AgingBasis.ISSUE)
    assert by_due.lines[0].buckets == (8000, 0, 0, 0, 0)
    assert by_issue.lines[0].buckets == (0, 0, 8000, 0, 0)


def test_configurable_edges(session: Session) -> None:
    org, _ = portfolio(session)
    report = ledger.aging_report(session, org_id=org.id, as_of=AS_OF, edges=(30, 60, 90, 120))
    assert report.labels == ("current", "1-30", "31-60", "61-90", "91-120", "120+")
    assert amounts(report.lines[0], report.labels)["91-120"] == "600.00"


def test_total_only(session: Session) -> None:
    org, _ = portfolio(session)
    report = ledger.aging_report(session, org_id=org.id, as_of=AS_OF, by_customer=False)
    assert report.lines == []
    assert [line.total for line in report.totals] == [215000]


@pytest.mark.parametrize("edges", [(), (30, 30), (60, 30), (0, 30)])
def test_bad_edges(edges: tuple[int, ...]) -> None:
    with pytest.raises(InvalidInput, match="ascending positive"):
        core.aging_buckets(edges)


@pytest.mark.parametrize(
    ("days", "label"),
    [
        (-3, "current"),
        (0, "current"),
        (1, "1-30"),
        (30, "1-30"),
        (31, "31-60"),
        (90, "61-90"),
        (91, "90+"),
    ],
)
def test_bucket_for_days(days: int, label: str) -> None:
    (bucket,) = [b for b in core.aging_buckets() if b.holds(days)]
    assert bucket.label == label
