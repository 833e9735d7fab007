"""Which invoices teach the model and which test it, as known on a given day (pure).

Training ``until`` a day D uses the invoices issued before D with their outcome as the
ledger knows it (on ``known_on``, normally today): those settled (lateness known), and
those still open more than ``late_after_days`` past due (known to be late, lateness
not yet known; leaving them out would teach the model that late invoices are rare).
Each is described as of its issue date, the day a prediction for it would have been
made, so its features hold nothing from later (``features``).
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
from numpy.typing import NDArray

from recoup.analytics.prediction.features import History, InvoiceFacts
from recoup.analytics.prediction.model import Examples, LateModel, Metrics, fit, score


def lateness(invoice: InvoiceFacts) -> int | None:
    """Days from the due date to the settlement (negative: early); None while open."""
    return None if invoice.paid_on is None else (invoice.paid_on - invoice.due_date).days


def training_examples(
    history: History, *, until: date, known_on: date, limit: int | None = None
) -> Examples:
    """Invoices issued before ``until`` with their outcome as known on ``known_on``
    (see the module's docstring), in the history's order; with ``limit``, only the
    newest ``limit`` of them (by issue date), oldest first."""
    c = history.columns
    late_after = history.late_after_days
    settled, chosen = _outcomes(history, until=until, known_on=known_on)
    if limit is not None and chosen.size > limit:
        chosen = chosen[np.lexsort((c.id[chosen], c.issue[chosen]))[-limit:]]
    with np.errstate(invalid="ignore"):
        days = np.where(settled[chosen], c.paid[chosen] - c.due[chosen], math.nan)
    return Examples(
        history.table_of(c.id[chosen], c.issue[chosen]),
        np.where(settled[chosen], days > late_after, True),
        days,
        c.issue[chosen],
    )


def _outcomes(
    history: History, *, until: date, known_on: date
) -> tuple[NDArray[np.bool_], NDArray[np.int64]]:
    """Which invoices were settled by ``known_on`` (a mask), and the examples' rows."""
    c = history.columns
    before = c.issue < until.toordinal()
    settled = before & (c.paid <= known_on.toordinal())
    still_late = before & ~settled & (known_on.toordinal() - c.due > history.late_after_days)
    return settled, np.flatnonzero(settled | still_late)


def example_count(history: History, *, until: date, known_on: date) -> int:
    """How many examples ``training_examples`` gives (without describing them)."""
    return int(_outcomes(history, until=until, known_on=known_on)[1].size)


def evaluation_examples(history: History, *, since: date) -> Examples:
    """Settled invoices issued on or after ``since``, each as of its issue date."""
    c = history.columns
    chosen = np.flatnonzero((c.issue >= since.toordinal()) & np.isfinite(c.paid))
    days = c.paid[chosen] - c.due[chosen]
    return Examples(
        history.table_of(c.id[chosen], c.issue[chosen]),
        days > history.late_after_days,
        days,
        c.issue[chosen],
    )


@dataclass(frozen=True, slots=True)
class Evaluation:
    """A model trained before ``split`` and tested on the invoices issued from it,
    beside the naive rule ("as late as this customer's average") on the same invoices."""

    split: date
    trained_on: int
    model: LateModel
    metrics: Metrics
    naive: Metrics


def evaluate_split(
    history: History, *, split: date, known_on: date, min_paid: int | None = None
) -> Evaluation:
    """Train on the invoices issued before ``split`` (outcomes as known on ``known_on``)
    and score the settled invoices issued from then."""
    train = training_examples(history, until=split, known_on=known_on)
    test = evaluation_examples(history, since=split)
    kwargs = {} if min_paid is None else {"min_paid": min_paid}
    model = fit(train, late_after_days=history.late_after_days, **kwargs)
    naive = LateModel(
        kind="naive",
        late_after_days=model.late_after_days,
        examples=model.examples,
        paid_examples=model.paid_examples,
        share_late=model.share_late,
        mean_lateness=model.mean_lateness,
    )
    return Evaluation(
        split=split,
        trained_on=len(train),
        model=model,
        metrics=score(model.predict(test.features), test),
        naive=score(naive.predict(test.features), test),
    )


# A customer's risk band (what policies' ``risk_bands`` condition reads) from the
# amount-weighted probability that its open invoices are paid late.
RISK_BANDS = ((0.3, "low"), (0.6, "medium"), (1.01, "high"))


def risk_band(probabilities: Sequence[tuple[float, int]]) -> str:
    """``low`` / ``medium`` / ``high`` for open invoices given as (probability of being
    paid late, open amount); below 30 % low, from 60 % high.

    >>> risk_band([(0.9, 100), (0.1, 500)])
    'low'
    >>> risk_band([(0.9, 100), (0.5, 100)])
    'high'
    """
    total = sum(amount for _, amount in probabilities)
    weighted = sum(p * amount for p, amount in probabilities) / total if total else 0.0
    return next(band for limit, band in RISK_BANDS if weighted < limit)
