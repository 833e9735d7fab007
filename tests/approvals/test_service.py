"""Approvals by a second person: the requester can never decide their own request."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from recoup.approvals import core
from recoup.approvals import service as approvals
from recoup.approvals.models import ApprovalKind, ApprovalRequest, ApprovalStatus
from recoup.approvals.service import OwnRequest
from recoup.cases import tasks as case_tasks
from recoup.cases.core import NotAllowed
from recoup.cases.models import Handoff, HandoffStatus, Task, WriteOff, WriteOffStatus
from recoup.credit.models import CreditLimitChange
from recoup.errors import Conflict, InvalidInput, NotFound
from recoup.ledger import service as ledger
from tests.factories import make_customer, make_invoice, make_org

DAY = date(2026, 3, 2)


def _world(session: Session):  # type: ignore[no-untyped-def]
    org = make_org(session)
    customer = make_customer(session, org=org)
    invoice = make_invoice(
        session, customer=customer, total="300.00", issue_date=date(2025, 10, 1),
        due_date=date(2025, 10, 31),
    )  # fmt: skip
    return org, customer, invoice


def test_a_hand_off_is_approved_by_a_second_person_only(session: Session) -> None:
    org, customer, invoice = _world(session)
    handoff = approvals.request_handoff(
        session, org_id=org.id, customer_id=customer.id, invoice_ids=[invoice.id],
        agency_name="Debt Hunters", requested_by="Meg@acme.example", on=DAY,
    )  # fmt: skip
    [item] = approvals.pending(session, org_id=org.id)
    assert (item.kind, item.id, item.amount, item.requested_by) == (
        ApprovalKind.HANDOFF,
        handoff.id,
        30_000,
        "Meg@acme.example",
    )
    with pytest.raises(OwnRequest, match="another manager or admin must decide it"):
        approvals.approve(
            session, org_id=org.id, kind="handoff", request_id=handoff.id,
            by=" meg@ACME.example", role="manager", commission_rate=Decimal("0.2"),
        )  # fmt: skip
    with pytest.raises(OwnRequest):
        approvals.reject(
            session, org_id=org.id, kind="handoff", request_id=handoff.id,
            by="meg@acme.example", role="admin", reason="changed my mind",
        )  # fmt: skip
    with pytest.raises(NotAllowed):
        approvals.approve(
            session, org_id=org.id, kind="handoff", request_id=handoff.id,
            by="kim@acme.example", role="collector", commission_rate=Decimal("0.2"),
        )  # fmt: skip
    assert session.get(Handoff, handoff.id).status == HandoffStatus.PENDING  # type: ignore[union-attr]
    decision = approvals.approve(
        session, org_id=org.id, kind="handoff", request_id=handoff.id, by="ada@acme.example",
        role="admin", reason="agency agreed", on=DAY, commission_rate=Decimal("0.2"),
    )  # fmt: skip
    assert session.get(Handoff, handoff.id).status == HandoffStatus.PLACED  # type: ignore[union-attr]
    assert (decision.status, decision.decided_by, decision.decided_role) == (
        ApprovalStatus.APPROVED,
        "ada@acme.example",
        "admin",
    )
    assert (decision.kind, decision.subject_id, decision.decision_reason) == (
        ApprovalKind.HANDOFF,
        handoff.id,
        "agency agreed",
    )
    assert approvals.pending(session, org_id=org.id) == []
    assert approvals.decided(session, org_id=org.id) == [decision]
    with pytest.raises(Conflict, match="placed, not pending"):
        approvals.approve(
            session, org_id=org.id, kind="handoff", request_id=handoff.id, by="x@acme.example",
            role="admin",
        )  # fmt: skip
    # The approval task is done.
    tasks = session.scalars(select(Task).where(Task.org_id == org.id)).all()
    assert [(t.kind, t.status, t.completed_by) for t in tasks] == [
        ("approval", "done", "ada@acme.example")
    ]


def test_a_write_off_rejected_needs_a_reason_and_books_nothing(session: Session) -> None:
    org, _, invoice = _world(session)
    write_off = approvals.request_write_off(
        session, org_id=org.id, invoice_id=invoice.id, reason="insolvent",
        requested_by="kim@acme.example", amount=Decimal("100"), on=DAY,
    )  # fmt: skip
    with pytest.raises(InvalidInput, match="say why"):
        approvals.reject(
            session, org_id=org.id, kind="write-off", request_id=write_off.id,
            by="meg@acme.example", role="manager", reason=" ",
        )  # fmt: skip
    with pytest.raises(OwnRequest):
        approvals.approve(
            session, org_id=org.id, kind="write_off", request_id=write_off.id,
            by="kim@acme.example", role="manager",
        )  # fmt: skip
    approvals.reject(
        session, org_id=org.id, kind="write_off", request_id=write_off.id,
        by="meg@acme.example", role="manager", reason="customer is paying", on=DAY,
    )  # fmt: skip
    assert session.get(WriteOff, write_off.id).status == WriteOffStatus.REJECTED  # type: ignore[union-attr]
    session.refresh(invoice)
    assert invoice.open_amount == 30_000


def test_a_write_off_approved_is_booked(session: Session) -> None:
    org, _, invoice = _world(session)
    write_off = approvals.request_write_off(
        session, org_id=org.id, invoice_id=invoice.id, reason="insolvent",
        requested_by="kim@acme.example", amount=Decimal("100"), on=DAY,
    )  # fmt: skip
    approvals.approve(
        session, org_id=org.id, kind="write_off", request_id=write_off.id,
        by="meg@acme.example", role="manager", on=DAY,
    )  # fmt: skip
    session.refresh(invoice)
    assert invoice.open_amount == 20_000  # 300.00 - 100.00


def test_credit_limit_increases_above_the_threshold_wait_for_approval(session: Session) -> None:
    org, customer, _ = _world(session)

    def change(limit: str | None, by: str = "meg@acme.example"):  # type: ignore[no-untyped-def]
        return approvals.change_credit_limit(
            session, org_id=org.id, customer_id=customer.id,
            limit=None if limit is None else Decimal(limit), reason="annual review",
            requested_by=by, on=DAY,
        )  # fmt: skip

    # A first limit restricts: at once.
    assert isinstance(change("5000"), CreditLimitChange)
    # +10,000.00 exactly is not above the threshold: at once.
    assert isinstance(change("15000"), CreditLimitChange)
    assert (
        ledger.customer_by_id(session, org_id=org.id, customer_id=customer.id).credit_limit_amount
        == 1_500_000
    )
    request = change("25000.01")
    assert isinstance(request, ApprovalRequest)
    assert request.status == ApprovalStatus.PENDING
    assert request.summary == (
        "Raise the credit limit of Customer C1 from 15000.00 EUR to 25000.01 EUR"
    )
    session.refresh(customer)
    assert customer.credit_limit_amount == 1_500_000  # unchanged until approved
    with pytest.raises(OwnRequest):
        approvals.approve(
            session, org_id=org.id, kind="credit_limit", request_id=request.id,
            by="meg@acme.example", role="manager",
        )  # fmt: skip
    approvals.approve(
        session, org_id=org.id, kind="credit_limit", request_id=request.id,
        by="ada@acme.example", role="admin", on=DAY,
    )  # fmt: skip
    session.refresh(customer)
    assert customer.credit_limit_amount == 2_500_001
    assert request.status == ApprovalStatus.APPROVED
    # Removing the limit is an unbounded increase; lowering it is at once.
    assert isinstance(change(None), ApprovalRequest)
    assert isinstance(change("100"), CreditLimitChange)
    with pytest.raises(InvalidInput, match="why"):
        approvals.change_credit_limit(
            session, org_id=org.id, customer_id=customer.id, limit=Decimal(1), reason="",
            requested_by="x",
        )  # fmt: skip


def test_another_organisations_requests_are_not_found(session: Session) -> None:
    org, customer, invoice = _world(session)
    other = make_org(session, slug="other")
    handoff = approvals.request_handoff(
        session, org_id=org.id, customer_id=customer.id, invoice_ids=[invoice.id],
        agency_name="DH", requested_by="kim@acme.example",
    )  # fmt: skip
    for kind in ("handoff", "write_off", "credit_limit"):
        with pytest.raises(NotFound):
            approvals.approve(
                session, org_id=other.id, kind=kind, request_id=handoff.id,
                by="ada@other.example", role="admin",
            )  # fmt: skip
    assert approvals.pending(session, org_id=other.id) == []
    with pytest.raises(InvalidInput, match="kind"):
        approvals.find(session, org_id=org.id, kind="bogus", request_id=1)
    with pytest.raises(NotFound):
        approvals.find(session, org_id=org.id, kind="policy", request_id=1)


def test_a_task_for_the_approval_is_raised_for_a_credit_request(session: Session) -> None:
    org, customer, _ = _world(session)
    approvals.change_credit_limit(
        session, org_id=org.id, customer_id=customer.id, limit=Decimal("1"), reason="x",
        requested_by="meg@acme.example",
    )  # fmt: skip
    request = approvals.change_credit_limit(
        session, org_id=org.id, customer_id=customer.id, limit=Decimal("20000"),
        reason="big order", requested_by="meg@acme.example",
    )  # fmt: skip
    assert isinstance(request, ApprovalRequest)
    [task] = case_tasks.open_tasks(session, org_id=org.id)
    assert task.kind == "approval"
    assert task.title.startswith(f"Approve credit-limit request #{request.id}")
    approvals.reject(
        session, org_id=org.id, kind="credit_limit", request_id=request.id,
        by="ada@acme.example", role="admin", reason="too risky",
    )  # fmt: skip
    assert case_tasks.open_tasks(session, org_id=org.id) == []
    session.refresh(customer)
    assert customer.credit_limit_amount == 100


@given(
    st.emails(),
    st.sampled_from(["", " ", "  "]),
    st.sampled_from([str.upper, str.lower, str.title]),
)
def test_the_same_person_is_recognised_whatever_the_spelling(
    email: str, pad: str, spell: object
) -> None:
    assert core.same_person(pad + spell(email) + pad, email)  # type: ignore[operator]
    assert not core.same_person("", email)
