"""Loading the demo portfolio through the real import path."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from recoup.demo import generator
from recoup.imports.columns import Kind
from recoup.imports.service import ImportResult, import_rows
from recoup.ledger import repository as ledger_repository
from recoup.ledger import service as ledger
from recoup.ledger.models import Organisation

DEMO_ORG = "demo"


@dataclass(frozen=True, slots=True)
class DemoLoad:
    """What loading the demo portfolio wrote."""

    customers: ImportResult
    invoices: ImportResult
    payments: ImportResult


def demo_organisation(session: Session) -> Organisation:
    """The demo organisation, created on first use."""
    org = ledger_repository.organisation_by_slug(session, DEMO_ORG)
    return org or ledger.create_organisation(
        session,
        slug=DEMO_ORG,
        name="Demo Trading Ltd",
        country="GB",
        base_currency="GBP",
        address="1 Demo Street, London EC1A 1AA",
        email="credit.control@demo.example",
        phone="+44 20 7946 0000",
        bank_name="Demo Bank plc",
        iban="GB33BUKB20201555555555",
        bic="BUKBGB22",
    )


def load(session: Session, *, org_id: int, customers: int, seed: int, as_of: date) -> DemoLoad:
    """Generate and import a portfolio (idempotent: the same arguments change nothing)."""
    rows = generator.portfolio(customers, seed, as_of)
    return DemoLoad(
        customers=import_rows(
            session,
            org_id=org_id,
            kind=Kind.CUSTOMERS,
            header=generator.CUSTOMER_HEADER,
            rows=rows.customers,
        ),
        invoices=import_rows(
            session,
            org_id=org_id,
            kind=Kind.INVOICES,
            header=generator.INVOICE_HEADER,
            rows=rows.invoices,
        ),
        payments=import_rows(
            session,
            org_id=org_id,
            kind=Kind.PAYMENTS,
            header=generator.PAYMENT_HEADER,
            rows=rows.payments,
        ),
    )
