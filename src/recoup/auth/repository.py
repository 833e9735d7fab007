"""All SQL of auth: users, sessions and login attempts."""

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from recoup.auth.models import LoginAttempt, User, UserSession

DAY = timedelta(days=1)


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


def delete_user_sessions(session: Session, org_id: int, user_id: int) -> None:
    """End every login session of a user (on deactivation)."""
    session.execute(
        delete(UserSession).where(UserSession.org_id == org_id, UserSession.user_id == user_id)
    )


def recent_failures(session: Session, email: str, ip: str, since: datetime) -> list[datetime]:
    """Failed attempts for ``email`` from ``ip`` since ``since`` and after the last
    success, oldest first."""
    last_success = session.scalar(
        select(LoginAttempt.attempted_at)
        .where(LoginAttempt.email == email, LoginAttempt.ip == ip, LoginAttempt.succeeded)
        .order_by(LoginAttempt.attempted_at.desc())
        .limit(1)
    )
    start = max(since, last_success) if last_success else since
    return list(
        session.scalars(
            select(LoginAttempt.attempted_at)
            .where(
                LoginAttempt.email == email,
                LoginAttempt.ip == ip,
                LoginAttempt.attempted_at > start,
                LoginAttempt.succeeded.is_(False),
            )
            .order_by(LoginAttempt.attempted_at)
        )
    )


def record_attempt(session: Session, email: str, ip: str, at: datetime, succeeded: bool) -> None:
    """Remember one attempt; attempts older than a day are forgotten."""
    session.add(LoginAttempt(email=email, ip=ip, attempted_at=at, succeeded=succeeded))
    session.execute(delete(LoginAttempt).where(LoginAttempt.attempted_at < at - DAY))
    session.flush()
