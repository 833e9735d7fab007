"""Pydantic models of every API request and response.

Amounts are decimal strings in the row's currency (``"1200.50"``), never floats; dates
are ISO 8601. Response models are built from the domain's rows by ``of`` (minor units to
decimals through ``recoup.money``).
"""

from datetime import date, datetime
from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from recoup import money

T = TypeVar("T")

AmountText = Annotated[
    str,
    Field(
        pattern=r"^[0-9]{1,13}(\.[0-9]{1,4})?$",
        description='A decimal amount as a string, e.g. "1200.50"',
        examples=["1200.50"],
    ),
]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217", examples=["EUR"])]
Id = Annotated[int, Field(ge=1, le=2**62)]


def _amount(minor: int | None, currency: str) -> str | None:
    return None if minor is None else str(money.from_minor(minor, currency))


class Closed(BaseModel):
    """Request bodies refuse fields they do not know (a typo is an error, not ignored)
    and text with NUL characters (no database stores them)."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        texts = value if isinstance(value, list) else [value]
        if any(isinstance(t, str) and "\x00" in t for t in texts):
            raise ValueError("must not contain NUL characters")
        return value


# Errors (RFC 9457) -----------------------------------------------------------------------


class FieldProblem(BaseModel):
    """One thing wrong with the request: the field (and the row of a bulk request)."""

    field: str = Field(description="The field, e.g. `due_date` or `body.items.0.total`")
    reason: str
    row: int | None = Field(default=None, description="Index of the item in a bulk request")


class Problem(BaseModel):
    """An error, as ``application/problem+json`` (RFC 9457)."""

    type: str = Field(default="about:blank", description="A URI naming the kind of problem")
    title: str
    status: int
    detail: str = ""
    instance: str = Field(default="", description="The request path")
    errors: list[FieldProblem] = Field(default_factory=list)


# Pages -----------------------------------------------------------------------------------


class Page(BaseModel, Generic[T]):
    """One page of a list; ask again with ``cursor=next_cursor`` for the next one."""

    data: list[T]
    next_cursor: str | None = Field(description="None on the last page")


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
        return cls(**values, credit_limit=_amount(row.credit_limit_amount, row.currency))


Text200 = Annotated[str, Field(max_length=200)]


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
            currency=c, total=_amount(row.total_amount, c), tax=_amount(row.tax_amount, c),
            open=_amount(row.open_amount, c), po_number=row.po_number, status=row.status,
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
            total=_amount(row.total_amount, c), open=_amount(row.open_amount, c),
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
            received_on=row.received_on, currency=c, amount=_amount(row.amount, c),
            unallocated=_amount(row.unallocated_amount, c), method=row.method,
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
            amount=_amount(row.amount, row.currency), allocated_on=row.allocated_on,
        )  # fmt: skip


class AllocationCreate(Closed):
    """Apply part of a payment or of a credit note (exactly one) to an invoice."""

    invoice_id: Id
    amount: AmountText
    payment_id: Id | None = None
    credit_note_id: Id | None = None
    allocated_on: date | None = Field(default=None, description="Defaults to today")


# Cases -----------------------------------------------------------------------------------


class Dispute(BaseModel):
    id: int
    customer_id: int
    reason: str
    currency: str
    amount: str
    status: str
    opened_on: date
    resolved_on: date | None
    resolution: str
    owner: str
    description: str

    @classmethod
    def of(cls, row: Any) -> "Dispute":
        return cls(
            id=row.id, customer_id=row.customer_id, reason=row.reason, currency=row.currency,
            amount=_amount(row.disputed_amount, row.currency), status=row.status,
            opened_on=row.opened_on, resolved_on=row.resolved_on, resolution=row.resolution,
            owner=row.owner, description=row.description,
        )  # fmt: skip


class DisputeCreate(Closed):
    customer_id: Id
    invoice_ids: Annotated[list[Id], Field(min_length=1, max_length=500)]
    reason: Annotated[str, Field(max_length=16)]
    amount: AmountText | None = Field(default=None, description="Defaults to the open amounts")
    owner: Annotated[str, Field(max_length=254)] = ""
    description: Annotated[str, Field(max_length=5000)] = ""


class Promise(BaseModel):
    id: int
    customer_id: int
    made_on: date
    promised_on: date
    grace_days: int
    contact: str
    channel: str
    collector: str
    currency: str
    promised: str
    kept: str
    status: str
    closed_on: date | None
    note: str

    @classmethod
    def of(cls, row: Any) -> "Promise":
        c = row.currency
        return cls(
            id=row.id, customer_id=row.customer_id, made_on=row.made_on,
            promised_on=row.promised_on, grace_days=row.grace_days, contact=row.contact,
            channel=row.channel, collector=row.collector, currency=c,
            promised=_amount(row.promised_amount, c), kept=_amount(row.kept_amount, c),
            status=row.status, closed_on=row.closed_on, note=row.note,
        )  # fmt: skip


class PromiseItem(Closed):
    invoice_id: Id
    amount: AmountText | None = Field(default=None, description="Defaults to its open amount")


class PromiseCreate(Closed):
    customer_id: Id
    items: Annotated[list[PromiseItem], Field(min_length=1, max_length=500)]
    promised_on: date
    contact: Text200 = ""
    channel: Annotated[str, Field(max_length=16)] = "phone"
    grace_days: Annotated[int, Field(ge=0, le=365)] = 3
    note: Annotated[str, Field(max_length=5000)] = ""


class PaymentPlan(BaseModel):
    id: int
    customer_id: int
    currency: str
    principal: str
    interest: str
    interest_rate_bp: int
    frequency: str
    created_on: date
    reminder_days: int
    grace_days: int
    status: str
    closed_on: date | None
    agreed_by: str
    contact: str
    note: str

    @classmethod
    def of(cls, row: Any) -> "PaymentPlan":
        c = row.currency
        return cls(
            id=row.id, customer_id=row.customer_id, currency=c,
            principal=_amount(row.principal_amount, c), interest=_amount(row.interest_amount, c),
            interest_rate_bp=row.interest_rate_bp, frequency=row.frequency,
            created_on=row.created_on, reminder_days=row.reminder_days,
            grace_days=row.grace_days, status=row.status, closed_on=row.closed_on,
            agreed_by=row.agreed_by, contact=row.contact, note=row.note,
        )  # fmt: skip


class PaymentPlanCreate(Closed):
    customer_id: Id
    invoice_ids: Annotated[list[Id], Field(min_length=1, max_length=500)]
    instalments: Annotated[int, Field(ge=1, le=120)] | None = None
    frequency: Annotated[str, Field(max_length=16)] = "monthly"
    first_due: date | None = None
    amounts: Annotated[list[AmountText], Field(max_length=120)] | None = None
    dates: Annotated[list[date], Field(max_length=120)] | None = None
    interest_rate: Annotated[
        str, Field(pattern=r"^[0-9]{1,3}(\.[0-9]{1,4})?$", description="Annual percent")
    ] = "0"
    agreed_by: Annotated[str, Field(max_length=254)] = ""
    contact: Text200 = ""
    note: Annotated[str, Field(max_length=5000)] = ""


class Task(BaseModel):
    id: int
    customer_id: int | None
    title: str
    body: str
    kind: str
    assignee: str
    due_on: date | None
    status: str
    completed_by: str
    completed_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, row: Any) -> "Task":
        return cls(**{f: getattr(row, f) for f in cls.model_fields})


class TaskCreate(Closed):
    title: Annotated[str, Field(min_length=1, max_length=200)]
    customer_id: Id | None = None
    body: Annotated[str, Field(max_length=5000)] = ""
    kind: Annotated[str, Field(max_length=16)] = "other"
    assignee: Annotated[str, Field(max_length=254)] = ""
    due_on: date | None = None


class Note(BaseModel):
    id: int
    customer_id: int
    author: str
    text: str
    created_at: datetime

    @classmethod
    def of(cls, row: Any) -> "Note":
        return cls(**{f: getattr(row, f) for f in cls.model_fields})


class NoteCreate(Closed):
    customer_id: Id
    text: Annotated[str, Field(min_length=1, max_length=10000)]


# Outbox, charges, KPIs -------------------------------------------------------------------


class OutboxMessage(BaseModel):
    id: int
    customer_id: int | None
    kind: str
    template: str
    recipient: str
    source: str
    status: str
    attempts: int
    next_attempt_at: datetime
    sent_at: datetime | None
    last_error: str
    subject: str
    created_at: datetime

    @classmethod
    def of(cls, row: Any) -> "OutboxMessage":
        return cls(**{f: getattr(row, f) for f in cls.model_fields})


class Charge(BaseModel):
    id: int
    customer_id: int
    invoice_id: int | None
    kind: str
    currency: str
    amount: str
    period_start: date
    period_end: date
    description: str
    status: str

    @classmethod
    def of(cls, row: Any) -> "Charge":
        return cls(
            id=row.id, customer_id=row.customer_id, invoice_id=row.invoice_id, kind=row.kind,
            currency=row.currency, amount=_amount(row.amount, row.currency),
            period_start=row.period_start, period_end=row.period_end,
            description=row.description, status=row.status,
        )  # fmt: skip


class Kpis(BaseModel):
    """The KPIs of one currency and group over the period (None: not defined, e.g. no
    sales)."""

    currency: str
    group: str
    values: dict[str, str | None]


class KpiReport(BaseModel):
    start: date
    end: date
    by: str
    rows: list[Kpis]


class DisputeResolve(Closed):
    """How a dispute ends: ``valid``, ``invalid`` or ``credited`` (a credit note of
    ``credit_amount``, default the amount in dispute, is issued and applied)."""

    outcome: Annotated[str, Field(max_length=16)]
    note: Annotated[str, Field(max_length=5000)] = ""
    credit_amount: AmountText | None = None


class Cancel(Closed):
    """Why a promise or a plan is withdrawn."""

    reason: Annotated[str, Field(max_length=500)] = ""
