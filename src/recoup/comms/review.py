"""A person looks at the outbox: lists it, reads a message as it was (or will be) sent,
and resends or cancels a row the dispatcher could not deliver.

Only ``failed`` and ``unknown`` rows can be resent, and only ``pending``, ``retrying``,
``failed`` and ``unknown`` rows cancelled; both are audited with the person as actor.
A failed row is rendered again when it is resent (it never left, and what made it fail
— the sender, a template — may have been fixed); an ``unknown`` row goes out exactly as
stored, with the same Message-ID, because it may have reached the customer already.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from recoup.audit.service import Change, append
from recoup.comms import outbox
from recoup.comms.models import OutboxAttachment, OutboxMessage, OutboxStatus
from recoup.db.base import utcnow
from recoup.errors import Conflict, NotFound

RESENDABLE = frozenset({OutboxStatus.FAILED, OutboxStatus.UNKNOWN})
CANCELLABLE = frozenset(
    {OutboxStatus.PENDING, OutboxStatus.RETRYING, OutboxStatus.FAILED, OutboxStatus.UNKNOWN}
)


@dataclass(frozen=True, slots=True)
class AttachmentInfo:
    filename: str
    mime: str
    size: int


def list_messages(
    session: Session,
    *,
    org_id: int,
    statuses: frozenset[str] | None = None,
    limit: int = 50,
) -> list[OutboxMessage]:
    """The organisation's outbox rows, newest first (only ``statuses`` when given)."""
    query = select(OutboxMessage).where(OutboxMessage.org_id == org_id)
    if statuses:
        query = query.where(OutboxMessage.status.in_(sorted(statuses)))
    return list(session.scalars(query.order_by(OutboxMessage.id.desc()).limit(limit)))


def get_message(session: Session, *, org_id: int, message_id: int) -> OutboxMessage:
    """One of the organisation's outbox rows (another organisation's id finds nothing)."""
    row = session.scalars(
        select(OutboxMessage).where(OutboxMessage.org_id == org_id, OutboxMessage.id == message_id)
    ).one_or_none()
    if row is None:
        raise NotFound(f"no outbox message #{message_id}")
    return row


def attachments(session: Session, *, row: OutboxMessage) -> list[AttachmentInfo]:
    """The files stored with ``row``: name, type and size."""
    found = session.execute(
        select(
            OutboxAttachment.filename,
            OutboxAttachment.mime,
            func.length(OutboxAttachment.content),
        ).where(OutboxAttachment.org_id == row.org_id, OutboxAttachment.outbox_id == row.id)
    )
    return [AttachmentInfo(name, mime, int(size or 0)) for name, mime, size in found]


def _audit(session: Session, row: OutboxMessage, before: str, note: str) -> None:
    append(
        session,
        [
            Change(
                row.org_id,
                "update",
                "outbox",
                row.id,
                {"status": before},
                {"status": str(row.status), "note": note},
            )
        ],
    )


def resend(
    session: Session, *, org_id: int, message_id: int, now: datetime | None = None
) -> OutboxMessage:
    """Put a failed or unknown row back in the queue (the next dispatch sends it)."""
    row = get_message(session, org_id=org_id, message_id=message_id)
    if row.status not in RESENDABLE:
        raise Conflict(
            f"outbox message #{message_id} is {row.status}: only failed or unknown "
            "messages can be resent"
        )
    before = str(row.status)
    if row.status == OutboxStatus.FAILED:
        # It never left: render it again with today's details.
        row.subject = row.body_text = row.body_html = ""
        row.attempts = 0
        session.execute(
            delete(OutboxAttachment).where(
                OutboxAttachment.org_id == row.org_id, OutboxAttachment.outbox_id == row.id
            )
        )
    row.status = OutboxStatus.PENDING
    row.next_attempt_at = now or utcnow()
    if before == OutboxStatus.FAILED:
        outbox.renew_link(session, row)  # its text is made afresh, with a live link
    row.last_error = ""
    row.claimed_at, row.claimed_by = None, ""
    session.flush()
    _audit(session, row, before, "resent by a person")
    return row


def cancel(session: Session, *, org_id: int, message_id: int, reason: str) -> OutboxMessage:
    """Make sure a row is never sent (it stays in the outbox as cancelled)."""
    row = get_message(session, org_id=org_id, message_id=message_id)
    if row.status not in CANCELLABLE:
        raise Conflict(f"outbox message #{message_id} is {row.status}: it cannot be cancelled")
    before = str(row.status)
    row.status = OutboxStatus.CANCELLED
    row.last_error = f"cancelled: {reason}" if reason else "cancelled"
    session.flush()
    _audit(session, row, before, row.last_error)
    return row
