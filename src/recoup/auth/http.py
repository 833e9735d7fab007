"""The HTTP edge of auth shared by the team's pages and the portal: the request's
transaction, CSRF tokens, and the few facts about a request that security needs.

``get_db`` owns the request's transaction: commit when the handler returns, roll back
when it raises. Browsers without a session (the login form, the portal) carry a CSRF
token in a cookie that every POST must echo; logged-in users' tokens live in their
session (``recoup.web.deps``).
"""

import hmac
import secrets
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

CSRF_COOKIE = "recoup_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class Forbidden(Exception):
    """The request may not do this (a role without the permission, a bad CSRF token)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def get_db(request: Request) -> Iterator[Session]:
    """The request's session: commits if the handler succeeds, rolls back otherwise."""
    session = Session(request.app.state.engine, expire_on_commit=False)
    session.info["actor"] = "web"
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


DB = Annotated[Session, Depends(get_db, scope="function")]


def is_https(request: Request) -> bool:
    """Whether the browser reached us over HTTPS (directly or through a proxy)."""
    forwarded = request.headers.get("x-forwarded-proto", "")
    return request.url.scheme == "https" or forwarded.split(",")[0].strip() == "https"


def client_ip(request: Request) -> str:
    """The address a request came from (for login throttling)."""
    return request.client.host if request.client else "unknown"


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
