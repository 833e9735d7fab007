"""Allocations: partial and multiple, never over the open amount or the payment."""

import contextlib
import uuid
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from recoup.errors import Conflict, InvalidInput
from recoup.ledger import service as ledger
from recoup.ledger.models import Allocation, Invoice, Payment
from tests.factories import (
    make_credit_note,
    make_customer,
    make_invoice,
    make_org,
    make_payment,
)

ON = date(2026, 2, 1)


def allocated_total(session: Session, invoice: Invoice) -> int:
    return session.scalar(
        select(func.coalesce(func.sum(Allocation.amount), 0)).where(
            Allocation.invoice_id == invoice.id
        )
    )


def test_partial_and_multiple_allocations(session: Session) -> None:
    org = make_org(session)
    customer = make_customer(session, org=org)
    first = make_invoice(session, customer=customer, number="INV-1", total="100.00")
    second = make_invoice(session, customer=customer, number="INV-2", total="50.00")
    payment = make_payment(session, customer=customer, amount="120.00")

    ledger.allocate(
        session,
        org_id=org.id,
        invoice_id=first.id,
        payment_id=payment.id,
        amount=Decimal("100.00"),
        on=ON,
    )
    ledger.allocate(
        session,
        org_id=org.id,
        invoice_id=second.id,
        payment_id=payment.id,
        amount=Decimal("20.00"),
        on=ON,
    )

    assert (first.open_amount, first.status) == (0, "paid")
    assert (second.open_amount, second.status) == (3000, "open")
    assert payment.unallocated_amount == 0


def test_credit_note_allocation(session: Session) -> None:
    org = make_org(session)
    customer = make_customer(session, org=org)
    invoice = make_invoice(session, customer=customer, total="100.00")
    note = make_credit_note(session, customer=customer, total="30.00")

    ledger.allocate(
        session,
        org_id=org.id,
        invoice_id=invoice.id,
        credit_note_id=note.id,
        amount=Decimal("30.00"),
        on=ON,
    )

    assert invoice.open_amount == 7000
    assert (note.open_amount, note.status) == (0, "applied")


def test_allocation_over_open_amount_is_refused_and_writes_nothing(session: Session) -> None:
    org = make_org(session)
    customer = make_customer(session, org=org)
    invoice = make_invoice(session, customer=customer, total="100.00")
    payment = make_payment(session, customer=customer, amount="500.00")

    with pytest.raises(Conflict, match="exceeds the open amount 10000 of invoice INV-1"):
        ledger.allocate(
            session,
            org_id=org.id,
            invoice_id=invoice.id,
            payment_id=payment.id,
            amount=Decimal("100.01"),
            on=ON,
        )

    assert allocated_total(session, invoice) == 0
    assert invoice.open_amount == 10000
    assert payment.unallocated_amount == 50000


def test_allocation_over_unallocated_payment_is_refused(session: Session) -> None:
    org = make_org(session)
    customer = make_customer(session, org=org)
    invoice = make_invoice(session, customer=customer, total="100.00")
    payment = make_payment(session, customer=customer, amount="40.00")

    with pytest.raises(Conflict, match="exceeds the 4000 left on payment P1"):
        ledger.allocate(
            session,
            org_id=org.id,
            invoice_id=invoice.id,
            payment_id=payment.id,
            amount=Decimal("40.01"),
            on=ON,
        )
    assert allocated_total(session, invoice) == 0


def test_allocation_across_currencies_is_refused(session: Session) -> None:
    org = make_org(session)
    customer = make_customer(session, org=org)
    invoice = make_invoice(session, customer=customer, total="100.00")
    payment = make_payment(session, customer=customer, amount="100.00", currency="GBP")

    with pytest.raises(Conflict, match="cannot allocate GBP from payment P1 to EUR invoice INV-1"):
        ledger.allocate(
            session,
            org_id=org.id,
            invoice_id=invoice.id,
            payment_id=payment.id,
            amount=Decimal("10.00"),
            on=ON,
        )


def test_allocation_to_another_customers_invoice_is_refused(session: Session) -> None:
    org = make_org(session)
    owner = make_customer(session, org=org, external_id="C1")
    other = make_customer(session, org=org, external_id="C2")
    invoice = make_invoice(session, customer=owner)
    payment = make_payment(session, customer=other)

    with pytest.raises(Conflict, match="belongs to another customer"):
        ledger.allocate(
            session,
            org_id=org.id,
            invoice_id=invoice.id,
            payment_id=payment.id,
            amount=Decimal("1.00"),
            on=ON,
        )


@pytest.mark.parametrize("amount", ["0", "-5.00"])
def test_allocation_must_be_positive(session: Session, amount: str) -> None:
    org = make_org(session)
    customer = make_customer(session, org=org)
    invoice = make_invoice(session, customer=customer)
    payment = make_payment(session, customer=customer)
    with pytest.raises(InvalidInput, match="positive"):
        ledger.allocate(
            session,
            org_id=org.id,
            invoice_id=invoice.id,
            payment_id=payment.id,
            amount=Decimal(amount),
            on=ON,
        )


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    totals=st.lists(st.integers(min_value=1, max_value=50_000), min_size=1, max_size=4),
    attempts=st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=3), st.integers(min_value=1, max_value=60_000)
        ),
        max_size=12,
    ),
)
def test_open_amount_always_equals_total_minus_allocations(
    session: Session, totals: list[int], attempts: list[tuple[int, int]]
) -> None:
    """Whatever is tried, accepted or refused, the invariants hold afterwards."""
    org = make_org(session, slug=f"prop-{uuid.uuid4().hex[:10]}")
    customer = make_customer(session, org=org)
    invoices = [
        make_invoice(
            session, customer=customer, number=f"INV-{i}", total=str(Decimal(t).scaleb(-2))
        )
        for i, t in enumerate(totals)
    ]
    payment = make_payment(session, customer=customer, amount="400.00")
    for index, amount in attempts:
        invoice = invoices[index % len(invoices)]
        with contextlib.suppress(Conflict):
            ledger.allocate(
                session,
                org_id=org.id,
                invoice_id=invoice.id,
                payment_id=payment.id,
                amount=Decimal(amount).scaleb(-2),
                on=ON,
            )
    allocated_sum = 0
    for invoice in invoices:
        session.refresh(invoice)
        allocated = allocated_total(session, invoice)
        allocated_sum += allocated
        assert invoice.open_amount == invoice.total_amount - allocated
        assert 0 <= invoice.open_amount <= invoice.total_amount
        assert invoice.status == ("paid" if invoice.open_amount == 0 else "open")
    session.refresh(payment)
    assert payment.unallocated_amount == payment.amount - allocated_sum >= 0
    assert ledger.balance_mismatches(session, org_id=org.id) == []
    assert session.scalar(select(func.count(Payment.id)).where(Payment.org_id == org.id)) == 1
