"""The model's features: hand-worked values, and no leakage from after the scoring date."""

import math
from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recoup.analytics.prediction.core import training_examples
from recoup.analytics.prediction.features import (
    FEATURES,
    CaseFacts,
    CustomerFacts,
    History,
    InvoiceFacts,
    Span,
    Target,
)
from tests.analytics.prediction.reference_features import ReferenceHistory

D = date(2026, 1, 1)


def _invoice(n: int, issued: int, paid: int | None, customer: int = 1) -> InvoiceFacts:
    issue = D + timedelta(days=issued)
    return InvoiceFacts(
        id=n,
        customer_id=customer,
        issue_date=issue,
        due_date=issue + timedelta(days=30),
        currency="EUR",
        total_amount=100_00 * n,
        paid_on=None if paid is None else issue + timedelta(days=paid),
    )


def test_features_of_a_hand_worked_history() -> None:
    # Customer 1: #1 paid 10 days late, #2 paid 5 days early, #3 still open and overdue
    # on day 100, #4 (the one scored, on day 100) disputed on day 100.
    invoices = [_invoice(1, 0, 40), _invoice(2, 10, 25), _invoice(3, 20, None), _invoice(4, 100, 5)]
    cases = CaseFacts(disputes=[Span(1, frozenset({4}), D + timedelta(days=100))])
    history = History(invoices, [CustomerFacts(1, "DE", "retail")], cases)
    row = history.row(Target(4, D + timedelta(days=100)))
    assert row["prior_invoices"] == 3
    assert row["prior_paid"] == 2
    assert row["prior_mean_lateness"] == 2.5  # (10 - 5) / 2
    assert row["prior_mean_days_late"] == 5.0  # (10 + 0) / 2
    assert row["prior_share_late"] == 0.5
    assert row["prior_max_lateness"] == 10
    assert row["last_days_late"] == 10  # #1 was paid last (day 40; #2 on day 35)
    assert row["prior_mean_days_to_pay"] == 32.5  # (40 + 25) / 2
    assert row["open_others"] == 1
    assert row["overdue_others"] == 1
    assert row["amount_to_usual"] == 400_00 / 200_00  # #1..#3 average 200.00
    assert row["disputed"] == 1.0
    assert row["prior_disputes"] == 0  # the invoice's own dispute is not "so far"
    assert row["terms_days"] == 30
    assert row["country"] == "DE"
    assert row["segment"] == "retail"


def test_a_new_customer_has_no_history() -> None:
    history = History([_invoice(1, 0, 40)], [CustomerFacts(1)])
    row = history.row(Target(1, D))
    assert row["prior_paid"] == 0
    assert math.isnan(float(row["prior_mean_lateness"]))


days = st.integers(min_value=0, max_value=200)


@st.composite
def ledgers(draw: st.DrawFn) -> tuple[list[InvoiceFacts], list[Span]]:
    count = draw(st.integers(min_value=1, max_value=12))
    invoices = [
        _invoice(
            n + 1,
            draw(days),
            draw(st.none() | st.integers(min_value=0, max_value=120)),
            customer=draw(st.integers(min_value=1, max_value=2)),
        )
        for n in range(count)
    ]
    spans = []
    for _ in range(draw(st.integers(min_value=0, max_value=4))):
        target = draw(st.sampled_from(invoices))
        start = D + timedelta(days=draw(days))
        end = draw(st.none() | days)
        spans.append(
            Span(
                target.customer_id,
                frozenset({target.id}),
                start,
                None if end is None else start + timedelta(days=end + 1),
            )
        )
    return invoices, spans


def _after(day: date, moved: int) -> date:
    return day + timedelta(days=moved)


@settings(max_examples=150, deadline=None)
@given(ledgers(), st.data())
def test_nothing_after_the_issue_date_changes_an_invoices_features(
    ledger: tuple[list[InvoiceFacts], list[Span]], data: st.DataObject
) -> None:
    invoices, spans = ledger
    scored = data.draw(st.sampled_from(invoices))
    as_of = scored.issue_date
    customers = [CustomerFacts(1, "GB"), CustomerFacts(2, "FR")]
    before = History(invoices, customers, CaseFacts(spans, spans[:1], spans[1:2])).row(
        Target(scored.id, as_of)
    )

    # Change everything dated after the scoring day: payments that arrived later arrive
    # at another later day or not at all (the scored invoice's own payment included),
    # invoices issued later are different, disputes/promises/plans opened later open
    # elsewhere, and those that ended later end at another later day.
    shift = data.draw(st.integers(min_value=1, max_value=60))
    changed = []
    for invoice in invoices:
        if invoice.issue_date > as_of:
            invoice = replace(invoice, total_amount=invoice.total_amount * 3 + 1)
        if invoice.id == scored.id or (invoice.paid_on is not None and invoice.paid_on > as_of):
            invoice = replace(
                invoice, paid_on=data.draw(st.sampled_from([None, _after(as_of, shift)]))
            )
        if invoice.paid_on is None and data.draw(st.booleans()):
            invoice = replace(invoice, paid_on=_after(max(as_of, invoice.issue_date), shift))
        changed.append(invoice)
    changed.append(_invoice(99, (as_of - D).days + shift, 3, customer=scored.customer_id))
    new_spans = []
    for span in spans:
        if span.start > as_of:
            span = replace(span, invoice_ids=frozenset({scored.id}), start=_after(as_of, shift))
        if span.end is not None and span.end > as_of:
            span = replace(span, end=max(span.start, as_of) + timedelta(days=shift + 1))
        new_spans.append(span)
    new_spans.append(Span(scored.customer_id, frozenset({scored.id}), _after(as_of, shift)))
    after = History(changed, customers, CaseFacts(new_spans, new_spans[:1], new_spans[1:2])).row(
        Target(scored.id, as_of)
    )

    assert set(before) == set(FEATURES)
    for name in FEATURES:
        a, b = before[name], after[name]
        same = (isinstance(a, float) and math.isnan(a) and math.isnan(float(b))) or a == b
        assert same, f"{name}: {a} -> {b}"


@settings(max_examples=150, deadline=None)
@given(ledgers(), st.data())
def test_the_table_matches_the_reference_features(
    ledger: tuple[list[InvoiceFacts], list[Span]], data: st.DataObject
) -> None:
    """Computed for many invoices at once, every feature equals the one-invoice-at-a-time
    reference (``reference_features.py``), on random histories and days."""
    invoices, spans = ledger
    customers = [CustomerFacts(1, "GB", "retail"), CustomerFacts(2, "FR")]
    cases = CaseFacts(spans, spans[:1], spans[1:2])
    targets = [
        Target(i.id, D + timedelta(days=data.draw(st.integers(min_value=0, max_value=300))))
        for i in data.draw(st.lists(st.sampled_from(invoices), min_size=1, max_size=20))
    ]
    fast = History(invoices, customers, cases, late_after_days=3).rows(targets)
    slow = ReferenceHistory(invoices, customers, cases, late_after_days=3).rows(targets)
    for got, want in zip(fast, slow, strict=True):
        assert set(got) == set(want) == set(FEATURES)
        for name in FEATURES:
            a, b = got[name], want[name]
            if isinstance(b, str):
                assert a == b, name
            elif math.isnan(b):
                assert math.isnan(float(a)), f"{name}: {a} for NaN"
            else:
                assert float(a) == pytest.approx(b, rel=1e-12, abs=1e-12), name


def test_training_takes_the_newest_examples_up_to_the_limit() -> None:
    # Four invoices paid, issued on days 0, 10, 20, 30: with room for two, the two
    # newest are the examples, each described as of its own issue date.
    invoices = [_invoice(n, 10 * (n - 1), 35) for n in (1, 2, 3, 4)]
    history = History(invoices, [CustomerFacts(1)])
    examples = training_examples(
        history, until=D + timedelta(days=100), known_on=D + timedelta(days=100), limit=2
    )
    assert len(examples) == 2
    assert examples.features.column("prior_invoices").tolist() == [2.0, 3.0]
    assert examples.lateness.tolist() == [5.0, 5.0]
    everything = training_examples(
        history, until=D + timedelta(days=100), known_on=D + timedelta(days=100)
    )
    assert len(everything) == 4
