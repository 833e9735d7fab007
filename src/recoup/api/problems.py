"""Errors as RFC 9457 ``application/problem+json``.

Every error the API answers has this shape: a ``RecoupError`` keeps its status and
message (an ``InvalidInput`` names its field; ``RowsRejected`` lists every row's
problem), request validation names each field, and anything unexpected is a 500 whose
detail says nothing of the inside.
"""

import json
import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException

from recoup.api.schemas import FieldProblem, Problem
from recoup.db.engine import is_overload
from recoup.errors import InvalidInput, Overloaded, RecoupError, RowsRejected

log = logging.getLogger(__name__)
MEDIA_TYPE = "application/problem+json"
TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    422: "Invalid request",
    429: "Too many requests",
    500: "Internal error",
    503: "Busy",
}


class ApiProblem(Exception):
    """An error of the API layer itself (authentication, scope, rate limit, idempotency)."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        headers: dict[str, str] | None = None,
        field: str = "",
        errors: Sequence[FieldProblem] = (),
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = headers or {}
        self.errors = list(errors) or ([FieldProblem(field=field, reason=detail)] if field else [])


def problem_response(
    request: Request,
    status: int,
    detail: str,
    *,
    errors: Sequence[FieldProblem] = (),
    headers: dict[str, str] | None = None,
) -> Response:
    """The problem document for ``status``."""
    body = Problem(
        title=TITLES.get(status, "Error"),
        status=status,
        detail=detail,
        instance=request.url.path,
        errors=list(errors),
    )
    return JSONResponse(
        body.model_dump(mode="json"), status_code=status, media_type=MEDIA_TYPE, headers=headers
    )


def _location(loc: Sequence[Any]) -> tuple[str, int | None]:
    """A validation error's field (``body.invoices.3.total`` -> ``total``, row 3)."""
    parts = [str(p) for p in loc]
    row = None
    if len(parts) >= 3 and parts[0] == "body" and parts[2].isdigit():
        row = int(parts[2])
    return ".".join(parts), row


def install(app: FastAPI) -> None:
    """Make every error of ``app`` a problem document."""

    @app.exception_handler(ApiProblem)
    async def api_problem(request: Request, exc: ApiProblem) -> Response:
        return problem_response(
            request, exc.status, exc.detail, errors=exc.errors, headers=exc.headers
        )

    @app.exception_handler(RecoupError)
    async def recoup_error(request: Request, exc: RecoupError) -> Response:
        if isinstance(exc, Overloaded):
            return problem_response(
                request, 503, exc.message, headers={"retry-after": str(exc.retry_after)}
            )
        errors: list[FieldProblem] = []
        if isinstance(exc, InvalidInput) and exc.field:
            errors = [FieldProblem(field=exc.field, reason=exc.reason)]
        if isinstance(exc, RowsRejected):
            errors = [
                FieldProblem(field=p.column, reason=p.reason, row=p.row or None)
                for p in exc.problems
            ]
        return problem_response(request, exc.status_code, exc.message, errors=errors)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        errors = []
        for error in exc.errors():
            field, row = _location(error.get("loc", ()))
            errors.append(FieldProblem(field=field, reason=str(error.get("msg", "")), row=row))
        in_path = any(str(e.field).startswith("path.") for e in errors)
        if in_path:  # a malformed id names no record
            return problem_response(request, 404, "There is no such record.", errors=errors)
        names = ", ".join(e.field for e in errors[:5])
        return problem_response(request, 422, f"The request is not valid: {names}", errors=errors)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        detail = exc.detail if isinstance(exc.detail, str) else json.dumps(exc.detail)
        return problem_response(request, exc.status_code, detail, headers=dict(exc.headers or {}))

    @app.exception_handler(OperationalError)
    @app.exception_handler(PoolTimeout)
    async def database_error(request: Request, exc: Exception) -> Response:
        if is_overload(exc):
            return problem_response(
                request, 503, "The server is busy; try again.", headers={"retry-after": "1"}
            )
        return await unexpected(request, exc)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return problem_response(request, 500, "The error has been logged; nothing was saved.")
