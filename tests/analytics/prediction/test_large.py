"""A large history: read as columns, fitted once and calibrated on its newest tenth."""

from datetime import date, timedelta

import numpy as np
import pytest
from sklearn.calibration import CalibratedClassifierCV

from recoup.analytics.prediction import model as model_module
from recoup.analytics.prediction.core import evaluate_split, training_examples
from recoup.analytics.prediction.features import (
    CustomerFacts,
    History,
    InvoiceColumns,
    InvoiceFacts,
    Target,
)

D = date(2024, 1, 1)


def _book(customers: int = 60, each: int = 12) -> list[InvoiceFacts]:
    # Customer c pays (c % 5) * 6 - 6 days late: -6, 0, 6, 12 or 18, the same every time.
    found = []
    for c in range(1, customers + 1):
        for k in range(each):
            issue = D + timedelta(days=30 * k + c % 7)
            due = issue + timedelta(days=30)
            found.append(
                InvoiceFacts(
                    len(found) + 1,
                    c,
                    issue,
                    due,
                    "EUR",
                    100_00 + c,
                    due + timedelta(days=(c % 5) * 6 - 6),
                )
            )
    return found


def test_columns_describe_invoices_as_the_facts_do() -> None:
    invoices = _book(8, 5)
    customers = [CustomerFacts(c, "DE", "retail") for c in range(1, 9)]
    targets = [Target(i.id, i.issue_date + timedelta(days=3)) for i in invoices[::3]]
    by_facts = History(invoices, customers).rows(targets)
    by_columns = History(InvoiceColumns.of(invoices), customers).rows(targets)
    assert [str(r) for r in by_facts] == [str(r) for r in by_columns]
    assert InvoiceColumns.of(invoices).facts() == invoices


def test_a_large_history_is_fitted_once_and_calibrated_on_its_newest_tenth(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(model_module, "LARGE", 2_000)
    history = History(_book(400), [CustomerFacts(c) for c in range(1, 401)])
    split = D + timedelta(days=30 * 9)
    examples = training_examples(history, until=split, known_on=split)
    assert len(examples) >= 2_000
    check = evaluate_split(history, split=split, known_on=split)
    classifier = check.model.classifier
    assert isinstance(classifier, CalibratedClassifierCV)
    assert len(classifier.calibrated_classifiers_) == 1  # one fit, not five folds
    # Each customer pays as late as always: the model learns it from their history.
    assert check.metrics.auc > 0.95
    assert check.metrics.mae_days < 2.0
    probabilities = check.model.predict(examples.features).probability_late
    assert np.all((probabilities >= 0) & (probabilities <= 1))


def test_a_large_history_s_boosters_learn_from_a_seeded_sample_of_fit_rows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Above ``FIT_ROWS`` examples the boosters fit a sample drawn from all of them (the
    same each time), and still learn each customer's habit."""
    monkeypatch.setattr(model_module, "LARGE", 2_000)
    monkeypatch.setattr(model_module, "FIT_ROWS", 1_500)
    rows = np.arange(10, 4_010, dtype=np.int64)
    chosen = model_module._fit_rows(rows)
    assert chosen.size == 1_500
    assert np.unique(chosen).size == 1_500
    assert np.all(np.diff(chosen) > 0)
    assert np.isin(chosen, rows).all()
    assert chosen.min() < 400
    assert chosen.max() > 3_600
    assert np.array_equal(chosen, model_module._fit_rows(rows))
    assert np.array_equal(model_module._fit_rows(rows[:1_500]), rows[:1_500])
    fitted: list[int] = []
    sample = model_module._fit_rows
    monkeypatch.setattr(model_module, "_fit_rows", lambda r: fitted.append(r.size) or sample(r))
    history = History(_book(400), [CustomerFacts(c) for c in range(1, 401)])
    split = D + timedelta(days=30 * 9)
    check = evaluate_split(history, split=split, known_on=split)
    assert len(fitted) == 2
    assert min(fitted) > 1_500
    classifier = check.model.classifier.calibrated_classifiers_[0].estimator.estimator
    regressor = check.model.regressor
    assert classifier.n_features_in_ == regressor.n_features_in_
    assert check.metrics.auc > 0.95
    assert check.metrics.mae_days < 2.0
