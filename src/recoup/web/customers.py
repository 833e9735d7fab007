"""Customers and their contacts made and changed in the web app: ``/customers/new``,
``/customers/{id}/edit`` and the contact forms on it.

Every value goes through the ledger's checks (``recoup.ledger.service``:
``new_customer``, ``update_customer``, ``save_contact``, ``remove_contact`` — the rules
of the imports); a refused form is shown again with the field named and nothing written.
Changes are audited by the ledger's models. A credit-limit increase above the threshold
becomes a request for a second person (``recoup.approvals``), as on the customer page.

Customer details: admins and managers (who may import customers); contacts: whoever
works accounts.
"""

from datetime import date
from typing import Any, Protocol

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from recoup import money
from recoup.approvals import service as approvals
from recoup.approvals.core import CREDIT_INCREASE_THRESHOLD
from recoup.approvals.models import ApprovalRequest
from recoup.errors import InvalidInput, NotFound, RecoupError
from recoup.ledger import service as ledger
from recoup.ledger.core import TermsBasis
from recoup.ledger.enums import Channel, ContactRole, CustomerStatus
from recoup.web import service
from recoup.web.deps import DB, Actor, Importer, Worker
from recoup.web.forms import CreditLimitForm, read_form
from recoup.web.templating import render
from recoup.web.views import redirect, today

router = APIRouter(prefix="/customers")

FLAGS = ("is_consumer", "do_not_contact", "legal_hold")
TEXTS = tuple(f for f in ledger.CUSTOMER_EDITABLE if f not in FLAGS)
BASES = {
    str(TermsBasis.INVOICE_DATE): "days after the invoice date",
    str(TermsBasis.MONTH_END): "days after the end of the invoice month",
    str(TermsBasis.FOLLOWING_MONTH): "day of the following month",
    str(TermsBasis.CURRENT_MONTH): "day of the invoice's month",
}
CONTACT_FIELDS = ("name", "email", "phone", "role", "language", "preferred_channel")


def _details(form: FormData) -> dict[str, Any]:
    """The customer form's values: every text field, and the check boxes (absent: off)."""
    values: dict[str, Any] = {f: str(form.get(f, "")) for f in TEXTS if f in form}
    for flag in FLAGS:
        values[flag] = form.get(flag) == "1"
    return values


class Limited(Protocol):
    """What the credit-limit field reads of a customer (the ledger service's)."""

    @property
    def id(self) -> int: ...
    @property
    def currency(self) -> str: ...
    @property
    def credit_limit_amount(self) -> int | None: ...


def _limit_text(customer: Limited) -> str:
    if customer.credit_limit_amount is None:
        return ""
    return str(money.from_minor(customer.credit_limit_amount, customer.currency))


def _context(db: Session, actor: Actor, customer_id: int | None, **extra: Any) -> dict[str, Any]:
    customer = contacts = None
    if customer_id is not None:
        service.customer(db, org_id=actor.org_id, customer_id=customer_id)  # in scope
        customer = ledger.customer_by_id(db, org_id=actor.org_id, customer_id=customer_id)
        contacts = ledger.contacts_of(db, org_id=actor.org_id, customer_id=customer_id)
    return {
        "customer": customer,
        "contacts": contacts or [],
        "limit": _limit_text(customer) if customer else "",
        "threshold": CREDIT_INCREASE_THRESHOLD,
        "bases": BASES,
        "statuses": [str(s) for s in CustomerStatus],
        "roles": [str(r) for r in ContactRole],
        "channels": [str(c) for c in Channel],
        "errors": {},
        "values": {},
        **extra,
    }


def _again(request: Request, db: Session, actor: Actor, customer_id: int | None, form: str,
           error: RecoupError, values: dict[str, Any]) -> HTMLResponse:  # fmt: skip
    """The page again with ``error`` beside ``form``; the transaction is rolled back."""
    db.rollback()
    context = _context(db, actor, customer_id, errors={form: error.message},
                       values={form: values})  # fmt: skip
    template = "customer_new.html" if customer_id is None else "customer_edit.html"
    return render(request, template, context, status_code=error.status_code)


@router.get("/new", response_class=HTMLResponse)
def new_customer_page(request: Request, db: DB, actor: Importer) -> HTMLResponse:
    """The form for a new customer."""
    return render(request, "customer_new.html", _context(db, actor, None))


@router.post("/new", response_class=HTMLResponse)
async def create_customer(request: Request, db: DB, actor: Importer) -> Response:
    """Make a customer (checked as an import row is); then its page."""
    form = await request.form()
    values = _details(form)
    external_id = str(form.get("external_id", ""))
    currency = str(form.get("currency", ""))
    try:
        customer = ledger.new_customer(
            db, org_id=actor.org_id, external_id=external_id, currency=currency, values=values
        )
    except RecoupError as error:
        shown = {**values, "external_id": external_id, "currency": currency}
        return _again(request, db, actor, None, "details", error, shown)
    return redirect(f"/customers/{customer.id}", flash=f"Customer {customer.name} added.")


@router.get("/{customer_id}/edit", response_class=HTMLResponse)
def edit_page(request: Request, db: DB, actor: Worker, customer_id: int) -> HTMLResponse:
    """The customer's details (admins, managers) and contacts (whoever works accounts)."""
    return render(request, "customer_edit.html", _context(db, actor, customer_id))


def _credit_limit(
    db: Session, actor: Actor, customer: Limited, text: str, reason: str, on: date
) -> str:
    """Change the credit limit when the form's differs: through the approvals service
    (a large increase waits for a second person). A message, or "" when unchanged."""
    form = read_form(CreditLimitForm, {"credit_limit": text, "limit_reason": reason})
    wanted = form.credit_limit
    current = customer.credit_limit_amount
    if (None if wanted is None else money.to_minor(wanted, customer.currency)) == current:
        return ""
    if not actor.can("manage_credit"):
        raise InvalidInput("your role cannot change credit limits", field="credit_limit")
    if not form.limit_reason.strip():
        raise InvalidInput("say why the credit limit changes", field="limit_reason")
    result = approvals.change_credit_limit(
        db, org_id=actor.org_id, customer_id=customer.id, limit=wanted,
        reason=form.limit_reason,
        requested_by=actor.email, on=on,
    )  # fmt: skip
    if isinstance(result, ApprovalRequest):
        return (
            f" Credit-limit request #{result.id} made; an increase of more than "
            f"{CREDIT_INCREASE_THRESHOLD:,} needs another manager or admin."
        )
    return " Credit limit changed."


@router.post("/{customer_id}/edit", response_class=HTMLResponse)
async def save_details(request: Request, db: DB, actor: Importer, customer_id: int) -> Response:
    """Save the customer's details and credit limit (all checked first)."""
    service.customer(db, org_id=actor.org_id, customer_id=customer_id)  # in scope
    customer = ledger.customer_by_id(db, org_id=actor.org_id, customer_id=customer_id)
    form = await request.form()
    values = _details(form)
    limit = str(form.get("credit_limit", ""))
    reason = str(form.get("limit_reason", ""))
    try:
        changed = ledger.update_customer(
            db, org_id=actor.org_id, customer_id=customer_id, changes=values
        )
        note = _credit_limit(db, actor, customer, limit, reason, today(request))
    except NotFound:
        raise
    except RecoupError as error:
        shown = {**values, "credit_limit": limit, "limit_reason": reason}
        return _again(request, db, actor, customer_id, "details", error, shown)
    names = ", ".join(f.replace("_", " ") for f in changed)
    message = (f"Changed: {names}." if names else "No details changed.") + note
    return redirect(f"/customers/{customer_id}", flash=message)


def _contact_values(form: FormData) -> dict[str, Any]:
    values: dict[str, Any] = {f: str(form.get(f, "")) for f in CONTACT_FIELDS}
    values["opted_out"] = [str(c) for c in form.getlist("opted_out")]
    return values


async def _save_contact(
    request: Request, db: Session, actor: Actor, customer_id: int, contact_id: int | None
) -> Response:
    service.customer(db, org_id=actor.org_id, customer_id=customer_id)  # 404 if not ours
    values = _contact_values(await request.form())
    try:
        contact = ledger.save_contact(
            db, org_id=actor.org_id, customer_id=customer_id, contact_id=contact_id, **values
        )
    except NotFound:
        raise
    except RecoupError as error:
        form = "contact-new" if contact_id is None else f"contact-{contact_id}"
        return _again(request, db, actor, customer_id, form, error, values)
    verb = "added" if contact_id is None else "saved"
    return redirect(f"/customers/{customer_id}/edit#contacts",
                    flash=f"Contact {contact.name} {verb}.")  # fmt: skip


@router.post("/{customer_id}/contacts", response_class=HTMLResponse)
async def add_contact(request: Request, db: DB, actor: Worker, customer_id: int) -> Response:
    """Add a contact person."""
    return await _save_contact(request, db, actor, customer_id, None)


@router.post("/{customer_id}/contacts/{contact_id}", response_class=HTMLResponse)
async def edit_contact(
    request: Request, db: DB, actor: Worker, customer_id: int, contact_id: int
) -> Response:
    """Change a contact: name, email, phone, role, language, channel, opt-outs."""
    return await _save_contact(request, db, actor, customer_id, contact_id)


@router.post("/{customer_id}/contacts/{contact_id}/remove", response_class=HTMLResponse)
def remove_contact(
    request: Request, db: DB, actor: Worker, customer_id: int, contact_id: int
) -> Response:
    """Remove a contact (audited)."""
    service.customer(db, org_id=actor.org_id, customer_id=customer_id)  # 404 if not ours
    name = ledger.remove_contact(
        db, org_id=actor.org_id, customer_id=customer_id, contact_id=contact_id
    )
    return redirect(f"/customers/{customer_id}/edit#contacts", flash=f"Contact {name} removed.")
