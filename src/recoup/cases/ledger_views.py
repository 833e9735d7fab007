"""Read-only views of ledger records that cases need, read through the ledger's queries.

Cases never query the ledger's tables: ``recoup.ledger.queries`` answers with small
frozen views (``InvoiceView``, ``CaseCustomerView``, ``ContactView``), keyed or ordered
here as cases use them.
"""

from collections.abc import Sequence

from sqlalchemy.orm import Session

from recoup.auth import scope
from recoup.errors import InvalidInput, NotFound
from recoup.ledger import queries
from recoup.ledger import service as ledger
from recoup.ledger.queries import CaseCustomerView as CaseCustomerView
from recoup.ledger.queries import ContactView as ContactView
from recoup.ledger.queries import InvoiceView as InvoiceView


def invoices_by_id(session: Session, *, org_id: int, ids: Sequence[int]) -> dict[int, InvoiceView]:
    """The organisation's invoices among ``ids``."""
    return {i.id: i for i in queries.invoices_among(session, org_id=org_id, invoice_ids=ids)}


def invoices_by_number(
    session: Session, *, org_id: int, numbers: Sequence[str]
) -> dict[str, InvoiceView]:
    """The organisation's invoices among ``numbers``."""
    return {i.number: i for i in queries.invoices_numbered(session, org_id=org_id, numbers=numbers)}


def customer_invoices(session: Session, *, org_id: int, customer_id: int) -> list[InvoiceView]:
    """All invoices of a customer, by due date."""
    found = queries.customer_invoices(session, org_id=org_id, customer_id=customer_id)
    return sorted(found, key=lambda i: (i.due_date, i.number))


def all_invoices(session: Session, *, org_id: int) -> list[InvoiceView]:
    """Every invoice of the organisation."""
    return queries.all_invoices(session, org_id=org_id)


def customers_by_id(
    session: Session, *, org_id: int, ids: Sequence[int]
) -> dict[int, CaseCustomerView]:
    """The organisation's customers among ``ids``."""
    return {c.id: c for c in queries.case_customers(session, org_id=org_id, customer_ids=ids)}


def customer(session: Session, *, org_id: int, customer_id: int) -> CaseCustomerView:
    """One of the organisation's customers (``NotFound`` outside the user's scope)."""
    found = customers_by_id(session, org_id=org_id, ids=[customer_id]).get(customer_id)
    if found is None:
        raise NotFound(f"no customer with id {customer_id}")
    scope.check_customer(session, customer_id=customer_id, assigned=found.collector)
    return found


def customer_by_external_id(session: Session, *, org_id: int, external_id: str) -> CaseCustomerView:
    """The customer a user names by its account number (external id)."""
    found = ledger.get_customer(session, org_id=org_id, external_id=external_id)
    return customer(session, org_id=org_id, customer_id=found.id)


def contacts(
    session: Session, *, org_id: int, customer_ids: Sequence[int]
) -> dict[int, list[ContactView]]:
    """``customer id -> contacts`` (oldest first) for the given customers."""
    found: dict[int, list[ContactView]] = {c: [] for c in customer_ids}
    for view in queries.contacts_of(session, org_id=org_id, customer_ids=customer_ids):
        found.setdefault(view.customer_id, []).append(view)
    return found


def email_contact(candidates: Sequence[ContactView]) -> ContactView | None:
    """Who gets a customer's emails: the first billing contact with an email address who
    has not opted out of email, else an accounts-payable one, else anyone."""
    usable = [c for c in candidates if c.email and "email" not in c.opted_out]
    for role in ("billing", "ap"):
        for contact in usable:
            if contact.role == role:
                return contact
    return usable[0] if usable else None


def checked_invoices(
    session: Session,
    *,
    org_id: int,
    customer_id: int,
    invoice_ids: Sequence[int],
    what: str,
) -> list[InvoiceView]:
    """The customer's open invoices among ``invoice_ids``, all in one currency, in the
    order given; refuses anything else with a clear reason."""
    customer(session, org_id=org_id, customer_id=customer_id)
    if not invoice_ids:
        raise InvalidInput(f"{what} needs at least one invoice", field="invoices")
    if len(set(invoice_ids)) != len(invoice_ids):
        raise InvalidInput("an invoice is named twice", field="invoices")
    found = invoices_by_id(session, org_id=org_id, ids=invoice_ids)
    invoices = []
    for invoice_id in invoice_ids:
        invoice = found.get(invoice_id)
        if invoice is None:
            raise NotFound(f"no invoice with id {invoice_id}")
        if invoice.customer_id != customer_id:
            raise InvalidInput(
                f"invoice {invoice.number} belongs to another customer", field="invoices"
            )
        if invoice.status != "open" or invoice.open_amount <= 0:
            raise InvalidInput(f"invoice {invoice.number} is not open", field="invoices")
        invoices.append(invoice)
    currencies = sorted({i.currency for i in invoices})
    if len(currencies) > 1:
        raise InvalidInput(
            f"{what} covers invoices in one currency, not {' and '.join(currencies)}",
            field="invoices",
        )
    return invoices
