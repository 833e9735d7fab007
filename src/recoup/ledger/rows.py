"""The ledger's records as an import compares them: plain rows of the fields a file may
change, read by ``ledger.queries`` and checked by ``imports.core``. Pure (no SQLAlchemy):
an import's core plans against them without a database."""

from datetime import date
from typing import NamedTuple


class CustomerRef(NamedTuple):
    """A customer as an import's rows name it: by external id or name (the stand-in for
    a customer the import creates has a negative id)."""

    id: int
    external_id: str
    name: str
    currency: str
    payment_terms_days: int
    payment_terms_basis: str = ""


class CustomerSnap(NamedTuple):
    """A customer with every field a customers file may change, as an import compares
    them (``credit_limit_amount`` in minor units of ``currency``, None: no limit)."""

    id: int
    external_id: str
    name: str
    currency: str
    country: str
    vat_number: str
    registration_number: str
    language: str
    timezone: str
    payment_terms_days: int
    payment_terms_basis: str
    credit_limit_amount: int | None
    tags: list[str]
    collector: str
    status: str  # a CustomerStatus value
    is_consumer: bool
    address: str
    sales_owner: str
    do_not_contact: bool
    legal_hold: bool


class ContactSnap(NamedTuple):
    """A contact person with the fields a customers or contacts file may change
    (``opted_out``: the channels the person refused, as stored)."""

    id: int
    customer_id: int
    name: str
    email: str
    phone: str
    role: str  # a ContactRole value
    language: str
    preferred_channel: str  # a Channel value
    opted_out: list[str]


class InvoiceSnap(NamedTuple):
    """An invoice with the fields an invoice file may change (amounts in minor units of
    ``currency``)."""

    id: int
    external_id: str
    number: str
    customer_id: int
    issue_date: date
    due_date: date
    currency: str
    total_amount: int
    tax_amount: int
    open_amount: int
    po_number: str
    status: str  # an InvoiceStatus value


class PaymentSnap(NamedTuple):
    """A payment with the fields a payments file may change (amounts in minor units of
    ``currency``; ``customer_id`` None: a payment of no known customer)."""

    id: int
    external_id: str
    customer_id: int | None
    received_on: date
    currency: str
    amount: int
    unallocated_amount: int
    method: str  # a PaymentMethod value
    reference: str
    payer_name: str
    payer_iban: str


class CreditNoteSnap(NamedTuple):
    """A credit note with the fields a credit notes file may change (amounts in minor
    units of ``currency``)."""

    id: int
    external_id: str
    number: str
    customer_id: int
    issue_date: date
    currency: str
    total_amount: int
    open_amount: int
    reason: str
    status: str  # a CreditNoteStatus value
