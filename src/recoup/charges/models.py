"""Charges tables: the charges themselves, contract terms, imported reference rates.

A charge (late fee, interest, fixed compensation) is a receivable of its own, beside the
invoice it arises from: it never changes the invoice's total or open amount. Its
``key`` makes charging idempotent (one charge per key and organisation).
"""

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Dialect,
    ForeignKeyConstraint,
    Index,
    String,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from recoup.audit.registry import audited
from recoup.db.base import Base, Id, OrgScoped, utcnow


class DecimalText(TypeDecorator[Decimal]):
    """An exact decimal (a percentage) stored as its text.

    SQLite has no exact decimal type (NUMERIC there becomes a float), so rates are kept
    as strings on both databases and read back as ``Decimal``.
    """

    impl = String(24)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> str | None:
        return None if value is None else str(Decimal(value))

    def process_result_value(self, value: str | None, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value)


class ChargeKind(StrEnum):
    LATE_FEE = "late_fee"
    INTEREST = "interest"
    COMPENSATION = "compensation"


class ChargeStatus(StrEnum):
    OPEN = "open"
    PAID = "paid"
    WAIVED = "waived"


# Interest and compensation are charged once per invoice and period start; the database
# refuses a second one even when a caller uses a new key.
_ONCE_PER_PERIOD = text("kind IN ('interest', 'compensation')")


@audited
class Charge(OrgScoped, Base):
    """A late fee, interest or fixed compensation owed by a customer."""

    __tablename__ = "charges"
    __table_args__ = (
        UniqueConstraint("org_id", "key"),
        UniqueConstraint("org_id", "id"),
        ForeignKeyConstraint(["org_id", "customer_id"], ["customers.org_id", "customers.id"]),
        ForeignKeyConstraint(["org_id", "invoice_id"], ["invoices.org_id", "invoices.id"]),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("period_end >= period_start", name="period_in_order"),
        Index("ix_charges_org_customer_status", "org_id", "customer_id", "status"),
        Index("ix_charges_org_invoice", "org_id", "invoice_id"),
        Index(
            "uq_charges_once_per_period",
            "org_id",
            "invoice_id",
            "kind",
            "period_start",
            unique=True,
            sqlite_where=_ONCE_PER_PERIOD,
            postgresql_where=_ONCE_PER_PERIOD,
        ),
    )

    customer_id: Mapped[int] = mapped_column(BigInteger)
    invoice_id: Mapped[int | None] = mapped_column(BigInteger)
    kind: Mapped[ChargeKind] = mapped_column(String(16))
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[int] = mapped_column(BigInteger)
    period_start: Mapped[date]
    period_end: Mapped[date]
    description: Mapped[str] = mapped_column(String(500))
    key: Mapped[str] = mapped_column(String(200))
    status: Mapped[ChargeStatus] = mapped_column(String(16), default=ChargeStatus.OPEN)
    # How the amount was worked out (periods, rates, rule), as text values.
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


@audited
class ChargeTerms(OrgScoped, Base):
    """Contract terms for charges, per customer or (overriding it) per invoice.

    Each field left empty falls back: invoice terms → customer terms → the statute of the
    organisation's country (or, for a late fee, the policy step's fee).
    """

    __tablename__ = "charge_terms"
    __table_args__ = (
        ForeignKeyConstraint(["org_id", "customer_id"], ["customers.org_id", "customers.id"]),
        ForeignKeyConstraint(["org_id", "invoice_id"], ["invoices.org_id", "invoices.id"]),
        CheckConstraint("late_fee_amount IS NULL OR late_fee_percent IS NULL", name="one_late_fee"),
        Index(
            "uq_charge_terms_customer",
            "org_id",
            "customer_id",
            unique=True,
            sqlite_where=text("invoice_id IS NULL"),
            postgresql_where=text("invoice_id IS NULL"),
        ),
        Index(
            "uq_charge_terms_invoice",
            "org_id",
            "invoice_id",
            unique=True,
            sqlite_where=text("invoice_id IS NOT NULL"),
            postgresql_where=text("invoice_id IS NOT NULL"),
        ),
    )

    customer_id: Mapped[int] = mapped_column(BigInteger)
    invoice_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    jurisdiction: Mapped[str] = mapped_column(String(8), default="")
    interest_rate_percent: Mapped[Decimal | None] = mapped_column(DecimalText, default=None)
    late_fee_amount: Mapped[int | None] = mapped_column(BigInteger, default=None)
    late_fee_currency: Mapped[str] = mapped_column(String(3), default="")
    late_fee_percent: Mapped[Decimal | None] = mapped_column(DecimalText, default=None)
    # A contractual fixed compensation per late invoice (wins over the statute's).
    compensation_amount: Mapped[int | None] = mapped_column(BigInteger, default=None)
    compensation_currency: Mapped[str] = mapped_column(String(3), default="")
    note: Mapped[str] = mapped_column(String(500), default="")
    # Customer level only: the organisation waives statutory interest and compensation for
    # this customer (a good customer, a settlement); the reason is kept and audited.
    waive_statutory: Mapped[bool] = mapped_column(default=False)
    waive_reason: Mapped[str] = mapped_column(String(500), default="")


class StatutoryClaim(OrgScoped, Base):
    """The day Recoup started claiming statutory charges on a late invoice, and the day it
    stopped (interest crystallised when the invoice was paid, handed off or closed).

    While a claim is open, its interest accrues day by day and is shown accrued-to-date;
    on ``closed_on`` the interest was queued to be recorded as a charge. Derived state,
    written in bulk by the daily run (like the dunning cycles): the charges it leads to
    are what the audit log records.
    """

    __tablename__ = "statutory_claims"
    __table_args__ = (
        UniqueConstraint("org_id", "invoice_id"),
        ForeignKeyConstraint(["org_id", "customer_id"], ["customers.org_id", "customers.id"]),
        ForeignKeyConstraint(["org_id", "invoice_id"], ["invoices.org_id", "invoices.id"]),
        Index("ix_statutory_claims_org_customer_closed", "org_id", "customer_id", "closed_on"),
    )

    customer_id: Mapped[int] = mapped_column(BigInteger)
    invoice_id: Mapped[int] = mapped_column(BigInteger)
    claimed_on: Mapped[date]
    closed_on: Mapped[date | None] = mapped_column(default=None)
    close_reason: Mapped[str] = mapped_column(String(200), default="")


class ReferenceRate(Base):
    """A reference rate imported by a user; it extends or overrides the shipped table.

    Reference rates are public facts shared by every organisation, so the row has no
    ``org_id`` (and no per-organisation audit chain): ``source`` and ``imported_at``
    record where it came from.
    """

    __tablename__ = "reference_rates"
    __table_args__ = (UniqueConstraint("table_name", "effective_from"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    table_name: Mapped[str] = mapped_column(String(32))
    effective_from: Mapped[date]
    rate_percent: Mapped[Decimal] = mapped_column(DecimalText)
    source: Mapped[str] = mapped_column(String(300), default="")
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)


class RateCheck(Base):
    """The day up to which a reference-rate table was last found complete (by
    ``recoup charges rates update`` or an import), beyond its shipped file."""

    __tablename__ = "reference_rate_checks"
    __table_args__ = (UniqueConstraint("table_name"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    table_name: Mapped[str] = mapped_column(String(32))
    checked_through: Mapped[date]
    source: Mapped[str] = mapped_column(String(300), default="")
    checked_at: Mapped[datetime] = mapped_column(default=utcnow)
