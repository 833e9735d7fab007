"""Small builders for case tests, on top of ``tests.factories``."""

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from recoup.comms.models import OutboxMessage
from recoup.ledger import service as ledger
from recoup.ledger.models import Customer, Invoice
from tests.factories import make_payment


def add_billing_contact(
    session: Session, *, customer: Customer, email: str = "ap@alpha.example"
) -> None:
    ledger.add_contact(
        session,
        org_id=customer.org_id,
        customer_id=customer.id,
        name="Ann Payable",
        email=email,
        phone="+44 20 7946 0001",
    )


def pay(
    session: Session,
    *,
    invoice: Invoice,
    amount: str,
    on: date,
    external_id: str,
) -> None:
    """Receive ``amount`` from the invoice's customer on ``on`` and allocate it."""
    customer = ledger.customer_by_id(
        session, org_id=invoice.org_id, customer_id=invoice.customer_id
    )
    payment = make_payment(
        session,
        customer=customer,
        amount=amount,
        currency=invoice.currency,
        external_id=external_id,
        received_on=on,
    )
    ledger.allocate(
        session,
        org_id=invoice.org_id,
        invoice_id=invoice.id,
        amount=Decimal(amount),
        on=on,
        payment_id=payment.id,
    )


def outbox_keys(session: Session, org_id: int) -> list[str]:
    return list(
        session.scalars(
            select(OutboxMessage.key)
            .where(OutboxMessage.org_id == org_id)
            .order_by(OutboxMessage.id)
        )
    )


def count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)
