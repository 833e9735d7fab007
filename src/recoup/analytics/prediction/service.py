"""Late-payment prediction use cases: read the ledger and the cases, train, store, score.

Reads through the ledger's and the cases' service functions; stores models in
``prediction_models``. Never commits.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np
from numpy.typing import NDArray
from sqlalchemy.orm import Session

from recoup.analytics.prediction import forecast as forecast_core
from recoup.analytics.prediction import repository
from recoup.analytics.prediction.core import (
    Evaluation,
    evaluate_split,
    example_count,
    risk_band,
    training_examples,
)
from recoup.analytics.prediction.features import (
    CaseFacts,
    CustomerFacts,
    History,
    InvoiceColumns,
    InvoiceFacts,
    Span,
    Target,
)
from recoup.analytics.prediction.forecast import Backtest, Receipt, Week, weekly
from recoup.analytics.prediction.model import LARGE, MIN_PAID, LateModel, fit, naive_model
from recoup.analytics.prediction.models import PredictionModel
from recoup.cases import disputes as case_disputes
from recoup.cases import plans, promises
from recoup.cases.models import OPEN_DISPUTE_STATUSES, PlanStatus, PromiseStatus
from recoup.config import get_settings
from recoup.errors import NotFound
from recoup.ledger import service as ledger
from recoup.ledger.enums import InvoiceStatus
from recoup.ledger.service import InvoiceSettlement

DEFAULT_LATE_AFTER_DAYS = 0


def load_history(
    session: Session,
    *,
    org_id: int,
    late_after_days: int = DEFAULT_LATE_AFTER_DAYS,
    disputes: bool = True,
) -> History:
    """The organisation's invoices, customers, disputes, promises and plans as facts
    (without the disputes when ``disputes`` is false)."""
    book = _read_book(session, org_id)
    return _book_history(session, org_id, book, late_after_days=late_after_days, disputes=disputes)


@dataclass(frozen=True)
class _Book:
    """Every invoice of the organisation as columns: those open or paid as the model's
    facts, and beside them (same rows) whether each is open and its open amount."""

    invoices: InvoiceColumns
    open: NDArray[np.bool_]
    open_amount: NDArray[np.int64]


def _read_book(session: Session, org_id: int, *, owing_only: bool = False) -> _Book:
    """The invoices read as columns by one plain select (``ledger``'s
    ``invoice_settlement_columns``): no object per invoice. With ``owing_only``, only
    those of customers with an open invoice (an invoice's features come from its own
    customer's invoices alone, so scoring needs no other)."""
    c = ledger.invoice_settlement_columns(session, org_id=org_id, open_customers_only=owing_only)
    n = len(c)
    status = np.array([str(s) for s in dict.fromkeys(c.status)], dtype=object)
    codes = {value: k for k, value in enumerate(status.tolist())}
    status_of = np.fromiter((codes[str(v)] for v in c.status), dtype=np.int64, count=n)
    is_open = status_of == codes.get(InvoiceStatus.OPEN.value, -1)
    is_paid = status_of == codes.get(InvoiceStatus.PAID.value, -1)
    open_amount = np.array(c.open_amount, dtype=np.int64).reshape(n)
    last = np.array(c.last_allocated_on, dtype=np.float64).reshape(n)  # None: NaN
    settled = is_paid & (open_amount == 0) & ~np.isnan(last)
    keep = is_open | is_paid
    columns = InvoiceColumns(
        np.array(c.id, dtype=np.int64).reshape(n),
        np.array(c.customer_id, dtype=np.int64).reshape(n),
        np.array(c.issue_date, dtype=np.int64).reshape(n),
        np.array(c.due_date, dtype=np.int64).reshape(n),
        np.where(settled, last, math.inf),
        np.array(c.total_amount, dtype=np.float64).reshape(n),
        np.array(c.currency, dtype=object).reshape(n),
    )
    return _Book(columns.take(keep), is_open[keep], open_amount[keep])


def _book_history(
    session: Session,
    org_id: int,
    book: _Book,
    *,
    late_after_days: int,
    disputes: bool = True,
    owing_only: bool = False,
) -> History:
    customers = [
        CustomerFacts(customer_id, country, tags[0] if tags else "")
        for customer_id, country, tags in ledger.customer_places(
            session, org_id=org_id, owing_only=owing_only
        )
    ]
    return History(
        book.invoices,
        customers,
        _case_facts(session, org_id, disputes=disputes),
        late_after_days=late_after_days,
    )


def _history(
    session: Session,
    org_id: int,
    settlements: Sequence[InvoiceSettlement],
    *,
    late_after_days: int,
    disputes: bool = True,
    customer_id: int | None = None,
) -> History:
    invoices = [
        InvoiceFacts(
            s.id, s.customer_id, s.issue_date, s.due_date, s.currency, s.total_amount, s.settled_on
        )
        for s in settlements
        if s.status in (InvoiceStatus.OPEN, InvoiceStatus.PAID)
    ]
    customers = [
        CustomerFacts(c.id, c.country, c.tags[0] if c.tags else "")
        for c in (
            ledger.customers(session, org_id=org_id)
            if customer_id is None
            else [ledger.customer_by_id(session, org_id=org_id, customer_id=customer_id)]
        )
    ]
    return History(
        invoices,
        customers,
        _case_facts(session, org_id, disputes=disputes, customer_id=customer_id),
        late_after_days=late_after_days,
    )


def _case_facts(
    session: Session, org_id: int, *, disputes: bool, customer_id: int | None = None
) -> CaseFacts:
    dispute_spans = []
    if disputes:
        for d in case_disputes.list_disputes(session, org_id=org_id, customer_id=customer_id):
            ids = case_disputes.dispute_invoice_ids(session, org_id=org_id, dispute_id=d.id)
            end = None if d.status in OPEN_DISPUTE_STATUSES else d.resolved_on
            dispute_spans.append(Span(d.customer_id, frozenset(ids), d.opened_on, end))
    promise_spans = []
    for p in promises.list_promises(session, org_id=org_id, customer_id=customer_id):
        items = promises.promise_invoice_amounts(session, org_id=org_id, promise_id=p.id)
        end = None if p.status == PromiseStatus.PENDING else p.closed_on
        promise_spans.append(Span(p.customer_id, frozenset(items), p.made_on, end))
    plan_spans = []
    for plan in plans.list_plans(session, org_id=org_id, customer_id=customer_id):
        state = plans.plan_detail(session, org_id=org_id, plan_id=plan.id, as_of=plan.created_on)
        end = None if plan.status == PlanStatus.ACTIVE else plan.closed_on
        plan_spans.append(
            Span(plan.customer_id, frozenset(state.invoice_ids), plan.created_on, end)
        )
    return CaseFacts(dispute_spans, promise_spans, plan_spans)


def evaluate(
    session: Session,
    *,
    org_id: int,
    split_date: date,
    known_on: date,
    late_after_days: int = DEFAULT_LATE_AFTER_DAYS,
    disputes: bool = True,
    min_paid: int | None = None,
) -> Evaluation:
    """Train on the invoices issued before ``split_date`` (outcomes as known on
    ``known_on``), test on the settled ones issued from it, against the naive rule."""
    history = load_history(
        session, org_id=org_id, late_after_days=late_after_days, disputes=disputes
    )
    return evaluate_split(history, split=split_date, known_on=known_on, min_paid=min_paid)


def train(
    session: Session,
    *,
    org_id: int,
    now: datetime,
    until: date | None = None,
    late_after_days: int = DEFAULT_LATE_AFTER_DAYS,
    min_paid: int = MIN_PAID,
    score: bool = True,
) -> PredictionModel:
    """Fit a model on the invoices issued before ``until`` (default: today) and store
    it with its metrics: those of the same training on the oldest four fifths of them,
    tested on the newest fifth, beside the naive rule's. From ``model.LARGE`` examples
    up, that model fitted on the oldest four fifths is the one stored (one training,
    not two). With ``score``, the open
    invoices are then scored with it as of today and the scores stored
    (``store_scores``)."""
    today = now.date()
    until = until or today
    history = load_history(session, org_id=org_id, late_after_days=late_after_days)
    issued = np.sort(history.columns.issue[history.columns.issue < until.toordinal()])
    holdout = date.fromordinal(int(issued[issued.size * 4 // 5])) if issued.size else None
    check: Evaluation | None = None
    if example_count(history, until=until, known_on=today) >= LARGE and holdout is not None:
        # A large book: the model checked on the newest fifth is the one stored (fitted
        # on the older four fifths), rather than fitting everything a second time.
        check = evaluate_split(
            _before(history, until), split=holdout, known_on=today, min_paid=min_paid
        )
        model = check.model
    else:
        examples = training_examples(history, until=until, known_on=today)
        model = fit(examples, late_after_days=late_after_days, min_paid=min_paid)
    metrics: dict[str, object] = {
        "examples": model.examples,
        "paid_examples": model.paid_examples,
        "share_late": round(model.share_late, 4),
        "note": model.note,
    }
    if model.kind != "naive" and holdout is not None:
        if check is None:
            check = evaluate_split(
                _before(history, until), split=holdout, known_on=today, min_paid=min_paid
            )
        metrics["holdout_from"] = holdout.isoformat()
        metrics["holdout"] = check.metrics.as_dict()
        metrics["naive"] = check.naive.as_dict()
    row = PredictionModel(
        org_id=org_id,
        trained_at=now,
        until=until,
        kind=model.kind,
        late_after_days=late_after_days,
        metrics=metrics,
        model=model.dumps(),
    )
    repository.add(session, row)
    if score:
        store_scores(session, org_id=org_id, as_of=today, model_row=row)
    return row


def store_scores(
    session: Session,
    *,
    org_id: int,
    as_of: date,
    model_row: PredictionModel | None = None,
) -> list["InvoiceScore"]:
    """Score every open invoice as of ``as_of`` with ``model_row`` (default: the newest
    stored model) and store the scores in place of the previous ones (what the worklist
    and the customer page read); the scores."""
    row = model_row or latest_model(session, org_id=org_id)
    scores = score_open(session, org_id=org_id, as_of=as_of, model=LateModel.loads(row.model))
    repository.replace_scores(
        session,
        org_id,
        [
            {
                "invoice_id": s.invoice_id,
                "customer_id": s.customer_id,
                "number": s.number,
                "currency": s.currency,
                "open_amount": s.open_amount,
                "due_date": s.due_date,
                "probability_late": s.probability_late,
                "expected_on": s.expected_on,
                "scored_on": as_of,
                "model_id": row.id,
            }
            for s in scores
        ],
    )
    return scores


def _before(history: History, until: date) -> History:
    """The history without the invoices issued from ``until`` on (a holdout check of a
    model trained until then must not test on them)."""
    keep = history.columns.issue < until.toordinal()
    if keep.all():
        return history  # nothing issued from then on: the same history
    return history.subset(keep)


def latest_model(session: Session, *, org_id: int) -> PredictionModel:
    """The organisation's newest model; ``NotFound`` when none was trained."""
    row = repository.latest(session, org_id)
    if row is None:
        raise NotFound("no late-payment model yet: run `recoup model train`")
    return row


@dataclass(frozen=True, slots=True)
class InvoiceScore:
    """An open invoice's prediction: the chance of being paid more than the model's
    ``late_after_days`` late and the day it is expected to be paid."""

    invoice_id: int
    customer_id: int
    number: str
    currency: str
    open_amount: int
    due_date: date
    probability_late: float
    expected_on: date


# An open invoice past the day the model expected it is expected within this many days.
OVERDUE_HORIZON_DAYS = 7


def score_open(
    session: Session, *, org_id: int, as_of: date, model: LateModel | None = None
) -> list[InvoiceScore]:
    """Each open invoice's prediction as of ``as_of`` (with the newest stored model
    unless ``model`` is given). Already more than ``late_after_days`` overdue: certain
    to be late; expected before ``as_of`` but still open: expected within a week."""
    if model is None:
        model = LateModel.loads(latest_model(session, org_id=org_id).model)
    book = _read_book(session, org_id, owing_only=True)
    history = _book_history(
        session, org_id, book, late_after_days=model.late_after_days, owing_only=True
    )
    c = book.invoices
    day = as_of.toordinal()
    chosen = np.flatnonzero(book.open & (book.open_amount > 0) & (c.issue <= day))
    ids, due = c.id[chosen], c.due[chosen]
    predictions = model.predict(
        history.table_of(ids, np.full(chosen.size, day, dtype=np.int64)),
        known_late=(day - due) > model.late_after_days,
    )
    # The expected day: the due day plus the predicted lateness (rounded half to even,
    # as ``round``), or a week from today when that is already past.
    expected = due + np.round(predictions.lateness_days).astype(np.int64)
    expected = np.where(expected >= day, expected, day + OVERDUE_HORIZON_DAYS)
    numbers = ledger.invoice_numbers(session, org_id=org_id, invoice_ids=ids.tolist())
    days_of: dict[int, date] = {}
    for d in np.unique(np.concatenate([due, expected])).tolist():
        days_of[d] = date.fromordinal(d)
    scores = [
        InvoiceScore(
            invoice_id=invoice_id,
            customer_id=customer_id,
            number=numbers.get(invoice_id, ""),
            currency=currency,
            open_amount=open_amount,
            due_date=days_of[due_day],
            probability_late=p,
            expected_on=days_of[expected_day],
        )
        for invoice_id, customer_id, currency, open_amount, due_day, p, expected_day in zip(
            ids.tolist(),
            c.customer_id[chosen].tolist(),
            c.currency[chosen].tolist(),
            book.open_amount[chosen].tolist(),
            due.tolist(),
            predictions.probability_late.tolist(),
            expected.tolist(),
            strict=True,
        )
    ]
    return sorted(scores, key=lambda s: (s.expected_on, s.number))


def _expected_day(due: date, lateness_days: float, as_of: date) -> date:
    expected = due + timedelta(days=round(lateness_days))
    return expected if expected >= as_of else as_of + timedelta(days=OVERDUE_HORIZON_DAYS)


def forecast(
    session: Session,
    *,
    org_id: int,
    as_of: date,
    weeks: int = 13,
    model: LateModel | None = None,
) -> list[Week]:
    """Expected receipts per currency and week from ``as_of``: each open invoice at its
    predicted payment date, except what a pending promise covers (at the promised day)
    and invoices in an active payment plan (its unpaid instalments at their due days).
    A day already past counts as ``as_of``. With the newest stored model unless
    ``model`` is given."""
    found = receipts(session, org_id=org_id, as_of=as_of, model=model)
    return weekly(found, start=as_of, weeks=weeks)


def receipts(
    session: Session, *, org_id: int, as_of: date, model: LateModel | None = None
) -> list[Receipt]:
    """The receipts ``forecast`` sums (see there)."""
    found: list[Receipt] = []
    planned: set[int] = set()
    for plan in plans.list_plans(session, org_id=org_id, statuses=[PlanStatus.ACTIVE]):
        state = plans.plan_detail(session, org_id=org_id, plan_id=plan.id, as_of=as_of)
        planned.update(state.invoice_ids)
        found += [
            Receipt(plan.currency, s.outstanding + s.interest, max(s.due_on, as_of), "plan")
            for s in state.states
            if s.outstanding > 0
        ]
    promised: dict[int, int] = {}
    for promise in promises.list_promises(session, org_id=org_id, statuses=[PromiseStatus.PENDING]):
        items = promises.promise_invoice_amounts(session, org_id=org_id, promise_id=promise.id)
        items = {i: a for i, a in items.items() if i not in planned}
        for invoice_id, amount in items.items():
            promised[invoice_id] = promised.get(invoice_id, 0) + amount
        if items:
            day = max(promise.promised_on, as_of)
            found.append(Receipt(promise.currency, sum(items.values()), day, "promise"))
    for score in score_open(session, org_id=org_id, as_of=as_of, model=model):
        rest = score.open_amount - promised.get(score.invoice_id, 0)
        if score.invoice_id not in planned and rest > 0:
            found.append(Receipt(score.currency, rest, score.expected_on))
    return found


def backtest(
    session: Session, *, org_id: int, made_on: date, weeks: int = 13, min_paid: int = MIN_PAID
) -> list[Backtest]:
    """The forecast that would have been made on ``made_on`` (a model trained on what
    was known then, the invoices open then at their predicted dates; promises and plans
    left out) beside the payments that arrived on those invoices, per currency."""
    history = load_history(session, org_id=org_id)
    model = fit(
        training_examples(history, until=made_on, known_on=made_on),
        late_after_days=history.late_after_days,
        min_paid=min_paid,
    )
    candidates = [
        i
        for i in history.invoices.values()
        if i.issue_date <= made_on and (i.paid_on is None or i.paid_on > made_on)
    ]
    lines = ledger.allocation_lines(session, org_id=org_id, invoice_ids=[i.id for i in candidates])
    paid_before: dict[int, int] = {}
    actual: list[Receipt] = []
    for line in lines:
        if line.allocated_on <= made_on:
            paid_before[line.invoice_id] = paid_before.get(line.invoice_id, 0) + line.amount
        else:
            actual.append(Receipt(line.currency, line.amount, line.allocated_on))
    predictions = model.predict(history.table([Target(i.id, made_on) for i in candidates]))
    expected = [
        Receipt(
            i.currency,
            i.total_amount - paid_before.get(i.id, 0),
            _expected_day(i.due_date, days, made_on),
        )
        for i, days in zip(candidates, predictions.lateness_days.tolist(), strict=True)
        if i.total_amount > paid_before.get(i.id, 0)
    ]
    return forecast_core.backtest(expected, actual, made_on=made_on, weeks=weeks)


def customer_names(session: Session, *, org_id: int) -> dict[int, str]:
    """``customer id -> name``, to label scores."""
    return {c.id: c.name for c in ledger.customers(session, org_id=org_id)}


def assign_risk_bands(
    session: Session,
    *,
    org_id: int,
    as_of: date,
    model: LateModel | None = None,
    scores: Sequence[InvoiceScore] | None = None,
) -> dict[int, str]:
    """Set the ``risk_band`` of every customer with open invoices from their predictions
    (``scores``, or else scored now; ``core.risk_band``); customers with nothing open
    keep theirs. ``customer id -> band``."""
    open_items: dict[int, list[tuple[float, int]]] = {}
    if scores is None:
        scores = score_open(session, org_id=org_id, as_of=as_of, model=model)
    for score in scores:
        open_items.setdefault(score.customer_id, []).append(
            (score.probability_late, score.open_amount)
        )
    bands = {customer_id: risk_band(items) for customer_id, items in open_items.items()}
    ledger.set_risk_bands(session, org_id=org_id, bands=bands)
    return bands


NO_MODEL_NOTE = (
    "no model trained yet (`recoup model train`): each invoice is predicted as late as "
    "its customer's average"
)


def model_or_naive(session: Session, *, org_id: int, as_of: date) -> tuple[LateModel, bool]:
    """The newest stored model and True; without one, the naive rule ("as late as
    this customer's average", fitted on what is known on ``as_of``) and False."""
    row = repository.latest(session, org_id)
    if row is not None:
        return LateModel.loads(row.model), True
    history = load_history(session, org_id=org_id)
    examples = training_examples(history, until=as_of, known_on=as_of)
    return naive_model(examples, late_after_days=history.late_after_days), False


@dataclass(frozen=True, slots=True)
class AccountRisk:
    """A customer's open invoices in one currency and the part of them expected to be
    paid late: ``at_risk`` = the sum of open amount × probability of paying late."""

    customer_id: int
    name: str
    currency: str
    open_amount: int
    at_risk: int
    invoices: int

    @property
    def probability(self) -> float:
        """The amount-weighted probability of paying late."""
        return self.at_risk / self.open_amount if self.open_amount else 0.0


def accounts_at_risk(scores: Sequence[InvoiceScore], names: dict[int, str]) -> list[AccountRisk]:
    """Open invoices' scores summed per customer and currency, the largest amount at
    risk first (rounded to the minor unit, half up)."""
    sums: dict[tuple[int, str], list[float]] = {}
    for s in scores:
        slot = sums.setdefault((s.customer_id, s.currency), [0, 0.0, 0])
        slot[0] += s.open_amount
        slot[1] += s.open_amount * s.probability_late
        slot[2] += 1
    found = [
        AccountRisk(
            customer_id,
            names.get(customer_id, ""),
            currency,
            int(open_amount),
            math.floor(at_risk + 0.5),
            int(count),
        )
        for (customer_id, currency), (open_amount, at_risk, count) in sums.items()
    ]
    return sorted(found, key=lambda a: (-a.at_risk, a.currency, a.name, a.customer_id))


def daily_upkeep(
    session: Session,
    *,
    org_id: int,
    as_of: date,
    now: datetime,
    max_age_days: int | None = None,
    min_paid: int = MIN_PAID,
) -> list[str]:
    """What the daily run does for the prediction, each part in a savepoint so that a
    failure is rolled back alone and reported, never raised:

    * retrain when the stored model is older than ``max_age_days`` (default: the
      ``RECOUP_RETRAIN_MODEL_DAYS`` setting, 30) or there is none, and at least
      ``min_paid`` invoices are paid (a cheap count first: no history is read
      otherwise);
    * score the open invoices with the stored model, store the scores
      (``store_scores``) and set the customers' risk bands from them (no model: left
      as they are).

    Returns notes in words for the run's report."""
    if max_age_days is None:
        max_age_days = get_settings().retrain_model_days
    notes: list[str] = []
    latest = repository.latest(session, org_id)
    stale = latest is None or _aware(now) - _aware(latest.trained_at) > timedelta(days=max_age_days)
    if stale:
        paid = ledger.count_paid_invoices(session, org_id=org_id)
        if paid >= min_paid:
            try:
                with session.begin_nested():
                    row = train(session, org_id=org_id, now=now, min_paid=min_paid, score=False)
                how = "naive rule" if row.kind == "naive" else "gradient boosting"
                paid_examples = row.metrics["paid_examples"]
                notes.append(
                    f"late-payment model retrained on {paid_examples} paid invoices ({how})"
                )
                latest = row
            except Exception as error:
                notes.append(f"late-payment model not retrained: {error}")
    if latest is not None:
        try:
            with session.begin_nested():
                scores = store_scores(session, org_id=org_id, as_of=as_of, model_row=latest)
                bands = assign_risk_bands(session, org_id=org_id, as_of=as_of, scores=scores)
            notes.append(
                f"{len(scores)} open invoices scored; risk bands of {len(bands)} customers set"
            )
        except Exception as error:
            notes.append(f"risk bands not scored: {error}")
    return notes


def _aware(moment: datetime) -> datetime:
    """SQLite hands datetimes back without their zone; stored ones are UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Outlook:
    """What the stored model expects of one customer's open invoices in one currency:
    the amount-weighted payment date and chance of paying more than ``late_after_days``
    late, and the facts it reads that weigh most, in words."""

    currency: str
    open_amount: int
    expected_on: date
    probability_late: float
    late_after_days: int
    reasons: list[str]


def customer_outlook(
    session: Session, *, org_id: int, customer_id: int, as_of: date
) -> list[Outlook]:
    """Per currency, the outlook of the customer's open invoices; empty when no model
    is stored (nothing is claimed without one) or nothing is open."""
    stored = repository.customer_scores(session, org_id, customer_id)
    if not stored:
        return []
    row = latest_model(session, org_id=org_id)
    settlements = ledger.customer_invoice_settlements(
        session, org_id=org_id, customer_id=customer_id
    )
    history = _history(
        session,
        org_id,
        settlements,
        late_after_days=row.late_after_days,
        customer_id=customer_id,
    )
    scores = [
        InvoiceScore(
            s.invoice_id,
            s.customer_id,
            s.number,
            s.currency,
            s.open_amount,
            s.due_date,
            s.probability_late,
            s.expected_on,
        )
        for s in stored
        if s.invoice_id in history.invoices
    ]
    found: list[Outlook] = []
    for currency in sorted({s.currency for s in scores}):
        mine = [s for s in scores if s.currency == currency]
        total = sum(s.open_amount for s in mine)
        if total <= 0:
            continue
        day = sum(s.expected_on.toordinal() * s.open_amount for s in mine) / total
        probability = sum(s.probability_late * s.open_amount for s in mine) / total
        largest = max(mine, key=lambda s: (s.open_amount, s.number))
        facts = history.row(Target(largest.invoice_id, as_of))
        found.append(
            Outlook(
                currency,
                total,
                date.fromordinal(round(day)),
                probability,
                row.late_after_days,
                reasons_in_words(facts, as_of=as_of, due=largest.due_date),
            )
        )
    return found


def reasons_in_words(
    facts: dict[str, float | str], *, as_of: date, due: date, limit: int = 3
) -> list[str]:
    """The facts about an invoice that weigh most in the model (its customer's lateness
    so far, share paid late, other overdue invoices, a dispute, promise or plan), in
    words, the most telling first; at most ``limit``.

    >>> reasons_in_words({"prior_paid": 4.0, "prior_mean_lateness": 12.4,
    ...     "prior_share_late": 0.75, "overdue_others": 2.0, "disputed": 1.0},
    ...     as_of=date(2026, 3, 1), due=date(2026, 3, 10))  # doctest: +NORMALIZE_WHITESPACE
    ['in dispute', 'paid earlier invoices 12 days late on average',
     '3 of 4 earlier invoices paid late']
    """
    out: list[str] = []

    def number(name: str) -> float:
        value = facts.get(name, math.nan)
        return float(value) if isinstance(value, int | float) else math.nan

    if number("disputed") > 0:
        out.append("in dispute")
    paid = number("prior_paid")
    lateness = number("prior_mean_lateness")
    if paid > 0 and not math.isnan(lateness):
        if lateness >= 1:
            out.append(f"paid earlier invoices {round(lateness)} days late on average")
        elif lateness <= -1:
            out.append(f"paid earlier invoices {round(-lateness)} days early on average")
        else:
            out.append("paid earlier invoices on time on average")
    share = number("prior_share_late")
    if paid > 0 and not math.isnan(share):
        out.append(f"{round(share * paid)} of {round(paid)} earlier invoices paid late")
    elif not paid:
        out.append("no earlier invoice paid yet")
    overdue = number("overdue_others")
    if overdue > 0:
        out.append(f"{round(overdue)} other invoices overdue")
    if (as_of - due).days > 0:
        out.append(f"already {(as_of - due).days} days past due")
    if number("promised") > 0:
        out.append("a payment promised")
    if number("in_plan") > 0:
        out.append("in a payment plan")
    return out[:limit]


def amounts_at_risk(session: Session, *, org_id: int, as_of: date) -> dict[tuple[int, str], int]:
    """``(customer id, currency) -> expected amount at risk`` (open amount × probability
    of paying late, rounded half up) of every account, from the stored scores (the last
    scoring, ``store_scores``); empty when nothing was scored."""
    del as_of  # the stored scores are as of the day they were made
    return {
        (customer_id, currency): math.floor(at_risk + 0.5)
        for customer_id, currency, at_risk in repository.at_risk_sums(session, org_id)
    }
