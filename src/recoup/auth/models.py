"""Auth tables: users, their server-side sessions, and login attempts (for throttling).

A session cookie holds a random token; only its SHA-256 is stored, so a copy of the
database does not let anyone log in. Password hashes are argon2id and never leave
this package (the audit log records users without them).
"""

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKeyConstraint, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from recoup.auth.enums import (  # the tables' enums, re-exported here
    Role,
)
from recoup.db.base import Base, Id, OrgScoped, utcnow


class User(OrgScoped, Base):
    """A member of an organisation's collections team. Emails are unique across
    organisations: a user logs in with the email alone."""

    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("email"),
        UniqueConstraint("org_id", "id"),
        Index("ix_users_org_email", "org_id", "email"),
    )

    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[Role] = mapped_column(String(16), default=Role.VIEWER)
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    last_login_at: Mapped[datetime | None] = mapped_column(default=None)


class UserSession(OrgScoped, Base):
    """A logged-in browser: the hash of its cookie token, its CSRF token, its expiry."""

    __tablename__ = "user_sessions"
    __table_args__ = (
        UniqueConstraint("token_hash"),
        ForeignKeyConstraint(["org_id", "user_id"], ["users.org_id", "users.id"]),
        Index("ix_user_sessions_org_user", "org_id", "user_id"),
    )

    user_id: Mapped[int] = mapped_column(BigInteger)
    token_hash: Mapped[str] = mapped_column(String(64))
    csrf_token: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime]
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ip: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(300), default="")


class LoginAttempt(Base):
    """One attempt to log in, kept for throttling (before any organisation is known)."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_email_ip_at", "email", "ip", "attempted_at"),
        Index("ix_login_attempts_ip_at", "ip", "attempted_at"),
        Index("ix_login_attempts_at", "attempted_at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    ip: Mapped[str] = mapped_column(String(64))
    attempted_at: Mapped[datetime] = mapped_column(default=utcnow)
    succeeded: Mapped[bool] = mapped_column(default=False)
