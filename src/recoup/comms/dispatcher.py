"""Delivering the outbox, exactly once.

Each row goes through its own short transactions:

1. **claim**: lock the next due row (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, the write
   lock on SQLite). An internal effect (a task, a charge, a credit hold, a hand-off
   request) is applied and marked sent in that same transaction: exactly once by
   construction. A message is rendered, its content stored as it will be sent, and the
   row marked ``sending``; then the transaction commits.
2. **send** (no transaction open): hand the message to its channel.
3. **record**: ``sent`` with the provider's id; or ``retrying`` with exponential backoff
   after a temporary failure; or ``failed`` after a permanent one, a configuration error
   the channel found before handing the message over (no sender), or too many attempts,
   which raises a task for a person. In that same transaction the channels' ``recorded``
   does what follows from the outcome (a webhook's delivery log and failure count; the
   ``message.sent`` / ``message.failed`` events). ``comms.review`` lets a person resend
   or cancel a ``failed`` or ``unknown`` row.

A webhook (``recoup.webhooks``) is delivered the same way; its row keeps ``body_text``
empty, so that each attempt is rendered, that is signed, afresh.

A dispatcher killed between 1 and 3 leaves the row ``sending``. The next dispatcher
cannot know whether the message left, so it never resends it: once the claimer is known
to be dead (its process is gone from this host, or its lease ran out), it marks the row
``unknown`` and raises a task for a person to check. Nothing is sent twice; nothing is
lost.
"""

import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from recoup.comms.channels.errors import PermanentFailure, TemporaryFailure
from recoup.comms.models import (
    DELIVERED_KINDS,
    SENDING,
    WAITING,
    OutboxAttachment,
    OutboxKind,
    OutboxMessage,
    OutboxStatus,
)
from recoup.comms.payloads import Envelope
from recoup.db import transaction
from recoup.db.base import utcnow
from recoup.errors import RecoupError

LEASE = timedelta(minutes=15)
MAX_ATTEMPTS = 6


class NoLongerDue(RecoupError):
    """Raised by a channel's ``render``: what the message asks for was done after it was
    planned (the invoices paid); the row is cancelled with this reason, never sent."""


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    mime: str
    content: bytes


NO_ENVELOPE = Envelope()


@dataclass(frozen=True, slots=True)
class Rendered:
    """A message as it will be sent, stored on the row before sending: its text, the
    recipient when rendering settled it (an SMS number in E.164, a webhook's URL), and
    the envelope its channel needs (sender and reply-to, a webhook's signed body)."""

    subject: str
    text: str
    html: str = ""
    attachments: tuple[Attachment, ...] = ()
    recipient: str = ""
    envelope: Envelope = NO_ENVELOPE


@dataclass(frozen=True, slots=True)
class Outgoing:
    """What a channel needs to send one message (read from the row, no session)."""

    org_id: int
    key: str
    kind: OutboxKind
    recipient: str
    rendered: Rendered
    envelope: Envelope


class Channels(Protocol):
    """How messages are made and sent, and how internal effects are applied."""

    def render(self, session: Session, row: OutboxMessage) -> Rendered: ...

    def send(self, message: Outgoing) -> str: ...

    def apply(self, session: Session, row: OutboxMessage) -> str: ...

    def raise_task(self, session: Session, row: OutboxMessage, title: str, body: str) -> None: ...

    def recorded(self, session: Session, row: OutboxMessage) -> None:
        """Called in the transaction that records a delivered row's outcome (sent,
        retrying or failed), after its status is set: what follows from it."""


@dataclass
class DispatchReport:
    """How a dispatch went, by outcome."""

    sent: int = 0
    applied: int = 0
    retrying: int = 0
    failed: int = 0
    unknown: int = 0
    cancelled: int = 0  # no longer due when their turn came (``NoLongerDue``)
    errors: list[str] = field(default_factory=list)


def backoff(attempts: int) -> timedelta:
    """Wait before the next attempt: 2, 4, 8, ... minutes, at most six hours."""
    return min(timedelta(minutes=2**attempts), timedelta(hours=6))


def _claim(session: Session, now: datetime, org_id: int | None) -> OutboxMessage | None:
    query = (
        select(OutboxMessage)
        .where(text(WAITING), OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    if org_id is not None:
        query = query.where(OutboxMessage.org_id == org_id)
    return session.scalars(query).first()


def dispatcher_id() -> str:
    """Who claims rows: ``host:pid``."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _dead(claimed_by: str, claimed_at: datetime | None, now: datetime) -> bool:
    """Whether the dispatcher that claimed a row is gone: a process of this host that no
    longer exists, or any claimer whose lease ran out."""
    host, _, pid = claimed_by.rpartition(":")
    if host == socket.gethostname() and pid.isdigit() and int(pid) != os.getpid():
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            pass
    return claimed_at is None or claimed_at < now - LEASE


def recover(engine: Engine, channels: Channels, *, now: datetime, org_id: int | None = None) -> int:
    """Mark rows a dead dispatcher left ``sending`` as ``unknown`` and raise a task each."""
    count = 0
    with transaction(engine, actor="dispatcher") as session:
        query = select(OutboxMessage).where(text(SENDING))
        if org_id is not None:
            query = query.where(OutboxMessage.org_id == org_id)
        for row in session.scalars(query.with_for_update()):
            if not _dead(row.claimed_by, row.claimed_at, now):
                continue
            row.status = OutboxStatus.UNKNOWN
            row.last_error = "the dispatcher stopped while sending; not resent automatically"
            channels.raise_task(
                session,
                row,
                f"Check whether {row.kind} '{row.template}' reached {row.recipient}",
                "Recoup stopped while handing this message over and cannot tell whether it "
                "left. It will not be resent automatically: check, then resend if needed.",
            )
            count += 1
    return count


def dispatch(
    engine: Engine,
    channels: Channels,
    *,
    clock: Callable[[], datetime] = utcnow,
    org_id: int | None = None,
    limit: int | None = None,
) -> DispatchReport:
    """Deliver every due row (or ``limit`` of them); the outcomes."""
    report = DispatchReport()
    report.unknown = recover(engine, channels, now=clock(), org_id=org_id)
    handled = 0
    while limit is None or handled < limit:
        with transaction(engine, actor="dispatcher") as session:
            row = _claim(session, clock(), org_id)
            if row is None:
                break
            handled += 1
            if row.kind not in DELIVERED_KINDS:
                _apply(session, channels, row, clock(), report)
                continue
            outgoing = _prepare(session, channels, row, clock(), report)
        if outgoing is not None:
            _send(engine, channels, outgoing, row.id, clock, report)
    return report


def waiting(
    engine: Engine, *, now: datetime, org_id: int | None = None
) -> tuple[int, datetime | None]:
    """How many rows wait for a later time (sending hours, a retry's backoff), and the
    earliest of those times: what ``recoup run`` says after its dispatch (the worker's
    dispatch loop does not ask)."""
    query = select(func.count(), func.min(OutboxMessage.next_attempt_at)).where(
        text(WAITING), OutboxMessage.next_attempt_at > now
    )
    if org_id is not None:
        query = query.where(OutboxMessage.org_id == org_id)
    with transaction(engine, actor="dispatcher") as session:
        count, earliest = session.execute(query).one()
    return int(count or 0), earliest


def _apply(
    session: Session, channels: Channels, row: OutboxMessage, now: datetime, report: DispatchReport
) -> None:
    try:
        with session.begin_nested():
            row.result = channels.apply(session, row)
    except RecoupError as error:
        row.status, row.last_error = OutboxStatus.FAILED, error.message
        report.failed += 1
        report.errors.append(f"{row.key}: {error.message}")
        return
    row.status, row.sent_at, row.attempts = OutboxStatus.SENT, now, row.attempts + 1
    report.applied += 1


def _prepare(
    session: Session, channels: Channels, row: OutboxMessage, now: datetime, report: DispatchReport
) -> Outgoing | None:
    if row.attempts == 0 or not row.body_text:
        try:
            with session.begin_nested():
                rendered = channels.render(session, row)
        except NoLongerDue as error:
            row.status, row.last_error = OutboxStatus.CANCELLED, error.message
            report.cancelled += 1
            return None
        except RecoupError as error:
            _fail(session, channels, row, f"could not be prepared: {error.message}", report)
            channels.recorded(session, row)
            return None
        row.subject, row.body_text, row.body_html = rendered.subject, rendered.text, rendered.html
        row.recipient = rendered.recipient or row.recipient
        row.payload = {**row.payload, **rendered.envelope.dump()}
        session.add_all(
            OutboxAttachment(
                org_id=row.org_id,
                outbox_id=row.id,
                filename=a.filename,
                mime=a.mime,
                content=a.content,
            )
            for a in rendered.attachments
        )
    attachments = session.scalars(
        select(OutboxAttachment).where(
            OutboxAttachment.org_id == row.org_id, OutboxAttachment.outbox_id == row.id
        )
    ).all()
    row.status, row.claimed_at, row.attempts = OutboxStatus.SENDING, now, row.attempts + 1
    row.claimed_by = dispatcher_id()
    return Outgoing(
        org_id=row.org_id,
        key=row.key,
        kind=OutboxKind(row.kind),
        recipient=row.recipient,
        rendered=Rendered(
            row.subject,
            row.body_text,
            row.body_html,
            tuple(Attachment(a.filename, a.mime, a.content) for a in attachments),
        ),
        envelope=Envelope.model_validate(row.payload or {}),
    )


def _send(
    engine: Engine,
    channels: Channels,
    outgoing: Outgoing,
    row_id: int,
    clock: Callable[[], datetime],
    report: DispatchReport,
) -> None:
    outcome: tuple[OutboxStatus, str]
    try:
        outcome = (OutboxStatus.SENT, channels.send(outgoing))
    except TemporaryFailure as error:
        outcome = (OutboxStatus.RETRYING, error.message)
    except PermanentFailure as error:
        outcome = (OutboxStatus.FAILED, error.message)
    except RecoupError as error:
        # Refused before anything was handed over (no sender, a malformed address): a
        # configuration error is a failure to fix and resend, never an "unknown" fate.
        outcome = (OutboxStatus.FAILED, f"not sent: {error.message}")
    with transaction(engine, actor="dispatcher") as session:
        row = session.get_one(OutboxMessage, row_id, with_for_update=True)
        status, detail = outcome
        now = clock()
        if status is OutboxStatus.SENT:
            row.status, row.sent_at, row.result, row.last_error = status, now, detail[:500], ""
            report.sent += 1
        elif status is OutboxStatus.RETRYING and row.attempts < MAX_ATTEMPTS:
            row.status, row.last_error = status, detail
            row.next_attempt_at = now + backoff(row.attempts)
            report.retrying += 1
        else:
            reason = (
                detail
                if status is OutboxStatus.FAILED
                else f"gave up after {row.attempts} attempts: {detail}"
            )
            _fail(session, channels, row, reason, report)
        channels.recorded(session, row)


def _fail(
    session: Session, channels: Channels, row: OutboxMessage, reason: str, report: DispatchReport
) -> None:
    row.status, row.last_error = OutboxStatus.FAILED, reason
    channels.raise_task(
        session,
        row,
        f"{row.kind.capitalize()} '{row.template}' to {row.recipient} failed",
        reason,
    )
    report.failed += 1
    report.errors.append(f"{row.key}: {reason}")
