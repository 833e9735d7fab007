"""Replies in words: what each reading is called, and a customer's replies as timeline
entries (the customer page adds them to the cases' timeline)."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from recoup.inbound import service as inbound
from recoup.inbound.enums import ReplyKind, ReplyStatus

KIND_WORDS = {
    ReplyKind.AUTO_REPLY: "automatic answer",
    ReplyKind.BOUNCE: "bounce",
    ReplyKind.PAID: "says already paid",
    ReplyKind.DISPUTE: "dispute",
    ReplyKind.PROMISE: "promise to pay",
    ReplyKind.OTHER: "message",
}


@dataclass(frozen=True, slots=True)
class TimelineReply:
    """A reply as a customer's timeline shows it."""

    at: datetime
    text: str
    detail: str


def timeline(session: Session, *, org_id: int, customer_id: int) -> list[TimelineReply]:
    """The customer's replies in words, newest first."""
    found, _ = inbound.list_replies(session, org_id=org_id, customer_id=customer_id, limit=200)
    entries = []
    for reply in found:
        state = {
            ReplyStatus.NOTED: "noted",
            ReplyStatus.WAITING: "waiting for a person",
            ReplyStatus.HANDLED: f"handled by {reply.handled_by}: {reply.outcome}",
        }.get(ReplyStatus(reply.status), str(reply.status))
        kind = KIND_WORDS.get(ReplyKind(reply.kind), "message")
        subject = f" “{reply.subject}”" if reply.subject else ""
        entries.append(
            TimelineReply(
                at=reply.received_at,
                text=f"Email from {reply.from_address or 'the customer'}{subject}: "
                f"{kind} ({state})",
                detail=reply.text[:400],
            )
        )
    return entries
