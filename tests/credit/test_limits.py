"""Credit limits with history, exposure, and the suggested limit worked by hand."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from recoup.cases.core import add_months
from recoup.credit import service as credit
from recoup.errors import InvalidInput
from tests.cases.helpers import pay
from tests.factories import make_customer, make_invoice, make_org


def test_limit_changes_are_kept(session: Session) -> None:
    org = make_org(session)
    alpha = make_customer(session, org=org, external_id="C1")
    first = credit.set_credit_limit(
        session,
        org_id=org.id,
        customer_id=alpha.id,
        limit=Decimal("5000"),
        reason="new account",
        by="max",
        on=date(2026, 1, 1),
    )
    second = credit.set_credit_limit(
        session,
        org_id=org.id,
        customer_id=alpha.id,
        limit=Decimal("7500.50"),
        reason="review",
        by="max",
        on=date(2026, 6, 1),
    )
    assert alpha.credit_limit_amount == 750050
    history = credit.limit_history(session, org_id=org.id, customer_id=alpha.id)
    assert [(c.previous_amount, c.limit_amount, c.reason) for c in history] == [
        (None, 500000, "new account"),
        (500000, 750050, "review"),
    ]
    assert history == [first, second]
    credit.set_credit_limit(
        session, org_id=org.id, customer_id=alpha.id, limit=None, reason="cash only"
    )
    assert alpha.credit_limit_amount is None
    with pytest.raises(InvalidInput, match="credit_limit: must not be negative"):
        credit.set_credit_limit(session, org_id=org.id, customer_id=alpha.id, limit=Decimal("-1"))


def test_exposure_counts_the_customers_currency_and_open_orders(session: Session) -> None:
    org = make_org(session)
    alpha = make_customer(session, org=org, external_id="C1")
    credit.set_credit_limit(session, org_id=org.id, customer_id=alpha.id, limit=Decimal("1000"))
    make_invoice(session, customer=alpha, number="INV-1", total="300.00", due_date=date(2026, 2, 1))
    make_invoice(
        session,
        customer=alpha,
        number="INV-2",
        total="99.00",
        currency="GBP",
        due_date=date(2026, 1, 15),
    )
    credit.report_open_orders(
        session, org_id=org.id, customer_id=alpha.id, amount=Decimal("450.00")
    )
    credit.report_open_orders(
        session, org_id=org.id, customer_id=alpha.id, amount=Decimal("500.00")
    )
    exposure = credit.exposure(session, org_id=org.id, customer_id=alpha.id)
    assert (exposure.open_amount, exposure.open_orders, exposure.total, exposure.available) == (
        30000,
        50000,
        80000,
        20000,
    )
    assert exposure.oldest_due == date(2026, 1, 15)  # any currency counts for lateness


def test_suggested_limit_by_hand(session: Session) -> None:
    """12 monthly invoices of 10,000.00 on 45-day terms, each paid 15 days late:
    10,000 a month × 45/30 × (1.25 − 15/60 = 1.00) = 15,000.00."""
    org = make_org(session)
    alpha = make_customer(session, org=org, external_id="C1", terms=45)
    as_of = date(2026, 4, 1)
    for month in range(12):
        issued = add_months(date(2025, 4, 15), month)
        invoice = make_invoice(
            session, customer=alpha, number=f"INV-{month}", total="10000.00", issue_date=issued
        )
        paid_on = invoice.due_date + timedelta(days=15)
        if paid_on <= as_of:
            pay(session, invoice=invoice, amount="10000.00", on=paid_on, external_id=f"P{month}")
    suggestion = credit.suggest_credit_limit(
        session, org_id=org.id, customer_id=alpha.id, as_of=as_of
    )
    assert (suggestion.amount, suggestion.monthly_sales, suggestion.months) == (
        1500000,
        1000000,
        12,
    )
    assert (suggestion.average_days_late, suggestion.factor) == (Decimal("15.00"), Decimal("1.00"))
    assert suggestion.reasoning[-1] == (
        "10000.00 EUR × 45/30 × 1.00, rounded down to 100 EUR: 15000.00 EUR"
    )


def test_suggested_limit_for_a_young_slow_account(session: Session) -> None:
    """3,000.00 invoiced in 89 days of history (3 months): 1,000 a month. INV-1 (1,000.00)
    paid 45 days late, INV-2 (2,000.00) 30 days overdue and unpaid: (45,000 + 60,000) /
    3,000 = 35 days late → factor 1.25 − 35/60 = 0.67; 30-day terms: 670.00 → 600.00.
    A payment after ``as_of`` does not count (replaying an earlier day)."""
    org = make_org(session)
    alpha = make_customer(session, org=org, external_id="C1", terms=30)
    first = make_invoice(
        session, customer=alpha, number="INV-1", total="1000.00", issue_date=date(2026, 1, 1)
    )
    pay(session, invoice=first, amount="1000.00", on=date(2026, 3, 17), external_id="P1")
    second = make_invoice(
        session,
        customer=alpha,
        number="INV-2",
        total="2000.00",
        issue_date=date(2026, 3, 1),
        due_date=date(2026, 3, 1),
    )
    pay(session, invoice=second, amount="2000.00", on=date(2026, 4, 10), external_id="P2")
    suggestion = credit.suggest_credit_limit(
        session, org_id=org.id, customer_id=alpha.id, as_of=date(2026, 3, 31)
    )
    assert suggestion.months == 3
    assert suggestion.monthly_sales == 100000
    assert suggestion.average_days_late == Decimal("35.00")
    assert suggestion.factor == Decimal("0.67")
    assert suggestion.amount == 60000
