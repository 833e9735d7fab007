"""Late-payment prediction use cases: read the ledger and the cases, train, store, score.

Reads through the ledger's and the cases' service functions; stores models in
``prediction_models``. Never commits.
"""

from datetime import date

from sqlalchemy.orm import Session

from recoup.analytics.prediction.core import Evaluation, evaluate_split
from recoup.analytics.prediction.features import (
    CaseFacts,
    CustomerFacts,
    History,
    InvoiceFacts,
    Span,
)
from recoup.cases import service as cases
from recoup.cases.models import OPEN_DISPUTE_STATUSES, PlanStatus, PromiseStatus
from recoup.ledger import service as ledger
from recoup.ledger.models import InvoiceStatus

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
    invoices = [
        InvoiceFacts(
            s.id, s.customer_id, s.issue_date, s.due_date, s.currency, s.total_amount, s.settled_on
        )
        for s in ledger.invoice_settlements(session, org_id=org_id)
        if s.status in (InvoiceStatus.OPEN, InvoiceStatus.PAID)
    ]
    customers = [
        CustomerFacts(c.id, c.country, c.tags[0] if c.tags else "")
        for c in ledger.customers(session, org_id=org_id)
    ]
    return History(
        invoices,
        customers,
        _case_facts(session, org_id, disputes=disputes),
        late_after_days=late_after_days,
    )


def _case_facts(session: Session, org_id: int, *, disputes: bool) -> CaseFacts:
    dispute_spans = []
    if disputes:
        for d in cases.list_disputes(session, org_id=org_id):
            ids = cases.dispute_invoice_ids(session, org_id=org_id, dispute_id=d.id)
            end = None if d.status in OPEN_DISPUTE_STATUSES else d.resolved_on
            dispute_spans.append(Span(d.customer_id, frozenset(ids), d.opened_on, end))
    promise_spans = []
    for p in cases.list_promises(session, org_id=org_id):
        items = cases.promise_invoice_amounts(session, org_id=org_id, promise_id=p.id)
        end = None if p.status == PromiseStatus.PENDING else p.closed_on
        promise_spans.append(Span(p.customer_id, frozenset(items), p.made_on, end))
    plan_spans = []
    for plan in cases.list_plans(session, org_id=org_id):
        state = cases.plan_detail(session, org_id=org_id, plan_id=plan.id, as_of=plan.created_on)
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
