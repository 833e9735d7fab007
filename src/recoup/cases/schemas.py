"""Request and response models of the cases: disputes, promises to pay, payment plans,
tasks and notes (``of`` builds a response from a row).
"""

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field

from recoup.schemas import AmountText, Closed, Id, Text200, amount_text


class Dispute(BaseModel):
    id: int
    customer_id: int
    reason: str
    currency: str
    amount: str
    status: str
    opened_on: date
    resolved_on: date | None
    resolution: str
    owner: str
    description: str

    @classmethod
    def of(cls, row: Any) -> "Dispute":
        return cls(
            id=row.id, customer_id=row.customer_id, reason=row.reason, currency=row.currency,
            amount=amount_text(row.disputed_amount, row.currency), status=row.status,
            opened_on=row.opened_on, resolved_on=row.resolved_on, resolution=row.resolution,
            owner=row.owner, description=row.description,
        )  # fmt: skip


class DisputeCreate(Closed):
    customer_id: Id
    invoice_ids: Annotated[list[Id], Field(min_length=1, max_length=500)]
    reason: Annotated[str, Field(max_length=16)]
    amount: AmountText | None = Field(default=None, description="Defaults to the open amounts")
    owner: Annotated[str, Field(max_length=254)] = ""
    description: Annotated[str, Field(max_length=5000)] = ""


class DisputeResolve(Closed):
    """How a dispute ends: ``valid``, ``invalid`` or ``credited`` (a credit note of
    ``credit_amount``, default the amount in dispute, is issued and applied)."""

    outcome: Annotated[str, Field(max_length=16)]
    note: Annotated[str, Field(max_length=5000)] = ""
    credit_amount: AmountText | None = None


class Promise(BaseModel):
    id: int
    customer_id: int
    made_on: date
    promised_on: date
    grace_days: int
    contact: str
    channel: str
    collector: str
    currency: str
    promised: str
    kept: str
    status: str
    closed_on: date | None
    note: str

    @classmethod
    def of(cls, row: Any) -> "Promise":
        c = row.currency
        return cls(
            id=row.id, customer_id=row.customer_id, made_on=row.made_on,
            promised_on=row.promised_on, grace_days=row.grace_days, contact=row.contact,
            channel=row.channel, collector=row.collector, currency=c,
            promised=amount_text(row.promised_amount, c), kept=amount_text(row.kept_amount, c),
            status=row.status, closed_on=row.closed_on, note=row.note,
        )  # fmt: skip


class PromiseItem(Closed):
    invoice_id: Id
    amount: AmountText | None = Field(default=None, description="Defaults to its open amount")


class PromiseCreate(Closed):
    customer_id: Id
    items: Annotated[list[PromiseItem], Field(min_length=1, max_length=500)]
    promised_on: date
    contact: Text200 = ""
    channel: Annotated[str, Field(max_length=16)] = "phone"
    grace_days: Annotated[int, Field(ge=0, le=365)] = 3
    note: Annotated[str, Field(max_length=5000)] = ""


class PaymentPlan(BaseModel):
    id: int
    customer_id: int
    currency: str
    principal: str
    interest: str
    interest_rate_bp: int
    frequency: str
    created_on: date
    reminder_days: int
    grace_days: int
    status: str
    closed_on: date | None
    agreed_by: str
    contact: str
    note: str

    @classmethod
    def of(cls, row: Any) -> "PaymentPlan":
        c = row.currency
        return cls(
            id=row.id, customer_id=row.customer_id, currency=c,
            principal=amount_text(row.principal_amount, c),
            interest=amount_text(row.interest_amount, c),
            interest_rate_bp=row.interest_rate_bp, frequency=row.frequency,
            created_on=row.created_on, reminder_days=row.reminder_days,
            grace_days=row.grace_days, status=row.status, closed_on=row.closed_on,
            agreed_by=row.agreed_by, contact=row.contact, note=row.note,
        )  # fmt: skip


class PaymentPlanCreate(Closed):
    customer_id: Id
    invoice_ids: Annotated[list[Id], Field(min_length=1, max_length=500)]
    instalments: Annotated[int, Field(ge=1, le=120)] | None = None
    frequency: Annotated[str, Field(max_length=16)] = "monthly"
    first_due: date | None = None
    amounts: Annotated[list[AmountText], Field(max_length=120)] | None = None
    dates: Annotated[list[date], Field(max_length=120)] | None = None
    interest_rate: Annotated[
        str, Field(pattern=r"^[0-9]{1,3}(\.[0-9]{1,4})?$", description="Annual percent")
    ] = "0"
    agreed_by: Annotated[str, Field(max_length=254)] = ""
    contact: Text200 = ""
    note: Annotated[str, Field(max_length=5000)] = ""


class Task(BaseModel):
    id: int
    customer_id: int | None
    title: str
    body: str
    kind: str
    assignee: str
    due_on: date | None
    status: str
    completed_by: str
    completed_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, row: Any) -> "Task":
        return cls(**{f: getattr(row, f) for f in cls.model_fields})


class TaskCreate(Closed):
    title: Annotated[str, Field(min_length=1, max_length=200)]
    customer_id: Id | None = None
    body: Annotated[str, Field(max_length=5000)] = ""
    kind: Annotated[str, Field(max_length=16)] = "other"
    assignee: Annotated[str, Field(max_length=254)] = ""
    due_on: date | None = None


class Note(BaseModel):
    id: int
    customer_id: int
    author: str
    text: str
    created_at: datetime

    @classmethod
    def of(cls, row: Any) -> "Note":
        return cls(**{f: getattr(row, f) for f in cls.model_fields})


class NoteCreate(Closed):
    customer_id: Id
    text: Annotated[str, Field(min_length=1, max_length=10000)]


class Cancel(Closed):
    """Why a promise or a plan is withdrawn."""

    reason: Annotated[str, Field(max_length=500)] = ""
