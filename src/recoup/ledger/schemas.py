"""Request and response models of the ledger's records: customers, contacts, invoices,
credit notes, payments and allocations (``of`` builds a response from a row).
"""

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field

from recoup.schemas import AmountText, Closed, Currency, Id, Text200, amount_text

# Customers and contacts ------------------------------------------------------------------


class Customer(BaseModel):
    id: int
    external_id: str
    name: str
    country: str
    currency: str
    language: str
    timezone: str
    payment_terms_days: int
    payment_terms_basis: str
    credit_limit: str | None
    tags: list[str]
    collector: str
    is_consumer: bool
    status: str
    address: str
    sales_owner: str
    do_not_contact: bool
    legal_hold: bool
    risk_band: str
    vat_number: str
    registration_number: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: Any) -> "Customer":
        values = {f: getattr(row, f) for f in cls.model_fields if f != "credit_limit"}
        return cls(**values, credit_limit=amount_text(row.credit_limit_amount, row.currency))


class CustomerFields(Closed):
    """The fields a person may set on a customer (as on the customer form)."""

    name: Text200 | None = None
    country: Annotated[str, Field(max_length=2)] | None = None
    language: Annotated[str, Field(max_length=8)] | None = None
    timezone: Annotated[str, Field(max_length=64)] | None = None
    payment_terms_days: Annotated[int, Field(ge=0, le=3650)] | None = None
    payment_terms_basis: Annotated[str, Field(max_length=24)] | None = None
    tags: list[Annotated[str, Field(max_length=100)]] | None = None
    collector: Text200 | None = None
    status: Annotated[str, Field(max_length=16)] | None = None
    address: Annotated[str, Field(max_length=500)] | None = None
    sales_owner: Annotated[str, Field(max_length=254)] | None = None
    is_consumer: bool | None = None
    do_not_contact: bool | None = None
    legal_hold: bool | None = None
    vat_number: Annotated[str, Field(max_length=40)] | None = None
    registration_number: Annotated[str, Field(max_length=40)] | None = None

    def given(self) -> dict[str, Any]:
        """The fields present in the request."""
        return self.model_dump(exclude_unset=True, exclude_none=True)


class CustomerCreate(CustomerFields):
    name: Text200
    currency: Currency
    external_id: Annotated[str, Field(max_length=100)] = Field(
        default="", description="Your account number; defaults to the name"
    )


class CustomerUpdate(CustomerFields):
    pass


class Contact(BaseModel):
    id: int
    customer_id: int
    name: str
    role: str
    email: str
    phone: str
    language: str
    preferred_channel: str
    opted_out: list[str]

    @classmethod
    def of(cls, row: Any) -> "Contact":
        return cls(**{f: getattr(row, f) for f in cls.model_fields})


class ContactCreate(Closed):
    customer_id: Id
    name: Text200 = ""
    email: Annotated[str, Field(max_length=254)] = ""
    phone: Annotated[str, Field(max_length=40)] = ""
    role: Annotated[str, Field(max_length=16)] = "billing"
    language: Annotated[str, Field(max_length=8)] = ""
    preferred_channel: Annotated[str, Field(max_length=16)] = "email"
    opted_out: list[Annotated[str, Field(max_length=16)]] = Field(default_factory=list)


class ContactUpdate(Closed):
    name: Text200 | None = None
    email: Annotated[str, Field(max_length=254)] | None = None
    phone: Annotated[str, Field(max_length=40)] | None = None
    role: Annotated[str, Field(max_length=16)] | None = None
    language: Annotated[str, Field(max_length=8)] | None = None
    preferred_channel: Annotated[str, Field(max_length=16)] | None = None
    opted_out: list[Annotated[str, Field(max_length=16)]] | None = None


# Invoices, credit notes, payments, allocations -------------------------------------------


class Invoice(BaseModel):
    id: int
    customer_id: int
    number: str
    external_id: str
    issue_date: date
    due_date: date
    currency: str
    total: str
    tax: str
    open: str
    po_number: str
    status: str

    @classmethod
    def of(cls, row: Any) -> "Invoice":
        c = row.currency
        return cls(
            id=row.id, customer_id=row.customer_id, number=row.number,
            external_id=row.external_id, issue_date=row.issue_date, due_date=row.due_date,
            currency=c, total=amount_text(row.total_amount, c), tax=amount_text(row.tax_amount, c),
            open=amount_text(row.open_amount, c), po_number=row.po_number, status=row.status,
        )  # fmt: skip


class InvoiceCreate(Closed):
    """An invoice, checked exactly as a row of an invoices import (same columns)."""

    number: Annotated[str, Field(min_length=1, max_length=64)]
    customer: Annotated[str, Field(min_length=1, max_length=200)] = Field(
        description="The customer's external id (account number) or exact name"
    )
    issue_date: date
    due_date: date | None = Field(default=None, description="Defaults to the customer's terms")
    total: AmountText
    tax: AmountText | None = None
    currency: Currency | None = Field(default=None, description="Defaults to the customer's")
    open_balance: AmountText | None = Field(default=None, description="What is still owed")
    po_number: Annotated[str, Field(max_length=64)] = ""
    external_id: Annotated[str, Field(max_length=100)] = ""


class InvoiceBulk(Closed):
    """Up to 1,000 invoices, written all together or not at all."""

    invoices: Annotated[list[InvoiceCreate], Field(min_length=1, max_length=1000)]


class BulkResult(BaseModel):
    """What a bulk write did."""

    created: int
    updated: int
    unchanged: int


class CreditNote(BaseModel):
    id: int
    customer_id: int
    number: str
    external_id: str
    issue_date: date
    currency: str
    total: str
    open: str
    reason: str
    status: str

    @classmethod
    def of(cls, row: Any) -> "CreditNote":
        c = row.currency
        return cls(
            id=row.id, customer_id=row.customer_id, number=row.number,
            external_id=row.external_id, issue_date=row.issue_date, currency=c,
            total=amount_text(row.total_amount, c), open=amount_text(row.open_amount, c),
            reason=row.reason, status=row.status,
        )  # fmt: skip


class Payment(BaseModel):
    id: int
    customer_id: int | None
    external_id: str
    received_on: date
    currency: str
    amount: str
    unallocated: str
    method: str
    reference: str
    payer_name: str
    payer_iban: str

    @classmethod
    def of(cls, row: Any) -> "Payment":
        c = row.currency
        return cls(
            id=row.id, customer_id=row.customer_id, external_id=row.external_id,
            received_on=row.received_on, currency=c, amount=amount_text(row.amount, c),
            unallocated=amount_text(row.unallocated_amount, c), method=row.method,
            reference=row.reference, payer_name=row.payer_name, payer_iban=row.payer_iban,
        )  # fmt: skip


class PaymentCreate(Closed):
    external_id: Annotated[str, Field(min_length=1, max_length=100)]
    customer_id: Id | None = None
    received_on: date
    amount: AmountText
    currency: Currency
    method: Annotated[str, Field(max_length=16)] = "bank_transfer"
    reference: Annotated[str, Field(max_length=200)] = ""
    payer_name: Text200 = ""
    payer_iban: Annotated[str, Field(max_length=34)] = ""


class Allocation(BaseModel):
    id: int
    invoice_id: int
    payment_id: int | None
    credit_note_id: int | None
    currency: str
    amount: str
    allocated_on: date

    @classmethod
    def of(cls, row: Any) -> "Allocation":
        return cls(
            id=row.id, invoice_id=row.invoice_id, payment_id=row.payment_id,
            credit_note_id=row.credit_note_id, currency=row.currency,
            amount=amount_text(row.amount, row.currency), allocated_on=row.allocated_on,
        )  # fmt: skip


class AllocationCreate(Closed):
    """Apply part of a payment or of a credit note (exactly one) to an invoice."""

    invoice_id: Id
    amount: AmountText
    payment_id: Id | None = None
    credit_note_id: Id | None = None
    allocated_on: date | None = Field(default=None, description="Defaults to today")
