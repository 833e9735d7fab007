"""Appending to and verifying the audit chain.

Changes made through the ORM are recorded automatically (``record_orm_changes`` runs
after every flush); bulk paths that write with SQL Core call ``append`` themselves.
"""

from collections import defaultdict
from collections.abc import Sequence
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, UOWTransaction

from recoup.audit import repository
from recoup.audit.core import (
    BrokenLink,
    Keyring,
    canonical_json,
    chain_hashes,
    parse_keyring,
    verify_chain,
)
from recoup.audit.models import GENESIS_HASH, AuditEvent
from recoup.audit.registry import is_audited, recording
from recoup.config import get_settings
from recoup.db import bulk
from recoup.db.base import utcnow

# Bookkeeping columns that change on every write and say nothing about the business.
_UNAUDITED_COLUMNS = frozenset({"created_at", "updated_at"})


class Change(NamedTuple):
    """A create, update or delete of one record, with the values that changed (a
    NamedTuple: a bulk write makes one per row)."""

    org_id: int
    action: str
    entity: str
    entity_id: int
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@lru_cache(maxsize=4)
def _parsed(text: str) -> Keyring:
    return parse_keyring(text)


def keyring() -> Keyring:
    """The configured audit keys (``RECOUP_AUDIT_KEY``); empty when none is set."""
    return _parsed(get_settings().audit_key.get_secret_value())


_DEFERRED = "audit_deferred"  # session.info: changes held back until the commit


def defer_until_commit(session: Session) -> None:
    """Hold the session's audit events back and append them all just before it commits.

    The chain head of an organisation is locked from the first append until the
    transaction ends; a long transaction that defers (a partition of the daily run)
    holds it for the moment of its commit only, so that other writers of the
    organisation (other partitions, the web app) do not wait for all of its work. Not
    for a transaction that rolls savepoints back (their events would stay).
    """
    session.info[_DEFERRED] = []


def defers(session: Session) -> bool:
    """Whether the session holds its audit events back until it commits."""
    return _DEFERRED in session.info


@event.listens_for(Session, "before_commit")
def _append_deferred(session: Session) -> None:
    pending: list[tuple[list[Change], str]] | None = session.info.get(_DEFERRED)
    if pending is None:
        return
    session.flush()  # the last ORM writes add their changes to ``pending``
    while pending:
        changes, who = pending.pop(0)
        _append(session, changes, who)


def append(session: Session, changes: Sequence[Change], *, actor: str | None = None) -> None:
    """Append ``changes`` to their organisations' chains, in order, all at one time
    (or, in a session that defers, at its commit).

    Each event is signed with the current audit key (an HMAC); without a key configured
    it gets the plain SHA-256 of an unkeyed event, and ``recoup audit verify`` warns.
    """
    who = actor or str(session.info.get("actor", "system"))
    pending: list[tuple[list[Change], str]] | None = session.info.get(_DEFERRED)
    if pending is not None:
        pending.append((list(changes), who))
        return
    _append(session, changes, who)


def _append(session: Session, changes: Sequence[Change], who: str) -> None:
    by_org: dict[int, list[Change]] = defaultdict(list)
    for change in changes:
        by_org[change.org_id].append(change)
    now = utcnow()
    keys = keyring()
    key_id, key = keys.current, keys.signing_key
    for org_id, org_changes in sorted(by_org.items()):
        seq, prev = repository.lock_head(session, org_id)
        links = [
            (
                seq + n,
                change.action,
                change.entity,
                change.entity_id,
                canonical_json(change.before),
                canonical_json(change.after),
            )
            for n, change in enumerate(org_changes, start=1)
        ]
        hashes = chain_hashes(prev, links, occurred_at=now, actor=who, key=key, key_id=key_id)
        rows = [  # repository.EVENT_COLUMNS
            (*link, prev_hash, digest)
            for link, prev_hash, digest in zip(links, [prev, *hashes[:-1]], hashes, strict=True)
        ]
        shared = {"org_id": org_id, "occurred_at": now, "actor": who, "key_id": key_id}
        repository.store_events(session, org_id, rows, shared, (links[-1][0], hashes[-1]))


def insert_audited(
    session: Session, *, org_id: int, table: Any, rows: Sequence[dict[str, Any]]
) -> list[int]:
    """Bulk-insert ``rows`` of the organisation into ``table`` and record each creation
    (with the values given); the new ids, in order."""
    ids = bulk.insert_with_ids(session, table, rows, constants={"org_id": org_id})
    append(
        session,
        [
            Change(org_id, "create", table.name, record_id, None, dict(row))
            for record_id, row in zip(ids, rows, strict=True)
        ],
    )
    return ids


def _values(obj: Any) -> dict[str, Any]:
    mapper = inspect(obj).mapper
    return {
        attr.key: getattr(obj, attr.key)
        for attr in mapper.column_attrs
        if attr.key not in _UNAUDITED_COLUMNS
    }


def _diff(obj: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    state = inspect(obj)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        if attr.key in _UNAUDITED_COLUMNS:
            continue
        history = state.attrs[attr.key].history
        if history.has_changes() and history.deleted:
            old, new = history.deleted[0], getattr(obj, attr.key)
            if old != new:
                before[attr.key], after[attr.key] = old, new
    return before, after


@event.listens_for(Session, "after_flush")
def record_orm_changes(session: Session, flush_context: UOWTransaction) -> None:
    """Turn the ORM writes of a flush into audit events (ids are known by now)."""
    changes: list[Change] = []
    for obj in session.new:
        if is_audited(obj):
            changes.append(
                Change(obj.org_id, "create", obj.__tablename__, obj.id, None, _values(obj))
            )
    for obj in session.dirty:
        if is_audited(obj) and session.is_modified(obj):
            before, after = _diff(obj)
            if after:
                changes.append(
                    Change(obj.org_id, "update", obj.__tablename__, obj.id, before, after)
                )
    for obj in session.deleted:
        if is_audited(obj):
            changes.append(
                Change(obj.org_id, "delete", obj.__tablename__, obj.id, _values(obj), None)
            )
    if changes:
        append(session, changes)


recording()  # ORM writes of audited classes are recorded from now on


def verify(session: Session, *, org_id: int) -> tuple[int, BrokenLink | None]:
    """Recompute the organisation's chain under the configured keys; the number checked
    and the first broken link.

    Also compares the head with the last event (sequence and hash), which catches events
    cut off the end of the chain. ``recoup.audit.verification`` adds the checkpoints and
    the ledger's rows.
    """
    check = verify_chain(
        repository.iter_chain(session, org_id), genesis=GENESIS_HASH, keys=keyring()
    )
    if check.broken:
        return check.count, check.broken
    broken = head_problem(check.last, repository.head(session, org_id))
    return check.count, broken


def head_problem(last: tuple[int, str] | None, head: tuple[int, str]) -> BrokenLink | None:
    """How the stored head disagrees with the chain's last event, if it does."""
    last_seq, last_hash = last or (0, GENESIS_HASH)
    if head[0] != last_seq:
        return BrokenLink(last_seq + 1, f"chain ends at {last_seq} but head says {head[0]}")
    if head[1] != last_hash:
        return BrokenLink(last_seq, "the head's hash is not the last event's hash (altered)")
    return None


def history(session: Session, *, org_id: int, entity: str, entity_id: int) -> list[AuditEvent]:
    """The audit events of one record, oldest first."""
    return repository.events_for(session, org_id, entity, entity_id)
