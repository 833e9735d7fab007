"""Training, storing, scoring and forecasting on a small hand-worked ledger.

Customer A pays ten days after the due date, always; customer B two days before it.
With four paid invoices the model is the naive rule, so every figure can be worked out
by hand.
"""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import numpy as np
import pytest
from sqlalchemy.orm import Session

from recoup.analytics.prediction import service as prediction
from recoup.analytics.prediction.model import LateModel
from recoup.cases import promises
from recoup.errors import NotFound
from recoup.ledger import service as ledger
from recoup.ledger.models import Customer, Invoice, Organisation
from tests.factories import make_customer, make_invoice, make_org, make_payment

NOW = datetime(2026, 4, 10, 9, tzinfo=UTC)


def _paid(session: Session, customer: Customer, invoice: Invoice, on: date) -> None:
    payment = make_payment(
        session,
        customer=customer,
        amount=str(Decimal(invoice.total_amount) / 100),
        external_id=f"P-{invoice.number}",
        received_on=on,
    )
    ledger.allocate(
        session,
        org_id=customer.org_id,
        invoice_id=invoice.id,
        amount=Decimal(invoice.total_amount) / 100,
        on=on,
        payment_id=payment.id,
    )


@pytest.fixture
def book(session: Session) -> dict[str, Invoice]:
    org = make_org(session)
    a = make_customer(session, org=org, external_id="A")
    b = make_customer(session, org=org, external_id="B")
    invoices = {}
    for n, issued in enumerate((date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)), 1):
        invoice = make_invoice(session, customer=a, number=f"A{n}", issue_date=issued)
        _paid(session, a, invoice, invoice.due_date + timedelta(days=10))
        invoices[invoice.number] = invoice
    b1 = make_invoice(session, customer=b, number="B1", issue_date=date(2026, 1, 1))
    _paid(session, b, b1, b1.due_date - timedelta(days=2))
    invoices["A4"] = make_invoice(
        session, customer=a, number="A4", total="400.00", issue_date=date(2026, 4, 1)
    )
    invoices["B2"] = make_invoice(
        session, customer=b, number="B2", total="200.00", issue_date=date(2026, 4, 1)
    )
    return invoices


def test_with_little_history_the_naive_rule_is_stored_and_says_so(
    session: Session, book: dict[str, Invoice]
) -> None:
    org_id = book["A4"].org_id
    with pytest.raises(NotFound, match="recoup model train"):
        prediction.latest_model(session, org_id=org_id)
    row = prediction.train(session, org_id=org_id, now=NOW)
    assert row.kind == "naive"
    assert row.until == date(2026, 4, 10)
    assert row.metrics["paid_examples"] == 4
    assert "only 4 paid invoices" in str(row.metrics["note"])
    assert prediction.latest_model(session, org_id=org_id).id == row.id
    assert LateModel.loads(row.model).mean_lateness == (10 + 10 + 10 - 2) / 4


def test_open_invoices_are_scored_as_late_as_their_customers_average(
    session: Session, book: dict[str, Invoice]
) -> None:
    org_id = book["A4"].org_id
    prediction.train(session, org_id=org_id, now=NOW)
    scores = prediction.score_open(session, org_id=org_id, as_of=NOW.date())
    by_number = {s.number: s for s in scores}
    assert set(by_number) == {"A4", "B2"}
    # Both due 2026-05-01: A pays 10 days late (every one of its invoices was late),
    # B two days early (none was).
    assert by_number["A4"].probability_late == 1.0
    assert by_number["A4"].expected_on == date(2026, 5, 11)
    assert by_number["B2"].probability_late == 0.0
    assert by_number["B2"].expected_on == date(2026, 4, 29)
    # On 2026-05-05 B2 is overdue: certain to be late, and expected within a week.
    later = prediction.score_open(session, org_id=org_id, as_of=date(2026, 5, 5))
    b2 = next(s for s in later if s.number == "B2")
    assert (b2.probability_late, b2.expected_on) == (1.0, date(2026, 5, 12))


def test_the_forecast_puts_each_invoice_in_its_week_and_a_promise_overrides(
    session: Session, book: dict[str, Invoice]
) -> None:
    org_id = book["A4"].org_id
    prediction.train(session, org_id=org_id, now=NOW)
    weeks = prediction.forecast(session, org_id=org_id, as_of=NOW.date(), weeks=6)
    # Week i starts 2026-04-10 + 7i: B2 (29 April) in week 2, A4 (11 May) in week 4.
    assert [w.amount for w in weeks] == [0, 0, 200_00, 0, 400_00, 0]
    assert {w.currency for w in weeks} == {"EUR"}
    promises.add_promise(
        session,
        org_id=org_id,
        customer_id=book["B2"].customer_id,
        items=[(book["B2"].id, Decimal("50.00"))],
        promised_on=date(2026, 4, 20),
        made_on=NOW.date(),
    )
    weeks = prediction.forecast(session, org_id=org_id, as_of=NOW.date(), weeks=6)
    assert [w.amount for w in weeks] == [0, 50_00, 150_00, 0, 400_00, 0]


def test_the_backtest_compares_a_past_forecast_with_what_arrived(
    session: Session, book: dict[str, Invoice]
) -> None:
    # On 2026-03-15 only A3 was open (due 31 March); A had paid 10 days late twice, so
    # it was expected on 10 April, week 3 of a forecast made that day; it arrived then.
    [check] = prediction.backtest(
        session, org_id=book["A4"].org_id, made_on=date(2026, 3, 15), weeks=4
    )
    assert check.currency == "EUR"
    assert list(check.forecast) == [0, 0, 0, 100_00]
    assert list(check.actual) == [0, 0, 0, 100_00]
    assert check.error == 0.0


def test_risk_bands_follow_the_predictions(session: Session, book: dict[str, Invoice]) -> None:
    org_id = book["A4"].org_id
    prediction.train(session, org_id=org_id, now=NOW)
    bands = prediction.assign_risk_bands(session, org_id=org_id, as_of=NOW.date())
    a, b = book["A4"].customer_id, book["B2"].customer_id
    assert bands == {a: "high", b: "low"}
    assert ledger.customer_by_id(session, org_id=org_id, customer_id=a).risk_band == "high"
    assert ledger.customer_by_id(session, org_id=org_id, customer_id=b).risk_band == "low"


def test_scoring_reads_only_customers_who_owe_and_scores_as_from_the_whole_book(
    session: Session, book: dict[str, Invoice]
) -> None:
    """Scoring reads only the invoices of customers with something open; the features
    of an invoice come from its own customer's invoices alone, so the scores are those
    the whole book gives (customers with nothing open, C and D, change nothing)."""
    org_id = book["A4"].org_id
    org = session.get_one(Organisation, org_id)
    for external_id, lateness in (("C", 30), ("D", -3)):
        customer = make_customer(session, org=org, external_id=external_id)
        for month in range(1, 7):
            invoice = make_invoice(
                session,
                customer=customer,
                number=f"{external_id}{month}",
                issue_date=date(2025, month, 5),
            )
            _paid(session, customer, invoice, invoice.due_date + timedelta(days=lateness))
    model = LateModel.loads(prediction.train(session, org_id=org_id, now=NOW, min_paid=2).model)
    assert model.kind == "gradient_boosting"
    scores = prediction.score_open(session, org_id=org_id, as_of=NOW.date(), model=model)
    owing = prediction._read_book(session, org_id, owing_only=True)
    assert set(owing.invoices.customer_id.tolist()) == {
        book["A4"].customer_id,
        book["B2"].customer_id,
    }
    whole = prediction.load_history(session, org_id=org_id)
    ids = np.array([s.invoice_id for s in scores], dtype=np.int64)
    expected = model.predict(whole.table_of(ids, np.full(ids.size, NOW.date().toordinal())))
    assert [s.probability_late for s in scores] == expected.probability_late.tolist()
