"""The model on the public IBM accounts-receivable data, imported through Recoup's own
imports: trained on invoices issued before 2013-07-01, tested on the rest.

Targets (issue 17): AUC >= 0.90 and MAE <= 4.5 days with the Disputed column, better
than AUC 0.85 / MAE 6.1 without it. Measured 0.908 / 4.48 and 0.855 / 5.82; asserted
with a margin, since a scikit-learn release may move them a little.
"""

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from recoup.analytics.prediction import ibm
from recoup.analytics.prediction.core import evaluate_split
from recoup.analytics.prediction.features import History
from recoup.analytics.prediction.service import load_history
from recoup.db import make_engine, transaction
from recoup.db.migrate import upgrade
from recoup.ledger import service as ledger

DATA = Path(__file__).parent / "data" / "ibm_accounts_receivable.csv"
SPLIT = date(2013, 7, 1)
KNOWN_ON = date(2014, 2, 1)  # after the last settlement in the file (2014-01-09)


@pytest.fixture(scope="module")
def histories(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[bool, History]]:
    """The file loaded once (SQLite; the import paths are tested on both databases
    elsewhere), read back with and without its disputes."""
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('ibm') / 'ibm.db'}")
    upgrade(engine)
    with transaction(engine, actor="test") as session:
        org = ledger.create_organisation(session, slug="ibm", name="IBM", base_currency="USD")
        loaded = ibm.load(session, org_id=org.id, path=DATA)
        assert (loaded.customers, loaded.invoices, loaded.payments) == (100, 2466, 2466)
        assert loaded.disputes == 561
        yield {d: _history(session, org.id, d) for d in (True, False)}
    engine.dispose()


def _history(session: Session, org_id: int, disputes: bool) -> History:
    return load_history(session, org_id=org_id, disputes=disputes)


def test_every_invoice_is_imported_with_its_settlement_day(histories: dict[bool, History]) -> None:
    invoices = histories[True].invoices.values()
    assert all(i.paid_on is not None for i in invoices)
    # 0000611365: issued 1/2/2013, due 2/1/2013, settled 1/15/2013, 55.94
    first = next(i for i in invoices if i.total_amount == 55_94 and i.paid_on == date(2013, 1, 15))
    assert (first.issue_date, first.due_date) == (date(2013, 1, 2), date(2013, 2, 1))
    assert sum(1 for i in invoices if i.issue_date < SPLIT) == 1930


def test_with_the_disputed_column_the_model_reaches_the_targets(
    histories: dict[bool, History],
) -> None:
    result = evaluate_split(histories[True], split=SPLIT, known_on=KNOWN_ON)
    assert result.model.kind == "gradient_boosting"
    assert result.metrics.invoices == 536
    assert result.metrics.auc >= 0.895
    assert result.metrics.mae_days <= 4.6
    assert result.metrics.brier < result.naive.brier
    assert result.naive.mae_days - result.metrics.mae_days > 1.5


def test_without_it_the_model_beats_the_simple_reference(histories: dict[bool, History]) -> None:
    result = evaluate_split(histories[False], split=SPLIT, known_on=KNOWN_ON)
    assert result.metrics.auc > 0.84
    assert result.metrics.mae_days < 6.1
    assert result.metrics.mae_days < result.naive.mae_days


@pytest.mark.parametrize("split", [date(2013, 1, 1), date(2013, 10, 1)])
def test_other_split_dates_hold_up_too(histories: dict[bool, History], split: date) -> None:
    # Not tuned to one date: measured AUC 0.933 / 0.908, MAE 4.66 / 4.51 days.
    result = evaluate_split(histories[True], split=split, known_on=KNOWN_ON)
    assert result.metrics.auc >= 0.89
    assert result.metrics.mae_days <= 4.8
    assert result.metrics.auc > result.naive.auc
    assert result.metrics.mae_days < result.naive.mae_days - 1.5
