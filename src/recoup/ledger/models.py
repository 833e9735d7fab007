"""Ledger tables.

Money columns are integer minor units named ``*_amount`` beside a ``currency`` column.
Relations between business rows use composite foreign keys that include ``org_id``, so
the database itself refuses a row that points into another organisation.
"""

from datetime import date

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKeyConstraint,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from recoup.audit.registry import audited
from recoup.db.base import Base, Id, OrgScoped
from recoup.ledger.enums import (  # the tables' enums, re-exported here
    Channel,
    ContactRole,
    CreditNoteStatus,
    CustomerStatus,
    InvoiceStatus,
    PaymentMethod,
)


class Organisation(Base):
    """A company using Recoup to collect its receivables (the tenant)."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2), default="GB")
    base_currency: Mapped[str] = mapped_column(String(3), default="EUR")
    address: Mapped[str] = mapped_column(String(500), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    # The account of the first release; bank accounts now live in ``BankAccount``, one per
    # currency (migration 0004 moved these there). Kept so old databases stay readable.
    bank_name: Mapped[str] = mapped_column(String(200), default="")
    iban: Mapped[str] = mapped_column(String(34), default="")
    bic: Mapped[str] = mapped_column(String(11), default="")
    legal_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    registration_number: Mapped[str] = mapped_column(String(40), default="", server_default="")
    vat_number: Mapped[str] = mapped_column(String(40), default="", server_default="")
    # Who messages come from: ``sender_name <email>``, answers to ``reply_to`` when set.
    sender_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    reply_to: Mapped[str] = mapped_column(String(254), default="", server_default="")
    website: Mapped[str] = mapped_column(String(200), default="", server_default="")
    signature_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    signature_title: Mapped[str] = mapped_column(String(200), default="", server_default="")
    # How the daily run treats a customer it has never chased (no dunning history):
    # ``gentle`` starts it at the first customer-facing step for overdue money and claims
    # nothing back-dated; ``policy`` applies the policy as if it had always run. `recoup
    # init` chooses gentle; organisations from before the choice keep ``policy``.
    first_run: Mapped[str] = mapped_column(String(16), default="policy", server_default="policy")


@audited
class BankAccount(OrgScoped, Base):
    """Where customers pay invoices of one currency: IBAN and BIC (SEPA and most of the
    world), a UK sort code and account number, or a US routing and account number."""

    __tablename__ = "bank_accounts"
    __table_args__ = (UniqueConstraint("org_id", "currency"),)

    currency: Mapped[str] = mapped_column(String(3))
    bank_name: Mapped[str] = mapped_column(String(200), default="")
    account_name: Mapped[str] = mapped_column(String(200), default="")  # payee, if not the org
    iban: Mapped[str] = mapped_column(String(34), default="")
    bic: Mapped[str] = mapped_column(String(11), default="")
    sort_code: Mapped[str] = mapped_column(String(6), default="")
    account_number: Mapped[str] = mapped_column(String(17), default="")
    routing_number: Mapped[str] = mapped_column(String(9), default="")


@audited
class Customer(OrgScoped, Base):
    """A business that owes the organisation money."""

    __tablename__ = "customers"
    __table_args__ = (
        UniqueConstraint("org_id", "external_id"),
        UniqueConstraint("org_id", "id"),
    )

    external_id: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    registration_number: Mapped[str] = mapped_column(String(40), default="")
    vat_number: Mapped[str] = mapped_column(String(40), default="")
    country: Mapped[str] = mapped_column(String(2), default="")
    currency: Mapped[str] = mapped_column(String(3))
    language: Mapped[str] = mapped_column(String(8), default="en")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    payment_terms_days: Mapped[int] = mapped_column(default=30)
    # What the terms count from (``core.TermsBasis``): "" the invoice date.
    payment_terms_basis: Mapped[str] = mapped_column(String(24), default="", server_default="")
    credit_limit_amount: Mapped[int | None] = mapped_column(BigInteger, default=None)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    collector: Mapped[str] = mapped_column(String(200), default="")
    is_consumer: Mapped[bool] = mapped_column(default=False)
    status: Mapped[CustomerStatus] = mapped_column(String(16), default=CustomerStatus.ACTIVE)
    address: Mapped[str] = mapped_column(String(500), default="")
    sales_owner: Mapped[str] = mapped_column(String(254), default="")
    # Contact restrictions: the engine then only raises tasks for a person.
    do_not_contact: Mapped[bool] = mapped_column(default=False)
    legal_hold: Mapped[bool] = mapped_column(default=False)
    risk_band: Mapped[str] = mapped_column(String(16), default="")


@audited
class Contact(OrgScoped, Base):
    """A person at a customer whom Recoup may contact."""

    __tablename__ = "contacts"
    __table_args__ = (
        ForeignKeyConstraint(["org_id", "customer_id"], ["customers.org_id", "customers.id"]),
        Index("ix_contacts_org_customer", "org_id", "customer_id"),
    )

    customer_id: Mapped[int] = mapped_column(BigInteger)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[ContactRole] = mapped_column(String(16), default=ContactRole.BILLING)
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    language: Mapped[str] = mapped_column(String(8), default="")
    preferred_channel: Mapped[Channel] = mapped_column(String(16), default=Channel.EMAIL)
    opted_out: Mapped[list[str]] = mapped_column(JSON, default=list)


@audited
class Invoice(OrgScoped, Base):
    """An invoice; ``open_amount`` is always ``total_amount`` minus its allocations."""

    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint("org_id", "number"),
        UniqueConstraint("org_id", "external_id"),
        UniqueConstraint("org_id", "id"),
        ForeignKeyConstraint(["org_id", "customer_id"], ["customers.org_id", "customers.id"]),
        CheckConstraint("total_amount >= 0", name="total_not_negative"),
        CheckConstraint("tax_amount >= 0", name="tax_not_negative"),
        CheckConstraint(
            "open_amount >= 0 AND open_amount <= total_amount", name="open_within_total"
        ),
        Index("ix_invoices_org_customer", "org_id", "customer_id"),
        # Open invoices by due date, and the invoice list's pages (in id order within a day).
        Index("ix_invoices_org_status_due_id", "org_id", "status", "due_date", "id"),
        Index("ix_invoices_org_currency", "org_id", "currency"),
    )

    customer_id: Mapped[int] = mapped_column(BigInteger)
    number: Mapped[str] = mapped_column(String(64))
    external_id: Mapped[str] = mapped_column(String(100))
    issue_date: Mapped[date]
    due_date: Mapped[date]
    currency: Mapped[str] = mapped_column(String(3))
    total_amount: Mapped[int] = mapped_column(BigInteger)
    tax_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    open_amount: Mapped[int] = mapped_column(BigInteger)
    po_number: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[InvoiceStatus] = mapped_column(String(16), default=InvoiceStatus.OPEN)


@audited
class CreditNote(OrgScoped, Base):
    """A credit to a customer; ``open_amount`` is what is not yet applied to invoices."""

    __tablename__ = "credit_notes"
    __table_args__ = (
        UniqueConstraint("org_id", "number"),
        UniqueConstraint("org_id", "external_id"),
        UniqueConstraint("org_id", "id"),
        ForeignKeyConstraint(["org_id", "customer_id"], ["customers.org_id", "customers.id"]),
        CheckConstraint("total_amount > 0", name="total_positive"),
        CheckConstraint(
            "open_amount >= 0 AND open_amount <= total_amount", name="open_within_total"
        ),
        Index("ix_credit_notes_org_customer", "org_id", "customer_id"),
    )

    customer_id: Mapped[int] = mapped_column(BigInteger)
    number: Mapped[str] = mapped_column(String(64))
    external_id: Mapped[str] = mapped_column(String(100))
    issue_date: Mapped[date]
    currency: Mapped[str] = mapped_column(String(3))
    total_amount: Mapped[int] = mapped_column(BigInteger)
    open_amount: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[CreditNoteStatus] = mapped_column(String(16), default=CreditNoteStatus.OPEN)


@audited
class Payment(OrgScoped, Base):
    """Money received; ``unallocated_amount`` is what is not yet applied to invoices."""

    __tablename__ = "payments"
    __table_args__ = (
        UniqueConstraint("org_id", "external_id"),
        UniqueConstraint("org_id", "id"),
        ForeignKeyConstraint(["org_id", "customer_id"], ["customers.org_id", "customers.id"]),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint(
            "unallocated_amount >= 0 AND unallocated_amount <= amount",
            name="unallocated_within_amount",
        ),
        Index("ix_payments_org_customer", "org_id", "customer_id"),
    )

    customer_id: Mapped[int | None] = mapped_column(BigInteger)
    external_id: Mapped[str] = mapped_column(String(100))
    received_on: Mapped[date]
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[int] = mapped_column(BigInteger)
    unallocated_amount: Mapped[int] = mapped_column(BigInteger)
    method: Mapped[PaymentMethod] = mapped_column(String(16), default=PaymentMethod.BANK_TRANSFER)
    reference: Mapped[str] = mapped_column(String(200), default="")
    payer_name: Mapped[str] = mapped_column(String(200), default="")
    payer_iban: Mapped[str] = mapped_column(String(34), default="")


@audited
class Allocation(OrgScoped, Base):
    """Part of a payment or credit note applied to an invoice (exactly one source)."""

    __tablename__ = "allocations"
    __table_args__ = (
        ForeignKeyConstraint(["org_id", "invoice_id"], ["invoices.org_id", "invoices.id"]),
        ForeignKeyConstraint(["org_id", "payment_id"], ["payments.org_id", "payments.id"]),
        ForeignKeyConstraint(
            ["org_id", "credit_note_id"], ["credit_notes.org_id", "credit_notes.id"]
        ),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint(
            "(payment_id IS NULL) <> (credit_note_id IS NULL)", name="exactly_one_source"
        ),
        Index("ix_allocations_org_invoice", "org_id", "invoice_id"),
        Index("ix_allocations_payment", "payment_id"),
        Index("ix_allocations_credit_note", "credit_note_id"),
    )

    invoice_id: Mapped[int] = mapped_column(BigInteger)
    payment_id: Mapped[int | None] = mapped_column(BigInteger)
    credit_note_id: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[int] = mapped_column(BigInteger)
    allocated_on: Mapped[date]
