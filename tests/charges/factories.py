"""Keyword-only factories for charges tests: organisations in a given country, consumers,
invoices with chosen due dates, payments applied on a date."""

from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from recoup.ledger import service as ledger
from recoup.ledger.models import Customer, Invoice, Organisation


def make_org(
    session: Session, *, slug: str = "acme", country: str = "GB", currency: str = "GBP"
) -> Organisation:
    return ledger.create_organisation(
        session, slug=slug, name=f"{slug.title()} Ltd", country=country, base_currency=currency
    )


def make_customer(
    session: Session,
    *,
    org: Organisation,
    external_id: str = "C1",
    currency: str = "GBP",
    is_consumer: bool = False,
) -> Customer:
    return ledger.create_customer(
        session,
        org_id=org.id,
        external_id=external_id,
        name=f"Customer {external_id}",
        currency=currency,
        is_consumer=is_consumer,
    )


def make_invoice(
    session: Session,
    *,
    customer: Customer,
    number: str = "INV-1",
    total: str = "1000.00",
    due_date: date,
    issue_date: date | None = None,
) -> Invoice:
    return ledger.create_invoice(
        session,
        org_id=customer.org_id,
        customer_id=customer.id,
        number=number,
        issue_date=issue_date or due_date,
        due_date=due_date,
        total=Decimal(total),
    )


def pay(session: Session, *, invoice: Invoice, amount: str, on: date, external_id: str) -> None:
    """Record a payment received ``on`` and apply it to ``invoice`` on that day."""
    payment = ledger.record_payment(
        session,
        org_id=invoice.org_id,
        customer_id=invoice.customer_id,
        received_on=on,
        amount=Decimal(amount),
        currency=invoice.currency,
        external_id=external_id,
    )
    ledger.allocate(
        session,
        org_id=invoice.org_id,
        invoice_id=invoice.id,
        payment_id=payment.id,
        amount=Decimal(amount),
        on=on,
    )
