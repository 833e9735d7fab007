"""The approvals queue of the web app (``/approvals``) and the customer page's forms that
make requests (write-off, credit limit).

Managers and admins decide; the service refuses anyone deciding their own request, so
the page cannot be used to bypass the second person. A refused decision writes nothing
and shows the queue again with the reason.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from recoup.approvals import service as approvals
from recoup.approvals.core import CREDIT_INCREASE_THRESHOLD
from recoup.approvals.models import ApprovalRequest
from recoup.errors import InvalidInput, NotFound, RecoupError
from recoup.ledger import queries as ledger_queries
from recoup.web import service
from recoup.web.actions import _act
from recoup.web.deps import DB, Actor, CreditManager, Worker
from recoup.web.forms import (
    ApproveForm,
    LimitRequestForm,
    RejectForm,
    WriteOffForm,
    read_form,
)
from recoup.web.templating import render
from recoup.web.views import _safe_next, redirect, today

router = APIRouter()


def _names(db: Session, org_id: int, ids: list[int]) -> dict[int, str]:
    unique = sorted(set(ids))
    if not unique:
        return {}
    return ledger_queries.customer_names(db, org_id=org_id, customer_ids=unique)


def _context(db: Session, actor: Actor, **extra: Any) -> dict[str, Any]:
    waiting = approvals.pending(db, org_id=actor.org_id)
    history = approvals.decided(db, org_id=actor.org_id, limit=30)
    names = _names(
        db,
        actor.org_id,
        [p.customer_id for p in waiting if p.customer_id is not None]
        + [d.customer_id for d in history if d.customer_id is not None],
    )
    return {
        "pending": waiting,
        "history": history,
        "names": names,
        "error": "",
        "error_for": "",
        "threshold": CREDIT_INCREASE_THRESHOLD,
        **extra,
    }


@router.get("/approvals", response_class=HTMLResponse)
def approvals_page(request: Request, db: DB, actor: CreditManager) -> HTMLResponse:
    """What waits for a second person's approval, and the latest decisions."""
    return render(request, "approvals.html", _context(db, actor))


def _decide(
    request: Request,
    db: Session,
    actor: Actor,
    kind: str,
    request_id: int,
    next: str,
    decide: Any,
) -> Response:
    item = approvals.find(db, org_id=actor.org_id, kind=kind, request_id=request_id)
    if item.customer_id is not None:
        service.customer(db, org_id=actor.org_id, customer_id=item.customer_id)  # in scope
    try:
        decision: ApprovalRequest = decide()
    except NotFound:
        raise
    except RecoupError as error:
        db.rollback()
        text = getattr(error, "reason", None) or error.message
        context = _context(db, actor, error=text, error_for=f"{item.kind.value}-{item.id}")
        return render(request, "approvals.html", context, status_code=error.status_code)
    what = approvals.WHAT[decision.kind]
    return redirect(
        _safe_next(next) if next else "/approvals",
        flash=f"{what.capitalize()} #{request_id} {decision.status.value}.",
    )


@router.post("/approvals/{kind}/{request_id}/approve", response_class=HTMLResponse)
def approve(
    request: Request,
    db: DB,
    actor: CreditManager,
    kind: str,
    request_id: int,
    reason: Annotated[str, Form()] = "",
    commission: Annotated[str, Form()] = "",
    dpa: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    """Approve a request (never one's own) and carry it out."""

    def decide() -> ApprovalRequest:
        form = read_form(
            ApproveForm, {"reason": reason, "commission": commission, "dpa": dpa, "next": next}
        )
        return approvals.approve(
            db, org_id=actor.org_id, kind=kind, request_id=request_id, by=actor.email,
            role=actor.role.value, reason=form.reason, on=today(request),
            commission_rate=form.commission, processor_agreement=form.dpa,
        )  # fmt: skip

    return _decide(request, db, actor, kind, request_id, next, decide)


@router.post("/approvals/{kind}/{request_id}/reject", response_class=HTMLResponse)
def reject(
    request: Request,
    db: DB,
    actor: CreditManager,
    kind: str,
    request_id: int,
    reason: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    """Turn a request down (never one's own), saying why."""

    def decide() -> ApprovalRequest:
        form = read_form(RejectForm, {"reason": reason, "next": next})
        return approvals.reject(
            db, org_id=actor.org_id, kind=kind, request_id=request_id, by=actor.email,
            role=actor.role.value, reason=form.reason, on=today(request),
        )  # fmt: skip

    return _decide(request, db, actor, kind, request_id, next, decide)


# --- requests from the customer page ------------------------------------------------------


@router.post("/customers/{customer_id}/write-off", response_class=HTMLResponse)
def request_write_off(
    request: Request,
    db: DB,
    actor: Worker,
    customer_id: int,
    invoice: Annotated[str, Form()] = "",
    amount: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    """Ask to write off (part of) an open invoice; a second person approves it."""
    values = {"invoice": invoice, "amount": amount, "reason": reason}

    def action() -> str:
        form = read_form(WriteOffForm, values)
        if form.invoice not in {i.id for i in _open_invoices(db, actor, customer_id, request)}:
            raise InvalidInput("choose one of the open invoices", field="invoice")
        write_off = approvals.request_write_off(
            db, org_id=actor.org_id, invoice_id=form.invoice, reason=form.reason,
            requested_by=actor.email, amount=form.amount, on=today(request),
        )  # fmt: skip
        return f"Write-off #{write_off.id} requested; another manager or admin approves it."

    return _act(request, db, actor, customer_id, "writeoff", values, action)


def _open_invoices(db: Session, actor: Actor, customer_id: int, request: Request) -> Any:
    page = service.customer_page(
        db, org_id=actor.org_id, customer_id=customer_id, as_of=today(request),
        with_timeline=False,
    )  # fmt: skip
    return page.statement.invoices


@router.post("/customers/{customer_id}/credit-limit", response_class=HTMLResponse)
def change_credit_limit(
    request: Request,
    db: DB,
    actor: CreditManager,
    customer_id: int,
    limit: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    """Change the credit limit (empty: no limit); a large increase waits for approval."""
    values = {"limit": limit, "reason": reason}

    def action() -> str:
        form = read_form(LimitRequestForm, values)
        result = approvals.change_credit_limit(
            db, org_id=actor.org_id, customer_id=customer_id, limit=form.limit,
            reason=form.reason,
            requested_by=actor.email, on=today(request),
        )  # fmt: skip
        if isinstance(result, ApprovalRequest):
            return (
                f"Credit-limit request #{result.id} made; an increase of more than "
                f"{CREDIT_INCREASE_THRESHOLD:,} needs another manager or admin."
            )
        return "Credit limit changed."

    return _act(request, db, actor, customer_id, "limit", values, action)
