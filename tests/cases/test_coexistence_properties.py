"""Whatever sequence of case actions is tried, accepted or refused, the cases on each
invoice stay compatible (``core.admit``), a refusal writes nothing, and a plan's
instalments count only money received."""

import uuid
from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from recoup.cases import agency, coexistence, disputes, plans, promises
from recoup.cases.models import (
    Dispute,
    Handoff,
    HandoffStatus,
    PaymentPlan,
    PlanStatus,
    Promise,
    PromiseStatus,
)
from recoup.errors import Conflict, InvalidInput
from recoup.ledger import service as ledger
from tests.cases.helpers import pay
from tests.factories import make_customer, make_invoice, make_org

DAY = date(2026, 1, 10)
ACTIONS = (
    "promise",
    "cancel_promise",
    "dispute",
    "resolve_invalid",
    "resolve_credited",
    "plan",
    "cancel_plan",
    "handoff",
    "approve",
    "reject",
    "recall",
    "pay",
)
STEP = st.tuples(
    st.sampled_from(ACTIONS), st.sampled_from([(0,), (1,), (0, 1), (1, 0)]), st.integers(0, 2)
)


def _counts(session: Session, org_id: int) -> tuple[int, ...]:
    return tuple(
        int(session.scalar(select(func.count()).where(model.org_id == org_id)) or 0)
        for model in (Promise, Dispute, PaymentPlan, Handoff)
    )


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=st.lists(STEP, min_size=1, max_size=14))
def test_cases_on_an_invoice_stay_compatible(
    session: Session, steps: list[tuple[str, tuple[int, ...], int]]
) -> None:
    org = make_org(session, slug=f"prop-{uuid.uuid4().hex[:10]}")
    alpha = make_customer(session, org=org)
    invoices = [
        make_invoice(session, customer=alpha, number="INV-1", total="200.00",
                     issue_date=date(2025, 11, 1), due_date=date(2025, 12, 1)),
        make_invoice(session, customer=alpha, number="INV-2", total="100.00",
                     issue_date=date(2025, 11, 15), due_date=date(2025, 12, 15)),
    ]  # fmt: skip
    for n, (action, which, pick) in enumerate(steps):
        day = DAY + timedelta(days=n)
        ids = [invoices[i].id for i in which]
        run = _action(session, org.id, alpha.id, action, ids, pick, day, n)
        before = _counts(session, org.id)
        try:
            run()
        except (Conflict, InvalidInput):
            assert _counts(session, org.id) == before  # a refusal writes nothing
        session.flush()
        _check(session, org.id, [i.id for i in invoices], day)


def _action(
    session: Session,
    org_id: int,
    customer_id: int,
    action: str,
    ids: list[int],
    pick: int,
    day: date,
    n: int,
) -> Callable[[], object]:
    def nth(model: type, status: str) -> int:
        found = [r for r in session.scalars(select(model).where(model.org_id == org_id))]
        live = [r.id for r in found if r.status == status]
        if not live:
            raise InvalidInput("nothing to act on")
        return live[pick % len(live)]

    if action == "promise":
        return lambda: promises.add_promise(
            session, org_id=org_id, customer_id=customer_id, items=[(i, None) for i in ids],
            promised_on=day + timedelta(days=10), made_on=day,
        )  # fmt: skip
    if action == "cancel_promise":
        return lambda: promises.cancel_promise(
            session, org_id=org_id, promise_id=nth(Promise, "pending"), on=day
        )
    if action == "dispute":
        return lambda: disputes.open_dispute(
            session, org_id=org_id, customer_id=customer_id, invoice_ids=ids, reason="quality",
            opened_on=day,
        )  # fmt: skip
    if action.startswith("resolve"):
        outcome = action.removeprefix("resolve_")
        return lambda: disputes.resolve_dispute(
            session, org_id=org_id, dispute_id=nth(Dispute, "open"), outcome=outcome, on=day,
            credit_amount=Decimal("50.00") if outcome == "credited" else None,
        )  # fmt: skip
    if action == "plan":
        return lambda: plans.create_plan(
            session, org_id=org_id, customer_id=customer_id, invoice_ids=ids, start_on=day,
            first_due=day + timedelta(days=5), instalments=2, frequency="weekly",
        )  # fmt: skip
    if action == "cancel_plan":
        return lambda: plans.cancel_plan(
            session, org_id=org_id, plan_id=nth(PaymentPlan, "active"), on=day
        )
    if action == "handoff":
        return lambda: agency.request_handoff(
            session, org_id=org_id, customer_id=customer_id, invoice_ids=ids, agency="DH",
            requested_by="kim", on=day, commission_rate=Decimal("0.2"),
        )  # fmt: skip
    if action in ("approve", "reject"):
        decide = agency.approve_handoff if action == "approve" else agency.reject_handoff
        return lambda: decide(
            session, org_id=org_id, handoff_id=nth(Handoff, "pending"), approver="max",
            approver_role="manager", on=day,
        )  # fmt: skip
    if action == "recall":
        return lambda: agency.recall_handoff(
            session, org_id=org_id, handoff_id=nth(Handoff, "placed"), on=day
        )
    invoice = ledger.open_invoices(session, org_id=org_id, customer_id=customer_id)

    def receive() -> None:
        if not invoice:
            raise InvalidInput("nothing open")
        target = invoice[pick % len(invoice)]
        amount = min(target.open_amount, 4000)
        pay(session, invoice=target, amount=str(Decimal(amount).scaleb(-2)), on=day,
            external_id=f"P{n}")  # fmt: skip

    return receive


def _check(session: Session, org_id: int, invoice_ids: list[int], day: date) -> None:
    on = {i: Counter[str]() for i in invoice_ids}
    for case in coexistence.cases_on_invoices(session, org_id=org_id, invoice_ids=invoice_ids):
        on[case.invoice_id][case.kind.value] += 1
    for kinds in on.values():
        # At most one open case of each kind on an invoice (hand-offs asked or placed).
        assert all(n == 1 for n in kinds.values()), kinds
        assert kinds["handoff"] + kinds["placement"] <= 1, kinds
        # A promise never stands beside a plan; an agency's invoice has neither.
        assert not (kinds["promise"] and kinds["plan"]), kinds
        assert not (kinds["placement"] and (kinds["promise"] or kinds["plan"])), kinds
    # Closed cases were closed, not left dangling: a cancelled promise or plan says why.
    for promise in session.scalars(select(Promise).where(Promise.org_id == org_id)):
        if promise.status == PromiseStatus.CANCELLED:
            assert promise.closed_on is not None
    for handoff in session.scalars(select(Handoff).where(Handoff.org_id == org_id)):
        assert handoff.status in tuple(HandoffStatus)
    # A plan's instalments hold only money received: payments, never credits.
    lines = ledger.allocation_lines(session, org_id=org_id, invoice_ids=invoice_ids)
    for plan in session.scalars(select(PaymentPlan).where(PaymentPlan.org_id == org_id)):
        if plan.status != PlanStatus.ACTIVE:
            continue
        state = plans.plan_detail(session, org_id=org_id, plan_id=plan.id, as_of=day)
        window = [
            line
            for line in lines
            if line.invoice_id in state.invoice_ids and plan.created_on <= line.allocated_on
        ]
        payments = sum(line.amount for line in window if line.payment_id is not None)
        credits = sum(line.amount for line in window if line.payment_id is None)
        assert state.credited == min(credits, plan.principal_amount)
        assert state.received == min(payments, plan.principal_amount - state.credited)
        assert all(0 <= s.paid <= s.due for s in state.states)
