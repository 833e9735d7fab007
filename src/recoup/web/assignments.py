"""``/assignments`` (managers, admins): who collects which accounts.

Customers with something open are narrowed by segment (tag), country, the age bucket
of their oldest open invoice and their collector (or "nobody"); the manager gives the
ticked ones, or every one matching, to a collector (an active user), or takes them away.
The ledger's ``assign_collector`` writes the change (audited); one customer at a time
is also possible on its edit page.
"""

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from recoup.auth import service as auth
from recoup.errors import InvalidInput, RecoupError
from recoup.ledger import service as ledger
from recoup.web import core, figures, repository
from recoup.web.deps import DB, Actor, CreditManager
from recoup.web.forms import AssignForm, read_form
from recoup.web.templating import render
from recoup.web.views import redirect, today

router = APIRouter(prefix="/assignments")

SHOWN = 200
NOBODY = "none"  # the collector filter's value for "nobody assigned"


def _matching(db: Session, actor: Actor, as_of: date, filters: dict[str, str], limit: int
              ) -> tuple[list[Any], int]:  # fmt: skip
    bucket = filters.get("bucket", "")
    oldest = core.bucket_due_range(bucket, as_of) if bucket in core.WORKLIST_BUCKETS else None
    if bucket == "current":
        oldest = (as_of, date.max)
    chosen = filters.get("collector", "")
    collector = "" if chosen == NOBODY else (chosen or None)
    return repository.customers_to_assign(
        db, actor.org_id, directory=_directory(db, actor.org_id),
        open_since=_open_since(db, actor.org_id), tag=filters.get("tag", ""),
        country=filters.get("country", ""), collector=collector, oldest_due=oldest, limit=limit,
    )  # fmt: skip


def _directory(db: Session, org_id: int) -> list[repository.DirectoryEntry]:
    """The customers by name with what the page filters by, once per change of them."""
    return figures.cached(
        db, org_id, ("directory",), figures.CUSTOMERS,
        lambda: repository.customer_directory(db, org_id),
    )  # fmt: skip


def _open_since(db: Session, org_id: int) -> dict[int, date]:
    """Customers with something open and their oldest open due date, kept per customer
    (``figures.summed``)."""
    found: dict[int, date] = figures.summed(
        db, org_id, ("open_since",), figures.INVOICES,
        lambda customers: repository.oldest_open_rows(db, org_id, customers),
        lambda: figures.Mapping(),
    )  # fmt: skip
    return found


def kept_sums(db: Session, org_id: int) -> None:
    """Make what the page keeps between visits (``recoup.web.warmup``)."""
    _directory(db, org_id)
    _open_since(db, org_id)


def _context(db: Session, actor: Actor, as_of: date, filters: dict[str, str],
             **extra: Any) -> dict[str, Any]:  # fmt: skip
    rows, total = _matching(db, actor, as_of, filters, SHOWN)
    _, unassigned = repository.customers_to_assign(
        db, actor.org_id, directory=_directory(db, actor.org_id),
        open_since=_open_since(db, actor.org_id), tag="", country="",
        collector="", oldest_due=None, limit=0,
    )  # fmt: skip
    return {
        "rows": rows,
        "total": total,
        "unassigned": unassigned,
        "filters": filters,
        "collectors": auth.collector_emails(db, org_id=actor.org_id),
        "tags": sorted({t for c in _directory(db, actor.org_id) for t in c.tags}),
        "countries": sorted({c.country for c in _directory(db, actor.org_id) if c.country}),
        "buckets": ("current", *core.WORKLIST_BUCKETS),
        "nobody": NOBODY,
        "errors": {},
        **extra,
    }


def _filters(tag: str, country: str, bucket: str, collector: str) -> dict[str, str]:
    return {"tag": tag.strip(), "country": country.strip().upper()[:2], "bucket": bucket,
            "collector": collector.strip()}  # fmt: skip


@router.get("", response_class=HTMLResponse)
def assignments_page(
    request: Request,
    db: DB,
    actor: CreditManager,
    tag: str = "",
    country: str = "",
    bucket: str = "",
    collector: str = "",
) -> HTMLResponse:
    """Customers with something open, by the filters, and a form to assign them."""
    filters = _filters(tag, country, bucket, collector)
    return render(request, "assignments.html", _context(db, actor, today(request), filters))


@router.post("", response_class=HTMLResponse)
def assign(
    request: Request,
    db: DB,
    actor: CreditManager,
    to: Annotated[str, Form()] = "",
    which: Annotated[str, Form()] = "ticked",
    customer: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI copies form defaults
    tag: Annotated[str, Form()] = "",
    country: Annotated[str, Form()] = "",
    bucket: Annotated[str, Form()] = "",
    collector: Annotated[str, Form()] = "",
) -> Response:
    """Give the ticked customers, or all matching the filters, to a collector ("" nobody)."""
    as_of = today(request)
    filters = _filters(tag, country, bucket, collector)
    try:
        form = read_form(AssignForm, {"to": to, "which": which, "customer": customer})
        if form.to and form.to not in auth.collector_emails(db, org_id=actor.org_id):
            raise InvalidInput("choose one of the active users", field="to")
        if form.which == "all":
            rows, _ = _matching(db, actor, as_of, filters, limit=1_000_000)
            ids = [c.id for c in rows]
        else:
            ids = form.customer
        if not ids:
            raise InvalidInput("tick at least one customer (or choose all matching)",
                               field="customer")  # fmt: skip
        changed = ledger.assign_collector(
            db, org_id=actor.org_id, customer_ids=ids, collector=form.to
        )
    except InvalidInput as error:
        db.rollback()
        context = _context(db, actor, as_of, filters, errors={"assign": error.message})
        return render(request, "assignments.html", context, status_code=422)
    except RecoupError:
        raise
    who = form.to or "nobody"
    query = "&".join(f"{k}={v}" for k, v in filters.items() if v)
    return redirect(f"/assignments?{query}" if query else "/assignments",
                    flash=f"{changed} of {len(ids)} customers now assigned to {who}.")  # fmt: skip
