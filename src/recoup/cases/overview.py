"""A customer's open cases of every kind, as the customer page lists them."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from recoup.cases import core, repository
from recoup.cases.coexistence import cases_on_invoices
from recoup.cases.ledger_views import customer
from recoup.cases.models import (
    OPEN_DISPUTE_STATUSES,
    Dispute,
    Handoff,
    HandoffStatus,
    PaymentPlan,
    PlanStatus,
    Promise,
    PromiseStatus,
)
from recoup.cases.plans import PlanState, plan_states
from recoup.ledger import service as ledger


@dataclass(frozen=True, slots=True)
class OpenCases:
    """A customer's open cases, as the customer page lists them: pending promises, open
    disputes, active payment plans (with their instalments as of the day) and hand-offs
    awaiting approval or placed; ``on_invoice`` gives each invoice's open cases in
    words (for markers on the open invoices)."""

    promises: list[Promise]
    disputes: list[Dispute]
    plans: list[PlanState]
    handoffs: list[Handoff]
    on_invoice: dict[int, list[core.CaseOnInvoice]]

    def __bool__(self) -> bool:
        return bool(self.promises or self.disputes or self.plans or self.handoffs)


def open_cases(session: Session, *, org_id: int, customer_id: int, as_of: date) -> OpenCases:
    """Every open case of a customer (see ``OpenCases``), oldest first in each kind."""
    customer(session, org_id=org_id, customer_id=customer_id)
    promises = [
        p
        for p in repository.for_customer(session, Promise, org_id, customer_id)
        if p.status == PromiseStatus.PENDING
    ]
    disputes = [
        d
        for d in repository.for_customer(session, Dispute, org_id, customer_id)
        if d.status in OPEN_DISPUTE_STATUSES
    ]
    plans = [
        p
        for p in repository.for_customer(session, PaymentPlan, org_id, customer_id)
        if p.status == PlanStatus.ACTIVE
    ]
    handoffs = [
        h
        for h in repository.for_customer(session, Handoff, org_id, customer_id)
        if h.status in (HandoffStatus.PENDING, HandoffStatus.PLACED)
    ]
    invoice_ids = [
        i.id for i in ledger.open_invoices(session, org_id=org_id, customer_id=customer_id)
    ]
    on_invoice: dict[int, list[core.CaseOnInvoice]] = defaultdict(list)
    for case in cases_on_invoices(session, org_id=org_id, invoice_ids=invoice_ids):
        on_invoice[case.invoice_id].append(case)
    return OpenCases(
        promises, disputes, plan_states(session, org_id, plans, as_of), handoffs, dict(on_invoice)
    )
