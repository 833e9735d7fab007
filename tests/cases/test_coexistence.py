"""Which cases may coexist on one invoice (``core.admit``), enforced by the services that
every way in (command line, web app, portal) goes through; hand-worked, one rule a test."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from recoup.cases import agency, core, disputes, overview, pauses, plans, promises
from recoup.cases.models import (
    Dispute,
    HandoffStatus,
    InstalmentStatus,
    PaymentPlan,
    PlanStatus,
    Promise,
    PromiseStatus,
)
from recoup.errors import Conflict
from tests.cases.helpers import add_billing_contact, count, pay
from tests.factories import make_customer, make_invoice, make_org

NOW = datetime(2026, 1, 29, 6, 0, tzinfo=UTC)
DAY = date(2026, 1, 10)


def _account(session: Session):  # type: ignore[no-untyped-def]
    """INV-1 (200.00, due 1 December 2025) and INV-2 (100.00, due 15 December)."""
    org = make_org(session)
    alpha = make_customer(session, org=org, external_id="C1")
    alpha.collector = "kim@acme.example"
    add_billing_contact(session, customer=alpha)
    inv1 = make_invoice(session, customer=alpha, number="INV-1", total="200.00",
                        issue_date=date(2025, 11, 1), due_date=date(2025, 12, 1))  # fmt: skip
    inv2 = make_invoice(session, customer=alpha, number="INV-2", total="100.00",
                        issue_date=date(2025, 11, 15), due_date=date(2025, 12, 15))  # fmt: skip
    return org, alpha, inv1, inv2


def _promise(session: Session, org, alpha, *invoices, by=date(2026, 1, 20)):  # type: ignore[no-untyped-def]
    return promises.add_promise(
        session,
        org_id=org.id,
        customer_id=alpha.id,
        items=[(i.id, None) for i in invoices],
        promised_on=by,
        made_on=DAY,
    )


def _dispute(session: Session, org, alpha, *invoices, on=DAY):  # type: ignore[no-untyped-def]
    return disputes.open_dispute(
        session,
        org_id=org.id,
        customer_id=alpha.id,
        invoice_ids=[i.id for i in invoices],
        reason="quality",
        opened_on=on,
    )


def _plan(session: Session, org, alpha, *invoices):  # type: ignore[no-untyped-def]
    return plans.create_plan(
        session,
        org_id=org.id,
        customer_id=alpha.id,
        invoice_ids=[i.id for i in invoices],
        start_on=DAY,
        first_due=date(2026, 2, 1),
        instalments=3,
    )


def _handoff(session: Session, org, alpha, *invoices):  # type: ignore[no-untyped-def]
    return agency.request_handoff(
        session,
        org_id=org.id,
        customer_id=alpha.id,
        invoice_ids=[i.id for i in invoices],
        agency="Debt Hunters",
        requested_by="kim@acme.example",
        on=DAY,
        commission_rate=Decimal("0.25"),
    )


def _approve(session: Session, org, handoff, on=date(2026, 1, 12)):  # type: ignore[no-untyped-def]
    return agency.approve_handoff(
        session,
        org_id=org.id,
        handoff_id=handoff.id,
        approver="max@acme.example",
        approver_role="manager",
        on=on,
    )


def test_a_second_promise_is_refused_until_the_first_is_cancelled(session: Session) -> None:
    org, alpha, inv1, inv2 = _account(session)
    first = _promise(session, org, alpha, inv1)
    with pytest.raises(Conflict) as refused:
        _promise(session, org, alpha, inv2, inv1, by=date(2026, 1, 25))
    assert refused.value.message == (
        f"invoice INV-1 already has a pending promise (#{first.id}, to pay by 2026-01-20): "
        "cancel it first if the customer has moved the date (a moved promise is not a kept one)"
    )
    assert count(session, Promise) == 1  # nothing written, not even for INV-2
    promises.cancel_promise(session, org_id=org.id, promise_id=first.id, on=DAY, reason="moved")
    second = _promise(session, org, alpha, inv2, inv1, by=date(2026, 1, 25))
    assert second.promised_amount == 30000


def test_a_promise_and_a_dispute_stand_together_either_way(session: Session) -> None:
    org, alpha, inv1, inv2 = _account(session)
    _promise(session, org, alpha, inv1)
    _dispute(session, org, alpha, inv1)
    _dispute(session, org, alpha, inv2)
    _promise(session, org, alpha, inv2)
    assert (count(session, Promise), count(session, Dispute)) == (2, 2)


def test_a_second_open_dispute_on_an_invoice_is_refused(session: Session) -> None:
    org, alpha, inv1, inv2 = _account(session)
    first = _dispute(session, org, alpha, inv1)
    with pytest.raises(Conflict, match=rf"^invoice INV-1 is already in open dispute #{first.id} "):
        _dispute(session, org, alpha, inv2, inv1)
    disputes.resolve_dispute(session, org_id=org.id, dispute_id=first.id, outcome="invalid", on=DAY)
    _dispute(session, org, alpha, inv1)  # a new query once the first is settled
    assert count(session, Dispute) == 2


def test_a_plan_absorbs_the_pending_promises_on_its_invoices(session: Session) -> None:
    org, alpha, inv1, inv2 = _account(session)
    promise = _promise(session, org, alpha, inv1)
    plan = _plan(session, org, alpha, inv1, inv2)
    assert (promise.status, promise.closed_on) == (PromiseStatus.CANCELLED, DAY)
    assert promise.note == f"cancelled: absorbed by payment plan #{plan.id}"
    rates = promises.promise_kept_rates(session, org_id=org.id)
    assert (rates.overall.cancelled, rates.overall.judged) == (1, 0)  # in no kept rate
    # Only the plan pauses the invoices now.
    kinds = {(p.invoice_id, p.kind) for p in pauses.pauses(session, org_id=org.id, as_of=DAY)}
    assert kinds == {(inv1.id, "plan"), (inv2.id, "plan")}


def test_a_promise_or_a_second_plan_on_a_plan_invoice_is_refused(session: Session) -> None:
    org, alpha, inv1, inv2 = _account(session)
    plan = _plan(session, org, alpha, inv1)
    with pytest.raises(Conflict) as refused:
        _promise(session, org, alpha, inv2, inv1)
    assert refused.value.message == (
        f"invoice INV-1 is in payment plan #{plan.id}: its instalments are the customer's promise"
    )
    with pytest.raises(Conflict) as again:
        _plan(session, org, alpha, inv1, inv2)
    assert again.value.message == (
        f"invoice INV-1 is already in payment plan #{plan.id}: "
        "cancel that plan first to agree a new one"
    )
    assert (count(session, Promise), count(session, PaymentPlan)) == (0, 1)


def test_a_dispute_on_a_plan_invoice_holds_its_messages_and_its_default(session: Session) -> None:
    org, alpha, inv1, inv2 = _account(session)
    plan = _plan(session, org, alpha, inv1, inv2)  # 100.00 due 1 Feb, 1 Mar, 1 Apr
    dispute = _dispute(session, org, alpha, inv2, on=date(2026, 1, 20))
    # No reminder for the 1 February instalment while INV-2 is in question...
    assert plans.plan_effects(session, org_id=org.id, as_of=date(2026, 1, 29), now=NOW) == []
    # ...and no default either, long after the grace days.
    assert plans.evaluate_plans(session, org_id=org.id, as_of=date(2026, 2, 20)) == []
    assert plan.status == PlanStatus.ACTIVE
    detail = plans.plan_detail(session, org_id=org.id, plan_id=plan.id, as_of=date(2026, 2, 20))
    assert detail.held_by == (dispute.id,)
    assert detail.states[0].status is InstalmentStatus.MISSED
    assert plans.plan_effects(session, org_id=org.id, as_of=date(2026, 2, 20), now=NOW) == []
    # The dispute is not upheld: the plan's messages resume (the missed notice), and the
    # customer has the 7 grace days again from the resolution: pay by 28 February.
    disputes.resolve_dispute(
        session, org_id=org.id, dispute_id=dispute.id, outcome="invalid", on=date(2026, 2, 21)
    )
    (missed,) = plans.plan_effects(session, org_id=org.id, as_of=date(2026, 2, 21), now=NOW)
    assert missed.key == f"plan:{plan.id}:instalment:1:missed"
    assert missed.payload["pay_by"] == "2026-02-28"
    assert plans.evaluate_plans(session, org_id=org.id, as_of=date(2026, 2, 28)) == []
    assert plans.evaluate_plans(session, org_id=org.id, as_of=date(2026, 3, 1)) == [plan]
    assert plan.status == PlanStatus.DEFAULTED


def test_a_plan_may_be_agreed_on_a_disputed_invoice_and_is_held(session: Session) -> None:
    org, alpha, inv1, _inv2 = _account(session)
    dispute = _dispute(session, org, alpha, inv1)
    plan = _plan(session, org, alpha, inv1)
    detail = plans.plan_detail(session, org_id=org.id, plan_id=plan.id, as_of=DAY)
    assert detail.held_by == (dispute.id,)


def test_a_dispute_credit_is_not_money_received_on_an_instalment(session: Session) -> None:
    """The reported case: a 200.00 dispute credit showed as "paid 200.00" on instalment 1."""
    org, alpha, inv1, inv2 = _account(session)
    plan = _plan(session, org, alpha, inv1, inv2)  # 300.00: 100.00 x 3
    dispute = _dispute(session, org, alpha, inv1, on=date(2026, 1, 15))
    disputes.resolve_dispute(
        session,
        org_id=org.id,
        dispute_id=dispute.id,
        outcome="credited",
        credit_amount=Decimal("200.00"),
        on=date(2026, 1, 16),
    )
    detail = plans.plan_detail(session, org_id=org.id, plan_id=plan.id, as_of=date(2026, 1, 16))
    # The credit comes off the end of the plan: instalments 3 and 2 are no longer owed;
    # instalment 1 is still to be paid, and nothing counts as received.
    assert [(s.seq, s.paid, s.credited, s.status) for s in detail.states] == [
        (1, 0, 0, InstalmentStatus.PENDING),
        (2, 0, 10000, InstalmentStatus.CREDITED),
        (3, 0, 10000, InstalmentStatus.CREDITED),
    ]
    assert (detail.received, detail.credited, detail.remaining) == (0, 20000, 10000)
    (reminder,) = plans.plan_effects(session, org_id=org.id, as_of=date(2026, 1, 29), now=NOW)
    assert reminder.payload["instalment"]["amount"] == 10000
    assert reminder.payload["instalment"]["paid_amount"] == 0
    # The customer pays the 100.00 left: the plan is complete.
    pay(session, invoice=inv2, amount="100.00", on=date(2026, 1, 30), external_id="P1")
    assert plans.evaluate_plans(session, org_id=org.id, as_of=date(2026, 1, 30)) == [plan]
    assert plan.status == PlanStatus.COMPLETED


def test_a_hand_off_is_refused_on_a_disputed_invoice(session: Session) -> None:
    org, alpha, inv1, inv2 = _account(session)
    dispute = _dispute(session, org, alpha, inv1)
    with pytest.raises(Conflict) as refused:
        _handoff(session, org, alpha, inv2, inv1)
    assert refused.value.message == (
        f"invoice INV-1 is in open dispute #{dispute.id} (quality): "
        "resolve the dispute before handing the invoice to an agency"
    )
    assert agency.list_handoffs(session, org_id=org.id) == []


def test_approving_a_hand_off_closes_its_promises_and_plans(session: Session) -> None:
    org, alpha, inv1, inv2 = _account(session)
    promise = _promise(session, org, alpha, inv1)
    plan = _plan(session, org, alpha, inv2)
    handoff = _handoff(session, org, alpha, inv1, inv2)  # asking leaves them open
    assert (promise.status, plan.status) == (PromiseStatus.PENDING, PlanStatus.ACTIVE)
    _approve(session, org, handoff)
    why = f"handed off to agency Debt Hunters (hand-off #{handoff.id})"
    assert (promise.status, promise.closed_on) == (PromiseStatus.CANCELLED, date(2026, 1, 12))
    assert promise.note == f"cancelled: {why}"
    assert (plan.status, plan.closed_on) == (PlanStatus.CANCELLED, date(2026, 1, 12))
    assert plan.note == f"cancelled: {why}"
    kinds = {
        (p.invoice_id, p.kind)
        for p in pauses.pauses(session, org_id=org.id, as_of=date(2026, 1, 12))
    }
    assert kinds == {(inv1.id, "placement"), (inv2.id, "placement")}


def test_approval_is_refused_when_an_invoice_was_disputed_meanwhile(session: Session) -> None:
    org, alpha, inv1, _inv2 = _account(session)
    handoff = _handoff(session, org, alpha, inv1)
    dispute = _dispute(session, org, alpha, inv1, on=date(2026, 1, 11))  # the customer queries
    with pytest.raises(Conflict) as refused:
        _approve(session, org, handoff)
    assert refused.value.message == (
        f"invoice INV-1 is in open dispute #{dispute.id} (quality): "
        "resolve the dispute before placing the invoice with an agency"
    )
    assert handoff.status == HandoffStatus.PENDING


def test_nothing_new_goes_onto_a_handed_off_invoice_but_a_dispute(session: Session) -> None:
    org, alpha, inv1, inv2 = _account(session)
    handoff = _handoff(session, org, alpha, inv1)
    with pytest.raises(Conflict) as asked:
        _promise(session, org, alpha, inv1)
    assert asked.value.message == (
        f"invoice INV-1 is in hand-off #{handoff.id} to agency Debt Hunters, awaiting approval:"
        " reject the hand-off first to take a promise on it"
    )
    with pytest.raises(Conflict, match="reject the hand-off first to agree a plan"):
        _plan(session, org, alpha, inv1)
    _approve(session, org, handoff)
    with pytest.raises(Conflict) as placed:
        _promise(session, org, alpha, inv2, inv1)
    assert placed.value.message == (
        f"invoice INV-1 is placed with agency Debt Hunters (hand-off #{handoff.id}): "
        "the agency collects it now; recall the hand-off first"
    )
    with pytest.raises(Conflict, match=r"^invoice INV-1 is placed with agency"):
        _plan(session, org, alpha, inv1)
    # Asking again leaves the placed invoice out and asks for the other one only.
    again = _handoff(session, org, alpha, inv1, inv2)
    assert agency.handoff_invoice_ids(session, org_id=org.id, handoff_id=again.id) == [inv2.id]
    assert _handoff(session, org, alpha, inv2).id == again.id  # nothing left to ask for
    dispute = _dispute(session, org, alpha, inv1)  # the customer's query is still recorded
    disputes.resolve_dispute(session, org_id=org.id, dispute_id=dispute.id, outcome="invalid",
                          on=date(2026, 1, 20))  # fmt: skip
    # Once recalled, the invoice can be worked again.
    agency.recall_handoff(session, org_id=org.id, handoff_id=handoff.id, on=date(2026, 1, 20))
    plans.create_plan(session, org_id=org.id, customer_id=alpha.id, invoice_ids=[inv1.id],
                      start_on=date(2026, 1, 20), first_due=date(2026, 2, 1), instalments=2)  # fmt: skip


def test_the_open_cases_of_a_customer_include_plans_and_hand_offs(session: Session) -> None:
    org, alpha, inv1, inv2 = _account(session)
    plan = _plan(session, org, alpha, inv1)
    dispute = _dispute(session, org, alpha, inv1)
    promise = _promise(session, org, alpha, inv2)
    handoff = _handoff(session, org, alpha, inv2)
    found = overview.open_cases(session, org_id=org.id, customer_id=alpha.id, as_of=DAY)
    assert [p.plan.id for p in found.plans] == [plan.id]
    assert found.plans[0].held_by == (dispute.id,)
    assert [d.id for d in found.disputes] == [dispute.id]
    assert [p.id for p in found.promises] == [promise.id]
    assert [h.id for h in found.handoffs] == [handoff.id]
    assert [(c.kind, c.label) for c in found.on_invoice[inv1.id]] == [
        (core.Case.DISPUTE, f"open dispute #{dispute.id} (quality)"),
        (core.Case.PLAN, f"payment plan #{plan.id}"),
    ]
    assert [c.kind for c in found.on_invoice[inv2.id]] == [core.Case.PROMISE, core.Case.HANDOFF]
    other = make_customer(session, org=org, external_id="C2")
    assert not overview.open_cases(session, org_id=org.id, customer_id=other.id, as_of=DAY)
