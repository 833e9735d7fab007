"""Keyword-only factories for test data, built through the real services."""

from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from recoup.ledger import service as ledger
from recoup.ledger.models import CreditNote, Customer, Invoice, Organisation, Payment


def make_org(session: Session, *, slug: str = "acme", currency: str = "EUR") -> Organisation:
    return ledger.create_organisation(
        session, slug=slug, name=f"{slug.title()} Ltd", country="GB", base_currency=currency
    )


def make_customer(
    session: Session,
    *,
    org: Organisation,
    external_id: str = "C1",
    name: str | None = None,
    currency: str = "EUR",
    terms: int = 30,
) -> Customer:
    return ledger.create_customer(
        session,
        org_id=org.id,
        external_id=external_id,
        name=name or f"Customer {external_id}",
        currency=currency,
        payment_terms_days=terms,
    )


def make_invoice(
    session: Session,
    *,
    customer: Customer,
    number: str = "INV-1",
    total: str = "100.00",
    issue_date: date = date(2026, 1, 1),
    due_date: date | None = None,
    currency: str | None = None,
) -> Invoice:
    return ledger.create_invoice(
        session,
        org_id=customer.org_id,
        customer_id=customer.id,
        number=number,
        issue_date=issue_date,
        due_date=due_date,
        total=Decimal(total),
        currency=currency,
    )


def make_payment(
    session: Session,
    *,
    customer: Customer | None,
    org: Organisation | None = None,
    amount: str = "100.00",
    currency: str = "EUR",
    external_id: str = "P1",
    received_on: date = date(2026, 2, 1),
) -> Payment:
    org_id = customer.org_id if customer else org.id  # type: ignore[union-attr]
    return ledger.record_payment(
        session,
        org_id=org_id,
        customer_id=customer.id if customer else None,
        received_on=received_on,
        amount=Decimal(amount),
        currency=currency,
        external_id=external_id,
    )


def make_credit_note(
    session: Session,
    *,
    customer: Customer,
    number: str = "CN-1",
    total: str = "10.00",
    issue_date: date = date(2026, 2, 1),
) -> CreditNote:
    return ledger.create_credit_note(
        session,
        org_id=customer.org_id,
        customer_id=customer.id,
        number=number,
        issue_date=issue_date,
        total=Decimal(total),
    )
