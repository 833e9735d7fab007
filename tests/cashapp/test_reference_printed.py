"""The RF creditor reference in what customers see: messages and the portal's EPC QR."""

from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from recoup.cashapp import core
from recoup.cashapp.reference import customer_reference
from recoup.comms.service import customer_context
from recoup.ledger import service as ledger
from recoup.ledger.organisation import BankDetails, bank_accounts, set_bank_account
from recoup.portal import service as portal
from tests.factories import make_customer, make_invoice, make_org


def test_messages_and_the_portal_quote_the_reference_and_the_matcher_reads_it(
    session: Session,
) -> None:
    org = make_org(session)
    customer = make_customer(session, org=org, external_id="C1042")
    make_invoice(session, customer=customer, number="INV-7", total="120.00")
    ref = customer_reference(customer.id)
    context = customer_context(
        session, org_id=org.id, customer_id=customer.id, as_of=date(2026, 3, 1)
    )
    assert context.payment_reference == f"{ref} INV-7"

    set_bank_account(
        session, org=org, currency="EUR", details=BankDetails(iban="DE89370400440532013000")
    )
    statement = portal.customer_statement(
        session, org_id=org.id, customer_id=customer.id, as_of=date(2026, 3, 1)
    )
    page_customer = {"id": customer.id, "external_id": "C1042"}
    (pay,) = portal.payment_instructions(
        org, bank_accounts(session, org_id=org.id), page_customer, statement
    )
    assert pay.reference == f"{ref} C1042 INV-7"

    # A payer who copies it is matched exactly.
    rows = ledger.invoice_rows(session, org_id=org.id)
    book = core.build_book(
        [core.Party(customer.id, "C1042", customer.name)],
        [
            core.Item(
                r.id, r.number, r.customer_id, r.currency, r.open_amount, r.issue_date, r.due_date
            )
            for r in rows
        ],
    )
    line = core.Line(
        amount=12000, currency="EUR", booking_date=date(2026, 3, 2), remittance=pay.reference
    )
    decision = core.decide(book, line)
    assert decision.certain is not None
    assert decision.certain.confidence == 100
    assert Decimal(decision.certain.applied) == 12000
