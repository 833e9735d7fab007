"""Pure hash-chain logic: how an event is hashed and how a chain is verified."""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import orjson


def _encode(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot record {type(value).__name__} in the audit log")


def canonical_json(value: Any) -> str | None:
    """The one JSON text of ``value`` that is stored and hashed (None stays None).

    Keys sorted, no spaces, dates and timestamps in ISO 8601, decimals as strings.
    """
    if value is None:
        return None
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS, default=_encode).decode()


@dataclass(frozen=True, slots=True)
class EventData:
    """The hashed content of an audit event; ``before``/``after`` are canonical JSON."""

    seq: int
    occurred_at: datetime
    actor: str
    action: str
    entity: str
    entity_id: int
    before: str | None
    after: str | None


def event_hash(prev_hash: str, event: EventData) -> str:
    """SHA-256 over the previous hash and the event's fields, each length-prefixed."""
    parts = (
        prev_hash,
        str(event.seq),
        event.occurred_at.isoformat(),
        event.actor,
        event.action,
        event.entity,
        str(event.entity_id),
        "-" if event.before is None else event.before,
        "-" if event.after is None else event.after,
    )
    body = "".join([f"{len(part)}:{part}" for part in parts])
    return hashlib.sha256(body.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class BrokenLink:
    """Where a chain stops verifying and why."""

    seq: int
    reason: str


def verify_chain(
    events: Iterable[tuple[EventData, str, str]], genesis: str
) -> tuple[int, BrokenLink | None]:
    """Check ``(event, prev_hash, hash)`` triples in sequence order.

    Returns the number of events checked and the first broken link, if any: an event
    whose stored hash is not the hash of its content, one that does not point at its
    predecessor, or a gap in the sequence (a deleted event).
    """
    expected_prev, expected_seq, count = genesis, 1, 0
    for event, prev_hash, stored_hash in events:
        count += 1
        if event.seq != expected_seq:
            return count, BrokenLink(expected_seq, f"event {expected_seq} is missing")
        if prev_hash != expected_prev:
            return count, BrokenLink(event.seq, "does not point at the previous event's hash")
        if event_hash(prev_hash, event) != stored_hash:
            return count, BrokenLink(event.seq, "content does not match its hash (altered)")
        expected_prev, expected_seq = stored_hash, expected_seq + 1
    return count, None
