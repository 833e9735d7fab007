"""Approval requests: one row per decision a second person makes.

A credit-limit increase above the threshold and a change to an escalation policy are
pending requests here until decided; a hand-off or a write-off keeps its own pending
row in ``recoup.cases`` and gets a row here when it is decided (who, in which role,
why). Audited like every business table.
"""

from datetime import date
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKeyConstraint, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from recoup.audit.registry import audited
from recoup.db.base import Base, OrgScoped


class ApprovalKind(StrEnum):
    HANDOFF = "handoff"
    WRITE_OFF = "write_off"
    CREDIT_LIMIT = "credit_limit"
    POLICY = "policy"


class ApprovalStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


@audited
class ApprovalRequest(OrgScoped, Base):
    """Something one person asked for and another must approve or reject."""

    __tablename__ = "approval_requests"
    __table_args__ = (
        UniqueConstraint("org_id", "id"),
        UniqueConstraint("org_id", "key"),
        ForeignKeyConstraint(["org_id", "customer_id"], ["customers.org_id", "customers.id"]),
        Index("ix_approval_requests_org_status", "org_id", "status"),
        Index("ix_approval_requests_org_customer", "org_id", "customer_id"),
    )

    kind: Mapped[ApprovalKind] = mapped_column(String(16))
    subject_id: Mapped[int | None] = mapped_column(BigInteger, default=None)  # hand-off, write-off
    key: Mapped[str | None] = mapped_column(String(64), default=None)  # "handoff:7"
    customer_id: Mapped[int | None] = mapped_column(BigInteger)  # None: a policy change
    status: Mapped[ApprovalStatus] = mapped_column(String(16), default=ApprovalStatus.PENDING)
    summary: Mapped[str] = mapped_column(String(500), default="")
    currency: Mapped[str] = mapped_column(String(3))
    previous_amount: Mapped[int | None] = mapped_column(BigInteger, default=None)
    amount: Mapped[int | None] = mapped_column(BigInteger, default=None)  # the new limit
    requested_by: Mapped[str] = mapped_column(String(254), default="")
    requested_on: Mapped[date]
    reason: Mapped[str] = mapped_column(Text, default="")  # why it was asked for
    decided_by: Mapped[str] = mapped_column(String(254), default="")
    decided_role: Mapped[str] = mapped_column(String(16), default="")
    decided_on: Mapped[date | None] = mapped_column(default=None)
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    # A policy change: the policy's name and the proposed YAML text (approvals_0002).
    subject: Mapped[str] = mapped_column(String(64), default="", server_default="")
    detail: Mapped[str] = mapped_column(Text, default="", server_default="")
