"""One outbox message as it was (or will be) sent: its text, its HTML (in a sandboxed
frame), its attachments, attempts and status; a person resends or cancels a failed or
unknown row through ``recoup.comms.review`` (the same service as ``recoup outbox
resend|cancel``, audited with the person as actor)."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from recoup.comms import review
from recoup.comms.models import DELIVERED_KINDS, OutboxMessage
from recoup.errors import NotFound
from recoup.web import repository, service
from recoup.web.deps import DB, Actor, CreditManager, Viewer
from recoup.web.templating import render
from recoup.web.views import redirect

router = APIRouter(prefix="/outbox/{message_id}")

# The message's own HTML is shown in a frame of this page only, with no scripts, no
# forms and nothing fetched from elsewhere (inline images and styles only).
HTML_HEADERS = {
    "content-security-policy": (
        "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
        "frame-ancestors 'self'; sandbox"
    ),
    "x-frame-options": "SAMEORIGIN",
    "cache-control": "no-store",
}


def _message(db: Session, actor: Actor, message_id: int) -> OutboxMessage:
    """The organisation's row, if its customer is in the user's scope."""
    row = review.get_message(db, org_id=actor.org_id, message_id=message_id)
    if row.customer_id is not None:
        try:
            service.customer(db, org_id=actor.org_id, customer_id=row.customer_id)
        except NotFound:
            raise NotFound(f"no outbox message #{message_id}") from None
    return row


@router.get("", response_class=HTMLResponse)
def message_page(request: Request, db: DB, actor: Viewer, message_id: int) -> HTMLResponse:
    """The message: recipient, subject, text, HTML, attachments, attempts, status."""
    row = _message(db, actor, message_id)
    customer = (
        service.customer(db, org_id=actor.org_id, customer_id=row.customer_id)
        if row.customer_id is not None
        else None
    )
    context = {
        "row": row,
        "customer": customer,
        "attachments": repository.outbox_attachments(db, actor.org_id, row.id),
        # A task, charge, hold or hand-off is applied in Recoup: nothing is rendered.
        "delivered": row.kind in {str(k) for k in DELIVERED_KINDS},
        "resendable": row.status in review.RESENDABLE,
        "cancellable": row.status in review.CANCELLABLE,
    }
    return render(request, "outbox_message.html", context)


@router.get("/html", response_class=HTMLResponse)
def message_html(request: Request, db: DB, actor: Viewer, message_id: int) -> HTMLResponse:
    """The message's HTML part alone, for the sandboxed frame of its page."""
    row = _message(db, actor, message_id)
    if not row.body_html:
        raise NotFound(f"outbox message #{message_id} has no HTML part")
    return HTMLResponse(row.body_html, headers=HTML_HEADERS)


@router.get("/attachments/{number}")
def attachment(request: Request, db: DB, actor: Viewer, message_id: int, number: int) -> Response:
    """One attachment (1 = the first), downloaded as it was sent."""
    row = _message(db, actor, message_id)
    found = repository.outbox_attachment(db, actor.org_id, row.id, number)
    if found is None:
        raise NotFound(f"outbox message #{message_id} has no attachment {number}")
    filename, mime, content = found
    safe = "".join(c for c in filename if c.isalnum() or c in "._- ") or "attachment"
    return Response(
        content,
        media_type=mime or "application/octet-stream",
        headers={"content-disposition": f'attachment; filename="{safe}"'},
    )


@router.post("/resend")
def resend(request: Request, db: DB, actor: CreditManager, message_id: int) -> Response:
    """Queue a failed or unknown message again (the next dispatch sends it)."""
    _message(db, actor, message_id)
    row = review.resend(db, org_id=actor.org_id, message_id=message_id)
    return redirect(
        f"/outbox/{row.id}", flash=f"Queued again; the next dispatch sends it to {row.recipient}."
    )


@router.post("/cancel")
def cancel(
    request: Request,
    db: DB,
    actor: CreditManager,
    message_id: int,
    reason: Annotated[str, Form()] = "",
) -> Response:
    """Make sure a waiting, failed or unknown message is never sent."""
    _message(db, actor, message_id)
    row = review.cancel(
        db, org_id=actor.org_id, message_id=message_id, reason=f"{reason.strip()} ({actor.email})"
    )
    return redirect(f"/outbox/{row.id}", flash="Cancelled: it will not be sent.")
