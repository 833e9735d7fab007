"""Pure audit logic: how an event is hashed, how a chain, a checkpoint and the ledger's
rows are verified against each other. No I/O here.

Since ``audit_0001`` the chain is keyed: each event's hash is an HMAC-SHA256 under a key
kept outside the database (``RECOUP_AUDIT_KEY``), named by the ``key_id`` stored with the
event. Events written before a key was configured keep their plain SHA-256 hash
(``key_id`` NULL) and still verify; once a keyed event follows them, its HMAC covers
their hashes too, so they cannot be rewritten without the key either.
"""

import hashlib
import hmac
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import orjson

from recoup.errors import InvalidInput


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


# Keys ------------------------------------------------------------------------------------

MIN_KEY_LENGTH = 16


def key_id_of(secret: bytes) -> str:
    """The id a key is known by when none is given: a fingerprint that reveals nothing.

    >>> key_id_of(b"0123456789abcdef")
    'kf4b3e5fe'
    """
    return "k" + hmac.new(secret, b"recoup-audit-key-id", hashlib.sha256).hexdigest()[:8]


@dataclass(frozen=True, slots=True)
class Keyring:
    """The audit keys: ``current`` signs new events and checkpoints; every key in
    ``keys`` (the current one and retired ones) verifies what it signed."""

    current: str | None = None
    keys: dict[str, bytes] = field(default_factory=dict)

    def key(self, key_id: str) -> bytes | None:
        """The secret of ``key_id``, if configured."""
        return self.keys.get(key_id)

    @property
    def signing_key(self) -> bytes | None:
        """The secret new events are signed with (None: no key configured)."""
        return None if self.current is None else self.keys[self.current]


NO_KEYS = Keyring()


def parse_keyring(text: str) -> Keyring:
    """``RECOUP_AUDIT_KEY``: comma-separated keys, the first signs, the rest only verify
    (retired keys). Each is ``secret`` or ``id:secret``; without an id, ``key_id_of``.

    >>> ring = parse_keyring("2026b:0123456789abcdefXYZ, 0123456789abcdef")
    >>> ring.current, sorted(ring.keys)
    ('2026b', ['2026b', 'kf4b3e5fe'])
    >>> parse_keyring("").current is None
    True
    >>> parse_keyring("short")
    Traceback (most recent call last):
    recoup.errors.InvalidInput: RECOUP_AUDIT_KEY: a key must have at least 16 characters
    """
    ring: dict[str, bytes] = {}
    current = None
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        key_id, _, secret = item.partition(":") if ":" in item else ("", "", item)
        if len(secret) < MIN_KEY_LENGTH:
            raise InvalidInput(
                f"a key must have at least {MIN_KEY_LENGTH} characters", field="RECOUP_AUDIT_KEY"
            )
        raw = secret.encode()
        key_id = key_id.strip() or key_id_of(raw)
        if len(key_id) > 32:
            raise InvalidInput("a key id has at most 32 characters", field="RECOUP_AUDIT_KEY")
        ring.setdefault(key_id, raw)
        current = current or key_id
    return Keyring(current, ring)


# Events ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EventData:
    """The hashed content of an audit event; ``before``/``after`` are canonical JSON;
    ``key_id`` names the key of its HMAC (None: a plain SHA-256 of an unkeyed event)."""

    seq: int
    occurred_at: datetime
    actor: str
    action: str
    entity: str
    entity_id: int
    before: str | None
    after: str | None
    key_id: str | None = None


def event_hash(prev_hash: str, event: EventData, key: bytes | None = None) -> str:
    """The hash of an event: over the previous hash and its fields, each length-prefixed.

    With ``key`` an HMAC-SHA256 that also covers the key id; without, the SHA-256 that
    events written before the key (``key_id`` None) carry.
    """
    link = (event.seq, event.action, event.entity, event.entity_id, event.before, event.after)
    return chain_hashes(
        prev_hash,
        [link],
        occurred_at=event.occurred_at,
        actor=event.actor,
        key=key,
        key_id=event.key_id,
    )[0]


#: An event's own fields in a chain of events sharing time, actor and key: ``(seq,
#: action, entity, entity_id, before, after)``.
Link = tuple[int, str, str, int, str | None, str | None]


def chain_hashes(
    prev_hash: str,
    links: Iterable[Link],
    *,
    occurred_at: datetime,
    actor: str,
    key: bytes | None,
    key_id: str | None,
) -> list[str]:
    """The hashes of consecutive events (``event_hash`` of each, in order, each over the
    one before) that share their time, actor and key: how a bulk write signs thousands
    of events without building each one's ``EventData``.

    >>> at = datetime(2026, 1, 2, 3, 4, 5)
    >>> one = EventData(1, at, "cli", "create", "customers", 7, None, '{"a":1}')
    >>> two = EventData(2, at, "cli", "delete", "customers", 7, '{"a":1}', None)
    >>> links = [(1, "create", "customers", 7, None, '{"a":1}'),
    ...          (2, "delete", "customers", 7, '{"a":1}', None)]
    >>> first = event_hash("0" * 64, one)
    >>> chain_hashes("0" * 64, links, occurred_at=at, actor="cli", key=None, key_id=None) == [
    ...     first, event_hash(first, two)]
    True
    """
    # Each part is length-prefixed ("5:hello"); the parts every event shares are
    # prefixed once. With a key, the key id closes the body.
    at = occurred_at.isoformat()
    shared = f"{len(at)}:{at}{len(actor)}:{actor}"
    tail = "" if key is None else f"{len(key_id or '')}:{key_id or ''}"
    sha256 = hashlib.sha256
    digest = hmac.digest
    hashes = []
    for seq, action, entity, entity_id, before, after in links:
        number, record = str(seq), str(entity_id)
        old = "-" if before is None else before
        new = "-" if after is None else after
        body = (
            f"{len(prev_hash)}:{prev_hash}{len(number)}:{number}{shared}"
            f"{len(action)}:{action}{len(entity)}:{entity}{len(record)}:{record}"
            f"{len(old)}:{old}{len(new)}:{new}{tail}"
        ).encode()
        prev_hash = sha256(body).hexdigest() if key is None else digest(key, body, "sha256").hex()
        hashes.append(prev_hash)
    return hashes


@dataclass(frozen=True, slots=True)
class BrokenLink:
    """Where a chain stops verifying and why."""

    seq: int
    reason: str


@dataclass(slots=True)
class ChainCheck:
    """What a pass over a chain found: events checked, the first broken link, the last
    event's ``(seq, hash)``, how many events carry no key, and the hashes at ``wanted``
    sequence numbers (those that checkpoints recorded)."""

    count: int = 0
    broken: BrokenLink | None = None
    last: tuple[int, str] | None = None
    unkeyed: int = 0
    hashes: dict[int, str] = field(default_factory=dict)


def verify_chain(
    events: Iterable[tuple[EventData, str, str]],
    genesis: str,
    keys: Keyring = NO_KEYS,
    wanted: frozenset[int] = frozenset(),
    after: int = 0,
) -> ChainCheck:
    """Check ``(event, prev_hash, hash)`` triples in sequence order.

    The first broken link is an event whose stored hash is not the hash of its content
    (under its key), one that does not point at its predecessor, a gap in the sequence
    (a deleted event), one signed by a key that is not configured, or an unkeyed event
    after a keyed one (a chain rewritten without the key). ``after``: the events start
    after that sequence number, whose hash is ``genesis`` (a checkpoint's).
    """
    check = ChainCheck()
    expected_prev, expected_seq, keyed = genesis, after + 1, False
    for event, prev_hash, stored_hash in events:
        check.count += 1
        if event.seq != expected_seq:
            check.broken = BrokenLink(expected_seq, f"event {expected_seq} is missing")
            return check
        if prev_hash != expected_prev:
            check.broken = BrokenLink(event.seq, "does not point at the previous event's hash")
            return check
        key = None
        if event.key_id is None:
            if keyed:
                check.broken = BrokenLink(event.seq, "unkeyed event after keyed ones (rewritten)")
                return check
            check.unkeyed += 1
        else:
            keyed = True
            key = keys.key(event.key_id)
            if key is None:
                reason = f"signed with key {event.key_id!r}, which is not configured"
                check.broken = BrokenLink(event.seq, reason)
                return check
        if not hmac.compare_digest(event_hash(prev_hash, event, key), stored_hash):
            check.broken = BrokenLink(event.seq, "content does not match its hash (altered)")
            return check
        if event.seq in wanted:
            check.hashes[event.seq] = stored_hash
        expected_prev, expected_seq = stored_hash, expected_seq + 1
        check.last = (event.seq, stored_hash)
    return check


# Checkpoints -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """The head of an organisation's chain as recorded at ``written_at``; ``signature``
    is an HMAC under ``key_id`` (both None when no key was configured)."""

    org_id: int
    seq: int
    hash: str
    written_at: str
    key_id: str | None = None
    signature: str | None = None

    def body(self) -> bytes:
        """The signed bytes: every field but the signature, canonical JSON."""
        fields = {
            "org_id": self.org_id,
            "seq": self.seq,
            "hash": self.hash,
            "written_at": self.written_at,
            "key_id": self.key_id,
        }
        return (canonical_json(fields) or "").encode()


def sign_checkpoint(
    *, org_id: int, seq: int, head_hash: str, written_at: str, keys: Keyring
) -> Checkpoint:
    """A checkpoint of ``(seq, head_hash)``, signed with the current key if there is one."""
    unsigned = Checkpoint(org_id, seq, head_hash, written_at, keys.current)
    key = keys.signing_key
    if key is None:
        return unsigned
    signature = hmac.new(key, unsigned.body(), hashlib.sha256).hexdigest()
    return Checkpoint(org_id, seq, head_hash, written_at, keys.current, signature)


def checkpoint_problems(
    checkpoint: Checkpoint, *, keys: Keyring, chain: ChainCheck
) -> tuple[list[str], list[str]]:
    """``(problems, warnings)`` of one checkpoint against the verified chain."""
    problems: list[str] = []
    warnings: list[str] = []
    label = f"checkpoint of {checkpoint.written_at} (event {checkpoint.seq})"
    if checkpoint.key_id is None or checkpoint.signature is None:
        warnings.append(f"{label} is not signed (no key was configured)")
    else:
        key = keys.key(checkpoint.key_id)
        if key is None:
            problems.append(f"{label} is signed with key {checkpoint.key_id!r}, not configured")
        else:
            expected = hmac.new(key, checkpoint.body(), hashlib.sha256).hexdigest()
            if not hmac.compare_digest(expected, checkpoint.signature):
                problems.append(f"{label}: its signature does not match (file altered)")
                return problems, warnings
    last_seq = chain.last[0] if chain.last else 0
    if checkpoint.seq > last_seq:
        problems.append(
            f"{label}: the chain now ends at event {last_seq} (events removed, head rewound)"
        )
    elif (
        checkpoint.seq
        and chain.hashes.get(checkpoint.seq) != checkpoint.hash
        and (chain.broken is None or chain.broken.seq > checkpoint.seq)
    ):
        problems.append(f"{label}: event {checkpoint.seq} differs from it (chain rewritten)")
    return problems, warnings


# Reconciliation --------------------------------------------------------------------------

# Columns that are never compared: the row's identity and bookkeeping.
_IGNORED = frozenset({"id", "org_id", "created_at", "updated_at"})


def plain(value: Any) -> Any:
    """``value`` as the audit log stores it (JSON types: dates as text, decimals as
    text, enums as their value).

    >>> from datetime import date
    >>> plain(date(2026, 1, 31)), plain(Decimal("1.50")), plain(None)
    ('2026-01-31', '1.50', None)
    """
    return orjson.loads(canonical_json([value]) or "[null]")[0]


def replay(
    events: Iterable[tuple[int, str, str | None]],
) -> Iterator[tuple[int, dict[str, Any] | None]]:
    """Each record's state after its events: ``(entity_id, action, after JSON)`` ordered
    by record then sequence in; ``(entity_id, values or None if deleted)`` out."""
    current_id: int | None = None
    state: dict[str, Any] | None = None
    for entity_id, action, after in events:
        if entity_id != current_id:
            if current_id is not None:
                yield current_id, state
            current_id, state = entity_id, {}
        if action == "delete":
            state = None
        else:
            state = {**(state or {}), **(orjson.loads(after) if after else {})}
    if current_id is not None:
        yield current_id, state


@dataclass(frozen=True, slots=True, order=True)
class Mismatch:
    """A row that is not what its events say (or has none, or is missing)."""

    entity: str
    entity_id: int
    reason: str

    def __str__(self) -> str:
        return f"{self.entity} #{self.entity_id}: {self.reason}"


def reconcile(
    entity: str,
    rows: Iterable[tuple[int, dict[str, Any]]],
    states: Iterable[tuple[int, dict[str, Any] | None]],
) -> Iterator[Mismatch]:
    """Compare a table's rows with the states its events replay to, both ordered by id.

    A row with no event, a record whose events say it exists but no row, a row whose
    last event deleted it, and every column whose value differs from the last one
    recorded are mismatches. Columns the events never mention are not compared.
    """
    row_iter, state_iter = iter(rows), iter(states)
    row = next(row_iter, None)
    state = next(state_iter, None)
    while row is not None or state is not None:
        if state is None or (row is not None and row[0] < state[0]):
            assert row is not None
            yield Mismatch(entity, row[0], "has no event (written around the audit log)")
            row = next(row_iter, None)
        elif row is None or state[0] < row[0]:
            if state[1] is not None:
                yield Mismatch(entity, state[0], "its events say it exists but the row is gone")
            state = next(state_iter, None)
        else:
            values, recorded = row[1], state[1]
            if recorded is None:
                yield Mismatch(entity, row[0], "its last event deleted it but the row exists")
            else:
                for column in sorted(recorded.keys() & values.keys() - _IGNORED):
                    if plain(values[column]) != recorded[column]:
                        yield Mismatch(
                            entity,
                            row[0],
                            f"{column} is {plain(values[column])!r} but its events say "
                            f"{recorded[column]!r}",
                        )
            row, state = next(row_iter, None), next(state_iter, None)
