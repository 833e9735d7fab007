"""Webhook tables: an organisation's subscriptions and the log of every delivery attempt.

A delivery itself is an outbox row of kind ``webhook`` (one per event and subscription,
keyed ``webhook:<subscription>:<event>``); ``webhook_attempts`` keeps what each HTTP
attempt of it got back. Subscriptions are not ``@audited`` automatically: their secret
must never reach the audit log, and their failure counter changes on every attempt; the
service records their creation, changes and removal itself.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKeyConstraint, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from recoup.db.base import Base, OrgScoped


class WebhookSubscription(OrgScoped, Base):
    """An endpoint of the organisation that receives some event types, signed with its
    secret (``whsec_...``)."""

    __tablename__ = "webhook_subscriptions"
    __table_args__ = (
        UniqueConstraint("org_id", "id"),
        Index("ix_webhook_subscriptions_org", "org_id"),
        # Ids are never reused (SQLite would reuse a removed last one): deliveries, kept
        # in the outbox after their subscription is removed, are keyed by it.
        {"sqlite_autoincrement": True},
    )

    url: Mapped[str] = mapped_column(String(500))
    events: Mapped[list[str]] = mapped_column(JSON, default=list)
    description: Mapped[str] = mapped_column(String(200), default="")
    secret: Mapped[str] = mapped_column(String(100))
    enabled: Mapped[bool] = mapped_column(default=True)
    disabled_reason: Mapped[str] = mapped_column(String(500), default="")
    # Failed attempts in a row (reset by a success); at ``max_failures`` it is disabled.
    consecutive_failures: Mapped[int] = mapped_column(default=0)
    max_failures: Mapped[int] = mapped_column(default=10)
    last_success_at: Mapped[datetime | None] = mapped_column(default=None)
    last_failure_at: Mapped[datetime | None] = mapped_column(default=None)


class WebhookAttempt(OrgScoped, Base):
    """One HTTP attempt of a delivery (an outbox row): what the endpoint answered."""

    __tablename__ = "webhook_attempts"
    __table_args__ = (
        ForeignKeyConstraint(
            ["org_id", "subscription_id"],
            ["webhook_subscriptions.org_id", "webhook_subscriptions.id"],
            ondelete="CASCADE",
        ),
        Index("ix_webhook_attempts_subscription", "org_id", "subscription_id", "id"),
        Index("ix_webhook_attempts_outbox", "org_id", "outbox_id"),
    )

    subscription_id: Mapped[int] = mapped_column(BigInteger)
    outbox_id: Mapped[int] = mapped_column(BigInteger)
    event_id: Mapped[str] = mapped_column(String(64))
    event_type: Mapped[str] = mapped_column(String(64))
    attempt: Mapped[int] = mapped_column(default=1)
    succeeded: Mapped[bool] = mapped_column(default=False)
    status_code: Mapped[int | None] = mapped_column(default=None)
    duration_ms: Mapped[int] = mapped_column(default=0)
    response_excerpt: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str] = mapped_column(String(500), default="")
    headers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
