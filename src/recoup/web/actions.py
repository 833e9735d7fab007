"""The action forms of the customer page: notes, calls, promises, disputes, payment
plans, statements, credit holds and hand-off requests.

Each action calls the owning domain's service (``recoup.cases``, ``recoup.credit``,
``recoup.comms``) inside the request's transaction. The form is checked first, by its
model in ``recoup.web.forms``; when the form or the service refuses, the transaction is
rolled back and the customer page is shown again with the message beside the form
(status 422). On success: redirect with a message.
"""

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from recoup import money
from recoup.cases import agency, disputes, notes, plans, promises
from recoup.comms.models import OutboxKind
from recoup.comms.outbox import Effect, enqueue
from recoup.comms.payloads import Message
from recoup.credit import service as credit
from recoup.db.base import utcnow
from recoup.errors import InvalidInput, NotFound, RecoupError
from recoup.ledger.core import split_in_order
from recoup.portal import service as portal
from recoup.web import service
from recoup.web.deps import DB, Actor, CreditManager, Worker
from recoup.web.forms import (
    CallForm,
    DisputeForm,
    DisputeResolveForm,
    HandoffForm,
    HoldForm,
    PlanForm,
    PromiseForm,
    ReleaseForm,
    read_form,
)
from recoup.web.templating import render
from recoup.web.views import _customer_context, redirect, today

router = APIRouter(prefix="/customers/{customer_id}")

IdList = Annotated[list[str], Form()]


def _act(
    request: Request,
    db: Session,
    actor: Actor,
    customer_id: int,
    form: str,
    values: dict[str, Any],
    action: Callable[[], str],
) -> Response:
    """Run ``action`` (which returns the success message); on a refusal, show the
    customer page again with the message beside ``form`` and write nothing."""
    service.customer(db, org_id=actor.org_id, customer_id=customer_id)  # 404 if not ours
    try:
        message = action()
    except NotFound:
        raise
    except RecoupError as error:
        db.rollback()
        text = getattr(error, "reason", None) or error.message
        context = _customer_context(
            db, request, actor, customer_id, errors={form: text}, values={form: values}
        )
        return render(request, "customer.html", context, status_code=422)
    return redirect(f"/customers/{customer_id}#timeline", flash=message)


def _promise_items(
    db: Session, actor: Actor, customer_id: int, amount: Decimal | None, as_of: date
) -> list[tuple[int, Decimal | None]]:
    """The open invoices a promise covers: all of them (oldest due first), or as many
    as ``amount`` pays in that order (in the currency of the oldest)."""
    statement = portal.customer_statement(
        db, org_id=actor.org_id, customer_id=customer_id, as_of=as_of
    )
    invoices = list(statement.invoices)
    if not invoices:
        raise InvalidInput("nothing is open to promise", field="promised_on")
    currency = invoices[0].currency
    invoices = [i for i in invoices if i.currency == currency]
    if amount is None:
        return [(i.id, None) for i in invoices]
    parts = split_in_order(money.to_minor(amount, currency), [i.open_amount for i in invoices])
    if money.to_minor(amount, currency) > sum(i.open_amount for i in invoices):
        raise InvalidInput("is more than is open", field="amount")
    return [
        (i.id, money.from_minor(part, currency))
        for i, part in zip(invoices, parts, strict=True)
        if part
    ]


@router.post("/notes", response_class=HTMLResponse)
def add_note(
    request: Request, db: DB, actor: Worker, customer_id: int, text: Annotated[str, Form()] = ""
) -> Response:
    """A note on the account."""

    def action() -> str:
        notes.add_note(
            db, org_id=actor.org_id, customer_id=customer_id, text=text, author=actor.email
        )
        return "Note added."

    return _act(request, db, actor, customer_id, "note", {"text": text}, action)


def _record_promise(
    db: Session,
    actor: Actor,
    customer_id: int,
    promised_on: date,
    amount: Decimal | None,
    as_of: date,
    *,
    contact: str,
    channel: str,
    note: str,
) -> None:
    promises.add_promise(
        db,
        org_id=actor.org_id,
        customer_id=customer_id,
        items=_promise_items(db, actor, customer_id, amount, as_of),
        promised_on=promised_on,
        made_on=as_of,
        contact=contact,
        channel=channel,
        collector=actor.email,
        note=note,
    )


@router.post("/calls", response_class=HTMLResponse)
def log_call(
    request: Request,
    db: DB,
    actor: Worker,
    customer_id: int,
    outcome: Annotated[str, Form()] = "",
    contact: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    promised_on: Annotated[str, Form()] = "",
    amount: Annotated[str, Form()] = "",
) -> Response:
    """A call and its outcome; with a date, the promise to pay it produced."""
    values = {"outcome": outcome, "contact": contact, "note": note,
              "promised_on": promised_on, "amount": amount}  # fmt: skip

    def action() -> str:
        as_of = today(request)
        form = read_form(CallForm, values)
        notes.log_call(
            db,
            org_id=actor.org_id,
            customer_id=customer_id,
            outcome=form.outcome,
            contact=form.contact,
            note=form.note,
            author=actor.email,
        )
        if form.promised_on is None:
            return "Call logged."
        _record_promise(db, actor, customer_id, form.promised_on, form.amount, as_of,
                        contact=form.contact, channel="phone", note=form.note)  # fmt: skip
        return f"Call logged with a promise to pay on {form.promised_on.isoformat()}."

    return _act(request, db, actor, customer_id, "call", values, action)


@router.post("/promises", response_class=HTMLResponse)
def add_promise(
    request: Request,
    db: DB,
    actor: Worker,
    customer_id: int,
    promised_on: Annotated[str, Form()] = "",
    amount: Annotated[str, Form()] = "",
    channel: Annotated[str, Form()] = "email",
    contact: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    """A promise to pay made by email, letter or in person (calls use the call form)."""
    values = {"promised_on": promised_on, "amount": amount, "channel": channel,
              "contact": contact, "note": note}  # fmt: skip

    def action() -> str:
        as_of = today(request)
        form = read_form(PromiseForm, values)
        _record_promise(db, actor, customer_id, form.promised_on, form.amount, as_of,
                        contact=form.contact, channel=form.channel, note=form.note)  # fmt: skip
        return f"Promise to pay on {form.promised_on.isoformat()} recorded."

    return _act(request, db, actor, customer_id, "promise", values, action)


@router.post("/disputes", response_class=HTMLResponse)
def open_dispute(
    request: Request,
    db: DB,
    actor: Worker,
    customer_id: int,
    invoice: IdList = [],  # noqa: B006 - FastAPI copies form defaults
    reason: Annotated[str, Form()] = "",
    amount: Annotated[str, Form()] = "",
    description: Annotated[str, Form()] = "",
) -> Response:
    """A dispute on some open invoices (they leave the ladder until it is resolved)."""
    values = {"invoice": invoice, "reason": reason, "amount": amount, "description": description}

    def action() -> str:
        form = read_form(DisputeForm, values)
        dispute = disputes.open_dispute(
            db,
            org_id=actor.org_id,
            customer_id=customer_id,
            invoice_ids=form.invoice,
            reason=form.reason,
            amount=form.amount,
            owner=actor.email,
            description=form.description,
            opened_on=today(request),
        )
        return f"Dispute #{dispute.id} opened."

    return _act(request, db, actor, customer_id, "dispute", values, action)


@router.post("/disputes/{dispute_id}/resolve", response_class=HTMLResponse)
def resolve_dispute(
    request: Request,
    db: DB,
    actor: CreditManager,
    customer_id: int,
    dispute_id: int,
    outcome: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    credit_amount: Annotated[str, Form()] = "",
) -> Response:
    """Close a dispute: valid, invalid, or credited (a credit note is issued)."""
    ours = disputes.list_disputes(db, org_id=actor.org_id, customer_id=customer_id)
    if dispute_id not in {d.id for d in ours}:
        raise NotFound(f"no dispute #{dispute_id} on this account")
    values = {"outcome": outcome, "note": note, "credit_amount": credit_amount}

    def action() -> str:
        form = read_form(DisputeResolveForm, values)
        dispute = disputes.resolve_dispute(
            db,
            org_id=actor.org_id,
            dispute_id=dispute_id,
            outcome=form.outcome,
            on=today(request),
            note=form.note,
            credit_amount=form.credit_amount,
            by=actor.email,
        )
        return f"Dispute #{dispute.id} closed ({str(dispute.status).replace('_', ' ')})."

    return _act(request, db, actor, customer_id, f"resolve-{dispute_id}", values, action)


@router.post("/plans", response_class=HTMLResponse)
def create_plan(
    request: Request,
    db: DB,
    actor: Worker,
    customer_id: int,
    invoice: IdList = [],  # noqa: B006 - FastAPI copies form defaults
    instalments: Annotated[str, Form()] = "",
    frequency: Annotated[str, Form()] = "monthly",
    first_due: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    """A payment plan of equal instalments over some open invoices."""
    values = {"invoice": invoice, "instalments": instalments, "frequency": frequency,
              "first_due": first_due, "note": note}  # fmt: skip

    def action() -> str:
        form = read_form(PlanForm, values)
        plan = plans.create_plan(
            db,
            org_id=actor.org_id,
            customer_id=customer_id,
            invoice_ids=form.invoice,
            start_on=today(request),
            first_due=form.first_due,
            instalments=form.instalments,
            frequency=form.frequency,
            agreed_by=actor.email,
            note=form.note,
        )
        return f"Payment plan #{plan.id} of {form.instalments} {form.frequency} instalments agreed."

    return _act(request, db, actor, customer_id, "plan", values, action)


@router.post("/statement", response_class=HTMLResponse)
def send_statement(
    request: Request,
    db: DB,
    actor: Worker,
    customer_id: int,
    contact: Annotated[str, Form()] = "",
) -> Response:
    """Plan a statement email to one of the customer's contacts (the dispatcher sends
    it; once per contact and day)."""

    def action() -> str:
        as_of = today(request)
        page = service.customer_page(
            db, org_id=actor.org_id, customer_id=customer_id, as_of=as_of, with_timeline=False
        )
        chosen = next((c for c in page.contacts if str(c["id"]) == contact and c["email"]), None)
        if chosen is None:
            raise InvalidInput("choose a contact with an email address", field="contact")
        invoice_ids = [line.id for line in page.statement.invoices]
        effect = Effect(
            key=f"statement:{customer_id}:{chosen['id']}:{as_of.isoformat()}",
            kind=OutboxKind.EMAIL,
            customer_id=customer_id,
            scheduled_at=utcnow(),
            template="statement",
            recipient=chosen["email"],
            source="web",
            payload=Message(
                invoice_ids=invoice_ids,
                contact_id=chosen["id"],
                as_of=as_of,
                requested_by=actor.email,
            ).dump(),
        )
        new = enqueue(db, org_id=actor.org_id, effects=[effect])
        if not new:
            return f"A statement to {chosen['email']} is already planned today."
        return f"Statement to {chosen['email']} queued."

    return _act(request, db, actor, customer_id, "statement", {"contact": contact}, action)


@router.post("/hold", response_class=HTMLResponse)
def place_hold(
    request: Request,
    db: DB,
    actor: CreditManager,
    customer_id: int,
    reason: Annotated[str, Form()] = "",
) -> Response:
    """Put the customer on credit hold (the sales owner is told)."""

    def action() -> str:
        form = read_form(HoldForm, {"reason": reason})
        credit.place_hold(
            db,
            org_id=actor.org_id,
            customer_id=customer_id,
            reason=form.reason,
            by=actor.email,
            on=today(request),
        )
        return "Customer put on credit hold."

    return _act(request, db, actor, customer_id, "hold", {"reason": reason}, action)


@router.post("/hold/release", response_class=HTMLResponse)
def release_hold(
    request: Request,
    db: DB,
    actor: CreditManager,
    customer_id: int,
    reason: Annotated[str, Form()] = "",
) -> Response:
    """Release the customer's credit holds."""

    def action() -> str:
        form = read_form(ReleaseForm, {"reason": reason})
        released = credit.release_hold(
            db,
            org_id=actor.org_id,
            customer_id=customer_id,
            reason=form.reason,
            by=actor.email,
            on=today(request),
        )
        if not released:
            raise InvalidInput("the customer is not on hold", field="reason")
        return "Credit hold released."

    return _act(request, db, actor, customer_id, "release", {"reason": reason}, action)


@router.post("/handoff", response_class=HTMLResponse)
def request_handoff(
    request: Request,
    db: DB,
    actor: Worker,
    customer_id: int,
    invoice: IdList = [],  # noqa: B006 - FastAPI copies form defaults
    agency_name: Annotated[str, Form(alias="agency")] = "",
) -> Response:
    """Ask to place invoices with a collection agency (a manager approves)."""
    values = {"invoice": invoice, "agency": agency_name}

    def action() -> str:
        form = read_form(HandoffForm, values)
        handoff = agency.request_handoff(
            db,
            org_id=actor.org_id,
            customer_id=customer_id,
            invoice_ids=form.invoice,
            agency=form.agency,
            requested_by=actor.email,
            on=today(request),
        )
        return f"Hand-off #{handoff.id} to {form.agency.strip()} requested; a manager approves it."

    return _act(request, db, actor, customer_id, "handoff", values, action)
