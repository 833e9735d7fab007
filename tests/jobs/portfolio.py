"""A small committed portfolio for the daily-run tests (they need real transactions)."""

from datetime import date
from decimal import Decimal

from sqlalchemy import Engine

from recoup.db import transaction
from recoup.ledger import service as ledger


def create(engine: Engine, *, customers: int = 1, due: date = date(2026, 3, 2)) -> int:
    """An organisation with ``customers`` British customers, each with an email contact,
    an address, a sales owner and two invoices due on ``due``; the organisation's id."""
    with transaction(engine, actor="test") as session:
        org = ledger.create_organisation(
            session,
            slug="acme",
            name="Acme Supplies Ltd",
            country="GB",
            base_currency="GBP",
            address="1 Market Street\nLondon EC1A 1AA",
            email="credit@acme.example",
            phone="+44 20 7946 0000",
            bank_name="Example Bank plc",
            iban="GB33BUKB20201555555555",
            bic="BUKBGB22",
        )
        for n in range(1, customers + 1):
            customer = ledger.create_customer(
                session,
                org_id=org.id,
                external_id=f"C{n:03d}",
                name=f"Customer {n} Ltd",
                currency="GBP",
                country="GB",
                timezone="Europe/London",
            )
            customer.address = f"{n} High Street\nManchester M1 1AA"
            customer.sales_owner = "owner@acme.example"
            customer.collector = "sam@acme.example"
            ledger.add_contact(
                session,
                org_id=org.id,
                customer_id=customer.id,
                name="Accounts Payable",
                email=f"ap{n}@customer.example",
            )
            for number, total in ((f"INV-{n}-1", "1000.00"), (f"INV-{n}-2", "200.00")):
                ledger.create_invoice(
                    session,
                    org_id=org.id,
                    customer_id=customer.id,
                    number=number,
                    issue_date=date(2026, 1, 31),
                    due_date=due,
                    total=Decimal(total),
                )
        return org.id
