"""Pure rules of the API: token hashing and scopes, cursors, idempotency fingerprints,
and the per-token fixed-window rate limit.

Nothing here reads the database or the clock: times are passed in.
"""

import base64
import binascii
import hashlib
import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from recoup.api.enums import Scope
from recoup.errors import InvalidInput

TOKEN_PREFIX = "rcp_"

# Which scope a request needs, by method: reads need ``read``; writes ``write``.
_NEEDED = {"GET": Scope.READ, "HEAD": Scope.READ, "OPTIONS": Scope.READ}


def hash_token(token: str) -> str:
    """The stored form of a token: its SHA-256 in hex (the token has 256 random bits,
    so a plain hash cannot be reversed by guessing).

    >>> hash_token("rcp_x")[:12]
    '18674b6a5edb'
    """
    return hashlib.sha256(token.encode()).hexdigest()


def parse_scopes(text: str | Iterable[str]) -> list[str]:
    """Scopes from ``read,write`` (or a list), checked and in a stable order.

    >>> parse_scopes("write, read")
    ['read', 'write']
    >>> parse_scopes("owner")
    Traceback (most recent call last):
    ...
    recoup.errors.InvalidInput: scopes: unknown scope 'owner' (read, write or admin)
    """
    parts = text.split(",") if isinstance(text, str) else list(text)
    chosen: set[Scope] = set()
    for part in (p.strip().lower() for p in parts):
        if not part:
            continue
        try:
            chosen.add(Scope(part))
        except ValueError:
            raise InvalidInput(
                f"unknown scope {part!r} (read, write or admin)", field="scopes"
            ) from None
    if not chosen:
        raise InvalidInput("name at least one scope (read, write or admin)", field="scopes")
    return [s.value for s in Scope if s in chosen]


def needed_scope(method: str) -> Scope:
    """The scope a request of ``method`` needs.

    >>> needed_scope("GET"), needed_scope("POST")
    (<Scope.READ: 'read'>, <Scope.WRITE: 'write'>)
    """
    return _NEEDED.get(method.upper(), Scope.WRITE)


def grants(scopes: Iterable[str], needed: Scope) -> bool:
    """Whether a token with ``scopes`` may do what ``needed`` names (admin implies write,
    write implies read).

    >>> grants(["write"], Scope.READ), grants(["read"], Scope.WRITE), grants(["admin"], Scope.WRITE)
    (True, False, True)
    """
    order = [Scope.READ, Scope.WRITE, Scope.ADMIN]
    held = [order.index(Scope(s)) for s in scopes if s in {o.value for o in order}]
    return bool(held) and max(held) >= order.index(needed)


def token_state(*, expires_at: datetime | None, revoked_at: datetime | None, now: datetime) -> str:
    """``active``, ``expired`` or ``revoked``."""
    if revoked_at is not None:
        return "revoked"
    if expires_at is not None and expires_at <= now:
        return "expired"
    return "active"


# Cursors: the sort, and the sort value and id of the last row of the page, in a
# URL-safe string. Opaque to clients; checked when read back.


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where a page ended: after the row with ``value`` (of ``sort``) and ``id``."""

    sort: str
    value: Any
    id: int


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return {"t": type(value).__name__, "v": value.isoformat()}
    return value


def _typed(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"t", "v"}:
        kind = datetime if value["t"] == "datetime" else date
        return kind.fromisoformat(str(value["v"]))
    return value


def encode_cursor(cursor: Cursor) -> str:
    """The cursor as an opaque string.

    >>> text = encode_cursor(Cursor("-due_date", date(2026, 1, 31), 7))
    >>> decode_cursor(text, sort="-due_date")
    Cursor(sort='-due_date', value=datetime.date(2026, 1, 31), id=7)
    """
    raw = json.dumps([cursor.sort, _plain(cursor.value), cursor.id], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(text: str, *, sort: str) -> Cursor:
    """The cursor in ``text``; refused (naming ``cursor``) when it is not one of ours or
    was made for another sort.

    >>> decode_cursor("nonsense", sort="id")
    Traceback (most recent call last):
    ...
    recoup.errors.InvalidInput: cursor: not a cursor from this API
    """
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        made_for, value, last_id = json.loads(raw)
        found = Cursor(str(made_for), _typed(value), int(last_id))
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput("not a cursor from this API", field="cursor") from None
    if isinstance(found.value, str) and "\x00" in found.value:
        raise InvalidInput("not a cursor from this API", field="cursor")
    if found.sort != sort:
        raise InvalidInput(
            f"this cursor belongs to sort={found.sort}; ask with the same sort", field="cursor"
        )
    return found


def fingerprint(method: str, path: str, body: bytes) -> str:
    """What makes two POSTs "the same request": method, path and body.

    >>> fingerprint("POST", "/api/v1/notes", b"{}") == fingerprint("POST", "/api/v1/notes", b"{}")
    True
    """
    digest = hashlib.sha256()
    for part in (method.upper().encode(), path.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


@dataclass
class FixedWindow:
    """A per-key counter over fixed windows of ``seconds`` (in this process's memory).

    ``hit`` answers how many seconds to wait (0: go ahead).

    >>> limit = FixedWindow(limit=2, seconds=60)
    >>> [limit.hit("t1", now=0.0), limit.hit("t1", now=1.0), limit.hit("t1", now=2.0)]
    [0, 0, 58]
    >>> limit.hit("t1", now=60.0), limit.hit("t2", now=2.0)
    (0, 0)
    """

    limit: int
    seconds: int = 60
    _counts: dict[str, tuple[int, int]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def hit(self, key: str, *, now: float) -> int:
        window = int(now // self.seconds)
        with self._lock:
            start, count = self._counts.get(key, (window, 0))
            if start != window:
                start, count = window, 0
            if count >= self.limit:
                return max(1, (window + 1) * self.seconds - int(now))
            self._counts[key] = (window, count + 1)
            if len(self._counts) > 10_000:  # forget old windows now and then
                self._counts = {k: v for k, v in self._counts.items() if v[0] == window}
            return 0
