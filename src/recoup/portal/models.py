"""Portal tables: the customers' secure links, and what customers said through them.

A link's token is random; only its SHA-256 is stored, so a link can be revoked or left
to expire, and a copy of the database does not open anyone's portal.
"""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKeyConstraint, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from recoup.db.base import Base, OrgScoped


class SubmissionKind(StrEnum):
    PROMISE = "promise"
    DISPUTE = "dispute"
    FEEDBACK = "feedback"


class DisputeReason(StrEnum):
    """Why a customer says an invoice is not (yet) payable."""

    NOT_RECEIVED = "not_received"
    WRONG_AMOUNT = "wrong_amount"
    GOODS_OR_SERVICE = "goods_or_service"
    ALREADY_PAID = "already_paid"
    NO_PURCHASE_ORDER = "no_purchase_order"
    OTHER = "other"


class PortalToken(OrgScoped, Base):
    """A secure link to one customer's portal page."""

    __tablename__ = "portal_tokens"
    __table_args__ = (
        UniqueConstraint("token_hash"),
        UniqueConstraint("org_id", "id"),
        ForeignKeyConstraint(["org_id", "customer_id"], ["customers.org_id", "customers.id"]),
        Index("ix_portal_tokens_org_customer", "org_id", "customer_id"),
    )

    customer_id: Mapped[int] = mapped_column(BigInteger)
    token_hash: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)


class PortalSubmission(OrgScoped, Base):
    """A promise to pay, a dispute or feedback that a customer left on the portal.

    ``seen_at`` is set once someone of the team has looked at it on the customer page.
    """

    __tablename__ = "portal_submissions"
    __table_args__ = (
        ForeignKeyConstraint(["org_id", "customer_id"], ["customers.org_id", "customers.id"]),
        ForeignKeyConstraint(["org_id", "invoice_id"], ["invoices.org_id", "invoices.id"]),
        ForeignKeyConstraint(["org_id", "token_id"], ["portal_tokens.org_id", "portal_tokens.id"]),
        Index("ix_portal_submissions_org_customer", "org_id", "customer_id"),
        Index("ix_portal_submissions_org_created", "org_id", "created_at"),
        Index("ix_portal_submissions_org_collector", "org_id", "collector", "seen_at"),
        Index("ix_portal_submissions_client_created", "client", "created_at"),
    )

    customer_id: Mapped[int] = mapped_column(BigInteger)
    token_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[SubmissionKind] = mapped_column(String(16))
    invoice_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    promised_on: Mapped[date | None] = mapped_column(default=None)
    currency: Mapped[str] = mapped_column(String(3), default="")
    promised_amount: Mapped[int | None] = mapped_column(BigInteger, default=None)
    reason: Mapped[str] = mapped_column(String(32), default="")
    comment: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(8), default="en")
    # The collector assigned to the customer when it came in: the person notified.
    collector: Mapped[str] = mapped_column(String(200), default="")
    seen_at: Mapped[datetime | None] = mapped_column(default=None)
    # The address it came from (``recoup.auth.http.client_ip``), for the rate limit.
    client: Mapped[str] = mapped_column(String(64), default="", server_default="")
