"""The late-payment model's features, computed from what was known on the scoring date.

Pure: plain facts in (``InvoiceFacts``, ``CustomerFacts``, ``CaseFacts``), a matrix out.
Nothing dated after ``as_of`` is read: an earlier invoice counts as paid only if its last
payment arrived on or before ``as_of``, a dispute, promise or plan only if it was opened
on or before ``as_of`` (and a dispute is still open only if not resolved by then). The
invoice's own payment is never read. So changing anything after the scoring date cannot
change an invoice's features (``tests/analytics/prediction/test_features.py``).
"""

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import repeat
from typing import Any

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True, slots=True)
class InvoiceFacts:
    """An invoice as the model sees it; ``paid_on`` is the day it was settled in full
    (None while any of it is open)."""

    id: int
    customer_id: int
    issue_date: date
    due_date: date
    currency: str
    total_amount: int
    paid_on: date | None = None


@dataclass(frozen=True)
class InvoiceColumns:
    """Many invoices' facts as columns (days as ordinals; ``paid`` is +inf while any of
    the invoice is open): how a whole book is read, with no object per invoice."""

    id: NDArray[np.int64]
    customer_id: NDArray[np.int64]
    issue: NDArray[np.int64]
    due: NDArray[np.int64]
    paid: NDArray[np.float64]
    amount: NDArray[np.float64]
    currency: NDArray[np.object_]

    def __len__(self) -> int:
        return int(self.id.size)

    @classmethod
    def of(cls, invoices: Iterable[InvoiceFacts]) -> "InvoiceColumns":
        """The columns of ``invoices``, in their order (the first of a repeated id)."""
        unique = list({i.id: i for i in invoices}.values())
        return cls(
            np.array([i.id for i in unique], dtype=np.int64),
            np.array([i.customer_id for i in unique], dtype=np.int64),
            np.array([i.issue_date.toordinal() for i in unique], dtype=np.int64),
            np.array([i.due_date.toordinal() for i in unique], dtype=np.int64),
            np.array(
                [i.paid_on.toordinal() if i.paid_on else math.inf for i in unique],
                dtype=np.float64,
            ),
            np.array([i.total_amount for i in unique], dtype=np.float64),
            np.array([i.currency for i in unique], dtype=object),
        )

    def take(self, chosen: NDArray[Any]) -> "InvoiceColumns":
        """The rows ``chosen`` (indices or a mask)."""
        return InvoiceColumns(
            self.id[chosen],
            self.customer_id[chosen],
            self.issue[chosen],
            self.due[chosen],
            self.paid[chosen],
            self.amount[chosen],
            self.currency[chosen],
        )

    def facts(self) -> list[InvoiceFacts]:
        """The rows as ``InvoiceFacts``."""
        paid = self.paid.tolist()
        return [
            InvoiceFacts(
                invoice_id,
                customer_id,
                date.fromordinal(issue),
                date.fromordinal(due),
                currency,
                round(amount),
                date.fromordinal(int(paid_day)) if math.isfinite(paid_day) else None,
            )
            for invoice_id, customer_id, issue, due, currency, amount, paid_day in zip(
                self.id.tolist(),
                self.customer_id.tolist(),
                self.issue.tolist(),
                self.due.tolist(),
                self.currency.tolist(),
                self.amount.tolist(),
                paid,
                strict=True,
            )
        ]


@dataclass(frozen=True, slots=True)
class CustomerFacts:
    """What the model reads about a customer: where it is and its segment."""

    id: int
    country: str = ""
    segment: str = ""  # its first tag


@dataclass(frozen=True, slots=True)
class Span:
    """A dispute, promise or plan over some invoices, from ``start`` until ``end``
    (exclusive; None while it lasts)."""

    customer_id: int
    invoice_ids: frozenset[int]
    start: date
    end: date | None = None

    def active(self, on: date) -> bool:
        """Whether it had begun and not yet ended on ``on``."""
        return self.start <= on and (self.end is None or on < self.end)


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """Disputes, promises and payment plans of the organisation."""

    disputes: Sequence[Span] = ()
    promises: Sequence[Span] = ()
    plans: Sequence[Span] = ()


NUMERIC = (
    "log_amount",
    "terms_days",
    "prior_invoices",
    "prior_paid",
    "prior_mean_days_late",
    "prior_mean_lateness",
    "prior_share_late",
    "prior_max_lateness",
    "last_days_late",
    "prior_mean_days_to_pay",
    "recent_mean_lateness",
    "recent_undisputed_lateness",
    "last_undisputed_lateness",
    "weighted_undisputed_lateness",
    "prior_median_lateness",
    "prior_lateness_disputed",
    "prior_lateness_undisputed",
    "days_since_last_invoice",
    "invoices_last_90_days",
    "open_others",
    "overdue_others",
    "amount_to_usual",
    "prior_disputes",
    "prior_share_disputed",
    "disputed",
    "promised",
    "in_plan",
)
RECENT = 5  # invoices in the "recent" mean
CATEGORICAL = ("country", "segment", "currency")
FEATURES = NUMERIC + CATEGORICAL


@dataclass
class Vocabulary:
    """Category codes learnt at training (an unseen value becomes missing)."""

    codes: dict[str, dict[str, int]] = field(default_factory=dict)

    @classmethod
    def learn(cls, categories: dict[str, list[str]]) -> "Vocabulary":
        """Codes in order of first appearance of each category's values."""
        return cls({name: _first_seen(categories[name]) for name in CATEGORICAL})

    def code(self, name: str, value: str) -> float:
        found = self.codes.get(name, {}).get(value)
        return math.nan if found is None else float(found)


@dataclass(frozen=True, slots=True)
class Target:
    """An invoice to describe and the day it is described as of."""

    invoice_id: int
    as_of: date


@dataclass(frozen=True)
class FeatureTable:
    """The features of many invoices: ``numeric`` in ``NUMERIC`` order (one row per
    invoice) and each category's values."""

    numeric: NDArray[np.float64]
    categories: dict[str, list[str]]

    def __len__(self) -> int:
        return int(self.numeric.shape[0])

    def column(self, name: str) -> NDArray[np.float64]:
        """One numeric feature of every row."""
        return self.numeric[:, NUMERIC.index(name)]

    def row(self, index: int) -> dict[str, float | str]:
        """One invoice's features by name."""
        found: dict[str, float | str] = {
            name: float(self.numeric[index, c]) for c, name in enumerate(NUMERIC)
        }
        for name in CATEGORICAL:
            found[name] = self.categories[name][index]
        return found

    def take(self, indices: Sequence[int] | NDArray[np.int64]) -> "FeatureTable":
        """The rows ``indices``, in that order."""
        chosen = np.asarray(indices, dtype=np.int64)
        return FeatureTable(
            self.numeric[chosen],
            {
                name: [values[i] for i in chosen.tolist()]
                for name, values in self.categories.items()
            },
        )


# Rows of targets × invoices held at once while computing (memory, not results).
CHUNK_CELLS = 131_072


class History:
    """The facts indexed per customer, ready to describe invoices as of any day.

    Features are computed for many invoices at once: customers are put in classes by
    their number of invoices (up to a power of two), each class's invoices in a padded
    customers × invoices matrix, and each target reads its customer's row; every
    feature is then a masked sum, mean or maximum along the rows. No loop runs per
    invoice, except over the few disputes, promises and plans.
    """

    def __init__(
        self,
        invoices: Iterable[InvoiceFacts] | InvoiceColumns,
        customers: Iterable[CustomerFacts],
        cases: CaseFacts = CaseFacts(),
        *,
        late_after_days: int = 0,
    ) -> None:
        self.late_after_days = late_after_days
        self.cases = cases
        columns = invoices if isinstance(invoices, InvoiceColumns) else InvoiceColumns.of(invoices)
        self.columns = columns
        self._facts: dict[int, InvoiceFacts] | None = None
        self.customers = {c.id: c for c in customers}
        # Each invoice's row by id, and its customer's index in ``_customer_ids``.
        self._by_id = np.argsort(columns.id, kind="stable")
        self._sorted_ids = columns.id[self._by_id]
        customer_ids, first, inverse, counts = np.unique(
            columns.customer_id, return_index=True, return_inverse=True, return_counts=True
        )
        self._customer_ids = customer_ids
        self._customer_of = inverse.reshape(-1)
        # Each customer's class (its number of invoices up to a power of two) and its row
        # in the class's matrices (customers in order of their first invoice), and each
        # invoice's column there (a customer's invoices in their order).
        widths = np.ones(customer_ids.size, dtype=np.int64)
        several = counts > 1
        widths[several] = np.left_shift(1, np.ceil(np.log2(counts[several])).astype(np.int64))
        self._width = widths
        self._slot = np.zeros(customer_ids.size, dtype=np.int64)
        appearance = np.argsort(first, kind="stable")
        grouped = np.argsort(self._customer_of, kind="stable")
        starts = np.cumsum(counts) - counts
        column = np.empty(len(columns), dtype=np.int64)
        column[grouped] = np.arange(len(columns)) - starts[self._customer_of[grouped]]
        self._classes: dict[int, _Padded] = {}
        for width in np.unique(widths).tolist():
            members = appearance[widths[appearance] == width]
            self._slot[members] = np.arange(members.size)
            rows = np.flatnonzero(widths[self._customer_of] == width)
            self._classes[width] = _Padded.of(
                columns.take(rows),
                self._slot[self._customer_of[rows]],
                column[rows],
                customer_ids[members],
                width,
            )
        self._country = np.array(
            [self.customers.get(c, CustomerFacts(c)).country for c in customer_ids.tolist()],
            dtype=object,
        )
        self._segment = np.array(
            [self.customers.get(c, CustomerFacts(c)).segment for c in customer_ids.tolist()],
            dtype=object,
        )
        self._own = {
            "disputed": _index(cases.disputes),
            "promised": _index(cases.promises),
            "in_plan": _index(cases.plans),
        }
        self._customer_disputes: dict[int, list[Span]] = defaultdict(list)
        for span in cases.disputes:
            self._customer_disputes[span.customer_id].append(span)

    @property
    def invoices(self) -> dict[int, InvoiceFacts]:
        """``invoice id -> facts`` (made on first use: a large book is read as columns)."""
        if self._facts is None:
            self._facts = {i.id: i for i in self.columns.facts()}
        return self._facts

    def positions(self, invoice_ids: NDArray[np.int64]) -> NDArray[np.int64]:
        """The rows of ``columns`` holding these invoices (each must be known)."""
        found = np.searchsorted(self._sorted_ids, invoice_ids)
        found = np.minimum(found, max(self._sorted_ids.size - 1, 0))
        if invoice_ids.size and (
            not self._sorted_ids.size or (self._sorted_ids[found] != invoice_ids).any()
        ):
            raise KeyError("an invoice not in the history")
        return self._by_id[found]

    def subset(self, keep: NDArray[np.bool_]) -> "History":
        """The same history with only the invoices ``keep`` (a mask over ``columns``)."""
        return History(
            self.columns.take(keep),
            self.customers.values(),
            self.cases,
            late_after_days=self.late_after_days,
        )

    def row(self, target: Target) -> dict[str, float | str]:
        """The features of one invoice as of ``target.as_of``."""
        return self.table([target]).row(0)

    def rows(self, targets: Sequence[Target]) -> list[dict[str, float | str]]:
        """The features of each target, in order."""
        found = self.table(targets)
        return [found.row(i) for i in range(len(found))]

    def table(self, targets: Sequence[Target]) -> FeatureTable:
        """The features of each target, in order, as a table."""
        return self.table_of(
            np.fromiter((t.invoice_id for t in targets), dtype=np.int64, count=len(targets)),
            np.fromiter((t.as_of.toordinal() for t in targets), dtype=np.int64, count=len(targets)),
        )

    def table_of(self, invoice_ids: NDArray[np.int64], days: NDArray[np.int64]) -> FeatureTable:
        """The features of the invoices ``invoice_ids``, each as of the day whose ordinal
        is at the same place in ``days``, in order, as a table."""
        count = int(invoice_ids.size)
        numeric = np.full((count, len(NUMERIC)), math.nan, dtype=np.float64)
        at = self.positions(invoice_ids)
        owner = self._customer_of[at]
        on = days.astype(np.float64)
        widths = self._width[owner]
        slots = self._slot[owner]
        for width, padded in self._classes.items():
            chosen = np.flatnonzero(widths == width)
            step = max(CHUNK_CELLS // width, 1)
            for begin in range(0, chosen.size, step):
                part = chosen[begin : begin + step]
                numeric[part] = self._describe(padded, slots[part], invoice_ids[part], on[part])
        for name, index in self._own.items():
            numeric[:, NUMERIC.index(name)] = _flags(index, invoice_ids, days)
        return FeatureTable(
            numeric,
            {
                "country": self._country[owner].tolist(),
                "segment": self._segment[owner].tolist(),
                "currency": self.columns.currency[at].tolist(),
            },
        )

    def _describe(
        self,
        padded: "_Padded",
        slots: NDArray[np.int64],
        invoice_ids: NDArray[np.int64],
        days: NDArray[np.float64],
    ) -> NDArray[np.float64]:
        """The history features (all but the invoice's own flags) of targets whose
        customers sit in ``padded`` at ``slots``."""
        ids, issue, due, paid_day = (
            padded.ids[slots],
            padded.issue[slots],
            padded.due[slots],
            padded.paid[slots],
        )
        amount = padded.amount[slots]
        day = days[:, None]
        own = ids == invoice_ids[:, None]
        own_index = np.argmax(own, axis=1)
        rows = np.arange(slots.size)
        own_issue = issue[rows, own_index]
        own_due = due[rows, own_index]
        own_amount = amount[rows, own_index]
        issued = ~own & (issue <= day)
        paid = issued & (paid_day <= day)
        with np.errstate(invalid="ignore"):  # padding: never paid minus never issued
            lateness = np.where(paid, paid_day - due, 0.0)
            to_pay = np.where(paid, paid_day - issue, 0.0)
        prior_count = issued.sum(axis=1).astype(np.float64)
        paid_count = paid.sum(axis=1).astype(np.float64)
        disputed = self._disputed_others(padded, slots, invoice_ids, days, ids)
        disputes_so_far = disputed.pop()
        was_disputed = disputed.pop()
        # The paid invoices in the order they were paid (ties: as listed), newest last.
        order = padded.paid_order[slots]
        in_order = np.take_along_axis(paid, order, axis=1)
        lateness_in_order = np.take_along_axis(lateness, order, axis=1)
        from_newest = _count_from_end(in_order)
        undisputed = in_order & ~np.take_along_axis(was_disputed, order, axis=1)
        undisputed_from_newest = _count_from_end(undisputed)
        last_paid = np.argmax(np.where(paid, paid_day, -math.inf), axis=1)
        earlier = issued & (issue <= own_issue[:, None])
        last_issue = np.where(earlier, issue, -math.inf).max(axis=1)
        open_others = issued & ~paid
        amount_sum = np.where(issued, amount, 0.0).sum(axis=1)
        usual = _divide(amount_sum, prior_count)
        weights = np.where(undisputed, 0.5 ** (undisputed_from_newest - 1.0), 0.0)
        median = _masked_median(lateness, paid, paid_count)
        columns = {
            "log_amount": np.log1p(np.maximum(own_amount, 0.0) / 100),
            "terms_days": own_due - own_issue,
            "prior_invoices": prior_count,
            "prior_paid": paid_count,
            "prior_mean_days_late": _masked_mean(np.maximum(lateness, 0.0), paid),
            "prior_mean_lateness": _masked_mean(lateness, paid),
            "prior_share_late": _masked_mean(
                (lateness > self.late_after_days).astype(np.float64), paid
            ),
            "prior_max_lateness": np.where(
                paid_count > 0, np.where(paid, lateness, -math.inf).max(axis=1), math.nan
            ),
            "last_days_late": np.where(paid_count > 0, lateness[rows, last_paid], math.nan),
            "prior_mean_days_to_pay": _masked_mean(to_pay, paid),
            "recent_mean_lateness": _masked_mean(
                lateness_in_order, in_order & (from_newest <= RECENT)
            ),
            "recent_undisputed_lateness": _masked_mean(
                lateness_in_order, undisputed & (undisputed_from_newest <= 3)
            ),
            "last_undisputed_lateness": _masked_mean(
                lateness_in_order, undisputed & (undisputed_from_newest == 1)
            ),
            "weighted_undisputed_lateness": _divide(
                (weights * lateness_in_order).sum(axis=1), weights.sum(axis=1)
            ),
            "prior_median_lateness": median,
            "prior_lateness_disputed": _masked_mean(lateness, paid & was_disputed),
            "prior_lateness_undisputed": _masked_mean(lateness, paid & ~was_disputed),
            "days_since_last_invoice": np.where(
                np.isfinite(last_issue), own_issue - last_issue, math.nan
            ),
            "invoices_last_90_days": (issued & (issue > day - 90)).sum(axis=1).astype(np.float64),
            "open_others": open_others.sum(axis=1).astype(np.float64),
            "overdue_others": (open_others & (due < day)).sum(axis=1).astype(np.float64),
            "amount_to_usual": np.where(usual > 0, _divide(own_amount, usual), math.nan),
            "prior_disputes": disputes_so_far[:, 0],
            "prior_share_disputed": _divide(
                (was_disputed & issued).sum(axis=1).astype(np.float64), prior_count
            ),
        }
        out = np.full((slots.size, len(NUMERIC)), math.nan, dtype=np.float64)
        for name, values in columns.items():
            out[:, NUMERIC.index(name)] = values
        return out

    def _disputed_others(
        self,
        padded: "_Padded",
        slots: NDArray[np.int64],
        invoice_ids: NDArray[np.int64],
        days: NDArray[np.float64],
        ids: NDArray[np.int64],
    ) -> list[NDArray[Any]]:
        """``[was disputed (targets × invoices), disputes so far (targets × 1)]``: the
        customer's other disputes opened by the target's day, not about the target."""
        was = np.zeros(ids.shape, dtype=bool)
        so_far = np.zeros((slots.size, 1), dtype=np.float64)
        if not self._customer_disputes:
            return [was, so_far]
        customers = padded.customers[slots]
        with_disputes = np.flatnonzero(
            np.isin(customers, np.fromiter(self._customer_disputes, dtype=np.int64))
        )
        for r in with_disputes.tolist():
            for span in self._customer_disputes[int(customers[r])]:
                if (
                    span.start.toordinal() <= days[r]
                    and int(invoice_ids[r]) not in span.invoice_ids
                ):
                    so_far[r, 0] += 1
                    was[r] |= np.isin(ids[r], list(span.invoice_ids))
        return [was, so_far]


@dataclass(frozen=True)
class _Padded:
    """A class of customers' invoices as customers × ``width`` matrices; a customer
    with fewer invoices is padded with ones never issued (id -1, issued at +inf)."""

    customers: NDArray[np.int64]
    ids: NDArray[np.int64]
    issue: NDArray[np.float64]
    due: NDArray[np.float64]
    paid: NDArray[np.float64]
    amount: NDArray[np.float64]
    paid_order: NDArray[np.int64]  # per row, the columns by paid day (stable)

    @classmethod
    def of(
        cls,
        invoices: InvoiceColumns,
        rows: NDArray[np.int64],
        columns: NDArray[np.int64],
        customers: NDArray[np.int64],
        width: int,
    ) -> "_Padded":
        """``invoices`` placed at (``rows``, ``columns``) of ``customers`` × ``width``."""
        shape = (customers.size, width)
        ids = np.full(shape, -1, dtype=np.int64)
        issue = np.full(shape, math.inf)
        due = np.zeros(shape)
        paid = np.full(shape, math.inf)
        amount = np.zeros(shape)
        ids[rows, columns] = invoices.id
        issue[rows, columns] = invoices.issue
        due[rows, columns] = invoices.due
        paid[rows, columns] = invoices.paid
        amount[rows, columns] = invoices.amount
        order = np.argsort(paid, axis=1, kind="stable")
        return cls(customers, ids, issue, due, paid, amount, order)


def _count_from_end(mask: NDArray[np.bool_]) -> NDArray[np.float64]:
    """For each true cell, how many true cells there are from it to the row's end
    (1: the last); 0 elsewhere."""
    counts = np.cumsum(mask[:, ::-1], axis=1)[:, ::-1]
    return np.where(mask, counts, 0).astype(np.float64)


def _masked_median(
    values: NDArray[np.float64], mask: NDArray[np.bool_], count: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Each row's median of ``values`` where ``mask`` (``count`` cells); NaN where none
    is: the masked cells sorted to the front, the middle one or the mean of the two."""
    ordered = np.sort(np.where(mask, values, math.inf), axis=1)
    n = count.astype(np.int64)
    rows = np.arange(values.shape[0])
    low = ordered[rows, np.maximum((n - 1) // 2, 0)]
    high = ordered[rows, np.maximum(n // 2, 0)]
    return np.where(n > 0, (low + high) / 2, math.nan)


def _masked_mean(values: NDArray[np.float64], mask: NDArray[np.bool_]) -> NDArray[np.float64]:
    """Each row's mean of ``values`` where ``mask``; NaN where nothing is."""
    return _divide(np.where(mask, values, 0.0).sum(axis=1), mask.sum(axis=1).astype(np.float64))


def _divide(part: NDArray[np.float64], whole: NDArray[np.float64]) -> NDArray[np.float64]:
    """``part / whole`` row by row; NaN where ``whole`` is 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(whole != 0, part / np.where(whole != 0, whole, 1.0), math.nan)


def _flags(
    index: dict[int, list[Span]], invoice_ids: NDArray[np.int64], days: NDArray[np.int64]
) -> NDArray[np.float64]:
    """1.0 for each target whose invoice had a span of ``index`` active on its day
    (``days``: ordinals)."""
    out = np.zeros(invoice_ids.size, dtype=np.float64)
    if not index:
        return out
    for r in np.flatnonzero(np.isin(invoice_ids, np.fromiter(index, dtype=np.int64))).tolist():
        on = date.fromordinal(int(days[r]))
        out[r] = 1.0 if any(s.active(on) for s in index[int(invoice_ids[r])]) else 0.0
    return out


def matrix(table: FeatureTable, vocabulary: Vocabulary) -> NDArray[np.float64]:
    """A feature table as a float matrix in ``FEATURES`` order (categories as codes)."""
    out = np.empty((len(table), len(FEATURES)), dtype=np.float64)
    out[:, : len(NUMERIC)] = table.numeric
    for c, name in enumerate(CATEGORICAL, start=len(NUMERIC)):
        codes = vocabulary.codes.get(name, {})
        values = table.categories[name]
        out[:, c] = np.fromiter(
            map(codes.get, values, repeat(math.nan, len(values))),
            dtype=np.float64,
            count=len(values),
        )
    return out


def categorical_mask() -> list[bool]:
    """Which columns of ``matrix`` are categories."""
    return [name in CATEGORICAL for name in FEATURES]


def _index(spans: Iterable[Span]) -> dict[int, list[Span]]:
    found: dict[int, list[Span]] = defaultdict(list)
    for span in spans:
        for invoice_id in span.invoice_ids:
            found[invoice_id].append(span)
    return found


def _first_seen(values: Sequence[str]) -> dict[str, int]:
    codes: dict[str, int] = {}
    for value in dict.fromkeys(values):
        codes[value] = len(codes)
    return codes
