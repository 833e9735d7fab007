"""The outbox: every outbound effect, written in the transaction that decided it.

A row is delivered by the dispatcher and keeps what was sent exactly as sent (subject,
bodies, attachments) and how it went (attempts, error, provider id).
"""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKeyConstraint,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from recoup.db.base import Base, OrgScoped


class OutboxKind(StrEnum):
    """What delivering the row does."""

    EMAIL = "email"
    LETTER = "letter"
    SMS = "sms"
    TASK = "task"  # a task for a person (call, review, approval)
    CHARGE = "charge"  # a late fee, interest or compensation charge
    CREDIT_HOLD = "credit_hold"
    HANDOFF = "handoff"  # an agency hand-off request, awaiting approval
    WEBHOOK = "webhook"  # a signed HTTP notification to a subscriber (recoup.webhooks)


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed by a dispatcher; outcome not yet recorded
    SENT = "sent"
    RETRYING = "retrying"
    FAILED = "failed"  # permanently; a task was raised
    UNKNOWN = "unknown"  # a dispatcher died mid-send: never resent automatically
    CANCELLED = "cancelled"


MESSAGE_KINDS = frozenset({OutboxKind.EMAIL, OutboxKind.LETTER, OutboxKind.SMS})
#: Rows handed to something outside (rendered, sent with no transaction open, recorded);
#: every other kind is applied inside the claiming transaction.
DELIVERED_KINDS = MESSAGE_KINDS | {OutboxKind.WEBHOOK}

#: Rows still to deliver. The dispatcher's claim query says exactly this, in SQL text, so
#: that both databases use the partial index below whatever the table's statistics.
WAITING = "status IN ('pending', 'retrying')"
SENDING = "status = 'sending'"


class OutboxMessage(OrgScoped, Base):
    """One planned effect, keyed by a deterministic idempotency key."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("org_id", "key"),
        UniqueConstraint("org_id", "id"),
        ForeignKeyConstraint(["org_id", "customer_id"], ["customers.org_id", "customers.id"]),
        Index(
            "ix_outbox_waiting",
            "next_attempt_at",
            "id",
            postgresql_where=text(WAITING),
            sqlite_where=text(WAITING),
        ),
        Index(
            "ix_outbox_sending",
            "org_id",
            postgresql_where=text(SENDING),
            sqlite_where=text(SENDING),
        ),
        Index("ix_outbox_org_customer", "org_id", "customer_id"),
    )

    key: Mapped[str] = mapped_column(String(200))
    customer_id: Mapped[int | None] = mapped_column(BigInteger)
    kind: Mapped[OutboxKind] = mapped_column(String(16))
    template: Mapped[str] = mapped_column(String(64), default="")
    recipient: Mapped[str] = mapped_column(String(500), default="")
    source: Mapped[str] = mapped_column(String(32), default="policy")
    # False for messages to our own people (a sales owner): the customer's caps skip them.
    to_customer: Mapped[bool] = mapped_column(default=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[OutboxStatus] = mapped_column(String(16), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    claimed_at: Mapped[datetime | None] = mapped_column(default=None)
    claimed_by: Mapped[str] = mapped_column(String(100), default="")  # host:pid
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str] = mapped_column(Text, default="")
    result: Mapped[str] = mapped_column(String(500), default="")
    subject: Mapped[str] = mapped_column(String(500), default="")
    body_text: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")


class OutboxAttachment(OrgScoped, Base):
    """A file sent with an outbox row (a statement PDF, a letter), stored as sent."""

    __tablename__ = "outbox_attachments"
    __table_args__ = (
        ForeignKeyConstraint(["org_id", "outbox_id"], ["outbox.org_id", "outbox.id"]),
        Index("ix_outbox_attachments_outbox", "org_id", "outbox_id"),
    )

    outbox_id: Mapped[int] = mapped_column(BigInteger)
    filename: Mapped[str] = mapped_column(String(200))
    mime: Mapped[str] = mapped_column(String(100))
    content: Mapped[bytes] = mapped_column(LargeBinary)
