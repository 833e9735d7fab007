"""The cash forecast: expected receipts per week and currency, and its backtest (pure).

Week ``i`` of a forecast made on day D covers ``D + 7i`` to ``D + 7i + 6``. Amounts are
integer minor units, summed per currency (never across currencies).
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class Receipt:
    """Money expected (or received) on a day; ``source`` says why it is expected:
    ``model`` (predicted payment date), ``promise`` or ``plan`` (an instalment)."""

    currency: str
    amount: int
    on: date
    source: str = "model"


@dataclass(frozen=True, slots=True)
class Week:
    """One week of a forecast in one currency."""

    currency: str
    start: date
    amount: int


def weekly(receipts: Iterable[Receipt], *, start: date, weeks: int) -> list[Week]:
    """Receipts summed per currency and week from ``start``; what falls outside the
    ``weeks`` is left out (every currency that has receipts gets every week)."""
    sums: dict[str, list[int]] = defaultdict(lambda: [0] * weeks)
    for receipt in receipts:
        index = (receipt.on - start).days // 7
        if 0 <= index < weeks:
            sums[receipt.currency][index] += receipt.amount
        else:
            sums[receipt.currency]
    return [
        Week(currency, date.fromordinal(start.toordinal() + 7 * i), amount)
        for currency in sorted(sums)
        for i, amount in enumerate(sums[currency])
    ]


@dataclass(frozen=True, slots=True)
class Backtest:
    """A forecast made on ``made_on`` beside what arrived, per currency.

    ``error`` is the weighted absolute percentage error over the weeks: the sum of
    |forecast - actual| over the sum of actual (0.25 = off by a quarter of the money).
    """

    made_on: date
    currency: str
    forecast: Sequence[int]
    actual: Sequence[int]

    @property
    def error(self) -> float:
        arrived = sum(self.actual)
        missed = sum(abs(f - a) for f, a in zip(self.forecast, self.actual, strict=True))
        return missed / arrived if arrived else 0.0 if not missed else float("inf")

    @property
    def total_error(self) -> float:
        """The error of the whole period's total (forecast over actual, minus one)."""
        arrived = sum(self.actual)
        return sum(self.forecast) / arrived - 1 if arrived else 0.0


def backtest(
    forecast: Iterable[Receipt],
    actual: Iterable[Receipt],
    *,
    made_on: date,
    weeks: int,
) -> list[Backtest]:
    """Per currency, the forecast's weeks beside the receipts that arrived in them."""
    predicted = _by_currency(weekly(forecast, start=made_on, weeks=weeks))
    arrived = _by_currency(weekly(actual, start=made_on, weeks=weeks))
    return [
        Backtest(
            made_on,
            currency,
            predicted.get(currency, [0] * weeks),
            arrived.get(currency, [0] * weeks),
        )
        for currency in sorted(predicted.keys() | arrived.keys())
    ]


def _by_currency(weeks: Iterable[Week]) -> dict[str, list[int]]:
    found: dict[str, list[int]] = defaultdict(list)
    for week in weeks:
        found[week.currency].append(week.amount)
    return found
