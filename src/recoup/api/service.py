"""API tokens (create, list, revoke, resolve) and the answers kept for idempotent POSTs.

A token is made of 256 random bits; the caller sees it once (``NewToken.secret``), the
database keeps its SHA-256. Services never commit.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from recoup.api import core, repository
from recoup.api.enums import Scope
from recoup.api.models import ApiToken, IdempotentAnswer
from recoup.db.base import utcnow
from recoup.errors import InvalidInput, NotFound


@dataclass(frozen=True, slots=True)
class NewToken:
    """A token just made: the stored row and the secret, shown this once."""

    token: ApiToken
    secret: str


def create_token(
    session: Session,
    *,
    org_id: int,
    scopes: str | list[str],
    name: str = "",
    expires_in_days: int | None = None,
    created_by: str = "",
    now: datetime | None = None,
) -> NewToken:
    """A new token of the organisation with ``scopes`` (``read,write``), expiring after
    ``expires_in_days`` (None: never)."""
    checked = core.parse_scopes(scopes)
    if expires_in_days is not None and expires_in_days < 1:
        raise InvalidInput("a token lives at least one day", field="expires")
    moment = now or utcnow()
    secret = core.TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        org_id=org_id,
        name=name.strip()[:200],
        token_hash=core.hash_token(secret),
        prefix=secret[:12],
        scopes=checked,
        expires_at=moment + timedelta(days=expires_in_days) if expires_in_days else None,
        created_by=created_by,
    )
    session.add(token)
    session.flush()
    return NewToken(token, secret)


def tokens(session: Session, *, org_id: int) -> list[ApiToken]:
    """The organisation's tokens, newest first (revoked and expired ones too)."""
    return repository.tokens(session, org_id)


def revoke_token(
    session: Session, *, org_id: int, token_id: int, now: datetime | None = None
) -> ApiToken:
    """Revoke one of the organisation's tokens (from now on it opens nothing)."""
    token = repository.token(session, org_id, token_id)
    if token is None:
        raise NotFound(f"no API token with id {token_id}")
    if token.revoked_at is None:
        token.revoked_at = now or utcnow()
        session.flush()
    return token


def resolve_token(session: Session, *, secret: str, now: datetime) -> ApiToken | None:
    """The active token whose secret is ``secret`` (None: unknown, expired or revoked)."""
    token = repository.token_by_hash(session, core.hash_token(secret))
    if token is None:
        return None
    state = core.token_state(expires_at=token.expires_at, revoked_at=token.revoked_at, now=now)
    return token if state == "active" else None


def token_state(token: ApiToken, *, now: datetime) -> str:
    """``active``, ``expired`` or ``revoked``."""
    return core.token_state(expires_at=token.expires_at, revoked_at=token.revoked_at, now=now)


def has_scope(token: ApiToken, needed: Scope) -> bool:
    """Whether ``token`` grants ``needed``."""
    return core.grants(token.scopes, needed)


def kept_answer(session: Session, *, token_id: int, key: str) -> IdempotentAnswer | None:
    """The answer kept for ``key`` of the token, if any."""
    return repository.answer(session, token_id, key)


def keep_answer(
    session: Session,
    *,
    org_id: int,
    token_id: int,
    key: str,
    fingerprint: str,
    status_code: int,
    body: str,
) -> None:
    """Keep the answer to a POST sent with ``key``, in the same transaction as its work."""
    session.add(
        IdempotentAnswer(
            org_id=org_id,
            token_id=token_id,
            key=key,
            fingerprint=fingerprint,
            status_code=status_code,
            body=body,
        )
    )
    session.flush()
