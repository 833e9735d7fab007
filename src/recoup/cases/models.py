"""Case tables: tasks, notes, calls, disputes, promises, payment plans, agency hand-offs
and write-offs.

Every table is audited (``@audited``): each create and update appears in the
organisation's hash-chained event log. Money is integer minor units beside ``currency``;
rates are integer basis points (1 % = 100 bp) so that no float is ever stored.
"""

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKeyConstraint,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from recoup.audit.registry import audited
from recoup.cases.enums import (  # the tables' enums, re-exported here
    OPEN_DISPUTE_STATUSES,  # noqa: F401
    CallOutcome,
    DisputeReason,
    DisputeStatus,
    HandoffStatus,
    InstalmentStatus,
    PlanFrequency,
    PlanStatus,
    PromiseChannel,
    PromiseStatus,
    TaskKind,
    TaskStatus,
    WriteOffStatus,
)
from recoup.db.base import Base, OrgScoped


def _customer_fk() -> ForeignKeyConstraint:
    return ForeignKeyConstraint(["org_id", "customer_id"], ["customers.org_id", "customers.id"])


def _invoice_fk() -> ForeignKeyConstraint:
    return ForeignKeyConstraint(["org_id", "invoice_id"], ["invoices.org_id", "invoices.id"])


@audited
class Task(OrgScoped, Base):
    """Something a person must do (call, review, approve); ``key`` makes raising it
    idempotent."""

    __tablename__ = "tasks"
    __table_args__ = (
        UniqueConstraint("org_id", "key"),
        UniqueConstraint("org_id", "id"),
        _customer_fk(),
        Index("ix_tasks_org_status_assignee", "org_id", "status", "assignee"),
        Index("ix_tasks_org_customer", "org_id", "customer_id"),
    )

    customer_id: Mapped[int | None] = mapped_column(BigInteger)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[TaskKind] = mapped_column(String(16), default=TaskKind.OTHER)
    assignee: Mapped[str] = mapped_column(String(254), default="")
    due_on: Mapped[date | None] = mapped_column(default=None)
    status: Mapped[TaskStatus] = mapped_column(String(16), default=TaskStatus.OPEN)
    completed_by: Mapped[str] = mapped_column(String(254), default="")
    completed_at: Mapped[datetime | None] = mapped_column(default=None)
    key: Mapped[str | None] = mapped_column(String(200), default=None)


@audited
class Note(OrgScoped, Base):
    """A free-text note on a customer's account."""

    __tablename__ = "notes"
    __table_args__ = (_customer_fk(), Index("ix_notes_org_customer", "org_id", "customer_id"))

    customer_id: Mapped[int] = mapped_column(BigInteger)
    author: Mapped[str] = mapped_column(String(254), default="")
    text: Mapped[str] = mapped_column(Text)


@audited
class CallLog(OrgScoped, Base):
    """A phone call with a customer and how it went."""

    __tablename__ = "call_logs"
    __table_args__ = (
        _customer_fk(),
        Index("ix_call_logs_org_customer", "org_id", "customer_id"),
    )

    customer_id: Mapped[int] = mapped_column(BigInteger)
    outcome: Mapped[CallOutcome] = mapped_column(String(16))
    contact: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str] = mapped_column(String(254), default="")
    called_at: Mapped[datetime]


@audited
class Dispute(OrgScoped, Base):
    """A customer's objection to one or more invoices; open ones pause those invoices."""

    __tablename__ = "disputes"
    __table_args__ = (
        UniqueConstraint("org_id", "id"),
        _customer_fk(),
        ForeignKeyConstraint(
            ["org_id", "credit_note_id"], ["credit_notes.org_id", "credit_notes.id"]
        ),
        CheckConstraint("disputed_amount >= 0", name="disputed_not_negative"),
        Index("ix_disputes_org_customer", "org_id", "customer_id"),
        Index("ix_disputes_org_status", "org_id", "status"),
    )

    customer_id: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[DisputeReason] = mapped_column(String(16))
    currency: Mapped[str] = mapped_column(String(3))
    disputed_amount: Mapped[int] = mapped_column(BigInteger)
    lines: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    owner: Mapped[str] = mapped_column(String(254), default="")
    status: Mapped[DisputeStatus] = mapped_column(String(16), default=DisputeStatus.OPEN)
    opened_on: Mapped[date]
    resolved_on: Mapped[date | None] = mapped_column(default=None)
    resolution: Mapped[str] = mapped_column(Text, default="")
    credit_note_id: Mapped[int | None] = mapped_column(BigInteger, default=None)


@audited
class DisputeInvoice(OrgScoped, Base):
    """An invoice a dispute is about."""

    __tablename__ = "dispute_invoices"
    __table_args__ = (
        UniqueConstraint("dispute_id", "invoice_id"),
        ForeignKeyConstraint(["org_id", "dispute_id"], ["disputes.org_id", "disputes.id"]),
        _invoice_fk(),
        Index("ix_dispute_invoices_org_invoice", "org_id", "invoice_id"),
    )

    dispute_id: Mapped[int] = mapped_column(BigInteger)
    invoice_id: Mapped[int] = mapped_column(BigInteger)


@audited
class Promise(OrgScoped, Base):
    """A promise to pay invoices by a date; pending ones pause those invoices until the
    date plus the grace days."""

    __tablename__ = "promises"
    __table_args__ = (
        UniqueConstraint("org_id", "id"),
        _customer_fk(),
        CheckConstraint("promised_amount > 0", name="promised_positive"),
        Index("ix_promises_org_customer", "org_id", "customer_id"),
        Index("ix_promises_org_status", "org_id", "status"),
    )

    customer_id: Mapped[int] = mapped_column(BigInteger)
    made_on: Mapped[date]
    promised_on: Mapped[date]
    grace_days: Mapped[int] = mapped_column(default=3)
    contact: Mapped[str] = mapped_column(String(200), default="")
    channel: Mapped[PromiseChannel] = mapped_column(String(16), default=PromiseChannel.PHONE)
    collector: Mapped[str] = mapped_column(String(254), default="")
    currency: Mapped[str] = mapped_column(String(3))
    promised_amount: Mapped[int] = mapped_column(BigInteger)
    kept_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[PromiseStatus] = mapped_column(String(16), default=PromiseStatus.PENDING)
    closed_on: Mapped[date | None] = mapped_column(default=None)
    note: Mapped[str] = mapped_column(Text, default="")


@audited
class PromiseItem(OrgScoped, Base):
    """The amount promised on one invoice."""

    __tablename__ = "promise_items"
    __table_args__ = (
        UniqueConstraint("promise_id", "invoice_id"),
        ForeignKeyConstraint(["org_id", "promise_id"], ["promises.org_id", "promises.id"]),
        _invoice_fk(),
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_promise_items_org_invoice", "org_id", "invoice_id"),
    )

    promise_id: Mapped[int] = mapped_column(BigInteger)
    invoice_id: Mapped[int] = mapped_column(BigInteger)
    amount: Mapped[int] = mapped_column(BigInteger)


@audited
class PaymentPlan(OrgScoped, Base):
    """Instalments agreed over some invoices; an active plan replaces the ladder for them."""

    __tablename__ = "payment_plans"
    __table_args__ = (
        UniqueConstraint("org_id", "id"),
        _customer_fk(),
        CheckConstraint("principal_amount > 0", name="principal_positive"),
        Index("ix_payment_plans_org_customer", "org_id", "customer_id"),
        Index("ix_payment_plans_org_status", "org_id", "status"),
    )

    customer_id: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    principal_amount: Mapped[int] = mapped_column(BigInteger)
    interest_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    interest_rate_bp: Mapped[int] = mapped_column(default=0)
    frequency: Mapped[PlanFrequency] = mapped_column(String(16), default=PlanFrequency.MONTHLY)
    created_on: Mapped[date]
    reminder_days: Mapped[int] = mapped_column(default=3)
    grace_days: Mapped[int] = mapped_column(default=7)
    status: Mapped[PlanStatus] = mapped_column(String(16), default=PlanStatus.ACTIVE)
    closed_on: Mapped[date | None] = mapped_column(default=None)
    agreed_by: Mapped[str] = mapped_column(String(254), default="")
    contact: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(Text, default="")


@audited
class PlanInvoice(OrgScoped, Base):
    """An invoice covered by a payment plan, with its open amount when the plan began."""

    __tablename__ = "plan_invoices"
    __table_args__ = (
        UniqueConstraint("plan_id", "invoice_id"),
        ForeignKeyConstraint(["org_id", "plan_id"], ["payment_plans.org_id", "payment_plans.id"]),
        _invoice_fk(),
        Index("ix_plan_invoices_org_invoice", "org_id", "invoice_id"),
    )

    plan_id: Mapped[int] = mapped_column(BigInteger)
    invoice_id: Mapped[int] = mapped_column(BigInteger)
    amount: Mapped[int] = mapped_column(BigInteger)


@audited
class Instalment(OrgScoped, Base):
    """One instalment of a plan: principal (paid through the invoices) and interest."""

    __tablename__ = "plan_instalments"
    __table_args__ = (
        UniqueConstraint("plan_id", "seq"),
        ForeignKeyConstraint(["org_id", "plan_id"], ["payment_plans.org_id", "payment_plans.id"]),
        CheckConstraint("principal_amount > 0", name="principal_positive"),
        Index("ix_plan_instalments_org_plan", "org_id", "plan_id"),
    )

    plan_id: Mapped[int] = mapped_column(BigInteger)
    seq: Mapped[int]
    due_on: Mapped[date]
    principal_amount: Mapped[int] = mapped_column(BigInteger)
    interest_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    paid_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[InstalmentStatus] = mapped_column(String(16), default=InstalmentStatus.PENDING)


@audited
class Handoff(OrgScoped, Base):
    """Invoices handed (or to be handed) to a collection agency."""

    __tablename__ = "handoffs"
    __table_args__ = (
        UniqueConstraint("org_id", "key"),
        UniqueConstraint("org_id", "id"),
        _customer_fk(),
        Index("ix_handoffs_org_customer", "org_id", "customer_id"),
        Index("ix_handoffs_org_status", "org_id", "status"),
    )

    customer_id: Mapped[int] = mapped_column(BigInteger)
    agency: Mapped[str] = mapped_column(String(200))
    status: Mapped[HandoffStatus] = mapped_column(String(16), default=HandoffStatus.PENDING)
    requested_by: Mapped[str] = mapped_column(String(254), default="")
    requested_on: Mapped[date]
    key: Mapped[str | None] = mapped_column(String(200), default=None)
    approver: Mapped[str] = mapped_column(String(254), default="")
    approver_role: Mapped[str] = mapped_column(String(16), default="")
    decided_on: Mapped[date | None] = mapped_column(default=None)
    ended_on: Mapped[date | None] = mapped_column(default=None)
    commission_bp: Mapped[int | None] = mapped_column(default=None)
    processor_agreement: Mapped[str] = mapped_column(String(200), default="")
    currency: Mapped[str] = mapped_column(String(3))
    placed_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    placement_csv: Mapped[str] = mapped_column(Text, default="")


@audited
class HandoffInvoice(OrgScoped, Base):
    """An invoice in a hand-off, with its open amount when it was placed."""

    __tablename__ = "handoff_invoices"
    __table_args__ = (
        UniqueConstraint("handoff_id", "invoice_id"),
        ForeignKeyConstraint(["org_id", "handoff_id"], ["handoffs.org_id", "handoffs.id"]),
        _invoice_fk(),
        Index("ix_handoff_invoices_org_invoice", "org_id", "invoice_id"),
    )

    handoff_id: Mapped[int] = mapped_column(BigInteger)
    invoice_id: Mapped[int] = mapped_column(BigInteger)
    open_amount: Mapped[int] = mapped_column(BigInteger, default=0)


@audited
class Recovery(OrgScoped, Base):
    """Money an agency recovered on a placement: gross, its commission, and net to us."""

    __tablename__ = "agency_recoveries"
    __table_args__ = (
        ForeignKeyConstraint(["org_id", "handoff_id"], ["handoffs.org_id", "handoffs.id"]),
        ForeignKeyConstraint(["org_id", "payment_id"], ["payments.org_id", "payments.id"]),
        CheckConstraint("gross_amount > 0", name="gross_positive"),
        Index("ix_agency_recoveries_org_handoff", "org_id", "handoff_id"),
    )

    handoff_id: Mapped[int] = mapped_column(BigInteger)
    received_on: Mapped[date]
    currency: Mapped[str] = mapped_column(String(3))
    gross_amount: Mapped[int] = mapped_column(BigInteger)
    commission_amount: Mapped[int] = mapped_column(BigInteger)
    net_amount: Mapped[int] = mapped_column(BigInteger)
    payment_id: Mapped[int | None] = mapped_column(BigInteger, default=None)


@audited
class WriteOff(OrgScoped, Base):
    """Writing off (part of) an invoice's balance: approved by a manager or an admin, and
    booked as a write-off credit note applied to the invoice."""

    __tablename__ = "write_offs"
    __table_args__ = (
        _customer_fk(),
        _invoice_fk(),
        ForeignKeyConstraint(
            ["org_id", "credit_note_id"], ["credit_notes.org_id", "credit_notes.id"]
        ),
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_write_offs_org_customer", "org_id", "customer_id"),
    )

    customer_id: Mapped[int] = mapped_column(BigInteger)
    invoice_id: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(500))
    status: Mapped[WriteOffStatus] = mapped_column(String(16), default=WriteOffStatus.PENDING)
    requested_by: Mapped[str] = mapped_column(String(254), default="")
    requested_on: Mapped[date]
    approver: Mapped[str] = mapped_column(String(254), default="")
    approver_role: Mapped[str] = mapped_column(String(16), default="")
    decided_on: Mapped[date | None] = mapped_column(default=None)
    credit_note_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
