"""Writing to the outbox: the only way any domain plans an outbound effect.

``enqueue`` is idempotent by key: planning the same effect twice (a re-run of the same
day, a retried request) writes one row. It never sends anything; the dispatcher does.
Keys already planned are left out first (one indexed read); the rest go in with
``INSERT … ON CONFLICT (org_id, key) DO NOTHING`` from a staging table loaded in bulk,
so that two writers planning the same key at the same moment still write one row, and
each learns which rows it wrote.
"""

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, NamedTuple

from sqlalchemy import MetaData, Table, select, text
from sqlalchemy.orm import Session

from recoup.comms.models import MESSAGE_KINDS, OutboxKind, OutboxMessage, OutboxStatus
from recoup.db import bulk
from recoup.portal import links


class Effect(NamedTuple):
    """An outbound effect to plan.

    ``key`` is deterministic (e.g. ``policy:C42:cycle1:formal notice:email``) so that
    planning it again is recognised. ``payload`` carries what delivery needs (contact id,
    invoice ids, step, reason, amounts): the ``dump()`` of the row kind's model
    (``comms.payloads``).
    """

    key: str
    kind: OutboxKind
    customer_id: int | None
    scheduled_at: datetime
    payload: dict[str, Any]
    template: str = ""
    recipient: str = ""
    source: str = "policy"
    to_customer: bool = True  # False: to our own people, outside the customer's caps


def links_portal(effect: Effect | OutboxMessage) -> bool:
    """Whether the row renders a customer's message, which carries a link to the
    customer's portal: an email, letter or SMS, or a call's script."""
    return effect.customer_id is not None and (
        effect.kind in MESSAGE_KINDS or effect.template == "call_script"
    )


def renew_link(session: Session, row: OutboxMessage) -> None:
    """Give a row planned again (a person resends it) a fresh portal link, live from
    when it is now due."""
    if links_portal(row) and row.customer_id is not None:
        token = links.new_token()
        row.payload = {**row.payload, "portal_token": token}
        links.record(
            session, org_id=row.org_id, links=[(row.customer_id, token, row.next_attempt_at)]
        )


def enqueue(session: Session, *, org_id: int, effects: Sequence[Effect]) -> list[Effect]:
    """Plan ``effects``; the ones that were new (keys already planned are skipped).

    A message to a customer gets its portal link here, when it is planned
    (``payload["portal_token"]``; the link is live from then until 30 days after the
    message is due): rendering it later writes nothing."""
    existing: set[str] = set()
    for condition in bulk.among(session, OutboxMessage.key, [e.key for e in effects]):
        existing.update(
            session.scalars(
                select(OutboxMessage.key).where(OutboxMessage.org_id == org_id, condition)
            )
        )
    new = []
    seen: set[str] = set()
    for effect in effects:
        if effect.key not in existing and effect.key not in seen:
            seen.add(effect.key)
            if links_portal(effect) and not effect.payload.get("portal_token"):
                token = links.new_token()
                effect = effect._replace(payload={**effect.payload, "portal_token": token})
            new.append(effect)
    inserted = _insert_new(
        session,
        [
            {
                "org_id": org_id,
                "key": e.key,
                "kind": e.kind.value,
                "customer_id": e.customer_id,
                "template": e.template,
                "recipient": e.recipient,
                "source": e.source,
                "to_customer": e.to_customer,
                "payload": e.payload,
                "status": "pending",
                "attempts": 0,
                "claimed_by": "",
                "next_attempt_at": e.scheduled_at,
            }
            for e in new
        ],
    )
    written = [e for e in new if e.key in inserted]
    links.record(
        session,
        org_id=org_id,
        links=[
            (e.customer_id, e.payload["portal_token"], e.scheduled_at)
            for e in written
            if e.customer_id is not None and "portal_token" in e.payload
        ],
    )
    return written


# The staging table's description: the outbox's columns, for ``bulk.insert_rows``. Built
# once at import: a worker runs jobs in threads, and a description filled in lazily by
# one thread was read half-built by another (an outbox row without its ``org_id``).
_STAGING = Table(
    "outbox_incoming",
    MetaData(),
    *(column._copy() for column in OutboxMessage.__table__.columns),
)


def _insert_new(session: Session, rows: list[dict[str, Any]]) -> set[str]:
    """Insert ``rows`` into the outbox, skipping keys planned meanwhile; the keys written."""
    if not rows:
        return set()
    names = ", ".join(c.name for c in _STAGING.columns)
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(
            "CREATE TEMPORARY TABLE IF NOT EXISTS outbox_incoming "
            "(LIKE outbox INCLUDING DEFAULTS) ON COMMIT DROP"
        )
    else:
        connection.exec_driver_sql(
            "CREATE TEMPORARY TABLE IF NOT EXISTS outbox_incoming AS SELECT * FROM outbox WHERE 0"
        )
    ids = bulk.reserve_ids(session, OutboxMessage.__table__, len(rows))
    bulk.insert_rows(session, _STAGING, rows, ids=ids)
    written = session.scalars(
        text(
            f"INSERT INTO outbox ({names}) SELECT {names} FROM outbox_incoming WHERE true "
            "ON CONFLICT (org_id, key) DO NOTHING RETURNING key"
        )
    ).all()
    connection.exec_driver_sql("DELETE FROM outbox_incoming")
    return set(written)


REMINDER_KINDS = (OutboxKind.EMAIL, OutboxKind.LETTER, OutboxKind.SMS)


def reminded_invoice_ids(
    session: Session, *, org_id: int, customer_id: int, besides: int | None = None
) -> set[int]:
    """The invoices an escalation message to the customer was actually sent about (the
    row ``besides`` left out): the facts a message's "despite our previous reminders"
    rests on. A thank-you reminds of nothing; a row planned but not (yet) sent does not
    count."""
    rows = session.execute(
        select(OutboxMessage.id, OutboxMessage.payload).where(
            OutboxMessage.org_id == org_id,
            OutboxMessage.customer_id == customer_id,
            OutboxMessage.status == OutboxStatus.SENT,
            OutboxMessage.to_customer.is_(True),
            OutboxMessage.source == "policy",
            OutboxMessage.kind.in_([k.value for k in REMINDER_KINDS]),
            OutboxMessage.template != "thank_you",
        )
    )
    found: set[int] = set()
    for row_id, payload in rows:
        if row_id != besides:
            found.update(int(i) for i in (payload or {}).get("invoice_ids", []))
    return found


def customer_of_sent_message(
    session: Session, *, org_id: int, message_ids: Sequence[str]
) -> int | None:
    """The customer a sent message with one of these ``Message-ID``s went to (the first id
    found wins: pass the newest first), or None: how a reply's thread is followed back."""
    if not message_ids:
        return None
    rows = session.execute(
        select(OutboxMessage.result, OutboxMessage.customer_id).where(
            OutboxMessage.org_id == org_id,
            OutboxMessage.result.in_(list(message_ids)),
            OutboxMessage.status == OutboxStatus.SENT,
            OutboxMessage.customer_id.is_not(None),
        )
    )
    found = {result: customer_id for result, customer_id in rows}
    return next((found[m] for m in message_ids if m in found), None)


def sent_message_days(
    session: Session, *, org_id: int, start: date, end: date
) -> list[tuple[int, date]]:
    """``(customer id, day sent)`` of every email, letter and SMS sent to a customer on
    ``start``..``end`` (UTC days), one pair per message: the contacts analytics weighs
    payments against. Rows to our own people, rows not (yet) sent and tasks are left
    out."""
    rows = session.execute(
        select(OutboxMessage.customer_id, OutboxMessage.sent_at).where(
            OutboxMessage.org_id == org_id,
            OutboxMessage.status == OutboxStatus.SENT,
            OutboxMessage.to_customer.is_(True),
            OutboxMessage.customer_id.is_not(None),
            OutboxMessage.kind.in_([k.value for k in sorted(MESSAGE_KINDS)]),
            OutboxMessage.sent_at >= datetime.combine(start, time(), UTC),
            OutboxMessage.sent_at < datetime.combine(end + timedelta(days=1), time(), UTC),
        )
    )
    return [
        (int(customer_id), sent_at.astimezone(UTC).date())
        for customer_id, sent_at in rows
        if customer_id is not None and sent_at is not None
    ]
