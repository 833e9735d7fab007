"""Customer replies: where they go, receiving one, the pauses they put on chasing, and a
person handling them.

``receive`` stores a message once per ``Message-ID``, finds its customer (the reply token
in a plus address, then the thread it answers, then the sender's address among the
contacts), reads it (``core.classify``) and acts (``core.decide``) through the owning
services: a task (``recoup.cases``), a contact's email switched off after a bounce
(``recoup.ledger``), and, once a collector confirms a draft, a dispute or a promise
(``recoup.cases``). ``pauses`` are what the daily run adds to the cases' pauses: a
customer whose reply waits for a person is not chased until it is handled (its task done
or the reply handled here); "already paid" pauses for ``core.PAID_PAUSE_DAYS``.

Services never commit; the caller owns the transaction.
"""

import base64
import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from recoup.cases import disputes, promises, tasks
from recoup.comms import outbox
from recoup.db.base import utcnow
from recoup.errors import Conflict, InvalidInput, NotFound
from recoup.inbound import core, repository
from recoup.inbound.enums import ReplyKind, ReplyStatus
from recoup.inbound.models import (
    InboundSettings,
    Reply,
    ReplyAttachment,
    ReplyToken,
    Undeliverable,
)
from recoup.ledger import service as ledger
from recoup.ledger.validators import validate_email
from recoup.policy.pauses import Pause, PauseScope


def task_key(reply: Reply) -> str:
    """The key of a reply's task (from its Message-ID: known before the reply is stored)."""
    digest = hashlib.sha256(reply.message_id.encode("utf-8")).hexdigest()[:32]
    return f"reply:{digest}"


# Where replies go


def set_address(
    session: Session, *, org_id: int, address: str, plus_addressing: bool = True
) -> InboundSettings:
    """Send customers' replies to ``address`` (``ar+<token>@…`` per customer when
    ``plus_addressing``; the mailbox must accept plus addresses)."""
    checked = validate_email(address)
    if not checked:
        raise InvalidInput("give the address replies go to", field="address")
    if "+" in checked.partition("@")[0] and plus_addressing:
        raise InvalidInput(
            f"{checked!r} already has a '+': give the mailbox's own address", field="address"
        )
    found = repository.settings(session, org_id)
    if found is None:
        found = InboundSettings(org_id=org_id, address=checked, plus_addressing=plus_addressing)
        session.add(found)
    else:
        found.address, found.plus_addressing = checked, plus_addressing
    session.flush()
    return found


def get_settings(session: Session, *, org_id: int) -> InboundSettings | None:
    """Where replies go, if the organisation said."""
    return repository.settings(session, org_id)


def new_token() -> str:
    """A fresh reply token: 80 random bits in 16 lower-case letters and digits."""
    return base64.b32encode(secrets.token_bytes(10)).decode("ascii").lower()


def token_for(session: Session, *, org_id: int, customer_id: int) -> str:
    """The customer's reply token, made on first use and never changed."""
    found = repository.token_of(session, org_id, customer_id)
    if found is not None:
        return found.token
    try:
        with session.begin_nested():  # a concurrent dispatcher may make it first
            session.add(ReplyToken(org_id=org_id, customer_id=customer_id, token=new_token()))
    except IntegrityError:
        pass
    made = repository.token_of(session, org_id, customer_id)
    assert made is not None
    return made.token


def reply_address(session: Session, *, org_id: int, customer_id: int) -> str:
    """The Reply-To of messages to this customer: ``ar+<token>@…`` with plus addressing,
    the configured address without, or "" when the organisation set none."""
    found = repository.settings(session, org_id)
    if found is None:
        return ""
    if not found.plus_addressing:
        return found.address
    return core.plus_address(
        found.address, token_for(session, org_id=org_id, customer_id=customer_id)
    )


# Receiving


@dataclass(frozen=True, slots=True)
class Received:
    """A message stored (``new``) or found already stored (fetched twice)."""

    reply: Reply
    new: bool


def receive(
    session: Session,
    *,
    org_id: int,
    raw: bytes,
    received_at: datetime,
    envelope_to: Sequence[str] = (),
) -> Received:
    """Store, match, read and act on one received message (see the module docstring)."""
    incoming = core.parse(raw, envelope_to=envelope_to)
    existing = repository.reply_by_message_id(session, org_id, incoming.message_id)
    if existing is not None:
        return Received(existing, new=False)
    customer_id, matched_by = _match(session, org_id, incoming)
    open_numbers: dict[str, int] = {}
    if customer_id is not None:
        open_numbers = {
            i.number: i.id
            for i in ledger.open_invoices(session, org_id=org_id, customer_id=customer_id)
        }
    received_on = received_at.date()
    reading = core.classify(incoming, received_on=received_on, invoice_numbers=list(open_numbers))
    plan = core.decide(
        reading,
        received_on=received_on,
        customer_known=customer_id is not None,
        invoice_ids=open_numbers,
    )
    reply = Reply(
        org_id=org_id,
        message_id=incoming.message_id,
        customer_id=customer_id,
        matched_by=matched_by,
        from_address=incoming.from_address[:254],
        to_address=", ".join(incoming.to_addresses)[:500],
        subject=incoming.subject,
        text=incoming.new_text,
        full_text=incoming.text,
        sent_at=incoming.sent_at,
        received_at=received_at,
        kind=reading.kind,
        why=_why(reading)[:500],
        draft=plan.draft,
        status=plan.status,
        paused_until=plan.pause_until,
    )
    session.add(reply)
    if plan.task_title:
        # The reply and its task go to the database in one flush (one audit append).
        with session.no_autoflush:
            tasks.create_task(
                session,
                org_id=org_id,
                customer_id=customer_id,
                title=plan.task_title,
                body=_task_body(reply),
                kind=plan.task_kind,
                key=task_key(reply),
            )
    session.flush()
    session.add_all(
        ReplyAttachment(
            org_id=org_id, reply_id=reply.id, filename=a.filename, mime=a.mime, content=a.content
        )
        for a in incoming.attachments
    )
    if plan.undeliverable and customer_id is not None:
        _mark_undeliverable(session, org_id, customer_id, reply, reading)
    session.flush()
    return Received(reply, new=True)


def _match(session: Session, org_id: int, incoming: core.Incoming) -> tuple[int | None, str]:
    """The customer a message is from, and how it was found."""
    report = incoming.report
    addresses = incoming.to_addresses + (report.original_to if report else ())
    token = core.token_in(addresses)
    if token:
        customer_id = repository.customer_of_token(session, org_id, token)
        if customer_id is not None:
            return customer_id, "token"
    thread = incoming.thread_ids + ((report.original_message_id,) if report else ())
    customer_id = outbox.customer_of_sent_message(
        session, org_id=org_id, message_ids=[m for m in thread if m]
    )
    if customer_id is not None:
        return customer_id, "thread"
    if incoming.from_address and report is None:
        owners = {
            c.customer_id
            for c in ledger.contacts_with_email(session, org_id=org_id, email=incoming.from_address)
        }
        if len(owners) == 1:  # an address shared by several customers says nothing
            return owners.pop(), "sender"
    return None, ""


def _why(reading: core.Reading) -> str:
    parts = [f"read from {reading.why}"]
    if reading.invoice_numbers:
        parts.append("names " + ", ".join(reading.invoice_numbers))
    if reading.promised_on:
        parts.append(f"date {reading.promised_on.isoformat()}")
    if reading.kind is ReplyKind.BOUNCE:
        code = " ".join(x for x in (reading.status_code, reading.diagnostic) if x)
        parts.append(f"{reading.undeliverable or 'address unknown'}: {code}".strip())
    return "; ".join(parts)


def _task_body(reply: Reply) -> str:
    head = f"From {reply.from_address}: {reply.subject or '(no subject)'}"
    return f"{head} (on the Replies page)\n\n{reply.text[:1500]}"


def _mark_undeliverable(
    session: Session, org_id: int, customer_id: int, reply: Reply, reading: core.Reading
) -> None:
    """Stop emailing the address that bounced (the contact's email channel, through the
    ledger) and remember why."""
    address = reading.undeliverable.lower()
    contact_id = None
    for contact in ledger.contacts_of(session, org_id=org_id, customer_id=customer_id):
        if contact.email.lower() != address:
            continue
        contact_id = contact.id
        if "email" not in (contact.opted_out or []):
            ledger.save_contact(
                session,
                org_id=org_id,
                customer_id=customer_id,
                contact_id=contact.id,
                name=contact.name,
                email=contact.email,
                phone=contact.phone,
                role=contact.role,
                language=contact.language,
                preferred_channel=contact.preferred_channel,
                opted_out=[*(contact.opted_out or []), "email"],
            )
    session.add(
        Undeliverable(
            org_id=org_id,
            customer_id=customer_id,
            contact_id=contact_id,
            email=address[:254],
            status_code=reading.status_code,
            diagnostic=reading.diagnostic[:500],
            reply_id=reply.id,
        )
    )


# Pauses


def pauses(session: Session, *, org_id: int, as_of: date) -> list[Pause]:
    """Customers not to chase on ``as_of`` because of a reply: one waiting for a person
    (until its task is done or it is handled) or "already paid" (through its date)."""
    found: list[Pause] = []
    rows = repository.pausing(session, org_id, as_of)
    open_keys: set[str] = set()
    if any(r.status == ReplyStatus.WAITING for r in rows):  # else no task to look at
        open_keys = {
            t.key
            for t in tasks.open_tasks(session, org_id=org_id)
            if t.key is not None and t.key.startswith("reply:")
        }
    for reply in rows:
        assert reply.customer_id is not None
        starts_on = reply.received_at.date()
        if reply.kind == ReplyKind.PAID:
            ends_on = reply.paused_until
        elif reply.status == ReplyStatus.WAITING and task_key(reply) in open_keys:
            ends_on = None
        else:
            continue
        pause = Pause(
            scope=PauseScope.CUSTOMER,
            customer_id=reply.customer_id,
            starts_on=starts_on,
            ends_on=ends_on,
            reason=f"reply #{reply.id} from {reply.from_address or 'the customer'} "
            + ("(says paid)" if reply.kind == ReplyKind.PAID else "waiting for a person"),
            kind="reply",
        )
        if pause.active_on(as_of):
            found.append(pause)
    return found


# A person handles a reply


def get_reply(session: Session, *, org_id: int, reply_id: int) -> Reply:
    found = repository.reply(session, org_id, reply_id)
    if found is None:
        raise NotFound(f"no reply #{reply_id}")
    return found


def list_replies(
    session: Session,
    *,
    org_id: int,
    waiting_only: bool = False,
    customer_id: int | None = None,
    customer_ids: Sequence[int] | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[Reply], int]:
    """Replies, newest first (only those waiting for a person when asked), and the count."""
    return repository.replies(
        session,
        org_id,
        statuses=(ReplyStatus.WAITING,) if waiting_only else (),
        customer_id=customer_id,
        customer_ids=customer_ids,
        limit=limit,
        offset=offset,
    )


def attachments(session: Session, *, org_id: int, reply_id: int) -> list[ReplyAttachment]:
    return repository.attachments(session, org_id, reply_id)


def attachment_counts(session: Session, *, org_id: int, reply_ids: Sequence[int]) -> dict[int, int]:
    return repository.attachment_counts(session, org_id, reply_ids)


def undeliverable(session: Session, *, org_id: int, customer_id: int) -> list[Undeliverable]:
    return repository.undeliverable(session, org_id, customer_id)


def _waiting(session: Session, org_id: int, reply_id: int) -> Reply:
    reply = get_reply(session, org_id=org_id, reply_id=reply_id)
    if reply.status != ReplyStatus.WAITING:
        raise Conflict(f"reply #{reply_id} is {reply.status}, not waiting for a person")
    return reply


def _close(session: Session, org_id: int, reply: Reply, by: str, outcome: str) -> Reply:
    reply.status = ReplyStatus.HANDLED
    reply.handled_by = by
    reply.handled_at = utcnow()
    reply.outcome = outcome[:500]
    tasks.complete_task_by_key(session, org_id=org_id, key=task_key(reply), by=by)
    session.flush()
    return reply


def confirm(
    session: Session,
    *,
    org_id: int,
    reply_id: int,
    by: str,
    invoice_ids: Sequence[int] | None = None,
    promised_on: date | None = None,
    reason: str | None = None,
    amount: Decimal | None = None,
) -> Reply:
    """Confirm a reply's draft (the collector may change it): a dispute is opened or a
    promise recorded through ``recoup.cases``, the reply is handled and chasing resumes
    under the case's own pause."""
    reply = _waiting(session, org_id, reply_id)
    if reply.customer_id is None:
        raise Conflict(f"reply #{reply_id} has no customer: nothing to confirm")
    chosen = [int(i) for i in (invoice_ids if invoice_ids else reply.draft.get("invoice_ids", []))]
    if not chosen:
        raise InvalidInput("choose the invoices it is about", field="invoice_ids")
    day = reply.received_at.date()
    if reply.kind == ReplyKind.DISPUTE:
        dispute = disputes.open_dispute(
            session,
            org_id=org_id,
            customer_id=reply.customer_id,
            invoice_ids=chosen,
            reason=reason or str(reply.draft.get("reason", "other")),
            amount=amount,
            owner=by,
            description=f"From the customer's email of {day.isoformat()}: {reply.text[:1000]}",
            opened_on=day,
        )
        return _close(session, org_id, reply, by, f"dispute #{dispute.id} opened")
    if reply.kind == ReplyKind.PROMISE:
        on = promised_on or date.fromisoformat(str(reply.draft["promised_on"]))
        promise = promises.add_promise(
            session,
            org_id=org_id,
            customer_id=reply.customer_id,
            items=[(i, amount if len(chosen) == 1 else None) for i in chosen],
            promised_on=on,
            made_on=day,
            contact=reply.from_address,
            channel="email",
            note=f"From the customer's email: {reply.text[:500]}",
        )
        return _close(session, org_id, reply, by, f"promise #{promise.id} recorded")
    raise Conflict(f"reply #{reply_id} reads as {reply.kind}: nothing was drafted to confirm")


def mark_handled(session: Session, *, org_id: int, reply_id: int, by: str, note: str = "") -> Reply:
    """A person dealt with the reply (answered it, fixed the address, dismissed a
    draft): its task is done and chasing resumes."""
    reply = _waiting(session, org_id, reply_id)
    return _close(session, org_id, reply, by, note.strip() or "handled")
