"""The context of a message to a customer, loaded from the ledger and the charges."""

from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from recoup.cashapp.reference import customer_reference
from recoup.comms.service import customer_context
from recoup.ledger import service as ledger
from recoup.ledger.models import CustomerStatus
from tests.factories import make_credit_note, make_customer, make_invoice, make_org, make_payment

AS_OF = date(2026, 3, 1)


def test_every_open_invoice_and_credit_of_the_customer(session: Session) -> None:
    org = make_org(session)
    customer = make_customer(session, org=org, external_id="C1")
    make_invoice(session, customer=customer, number="INV-2", total="50.00",
                 due_date=date(2026, 2, 20))  # fmt: skip
    make_invoice(session, customer=customer, number="INV-1", total="100.00",
                 due_date=date(2026, 1, 31))  # fmt: skip
    paid = make_invoice(session, customer=customer, number="INV-0", total="10.00")
    payment = make_payment(session, customer=customer, amount="40.00", external_id="P1")
    ledger.allocate(session, org_id=org.id, invoice_id=paid.id, amount=Decimal("10.00"),
                    on=AS_OF, payment_id=payment.id)  # fmt: skip
    make_credit_note(session, customer=customer, number="CN-1", total="20.00")
    other = make_customer(session, org=make_org(session, slug="other"), external_id="C1")
    make_invoice(session, customer=other, number="INV-1", total="999.00")

    context = customer_context(session, org_id=org.id, customer_id=customer.id, as_of=AS_OF)

    assert [(i.number, i.open_amount, i.days_overdue) for i in context.invoices] == [
        ("INV-1", 10000, 29),
        ("INV-2", 5000, 9),
    ]
    assert [(c.reference, c.amount, c.kind) for c in context.credits] == [
        ("CN-1", 2000, "credit_note"),
        ("P1", 3000, "payment"),
    ]
    assert [(t.currency, t.balance) for t in context.totals] == [("EUR", 10000)]
    # The creditor reference (the bank-statement matcher's key), then the account.
    assert context.payment_reference == f"{customer_reference(customer.id)} C1"
    assert context.signatory == ""  # credit control signs, under the organisation's name
    assert context.contact is None
    assert context.credit_hold is False
    assert context.portal_url is None


def test_chosen_invoices_a_contact_and_the_hold(session: Session) -> None:
    org = make_org(session)
    customer = make_customer(session, org=org)
    make_invoice(session, customer=customer, number="INV-1")
    second = make_invoice(session, customer=customer, number="INV-2")
    foreign = make_invoice(
        session, customer=make_customer(session, org=make_org(session, slug="b")), number="X-1"
    )
    contact = ledger.add_contact(
        session, org_id=org.id, customer_id=customer.id, name="Anna", language="de"
    )
    ledger.set_customer_status(
        session, org_id=org.id, customer_id=customer.id, status=CustomerStatus.ON_HOLD
    )

    context = customer_context(
        session,
        org_id=org.id,
        customer_id=customer.id,
        as_of=AS_OF,
        invoice_ids=[second.id, foreign.id],
        contact_id=contact.id,
        portal_url="https://portal.example/p/x",
    )

    assert [i.number for i in context.invoices] == ["INV-2"]
    assert context.payment_reference == f"{customer_reference(customer.id)} INV-2"
    assert context.contact is not None
    assert (context.contact.name, context.language) == ("Anna", "de")
    assert context.credit_hold is True
    assert context.portal_url == "https://portal.example/p/x"
    no_invoices = customer_context(
        session, org_id=org.id, customer_id=customer.id, as_of=AS_OF, invoice_ids=[]
    )
    assert no_invoices.invoices == ()
