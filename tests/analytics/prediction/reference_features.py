"""The model's features as first written: one invoice at a time, plain numpy. Kept as
the readable statement of each feature, which the vectorised ``History.table`` must
match exactly (``test_features.py``); not used by Recoup itself."""

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date

import numpy as np
from numpy.typing import NDArray

from recoup.analytics.prediction.features import (
    RECENT,
    CaseFacts,
    CustomerFacts,
    InvoiceFacts,
    Span,
    Target,
)


class ReferenceHistory:
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
    if not values.size:
        return math.nan
    weights = 0.5 ** np.arange(values.size)[::-1]
    return float((values * weights).sum() / weights.sum())
