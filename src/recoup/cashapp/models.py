"""Cash-application tables: statements, their lines, decisions, what people taught the
matcher, and saved CSV column profiles.

Amounts are integer minor units beside ``currency``. Lines are imported data; every
decision about a line (applied by the matcher or a person, ignored, undone) is a
``LineDecision`` row, audited like the payments and allocations it writes.
"""

from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKeyConstraint,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from recoup.audit.registry import audited
from recoup.db.base import Base, OrgScoped
from recoup.ledger import queries as ledger_queries
from recoup.ledger.models import Invoice


class LineStatus(StrEnum):
    UNMATCHED = "unmatched"  # a credit nothing points to
    PROPOSED = "proposed"  # a credit with proposals for a person
    APPLIED = "applied"  # a payment was recorded and applied
    IGNORED = "ignored"  # not a customer payment
    DEBIT = "debit"  # money out: refunds, charges
    RETURNED = "returned"  # a returned payment that reversed the one it returns


class DecisionAction(StrEnum):
    AUTO = "auto"  # applied by the matcher
    APPLY = "apply"  # applied by a person
    IGNORE = "ignore"
    UNDO = "undo"
    RETURN = "return"


class BankStatement(OrgScoped, Base):
    """One imported statement (or notification) of one account."""

    __tablename__ = "cashapp_statements"
    __table_args__ = (UniqueConstraint("org_id", "id"),)

    format: Mapped[str] = mapped_column(String(16))
    filename: Mapped[str] = mapped_column(String(255), default="")
    statement_id: Mapped[str] = mapped_column(String(100), default="")
    account_iban: Mapped[str] = mapped_column(String(34), default="")
    account_number: Mapped[str] = mapped_column(String(40), default="")
    currency: Mapped[str] = mapped_column(String(3))
    opening_balance_amount: Mapped[int | None] = mapped_column(BigInteger, default=None)
    closing_balance_amount: Mapped[int | None] = mapped_column(BigInteger, default=None)
    opening_date: Mapped[date | None] = mapped_column(default=None)
    closing_date: Mapped[date | None] = mapped_column(default=None)
    # The file's credits and debits, lines already known from another file included.
    credits_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    debits_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    line_count: Mapped[int] = mapped_column(default=0)
    duplicate_count: Mapped[int] = mapped_column(default=0)


class BankLine(OrgScoped, Base):
    """One booked movement; ``dedupe_key`` keeps the same movement from coming in twice."""

    __tablename__ = "cashapp_lines"
    __table_args__ = (
        UniqueConstraint("org_id", "id"),
        UniqueConstraint("org_id", "dedupe_key"),
        ForeignKeyConstraint(
            ["org_id", "statement_id"], ["cashapp_statements.org_id", "cashapp_statements.id"]
        ),
        ForeignKeyConstraint(["org_id", "customer_id"], ["customers.org_id", "customers.id"]),
        ForeignKeyConstraint(["org_id", "payment_id"], ["payments.org_id", "payments.id"]),
        Index("ix_cashapp_lines_org_status", "org_id", "status"),
        Index("ix_cashapp_lines_org_statement", "org_id", "statement_id"),
    )

    statement_id: Mapped[int] = mapped_column(BigInteger)
    position: Mapped[int] = mapped_column(default=0)
    dedupe_key: Mapped[str] = mapped_column(String(255))
    booking_date: Mapped[date]
    value_date: Mapped[date | None] = mapped_column(default=None)
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[int] = mapped_column(BigInteger)  # always positive
    credit: Mapped[bool] = mapped_column(default=True)
    bank_id: Mapped[str] = mapped_column(String(100), default="")
    end_to_end_id: Mapped[str] = mapped_column(String(100), default="")
    creditor_reference: Mapped[str] = mapped_column(String(64), default="")
    remittance: Mapped[str] = mapped_column(Text, default="")
    payer_name: Mapped[str] = mapped_column(String(200), default="")
    payer_iban: Mapped[str] = mapped_column(String(34), default="")
    payer_bic: Mapped[str] = mapped_column(String(11), default="")
    bank_code: Mapped[str] = mapped_column(String(64), default="")
    return_reason: Mapped[str] = mapped_column(String(16), default="")
    returned_end_to_end_id: Mapped[str] = mapped_column(String(100), default="")
    status: Mapped[LineStatus] = mapped_column(String(16), default=LineStatus.UNMATCHED)
    customer_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    payment_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    # What went to invoices; the rest of an applied credit is on account.
    applied_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    confidence: Mapped[int] = mapped_column(default=0)
    reason: Mapped[str] = mapped_column(Text, default="")
    # The matcher's proposals: [{customer_id, account, shares: [[invoice_id, number,
    # amount]], on_account, confidence, reason}], best first.
    proposals: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


@audited
class LineDecision(OrgScoped, Base):
    """What was decided about a line, by whom, and why."""

    __tablename__ = "cashapp_decisions"
    __table_args__ = (
        ForeignKeyConstraint(["org_id", "line_id"], ["cashapp_lines.org_id", "cashapp_lines.id"]),
        Index("ix_cashapp_decisions_org_line", "org_id", "line_id"),
    )

    line_id: Mapped[int] = mapped_column(BigInteger)
    action: Mapped[DecisionAction] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(254), default="")
    customer_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    payment_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    detail: Mapped[str] = mapped_column(Text, default="")


@audited
class LearnedPayer(OrgScoped, Base):
    """A payer IBAN or name a person confirmed pays for a customer."""

    __tablename__ = "cashapp_learned_payers"
    __table_args__ = (
        UniqueConstraint("org_id", "kind", "value", "customer_id"),
        ForeignKeyConstraint(["org_id", "customer_id"], ["customers.org_id", "customers.id"]),
    )

    kind: Mapped[str] = mapped_column(String(8))  # "iban" or "name"
    value: Mapped[str] = mapped_column(String(200))
    customer_id: Mapped[int] = mapped_column(BigInteger)
    line_id: Mapped[int | None] = mapped_column(BigInteger, default=None)


@audited
class BankCsvProfile(OrgScoped, Base):
    """A saved CSV column profile (``recoup.cashapp.formats.CsvProfile.to_dict``)."""

    __tablename__ = "cashapp_csv_profiles"
    __table_args__ = (UniqueConstraint("org_id", "name"),)

    name: Mapped[str] = mapped_column(String(64))
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


@audited
class MatchSettings(OrgScoped, Base):
    """How sure the matcher must be to apply a line without a person, and what short
    payment still settles an invoice (a bank charge, an early-payment discount)."""

    __tablename__ = "cashapp_settings"
    __table_args__ = (UniqueConstraint("org_id"),)

    threshold: Mapped[int] = mapped_column(default=90)
    # Minor units of the organisation's base currency, applied to a line's own currency.
    short_fixed_amount: Mapped[int] = mapped_column(BigInteger, default=1500)
    short_percent_bp: Mapped[int] = mapped_column(default=300)  # basis points: 3 % = 300


# Indexes on the ledger's invoices for the matcher's look-ups (migration cashapp_0002):
# by number as payers write it, by its digits, and by open amount.
Index(
    "ix_invoices_cashapp_number_key",
    Invoice.org_id,
    text(ledger_queries.NUMBER_KEY_SQL),
)
Index(
    "ix_invoices_cashapp_digits_key",
    Invoice.org_id,
    text(ledger_queries.DIGITS_KEY_SQL),
)
Index("ix_invoices_cashapp_open_amount", Invoice.org_id, Invoice.open_amount)
