"""A message context with figures worked out by hand, for the comms and documents tests.

EUR: INV-2026-0041 1,234.56 open (58 days overdue), INV-2026-0057 500.00 of which
250.00 open (40 days); charges 15.23 + 40.00 = 55.23; credit note 100.00.
Open invoices 1,484.56; balance 1,484.56 + 55.23 - 100.00 = 1,439.79.
GBP: INV-2026-0102 999.99, due on the as-of date (not overdue); balance 999.99.
"""

from datetime import date
from decimal import Decimal
from typing import Any

from recoup.comms.context import (
    ChargeLine,
    ContactInfo,
    CreditLine,
    CustomerInfo,
    InstalmentInfo,
    InvoiceLine,
    MessageContext,
    OrganisationInfo,
    PromiseInfo,
)

AS_OF = date(2026, 3, 31)

ORGANISATION = OrganisationInfo(
    name="Acme Supplies Ltd",
    address="1 High Street\nLondon EC1A 1BB\nUnited Kingdom",
    email="credit@acme.example",
    phone="+44 20 7946 0000",
    bank_name="Barclays Bank",
    iban="GB33BUKB20201555555555",
    bic="BUKBGB22",
    registration="Registered in England No. 01234567",
)

INVOICES = (
    InvoiceLine("INV-2026-0041", date(2026, 1, 2), date(2026, 2, 1), "EUR", 123456, 123456, 58),
    InvoiceLine("INV-2026-0057", date(2026, 1, 20), date(2026, 2, 19), "EUR", 50000, 25000, 40),
    InvoiceLine("INV-2026-0102", date(2026, 3, 1), date(2026, 3, 31), "GBP", 99999, 99999, 0),
)

CHARGES = (
    ChargeLine("Late-payment interest", "EUR", 1523, "INV-2026-0041"),
    ChargeLine("Fixed compensation for recovery costs", "EUR", 4000, "INV-2026-0041"),
)

CREDITS = (CreditLine("CN-0007", date(2026, 3, 10), "EUR", 10000),)


def make_context(
    *, language: str = "en", country: str = "GB", contact_language: str = "", **overrides: Any
) -> MessageContext:
    """The sample context; keyword arguments replace any ``MessageContext`` field."""
    fields: dict[str, Any] = {
        "organisation": ORGANISATION,
        "customer": CustomerInfo(
            external_id="C-1001",
            name="Globex GmbH",
            language=language,
            country=country,
            address="Globex GmbH\nHauptstraße 5\n10115 Berlin\nGermany",
            payment_terms_days=30,
        ),
        "contact": ContactInfo(
            name="Anna Schmidt",
            email="ap@globex.example",
            phone="+49 30 1234567",
            language=contact_language,
        ),
        "invoices": INVOICES,
        "charges": CHARGES,
        "credits": CREDITS,
        "as_of": AS_OF,
        "payment_reference": "C-1001",
        "portal_url": "https://pay.acme.example/p/abc123",
        "step": "formal notice",
        "signatory": "Jane Doe",
        "pay_by": date(2026, 4, 14),
        "interest_rate": Decimal("11.62"),
        "promise": PromiseInfo(100000, "EUR", date(2026, 4, 10), made_on=AS_OF),
        "instalment": InstalmentInfo(
            sequence=2,
            count=4,
            due_date=date(2026, 4, 15),
            currency="EUR",
            amount=50000,
            paid_amount=10000,
            plan_remaining_amount=150000,
            plan_agreed_on=date(2026, 2, 1),
        ),
        "event": "credit_hold",
        "note": "Customer says the March delivery was short.",
    }
    fields.update(overrides)
    return MessageContext(**fields)
