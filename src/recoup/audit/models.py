"""Audit tables: the events, and each organisation's chain head.

The head row is locked while events are appended, so concurrent writers extend the chain
one after the other instead of forking it.
"""

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from recoup.db.base import Base, Id

GENESIS_HASH = "0" * 64


class AuditEvent(Base):
    """One change: who, when, what, to which record, the values before and after."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_org_entity", "org_id", "entity", "entity_id"),
        Index("ix_audit_events_org_seq", "org_id", "seq", unique=True),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    seq: Mapped[int] = mapped_column(BigInteger)
    occurred_at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(16))
    entity: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[int] = mapped_column(BigInteger)
    # Canonical JSON text, hashed exactly as stored.
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    # The key of the hash's HMAC (``RECOUP_AUDIT_KEY``); NULL: a plain SHA-256, as every
    # event had before audit_0001 and as events written without a key still have.
    key_id: Mapped[str | None] = mapped_column(String(32), default=None)


class AuditHead(Base):
    """The last event of an organisation's chain (its sequence number and hash)."""

    __tablename__ = "audit_heads"

    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    hash: Mapped[str] = mapped_column(String(64), default=GENESIS_HASH)
