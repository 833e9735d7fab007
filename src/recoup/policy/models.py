"""What the engine remembers: cycles, the steps each went through, and which policy
applies to whom (organisation default, customer, invoice; the narrowest wins)."""

from datetime import date

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKeyConstraint,
    Index,
    String,
    Text,
    UniqueConstraint,
    and_,
    bindparam,
)
from sqlalchemy.orm import Mapped, mapped_column

from recoup.audit.registry import audited
from recoup.comms.models import MESSAGE_KINDS, OutboxMessage, OutboxStatus
from recoup.db.base import Base, OrgScoped


class DunningCycle(OrgScoped, Base):
    """One pass up a policy's ladder for a customer (or one invoice)."""

    __tablename__ = "dunning_cycles"
    __table_args__ = (
        UniqueConstraint("org_id", "key"),
        ForeignKeyConstraint(["org_id", "customer_id"], ["customers.org_id", "customers.id"]),
        Index("ix_dunning_cycles_open", "org_id", "closed_on", "customer_id"),
    )

    key: Mapped[str] = mapped_column(String(120))
    customer_id: Mapped[int] = mapped_column(BigInteger)
    invoice_id: Mapped[int | None] = mapped_column(BigInteger)
    policy: Mapped[str] = mapped_column(String(64))
    opened_on: Mapped[date]
    closed_on: Mapped[date | None] = mapped_column(default=None)


class DunningStep(OrgScoped, Base):
    """A step of a cycle for some of its invoices: fired (its actions went to the
    outbox) or skipped, and why. A step acts once per invoice, so once per day at most."""

    __tablename__ = "dunning_steps"
    __table_args__ = (
        UniqueConstraint("org_id", "cycle_key", "step", "done_on", "fired"),
        Index("ix_dunning_steps_customer", "org_id", "customer_id"),
    )

    cycle_key: Mapped[str] = mapped_column(String(120))
    customer_id: Mapped[int] = mapped_column(BigInteger)
    step: Mapped[str] = mapped_column(String(100))
    done_on: Mapped[date]
    fired: Mapped[bool]
    reason: Mapped[str] = mapped_column(Text, default="")
    # The invoices the step acted on; None on rows older than per-invoice ladders (then
    # it acted on every invoice of the cycle).
    invoice_ids: Mapped[list[int] | None] = mapped_column(JSON, default=None)


@audited
class PolicyAssignment(OrgScoped, Base):
    """The policy for the organisation (both ids empty), a customer or an invoice."""

    __tablename__ = "policy_assignments"
    __table_args__ = (Index("ix_policy_assignments_org", "org_id", "customer_id", "invoice_id"),)

    customer_id: Mapped[int | None] = mapped_column(BigInteger)
    invoice_id: Mapped[int | None] = mapped_column(BigInteger)
    policy: Mapped[str] = mapped_column(String(64))


@audited
class OrgPolicy(OrgScoped, Base):
    """An organisation's own version of a policy (overriding the file of that name),
    stored once a second person approved the change (``recoup.approvals``)."""

    __tablename__ = "org_policies"
    __table_args__ = (UniqueConstraint("org_id", "name"),)

    name: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)  # the policy's YAML, as validated
    requested_by: Mapped[str] = mapped_column(String(254), default="")
    approved_by: Mapped[str] = mapped_column(String(254), default="")
    changed_on: Mapped[date]


# The frequency cap's read of what each customer was sent (``repository.recent_messages``;
# migrations ``policy_0004``, ``policy_0005``): only messages to customers not cancelled,
# in customer and time order. On a book after its first run three outbox rows in four are
# tasks, charges and holds, which a partition otherwise read from the table to leave
# out; and with the status in the index's condition the read is the index's alone (an
# index-only scan: 2 ms where fetching each row's status from the table took 14 ms, for
# a partition's 10,000 messages).
# The kinds and the status are written into the statement (``literal_execute``): a
# condition with parameters would not tell the planner that the index holds the rows it
# asks for.
CUSTOMER_MESSAGES = and_(
    OutboxMessage.to_customer.is_(True),
    OutboxMessage.kind.in_(
        bindparam(
            "message_kinds",
            sorted(k.value for k in MESSAGE_KINDS),
            expanding=True,
            literal_execute=True,
        )
    ),
    OutboxMessage.status
    != bindparam("not_cancelled", OutboxStatus.CANCELLED.value, literal_execute=True),
)
Index(
    "ix_outbox_customer_messages",
    OutboxMessage.org_id,
    OutboxMessage.customer_id,
    OutboxMessage.next_attempt_at,
    postgresql_where=CUSTOMER_MESSAGES,
    sqlite_where=CUSTOMER_MESSAGES,
)
