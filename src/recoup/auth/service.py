"""Auth use cases: users, passwords, logging in (with throttling), sessions.

Services never commit. A login is three steps so that the slow password check runs in no
transaction at all: ``check_login`` reads (the throttle, the user's hash),
``verify_password`` hashes (no database), ``record_login`` writes (the attempt, the
login time). ``authenticate`` does the three in one transaction, for callers that do not
mind holding it. The outcome is *returned* rather than raised, so that the caller's
transaction keeps the record of a failure.
"""

import functools
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from recoup.audit.service import Change, append
from recoup.auth import core, passwords, repository
from recoup.auth.core import hash_token
from recoup.auth.models import Role, User, UserSession
from recoup.db.base import utcnow
from recoup.errors import Conflict, InvalidInput, NotFound
from recoup.ledger import service as ledger
from recoup.ledger.validators import validate_email

SESSION_IDLE = timedelta(hours=12)
SESSION_MAX = timedelta(days=14)

_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the email is unknown, so that a miss costs as long as a
    hit (made on the first login, not when the module is imported: every command would
    pay for it)."""
    return _hasher.hash(secrets.token_urlsafe(16))


def normalise_email(email: str) -> str:
    """A login email as stored: trimmed, lower case, plausibly an address."""
    normalised = validate_email(email).lower()
    if not normalised:
        raise InvalidInput("an email address is needed", field="email")
    return normalised


def validate_password(password: str, *, context: Sequence[str] = ()) -> str:
    """A password hard enough to guess (``recoup.auth.passwords``) and not made of
    ``context`` (the user's email, name, organisation)."""
    problem = passwords.weakness(password, context=context)
    if problem:
        raise InvalidInput(problem, field="password")
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
    validate_password(
        password,
        context=password_context(session, org_id=org_id, user=None, email=address, name=name),
    )
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


def user_by_email(session: Session, *, org_id: int, email: str) -> User:
    """One of the organisation's users by email; ``NotFound`` otherwise."""
    user = repository.user_by_email(session, email.strip().lower())
    if user is None or user.org_id != org_id:
        raise NotFound(f"no user with the email {email.strip()}")
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


def password_context(
    session: Session, *, org_id: int, user: User | None, email: str = "", name: str = ""
) -> list[str]:
    """What an attacker knows about a user: their email and name, their organisation's
    name and slug (a password made of these is refused)."""
    organisation = ledger.get_organisation(session, org_id=org_id)
    known = [organisation.name, organisation.slug, email, name]
    if user is not None:
        known += [user.email, user.name]
    return [value for value in known if value]


def change_password(
    session: Session,
    *,
    org_id: int,
    user_id: int,
    current: str,
    new: str,
    keep_token: str = "",
) -> User:
    """A user changes their own password (knowing the current one); their other login
    sessions end, the one behind ``keep_token`` (the browser they did it from) stays."""
    user = get_user(session, org_id=org_id, user_id=user_id)
    if not _verify(user.password_hash, current):
        raise InvalidInput("is not your current password", field="current_password")
    if new == current:
        raise InvalidInput("must differ from the current one", field="password")
    validate_password(new, context=password_context(session, org_id=org_id, user=user))
    _set_password(session, user, new, keep_token=keep_token, how="changed")
    return user


def reset_password(session: Session, *, org_id: int, user_id: int, by_user_id: int) -> str:
    """An administrator gives a user a new random password (to pass on securely): every
    session of theirs ends. Returns the password; it is stored only hashed."""
    user = get_user(session, org_id=org_id, user_id=user_id)
    if user.id == by_user_id:
        raise Conflict("change your own password under Account, knowing the current one")
    password = new_password()
    _set_password(session, user, password, keep_token="", how="reset")
    return password


def new_password() -> str:
    """A random password (16 characters of a URL-safe alphabet: 96 bits)."""
    return secrets.token_urlsafe(12)


def _set_password(
    session: Session, user: User, password: str, *, keep_token: str, how: str
) -> None:
    user.password_hash = _hasher.hash(password)
    repository.delete_user_sessions(
        session, user.org_id, user.id, keep=hash_token(keep_token) if keep_token else None
    )
    append(session, [Change(user.org_id, "update", "users", user.id, None, {"password": how})])
    session.flush()


@dataclass(frozen=True, slots=True)
class LoginResult:
    """The outcome of a login attempt: a user, or why not."""

    user: User | None
    locked_until: datetime | None = None


@dataclass(frozen=True, slots=True)
class LoginCheck:
    """What a login attempt found before the password is checked: whether the email is
    locked out from this address, and the hash to check against (a dummy one for an
    unknown or inactive user, so that a miss costs as long as a hit)."""

    email: str
    ip: str
    now: datetime
    attempts: tuple[core.Attempt, ...]
    locked_until: datetime | None
    user_id: int | None
    password_hash: str


@dataclass(frozen=True, slots=True)
class PasswordVerdict:
    """Whether the password matched, and its new hash when the old one's parameters are
    out of date (computed here, outside any transaction)."""

    matches: bool
    new_hash: str | None = None


def check_login(
    session: Session, *, email: str, ip: str, now: datetime | None = None
) -> LoginCheck:
    """Read what a login attempt needs (the throttle and the user's hash); writes nothing."""
    now = now or utcnow()
    address = email.strip().lower()[:254]
    ip = ip[:64]
    attempts = tuple(repository.recent_attempts(session, address, ip, now - core.REMEMBERED))
    until = core.locked_until(attempts, email=address, ip=ip, now=now)
    user = repository.user_by_email(session, address)
    usable = user is not None and user.active
    return LoginCheck(
        email=address,
        ip=ip,
        now=now,
        attempts=attempts,
        locked_until=until,
        user_id=user.id if user is not None and usable else None,
        password_hash=user.password_hash if user is not None and usable else _dummy_hash(),
    )


def verify_password(check: LoginCheck, password: str) -> PasswordVerdict:
    """Check ``password`` against the hash ``check`` found (slow on purpose: argon2)."""
    if check.locked_until is not None:
        return PasswordVerdict(False)
    matches = _verify(check.password_hash, password) and check.user_id is not None
    if matches and _hasher.check_needs_rehash(check.password_hash):
        return PasswordVerdict(True, _hasher.hash(password))
    return PasswordVerdict(matches)


def record_login(session: Session, *, check: LoginCheck, verdict: PasswordVerdict) -> LoginResult:
    """Remember the attempt and, when the password matched a user who is still active
    with the same hash, log them in; a lockout says until when."""
    if check.locked_until is not None:
        return LoginResult(None, check.locked_until)
    user = None
    if verdict.matches and check.user_id is not None:
        found = repository.user_by_email(session, check.email)
        if found and found.id == check.user_id and found.active:
            user = found if found.password_hash == check.password_hash else None
    repository.record_attempt(
        session, check.email, check.ip, check.now, user is not None, keep=core.REMEMBERED
    )
    if user is None:
        failed = core.Attempt(check.email, check.ip, check.now, False)
        attempts = [*check.attempts, failed]
        return LoginResult(
            None, core.locked_until(attempts, email=check.email, ip=check.ip, now=check.now)
        )
    if verdict.new_hash:
        user.password_hash = verdict.new_hash
    user.last_login_at = check.now
    repository.delete_expired_sessions(session, check.now)
    session.flush()
    return LoginResult(user)


def authenticate(
    session: Session, *, email: str, password: str, ip: str, now: datetime | None = None
) -> LoginResult:
    """Check ``email`` and ``password`` from ``ip``, throttled (``recoup.auth.core``),
    in the caller's one transaction.

    While locked out the password is not even checked. Inactive users fail like a
    wrong password does (no hint that the account exists).
    """
    check = check_login(session, email=email, ip=ip, now=now)
    return record_login(session, check=check, verdict=verify_password(check, password))


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
    or the user deactivated). Reads only: ``touch_session`` extends a session in use."""
    if not token:
        return None
    now = now or utcnow()
    login = repository.session_by_hash(session, hash_token(token))
    if login is None:
        return None
    if login.expires_at <= now or login.created_at + SESSION_MAX <= now:
        return None
    user = repository.user(session, login.org_id, login.user_id)
    if user is None or not user.active:
        return None
    return user, login


TOUCH_EVERY = timedelta(minutes=1)


def needs_touch(login: UserSession, *, now: datetime | None = None) -> bool:
    """Whether a session in use is due to be extended (at most once a minute)."""
    return (now or utcnow()) - login.last_seen_at > TOUCH_EVERY


def touch_session(session: Session, *, token: str, now: datetime | None = None) -> None:
    """Extend the session behind ``token`` from ``now``: idle for ``SESSION_IDLE`` at
    most, never beyond ``SESSION_MAX`` from its start."""
    now = now or utcnow()
    login = repository.session_by_hash(session, hash_token(token))
    if login is None or login.expires_at <= now:
        return
    login.last_seen_at = now
    login.expires_at = min(now + SESSION_IDLE, login.created_at + SESSION_MAX)
    session.flush()


def end_session(session: Session, *, token: str) -> None:
    """Log out: forget the session behind ``token``."""
    if token:
        repository.delete_session(session, hash_token(token))
