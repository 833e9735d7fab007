"""The daily run's care of the late-payment model (``prediction.daily_upkeep``): retrained
when older than the configured age and there is enough paid history, risk bands re-scored
from the stored model every day, and a failure a note that never stops the run."""

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from recoup.analytics.prediction import service as prediction
from recoup.analytics.prediction.models import PredictionModel
from recoup.jobs.daily import run_day
from recoup.ledger import service as ledger
from recoup.ledger.models import Invoice
from recoup.policy.service import available_policies
from tests.analytics.prediction.test_service import NOW, _paid, book  # noqa: F401 - the fixture
from tests.factories import make_customer, make_invoice, make_org

TODAY = NOW.date()


def _models(session: Session, org_id: int) -> list[PredictionModel]:
    query = select(PredictionModel).where(PredictionModel.org_id == org_id)
    return list(session.scalars(query.order_by(PredictionModel.id)))


def _bands(session: Session, org_id: int) -> dict[str, str | None]:
    return {c.external_id: c.risk_band for c in ledger.customers(session, org_id=org_id)}


def test_too_little_history_trains_nothing_and_touches_no_band(
    session: Session,
    book: dict[str, Invoice],  # noqa: F811
) -> None:
    org_id = book["A4"].org_id
    before = _bands(session, org_id)
    # 4 paid invoices, 5 needed.
    notes = prediction.daily_upkeep(session, org_id=org_id, as_of=TODAY, now=NOW, min_paid=5)
    assert notes == []
    assert _models(session, org_id) == []
    assert _bands(session, org_id) == before


def _always_late(session: Session) -> int:
    """Customer A paid its three invoices ten days late (every outcome on one side: the
    fitted model is the naive rule, quick to train); A4 (400.00) is open."""
    org = make_org(session)
    a = make_customer(session, org=org, external_id="A")
    for n, issued in enumerate((date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)), 1):
        invoice = make_invoice(session, customer=a, number=f"A{n}", issue_date=issued)
        _paid(session, a, invoice, invoice.due_date + timedelta(days=10))
    make_invoice(session, customer=a, number="A4", total="400.00", issue_date=date(2026, 4, 1))
    return org.id


def test_trained_when_missing_kept_until_older_than_the_age_then_retrained(
    session: Session,
) -> None:
    org_id = _always_late(session)
    notes = prediction.daily_upkeep(session, org_id=org_id, as_of=TODAY, now=NOW, min_paid=3)
    assert notes == [
        "late-payment model retrained on 3 paid invoices (naive rule)",
        "1 open invoices scored; risk bands of 1 customers set",
    ]
    assert [m.trained_at for m in _models(session, org_id)] == [NOW]
    assert _bands(session, org_id) == {"A": "high"}  # A4 predicted late: 100 %
    # The scores are stored for the worklist and the customer page to read.
    assert prediction.amounts_at_risk(session, org_id=org_id, as_of=TODAY) == {
        (_customer_id(session, org_id), "EUR"): 400_00
    }
    # 30 days later: still young enough, only the bands are scored.
    later = NOW + timedelta(days=30)
    notes = prediction.daily_upkeep(
        session, org_id=org_id, as_of=later.date(), now=later, max_age_days=30, min_paid=3
    )
    assert notes == ["1 open invoices scored; risk bands of 1 customers set"]
    assert len(_models(session, org_id)) == 1
    # A day more and it is older than 30 days: retrained.
    older = later + timedelta(days=1)
    notes = prediction.daily_upkeep(
        session, org_id=org_id, as_of=older.date(), now=older, max_age_days=30, min_paid=3
    )
    assert notes[0].startswith("late-payment model retrained")
    assert [m.trained_at for m in _models(session, org_id)] == [NOW, older]


def test_a_failed_training_is_a_note_and_writes_nothing(
    session: Session,
    book: dict[str, Invoice],  # noqa: F811
) -> None:
    org_id = book["A4"].org_id
    # Four paid invoices, both outcomes: a real fit is tried, and five-fold calibration
    # cannot be done with one on-time invoice.
    notes = prediction.daily_upkeep(session, org_id=org_id, as_of=TODAY, now=NOW, min_paid=4)
    assert len(notes) == 1
    assert notes[0].startswith("late-payment model not retrained: Requesting 5-fold")
    assert _models(session, org_id) == []
    assert len(ledger.customers(session, org_id=org_id)) == 2  # the session still works


def test_an_unreadable_stored_model_is_a_note(
    session: Session,
    book: dict[str, Invoice],  # noqa: F811
) -> None:
    org_id = book["A4"].org_id
    session.add(
        PredictionModel(
            org_id=org_id, trained_at=NOW, until=TODAY, kind="naive", metrics={}, model=b"junk"
        )
    )
    session.flush()
    before = _bands(session, org_id)
    notes = prediction.daily_upkeep(session, org_id=org_id, as_of=TODAY, now=NOW, min_paid=4)
    assert len(notes) == 1
    assert notes[0].startswith("risk bands not scored: ")
    assert _bands(session, org_id) == before


def test_the_daily_run_scores_bands_and_goes_on_after_a_failure(session: Session) -> None:
    org_id = _always_late(session)
    prediction.train(session, org_id=org_id, now=NOW)
    result = run_day(session, org_id=org_id, as_of=TODAY, now=NOW, policies=available_policies())
    assert (0, "1 open invoices scored; risk bands of 1 customers set") in result.notes
    assert _bands(session, org_id) == {"A": "high"}
    session.add(
        PredictionModel(
            org_id=org_id,
            trained_at=NOW + timedelta(hours=1),
            until=TODAY,
            kind="naive",
            metrics={},
            model=b"junk",
        )
    )
    session.flush()
    result = run_day(session, org_id=org_id, as_of=TODAY, now=NOW, policies=available_policies())
    failed = [n for _, n in result.notes if n.startswith("risk bands")]
    assert len(failed) == 1
    assert failed[0].startswith("risk bands not scored: ")
    assert _bands(session, org_id) == {"A": "high"}  # yesterday's, untouched


def _customer_id(session: Session, org_id: int) -> int:
    (customer,) = ledger.customers(session, org_id=org_id)
    return customer.id
