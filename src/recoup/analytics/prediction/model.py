"""Fitting and applying the late-payment model (pure: features and outcomes in).

Two models over the same features (``features.FEATURES``):

* a classifier of ``P(paid more than late_after_days days after the due date)``:
  scikit-learn's ``HistGradientBoostingClassifier``, its probabilities calibrated by
  ``CalibratedClassifierCV`` (sigmoid, 5 folds) so that "70 %" means seven in ten;
* a regressor of the lateness in days (payment date minus due date, negative when
  early): ``HistGradientBoostingRegressor`` with the absolute error loss, so it predicts
  the median lateness; the expected payment date is the due date plus it.

Below ``MIN_PAID`` paid invoices no model is fitted: the naive rule predicts each
invoice "as late as this customer's average" (the share of its invoices paid that late,
the organisation's average for a customer without paid history), and says so.
"""

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import joblib
import numpy as np
from numpy.typing import NDArray
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.metrics import accuracy_score, brier_score_loss, roc_auc_score
from threadpoolctl import threadpool_limits

from recoup.analytics.prediction.features import Vocabulary, categorical_mask, matrix

MIN_PAID = 100
# One OpenMP thread: on a shared machine more threads than free cores make the fit many
# times slower, and data of this size gains little from more.
THREADS = 1
# Small, shallow trees and half the features per split: an organisation's history is a
# few thousand invoices, and deeper trees learn its noise. Chosen on the IBM data over
# three split dates (2013-01-01, -07-01, -10-01), not one.
BOOSTING: dict[str, Any] = {
    "learning_rate": 0.03,
    "max_iter": 300,
    "max_leaf_nodes": 6,
    "min_samples_leaf": 50,
    "l2_regularization": 1.0,
    "max_features": 0.5,
    "early_stopping": False,
    "random_state": 0,
}
Row = dict[str, float | str]


@dataclass(frozen=True, slots=True)
class Example:
    """A training example: features, and what happened. ``lateness`` is None when only
    the late/not-late outcome is known (an invoice still open well past its due date)."""

    features: Row
    late: bool
    lateness: float | None


@dataclass(frozen=True, slots=True)
class Prediction:
    """For one invoice: the probability of being paid late (more than the model's
    ``late_after_days``) and the expected lateness in days (negative: early)."""

    probability_late: float
    lateness_days: float


@dataclass
class LateModel:
    """A fitted model (or the naive rule) and what it was fitted on."""

    kind: Literal["gradient_boosting", "naive"]
    late_after_days: int
    examples: int
    paid_examples: int
    share_late: float
    mean_lateness: float
    vocabulary: Vocabulary = field(default_factory=Vocabulary)
    classifier: Any = None
    regressor: Any = None

    @property
    def note(self) -> str:
        """How the predictions are made, in words."""
        if self.kind == "naive":
            return (
                f"only {self.paid_examples} paid invoices (a model needs {MIN_PAID}): "
                "each invoice is predicted as late as its customer's average"
            )
        return f"gradient boosting on {self.paid_examples} paid invoices"

    def predict(self, rows: Sequence[Row]) -> list[Prediction]:
        """Predictions for invoices described by ``rows``."""
        if not rows:
            return []
        if self.kind == "naive":
            return [self._naive(row) for row in rows]
        x = matrix(rows, self.vocabulary)
        with threadpool_limits(limits=THREADS, user_api="openmp"):
            probabilities = self.classifier.predict_proba(x)[:, 1]
            lateness = self.regressor.predict(x)
        return [
            Prediction(float(p), float(d)) for p, d in zip(probabilities, lateness, strict=True)
        ]

    def _naive(self, row: Row) -> Prediction:
        share = float(row["prior_share_late"])
        lateness = float(row["prior_mean_lateness"])
        return Prediction(
            self.share_late if math.isnan(share) else share,
            self.mean_lateness if math.isnan(lateness) else lateness,
        )

    def dumps(self) -> bytes:
        """The model as bytes (joblib), to store."""
        buffer = io.BytesIO()
        joblib.dump(self, buffer)
        return buffer.getvalue()

    @staticmethod
    def loads(blob: bytes) -> "LateModel":
        """A model stored by ``dumps``."""
        model = joblib.load(io.BytesIO(blob))
        if not isinstance(model, LateModel):
            raise TypeError("the stored blob is not a late-payment model")
        return model


def naive_model(examples: Sequence[Example], *, late_after_days: int) -> LateModel:
    """The naive rule: each invoice as late as its customer's average so far."""
    paid = [e.lateness for e in examples if e.lateness is not None]
    return LateModel(
        kind="naive",
        late_after_days=late_after_days,
        examples=len(examples),
        paid_examples=len(paid),
        share_late=_mean([1.0 if e.late else 0.0 for e in examples], default=0.0),
        mean_lateness=_mean(paid, default=0.0),
    )


def fit(
    examples: Sequence[Example], *, late_after_days: int, min_paid: int = MIN_PAID
) -> LateModel:
    """The model fitted on ``examples``; the naive rule with fewer than ``min_paid`` paid
    ones (or when all were on the same side of late)."""
    naive = naive_model(examples, late_after_days=late_after_days)
    labels = np.array([e.late for e in examples], dtype=np.int64)
    if naive.paid_examples < min_paid or np.unique(labels).size < 2:
        return naive
    vocabulary = Vocabulary.learn({k: str(v) for k, v in e.features.items()} for e in examples)
    x = matrix([e.features for e in examples], vocabulary)
    # A feature never known in training (no disputes yet) cannot split; the booster
    # refuses a column with no value at all.
    x[:, np.isnan(x).all(axis=0)] = 0.0
    mask = categorical_mask()
    classifier = CalibratedClassifierCV(
        HistGradientBoostingClassifier(categorical_features=mask, **BOOSTING),
        method="sigmoid",
        cv=5,
    )
    with threadpool_limits(limits=THREADS, user_api="openmp"):
        classifier.fit(x, labels)
    paid = [i for i, e in enumerate(examples) if e.lateness is not None]
    regressor = HistGradientBoostingRegressor(
        loss="absolute_error", categorical_features=mask, **BOOSTING
    )
    with threadpool_limits(limits=THREADS, user_api="openmp"):
        regressor.fit(x[paid], np.array([examples[i].lateness for i in paid], dtype=np.float64))
    naive.kind = "gradient_boosting"
    naive.vocabulary = vocabulary
    naive.classifier = classifier
    naive.regressor = regressor
    return naive


@dataclass(frozen=True, slots=True)
class Metrics:
    """How well predictions matched what happened on held-out invoices."""

    invoices: int
    share_late: float
    auc: float
    accuracy: float
    brier: float
    mae_days: float

    def as_dict(self) -> dict[str, float]:
        return {
            "invoices": self.invoices,
            "share_late": round(self.share_late, 4),
            "auc": round(self.auc, 4),
            "accuracy": round(self.accuracy, 4),
            "brier": round(self.brier, 4),
            "mae_days": round(self.mae_days, 3),
        }


def score(predictions: Sequence[Prediction], examples: Sequence[Example]) -> Metrics:
    """AUC, accuracy (at 50 %), Brier score of the probabilities and the mean absolute
    error of the predicted payment date in days (over the paid examples)."""
    labels = np.array([e.late for e in examples], dtype=np.int64)
    probabilities = np.array([p.probability_late for p in predictions], dtype=np.float64)
    errors = [
        abs(p.lateness_days - e.lateness)
        for p, e in zip(predictions, examples, strict=True)
        if e.lateness is not None
    ]
    both_sides = 0 < labels.sum() < labels.size
    return Metrics(
        invoices=len(examples),
        share_late=float(labels.mean()) if labels.size else math.nan,
        auc=float(roc_auc_score(labels, probabilities)) if both_sides else math.nan,
        accuracy=float(accuracy_score(labels, probabilities >= 0.5)) if labels.size else math.nan,
        brier=float(brier_score_loss(labels, probabilities)) if labels.size else math.nan,
        mae_days=_mean(errors, default=math.nan),
    )


def _mean(values: Sequence[float] | NDArray[np.float64], default: float) -> float:
    return float(np.mean(values)) if len(values) else default
