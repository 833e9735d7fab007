"""Read-only views of ledger records that cases need, read through the ledger's service.

Cases never query the ledger's tables: ``recoup.ledger.service.snapshot`` and friends
return plain rows, turned here into small frozen records.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from recoup.auth import scope
from recoup.errors import InvalidInput, NotFound
from recoup.ledger import service as ledger

_INVOICE_FIELDS = (
    "id",
    "customer_id",
    "number",
    "currency",
    "total_amount",
    "open_amount",
    "status",
    "issue_date",
    "due_date",
)
_CUSTOMER_FIELDS = (
    "id",
    "external_id",
    "name",
    "currency",
    "collector",
    "sales_owner",
    "do_not_contact",
    "legal_hold",
    "payment_terms_days",
)
_CONTACT_FIELDS = ("id", "customer_id", "name", "email", "phone", "role", "opted_out")


@dataclass(frozen=True, slots=True)
class InvoiceView:
    """The invoice fields cases decide on."""

    id: int
    customer_id: int
    number: str
    currency: str
    total_amount: int
    open_amount: int
    status: str
    issue_date: date
    due_date: date


@dataclass(frozen=True, slots=True)
class CustomerView:
    """The customer fields cases decide on."""

    id: int
    external_id: str
    name: str
    currency: str
    collector: str
    sales_owner: str
    do_not_contact: bool
    legal_hold: bool
    payment_terms_days: int


@dataclass(frozen=True, slots=True)
class ContactView:
    """A contact person (for recipients and the placement file)."""

    id: int
    customer_id: int
    name: str
    email: str
    phone: str
    role: str
    opted_out: tuple[str, ...]


def invoices_by_id(session: Session, *, org_id: int, ids: Sequence[int]) -> dict[int, InvoiceView]:
    """The organisation's invoices among ``ids``."""
    rows = ledger.snapshot(
        session, org_id=org_id, entity="invoices", fields=_INVOICE_FIELDS, where=("id", ids)
    )
    return {row[0]: InvoiceView(*row) for row in rows}


def invoices_by_number(
    session: Session, *, org_id: int, numbers: Sequence[str]
) -> dict[str, InvoiceView]:
    """The organisation's invoices among ``numbers``."""
    rows = ledger.snapshot(
        session, org_id=org_id, entity="invoices", fields=_INVOICE_FIELDS, where=("number", numbers)
    )
    return {row[2]: InvoiceView(*row) for row in rows}


def customer_invoices(session: Session, *, org_id: int, customer_id: int) -> list[InvoiceView]:
    """All invoices of a customer, by due date."""
    rows = ledger.snapshot(
        session,
        org_id=org_id,
        entity="invoices",
        fields=_INVOICE_FIELDS,
        where=("customer_id", [customer_id]),
    )
    return sorted((InvoiceView(*row) for row in rows), key=lambda i: (i.due_date, i.number))


def all_invoices(session: Session, *, org_id: int) -> list[InvoiceView]:
    """Every invoice of the organisation."""
    rows = ledger.snapshot(session, org_id=org_id, entity="invoices", fields=_INVOICE_FIELDS)
    return [InvoiceView(*row) for row in rows]


def customers_by_id(
    session: Session, *, org_id: int, ids: Sequence[int]
) -> dict[int, CustomerView]:
    """The organisation's customers among ``ids``."""
    rows = ledger.snapshot(
        session, org_id=org_id, entity="customers", fields=_CUSTOMER_FIELDS, where=("id", ids)
    )
    return {row[0]: CustomerView(*row) for row in rows}


def customer(session: Session, *, org_id: int, customer_id: int) -> CustomerView:
    """One of the organisation's customers (``NotFound`` outside the user's scope)."""
    found = customers_by_id(session, org_id=org_id, ids=[customer_id]).get(customer_id)
    if found is None:
        raise NotFound(f"no customer with id {customer_id}")
    scope.check_customer(session, customer_id=customer_id, assigned=found.collector)
    return found


def customer_by_external_id(session: Session, *, org_id: int, external_id: str) -> CustomerView:
    """The customer a user names by its account number (external id)."""
    found = ledger.get_customer(session, org_id=org_id, external_id=external_id)
    return customer(session, org_id=org_id, customer_id=found.id)


def contacts(
    session: Session, *, org_id: int, customer_ids: Sequence[int]
) -> dict[int, list[ContactView]]:
    """``customer id -> contacts`` (oldest first) for the given customers."""
    found: dict[int, list[ContactView]] = {c: [] for c in customer_ids}
    rows = ledger.snapshot(
        session,
        org_id=org_id,
        entity="contacts",
        fields=_CONTACT_FIELDS,
        where=("customer_id", customer_ids),
    )
    for row in sorted(rows):
        contact_id, owner, name, email, phone, role, opted_out = row
        view = ContactView(contact_id, owner, name, email, phone, role, tuple(opted_out or ()))
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
