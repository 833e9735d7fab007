"""The replies pages: ``/replies`` (what customers wrote back, the drafts waiting for a
collector), ``/replies/{id}`` (one reply, its files, confirm or mark handled), and the
replies' entries on a customer's timeline."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from recoup.auth import scope
from recoup.clock import parse_day
from recoup.errors import InvalidInput, NotFound
from recoup.inbound import service as inbound
from recoup.inbound.enums import ReplyKind, ReplyStatus
from recoup.inbound.models import Reply
from recoup.inbound.words import KIND_WORDS
from recoup.ledger import service as ledger
from recoup.web.core import Page
from recoup.web.deps import DB, Viewer, Worker
from recoup.web.templating import render
from recoup.web.views import redirect

router = APIRouter()

PAGE_SIZE = 50


@dataclass(frozen=True, slots=True)
class ReplyRow:
    """A reply as the pages show it."""

    reply: Reply
    customer_name: str
    kind_words: str
    draft_words: str
    attachments: int
    invoices: list[tuple[int, str]]  # the customer's open invoices (id, number)


def _customer_names(session: Session, org_id: int, ids: set[int]) -> dict[int, str]:
    """Names of the customers in the user's scope (others are left out)."""
    names = {}
    allowed = scope.current(session)
    for customer_id in ids:
        customer = ledger.customer_by_id(session, org_id=org_id, customer_id=customer_id)
        if allowed.covers(customer.collector):
            names[customer_id] = customer.name
    return names


def _draft_words(reply: Reply, numbers: dict[int, str]) -> str:
    draft = reply.draft or {}
    if reply.customer_id is None:
        return "Find the customer first" if reply.status == ReplyStatus.WAITING else ""
    invoices = ", ".join(numbers.get(int(i), f"#{i}") for i in draft.get("invoice_ids", []))
    if reply.kind == ReplyKind.DISPUTE:
        reason = str(draft.get("reason", "other")).replace("_", " ")
        return f"Dispute of {invoices or 'the open invoices'} ({reason})"
    if reply.kind == ReplyKind.PROMISE:
        on = date.fromisoformat(str(draft.get("promised_on")))
        return f"Promise to pay {invoices or 'the open invoices'} by {on.day} {on:%b %Y}"
    if reply.kind == ReplyKind.PAID and reply.paused_until:
        until = reply.paused_until
        return f"Chasing paused until {until.day} {until:%b %Y}"
    return ""


def _rows(session: Session, org_id: int, replies: list[Reply], *, invoices: bool) -> list[ReplyRow]:
    names = _customer_names(session, org_id, {r.customer_id for r in replies if r.customer_id})
    counts = inbound.attachment_counts(session, org_id=org_id, reply_ids=[r.id for r in replies])
    rows = []
    for reply in replies:
        if reply.customer_id is not None and reply.customer_id not in names:
            continue  # another collector's customer
        open_invoices: list[tuple[int, str]] = []
        if reply.customer_id is not None and (invoices or reply.draft):
            open_invoices = [
                (i.id, i.number)
                for i in ledger.open_invoices(session, org_id=org_id, customer_id=reply.customer_id)
            ]
        rows.append(
            ReplyRow(
                reply,
                names.get(reply.customer_id or 0, ""),
                KIND_WORDS.get(ReplyKind(reply.kind), str(reply.kind)),
                _draft_words(reply, dict(open_invoices)),
                counts.get(reply.id, 0),
                open_invoices,
            )
        )
    return rows


@router.get("/replies", response_class=HTMLResponse)
def replies_page(
    request: Request, db: DB, actor: Viewer, show: str = "waiting", page: int = 1
) -> HTMLResponse:
    """Customers' replies, newest first: those waiting for a person, or all."""
    waiting = show != "all"
    page = max(page, 1)
    found, total = inbound.list_replies(
        db,
        org_id=actor.org_id,
        waiting_only=waiting,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    context: dict[str, Any] = {
        "rows": _rows(db, actor.org_id, found, invoices=False),
        "show": "waiting" if waiting else "all",
        "page": Page(page, PAGE_SIZE, total),
        "settings": inbound.get_settings(db, org_id=actor.org_id),
    }
    return render(request, "replies.html", context)


def _reply(db: Session, org_id: int, reply_id: int) -> ReplyRow:
    reply = inbound.get_reply(db, org_id=org_id, reply_id=reply_id)
    rows = _rows(db, org_id, [reply], invoices=True)
    if not rows:
        raise NotFound(f"no reply #{reply_id}")
    return rows[0]


@router.get("/replies/{reply_id}", response_class=HTMLResponse)
def reply_page(request: Request, db: DB, actor: Viewer, reply_id: int) -> HTMLResponse:
    """One reply: who wrote, what, how it was read, its files; confirm or handle it."""
    row = _reply(db, actor.org_id, reply_id)
    context = {
        "row": row,
        "files": inbound.attachments(db, org_id=actor.org_id, reply_id=reply_id),
        "reasons": ["pricing", "quantity", "quality", "not_received", "duplicate", "other"],
    }
    return render(request, "reply.html", context)


@router.get("/replies/{reply_id}/attachments/{number}")
def reply_attachment(
    request: Request, db: DB, actor: Viewer, reply_id: int, number: int
) -> Response:
    """One of the reply's files (1 = the first), as received."""
    _reply(db, actor.org_id, reply_id)
    files = inbound.attachments(db, org_id=actor.org_id, reply_id=reply_id)
    if not 1 <= number <= len(files):
        raise NotFound(f"reply #{reply_id} has no attachment {number}")
    found = files[number - 1]
    safe = "".join(c for c in found.filename if c.isalnum() or c in "._- ") or "attachment"
    return Response(
        found.content,
        media_type=found.mime or "application/octet-stream",
        headers={"content-disposition": f'attachment; filename="{safe}"'},
    )


@router.post("/replies/{reply_id}/confirm")
def confirm_reply(
    request: Request,
    db: DB,
    actor: Worker,
    reply_id: int,
    invoice_ids: Annotated[list[int] | None, Form()] = None,
    promised_on: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    amount: Annotated[str, Form()] = "",
) -> Response:
    """Confirm the reply's draft dispute or promise (as drafted or as changed)."""
    _reply(db, actor.org_id, reply_id)
    day = (
        parse_day(promised_on, field="promised_on", error=f"{promised_on!r} is not a date")
        if promised_on
        else None
    )
    try:
        money = Decimal(amount) if amount.strip() else None
    except InvalidOperation:
        raise InvalidInput(f"{amount!r} is not an amount", field="amount") from None
    reply = inbound.confirm(
        db,
        org_id=actor.org_id,
        reply_id=reply_id,
        by=actor.email,
        invoice_ids=invoice_ids or None,
        promised_on=day,
        reason=reason or None,
        amount=money,
    )
    return redirect("/replies", flash=f"Reply #{reply.id}: {reply.outcome}.")


@router.post("/replies/{reply_id}/handled")
def handle_reply(
    request: Request,
    db: DB,
    actor: Worker,
    reply_id: int,
    note: Annotated[str, Form()] = "",
) -> Response:
    """Mark the reply handled: its task is done and chasing resumes."""
    _reply(db, actor.org_id, reply_id)
    reply = inbound.mark_handled(
        db, org_id=actor.org_id, reply_id=reply_id, by=actor.email, note=note
    )
    return redirect("/replies", flash=f"Reply #{reply.id} handled; chasing resumes.")
