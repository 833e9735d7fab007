"""Un-allocation: allocations taken back, balances restored, every step audited."""

import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from recoup.audit import verification
from recoup.audit.models import AuditEvent
from recoup.errors import InvalidInput, NotFound
from recoup.ledger import service as ledger
from recoup.ledger.models import Allocation, CreditNote, Customer, Invoice, Payment
from tests.factories import (
    make_credit_note,
    make_customer,
    make_invoice,
    make_org,
    make_payment,
)

ON = date(2026, 2, 1)


def apply(session: Session, invoice: Invoice, amount: str, **source: int) -> None:
    ledger.allocate(
        session,
        org_id=invoice.org_id,
        invoice_id=invoice.id,
        amount=Decimal(amount),
        on=ON,
        **source,
    )


def book(session: Session) -> tuple[Customer, Invoice, Invoice, Payment]:
    """INV-1 100.00 and INV-2 50.00; payment P1 of 120.00: 100.00 to INV-1, 20.00 to
    INV-2; credit note CN-1 of 30.00 applied to INV-2 (which is then paid)."""
    org = make_org(session, slug=f"un-{uuid.uuid4().hex[:8]}")
    customer = make_customer(session, org=org)
    first = make_invoice(session, customer=customer, number="INV-1", total="100.00")
    second = make_invoice(session, customer=customer, number="INV-2", total="50.00")
    payment = make_payment(session, customer=customer, amount="120.00")
    note = make_credit_note(session, customer=customer, total="30.00")
    apply(session, first, "100.00", payment_id=payment.id)
    apply(session, second, "20.00", payment_id=payment.id)
    apply(session, second, "30.00", credit_note_id=note.id)
    return customer, first, second, payment


def test_reversing_a_credit_note_reopens_it_and_the_invoice(session: Session) -> None:
    customer, _, second, payment = book(session)
    assert ledger.open_credit_notes(session, org_id=customer.org_id, customer_id=customer.id) == []
    assert (second.open_amount, second.status) == (0, "paid")
    cn = session.scalars(select(CreditNote).where(CreditNote.org_id == customer.org_id)).one()

    undone = ledger.reverse_allocations(
        session,
        org_id=customer.org_id,
        credit_note_id=cn.id,
        reason="already in the invoice list's balance",
        actor="anna@example.com",
    )

    assert [(u.amount, u.credit_note_id) for u in undone] == [(3000, cn.id)]
    session.refresh(second)
    session.refresh(cn)
    assert (second.open_amount, second.status) == (3000, "open")
    assert (cn.open_amount, cn.status) == (3000, "open")
    assert payment.unallocated_amount == 0  # untouched
    assert ledger.balance_mismatches(session, org_id=customer.org_id) == []


def test_reversing_a_payment_restores_every_invoice_it_paid(
    session: Session, tmp_path: Path
) -> None:
    customer, first, second, payment = book(session)

    undone = ledger.reverse_allocations(
        session,
        org_id=customer.org_id,
        payment_id=payment.id,
        reason="matched to the wrong customer",
        actor="anna@example.com",
    )

    assert sorted(u.amount for u in undone) == [2000, 10000]
    for record in (first, second, payment):
        session.refresh(record)
    # INV-1: 100.00 open again; INV-2: 50.00 - 30.00 credit = 20.00; P1: 120.00 unallocated.
    assert (first.open_amount, first.status) == (10000, "open")
    assert (second.open_amount, second.status) == (2000, "open")
    assert payment.unallocated_amount == 12000
    assert ledger.balance_mismatches(session, org_id=customer.org_id) == []
    events = list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.org_id == customer.org_id, AuditEvent.actor == "anna@example.com")
            .order_by(AuditEvent.seq)
        )
    )
    deletes = [e for e in events if e.action == "delete"]
    assert [e.entity for e in deletes] == ["allocations", "allocations"]
    assert {orjson.loads(e.after or "{}")["reason"] for e in deletes} == {
        "matched to the wrong customer"
    }
    updates = {(e.entity, e.entity_id): orjson.loads(e.after or "{}") for e in events}
    assert updates[("payments", payment.id)] == {"unallocated_amount": 12000}
    assert updates[("invoices", first.id)] == {"open_amount": 10000, "status": "open"}
    report = verification.verify(session, org_id=customer.org_id, root=tmp_path)
    assert report.mismatches == []
    assert report.broken is None


def test_one_invoice_and_one_source_reverses_only_between_them(session: Session) -> None:
    customer, first, second, payment = book(session)

    undone = ledger.reverse_allocations(
        session,
        org_id=customer.org_id,
        invoice_id=second.id,
        payment_id=payment.id,
        reason="wrong invoice",
    )

    assert [u.amount for u in undone] == [2000]
    for record in (first, second, payment):
        session.refresh(record)
    assert (first.open_amount, second.open_amount, payment.unallocated_amount) == (0, 2000, 2000)


def test_by_allocation_ids(session: Session) -> None:
    customer, first, _, payment = book(session)
    (allocation_id,) = session.scalars(
        select(Allocation.id).where(Allocation.invoice_id == first.id)
    )
    ledger.reverse_allocations(
        session, org_id=customer.org_id, allocation_ids=[allocation_id], reason="typo"
    )
    session.refresh(first)
    session.refresh(payment)
    assert (first.open_amount, payment.unallocated_amount) == (10000, 10000)


@pytest.mark.parametrize(
    ("choice", "message"),
    [
        ({}, "name the allocations, an invoice, a payment or a credit note"),
        ({"allocation_ids": [1], "invoice": True}, "name either allocations or an invoice"),
        ({"payment": True, "credit_note": True}, "a payment or a credit note, not both"),
        ({"allocation_ids": []}, "no allocation named"),
    ],
)
def test_ambiguous_choices_are_refused(
    session: Session, choice: dict[str, object], message: str
) -> None:
    customer, first, _, payment = book(session)
    kwargs: dict[str, object] = {}
    if "allocation_ids" in choice:
        kwargs["allocation_ids"] = choice["allocation_ids"]
    if choice.get("invoice"):
        kwargs["invoice_id"] = first.id
    if choice.get("payment"):
        kwargs["payment_id"] = payment.id
    if choice.get("credit_note"):
        kwargs["credit_note_id"] = 1
    with pytest.raises(InvalidInput, match=message):
        ledger.reverse_allocations(session, org_id=customer.org_id, reason="x", **kwargs)  # type: ignore[arg-type]
    assert (
        session.scalar(
            select(func.count(Allocation.id)).where(Allocation.org_id == customer.org_id)
        )
        == 3
    )


def test_nothing_matching_is_refused(session: Session) -> None:
    customer, first, _, _ = book(session)
    fresh = make_invoice(session, customer=customer, number="INV-3", total="10.00")
    with pytest.raises(NotFound, match="nothing to reverse: invoice INV-3 has no allocations"):
        ledger.reverse_allocations(session, org_id=customer.org_id, invoice_id=fresh.id, reason="x")
    with pytest.raises(NotFound, match="no allocation with id 999999"):
        ledger.reverse_allocations(
            session, org_id=customer.org_id, allocation_ids=[999999], reason="x"
        )
    with pytest.raises(InvalidInput, match="say why"):
        ledger.reverse_allocations(session, org_id=customer.org_id, invoice_id=first.id, reason=" ")


def test_another_organisations_allocations_are_not_found(session: Session) -> None:
    _customer, first, _, _ = book(session)
    other = make_org(session, slug=f"other-{uuid.uuid4().hex[:8]}")
    with pytest.raises(NotFound, match=f"no invoice with id {first.id}"):
        ledger.reverse_allocations(session, org_id=other.id, invoice_id=first.id, reason="x")


def test_withdrawing_a_returned_payment(session: Session, tmp_path: Path) -> None:
    customer, first, second, payment = book(session)
    payment_id = payment.id

    undone = ledger.withdraw_payment(
        session,
        org_id=customer.org_id,
        payment_id=payment_id,
        reason="returned by the bank (AC04 account closed)",
        actor="cashapp",
    )

    assert sorted(u.amount for u in undone) == [2000, 10000]
    assert session.get(Payment, payment_id) is None
    session.refresh(first)
    session.refresh(second)
    assert (first.open_amount, second.open_amount) == (10000, 2000)
    event = session.scalars(
        select(AuditEvent).where(
            AuditEvent.org_id == customer.org_id,
            AuditEvent.entity == "payments",
            AuditEvent.action == "delete",
        )
    ).one()
    assert event.actor == "cashapp"
    assert orjson.loads(event.after or "{}") == {
        "reason": "returned by the bank (AC04 account closed)"
    }
    assert orjson.loads(event.before or "{}")["amount"] == 12000
    report = verification.verify(session, org_id=customer.org_id, root=tmp_path)
    assert report.mismatches == []
    assert report.broken is None


def test_withdrawing_an_unapplied_payment(session: Session) -> None:
    org = make_org(session, slug=f"un-{uuid.uuid4().hex[:8]}")
    customer = make_customer(session, org=org)
    payment = make_payment(session, customer=customer, amount="10.00")
    assert (
        ledger.withdraw_payment(session, org_id=org.id, payment_id=payment.id, reason="dup") == []
    )
    assert session.get(Payment, payment.id) is None
    with pytest.raises(NotFound, match="no payment with id"):
        ledger.withdraw_payment(session, org_id=org.id, payment_id=payment.id, reason="dup")


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    amounts=st.lists(st.integers(min_value=1, max_value=5_000), min_size=1, max_size=6),
    undo=st.lists(st.booleans(), min_size=6, max_size=6),
)
def test_allocate_then_reverse_restores_the_balances(
    session: Session, amounts: list[int], undo: list[bool]
) -> None:
    """Whatever subset is reversed, every balance is its total minus what is left."""
    org = make_org(session, slug=f"prop-{uuid.uuid4().hex[:10]}")
    customer = make_customer(session, org=org)
    invoice = make_invoice(session, customer=customer, total="300.00")
    payment = make_payment(session, customer=customer, amount="300.00")
    for amount in amounts:
        apply(session, invoice, str(Decimal(amount).scaleb(-2)), payment_id=payment.id)
    ids = list(session.scalars(select(Allocation.id).where(Allocation.org_id == org.id)))
    chosen = [i for i, flag in zip(ids, undo, strict=False) if flag]
    if chosen:
        ledger.reverse_allocations(session, org_id=org.id, allocation_ids=chosen, reason="t")
    kept = sum(a for a, flag in zip(amounts, undo, strict=False) if not flag)
    session.refresh(invoice)
    session.refresh(payment)
    assert invoice.open_amount == 30000 - kept
    assert payment.unallocated_amount == 30000 - kept
    assert invoice.status == ("paid" if kept == 30000 else "open")
    assert ledger.balance_mismatches(session, org_id=org.id) == []
