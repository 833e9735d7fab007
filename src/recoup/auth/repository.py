"""All SQL of auth: users, sessions and login attempts."""

from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from recoup.auth.core import Attempt
from recoup.auth.models import LoginAttempt, User, UserSession


def user_by_email(session: Session, email: str) -> User | None:
    """The user with ``email`` (compared case-insensitively), in any organisation."""
    return session.scalars(select(User).where(User.email == email.lower())).one_or_none()


def user(session: Session, org_id: int, user_id: int) -> User | None:
    """One user of the organisation by id."""
    return session.scalars(
        select(User).where(User.org_id == org_id, User.id == user_id)
    ).one_or_none()


def users(session: Session, org_id: int) -> list[User]:
    """The organisation's users, by email."""
    return list(session.scalars(select(User).where(User.org_id == org_id).order_by(User.email)))


def user_emails(session: Session, org_id: int) -> list[str]:
    """The emails of the organisation's active users."""
    return list(
        session.scalars(
            select(User.email).where(User.org_id == org_id, User.active).order_by(User.email)
        )
    )


def session_by_hash(session: Session, token_hash: str) -> UserSession | None:
    """The login session whose token hashes to ``token_hash``."""
    return session.scalars(
        select(UserSession).where(UserSession.token_hash == token_hash)
    ).one_or_none()


def delete_session(session: Session, token_hash: str) -> None:
    """End one login session."""
    session.execute(delete(UserSession).where(UserSession.token_hash == token_hash))


def delete_user_sessions(
    session: Session, org_id: int, user_id: int, *, keep: str | None = None
) -> None:
    """End every login session of a user (on deactivation, a new password) but the one
    whose token hashes to ``keep``."""
    statement = delete(UserSession).where(
        UserSession.org_id == org_id, UserSession.user_id == user_id
    )
    if keep is not None:
        statement = statement.where(UserSession.token_hash != keep)
    session.execute(statement)


def delete_expired_sessions(session: Session, now: datetime) -> None:
    """Forget the login sessions that have expired (they no longer open anything)."""
    session.execute(delete(UserSession).where(UserSession.expires_at <= now))


def recent_attempts(session: Session, email: str, ip: str, since: datetime) -> list[Attempt]:
    """The attempts since ``since`` for ``email`` or from ``ip``, oldest first."""
    rows = session.execute(
        select(
            LoginAttempt.email, LoginAttempt.ip, LoginAttempt.attempted_at, LoginAttempt.succeeded
        )
        .where(
            or_(LoginAttempt.email == email, LoginAttempt.ip == ip),
            LoginAttempt.attempted_at > since,
        )
        .order_by(LoginAttempt.attempted_at, LoginAttempt.id)
    )
    return [Attempt(*row) for row in rows]


def record_attempt(
    session: Session, email: str, ip: str, at: datetime, succeeded: bool, *, keep: timedelta
) -> None:
    """Remember one attempt; attempts older than ``keep`` are forgotten."""
    session.add(LoginAttempt(email=email, ip=ip, attempted_at=at, succeeded=succeeded))
    session.execute(delete(LoginAttempt).where(LoginAttempt.attempted_at < at - keep))
    session.flush()
