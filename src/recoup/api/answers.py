"""Answering writes: the response body, and the ``Idempotency-Key`` rule of every POST.

A POST with a key the token used before gets the first answer again (with
``Idempotent-Replayed: true``) when its method, path and body are the same, and a 422
naming ``Idempotency-Key`` when they differ. The answer is kept in the same transaction
as the write: a write that fails keeps nothing, so the same key may be tried again.
"""

from collections.abc import Callable

from fastapi import Request
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError

from recoup.api import core
from recoup.api import service as tokens
from recoup.api.deps import ApiContext
from recoup.api.problems import ApiProblem

JSON = "application/json"


def write(
    ctx: ApiContext,
    request: Request,
    *,
    body: BaseModel | None,
    key: str | None,
    act: Callable[[], tuple[int, BaseModel]],
) -> Response:
    """Run ``act`` (status and response model) unless ``key`` was answered before."""
    raw = body.model_dump_json().encode() if body is not None else b""
    fingerprint = core.fingerprint(request.method, request.url.path, raw)
    if key is not None:
        kept = tokens.kept_answer(ctx.session, token_id=ctx.token_id, key=key)
        if kept is not None:
            if kept.fingerprint != fingerprint:
                raise ApiProblem(
                    422,
                    "This Idempotency-Key was used for a different request.",
                    field="Idempotency-Key",
                )
            headers = {"idempotent-replayed": "true"}
            return Response(kept.body, kept.status_code, headers=headers, media_type=JSON)
    status, result = act()
    text = result.model_dump_json()
    if key is not None:
        try:
            with ctx.session.begin_nested():
                tokens.keep_answer(
                    ctx.session, org_id=ctx.org_id, token_id=ctx.token_id, key=key,
                    fingerprint=fingerprint, status_code=status, body=text,
                )  # fmt: skip
        except IntegrityError:
            raise ApiProblem(
                409, "A request with this Idempotency-Key is in progress; try again shortly."
            ) from None
    return Response(text, status, media_type=JSON)
