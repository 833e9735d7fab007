"""The HTTP edge of auth shared by the team's pages and the portal: the request's
transaction, logging in, CSRF tokens, and the few facts about a request that security
needs (who the client is, behind which proxies).

``get_db`` owns the request's transaction: commit when the handler returns, roll back
when it raises. A GET is a *read* (``recoup.db.engine``: on SQLite it takes no lock, so
pages never queue behind writers); other methods, and the few GET routes that record
something (``WriteDB``), are *writes*. Logging in (``log_in``) owns its own transactions:
a read, the password check in none, then a short write; at most a few logins run at
once per process and the rest are told "busy" (503) at once, so that a flood of logins
cannot take every worker thread or the database's write lock.

Browsers without a session (the login form, the portal) carry a CSRF token in a cookie
that every POST must echo; logged-in users' tokens live in their session
(``recoup.web.deps``).
"""

import hmac
import ipaddress
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Annotated

import anyio
from fastapi import Depends, FastAPI, Request
from fastapi.responses import PlainTextResponse
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from starlette.types import ASGIApp, Receive, Scope, Send

from recoup.auth import scope, service
from recoup.auth.models import User
from recoup.db.engine import reader, transaction
from recoup.errors import Overloaded

CSRF_COOKIE = "recoup_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class Forbidden(Exception):
    """The request may not do this (a role without the permission, a bad CSRF token)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class AuthSettings(BaseSettings):
    """Where clients are, behind a reverse proxy.

    ``RECOUP_TRUSTED_PROXIES``: the addresses or networks (comma-separated, e.g.
    ``10.0.0.5, 172.16.0.0/12``) of the reverse proxies in front of Recoup. Only a
    request that comes from one of them has its ``X-Forwarded-For`` believed; by default
    none is, and the client is the address that connected.
    """

    model_config = SettingsConfigDict(env_prefix="RECOUP_", env_file=".env", extra="ignore")

    trusted_proxies: str = ""

    def proxy_networks(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        """The trusted proxies as networks (a single address is a /32 or /128)."""
        return tuple(
            ipaddress.ip_network(part.strip(), strict=False)
            for part in self.trusted_proxies.split(",")
            if part.strip()
        )


def _session(request: Request, *, write: bool) -> Iterator[Session]:
    engine: Engine = request.app.state.engine
    session = Session(engine if write else reader(engine), expire_on_commit=False)
    session.info["actor"] = "web"
    # A request may open a read and a write session; whichever exists when the user is
    # known, or is opened after, gets the user as its actor and scope (``sign_sessions``).
    sessions: list[Session] = getattr(request.state, "db_sessions", [])
    request.state.db_sessions = [*sessions, session]
    user = getattr(request.state, "signed_user", None)
    if user is not None:
        _sign(session, *user)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _sign(session: Session, email: str, role: str) -> None:
    session.info["actor"] = f"user:{email}"
    scope.bind(session, scope.scope_for(role, email))


def sign_sessions(request: Request, *, email: str, role: str) -> None:
    """Make the signed-in user the actor and the scope of every session of the request,
    those open already and those opened later."""
    request.state.signed_user = (email, role)
    for session in getattr(request.state, "db_sessions", []):
        _sign(session, email, role)


def get_db(request: Request) -> Iterator[Session]:
    """The request's session, a read for GET and HEAD, a write otherwise: commits if the
    handler succeeds, rolls back otherwise."""
    yield from _session(request, write=request.method not in SAFE_METHODS)


def get_write_db(request: Request) -> Iterator[Session]:
    """The request's session as a write whatever the method (a page that records that
    it was seen)."""
    yield from _session(request, write=True)


DB = Annotated[Session, Depends(get_db, scope="function")]
WriteDB = Annotated[Session, Depends(get_write_db, scope="function")]


def is_https(request: Request) -> bool:
    """Whether the browser reached us over HTTPS (directly or through a proxy)."""
    forwarded = request.headers.get("x-forwarded-proto", "")
    return request.url.scheme == "https" or forwarded.split(",")[0].strip() == "https"


def _proxies(app: FastAPI) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    networks = getattr(app.state, "trusted_proxies", None)
    if networks is None:
        networks = app.state.trusted_proxies = AuthSettings().proxy_networks()
    return networks


def _trusted(
    address: str, networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_ip(request: Request) -> str:
    """The address a request came from (for throttling): the connecting address, or —
    when that is a trusted proxy — the nearest address in ``X-Forwarded-For`` that is not
    one of the trusted proxies (the header's earlier entries are the client's to forge).
    """
    peer = request.client.host if request.client else "unknown"
    networks = _proxies(request.app)
    if not networks or not _trusted(peer, networks):
        return peer
    forwarded = [
        part.strip()
        for header in request.headers.getlist("x-forwarded-for")
        for part in header.split(",")
        if part.strip()
    ]
    for address in reversed(forwarded):
        if not _trusted(address, networks):
            return address[:64]
    return forwarded[0][:64] if forwarded else peer


# At most this many logins check their password at once per process (argon2 is made to
# take a core for a while); a few more may wait their turn, the rest are told "busy".
LOGINS_AT_ONCE = max(1, (os.cpu_count() or 2) // 2)
LOGINS_WAITING = 4 * LOGINS_AT_ONCE


@dataclass(frozen=True, slots=True)
class Login:
    """The outcome of ``log_in``: the user and their new session's token, or why not."""

    user: User | None
    token: str = ""
    locked_until: datetime | None = None


class ShedLogins:
    """ASGI middleware: while the logins already waiting fill the queue, a new login is
    answered 503 before anything else is done for it (no form parsed, no page rendered),
    so that a flood costs the server as little as possible and pages keep their turn."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] == "POST"
            and scope["path"] == LOGIN_PATH
            and "app" in scope
            and _login_limiter(scope["app"]).statistics().tasks_waiting >= LOGINS_WAITING
        ):
            response = PlainTextResponse(
                "Too many people are logging in at this moment. Please try again.",
                status_code=503,
                headers={"retry-after": "1"},
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


LOGIN_PATH = "/login"


def _login_limiter(app: FastAPI) -> anyio.CapacityLimiter:
    limiter = getattr(app.state, "login_limiter", None)
    if limiter is None:
        limiter = app.state.login_limiter = anyio.CapacityLimiter(LOGINS_AT_ONCE)
    return limiter


async def log_in(request: Request, *, email: str, password: str) -> Login:
    """Check a login and start a session, without ever holding a write transaction (on
    SQLite: the database's one write lock) through the password check; ``Overloaded``
    when too many logins are already waiting."""
    limiter = _login_limiter(request.app)
    if limiter.statistics().tasks_waiting >= LOGINS_WAITING:
        raise Overloaded("Too many people are logging in at this moment. Please try again.")
    work = partial(
        _log_in,
        request.app.state.engine,
        email=email,
        password=password,
        ip=client_ip(request),
        user_agent=request.headers.get("user-agent", ""),
    )
    return await anyio.to_thread.run_sync(work, limiter=limiter)


def _log_in(engine: Engine, *, email: str, password: str, ip: str, user_agent: str) -> Login:
    with transaction(engine, actor="web", read_only=True) as session:
        check = service.check_login(session, email=email, ip=ip)
    if check.locked_until is not None:
        return Login(None, locked_until=check.locked_until)
    verdict = service.verify_password(check, password)
    with transaction(engine, actor="web") as session:
        result = service.record_login(session, check=check, verdict=verdict)
        if result.user is None:
            return Login(None, locked_until=result.locked_until)
        token = service.start_session(session, user=result.user, ip=ip, user_agent=user_agent)
        return Login(result.user, token)


async def submitted_csrf(request: Request) -> str:
    """The CSRF token a request carries: the HTMX header or the form field."""
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()  # Starlette caches it for the handler's own fields
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else ""
    return ""


def tokens_match(expected: str, given: str) -> bool:
    """Constant-time comparison of two CSRF tokens (an empty one never matches)."""
    return bool(expected) and hmac.compare_digest(expected.encode(), given.encode())


def anonymous_csrf(request: Request) -> str:
    """The CSRF token of a browser without a session (login form, portal), kept in a
    cookie; a new one is made (and set by ``set_csrf_cookie``) when there is none."""
    token = request.cookies.get(CSRF_COOKIE, "")
    if len(token) < 20:
        token = secrets.token_urlsafe(32)
        request.state.new_csrf_cookie = token
    return token


async def check_anonymous_csrf(request: Request) -> None:
    """A POST from a browser without a session must echo its CSRF cookie."""
    if request.method in SAFE_METHODS:
        return
    if not tokens_match(request.cookies.get(CSRF_COOKIE, ""), await submitted_csrf(request)):
        raise Forbidden("The form has expired or did not come from this site. Please try again.")
