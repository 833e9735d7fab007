"""Auth use cases: users, logging in (with throttling), sessions.

Services never commit. ``authenticate`` records the attempt and *returns* its outcome
rather than raising, so that the caller's transaction keeps the record of a failure.
"""

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from recoup.audit.service import Change, append
from recoup.auth import core, repository
from recoup.auth.models import Role, User, UserSession
from recoup.db.base import utcnow
from recoup.errors import Conflict, InvalidInput, NotFound
from recoup.ledger.validators import validate_email

MIN_PASSWORD_LENGTH = 10
SESSION_IDLE = timedelta(hours=12)
SESSION_MAX = timedelta(days=14)

_hasher = PasswordHasher()
# Verified against when the email is unknown, so that a miss costs as long as a hit.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def hash_token(token: str) -> str:
    """The SHA-256 (hex) under which a session or portal token is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_email(email: str) -> str:
    """A login email as stored: trimmed, lower case, plausibly an address."""
    normalised = validate_email(email).lower()
    if not normalised:
        raise InvalidInput("an email address is needed", field="email")
    return normalised


def validate_password(password: str) -> str:
    """A password long enough to be worth hashing."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"must have at least {MIN_PASSWORD_LENGTH} characters", field="password")
    return password


def validate_role(role: str) -> Role:
    """The ``Role`` named ``role``."""
    try:
        return Role(role.strip().lower())
    except ValueError:
        names = ", ".join(r.value for r in Role)
        raise InvalidInput(f"must be one of {names}", field="role") from None


def _audit_values(user: User) -> dict[str, object]:
    return {"email": user.email, "name": user.name, "role": str(user.role), "active": user.active}


def create_user(
    session: Session,
    *,
    org_id: int,
    email: str,
    password: str,
    role: Role | str = Role.VIEWER,
    name: str = "",
    audit: bool = True,
) -> User:
    """A new user of the organisation (the audit log records it without the hash).

    ``audit=False`` is for the first admin that ``recoup init`` creates with the
    organisation, which is not audited either (the chain starts with the first business
    record).
    """
    address = normalise_email(email)
    checked_role = validate_role(str(role))
    validate_password(password)
    if repository.user_by_email(session, address):
        raise Conflict(f"a user with the email {address} already exists")
    user = User(
        org_id=org_id,
        email=address,
        name=name.strip()[:200],
        role=checked_role,
        password_hash=_hasher.hash(password),
        active=True,
    )
    session.add(user)
    session.flush()
    if audit:
        append(session, [Change(org_id, "create", "users", user.id, None, _audit_values(user))])
    return user


def list_users(session: Session, *, org_id: int) -> list[User]:
    """The organisation's users, by email."""
    return repository.users(session, org_id)


def collector_emails(session: Session, *, org_id: int) -> list[str]:
    """Emails of the organisation's active users (the collectors a worklist can show)."""
    return repository.user_emails(session, org_id)


def get_user(session: Session, *, org_id: int, user_id: int) -> User:
    """One of the organisation's users; ``NotFound`` for another organisation's."""
    user = repository.user(session, org_id, user_id)
    if user is None:
        raise NotFound(f"no user with id {user_id}")
    return user


def set_active(
    session: Session, *, org_id: int, user_id: int, active: bool, by_user_id: int
) -> User:
    """Activate or deactivate a user; a deactivated user's sessions end at once."""
    user = get_user(session, org_id=org_id, user_id=user_id)
    if user.id == by_user_id and not active:
        raise Conflict("you cannot deactivate yourself")
    if user.active != active:
        append(
            session,
            [
                Change(
                    org_id, "update", "users", user.id, {"active": user.active}, {"active": active}
                )
            ],
        )
        user.active = active
        if not active:
            repository.delete_user_sessions(session, org_id, user.id)
        session.flush()
    return user


@dataclass(frozen=True, slots=True)
class LoginResult:
    """The outcome of a login attempt: a user, or why not."""

    user: User | None
    locked_until: datetime | None = None


def authenticate(
    session: Session, *, email: str, password: str, ip: str, now: datetime | None = None
) -> LoginResult:
    """Check ``email`` and ``password`` from ``ip``, throttled per email and address.

    While locked out the password is not even checked. Inactive users fail like a
    wrong password does (no hint that the account exists).
    """
    now = now or utcnow()
    address = email.strip().lower()[:254]
    failures: Sequence[datetime] = repository.recent_failures(
        session, address, ip, now - core.FAILURE_WINDOW - core.LOCKOUT
    )
    until = core.locked_until(failures, now=now)
    if until is not None:
        return LoginResult(None, until)
    user = repository.user_by_email(session, address)
    ok = _verify(user.password_hash if user else _DUMMY_HASH, password)
    ok = ok and user is not None and user.active
    repository.record_attempt(session, address, ip, now, ok)
    if not ok or user is None:
        return LoginResult(None, core.locked_until([*failures, now], now=now))
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    user.last_login_at = now
    session.flush()
    return LoginResult(user)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def start_session(
    session: Session, *, user: User, ip: str = "", user_agent: str = "", now: datetime | None = None
) -> str:
    """A new login session for ``user``; the token for its cookie (stored only hashed)."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    session.add(
        UserSession(
            org_id=user.org_id,
            user_id=user.id,
            token_hash=hash_token(token),
            csrf_token=secrets.token_urlsafe(32),
            expires_at=now + SESSION_IDLE,
            last_seen_at=now,
            ip=ip[:64],
            user_agent=user_agent[:300],
        )
    )
    session.flush()
    return token


def resolve_session(
    session: Session, *, token: str, now: datetime | None = None
) -> tuple[User, UserSession] | None:
    """The active user and session behind a cookie token, or None (unknown, expired,
    or the user deactivated). Using a session extends it, up to ``SESSION_MAX``."""
    if not token:
        return None
    now = now or utcnow()
    login = repository.session_by_hash(session, hash_token(token))
    if login is None:
        return None
    if login.expires_at <= now or login.created_at + SESSION_MAX <= now:
        repository.delete_session(session, login.token_hash)
        return None
    user = repository.user(session, login.org_id, login.user_id)
    if user is None or not user.active:
        return None
    if now - login.last_seen_at > timedelta(minutes=1):
        login.last_seen_at = now
        login.expires_at = min(now + SESSION_IDLE, login.created_at + SESSION_MAX)
        session.flush()
    return user, login


def end_session(session: Session, *, token: str) -> None:
    """Log out: forget the session behind ``token``."""
    if token:
        repository.delete_session(session, hash_token(token))
