"""The disputes, promises and tasks lists, their CSV exports, and the task actions.

The lists work like ``/invoices``: search, sort, filters (status, person, age, past the
SLA), server-side pagination, HTMX partial updates and a streamed CSV of every match.
Tasks are completed, reassigned and added from the list and from the customer page; each
write goes through ``recoup.cases`` and is audited there.
"""

import io
from collections.abc import Callable, Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from sqlalchemy.orm import Session

from recoup import csvout, money
from recoup.auth import service as auth
from recoup.auth.models import Role
from recoup.cases import queue, tasks
from recoup.errors import InvalidInput, NotFound
from recoup.web import caselists, core, service
from recoup.web.caselists import CaseRow, ListFilter
from recoup.web.deps import DB, Actor, Exporter, Viewer, Worker
from recoup.web.forms import TaskForm, read_form
from recoup.web.templating import render
from recoup.web.views import _assignees, _safe_next, redirect, today

router = APIRouter()

TITLES = {"disputes": "Disputes", "promises": "Promises to pay", "tasks": "Tasks"}
PERSON = {"disputes": "Owner", "promises": "Collector", "tasks": "Assignee"}
SEARCH_HINT = {
    "disputes": "Customer, reason, description",
    "promises": "Customer, contact, note",
    "tasks": "Customer, title",
}


def list_filter(
    kind: str,
    actor: Actor,
    *,
    q: str = "",
    status: str = "",
    person: str = "",
    age: str = "",
    sla: str = "",
    sort: str = "",
    direction: str = "",
) -> ListFilter:
    """The list's filter from the query string (unknown values fall back to defaults)."""
    return ListFilter(
        search=q.strip()[:100],
        status=status if status in caselists.STATUSES[kind] else caselists.DEFAULT_STATUS[kind],
        person=person.strip()[:254],
        age=age if age in caselists.AGES else "",
        sla_breached=sla in ("1", "on", "true"),
        assignees=_assignees(actor),
        sort=sort if sort in caselists.SORTS[kind] else caselists.DEFAULT_SORT[kind],
        descending=direction == "desc",
    )


def _list_page(kind: str) -> Callable[..., HTMLResponse]:
    def page_of(
        request: Request,
        db: DB,
        actor: Viewer,
        q: str = "",
        status: str = "",
        person: str = "",
        age: str = "",
        sla: str = "",
        sort: str = "",
        dir: str = "",
        page: str = "1",
    ) -> HTMLResponse:
        as_of = today(request)
        where = list_filter(
            kind, actor, q=q, status=status, person=person, age=age, sla=sla, sort=sort,
            direction=dir,
        )  # fmt: skip
        number = core.page_number(page)
        found, total = caselists.rows(
            db, kind, actor.org_id, where, as_of,
            limit=service.PAGE_SIZE, offset=(number - 1) * service.PAGE_SIZE,
        )  # fmt: skip
        context = {
            "kind": kind,
            "title": TITLES[kind],
            "person_label": PERSON[kind],
            "search_hint": SEARCH_HINT[kind],
            "rows": found,
            "page": core.Page(number, service.PAGE_SIZE, total),
            "where": where,
            "as_of": as_of,
            "statuses": caselists.STATUSES[kind],
            "ages": list(caselists.AGES),
            "people": auth.collector_emails(db, org_id=actor.org_id),
        }
        partial = request.headers.get("hx-request") and not request.headers.get("hx-boosted")
        return render(request, "_case_table.html" if partial else "cases.html", context)

    page_of.__name__ = f"{kind}_page"
    page_of.__doc__ = f"The {TITLES[kind].lower()}: search, filters, sort and pages."
    return page_of


CSV_HEADERS = {
    "disputes": ["id", "customer_id", "customer", "reason", "description", "owner", "status",
                 "opened_on", "sla_date", "sla_breached", "currency", "amount"],
    "promises": ["id", "customer_id", "customer", "made_on", "promised_on", "collector",
                 "status", "currency", "promised", "kept", "broken", "note"],
    "tasks": ["id", "customer_id", "customer", "title", "kind", "assignee", "status",
              "created_on", "due_on", "overdue"],
}  # fmt: skip


def _csv_row(kind: str, row: CaseRow) -> list[Any]:
    amount = money.format_minor(row.amount, row.currency) if row.currency else ""
    yes_no = "yes" if row.sla_breached else "no"
    if kind == "disputes":
        return [row.id, row.customer_external_id, row.customer_name, row.title, row.detail,
                row.person, row.status, row.opened.isoformat(),
                row.due.isoformat() if row.due else "", yes_no, row.currency, amount]  # fmt: skip
    if kind == "promises":
        return [row.id, row.customer_external_id, row.customer_name, row.opened.isoformat(),
                row.due.isoformat() if row.due else "", row.person, row.status, row.currency,
                amount, money.format_minor(row.done_amount, row.currency), yes_no,
                row.detail]  # fmt: skip
    return [row.id, row.customer_external_id, row.customer_name, row.title, row.kind,
            row.person, row.status, row.opened.isoformat(),
            row.due.isoformat() if row.due else "", yes_no]  # fmt: skip


def _list_csv(kind: str) -> Callable[..., StreamingResponse]:
    def csv_of(
        request: Request,
        actor: Exporter,
        q: str = "",
        status: str = "",
        person: str = "",
        age: str = "",
        sla: str = "",
        sort: str = "",
        dir: str = "",
    ) -> StreamingResponse:
        as_of = today(request)
        where = list_filter(
            kind, actor, q=q, status=status, person=person, age=age, sla=sla, sort=sort,
            direction=dir,
        )  # fmt: skip
        engine = request.app.state.engine

        def lines() -> Iterator[str]:
            buffer = io.StringIO()
            writer = csvout.writer(buffer)
            writer.writerow(CSV_HEADERS[kind])
            with Session(engine) as session:
                for count, row in enumerate(
                    caselists.iter_rows(session, kind, actor.org_id, where, as_of), start=1
                ):
                    writer.writerow(_csv_row(kind, row))
                    if count % 500 == 0:
                        yield buffer.getvalue()
                        buffer.seek(0)
                        buffer.truncate()
            yield buffer.getvalue()

        return StreamingResponse(
            lines(),
            media_type="text/csv; charset=utf-8",
            headers={
                "content-disposition": f'attachment; filename="{kind}-{as_of.isoformat()}.csv"'
            },
        )

    csv_of.__name__ = f"{kind}_csv"
    csv_of.__doc__ = f"The matching {kind} as CSV, streamed."
    return csv_of


for _kind in caselists.KINDS:
    router.add_api_route(f"/{_kind}", _list_page(_kind), methods=["GET"],
                         response_class=HTMLResponse)  # fmt: skip
    router.add_api_route(f"/{_kind}.csv", _list_csv(_kind), methods=["GET"])


# --- task actions ------------------------------------------------------------------------


def _task_in_scope(db: Session, actor: Actor, task_id: int) -> Any:
    """The task, if the user may act on it: its customer in the user's scope, or (no
    customer) assigned to them or to nobody; ``NotFound`` otherwise."""
    task = queue.get_task(db, org_id=actor.org_id, task_id=task_id)
    if task.customer_id is not None:
        service.customer(db, org_id=actor.org_id, customer_id=task.customer_id)
    elif actor.role is Role.COLLECTOR and task.assignee.strip().lower() not in (
        "",
        actor.email.lower(),
    ):
        raise NotFound(f"no task with id {task_id}")
    return task


def _back(next: str, task: Any) -> str:
    if next:
        return _safe_next(next)
    return f"/customers/{task.customer_id}#tasks" if task.customer_id else "/tasks"


@router.post("/tasks/{task_id}/done")
def complete_task(
    request: Request, db: DB, actor: Worker, task_id: int, next: Annotated[str, Form()] = ""
) -> Response:
    """Mark a task done (by the logged-in user)."""
    task = _task_in_scope(db, actor, task_id)
    tasks.complete_task(db, org_id=actor.org_id, task_id=task_id, by=actor.email)
    return redirect(_back(next, task), flash=f"Task done: {task.title}")


@router.post("/tasks/{task_id}/assign")
def reassign_task(
    request: Request,
    db: DB,
    actor: Worker,
    task_id: int,
    assignee: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    """Give a task to another user of the organisation (or to nobody)."""
    task = _task_in_scope(db, actor, task_id)
    who = assignee.strip().lower()
    if who and who not in {e.lower() for e in auth.collector_emails(db, org_id=actor.org_id)}:
        raise InvalidInput(f"{assignee} is not an active user here", field="assignee")
    queue.reassign_task(db, org_id=actor.org_id, task_id=task_id, assignee=who)
    return redirect(
        _back(next, task), flash=f"Task given to {who}." if who else "Task left unassigned."
    )


@router.post("/customers/{customer_id}/tasks")
def add_task(
    request: Request,
    db: DB,
    actor: Worker,
    customer_id: int,
    title: Annotated[str, Form()] = "",
    due_on: Annotated[str, Form()] = "",
    assignee: Annotated[str, Form()] = "",
) -> Response:
    """A new task on the customer's account (for the user, unless given to someone)."""
    service.customer(db, org_id=actor.org_id, customer_id=customer_id)
    form = read_form(TaskForm, {"title": title, "due_on": due_on, "assignee": assignee})
    who = form.assignee.strip().lower() or actor.email
    if who not in {e.lower() for e in auth.collector_emails(db, org_id=actor.org_id)}:
        raise InvalidInput(f"{form.assignee} is not an active user here", field="assignee")
    task = tasks.create_task(
        db,
        org_id=actor.org_id,
        customer_id=customer_id,
        title=form.title,
        assignee=who,
        due_on=form.due_on,
    )
    return redirect(f"/customers/{customer_id}#tasks", flash=f"Task added: {task.title}")
