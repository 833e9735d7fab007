"""The team's pages: login, dashboard, worklist, customers, invoices, imports, users.

Every handler takes the actor from ``require(...)`` (role checked, CSRF checked on POST)
and scopes every read and write to ``actor.org_id``; another organisation's record is
"not found" (404), never "forbidden". Forms are validated before anything is written;
a rejected form is shown again with its messages and the transaction rolled back.
"""

import io
import secrets
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from sqlalchemy.orm import Session

from recoup import csvout, money
from recoup.auth import scope
from recoup.auth import service as auth
from recoup.auth.models import Role
from recoup.comms.models import OutboxStatus
from recoup.config import Settings
from recoup.db.base import utcnow
from recoup.errors import InvalidInput, RecoupError, RowsRejected
from recoup.imports.columns import Kind
from recoup.imports.fields import DATE_ORDERS
from recoup.ledger import service as ledger
from recoup.policy import versions
from recoup.portal import service as portal
from recoup.web import core, figures, repository, service, uploads
from recoup.web.deps import (
    DB,
    SESSION_COOKIE,
    Actor,
    Admin,
    CurrentActor,
    Exporter,
    Importer,
    Viewer,
    Worker,
    WriteDB,
    anonymous_csrf,
    check_anonymous_csrf,
    is_https,
    log_in,
)
from recoup.web.formatting import format_money
from recoup.web.forms import PortalLinkForm, read_form
from recoup.web.repository import InvoiceFilter, WorklistFilter
from recoup.web.templating import FLASH_COOKIE, render

router = APIRouter()


def today(request: Request) -> date:
    """The business date pages are computed for (the app's clock; tests may set it)."""
    clock = request.app.state.clock
    value: date = clock()
    return value


def redirect(url: str, *, flash: str = "") -> RedirectResponse:
    """A 303 redirect (POST → GET), optionally carrying a one-time message.

    The message travels in a cookie, so it must never hold a secret (a generated
    password is shown in the response body instead, see ``add_user``).
    """
    response = RedirectResponse(url, status_code=303)
    if flash:
        response.set_cookie(FLASH_COOKIE, quote(flash), httponly=True, samesite="lax")
    return response


def _safe_next(target: str) -> str:
    """Only local paths are followed after login (no open redirect)."""
    return target if target.startswith("/") and not target.startswith("//") else "/"


# --- login -----------------------------------------------------------------------------


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/") -> HTMLResponse:
    """The login form."""
    return render(
        request,
        "login.html",
        {"next": _safe_next(next), "csrf": anonymous_csrf(request), "email": "", "error": ""},
    )


@router.post("/login", response_class=HTMLResponse, dependencies=[Depends(check_anonymous_csrf)])
async def login(
    request: Request,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Check the credentials (throttled; ``recoup.auth.http.log_in``) and start a session."""
    result = await log_in(request, email=email, password=password)
    if result.user is None:
        headers = {}
        if result.locked_until is not None:
            seconds = max(1, int((result.locked_until - utcnow()).total_seconds()) + 1)
            minutes = (seconds + 59) // 60
            unit = "minute" if minutes == 1 else "minutes"
            error, status = f"Too many failed attempts. Try again in {minutes} {unit}.", 429
            headers["retry-after"] = str(seconds)
        else:
            error, status = "Wrong email or password.", 401
        page = render(
            request,
            "login.html",
            {"next": _safe_next(next), "csrf": anonymous_csrf(request), "email": email,
             "error": error},
            status_code=status,
        )  # fmt: skip
        page.headers.update(headers)
        return page
    token = result.token
    response = redirect(_safe_next(next))
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(auth.SESSION_MAX.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=is_https(request),
    )
    return response


@router.post("/logout")
def logout(request: Request, db: DB, actor: CurrentActor) -> Response:
    """End the session."""
    auth.end_session(db, token=request.cookies.get(SESSION_COOKIE, ""))
    response = redirect("/login")
    response.delete_cookie(SESSION_COOKIE)
    return response


# --- dashboard and worklist ------------------------------------------------------------


def _own_collector(actor: Actor) -> str | None:
    """Collectors see their own accounts by default; everyone else sees all."""
    return actor.email if actor.role is Role.COLLECTOR else None


def _assignees(actor: Actor) -> tuple[str, ...] | None:
    """The collectors whose customers ``actor`` may see in lists (None: all)."""
    return scope.scope_for(actor.role, actor.email).assignees


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, db: DB, actor: Viewer) -> HTMLResponse:
    """Total AR, overdue share, aging and DSO per currency; what needs attention."""
    as_of = today(request)
    data = service.dashboard(db, org_id=actor.org_id, as_of=as_of, collector=_own_collector(actor))
    return render(request, "dashboard.html", {"data": data, "as_of": as_of})


@router.get("/worklist", response_class=HTMLResponse)
def worklist(
    request: Request,
    db: DB,
    actor: Viewer,
    collector: str | None = None,
    tag: str = "",
    currency: str = "",
    bucket: str = "",
    q: str = "",
    page: str = "1",
) -> HTMLResponse:
    """The accounts to work, highest priority first, with the reasons why."""
    as_of = today(request)
    if collector is None:
        collector = _own_collector(actor) or ""
    oldest = core.bucket_due_range(bucket, as_of) if bucket in core.WORKLIST_BUCKETS else None
    where = WorklistFilter(
        collector=collector or None,
        assignees=_assignees(actor),
        tag=tag.strip(),
        currency=currency.strip().upper()[:3],
        oldest=oldest,
        search=q.strip()[:100],
    )
    data = service.worklist(
        db,
        org_id=actor.org_id,
        as_of=as_of,
        where=where,
        page=core.page_number(page),
        fmt=format_money,
    )
    context = {
        "data": data,
        "as_of": as_of,
        "filters": {"collector": collector, "tag": tag, "currency": currency, "bucket": bucket,
                    "q": q},
        # Only asked when the worklist is empty: why (``_worklist_table.html``).
        "assigned_count": lambda: ledger.assigned_count(db, org_id=actor.org_id,
                                                        collector=actor.email),
    }  # fmt: skip
    partial = request.headers.get("hx-request") and not request.headers.get("hx-boosted")
    return render(request, "_worklist_table.html" if partial else "worklist.html", context)


# --- customers -------------------------------------------------------------------------


def _customer_context(
    db: Session, request: Request, actor: Actor, customer_id: int, **extra: Any
) -> dict[str, Any]:
    as_of = today(request)
    page = service.customer_page(db, org_id=actor.org_id, customer_id=customer_id, as_of=as_of)
    policy = {"own": "", "names": []}
    if actor.can("manage_credit"):
        directory = Settings().policy_dir
        policy = {
            "own": versions.own_policy(db, org_id=actor.org_id, customer_id=customer_id),
            "names": versions.policy_names(
                db, org_id=actor.org_id, policy_dir=Path(directory) if directory else None
            ),
        }
    return {"page": page, "as_of": as_of, "errors": {}, "values": {}, "policy": policy, **extra}


@router.get("/customers/{customer_id}", response_class=HTMLResponse)
def customer(request: Request, db: WriteDB, actor: Viewer, customer_id: int) -> HTMLResponse:
    """A customer's balances, aging, open items, contacts, timeline and actions."""
    context = _customer_context(db, request, actor, customer_id)
    if actor.can("work_accounts"):
        portal.mark_seen(db, org_id=actor.org_id, customer_id=customer_id)
    return render(request, "customer.html", context)


@router.post("/customers/{customer_id}/portal-link", response_class=HTMLResponse)
def create_portal_link(
    request: Request,
    db: DB,
    actor: Worker,
    customer_id: int,
    days: Annotated[str, Form()] = "30",
) -> HTMLResponse:
    """Make a new portal link for the customer and show it once."""
    service.customer(db, org_id=actor.org_id, customer_id=customer_id)
    try:
        valid_days = read_form(PortalLinkForm, {"days": days}).days
        token = portal.issue_token(
            db, org_id=actor.org_id, customer_id=customer_id, days=valid_days
        )
    except InvalidInput as error:
        db.rollback()
        context = _customer_context(
            db, request, actor, customer_id, errors={"days": error.reason.capitalize() + "."}
        )
        return render(request, "customer.html", context, status_code=422)
    context = _customer_context(
        db, request, actor, customer_id, portal_link=portal.portal_url(token), link_days=valid_days
    )
    return render(request, "customer.html", context)


@router.post("/customers/{customer_id}/portal-revoke")
def revoke_portal_links(
    request: Request, db: DB, actor: Worker, customer_id: int
) -> RedirectResponse:
    """End every portal link of the customer."""
    service.customer(db, org_id=actor.org_id, customer_id=customer_id)  # 404 if not ours
    count = portal.revoke_tokens(db, org_id=actor.org_id, customer_id=customer_id)
    return redirect(
        f"/customers/{customer_id}",
        flash=f"{count} portal link{'s' if count != 1 else ''} revoked.",
    )


# --- invoices --------------------------------------------------------------------------

STATUSES = ("open", "paid", "void", "written_off", "all")


def _invoice_filter(
    actor: Actor, q: str, status: str, currency: str, overdue: str, sort: str, direction: str
) -> InvoiceFilter:
    return InvoiceFilter(
        assignees=_assignees(actor),
        search=q.strip()[:100],
        status=status if status in STATUSES else "open",
        currency=currency.strip().upper()[:3],
        overdue_only=overdue in ("1", "on", "true"),
        sort=sort if sort in repository.INVOICE_SORTS else "due_date",
        descending=direction == "desc",
    )


@router.get("/invoices", response_class=HTMLResponse)
def invoices(
    request: Request,
    db: DB,
    actor: Viewer,
    q: str = "",
    status: str = "open",
    currency: str = "",
    overdue: str = "",
    sort: str = "due_date",
    dir: str = "asc",
    page: str = "1",
) -> HTMLResponse:
    """Search, sort and page through invoices."""
    as_of = today(request)
    where = _invoice_filter(actor, q, status, currency, overdue, sort, dir)
    data = service.invoice_list(
        db, org_id=actor.org_id, where=where, as_of=as_of, page=core.page_number(page)
    )
    context = {"data": data, "where": where, "as_of": as_of, "statuses": STATUSES}
    partial = request.headers.get("hx-request") and not request.headers.get("hx-boosted")
    return render(request, "_invoices_table.html" if partial else "invoices.html", context)


@router.get("/invoices.csv")
def invoices_csv(
    request: Request,
    actor: Exporter,
    q: str = "",
    status: str = "open",
    currency: str = "",
    overdue: str = "",
    sort: str = "due_date",
    dir: str = "asc",
) -> StreamingResponse:
    """The matching invoices as CSV (amounts as plain decimals), streamed."""
    as_of = today(request)
    where = _invoice_filter(actor, q, status, currency, overdue, sort, dir)
    engine = request.app.state.engine

    def rows() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csvout.writer(buffer)
        writer.writerow(
            ["number", "customer_id", "customer", "issue_date", "due_date", "days_past_due",
             "currency", "total", "open", "status", "po_number"]
        )  # fmt: skip
        with Session(engine) as session:
            for count, row in enumerate(
                repository.iter_invoices(session, actor.org_id, where, as_of), start=1
            ):
                writer.writerow(
                    [
                        row.number,
                        row.customer_external_id,
                        row.customer_name,
                        row.issue_date.isoformat(),
                        row.due_date.isoformat(),
                        core.days_past_due(row.due_date, as_of) if row.open_amount else 0,
                        row.currency,
                        money.format_minor(row.total_amount, row.currency),
                        money.format_minor(row.open_amount, row.currency),
                        row.status,
                        row.po_number,
                    ]
                )
                if count % 500 == 0:
                    yield buffer.getvalue()
                    buffer.seek(0)
                    buffer.truncate()
        yield buffer.getvalue()

    filename = f"invoices-{as_of.isoformat()}.csv"
    return StreamingResponse(
        rows(),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{filename}"'},
    )


# --- imports ---------------------------------------------------------------------------


def _imports_context(**extra: Any) -> dict[str, Any]:
    return {
        "kinds": [k.value for k in Kind],
        "date_orders": DATE_ORDERS,
        "errors": {},
        "problems": [],
        "result": None,
        "values": {},
        **extra,
    }


@router.get("/imports", response_class=HTMLResponse)
def imports_page(request: Request, actor: Importer) -> HTMLResponse:
    """Upload a CSV or XLSX file to check it before importing."""
    return render(request, "imports.html", _imports_context())


@router.post("/imports", response_class=HTMLResponse)
async def dry_run(
    request: Request,
    db: DB,
    actor: Importer,
    kind: Annotated[str, Form()] = "",
    date_order: Annotated[str, Form()] = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> HTMLResponse:
    """Check an uploaded file against the ledger (a dry run: nothing is written).

    The file is kept (privately) for the confirmation; the check runs in a worker
    thread (``recoup.web.uploads``).
    """
    values = {"kind": kind, "date_order": date_order}
    errors: dict[str, str] = {}
    if kind not in {k.value for k in Kind}:
        errors["kind"] = "Choose what the file holds."
    if date_order and date_order not in DATE_ORDERS:
        errors["date_order"] = "Choose a date order from the list."
    name = (file.filename or "") if file is not None else ""
    suffix = Path(name).suffix.lower()
    if file is None or not name:
        errors["file"] = "Choose a file to upload."
    elif suffix not in uploads.SUFFIXES:
        errors["file"] = "Upload a .csv or .xlsx file."
    upload = None
    if file is not None and not errors:
        try:
            upload = await uploads.store(file, org_id=actor.org_id, suffix=suffix)
        except InvalidInput as error:
            errors["file"] = error.reason
    if errors or upload is None:
        return render(
            request, "imports.html", _imports_context(errors=errors, values=values), status_code=422
        )
    try:
        result = await uploads.run_import(
            db,
            org_id=actor.org_id,
            kind=Kind(kind),
            upload=upload,
            dry_run=True,
            date_order=date_order or None,
        )
    except RecoupError as error:
        db.rollback()
        problems = [str(p) for p in error.problems] if isinstance(error, RowsRejected) else []
        context = _imports_context(
            values=values, problems=problems, rejected=error.message, filename=name
        )
        return render(request, "imports.html", context, status_code=422)
    db.rollback()  # a dry run writes nothing, whatever it touched
    changes, hidden = core.clip(result.changes, 200)
    context = _imports_context(
        values=values,
        result=result,
        changes=changes,
        hidden_changes=hidden,
        upload_id=upload.id,
        filename=name,
    )
    return render(request, "imports.html", context)


@router.post("/imports/{upload_id}/confirm")
async def confirm_import(
    request: Request,
    db: DB,
    actor: Importer,
    upload_id: str,
    kind: Annotated[str, Form()] = "",
    date_order: Annotated[str, Form()] = "",
) -> Response:
    """Import a checked file for real (all rows or none); the upload is then removed,
    whether the import succeeded or failed."""
    upload = uploads.find(org_id=actor.org_id, upload_id=upload_id)
    if kind not in {k.value for k in Kind} or (date_order and date_order not in DATE_ORDERS):
        uploads.discard(upload)
        raise InvalidInput("the confirmation lost its settings; upload the file again")
    try:
        result = await uploads.run_import(
            db,
            org_id=actor.org_id,
            kind=Kind(kind),
            upload=upload,
            dry_run=False,
            date_order=date_order or None,
        )
    except RecoupError as error:
        db.rollback()
        problems = [str(p) for p in error.problems] if isinstance(error, RowsRejected) else []
        context = _imports_context(values={"kind": kind}, problems=problems, rejected=error.message)
        return render(request, "imports.html", context, status_code=422)
    return redirect(
        "/imports",
        flash=f"Imported {result.kind.value}: {result.created} created, "
        f"{result.updated} updated, {result.unchanged} unchanged.",
    )


# --- outbox and policies ---------------------------------------------------------------


@router.get("/outbox", response_class=HTMLResponse)
def outbox_page(
    request: Request, db: DB, actor: Viewer, status: str = "", page: str = "1"
) -> HTMLResponse:
    """What Recoup has planned to send or do, and what became of it."""
    number = core.page_number(page)
    chosen = status if status in {s.value for s in OutboxStatus} else ""
    counts = {
        status: sums[0]
        for status, sums in figures.summed(
            db, actor.org_id, ("outbox counts",), figures.OUTBOX_ROWS,
            lambda customers: repository.outbox_count_rows(db, actor.org_id, customers),
            lambda: figures.Totals(),
        ).items()
    }  # fmt: skip
    rows, total, counts = repository.outbox(
        db, actor.org_id, chosen, limit=service.PAGE_SIZE, offset=(number - 1) * service.PAGE_SIZE,
        counts=counts,
    )  # fmt: skip
    context = {
        "rows": rows,
        "page": core.Page(number, service.PAGE_SIZE, total),
        "status": chosen,
        "counts": counts,
        "statuses": [s.value for s in OutboxStatus],
    }
    return render(request, "outbox.html", context)


# --- users -----------------------------------------------------------------------------


@router.get("/users", response_class=HTMLResponse)
def users_page(request: Request, db: DB, actor: Admin) -> HTMLResponse:
    """The organisation's users."""
    return render(request, "users.html", _users_context(db, actor))


def _users_context(db: Session, actor: Actor, **extra: Any) -> dict[str, Any]:
    return {
        "users": auth.list_users(db, org_id=actor.org_id),
        "roles": [r.value for r in Role],
        "errors": {},
        "values": {"role": "collector"},
        **extra,
    }


@router.post("/users", response_class=HTMLResponse)
def add_user(
    request: Request,
    db: DB,
    actor: Admin,
    email: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
) -> Response:
    """Add a user; a password is generated (and shown once) when none is given."""
    generated = not password
    secret = password or secrets.token_urlsafe(12)
    try:
        user = auth.create_user(
            db, org_id=actor.org_id, email=email, password=secret, role=role, name=name
        )
    except RecoupError as error:
        db.rollback()
        field = getattr(error, "field", None) or "email"
        message = getattr(error, "reason", error.message)
        context = _users_context(
            db,
            actor,
            errors={field: message},
            values={"email": email, "name": name, "role": role},
        )
        return render(request, "users.html", context, status_code=422)
    added = f"Added {user.email} as {user.role}."
    if not generated:
        return redirect("/users", flash=added)
    # A secret never goes into a cookie (the flash message is one): the generated password
    # is shown once, in this response, which no cache keeps.
    context = _users_context(db, actor, added=added, secret=secret)
    response = render(request, "users.html", context, status_code=201)
    response.headers["cache-control"] = "no-store"
    return response


@router.post("/users/{user_id}/active")
def set_user_active(
    request: Request,
    db: DB,
    actor: Admin,
    user_id: int,
    active: Annotated[str, Form()] = "",
) -> Response:
    """Activate or deactivate a user (their sessions end at once)."""
    user = auth.set_active(
        db, org_id=actor.org_id, user_id=user_id, active=active == "1", by_user_id=actor.user_id
    )
    state = "activated" if user.active else "deactivated"
    return redirect("/users", flash=f"{user.email} {state}.")


@router.post("/users/{user_id}/reset", response_class=HTMLResponse)
def reset_user_password(request: Request, db: DB, actor: Admin, user_id: int) -> Response:
    """Give a user a new random password, shown once on this page (never put in a cookie
    or a URL); every session of theirs ends."""
    password = auth.reset_password(
        db, org_id=actor.org_id, user_id=user_id, by_user_id=actor.user_id
    )
    user = auth.get_user(db, org_id=actor.org_id, user_id=user_id)
    page = render(
        request,
        "users.html",
        _users_context(db, actor, reset={"email": user.email, "password": password}),
    )
    page.headers["cache-control"] = "no-store"
    return page


@router.get("/password", response_class=HTMLResponse)
def password_page(request: Request, actor: CurrentActor) -> HTMLResponse:
    """The form to change one's own password."""
    return render(request, "password.html", {"errors": {}})


@router.post("/password", response_class=HTMLResponse)
def change_password(
    request: Request,
    db: DB,
    actor: CurrentActor,
    current_password: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
) -> Response:
    """Change one's own password; the user's other sessions end, this one stays."""
    try:
        if password != confirm:
            raise InvalidInput("the two new passwords differ", field="confirm")
        auth.change_password(
            db,
            org_id=actor.org_id,
            user_id=actor.user_id,
            current=current_password,
            new=password,
            keep_token=request.cookies.get(SESSION_COOKIE, ""),
        )
    except InvalidInput as error:
        db.rollback()
        errors = {error.field or "password": error.reason}
        return render(request, "password.html", {"errors": errors}, status_code=422)
    return redirect("/", flash="Your password was changed; your other sessions have ended.")


@router.get("/healthz")
def health() -> dict[str, str]:
    """For load balancers and the browser tests: the server answers."""
    return {"status": "ok"}
