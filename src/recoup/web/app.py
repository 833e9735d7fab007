"""The ASGI application: the team's pages, the customer portal and static files.

``create_app()`` builds it for ``recoup serve`` and for tests. Errors become pages: a
``RecoupError`` shows its message with its status (404 for another organisation's
records), a missing session redirects to the login page, overload (a flood of logins,
the database's lock not obtained in time, no connection free) is a 503 "busy, try again"
with ``Retry-After``, and anything unexpected is a plain "something went wrong" page —
never a traceback.
"""

import logging
from collections.abc import Callable
from datetime import date
from importlib.resources import files

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException

from recoup.analytics import views as analytics_views
from recoup.api.app import PREFIX as API_PREFIX
from recoup.api.app import create_api
from recoup.api.views import router as api_token_views
from recoup.approvals import routes as approval_routes
from recoup.auth.http import ShedLogins
from recoup.clock import today as clock_today
from recoup.config import Settings
from recoup.db import make_engine
from recoup.db.engine import is_overload
from recoup.db.migrate import upgrade
from recoup.errors import Overloaded, RecoupError
from recoup.inbound import views as inbound_views
from recoup.payments import views as payment_views
from recoup.portal import views as portal_views
from recoup.portal.service import PortalSettings
from recoup.web import actions, bank, dryrun, lists, outbox, settings, views
from recoup.web import assignments as assigning
from recoup.web import customers as customer_forms
from recoup.web import policies as policy_pages
from recoup.web.deps import Forbidden, LoginRequired
from recoup.web.templating import render
from recoup.webhooks import views as webhook_views

log = logging.getLogger(__name__)
WEB_BUSY_TIMEOUT = 5.0

SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "content-security-policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "script-src 'self'; form-action 'self'; frame-ancestors 'none'"
    ),
}


def create_app(
    *,
    database_url: str | None = None,
    engine: Engine | None = None,
    clock: Callable[[], date] = clock_today,
    migrate: bool = True,
) -> FastAPI:
    """The web application on the configured database (migrated to the newest schema).

    The portal's settings are read first: a bad ``RECOUP_PAYMENT_URL`` stops the start
    rather than every customer's page.
    """
    PortalSettings()
    if engine is None:
        # A page waits a few seconds for SQLite's write lock, then says "busy" (503).
        engine = make_engine(database_url or Settings().database_url, busy_timeout=WEB_BUSY_TIMEOUT)
    if migrate:
        upgrade(engine)
    app = FastAPI(title="Recoup", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.engine = engine
    app.state.clock = clock
    app.mount("/static", StaticFiles(directory=str(files("recoup.web") / "static")), name="static")
    app.include_router(customer_forms.router)  # before views: /customers/new
    app.include_router(assigning.router)
    app.include_router(views.router)
    app.include_router(actions.router)
    app.include_router(lists.router)
    app.include_router(outbox.router)
    app.include_router(settings.router)
    app.include_router(dryrun.router)
    app.include_router(bank.router)
    app.include_router(approval_routes.router)
    app.include_router(portal_views.router)
    app.include_router(analytics_views.router)
    app.include_router(webhook_views.router)
    app.include_router(payment_views.router)
    app.include_router(api_token_views)
    app.mount(API_PREFIX, create_api(engine=engine, clock=clock))
    app.include_router(inbound_views.router)
    app.include_router(policy_pages.router)
    _handle_errors(app)
    app.add_middleware(ShedLogins)

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Callable[..., object]) -> Response:
        response: Response = await call_next(request)  # type: ignore[misc]
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if request.url.path.startswith("/p/"):
            response.headers["cache-control"] = "no-store"
            response.headers["referrer-policy"] = "no-referrer"
        return response

    return app


def error_page(request: Request, status: int, title: str, message: str) -> HTMLResponse:
    """A friendly error page (portal visitors get the portal's own)."""
    if request.url.path.startswith("/p/"):
        return portal_views.invalid_link(request, status_code=status)
    return render(request, "error.html", {"title": title, "message": message}, status_code=status)


def busy(request: Request, error: Overloaded) -> Response:
    """503 with ``Retry-After``: nothing was done, the same request may be tried again."""
    headers = {"retry-after": str(error.retry_after)}
    if request.url.path.startswith("/p/"):  # not the portal's "this link cannot be used"
        return PlainTextResponse(
            "Busy - please try again in a moment. / Bitte versuchen Sie es gleich noch einmal.",
            status_code=503,
            headers=headers,
        )
    page = error_page(request, 503, "Busy", error.message)
    page.headers.update(headers)
    return page


def _handle_errors(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        url = f"/login?next={target}" if request.method == "GET" else "/login"
        if request.headers.get("hx-request"):
            return Response(status_code=204, headers={"hx-redirect": url})
        return RedirectResponse(url, status_code=303)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Response:
        return error_page(request, 403, "Not allowed", exc.message)

    @app.exception_handler(RecoupError)
    async def recoup_error(request: Request, exc: RecoupError) -> Response:
        if isinstance(exc, Overloaded):
            return busy(request, exc)
        titles = {404: "Not found", 409: "Not possible", 422: "Check your input"}
        return error_page(
            request, exc.status_code, titles.get(exc.status_code, "Error"), exc.message
        )

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        # A malformed id in the path is a page that does not exist.
        in_path = any(error.get("loc", ("",))[0] == "path" for error in exc.errors())
        if in_path:
            return error_page(request, 404, "Not found", "There is no such page.")
        return error_page(request, 422, "Check your input", "The request was not understood.")

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 404:
            return error_page(request, 404, "Not found", "There is no such page.")
        if exc.status_code == 405:
            return error_page(request, 405, "Not allowed", "That action is not available here.")
        return error_page(request, exc.status_code, "Error", str(exc.detail))

    # Registered for the database's errors by class (not only under ``Exception``), so
    # that an overload is a handled 503 rather than a server error re-raised to uvicorn.
    @app.exception_handler(OperationalError)
    @app.exception_handler(PoolTimeout)
    async def database_error(request: Request, exc: Exception) -> Response:
        if is_overload(exc):
            log.warning("busy on %s %s: %s", request.method, request.url.path, exc)
            return busy(request, Overloaded("The server is busy. Please try again in a moment."))
        return await unexpected(request, exc)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return error_page(
            request,
            500,
            "Something went wrong",
            "The error has been logged. Nothing was saved; please try again.",
        )
