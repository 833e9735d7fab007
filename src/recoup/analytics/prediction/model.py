"""Fitting and applying the late-payment model (pure: features and outcomes in).

Two models over the same features (``features.FEATURES``):

* a classifier of ``P(paid more than late_after_days days after the due date)``:
  scikit-learn's ``HistGradientBoostingClassifier``, its probabilities calibrated by
  ``CalibratedClassifierCV`` (sigmoid, 5 folds; from ``LARGE`` examples up, one fit
  calibrated on the newest tenth) so that "70 %" means seven in ten;
* a regressor of the lateness in days (payment date minus due date, negative when
  early): ``HistGradientBoostingRegressor`` with the absolute error loss, so it predicts
  the median lateness; the expected payment date is the due date plus it.

Below ``MIN_PAID`` paid invoices no model is fitted: the naive rule predicts each
invoice "as late as this customer's average" (the share of its invoices paid that late,
the organisation's average for a customer without paid history), and says so.
"""

import io
import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from threadpoolctl import threadpool_limits

from recoup.analytics.prediction.features import (
    FeatureTable,
    Vocabulary,
    categorical_mask,
    matrix,
)

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
# The classifier smaller still (four leaves, a slower rate): a yes/no label says less
# per invoice than the days late, and more capacity only learns the noise. Chosen over
# the first day of each month from 2012-10 to 2013-10 (not one date): on that plateau
# (three or four leaves, rate 0.015 to 0.02) the mean and the worst AUC both rose a
# little, with and without disputes.
CLASSIFIER_BOOSTING: dict[str, Any] = {**BOOSTING, "max_leaf_nodes": 4, "learning_rate": 0.02}
# From this many examples up (a book of hundreds of thousands of invoices) the fit is
# made to finish within a minute: one classifier fitted on the oldest nine tenths of the
# examples (by issue date) with a larger learning rate, bigger trees and early stopping
# (it stops when a tenth of them set aside no longer improves), its probabilities
# calibrated (sigmoid) on the newest tenth instead of five refits; the regressor the
# same way on the paid examples. Both boosters learn from at most ``FIT_ROWS`` of them.
LARGE = 100_000
LARGE_BOOSTING: dict[str, Any] = {
    "learning_rate": 0.2,
    "max_iter": 100,
    "max_leaf_nodes": 15,
    "min_samples_leaf": 200,
    "l2_regularization": 1.0,
    "max_bins": 127,
    "early_stopping": True,
    "validation_fraction": 0.1,
    "n_iter_no_change": 10,
    "random_state": 0,
}
CALIBRATION_SHARE = 0.1
# A large history's boosters learn from at most this many of its examples, drawn at
# random (seeded) from all of it. On the 2,000,000-invoice bench book (1,599,676
# examples) 400,000 of them and 100 rounds at 0.2 gave the newest fifth's AUC 0.9888 and
# MAE 2.18 days in 21 CPU seconds; all of them and 200 rounds at 0.1, 0.9890 and 2.17
# days in 123 (README, "At scale").
FIT_ROWS: int | None = 400_000


@dataclass(frozen=True)
class Examples:
    """Training or test examples: their features, and what happened to each: paid late
    or not, and the lateness in days (NaN when only the late/not-late outcome is known:
    an invoice still open well past its due date)."""

    features: FeatureTable
    late: NDArray[np.bool_]
    lateness: NDArray[np.float64]
    issued: NDArray[np.int64] | None = None  # the issue days (ordinals), when known

    def __len__(self) -> int:
        return len(self.features)

    @property
    def paid(self) -> NDArray[np.bool_]:
        """Which examples have a known lateness."""
        return ~np.isnan(self.lateness)


@dataclass(frozen=True, slots=True)
class Prediction:
    """For one invoice: the probability of being paid late (more than the model's
    ``late_after_days``) and the expected lateness in days (negative: early)."""

    probability_late: float
    lateness_days: float


@dataclass(frozen=True)
class Predictions:
    """Predictions for many invoices, in their order."""

    probability_late: NDArray[np.float64]
    lateness_days: NDArray[np.float64]

    def __len__(self) -> int:
        return int(self.probability_late.size)

    def __getitem__(self, index: int) -> Prediction:
        return Prediction(float(self.probability_late[index]), float(self.lateness_days[index]))


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

    def predict(
        self, table: FeatureTable, *, known_late: NDArray[np.bool_] | None = None
    ) -> Predictions:
        """Predictions for the invoices described by ``table``; those ``known_late``
        (already more than ``late_after_days`` overdue) get probability 1 without asking
        the classifier."""
        if not len(table):
            return Predictions(np.zeros(0), np.zeros(0))
        if self.kind == "naive":
            share = table.column("prior_share_late")
            lateness = table.column("prior_mean_lateness")
            if known_late is not None:
                share = np.where(known_late, 1.0, share)
            return Predictions(
                np.where(np.isnan(share), self.share_late, share),
                np.where(np.isnan(lateness), self.mean_lateness, lateness),
            )
        x = matrix(table, self.vocabulary)
        probabilities = np.ones(len(table), dtype=np.float64)
        asked = np.ones(len(table), dtype=bool) if known_late is None else ~known_late
        with threadpool_limits(limits=THREADS, user_api="openmp"):
            if asked.any():
                probabilities[asked] = self.classifier.predict_proba(x[asked])[:, 1]
            lateness_days = self.regressor.predict(x)
        return Predictions(probabilities, np.asarray(lateness_days, dtype=np.float64))

    def dumps(self) -> bytes:
        """The model as bytes (joblib, imported with scikit-learn: see ``_classifier``)."""
        import joblib

        buffer = io.BytesIO()
        joblib.dump(self, buffer)
        return buffer.getvalue()

    @staticmethod
    def loads(blob: bytes) -> "LateModel":
        """A model stored by ``dumps``."""
        import joblib

        model = joblib.load(io.BytesIO(blob))
        if not isinstance(model, LateModel):
            raise TypeError("the stored blob is not a late-payment model")
        return model


def naive_model(examples: Examples, *, late_after_days: int) -> LateModel:
    """The naive rule: each invoice as late as its customer's average so far."""
    paid = examples.lateness[examples.paid]
    return LateModel(
        kind="naive",
        late_after_days=late_after_days,
        examples=len(examples),
        paid_examples=int(paid.size),
        share_late=float(examples.late.mean()) if len(examples) else 0.0,
        mean_lateness=float(paid.mean()) if paid.size else 0.0,
    )


def fit(examples: Examples, *, late_after_days: int, min_paid: int = MIN_PAID) -> LateModel:
    """The model fitted on ``examples``; the naive rule with fewer than ``min_paid`` paid
    ones (or when all were on the same side of late)."""
    naive = naive_model(examples, late_after_days=late_after_days)
    labels = examples.late.astype(np.int64)
    if naive.paid_examples < min_paid or np.unique(labels).size < 2:
        return naive
    vocabulary = Vocabulary.learn(examples.features.categories)
    x = matrix(examples.features, vocabulary)
    # A feature never known in training (no disputes yet) cannot split; the booster
    # refuses a column with no value at all.
    x[:, np.isnan(x).all(axis=0)] = 0.0
    from sklearn.ensemble import HistGradientBoostingRegressor

    mask = categorical_mask()
    large = len(examples) >= LARGE
    with threadpool_limits(limits=THREADS, user_api="openmp"):
        classifier = _large_classifier(x, labels, examples) if large else _classifier(x, labels)
    paid = np.flatnonzero(examples.paid)
    if large:
        paid = _fit_rows(paid)
    regressor = HistGradientBoostingRegressor(
        loss="absolute_error", categorical_features=mask, **(LARGE_BOOSTING if large else BOOSTING)
    )
    with threadpool_limits(limits=THREADS, user_api="openmp"):
        regressor.fit(x[paid], examples.lateness[paid])
    naive.kind = "gradient_boosting"
    naive.vocabulary = vocabulary
    naive.classifier = classifier
    naive.regressor = regressor
    return naive


def _classifier(x: NDArray[np.float64], labels: NDArray[np.int64]) -> Any:
    """The boosted classifier calibrated by five folds (each fold's model calibrated on
    the fold left out).

    scikit-learn is imported where a model is fitted or scored, not with the module:
    it takes most of a second, which every ``recoup`` command would pay (the daily run
    imports this module; a stored model loads it through joblib when it is read)."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.ensemble import HistGradientBoostingClassifier

    classifier = CalibratedClassifierCV(
        HistGradientBoostingClassifier(
            categorical_features=categorical_mask(), **CLASSIFIER_BOOSTING
        ),
        method="sigmoid",
        cv=5,
    )
    return classifier.fit(x, labels)


def _large_classifier(x: NDArray[np.float64], labels: NDArray[np.int64], examples: Examples) -> Any:
    """The boosted classifier fitted once on the oldest examples and calibrated on the
    newest ``CALIBRATION_SHARE`` (see ``LARGE``; scikit-learn imported here, see
    ``_classifier``)."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.frozen import FrozenEstimator

    n = labels.size
    order = np.argsort(
        examples.issued if examples.issued is not None else np.arange(n), kind="stable"
    )
    cut = n - max(int(n * CALIBRATION_SHARE), 1)
    booster = HistGradientBoostingClassifier(
        categorical_features=categorical_mask(), **LARGE_BOOSTING
    )
    rows = _fit_rows(order[:cut])
    booster.fit(x[rows], labels[rows])
    newest = order[cut:]
    if np.unique(labels[newest]).size < 2:
        return booster  # nothing to calibrate against: the booster's own probabilities
    calibrated = CalibratedClassifierCV(FrozenEstimator(booster), method="sigmoid", ensemble=False)
    return calibrated.fit(x[newest], labels[newest])


def _fit_rows(rows: NDArray[np.int64]) -> NDArray[np.int64]:
    """``rows``, or ``FIT_ROWS`` of them drawn at random (seeded, in their order)."""
    if FIT_ROWS is None or rows.size <= FIT_ROWS:
        return rows
    chosen = np.random.default_rng(0).choice(rows.size, FIT_ROWS, replace=False)
    return rows[np.sort(chosen)]


@dataclass(frozen=True, slots=True)
class Metrics:
    """How well predictions matched what happened on held-out invoices."""

    invoices: int
    share_late: float
    auc: float
    accuracy: float
    brier: float
    mae_days: float

    def as_dict(self) -> dict[str, float | None]:
        """The metrics rounded, a metric without a value (an AUC on one class) as None
        (JSON has no NaN)."""

        def rounded(value: float, places: int) -> float | None:
            return None if math.isnan(value) else round(value, places)

        return {
            "invoices": self.invoices,
            "share_late": rounded(self.share_late, 4),
            "auc": rounded(self.auc, 4),
            "accuracy": rounded(self.accuracy, 4),
            "brier": rounded(self.brier, 4),
            "mae_days": rounded(self.mae_days, 3),
        }


def score(predictions: Predictions, examples: Examples) -> Metrics:
    """AUC, accuracy (at 50 %), Brier score of the probabilities and the mean absolute
    error of the predicted payment date in days (over the paid examples)."""
    from sklearn.metrics import accuracy_score, brier_score_loss, roc_auc_score

    labels = examples.late.astype(np.int64)
    probabilities = predictions.probability_late
    paid = examples.paid
    errors = np.abs(predictions.lateness_days[paid] - examples.lateness[paid])
    both_sides = 0 < labels.sum() < labels.size
    return Metrics(
        invoices=len(examples),
        share_late=float(labels.mean()) if labels.size else math.nan,
        auc=float(roc_auc_score(labels, probabilities)) if both_sides else math.nan,
        accuracy=float(accuracy_score(labels, probabilities >= 0.5)) if labels.size else math.nan,
        brier=float(brier_score_loss(labels, probabilities)) if labels.size else math.nan,
        mae_days=float(errors.mean()) if errors.size else math.nan,
    )
