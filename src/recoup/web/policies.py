"""The policies page (``/policies``): each policy step by step, the organisation's own
versions, changes proposed for a second person's approval, and which customers and
invoices follow a policy of their own (assigned here or on the customer page).

A change never takes effect from this page: it becomes a request in the approvals
queue (``recoup.approvals.service.request_policy_change``), decided by a manager or an
admin other than the person who proposed it. Assignments are audited
(``PolicyAssignment`` is an audited table).
"""

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from recoup.approvals import service as approvals
from recoup.approvals.models import ApprovalKind
from recoup.config import Settings
from recoup.errors import InvalidInput, NotFound, RecoupError
from recoup.ledger import queries as ledger_queries
from recoup.ledger import service as ledger
from recoup.policy import versions
from recoup.policy.definition import Policy
from recoup.policy.service import assign_policy
from recoup.web import service
from recoup.web.actions import _act
from recoup.web.deps import DB, Actor, CreditManager, Viewer, Worker
from recoup.web.templating import render
from recoup.web.views import redirect, today

router = APIRouter()


def policy_dir() -> Path | None:
    """The organisation's policy files (``RECOUP_POLICY_DIR``), if any."""
    directory = Settings().policy_dir
    return Path(directory) if directory else None


def policies_in_use(db: Session, org_id: int) -> dict[str, Policy]:
    """The files' policies with the organisation's approved versions in their place."""
    return versions.policies_in_use(db, org_id=org_id, policy_dir=policy_dir())


def _labels(db: Session, org_id: int, rows: list[versions.Assignment]) -> dict[str, dict[int, Any]]:
    customer_ids = [r.customer_id for r in rows if r.customer_id is not None]
    invoice_ids = [r.invoice_id for r in rows if r.invoice_id is not None]
    invoices = (
        ledger_queries.invoices_among(db, org_id=org_id, invoice_ids=invoice_ids)
        if invoice_ids
        else []
    )
    customer_ids += [invoice.customer_id for invoice in invoices]
    customers = (
        ledger_queries.customer_labels(db, org_id=org_id, customer_ids=sorted(set(customer_ids)))
        if customer_ids
        else {}
    )
    return {
        "customers": customers,
        "invoices": {invoice.id: (invoice.number, invoice.customer_id) for invoice in invoices},
    }


def policies_context(db: Session, actor: Actor, **extra: Any) -> dict[str, Any]:
    """What the policies page shows to ``actor``."""
    policies = policies_in_use(db, actor.org_id)
    context: dict[str, Any] = {
        "policies": policies,
        "texts": {},
        "changes": [],
        "assignments": [],
        "assigned_total": 0,
        "labels": {"customers": {}, "invoices": {}},
        "errors": {},
        "values": {},
        "as_of": "",
    }
    if actor.can("work_accounts"):
        context["texts"] = {
            name: versions.policy_text(db, org_id=actor.org_id, name=name, policy_dir=policy_dir())
            for name in policies
        }
        context["changes"] = [
            p for p in approvals.pending(db, org_id=actor.org_id) if p.kind is ApprovalKind.POLICY
        ]
    if actor.can("manage_credit"):
        rows, total = versions.list_assignments(db, org_id=actor.org_id)
        context.update(
            assignments=rows, assigned_total=total, labels=_labels(db, actor.org_id, rows)
        )
    context.update(extra)
    return context


@router.get("/policies", response_class=HTMLResponse)
def policies_page(request: Request, db: DB, actor: Viewer) -> HTMLResponse:
    """The escalation policies step by step; changes and assignments for those allowed."""
    return render(request, "policies.html", policies_context(db, actor))


def _refused(request: Request, db: Session, actor: Actor, form: str, values: dict[str, str],
             error: RecoupError) -> HTMLResponse:  # fmt: skip
    db.rollback()
    text = getattr(error, "reason", None) or error.message
    context = policies_context(db, actor, errors={form: text}, values={form: values})
    return render(request, "policies.html", context, status_code=error.status_code)


@router.post("/policies/{name}/change", response_class=HTMLResponse)
def propose_change(
    request: Request,
    db: DB,
    actor: Worker,
    name: str,
    text: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    """Propose a new text for a policy; it waits for another manager's or admin's
    approval before the engine uses it."""
    form = f"change-{name}"
    try:
        policies = policies_in_use(db, actor.org_id)
        if name not in policies:
            raise NotFound(f"no policy {name!r}")
        change = approvals.request_policy_change(
            db,
            org_id=actor.org_id,
            text=text.replace("\r\n", "\n"),
            reason=reason,
            requested_by=actor.email,
            policies=policies,
            name=name,
            on=today(request),
        )
    except NotFound:
        raise
    except RecoupError as error:
        return _refused(request, db, actor, form, {"text": text, "reason": reason}, error)
    return redirect(
        f"/policies#policy-{name}",
        flash=f"Policy change #{change.id} proposed; another manager or admin approves it "
        "before it takes effect.",
    )


def _target(
    db: Session, actor: Actor, customer: str, invoice: str
) -> tuple[int | None, int | None]:
    """The customer (account number) or the invoice (number) a user names, in scope."""
    if bool(customer.strip()) == bool(invoice.strip()):
        raise InvalidInput("name one account number or one invoice number", field="customer")
    if customer.strip():
        found = ledger.get_customer(db, org_id=actor.org_id, external_id=customer.strip())
        service.customer(db, org_id=actor.org_id, customer_id=found.id)
        return found.id, None
    invoice_row = ledger.invoice_by_number(db, org_id=actor.org_id, number=invoice.strip())
    service.customer(db, org_id=actor.org_id, customer_id=invoice_row.customer_id)
    return None, invoice_row.id


@router.post("/policies/assign", response_class=HTMLResponse)
def assign(
    request: Request,
    db: DB,
    actor: CreditManager,
    policy: Annotated[str, Form()] = "",
    customer: Annotated[str, Form()] = "",
    invoice: Annotated[str, Form()] = "",
) -> Response:
    """Make a customer (by account number) or an invoice (by number) follow a policy;
    an empty policy lets it follow the wider scope again."""
    values = {"policy": policy, "customer": customer, "invoice": invoice}
    try:
        customer_id, invoice_id = _target(db, actor, customer, invoice)
        scope = f"customer {customer.strip()}" if customer_id else f"invoice {invoice.strip()}"
        if policy.strip():
            assign_policy(
                db, org_id=actor.org_id, policy=policy.strip(),
                policies=policies_in_use(db, actor.org_id), customer_id=customer_id,
                invoice_id=invoice_id,
            )  # fmt: skip
            message = f"{scope.capitalize()} now follows policy {policy.strip()!r}."
        else:
            versions.unassign_policy(
                db, org_id=actor.org_id, customer_id=customer_id, invoice_id=invoice_id
            )
            message = f"{scope.capitalize()} follows the wider policy again."
    except RecoupError as error:
        return _refused(request, db, actor, "assign", values, error)
    return redirect("/policies#assignments", flash=message)


@router.post("/customers/{customer_id}/policy", response_class=HTMLResponse)
def assign_to_customer(
    request: Request,
    db: DB,
    actor: CreditManager,
    customer_id: int,
    policy: Annotated[str, Form()] = "",
) -> Response:
    """The customer page's policy choice (empty: the organisation's default)."""

    def action() -> str:
        if not policy.strip():
            versions.unassign_policy(db, org_id=actor.org_id, customer_id=customer_id)
            return "The customer follows the organisation's policy."
        assign_policy(
            db,
            org_id=actor.org_id,
            policy=policy.strip(),
            policies=policies_in_use(db, actor.org_id),
            customer_id=customer_id,
        )
        return f"The customer now follows policy {policy.strip()!r}."

    return _act(request, db, actor, customer_id, "policy", {"policy": policy}, action)
