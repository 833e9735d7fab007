"""``/settings`` (admins): the web twin of ``recoup org set``, ``recoup org bank``,
``recoup check`` and ``recoup mail test``, through the same services and checks
(``recoup.ledger.organisation``, ``recoup.jobs.readiness``, the mail channel).

Every value is checked before anything is written; a refused form is shown again with
the reason and nothing changed. Changes are audited by the ledger's services.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from recoup.comms.channels.email import OutgoingEmail, mail_channel_from_url
from recoup.comms.channels.errors import PermanentFailure, TemporaryFailure
from recoup.config import Settings
from recoup.errors import InvalidInput, RecoupError
from recoup.jobs.readiness import sending_findings
from recoup.ledger import service as ledger
from recoup.ledger.organisation import (
    DETAILS,
    FIRST_RUN_CHOICES,
    BankDetails,
    bank_accounts,
    remove_bank_account,
    set_bank_account,
    update_details,
)
from recoup.ledger.validators import validate_email
from recoup.payments import service as payments
from recoup.policy.service import available_policies
from recoup.portal.service import PortalSettings
from recoup.web.deps import DB, Actor, Admin
from recoup.web.templating import render
from recoup.web.views import redirect

router = APIRouter(prefix="/settings")

LABELS = {
    "name": "Trading name",
    "legal_name": "Registered name",
    "address": "Postal address",
    "email": "Sender address of every email",
    "reply_to": "Answers go to (if not the sender)",
    "phone": "Phone",
    "website": "Website",
    "registration_number": "Company number",
    "vat_number": "VAT number",
    "sender_name": "Sender's display name",
    "signature_name": "Who signs letters",
    "signature_title": "Their title",
}
BANK_FIELDS = ("bank_name", "account_name", "iban", "bic", "sort_code", "account_number",
               "routing_number")  # fmt: skip


def _context(db: Session, actor: Actor, **extra: Any) -> dict[str, Any]:
    org = ledger.get_organisation(db, org_id=actor.org_id)
    settings = Settings()
    findings = sending_findings(
        db,
        org=org,
        smtp_url=settings.smtp_url,
        public_url=PortalSettings().public_url,
        audit_key_set=bool(settings.audit_key.get_secret_value()),
    )
    hours = [
        (name, p.sending_hours.start, p.sending_hours.end)
        for name, p in sorted(available_policies().items())
    ]
    return {
        "org": org,
        "labels": LABELS,
        "first_runs": FIRST_RUN_CHOICES,
        "accounts": bank_accounts(db, org_id=actor.org_id),
        "findings": findings,
        "hours": hours,
        "payment_providers": payments.provider_status(db, org_id=actor.org_id),
        "errors": {},
        "values": {},
        **extra,
    }


def _again(request: Request, db: Session, actor: Actor, form: str, error: RecoupError,
           values: dict[str, str]) -> HTMLResponse:  # fmt: skip
    db.rollback()
    text = getattr(error, "reason", None) if getattr(error, "field", None) else None
    context = _context(db, actor, errors={form: text or error.message}, values={form: values})
    return render(request, "settings.html", context, status_code=error.status_code)


@router.get("", response_class=HTMLResponse)
def settings_page(request: Request, db: DB, actor: Admin) -> HTMLResponse:
    """The organisation's details, bank accounts, readiness to send and sending hours."""
    return render(request, "settings.html", _context(db, actor))


@router.post("/details", response_class=HTMLResponse)
async def set_details(request: Request, db: DB, actor: Admin) -> Response:
    """Set the organisation's details (all checked first; an empty value clears one)."""
    form = await request.form()
    changes = {
        field: str(form[field])
        for field in (*LABELS, "first_run")
        if field in DETAILS and field in form
    }
    org = ledger.get_organisation(db, org_id=actor.org_id)
    try:
        changed = update_details(db, org=org, changes=changes)
    except RecoupError as error:
        return _again(request, db, actor, "details", error, changes)
    names = ", ".join(f.replace("_", " ") for f in changed) or "nothing"
    return redirect("/settings", flash=f"Changed: {names}.")


@router.post("/bank", response_class=HTMLResponse)
async def set_bank(request: Request, db: DB, actor: Admin) -> Response:
    """Add or replace the account customers pay invoices in a currency into."""
    form = await request.form()
    currency = str(form.get("currency", ""))
    values = {f: str(form.get(f, "")) for f in BANK_FIELDS}
    org = ledger.get_organisation(db, org_id=actor.org_id)
    try:
        account = set_bank_account(db, org=org, currency=currency, details=BankDetails(**values))
    except RecoupError as error:
        return _again(request, db, actor, "bank", error, {"currency": currency, **values})
    return redirect("/settings#bank", flash=f"{account.currency} bank account saved.")


@router.post("/bank/{currency}/remove")
def remove_bank(request: Request, db: DB, actor: Admin, currency: str) -> Response:
    """Forget the account of a currency."""
    org = ledger.get_organisation(db, org_id=actor.org_id)
    remove_bank_account(db, org=org, currency=currency)
    return redirect("/settings#bank", flash=f"{currency.upper()} bank account removed.")


@router.post("/mail-test", response_class=HTMLResponse)
def mail_test(request: Request, db: DB, actor: Admin, to: Annotated[str, Form()] = "") -> Response:
    """Send one real message through the configured mail server (``RECOUP_SMTP_URL``)."""
    try:
        address = validate_email(to)
        if not address:
            raise InvalidInput("give an address to send the test message to", field="to")
    except InvalidInput as error:
        return _again(request, db, actor, "mail", error, {"to": to})
    org = ledger.get_organisation(db, org_id=actor.org_id)
    name = org.sender_name or org.name
    try:
        channel = mail_channel_from_url(Settings().smtp_url)
        message_id = channel.send(
            OutgoingEmail(
                to=address,
                subject=f"Recoup test message from {name}",
                text=(
                    f"This is a test message from Recoup for {name}.\n\n"
                    "If you can read it, collections email from Recoup reaches this address.\n"
                ),
                from_=channel.from_address or org.email,
            )
        )
    except (TemporaryFailure, PermanentFailure) as failure:
        refused = InvalidInput(f"the mail server refused the test message: {failure}", field="to")
        return _again(request, db, actor, "mail", refused, {"to": to})
    return redirect("/settings#mail", flash=f"Test message sent to {address} ({message_id}).")
