"""The Bank page: statements in, their lines with status and the matcher's proposals,
and the decisions people make about a line.

Everything goes through ``recoup.cashapp.service`` (the functions ``recoup bank`` uses):
import a statement, accept a proposal, apply a line to invoices of one or several
customers, put it on a customer's account, mark it "not a customer payment", undo an
application (the allocations are reversed through the ledger, audited). Everyone who may
view sees the lines; managers and admins (``manage_credit``) decide, and upload
statements (``import_data``). A refused decision shows the line again with the message
beside its form (422) and writes nothing; a decision says what the matcher learned.
"""

from collections import Counter
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from recoup import money
from recoup.cashapp import formats
from recoup.cashapp import service as cashapp
from recoup.cashapp.models import BankLine, LineStatus
from recoup.errors import InvalidInput, NotFound, RecoupError
from recoup.ledger import service as ledger
from recoup.web import core
from recoup.web.deps import DB, Actor, CreditManager, Importer, Viewer
from recoup.web.forms import ProposalForm, SplitForm, read_form
from recoup.web.templating import render
from recoup.web.views import _safe_next, redirect

router = APIRouter(prefix="/bank")

PAGE_SIZE = 50
MAX_STATEMENT_BYTES = 50 * 1024 * 1024
STATUSES = tuple(s.value for s in LineStatus)
# What the list shows without a filter: what still needs a person.
TO_REVIEW = "review"
STATUS_CHOICES = (TO_REVIEW, *STATUSES, "all")
SPLIT_ROWS = 4  # invoice rows of the split form


def _statuses(status: str) -> list[str] | None:
    if status == "all":
        return None
    if status in STATUSES:
        return [status]
    return [LineStatus.PROPOSED.value, LineStatus.UNMATCHED.value]


def _status(status: str) -> str:
    return status if status in STATUS_CHOICES else TO_REVIEW


# --- statements ------------------------------------------------------------------------


def _bank_context(db: Session, actor: Actor, page: str = "1", **extra: Any) -> dict[str, Any]:
    number = core.page_number(page)
    statements, total = cashapp.statement_page(
        db, org_id=actor.org_id, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE
    )
    counts = cashapp.line_counts(db, org_id=actor.org_id, statement_ids=[s.id for s in statements])
    everything = cashapp.line_counts(db, org_id=actor.org_id)
    totals: Counter[str] = Counter()
    for per_statement in everything.values():
        totals.update(per_statement)
    return {
        "statements": statements,
        "counts": counts,
        "totals": totals,
        "page": core.Page(number, PAGE_SIZE, total),
        "formats": formats.FORMATS,
        "errors": {},
        "values": {},
        "summary": None,
        **extra,
    }


@router.get("", response_class=HTMLResponse)
def bank_page(request: Request, db: DB, actor: Viewer, page: str = "1") -> HTMLResponse:
    """The imported statements, newest first, with their lines by status; the upload
    form for those who may import."""
    return render(request, "bank.html", _bank_context(db, actor, page))


@router.post("", response_class=HTMLResponse)
async def import_statement(
    request: Request,
    db: DB,
    actor: Importer,
    format: Annotated[str, Form()] = "auto",
    profile: Annotated[str, Form()] = "",
    dry_run: Annotated[str, Form()] = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> HTMLResponse:
    """Import a statement file: its new lines stored, matched, the certain ones applied
    (``recoup bank import``); the summary is shown. "Check only" writes nothing."""
    values = {"format": format, "profile": profile, "dry_run": dry_run}
    errors: dict[str, str] = {}
    if format != "auto" and format not in formats.FORMATS:
        errors["format"] = "Choose a format from the list."
    name = (file.filename or "") if file is not None else ""
    data = b""
    if file is None or not name:
        errors["file"] = "Choose a statement file to upload."
    else:
        data = await file.read(MAX_STATEMENT_BYTES + 1)
        if len(data) > MAX_STATEMENT_BYTES:
            errors["file"] = "The file is larger than 50 MB."
    checking = dry_run in ("1", "on", "true")
    summary = None
    read: tuple[Any, ...] = ()
    if not errors:
        try:
            csv_profile = None
            if profile.strip():
                settings = cashapp.profile_settings(db, org_id=actor.org_id, name=profile.strip())
                csv_profile = formats.CsvProfile.from_dict(settings)
            read = formats.read(data, format=format, profile=csv_profile, filename=name)
            summary = cashapp.import_statements(
                db, org_id=actor.org_id, statements=read, filename=name, actor=actor.email
            )
        except RecoupError as error:
            db.rollback()
            field = "profile" if isinstance(error, NotFound) else "file"
            errors[field] = getattr(error, "reason", None) or error.message
    if errors or summary is None:
        context = _bank_context(db, actor, errors=errors, values=values)
        return render(request, "bank.html", context, status_code=422)
    if checking:
        db.rollback()
    context = _bank_context(
        db,
        actor,
        values=values,
        summary=summary,
        filename=name,
        kinds=sorted({s.format for s in read}),
        checked=checking,
    )
    return render(request, "bank.html", context)


# --- lines -----------------------------------------------------------------------------


def _lines_page(
    request: Request,
    db: Session,
    actor: Actor,
    *,
    status: str,
    page: str,
    statement_id: int | None,
) -> HTMLResponse:
    statement = (
        cashapp.get_statement(db, org_id=actor.org_id, statement_id=statement_id)
        if statement_id is not None
        else None
    )
    chosen = _status(status)
    statuses = _statuses(chosen)
    counts = cashapp.line_counts(
        db, org_id=actor.org_id, statement_ids=None if statement is None else [statement.id]
    )
    by_status: Counter[str] = Counter()
    for per_statement in counts.values():
        by_status.update(per_statement)
    total = sum(n for s, n in by_status.items() if statuses is None or s in statuses)
    number = core.page_number(page)
    lines = cashapp.list_lines(
        db,
        org_id=actor.org_id,
        statuses=statuses,
        statement_id=statement_id,
        limit=PAGE_SIZE,
        offset=(number - 1) * PAGE_SIZE,
    )
    context = {
        "lines": lines,
        "statement": statement,
        "status": chosen,
        "choices": STATUS_CHOICES,
        "by_status": by_status,
        "review_count": by_status[LineStatus.PROPOSED.value] + by_status[LineStatus.UNMATCHED],
        "page": core.Page(number, PAGE_SIZE, total),
        "base": request.url.path,
    }
    partial = request.headers.get("hx-request") and not request.headers.get("hx-boosted")
    return render(request, "_bank_lines.html" if partial else "bank_lines.html", context)


@router.get("/lines", response_class=HTMLResponse)
def lines_page(
    request: Request, db: DB, actor: Viewer, status: str = "", page: str = "1"
) -> HTMLResponse:
    """Every statement's lines by status (those to review unless chosen), with the best
    proposal and its reasons; 50 a page."""
    return _lines_page(request, db, actor, status=status, page=page, statement_id=None)


@router.get("/statements/{statement_id}", response_class=HTMLResponse)
def statement_page(
    request: Request, db: DB, actor: Viewer, statement_id: int, status: str = "all",
    page: str = "1",
) -> HTMLResponse:  # fmt: skip
    """One statement's lines by status (all of them unless chosen)."""
    return _lines_page(request, db, actor, status=status, page=page, statement_id=statement_id)


def _line_context(db: Session, actor: Actor, line: BankLine, **extra: Any) -> dict[str, Any]:
    customer = (
        ledger.customer_by_id(db, org_id=actor.org_id, customer_id=line.customer_id)
        if line.customer_id is not None
        else None
    )
    best = line.proposals[0] if line.proposals else None
    split = [
        {"invoice": number, "amount": money.format_minor(amount, line.currency)}
        for _, number, amount in (best["shares"] if best else [])
    ][:SPLIT_ROWS]
    split += [{"invoice": "", "amount": ""}] * (SPLIT_ROWS - len(split))
    return {
        "line": line,
        "customer": customer,
        "decisions": cashapp.line_decisions(db, org_id=actor.org_id, line_id=line.id),
        "open": line.credit and line.status in (LineStatus.PROPOSED, LineStatus.UNMATCHED),
        "undoable": line.status in (LineStatus.APPLIED, LineStatus.IGNORED),
        "errors": {},
        "values": {"split": split, "customer": best["account"] if best else ""},
        "next": "",
        **extra,
    }


@router.get("/lines/{line_id}", response_class=HTMLResponse)
def line_page(
    request: Request, db: DB, actor: Viewer, line_id: int, next: str = ""
) -> HTMLResponse:
    """One line: what the bank says, every proposal with its reasons, what was decided,
    and (for managers) the decision forms."""
    line = cashapp.read_line(db, org_id=actor.org_id, line_id=line_id)
    context = _line_context(db, actor, line, next=_back(next, line) if next else "")
    return render(request, "bank_line.html", context)


def _back(next: str, line: BankLine) -> str:
    return _safe_next(next) if next.startswith("/bank") else f"/bank/lines/{line.id}"


def _decide(
    request: Request,
    db: Session,
    actor: Actor,
    line_id: int,
    form: str,
    values: dict[str, Any],
    next: str,
    action: Callable[[BankLine], str],
) -> Response:
    """Run ``action`` on the line (it returns the message); on a refusal show the line
    again with the message beside ``form``, having written nothing."""
    line = cashapp.get_line(db, org_id=actor.org_id, line_id=line_id)  # 404 if not ours
    try:
        message = action(line)
    except RecoupError as error:
        failure = error
    else:
        return redirect(_back(next, line), flash=message)
    db.rollback()
    line = cashapp.read_line(db, org_id=actor.org_id, line_id=line_id)
    context = _line_context(db, actor, line, next=_back(next, line) if next else "")
    context["errors"] = {form: getattr(failure, "reason", None) or failure.message}
    context["values"] = context["values"] | values
    return render(request, "bank_line.html", context, status_code=422)


def _applied(line_id: int, done: cashapp.Applied, currency: str) -> str:
    text = (
        f"Line {line_id} applied: {money.format_minor(done.applied, currency)} {currency} to "
        f"invoices, {money.format_minor(done.on_account, currency)} {currency} on account."
    )
    return " ".join([text, *(f"{lesson}." for lesson in done.learned)])


@router.post("/lines/{line_id}/accept", response_class=HTMLResponse)
def accept(
    request: Request,
    db: DB,
    actor: CreditManager,
    line_id: int,
    proposal: Annotated[str, Form()] = "1",
    next: Annotated[str, Form()] = "",
) -> Response:
    """Apply the line as a proposal says (1: the best); the matcher learns the payer."""

    def act(line: BankLine) -> str:
        form = read_form(ProposalForm, {"proposal": proposal})
        done = cashapp.accept_proposal(
            db, org_id=actor.org_id, line_id=line_id, rank=form.proposal - 1, actor=actor.email
        )
        return _applied(line_id, done, line.currency)

    return _decide(request, db, actor, line_id, "accept", {}, next, act)


@router.post("/lines/{line_id}/apply", response_class=HTMLResponse)
def apply(
    request: Request,
    db: DB,
    actor: CreditManager,
    line_id: int,
    invoice: Annotated[list[str] | None, Form()] = None,
    amount: Annotated[list[str] | None, Form()] = None,
    customer: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    """Split the line over invoices (each its open amount or the amount given, of one or
    several customers); the rest on account of ``customer`` or the first invoice's."""
    numbers, amounts = invoice or [], amount or []
    values = {
        "split": [
            {"invoice": i, "amount": a}
            for i, a in zip(numbers, amounts + [""] * len(numbers), strict=False)
        ],
        "customer": customer,
    }

    def act(line: BankLine) -> str:
        form = read_form(SplitForm, values)
        done = cashapp.apply_line(
            db,
            org_id=actor.org_id,
            line_id=line_id,
            invoices=form.rows(),
            customer=form.customer.strip() or None,
            actor=actor.email,
        )
        return _applied(line_id, done, line.currency)

    return _decide(request, db, actor, line_id, "apply", values, next, act)


@router.post("/lines/{line_id}/on-account", response_class=HTMLResponse)
def on_account(
    request: Request,
    db: DB,
    actor: CreditManager,
    line_id: int,
    customer: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    """Put the whole line on a customer's account (unapplied, usable later)."""

    def act(line: BankLine) -> str:
        if not customer.strip():
            raise InvalidInput("enter the customer's account number", field="customer")
        done = cashapp.apply_line(
            db, org_id=actor.org_id, line_id=line_id, customer=customer.strip(), actor=actor.email
        )
        return _applied(line_id, done, line.currency)

    return _decide(request, db, actor, line_id, "on_account", {"customer": customer}, next, act)


@router.post("/lines/{line_id}/ignore", response_class=HTMLResponse)
def ignore(
    request: Request,
    db: DB,
    actor: CreditManager,
    line_id: int,
    reason: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    """Mark the line "not a customer payment" (a transfer between own accounts, a loan)."""

    def act(line: BankLine) -> str:
        why = reason.strip()[:500] or "not a customer payment"
        cashapp.ignore_line(db, org_id=actor.org_id, line_id=line_id, reason=why, actor=actor.email)
        return f"Line {line_id} ignored: {why}."

    return _decide(request, db, actor, line_id, "ignore", {"reason": reason}, next, act)


@router.post("/lines/{line_id}/undo", response_class=HTMLResponse)
def undo(
    request: Request,
    db: DB,
    actor: CreditManager,
    line_id: int,
    reason: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    """Undo an application (allocations reversed, audited) or an ignore; a reason is
    required and kept with the decision."""

    def act(line: BankLine) -> str:
        why = reason.strip()[:500]
        if not why:
            raise InvalidInput("say why the decision is undone", field="reason")
        reopened = cashapp.undo_line(
            db, org_id=actor.org_id, line_id=line_id, reason=why, actor=actor.email
        )
        opened = f" Open again: {', '.join(reopened)}." if reopened else ""
        return f"Line {line_id} undone.{opened}"

    return _decide(request, db, actor, line_id, "undo", {"reason": reason}, next, act)
