"""What every request shares: the transaction, the logged-in user, CSRF checks.

``get_db`` owns the request's transaction: commit when the handler returns, roll back
when it raises; a GET is a read (``recoup.auth.http``). ``require(permission)``
resolves the session cookie, checks the role's permission and, on a POST, the form's
CSRF token; handlers then scope every query to ``actor.org_id``.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.exc import OperationalError

from recoup.auth import service as auth
from recoup.auth.core import Permission, allowed
from recoup.auth.http import (
    CSRF_COOKIE,
    DB,
    SAFE_METHODS,
    Forbidden,
    WriteDB,
    anonymous_csrf,
    check_anonymous_csrf,
    client_ip,
    get_db,
    is_https,
    log_in,
    sign_sessions,
    submitted_csrf,
    tokens_match,
)
from recoup.auth.models import Role
from recoup.db.engine import is_overload, transaction

SESSION_COOKIE = "recoup_session"


class LoginRequired(Exception):
    """No valid session: the browser is sent to the login page."""


@dataclass(frozen=True, slots=True)
class Actor:
    """The logged-in user as handlers see it."""

    user_id: int
    org_id: int
    email: str
    name: str
    role: Role
    csrf_token: str

    def can(self, permission: Permission | str) -> bool:
        """Whether this user's role allows ``permission``."""
        return allowed(self.role, Permission(permission))


def signed_in(request: Request, db: DB) -> Actor:
    """The user behind the session cookie (``LoginRequired`` otherwise).

    The session is looked up in a read of its own and, at most once a minute, extended in
    a short write of its own, before the request's transaction starts: a page (a read)
    never writes, and a request never waits for the write lock it already holds. Runs in
    a worker thread (a plain function), never on the event loop.
    """
    engine = request.app.state.engine
    token = request.cookies.get(SESSION_COOKIE, "")
    with transaction(engine, actor="web", read_only=True) as session:
        found = auth.resolve_session(session, token=token)
        if found is None:
            raise LoginRequired()
        user, login = found
        actor = Actor(
            user.id, user.org_id, user.email, user.name, Role(user.role), login.csrf_token
        )
        touch = auth.needs_touch(login)
    if touch:
        try:
            with transaction(engine, actor="web") as session:
                auth.touch_session(session, token=token)
        except OperationalError as error:
            if not is_overload(error):
                raise
            # The database is busy writing: the session is extended on a later page.
    sign_sessions(request, email=actor.email, role=actor.role)
    request.state.actor = actor
    return actor


async def current_actor(request: Request, actor: Annotated[Actor, Depends(signed_in)]) -> Actor:
    """The logged-in user (``LoginRequired`` otherwise); a POST must carry the
    session's CSRF token (``Forbidden`` otherwise)."""
    if request.method not in SAFE_METHODS and not tokens_match(
        actor.csrf_token, await submitted_csrf(request)
    ):
        raise Forbidden("The form has expired or did not come from this site. Please try again.")
    return actor


CurrentActor = Annotated[Actor, Depends(current_actor)]


def require(permission: Permission) -> Callable[..., object]:
    """A dependency: the logged-in user, who must have ``permission``."""

    def check(actor: CurrentActor) -> Actor:
        if not actor.can(permission):
            raise Forbidden("Your role does not allow this.")
        return actor

    check.__name__ = f"require_{permission.value}"
    return check


Viewer = Annotated[Actor, Depends(require(Permission.VIEW))]
Exporter = Annotated[Actor, Depends(require(Permission.EXPORT))]
Worker = Annotated[Actor, Depends(require(Permission.WORK_ACCOUNTS))]
CreditManager = Annotated[Actor, Depends(require(Permission.MANAGE_CREDIT))]
Importer = Annotated[Actor, Depends(require(Permission.IMPORT_DATA))]
Admin = Annotated[Actor, Depends(require(Permission.MANAGE_USERS))]


__all__ = [
    "CSRF_COOKIE",
    "DB",
    "SESSION_COOKIE",
    "Actor",
    "Forbidden",
    "LoginRequired",
    "WriteDB",
    "anonymous_csrf",
    "check_anonymous_csrf",
    "client_ip",
    "get_db",
    "is_https",
    "log_in",
    "require",
]
