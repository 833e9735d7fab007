"""Disputes, promises, payment plans, tasks and notes — every write through
the ``recoup.cases`` sub-domain modules, as the customer page's forms do."""

from datetime import date
from decimal import Decimal
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response

from recoup.api.answers import write
from recoup.api.deps import Context
from recoup.api.listing import Listing, equal, listed, one
from recoup.api.params import CursorParam, IdempotencyKey, IdFilter, Limit, RecordId, Short
from recoup.api.schemas import Page
from recoup.cases import disputes, notes, plans, promises, schemas, tasks
from recoup.cases.models import Dispute, Note, PaymentPlan, Promise, Task

router = APIRouter()

DISPUTES = Listing(Dispute, {"opened_on": Dispute.opened_on})
PROMISES = Listing(Promise, {"promised_on": Promise.promised_on, "made_on": Promise.made_on})
PLANS = Listing(PaymentPlan, {"created_on": PaymentPlan.created_on})
TASKS = Listing(Task, {"created_at": Task.created_at})
NOTES = Listing(Note, {"created_at": Note.created_at})


@router.get("/disputes", tags=["disputes"])
def list_disputes(
    ctx: Context,
    customer_id: IdFilter = None,
    status: Short = None,
    sort: Literal["id", "-id", "opened_on", "-opened_on"] = "id",
    cursor: CursorParam = None,
    limit: Limit = 50,
) -> Page[schemas.Dispute]:
    """The organisation's disputes."""
    where = equal((Dispute.customer_id, customer_id), (Dispute.status, status))
    return listed(
        ctx, DISPUTES, schemas.Dispute.of, where=where, sort=sort, cursor=cursor, limit=limit
    )


@router.get("/disputes/{dispute_id}", tags=["disputes"])
def get_dispute(ctx: Context, dispute_id: RecordId) -> schemas.Dispute:
    """One dispute."""
    row = one(ctx.session, Dispute, org_id=ctx.org_id, record_id=dispute_id, what="dispute")
    return schemas.Dispute.of(row)


@router.post("/disputes", tags=["disputes"], status_code=201, response_model=schemas.Dispute)
def open_dispute(
    ctx: Context,
    request: Request,
    body: schemas.DisputeCreate,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """A dispute on some of a customer's open invoices (they pause until it is resolved)."""

    def act() -> tuple[int, schemas.Dispute]:
        dispute = disputes.open_dispute(
            ctx.session, org_id=ctx.org_id, customer_id=body.customer_id,
            invoice_ids=body.invoice_ids, reason=body.reason,
            amount=None if body.amount is None else Decimal(body.amount), owner=body.owner,
            description=body.description, opened_on=ctx.today,
        )  # fmt: skip
        return 201, schemas.Dispute.of(dispute)

    return write(ctx, request, body=body, key=idempotency_key, act=act)


@router.post("/disputes/{dispute_id}/resolve", tags=["disputes"], response_model=schemas.Dispute)
def resolve_dispute(
    ctx: Context,
    request: Request,
    dispute_id: RecordId,
    body: schemas.DisputeResolve,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Close a dispute (``credited`` issues a credit note through the ledger)."""

    def act() -> tuple[int, schemas.Dispute]:
        dispute = disputes.resolve_dispute(
            ctx.session, org_id=ctx.org_id, dispute_id=dispute_id, outcome=body.outcome,
            on=ctx.today, note=body.note, by=ctx.actor,
            credit_amount=None if body.credit_amount is None else Decimal(body.credit_amount),
        )  # fmt: skip
        return 200, schemas.Dispute.of(dispute)

    return write(ctx, request, body=body, key=idempotency_key, act=act)


@router.get("/promises", tags=["promises"])
def list_promises(
    ctx: Context,
    customer_id: IdFilter = None,
    status: Short = None,
    sort: Literal["id", "-id", "promised_on", "-promised_on", "made_on", "-made_on"] = "id",
    cursor: CursorParam = None,
    limit: Limit = 50,
) -> Page[schemas.Promise]:
    """The organisation's promises to pay."""
    where = equal((Promise.customer_id, customer_id), (Promise.status, status))
    return listed(
        ctx, PROMISES, schemas.Promise.of, where=where, sort=sort, cursor=cursor, limit=limit
    )


@router.get("/promises/{promise_id}", tags=["promises"])
def get_promise(ctx: Context, promise_id: RecordId) -> schemas.Promise:
    """One promise."""
    row = one(ctx.session, Promise, org_id=ctx.org_id, record_id=promise_id, what="promise")
    return schemas.Promise.of(row)


@router.post("/promises", tags=["promises"], status_code=201, response_model=schemas.Promise)
def add_promise(
    ctx: Context,
    request: Request,
    body: schemas.PromiseCreate,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """A promise to pay some invoices by a date (they pause until then plus grace)."""

    def act() -> tuple[int, schemas.Promise]:
        items = [
            (i.invoice_id, None if i.amount is None else Decimal(i.amount)) for i in body.items
        ]
        promise = promises.add_promise(
            ctx.session, org_id=ctx.org_id, customer_id=body.customer_id, items=items,
            promised_on=body.promised_on, made_on=ctx.today, contact=body.contact,
            channel=body.channel, grace_days=body.grace_days, note=body.note,
        )  # fmt: skip
        return 201, schemas.Promise.of(promise)

    return write(ctx, request, body=body, key=idempotency_key, act=act)


@router.post("/promises/{promise_id}/cancel", tags=["promises"], response_model=schemas.Promise)
def cancel_promise(
    ctx: Context,
    request: Request,
    promise_id: RecordId,
    body: schemas.Cancel,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Withdraw a pending promise (it ends the pause and counts in no kept rate)."""

    def act() -> tuple[int, schemas.Promise]:
        promise = promises.cancel_promise(
            ctx.session, org_id=ctx.org_id, promise_id=promise_id, on=ctx.today,
            reason=body.reason,
        )  # fmt: skip
        return 200, schemas.Promise.of(promise)

    return write(ctx, request, body=body, key=idempotency_key, act=act)


@router.get("/payment-plans", tags=["payment plans"])
def list_plans(
    ctx: Context,
    customer_id: IdFilter = None,
    status: Short = None,
    sort: Literal["id", "-id", "created_on", "-created_on"] = "id",
    cursor: CursorParam = None,
    limit: Limit = 50,
) -> Page[schemas.PaymentPlan]:
    """The organisation's payment plans."""
    where = equal((PaymentPlan.customer_id, customer_id), (PaymentPlan.status, status))
    return listed(
        ctx, PLANS, schemas.PaymentPlan.of, where=where, sort=sort, cursor=cursor, limit=limit
    )


@router.get("/payment-plans/{plan_id}", tags=["payment plans"])
def get_plan(ctx: Context, plan_id: RecordId) -> schemas.PaymentPlan:
    """One payment plan."""
    row = one(ctx.session, PaymentPlan, org_id=ctx.org_id, record_id=plan_id, what="plan")
    return schemas.PaymentPlan.of(row)


@router.post(
    "/payment-plans", tags=["payment plans"], status_code=201, response_model=schemas.PaymentPlan
)
def create_plan(
    ctx: Context,
    request: Request,
    body: schemas.PaymentPlanCreate,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """A payment plan over some of a customer's open invoices (equal instalments, or the
    amounts and dates given)."""

    def act() -> tuple[int, schemas.PaymentPlan]:
        plan = plans.create_plan(
            ctx.session, org_id=ctx.org_id, customer_id=body.customer_id,
            invoice_ids=body.invoice_ids, start_on=ctx.today, first_due=body.first_due,
            instalments=body.instalments, frequency=body.frequency,
            amounts=None if body.amounts is None else [Decimal(a) for a in body.amounts],
            dates=body.dates, interest_rate=Decimal(body.interest_rate),
            agreed_by=body.agreed_by, contact=body.contact, note=body.note,
        )  # fmt: skip
        return 201, schemas.PaymentPlan.of(plan)

    return write(ctx, request, body=body, key=idempotency_key, act=act)


@router.post(
    "/payment-plans/{plan_id}/cancel", tags=["payment plans"], response_model=schemas.PaymentPlan
)
def cancel_plan(
    ctx: Context,
    request: Request,
    plan_id: RecordId,
    body: schemas.Cancel,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """End an active plan by agreement; the ladder resumes for its invoices."""

    def act() -> tuple[int, schemas.PaymentPlan]:
        plan = plans.cancel_plan(
            ctx.session, org_id=ctx.org_id, plan_id=plan_id, on=ctx.today, reason=body.reason
        )
        return 200, schemas.PaymentPlan.of(plan)

    return write(ctx, request, body=body, key=idempotency_key, act=act)


@router.get("/tasks", tags=["tasks"])
def list_tasks(
    ctx: Context,
    customer_id: IdFilter = None,
    status: Short = None,
    assignee: Short = None,
    due_before: date | None = None,
    sort: Literal["id", "-id", "created_at", "-created_at"] = "id",
    cursor: CursorParam = None,
    limit: Limit = 50,
) -> Page[schemas.Task]:
    """The organisation's tasks."""
    where = equal((Task.customer_id, customer_id), (Task.status, status), (Task.assignee, assignee))
    if due_before is not None:
        where.append(Task.due_on <= due_before)
    return listed(ctx, TASKS, schemas.Task.of, where=where, sort=sort, cursor=cursor, limit=limit)


@router.get("/tasks/{task_id}", tags=["tasks"])
def get_task(ctx: Context, task_id: RecordId) -> schemas.Task:
    """One task."""
    return schemas.Task.of(
        one(ctx.session, Task, org_id=ctx.org_id, record_id=task_id, what="task")
    )


@router.post("/tasks", tags=["tasks"], status_code=201, response_model=schemas.Task)
def create_task(
    ctx: Context,
    request: Request,
    body: schemas.TaskCreate,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """A new open task."""

    def act() -> tuple[int, schemas.Task]:
        task = tasks.create_task(ctx.session, org_id=ctx.org_id, **body.model_dump())
        return 201, schemas.Task.of(task)

    return write(ctx, request, body=body, key=idempotency_key, act=act)


@router.post("/tasks/{task_id}/complete", tags=["tasks"], response_model=schemas.Task)
def complete_task(
    ctx: Context, request: Request, task_id: RecordId, idempotency_key: IdempotencyKey = None
) -> Response:
    """Mark a task done (by the token)."""

    def act() -> tuple[int, schemas.Task]:
        task = tasks.complete_task(ctx.session, org_id=ctx.org_id, task_id=task_id, by=ctx.actor)
        return 200, schemas.Task.of(task)

    return write(ctx, request, body=None, key=idempotency_key, act=act)


@router.get("/notes", tags=["notes"])
def list_notes(
    ctx: Context,
    customer_id: IdFilter = None,
    sort: Literal["id", "-id", "created_at", "-created_at"] = "id",
    cursor: CursorParam = None,
    limit: Limit = 50,
) -> Page[schemas.Note]:
    """Notes on the organisation's accounts."""
    where = equal((Note.customer_id, customer_id))
    return listed(ctx, NOTES, schemas.Note.of, where=where, sort=sort, cursor=cursor, limit=limit)


@router.get("/notes/{note_id}", tags=["notes"])
def get_note(ctx: Context, note_id: RecordId) -> schemas.Note:
    """One note."""
    return schemas.Note.of(
        one(ctx.session, Note, org_id=ctx.org_id, record_id=note_id, what="note")
    )


@router.post("/notes", tags=["notes"], status_code=201, response_model=schemas.Note)
def add_note(
    ctx: Context,
    request: Request,
    body: schemas.NoteCreate,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """A note on a customer's account (the token is its author)."""

    def act() -> tuple[int, schemas.Note]:
        note = notes.add_note(
            ctx.session, org_id=ctx.org_id, customer_id=body.customer_id, text=body.text,
            author=ctx.actor,
        )  # fmt: skip
        return 201, schemas.Note.of(note)

    return write(ctx, request, body=body, key=idempotency_key, act=act)
