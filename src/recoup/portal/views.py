"""The customer's portal pages, behind ``/p/{token}``, and the PDFs to download from
them (``statement.pdf``, ``invoices/{number}.pdf``).

Anything but a live token gets the same friendly "this link cannot be used" page with
status 404 — never an error page, never a hint whether the token ever existed, never
another customer's data. An invoice number that is not one of the customer's open
invoices gets one "not available" page, whoever's it is. Forms carry a CSRF token bound
to a cookie.
"""

from datetime import date
from importlib.resources import files
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader
from sqlalchemy.orm import Session

from recoup.auth.http import (
    CSRF_COOKIE,
    DB,
    WriteDB,
    anonymous_csrf,
    check_anonymous_csrf,
    client_ip,
    is_https,
)
from recoup.clock import parse_day
from recoup.comms.render import format_iban
from recoup.errors import InvalidInput, NotFound
from recoup.payments.provider import ProviderFailed
from recoup.portal import downloads, service
from recoup.portal.i18n import (
    LANGUAGE_NAMES,
    LANGUAGES,
    charge_words,
    format_amount,
    format_day,
    language_of,
    translator,
)
from recoup.portal.models import DisputeReason
from recoup.portal.service import PortalAccess
from recoup.templating import autoescape

router = APIRouter(prefix="/p", dependencies=[Depends(check_anonymous_csrf)])
templates = Jinja2Templates(
    env=Environment(
        loader=FileSystemLoader(str(files("recoup.portal") / "templates")), autoescape=autoescape
    )
)
templates.env.filters["iban"] = format_iban

FIELD_MESSAGES = {
    "promised_on": "err_promised_on",
    "amount": "err_amount",
    "comment": "err_comment",
    "invoice": "err_invoice",
    "reason": "err_reason",
    "rate": "err_too_many",
    "pay": "err_pay",
}


def _render(
    request: Request, name: str, context: dict[str, Any], *, status_code: int = 200
) -> HTMLResponse:
    language = context.get("language", "en")
    context.setdefault("t", translator(language))
    others = {code: name for code, name in LANGUAGE_NAMES.items() if code != language}
    context.setdefault("other_languages", others)
    context.setdefault("amount", lambda minor, currency: format_amount(minor, currency, language))
    context.setdefault("day", lambda d: format_day(d, language))
    context.setdefault("charge", lambda line: charge_words(line.facts, line.number, language))
    response = templates.TemplateResponse(request, name, context, status_code=status_code)
    new_csrf = getattr(request.state, "new_csrf_cookie", None)
    if new_csrf:
        response.set_cookie(
            CSRF_COOKIE,
            new_csrf,
            httponly=True,
            samesite="lax",
            secure=is_https(request),
        )
    return response


def invalid_link(request: Request, *, status_code: int = 404) -> HTMLResponse:
    """The page for a wrong, expired or revoked link (in the browser's language)."""
    accepted = request.headers.get("accept-language", "")
    language = language_of(request.query_params.get("lang") or accepted[:2])
    return _render(request, "invalid.html", {"language": language}, status_code=status_code)


def _today(request: Request) -> date:
    clock = request.app.state.clock
    value: date = clock()
    return value


def _language(request: Request, chosen: str | None) -> str | None:
    return chosen if chosen in LANGUAGES else None


def _page(
    request: Request,
    db: Session,
    access: PortalAccess,
    token: str,
    lang: str | None,
    *,
    status_code: int = 200,
    **extra: Any,
) -> HTMLResponse:
    page = service.portal_page(db, access=access, as_of=_today(request), language=lang)
    context: dict[str, Any] = {
        "page": page,
        "language": page.language,
        "token": token,
        "csrf": anonymous_csrf(request),
        "reasons": [r.value for r in DisputeReason],
        "errors": {},
        "values": {},
        "done": "",
        "today": _today(request),
        "chosen": lang,
        **extra,
    }
    return _render(request, "page.html", context, status_code=status_code)


@router.get("/{token}", response_class=HTMLResponse)
def portal_page(
    request: Request, db: WriteDB, token: str, lang: str | None = None, done: str = ""
) -> HTMLResponse:
    """The customer's statement, how to pay, and the promise / dispute / message forms."""
    access = service.open_portal(db, token=token)
    if access is None:
        return invalid_link(request)
    answers = ("promise", "promise_pending", "promise_review", "dispute", "feedback", "paid")
    thanks = done if done in answers else ""
    return _page(request, db, access, token, _language(request, lang), done=thanks)


def _rejected(
    request: Request,
    db: Session,
    token: str,
    lang: str | None,
    form: str,
    error: InvalidInput,
    values: dict[str, str],
) -> HTMLResponse:
    db.rollback()
    access = service.open_portal(db, token=token)
    if access is None:  # pragma: no cover - it was live a moment ago
        return invalid_link(request)
    field = error.field or "comment"
    errors = {field: FIELD_MESSAGES.get(field, "err_comment"), "form": form}
    return _page(
        request,
        db,
        access,
        token,
        _language(request, lang),
        status_code=error.status_code,
        errors=errors,
        values=values,
    )


def _thanks(token: str, kind: str, lang: str | None) -> RedirectResponse:
    suffix = f"&lang={lang}" if lang in LANGUAGES else ""
    return RedirectResponse(f"/p/{token}?done={kind}{suffix}#thanks", status_code=303)


@router.post("/{token}/promise", response_class=HTMLResponse)
def promise(
    request: Request,
    db: DB,
    token: str,
    promised_on: Annotated[str, Form()] = "",
    amount: Annotated[str, Form()] = "",
    currency: Annotated[str, Form()] = "",
    comment: Annotated[str, Form()] = "",
    lang: Annotated[str, Form()] = "",
) -> Response:
    """The customer promises to pay on a date."""
    access = service.open_portal(db, token=token, client=client_ip(request))
    if access is None:
        return invalid_link(request)
    values = {"promised_on": promised_on, "amount": amount, "comment": comment}
    try:
        day = parse_day(promised_on, field="promised_on", error="not a date")
        receipt = service.submit_promise(
            db,
            access=access,
            promised_on=day,
            amount=amount,
            currency=currency,
            comment=comment,
            today=_today(request),
        )
    except InvalidInput as error:
        return _rejected(request, db, token, lang, "promise", error, values)
    return _thanks(token, receipt.done, lang)


@router.post("/{token}/dispute", response_class=HTMLResponse)
def dispute(
    request: Request,
    db: DB,
    token: str,
    invoice: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    comment: Annotated[str, Form()] = "",
    lang: Annotated[str, Form()] = "",
) -> Response:
    """The customer queries one of their open invoices."""
    access = service.open_portal(db, token=token, client=client_ip(request))
    if access is None:
        return invalid_link(request)
    values = {"invoice": invoice, "reason": reason, "comment": comment}
    try:
        try:
            invoice_id = int(invoice)
        except ValueError:
            raise InvalidInput("choose an invoice", field="invoice") from None
        service.submit_dispute(
            db,
            access=access,
            invoice_id=invoice_id,
            reason=reason,
            comment=comment,
            today=_today(request),
        )
    except InvalidInput as error:
        return _rejected(request, db, token, lang, "dispute", error, values)
    return _thanks(token, "dispute", lang)


@router.post("/{token}/feedback", response_class=HTMLResponse)
def feedback(
    request: Request,
    db: DB,
    token: str,
    comment: Annotated[str, Form()] = "",
    lang: Annotated[str, Form()] = "",
) -> Response:
    """The customer leaves a message for the credit team."""
    access = service.open_portal(db, token=token, client=client_ip(request))
    if access is None:
        return invalid_link(request)
    try:
        service.submit_feedback(db, access=access, comment=comment, today=_today(request))
    except InvalidInput as error:
        return _rejected(request, db, token, lang, "feedback", error, {"comment": comment})
    return _thanks(token, "feedback", lang)


@router.post("/{token}/pay", response_class=HTMLResponse)
def pay(
    request: Request,
    db: DB,
    token: str,
    invoice: Annotated[list[str] | None, Form()] = None,
    lang: Annotated[str, Form()] = "",
) -> Response:
    """The customer pays the ticked invoices online: to the provider's checkout (one per
    currency: with several, a page with a button for each)."""
    access = service.open_portal(db, token=token, client=client_ip(request))
    if access is None:
        return invalid_link(request)
    chosen = _language(request, lang)
    try:
        try:
            ids = [int(value) for value in invoice or []]
        except ValueError:
            raise InvalidInput("choose from your open invoices", field="invoice") from None
        language = service.page_language(db, access=access, chosen=chosen)
        made = service.start_online_payment(
            db,
            access=access,
            invoice_ids=ids,
            return_url=service.portal_url(token),
            today=_today(request),
            language=language,
        )
    except InvalidInput as error:
        return _rejected(request, db, token, lang, "pay", error, {})
    except ProviderFailed as error:
        failed = InvalidInput(error.message, field="pay")
        failed.status_code = 502
        return _rejected(request, db, token, lang, "pay", failed, {})
    if len(made) == 1:
        return RedirectResponse(made[0].url, status_code=303)
    return _page(request, db, access, token, chosen, checkouts=made)


def _pdf(download: downloads.Download) -> Response:
    return Response(
        download.content,
        media_type="application/pdf",
        headers={"content-disposition": f'attachment; filename="{download.filename}"'},
    )


@router.get("/{token}/statement.pdf")
def statement_pdf(request: Request, db: WriteDB, token: str, lang: str | None = None) -> Response:
    """The customer's statement of account as a PDF."""
    access = service.open_portal(db, token=token)
    if access is None:
        return invalid_link(request)
    download = downloads.statement_download(
        db, access=access, as_of=_today(request), language=_language(request, lang)
    )
    return _pdf(download)


@router.get("/{token}/invoices/{number:path}.pdf")
def invoice_pdf(
    request: Request, db: WriteDB, token: str, number: str, lang: str | None = None
) -> Response:
    """A copy of one of the customer's open invoices as a PDF (the number may hold a
    slash, as some numbering schemes do)."""
    access = service.open_portal(db, token=token)
    if access is None:
        return invalid_link(request)
    chosen = _language(request, lang)
    try:
        download = downloads.invoice_download(
            db, access=access, number=number, as_of=_today(request), language=chosen
        )
    except NotFound:
        language = service.page_language(db, access=access, chosen=chosen)
        context = {"language": language, "token": token, "chosen": chosen}
        return _render(request, "missing.html", context, status_code=404)
    return _pdf(download)
