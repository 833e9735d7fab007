"""The REST API as an ASGI application, mounted by the web app at ``/api/v1``.

An application of its own (not a router of the web app's) so that its errors are
problem documents rather than the team's HTML pages and its OpenAPI 3.1 document
(``/api/v1/openapi.json``) describes only the API: every schema, every error answer
(``application/problem+json``), the bearer scheme and the ``Idempotency-Key`` header.
"""

from collections.abc import Callable
from datetime import date
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from sqlalchemy import Engine

from recoup.api import case_routes, ledger_routes, other_routes, problems
from recoup.api.core import FixedWindow
from recoup.api.deps import ApiSettings
from recoup.api.schemas import Problem

PREFIX = "/api/v1"
VERSION = "1.0.0"

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem, "description": "The request could not be read"},
    401: {"model": Problem, "description": "No token, or unknown, expired or revoked"},
    403: {"model": Problem, "description": "The token's scopes do not allow this"},
    404: {"model": Problem, "description": "No such record in the token's organisation"},
    409: {"model": Problem, "description": "Not possible in the current state"},
    422: {"model": Problem, "description": "Invalid; `errors` names each field (and row)"},
    429: {"model": Problem, "description": "Rate limit reached; see `Retry-After`"},
    500: {"model": Problem, "description": "Unexpected error; nothing was saved"},
    503: {"model": Problem, "description": "Busy; see `Retry-After`"},
}

DESCRIPTION = """\
Recoup's REST API. Send a token as `Authorization: Bearer <token>` (made by an admin on
the web at **Settings → API tokens** or with `recoup api token create`). Scopes: `read`
(GET), `write` (also POST/PATCH), `admin`. Lists are pages: pass `next_cursor` back as
`cursor`. Every POST accepts an `Idempotency-Key`. Errors are RFC 9457 problem documents.
Amounts are decimal strings in the row's currency.
"""


def create_api(*, engine: Engine, clock: Callable[[], date] = date.today) -> FastAPI:
    """The API application on ``engine``."""
    api = FastAPI(
        title="Recoup API",
        version=VERSION,
        description=DESCRIPTION,
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
        servers=[{"url": PREFIX}],
    )
    api.state.engine = engine
    api.state.clock = clock
    api.state.rate_limiter = FixedWindow(limit=ApiSettings().rate_limit, seconds=60)
    for module in (ledger_routes, case_routes, other_routes):
        api.include_router(module.router, responses=_ERRORS)
    problems.install(api)

    def openapi() -> dict[str, Any]:
        if api.openapi_schema is None:
            api.openapi_schema = _problem_media(
                get_openapi(
                    title=api.title,
                    version=api.version,
                    description=api.description,
                    routes=api.routes,
                    servers=api.servers,
                )
            )
        return api.openapi_schema

    api.openapi = openapi  # type: ignore[method-assign]
    return api


def _problem_media(document: dict[str, Any]) -> dict[str, Any]:
    """Errors as ``application/problem+json``; FastAPI's own validation-error schema
    replaced by ``Problem``; the bearer scheme required everywhere."""
    problem_ref = {"$ref": "#/components/schemas/Problem"}
    for path in document.get("paths", {}).values():
        for operation in path.values():
            for status, response in operation.get("responses", {}).items():
                if not status.startswith(("4", "5")):
                    continue
                response["content"] = {problems.MEDIA_TYPE: {"schema": problem_ref}}
                if status in ("429", "503"):
                    response["headers"] = {
                        "Retry-After": {
                            "description": "Seconds to wait before trying again",
                            "schema": {"type": "integer"},
                        }
                    }
            operation["security"] = [{"bearer": []}]
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    document["components"]["securitySchemes"] = {
        "bearer": {"type": "http", "scheme": "bearer", "description": "An API token"}
    }
    return document
