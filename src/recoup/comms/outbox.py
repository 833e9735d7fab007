"""Writing to the outbox: the only way any domain plans an outbound effect.

``enqueue`` is idempotent by key: planning the same effect twice (a re-run of the same
day, a retried request) writes one row. It never sends anything; the dispatcher does.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from recoup.comms.models import OutboxKind, OutboxMessage
from recoup.db import bulk


class Effect(NamedTuple):
    """An outbound effect to plan.

    ``key`` is deterministic (e.g. ``policy:C42:cycle1:formal notice:email``) so that
    planning it again is recognised. ``payload`` carries what delivery needs (contact id,
    invoice ids, step, reason, amounts) as JSON-safe values.
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


def enqueue(session: Session, *, org_id: int, effects: Sequence[Effect]) -> list[Effect]:
    """Plan ``effects``; the ones that were new (keys already planned are skipped)."""
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
            new.append(effect)
    bulk.insert_with_ids(
        session,
        OutboxMessage.__table__,
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
    return new
