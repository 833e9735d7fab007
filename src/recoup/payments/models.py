"""The payments domain's tables: which provider an organisation takes payments with,
the checkouts the portal started, and every provider event handled (exactly once)."""

from datetime import date
from enum import StrEnum

from sqlalchemy import JSON, BigInteger, ForeignKeyConstraint, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from recoup.db.base import Base, OrgScoped


class CheckoutStatus(StrEnum):
    OPEN = "open"  # the customer was sent to the provider's page
    PAID = "paid"  # recorded as a payment and allocated
    REFUNDED = "refunded"  # refunded in full: the payment was withdrawn
    DISPUTED = "disputed"  # a chargeback was opened: the payment was withdrawn


class ProviderAccount(OrgScoped, Base):
    """An organisation's account with a payment provider: the API key Recoup creates
    checkouts with and the secret the provider signs its events with."""

    __tablename__ = "payment_providers"
    __table_args__ = (UniqueConstraint("org_id", "provider"),)

    provider: Mapped[str] = mapped_column(String(16))
    secret_key: Mapped[str] = mapped_column(String(300))
    webhook_secret: Mapped[str] = mapped_column(String(300))


class Checkout(OrgScoped, Base):
    """One provider checkout for a customer's invoices in one currency."""

    __tablename__ = "payment_checkouts"
    __table_args__ = (
        UniqueConstraint("provider", "session_id"),
        ForeignKeyConstraint(["org_id", "customer_id"], ["customers.org_id", "customers.id"]),
        Index("ix_payment_checkouts_org_customer", "org_id", "customer_id"),
        Index("ix_payment_checkouts_intent", "provider", "payment_intent"),
    )

    provider: Mapped[str] = mapped_column(String(16))
    session_id: Mapped[str] = mapped_column(String(200))
    customer_id: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[int] = mapped_column(BigInteger)  # minor units (ISO 4217)
    invoice_ids: Mapped[list[int]] = mapped_column(JSON, default=list)  # in the order to pay
    url: Mapped[str] = mapped_column(String(2000), default="")
    status: Mapped[CheckoutStatus] = mapped_column(String(16), default=CheckoutStatus.OPEN)
    payment_intent: Mapped[str] = mapped_column(String(200), default="")
    # The ledger payment it became; no foreign key: a refund withdraws (deletes) it.
    payment_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    paid_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    paid_on: Mapped[date | None] = mapped_column(default=None)


class ProviderEvent(OrgScoped, Base):
    """A provider event that was handled; its id is unique, so an event delivered twice
    (providers retry) is recognised and changes nothing the second time."""

    __tablename__ = "payment_events"
    __table_args__ = (UniqueConstraint("provider", "event_id"),)

    provider: Mapped[str] = mapped_column(String(16))
    event_id: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(64))
    checkout_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    outcome: Mapped[str] = mapped_column(String(500), default="")
