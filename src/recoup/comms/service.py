"""What a message about a customer says, loaded from the ledger and the charges.

``customer_context`` is the one place that turns a customer's records into a
``MessageContext``: the dispatcher uses it for every email, letter, SMS and call script,
and the portal for the statement and invoice copies a customer downloads.
"""

from collections.abc import Collection, Sequence
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from recoup.charges import service as charges
from recoup.comms.context import ChargeLine, MessageContext, context_from_ledger
from recoup.ledger import service as ledger
from recoup.ledger.enums import CustomerStatus
from recoup.ledger.organisation import bank_account_for


def customer_context(
    session: Session,
    *,
    org_id: int,
    customer_id: int,
    as_of: date,
    invoice_ids: Sequence[int] | None = None,
    contact_id: int | None = None,
    reminded: Collection[int] = (),
    **options: Any,
) -> MessageContext:
    """The context of a message to a customer on ``as_of``.

    It lists the invoices ``invoice_ids`` (every open invoice of the customer when None)
    that are still open, the customer's open charges, open credit notes and unapplied
    payments, and is addressed to the contact ``contact_id`` when given. The
    organisation's credit control signs it (a ``signatory`` option adds a person's name);
    ``credit_hold`` says whether the account is on hold; ``options`` sets any other
    field (``portal_url``, ``step``, ``payment_reference``, ``pay_by``, ...).
    ``reminded`` are the invoices earlier reminders were sent about: the context says
    ``reminded_before`` when every overdue invoice it lists is among them.
    """
    organisation = ledger.get_organisation(session, org_id=org_id)
    customer = ledger.customer_by_id(session, org_id=org_id, customer_id=customer_id)
    invoices = (
        ledger.open_invoices(session, org_id=org_id, customer_id=customer_id)
        if invoice_ids is None
        else ledger.invoices_by_id(session, org_id=org_id, invoice_ids=invoice_ids)
    )
    contact = (
        ledger.contact_by_id(session, org_id=org_id, contact_id=contact_id) if contact_id else None
    )
    open_charges = charge_lines(session, org_id=org_id, customer_id=customer_id, as_of=as_of)
    overdue = [i.id for i in invoices if i.open_amount > 0 and i.due_date < as_of]
    fields: dict[str, Any] = {
        "reminded_before": bool(overdue) and set(overdue) <= set(reminded),
        "credit_hold": customer.status == CustomerStatus.ON_HOLD,
        **options,
    }
    currency = invoices[0].currency if invoices else customer.currency
    return context_from_ledger(
        organisation=organisation,
        bank_account=bank_account_for(session, org_id=org_id, currency=currency),
        customer=customer,
        invoices=invoices,
        as_of=as_of,
        contact=contact,
        charges=open_charges,
        credit_notes=ledger.open_credit_notes(session, org_id=org_id, customer_id=customer_id),
        payments=ledger.unapplied_payments(session, org_id=org_id, customer_id=customer_id),
        **fields,
    )


def charge_lines(
    session: Session, *, org_id: int, customer_id: int, as_of: date
) -> list[ChargeLine]:
    """A customer's open charges, then the interest accrued to ``as_of``, as messages and
    documents show them: each with its invoice's number and the facts ``ChargeLine.words``
    writes in the customer's words."""
    return [
        ChargeLine(c.description, c.currency, c.amount, c.invoice_number, c.facts)
        for c in charges.statement_charges(
            session, org_id=org_id, customer_id=customer_id, as_of=as_of
        )
    ]
