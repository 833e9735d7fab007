"""Approvals in the web app: requests from the customer page, the queue at /approvals,
and the second person (the requester's own approve is refused and writes nothing)."""

from sqlalchemy import select

from recoup.approvals.models import ApprovalRequest
from recoup.cases.models import Handoff, WriteOff
from recoup.db import transaction
from recoup.ledger.models import Customer, Invoice
from tests.web.support import World, log_in, make_client


def test_a_write_off_requested_by_a_collector_is_approved_by_a_manager(world: World) -> None:
    collector = make_client(world)
    csrf = log_in(collector, "collector@alpha.example")
    customer_id = world.a.customers["C2"]
    invoice_id = world.a.invoices["A-C2-1"]
    asked = collector.post(
        f"/customers/{customer_id}/write-off",
        data={"invoice": str(invoice_id), "amount": "200", "reason": "Damaged goods",
              "csrf_token": csrf},
    )  # fmt: skip
    assert asked.status_code == 303, asked.text[:300]
    missing = collector.post(
        f"/customers/{customer_id}/write-off",
        data={"invoice": str(invoice_id), "reason": " ", "csrf_token": csrf},
    )
    assert missing.status_code == 422
    assert "a write-off needs a reason" in missing.text
    assert collector.get("/approvals").status_code == 403  # collectors do not decide
    with transaction(world.engine, actor="test") as session:
        write_off = session.scalars(select(WriteOff)).one()
        write_off_id = write_off.id

    manager = make_client(world)
    csrf = log_in(manager, "manager@alpha.example")
    queue = manager.get("/approvals")
    assert "Write off part of an invoice" in queue.text
    assert "Damaged goods" in queue.text
    assert f'action="/approvals/write_off/{write_off_id}/approve"' in queue.text
    done = manager.post(
        f"/approvals/write_off/{write_off_id}/approve",
        data={"reason": "Photos seen", "csrf_token": csrf},
    )
    assert done.status_code == 303
    with transaction(world.engine, actor="test") as session:
        invoice = session.get(Invoice, invoice_id)
        assert invoice is not None
        assert invoice.open_amount == 100_000  # 1,200.00 - 200.00
        decision = session.scalars(select(ApprovalRequest)).one()
        assert (decision.decided_by, decision.decision_reason) == (
            "manager@alpha.example",
            "Photos seen",
        )
    assert "Photos seen" in manager.get("/approvals").text


def test_the_requester_cannot_approve_their_own_credit_limit_increase(world: World) -> None:
    manager = make_client(world)
    csrf = log_in(manager, "manager@alpha.example")
    customer_id = world.a.customers["C2"]
    first = manager.post(
        f"/customers/{customer_id}/credit-limit",
        data={"limit": "1000", "reason": "New customer", "csrf_token": csrf},
    )
    assert first.status_code == 303  # a first limit: at once
    raised = manager.post(
        f"/customers/{customer_id}/credit-limit",
        data={"limit": "50000", "reason": "Big order", "csrf_token": csrf},
    )
    assert raised.status_code == 303
    assert "needs another manager or admin" in raised.cookies.get("recoup_flash", "").replace(
        "%20", " "
    )
    with transaction(world.engine, actor="test") as session:
        request = session.scalars(
            select(ApprovalRequest).where(ApprovalRequest.kind == "credit_limit")
        ).one()
        request_id = request.id
    queue = manager.get("/approvals")
    assert "You asked for this" in queue.text
    assert f"/approvals/credit_limit/{request_id}/approve" not in queue.text
    own = manager.post(f"/approvals/credit_limit/{request_id}/approve", data={"csrf_token": csrf})
    assert own.status_code == 403
    assert "another manager or admin must decide it" in own.text
    with transaction(world.engine, actor="test") as session:
        customer = session.get(Customer, customer_id)
        assert customer is not None
        assert customer.credit_limit_amount == 100_000  # still 1,000.00

    admin = make_client(world)
    csrf = log_in(admin, "admin@alpha.example")
    no_reason = admin.post(
        f"/approvals/credit_limit/{request_id}/reject", data={"csrf_token": csrf}
    )
    assert no_reason.status_code == 422
    approved = admin.post(
        f"/approvals/credit_limit/{request_id}/approve", data={"csrf_token": csrf}
    )
    assert approved.status_code == 303
    with transaction(world.engine, actor="test") as session:
        customer = session.get(Customer, customer_id)
        assert customer is not None
        assert customer.credit_limit_amount == 5_000_000


def test_a_hand_off_is_approved_from_the_customer_page(world: World) -> None:
    admin = make_client(world)
    csrf = log_in(admin, "admin@alpha.example")
    customer_id = world.a.customers["C1"]
    handoff_id = world.a.handoffs[0]
    page = admin.get(f"/customers/{customer_id}")
    assert "awaiting approval" in page.text
    assert "Hand invoices to Acme Collect" in page.text
    no_rate = admin.post(
        f"/approvals/handoff/{handoff_id}/approve",
        data={"next": f"/customers/{customer_id}#open-cases", "csrf_token": csrf},
    )
    assert no_rate.status_code == 422
    assert "commission rate" in no_rate.text
    placed = admin.post(
        f"/approvals/handoff/{handoff_id}/approve",
        data={"commission": "25%", "next": f"/customers/{customer_id}#open-cases",
              "csrf_token": csrf},
    )  # fmt: skip
    assert placed.status_code == 303
    assert placed.headers["location"] == f"/customers/{customer_id}#open-cases"
    with transaction(world.engine, actor="test") as session:
        handoff = session.get(Handoff, handoff_id)
        assert handoff is not None
        assert (handoff.status, handoff.commission_bp, handoff.approver) == (
            "placed",
            2500,
            "admin@alpha.example",
        )
    again = admin.post(
        f"/approvals/handoff/{handoff_id}/reject", data={"reason": "x", "csrf_token": csrf}
    )
    assert again.status_code == 409
