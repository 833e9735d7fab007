"""Credit-control tables: the history of credit limits, open orders reported per customer,
and credit holds.

The customer's current limit lives on the ledger's ``Customer.credit_limit_amount``;
``CreditLimitChange`` keeps every change with who made it and why.
"""

from datetime import date
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKeyConstraint, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from recoup.audit.registry import audited
from recoup.db.base import Base, OrgScoped


class HoldSource(StrEnum):
    """Who placed a hold: a person, the escalation policy, or the credit rule
    (``evaluate_holds``), which alone releases its own holds automatically."""

    MANUAL = "manual"
    POLICY = "policy"
    RULE = "rule"


class HoldStatus(StrEnum):
    ACTIVE = "active"
    RELEASED = "released"


@audited
class CreditLimitChange(OrgScoped, Base):
    """One change of a customer's credit limit (None: no limit)."""

    __tablename__ = "credit_limit_changes"
    __table_args__ = (
        ForeignKeyConstraint(["org_id", "customer_id"], ["customers.org_id", "customers.id"]),
        Index("ix_credit_limit_changes_org_customer", "org_id", "customer_id"),
    )

    customer_id: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    previous_amount: Mapped[int | None] = mapped_column(BigInteger, default=None)
    limit_amount: Mapped[int | None] = mapped_column(BigInteger, default=None)
    reason: Mapped[str] = mapped_column(Text, default="")
    changed_by: Mapped[str] = mapped_column(String(254), default="")
    effective_on: Mapped[date]


@audited
class OpenOrders(OrgScoped, Base):
    """The value of a customer's orders not yet invoiced, as last reported."""

    __tablename__ = "open_orders"
    __table_args__ = (
        UniqueConstraint("org_id", "customer_id"),
        ForeignKeyConstraint(["org_id", "customer_id"], ["customers.org_id", "customers.id"]),
    )

    customer_id: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    open_amount: Mapped[int] = mapped_column(BigInteger)
    reported_on: Mapped[date]
    reference: Mapped[str] = mapped_column(String(200), default="")


@audited
class CreditHold(OrgScoped, Base):
    """A credit hold on a customer: no new credit (orders) while active."""

    __tablename__ = "credit_holds"
    __table_args__ = (
        UniqueConstraint("org_id", "key"),
        ForeignKeyConstraint(["org_id", "customer_id"], ["customers.org_id", "customers.id"]),
        Index("ix_credit_holds_org_customer", "org_id", "customer_id"),
        Index("ix_credit_holds_org_status", "org_id", "status"),
    )

    customer_id: Mapped[int] = mapped_column(BigInteger)
    source: Mapped[HoldSource] = mapped_column(String(16), default=HoldSource.MANUAL)
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[HoldStatus] = mapped_column(String(16), default=HoldStatus.ACTIVE)
    placed_on: Mapped[date]
    placed_by: Mapped[str] = mapped_column(String(254), default="")
    released_on: Mapped[date | None] = mapped_column(default=None)
    released_by: Mapped[str] = mapped_column(String(254), default="")
    release_reason: Mapped[str] = mapped_column(Text, default="")
    key: Mapped[str | None] = mapped_column(String(200), default=None)
