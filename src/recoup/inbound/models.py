"""The tables of customer replies.

``inbound_settings`` says where replies go (one row per organisation); each customer
gets an unguessable ``reply_tokens`` row the first time a message to it is rendered;
every message received is an ``inbound_replies`` row (once per Message-ID) with its
files in ``inbound_attachments``; a bounced address is an ``inbound_undeliverable`` row.
"""

from datetime import date, datetime
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
)
from sqlalchemy.orm import Mapped, mapped_column

from recoup.audit.registry import audited
from recoup.comms.models import OutboxMessage
from recoup.db.base import Base, OrgScoped
from recoup.inbound.enums import ReplyKind, ReplyStatus
from recoup.ledger.models import Contact


@audited
class InboundSettings(OrgScoped, Base):
    """Where an organisation's customers' replies go: ``address`` (``ar@acme.example``)
    with ``+<token>`` added per customer when ``plus_addressing``, else as it is."""

    __tablename__ = "inbound_settings"
    __table_args__ = (UniqueConstraint("org_id"),)

    address: Mapped[str] = mapped_column(String(254))
    plus_addressing: Mapped[bool] = mapped_column(default=True)


class ReplyToken(OrgScoped, Base):
    """A customer's reply token: random, stable, the ``<token>`` of ``ar+<token>@``."""

    __tablename__ = "reply_tokens"
    __table_args__ = (
        UniqueConstraint("token"),
        UniqueConstraint("org_id", "customer_id"),
        ForeignKeyConstraint(["org_id", "customer_id"], ["customers.org_id", "customers.id"]),
    )

    customer_id: Mapped[int] = mapped_column(BigInteger)
    token: Mapped[str] = mapped_column(String(32))


@audited
class Reply(OrgScoped, Base):
    """One message received: who it is from, whose customer it is (when found), what
    it says and what was done about it."""

    __tablename__ = "inbound_replies"
    __table_args__ = (
        UniqueConstraint("org_id", "message_id"),
        UniqueConstraint("org_id", "id"),
        ForeignKeyConstraint(["org_id", "customer_id"], ["customers.org_id", "customers.id"]),
        Index("ix_inbound_replies_org_customer", "org_id", "customer_id"),
        Index("ix_inbound_replies_org_status", "org_id", "status"),
    )

    message_id: Mapped[str] = mapped_column(String(500))
    customer_id: Mapped[int | None] = mapped_column(BigInteger)
    matched_by: Mapped[str] = mapped_column(String(16), default="")  # token, thread, sender
    from_address: Mapped[str] = mapped_column(String(254), default="")
    to_address: Mapped[str] = mapped_column(String(500), default="")
    subject: Mapped[str] = mapped_column(String(500), default="")
    text: Mapped[str] = mapped_column(Text, default="")  # the new text, quotes removed
    full_text: Mapped[str] = mapped_column(Text, default="")  # the whole text part
    sent_at: Mapped[datetime | None] = mapped_column(default=None)  # its Date header
    received_at: Mapped[datetime]
    kind: Mapped[ReplyKind] = mapped_column(String(16))
    why: Mapped[str] = mapped_column(String(500), default="")  # what the classifier saw
    # The draft for a person to confirm: {"invoice_ids": [...], "reason": ...} for a
    # dispute, {"promised_on": ..., "amount": ..., "invoice_ids": [...]} for a promise.
    draft: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[ReplyStatus] = mapped_column(String(16))
    paused_until: Mapped[date | None] = mapped_column(default=None)  # "already paid"
    handled_by: Mapped[str] = mapped_column(String(200), default="")
    handled_at: Mapped[datetime | None] = mapped_column(default=None)
    outcome: Mapped[str] = mapped_column(String(500), default="")


class ReplyAttachment(OrgScoped, Base):
    """A file that came with a reply (a remittance advice), stored as received."""

    __tablename__ = "inbound_attachments"
    __table_args__ = (
        ForeignKeyConstraint(
            ["org_id", "reply_id"], ["inbound_replies.org_id", "inbound_replies.id"]
        ),
        Index("ix_inbound_attachments_reply", "org_id", "reply_id"),
    )

    reply_id: Mapped[int] = mapped_column(BigInteger)
    filename: Mapped[str] = mapped_column(String(200))
    mime: Mapped[str] = mapped_column(String(100))
    content: Mapped[bytes] = mapped_column(LargeBinary)


@audited
class Undeliverable(OrgScoped, Base):
    """An address that bounced: the contact no longer gets email until it is fixed."""

    __tablename__ = "inbound_undeliverable"
    __table_args__ = (
        ForeignKeyConstraint(
            ["org_id", "reply_id"], ["inbound_replies.org_id", "inbound_replies.id"]
        ),
        Index("ix_inbound_undeliverable_org_customer", "org_id", "customer_id"),
    )

    customer_id: Mapped[int] = mapped_column(BigInteger)
    contact_id: Mapped[int | None] = mapped_column(BigInteger)
    email: Mapped[str] = mapped_column(String(254))
    status_code: Mapped[str] = mapped_column(String(16), default="")  # 5.1.1
    diagnostic: Mapped[str] = mapped_column(String(500), default="")
    reply_id: Mapped[int] = mapped_column(BigInteger)


# Replies are matched by the sent message they answer and by the sender's address: index
# the outbox's Message-IDs and the contacts' addresses (their tables, our migration).
Index("ix_inbound_outbox_result", OutboxMessage.org_id, OutboxMessage.result)
Index("ix_inbound_contacts_email", Contact.org_id, Contact.email)
