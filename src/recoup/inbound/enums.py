"""What a reply says and where it stands (plain enums: the pure core uses them)."""

from enum import StrEnum


class ReplyKind(StrEnum):
    """What a reply says, as the classifier reads it."""

    AUTO_REPLY = "auto_reply"  # out of office, an automatic answer: noted only
    BOUNCE = "bounce"  # a delivery status notification: the address does not work
    PAID = "paid"  # "already paid", usually with a remittance advice
    DISPUTE = "dispute"
    PROMISE = "promise"  # a promise to pay by a date
    OTHER = "other"


class ReplyStatus(StrEnum):
    NOTED = "noted"  # nothing for a person to do (an automatic answer)
    WAITING = "waiting"  # a person has to handle it; the customer's chasing is paused
    HANDLED = "handled"  # a person confirmed the draft or dealt with it
