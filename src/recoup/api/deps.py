"""What every API request shares: the bearer token, its scope, its rate limit, and the
request's transaction with the token as the audit actor.

``api_context`` resolves ``Authorization: Bearer …`` (401 when missing, unknown, expired
or revoked), checks the token's scope against the method (403: a ``read`` token cannot
write), counts the request against the token's fixed window (429 with ``Retry-After``)
and opens the request's session — a read for GET — committed when the handler returns
and rolled back when it raises. Every write in it is audited as ``api-token:<id>``.
"""

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import Depends, Request
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from recoup.api import core
from recoup.api import service as tokens
from recoup.api.problems import ApiProblem
from recoup.db.base import utcnow
from recoup.db.engine import reader

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class ApiSettings(BaseSettings):
    """``RECOUP_API_RATE_LIMIT``: requests per token per minute (a fixed window counted
    in each server process's memory; with N processes a token gets up to N times as many)."""

    model_config = SettingsConfigDict(env_prefix="RECOUP_API_", env_file=".env", extra="ignore")

    rate_limit: int = 600


@dataclass(frozen=True, slots=True)
class ApiContext:
    """The request as handlers see it: its session, organisation and token."""

    session: Session
    org_id: int
    token_id: int
    actor: str
    today: date


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise ApiProblem(
            401,
            "Send an API token as `Authorization: Bearer <token>`.",
            headers={"www-authenticate": "Bearer"},
        )
    return secret.strip()


def api_context(request: Request) -> Iterator[ApiContext]:
    """The request's context (see the module's docstring)."""
    secret = _bearer(request)
    engine: Engine = request.app.state.engine
    write = request.method not in SAFE_METHODS
    session = Session(engine if write else reader(engine), expire_on_commit=False)
    try:
        token = tokens.resolve_token(session, secret=secret, now=utcnow())
        if token is None:
            raise ApiProblem(
                401,
                "The API token is unknown, expired or revoked.",
                headers={"www-authenticate": 'Bearer error="invalid_token"'},
            )
        needed = core.needed_scope(request.method)
        if not tokens.has_scope(token, needed):
            raise ApiProblem(403, f"This token's scopes ({', '.join(token.scopes)}) "
                             f"do not include {needed.value}.")  # fmt: skip
        limiter: core.FixedWindow = request.app.state.rate_limiter
        wait = limiter.hit(str(token.id), now=time.time())
        if wait:
            raise ApiProblem(
                429,
                f"More than {limiter.limit} requests in a minute; try again in {wait} s.",
                headers={"retry-after": str(wait)},
            )
        actor = f"api-token:{token.id}"
        session.info["actor"] = actor
        clock: Callable[[], date] = request.app.state.clock
        yield ApiContext(session, token.org_id, token.id, actor, clock())
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


Context = Annotated[ApiContext, Depends(api_context, scope="function")]
