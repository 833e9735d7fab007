"""The states and kinds of cases (pure: no tables here, so cores may import them)."""

from enum import StrEnum


class TaskKind(StrEnum):
    CALL = "call"
    REVIEW = "review"
    APPROVAL = "approval"
    DISPUTE_SLA = "dispute_sla"
    BROKEN_PROMISE = "broken_promise"
    DELIVERY = "delivery"
    OTHER = "other"


class TaskStatus(StrEnum):
    OPEN = "open"
    DONE = "done"


class CallOutcome(StrEnum):
    REACHED = "reached"
    NO_ANSWER = "no_answer"
    WRONG_NUMBER = "wrong_number"
    PROMISED = "promised"
    DISPUTED = "disputed"
    REFUSED = "refused"


class DisputeReason(StrEnum):
    PRICING = "pricing"
    QUANTITY = "quantity"
    QUALITY = "quality"
    NOT_RECEIVED = "not_received"
    DUPLICATE = "duplicate"
    ALREADY_PAID = "already_paid"
    OTHER = "other"


class DisputeStatus(StrEnum):
    OPEN = "open"
    INVESTIGATING = "investigating"
    RESOLVED_VALID = "resolved_valid"
    RESOLVED_INVALID = "resolved_invalid"
    CREDITED = "credited"


OPEN_DISPUTE_STATUSES = frozenset({DisputeStatus.OPEN, DisputeStatus.INVESTIGATING})


class PromiseStatus(StrEnum):
    PENDING = "pending"
    KEPT = "kept"
    PARTIALLY_KEPT = "partially_kept"
    BROKEN = "broken"
    CANCELLED = "cancelled"


class PromiseChannel(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    LETTER = "letter"
    PORTAL = "portal"
    IN_PERSON = "in_person"
    OTHER = "other"


class PlanFrequency(StrEnum):
    WEEKLY = "weekly"
    FORTNIGHTLY = "fortnightly"
    MONTHLY = "monthly"


class PlanStatus(StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"
    DEFAULTED = "defaulted"
    CANCELLED = "cancelled"


class InstalmentStatus(StrEnum):
    PENDING = "pending"
    PAID = "paid"
    MISSED = "missed"
    CREDITED = "credited"  # a credit note took it off the plan: nothing left to pay


class HandoffStatus(StrEnum):
    PENDING = "pending"  # awaiting a manager's approval
    PLACED = "placed"  # with the agency: no more automatic messages
    REJECTED = "rejected"
    RECALLED = "recalled"


class WriteOffStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
