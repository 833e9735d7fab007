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
    def learn(cls, rows: Iterable[dict[str, str]]) -> "Vocabulary":
        codes: dict[str, dict[str, int]] = {name: {} for name in CATEGORICAL}
        for row in rows:
            for name in CATEGORICAL:
                codes[name].setdefault(row[name], len(codes[name]))
        return cls(codes)

    def code(self, name: str, value: str) -> float:
        found = self.codes.get(name, {}).get(value)
        return math.nan if found is None else float(found)


@dataclass(frozen=True, slots=True)
class Target:
    """An invoice to describe and the day it is described as of."""

    invoice_id: int
    as_of: date


class History:
    """The facts indexed per customer, ready to describe invoices as of any day."""

    def __init__(
        self,
        invoices: Iterable[InvoiceFacts],
        customers: Iterable[CustomerFacts],
        cases: CaseFacts = CaseFacts(),
        *,
        late_after_days: int = 0,
    ) -> None:
        self.late_after_days = late_after_days
        self.cases = cases
        self.invoices = {i.id: i for i in invoices}
        self.customers = {c.id: c for c in customers}
        by_customer: dict[int, list[InvoiceFacts]] = defaultdict(list)
        for invoice in self.invoices.values():
            by_customer[invoice.customer_id].append(invoice)
        self._arrays: dict[int, dict[str, NDArray[np.float64]]] = {}
        self._ids: dict[int, NDArray[np.int64]] = {}
        for customer_id, rows in by_customer.items():
            self._ids[customer_id] = np.array([r.id for r in rows], dtype=np.int64)
            self._arrays[customer_id] = {
                "issue": np.array([r.issue_date.toordinal() for r in rows], dtype=np.float64),
                "due": np.array([r.due_date.toordinal() for r in rows], dtype=np.float64),
                "paid": np.array(
                    [r.paid_on.toordinal() if r.paid_on else math.inf for r in rows],
                    dtype=np.float64,
                ),
                "amount": np.array([r.total_amount for r in rows], dtype=np.float64),
            }
        self._disputes = _index(cases.disputes)
        self._promises = _index(cases.promises)
        self._plans = _index(cases.plans)
        self._customer_disputes: dict[int, list[Span]] = defaultdict(list)
        for span in cases.disputes:
            self._customer_disputes[span.customer_id].append(span)

    def row(self, target: Target) -> dict[str, float | str]:
        """The features of one invoice as of ``target.as_of``."""
        invoice = self.invoices[target.invoice_id]
        customer = self.customers.get(invoice.customer_id, CustomerFacts(invoice.customer_id))
        day = target.as_of.toordinal()
        arrays = self._arrays[invoice.customer_id]
        others = self._ids[invoice.customer_id] != invoice.id
        issued = others & (arrays["issue"] <= day)
        paid = issued & (arrays["paid"] <= day)
        lateness = (arrays["paid"] - arrays["due"])[paid]  # signed: early is negative
        days_late = np.maximum(lateness, 0.0)
        to_pay = (arrays["paid"] - arrays["issue"])[paid]
        open_others = issued & ~paid
        amounts = arrays["amount"][issued]
        last = int(np.argmax(arrays["paid"][paid])) if paid.any() else -1
        disputes = [
            s
            for s in self._customer_disputes.get(invoice.customer_id, ())
            if s.start <= target.as_of and invoice.id not in s.invoice_ids
        ]
        disputed_invoices = {i for s in disputes for i in s.invoice_ids}
        prior_count = int(issued.sum())
        own_disputed = _flag(self._disputes, invoice.id, target.as_of)
        paid_ids = self._ids[invoice.customer_id][paid]
        was_disputed = np.array([i in disputed_invoices for i in paid_ids.tolist()], dtype=bool)
        order = np.argsort(arrays["paid"][paid], kind="stable")
        recent = lateness[order[-RECENT:]]
        undisputed = lateness[order][~was_disputed[order]]
        issue_days = arrays["issue"][issued]
        earlier = issue_days[issue_days <= invoice.issue_date.toordinal()]
        return {
            "log_amount": math.log1p(max(invoice.total_amount, 0) / 100),
            "terms_days": float((invoice.due_date - invoice.issue_date).days),
            "prior_invoices": float(prior_count),
            "prior_paid": float(paid.sum()),
            "prior_mean_days_late": _mean(days_late),
            "prior_mean_lateness": _mean(lateness),
            "prior_share_late": _mean((lateness > self.late_after_days).astype(np.float64)),
            "prior_max_lateness": float(lateness.max()) if lateness.size else math.nan,
            "last_days_late": float(lateness[last]) if last >= 0 else math.nan,
            "prior_mean_days_to_pay": _mean(to_pay),
            "recent_mean_lateness": _mean(recent),
            "recent_undisputed_lateness": _mean(undisputed[-3:]),
            "last_undisputed_lateness": float(undisputed[-1]) if undisputed.size else math.nan,
            "weighted_undisputed_lateness": _recency_weighted(undisputed),
            "prior_median_lateness": float(np.median(lateness)) if lateness.size else math.nan,
            "prior_lateness_disputed": _mean(lateness[was_disputed]),
            "prior_lateness_undisputed": _mean(lateness[~was_disputed]),
            "days_since_last_invoice": (
                float(invoice.issue_date.toordinal() - earlier.max()) if earlier.size else math.nan
            ),
            "invoices_last_90_days": float((issue_days > day - 90).sum()),
            "open_others": float(open_others.sum()),
            "overdue_others": float((open_others & (arrays["due"] < day)).sum()),
            "amount_to_usual": (
                invoice.total_amount / float(amounts.mean())
                if amounts.size and amounts.mean() > 0
                else math.nan
            ),
            "prior_disputes": float(len(disputes)),
            "prior_share_disputed": (
                len(disputed_invoices & set(self._ids[invoice.customer_id][issued].tolist()))
                / prior_count
                if prior_count
                else math.nan
            ),
            "disputed": own_disputed,
            "promised": _flag(self._promises, invoice.id, target.as_of),
            "in_plan": _flag(self._plans, invoice.id, target.as_of),
            "country": customer.country,
            "segment": customer.segment,
            "currency": invoice.currency,
        }

    def rows(self, targets: Sequence[Target]) -> list[dict[str, float | str]]:
        """The features of each target, in order."""
        return [self.row(t) for t in targets]


def matrix(rows: Sequence[dict[str, float | str]], vocabulary: Vocabulary) -> NDArray[np.float64]:
    """Rows of features as a float matrix in ``FEATURES`` order (categories as codes)."""
    out = np.empty((len(rows), len(FEATURES)), dtype=np.float64)
    for r, row in enumerate(rows):
        for c, name in enumerate(NUMERIC):
            out[r, c] = float(row[name])
        for c, name in enumerate(CATEGORICAL, start=len(NUMERIC)):
            out[r, c] = vocabulary.code(name, str(row[name]))
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


def _flag(index: dict[int, list[Span]], invoice_id: int, on: date) -> float:
    return 1.0 if any(s.active(on) for s in index.get(invoice_id, ())) else 0.0


def _mean(values: NDArray[np.float64]) -> float:
    return float(values.mean()) if values.size else math.nan


def _recency_weighted(values: NDArray[np.float64]) -> float:
    """A mean in which each value weighs half of the one after it (latest last)."""
    if not values.size:
        return math.nan
    weights = 0.5 ** np.arange(values.size)[::-1]
    return float((values * weights).sum() / weights.sum())
