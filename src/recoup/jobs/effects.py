"""The dispatcher's real channels: how each outbox row is rendered, sent or applied.

This is where the domains meet: messages are built from the ledger (plus charges, the
portal link, promises and instalments from the row's payload), rendered with the
templates, and sent by SMTP, the SMS channel or the letter sink; internal effects call
the cases, charges and credit services.
"""

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from email.utils import formataddr
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from recoup import clock
from recoup.analytics import delivery
from recoup.cases import agency, tasks
from recoup.charges import service as charges
from recoup.charges.core import LateFee
from recoup.comms import outbox
from recoup.comms.channels.email import Attachment as EmailAttachment
from recoup.comms.channels.email import OutgoingEmail, mail_channel_from_url
from recoup.comms.channels.letter import LetterSink
from recoup.comms.channels.sms import SmsChannel, sms_channel_from_url
from recoup.comms.context import (
    ContactInfo,
    InstalmentInfo,
    MessageContext,
    PromiseInfo,
    stale_reason,
)
from recoup.comms.dispatcher import Attachment, NoLongerDue, Outgoing, Rendered
from recoup.comms.models import OutboxKind, OutboxMessage
from recoup.comms.render import Medium, render, render_sms
from recoup.comms.service import customer_context
from recoup.config import Settings
from recoup.credit import service as credit
from recoup.documents import letter_pdf, statement_pdf
from recoup.errors import InvalidInput
from recoup.inbound import service as inbound
from recoup.ledger.models import Invoice
from recoup.ledger.validators import validate_phone
from recoup.portal import service as portal
from recoup.webhooks import delivery as webhook_delivery
from recoup.webhooks import service as webhooks

# What an owner notification is about, by the step that sent it.
OWNER_EVENTS = {
    "formal notice": "formal_notice",
    "final demand": "final_demand",
    "agency hand-off": "agency_handoff",
}
PAY_WITHIN = timedelta(days=7)  # the deadline a formal notice or final demand sets


class LiveChannels:
    """SMTP, the SMS channel and the letter sink from the settings; services for the rest."""

    def __init__(self, settings: Settings) -> None:
        self.mail = mail_channel_from_url(settings.smtp_url)
        self.sms: SmsChannel = sms_channel_from_url(settings.sms_url)
        self.letters = LetterSink(Path(settings.letters_dir))
        self.webhooks = webhook_delivery.WebhookChannel()

    # -- messages --

    def render(self, session: Session, row: OutboxMessage) -> Rendered:
        if row.source == webhook_delivery.SOURCE:  # deliveries and their admins' notices
            return self.webhooks.render(session, row)
        if delivery.is_report_row(row):  # the management report, to our own managers
            return delivery.render_email(session, row)
        context = message_context(session, row)
        stale = stale_reason(row.template, context)
        if stale:
            raise NoLongerDue(stale)
        # Sent from the organisation's address unless the mail settings name a sender.
        sender = context.organisation
        row.payload = {
            **row.payload,
            "from": formataddr((sender.sender_name or sender.name, sender.email))
            if sender.email
            else "",
            "reply_to": sender.reply_to,
        }
        if row.to_customer and row.customer_id is not None:
            # A reply address of the customer's own (recoup.inbound), when one is set up.
            row.payload = {
                **row.payload,
                "reply_to": inbound.reply_address(
                    session, org_id=row.org_id, customer_id=row.customer_id
                )
                or sender.reply_to,
            }
        kind = OutboxKind(row.kind)
        if kind is OutboxKind.SMS:
            # Providers take E.164; a national number is read in the customer's country.
            row.recipient = validate_phone(
                row.recipient, context.customer.country or context.organisation.country
            )
            return Rendered(subject="", text=render_sms(row.template, context))
        medium: Medium = "letter" if kind is OutboxKind.LETTER else "email"
        message = render(row.template, context, medium=medium)
        attachments: list[Attachment] = []
        if kind is OutboxKind.LETTER:
            pdf = letter_pdf(row.template, context)
            attachments.append(Attachment("letter.pdf", "application/pdf", pdf))
        elif row.payload.get("params", {}).get("attach_statement"):
            pdf = statement_pdf(context)
            attachments.append(Attachment("statement.pdf", "application/pdf", pdf))
        return Rendered(message.subject, message.text, message.html or "", tuple(attachments))

    def send(self, message: Outgoing) -> str:
        if message.kind is OutboxKind.WEBHOOK:
            return self.webhooks.send(message)
        key = f"{message.org_id}:{message.key}"
        if message.kind is OutboxKind.SMS:
            return self.sms.send(message.recipient, message.rendered.text, key)
        if message.kind is OutboxKind.LETTER:
            (letter,) = [a for a in message.rendered.attachments if a.filename == "letter.pdf"]
            return self.letters.send(letter.content, key)
        sender = self.mail.from_address or str(message.payload.get("from", ""))
        return self.mail.send(
            OutgoingEmail(
                to=message.recipient,
                subject=message.rendered.subject,
                text=message.rendered.text,
                html=message.rendered.html or None,
                from_=sender,
                reply_to=str(message.payload.get("reply_to", "")),
                attachments=[
                    EmailAttachment(a.filename, a.mime, a.content)
                    for a in message.rendered.attachments
                ],
                key=key,
            ),
        )

    # -- internal effects --

    def apply(self, session: Session, row: OutboxMessage) -> str:
        payload = row.payload
        params = payload.get("params", {})
        invoice_ids = [int(i) for i in payload.get("invoice_ids", [])]
        as_of = date.fromisoformat(payload["as_of"]) if payload.get("as_of") else None
        kind = OutboxKind(row.kind)
        if kind is OutboxKind.TASK:
            task = tasks.create_task(
                session,
                org_id=row.org_id,
                customer_id=row.customer_id,
                title=params.get("title") or payload.get("reason") or row.template or "Task",
                body=_task_body(session, row),
                kind=params.get("kind", "other"),
                assignee=row.recipient,
                due_on=as_of,
                key=row.key,
            )
            return f"task {task.id}"
        if kind is OutboxKind.CHARGE:
            return _charge(session, row, params, invoice_ids, as_of)
        if kind is OutboxKind.CREDIT_HOLD:
            assert row.customer_id is not None
            credit.place_hold(
                session,
                org_id=row.org_id,
                customer_id=row.customer_id,
                reason=str(payload.get("reason", "escalation policy")),
                source="policy",
                key=row.key,
                on=as_of,
                now=row.next_attempt_at,
            )
            return "credit hold placed"
        if kind is OutboxKind.HANDOFF:
            assert row.customer_id is not None
            handoff = agency.request_handoff(
                session,
                org_id=row.org_id,
                customer_id=row.customer_id,
                invoice_ids=invoice_ids,
                agency=str(params.get("agency", "default")),
                requested_by="policy",
                key=row.key,
                on=as_of,
            )
            return f"hand-off {handoff.id} awaiting approval"
        raise InvalidInput(f"no handler for outbox rows of kind {row.kind!r}")

    def recorded(self, session: Session, row: OutboxMessage) -> None:
        """A webhook's attempt goes to its delivery log; a message's outcome is the
        ``message.sent`` / ``message.failed`` event."""
        if row.kind == OutboxKind.WEBHOOK:
            self.webhooks.recorded(session, row)
        else:
            webhooks.message_outcome(session, row=row)

    def raise_task(self, session: Session, row: OutboxMessage, title: str, body: str) -> None:
        tasks.create_task(
            session,
            org_id=row.org_id,
            customer_id=row.customer_id,
            title=title,
            body=body,
            kind="delivery",
            key=f"outbox:{row.id}:{row.status}",
        )


def _task_body(session: Session, row: OutboxMessage) -> str:
    """A task's text: why it exists and, for a call, the script with the figures."""
    reason = str(row.payload.get("reason", ""))
    if row.template != "call_script":
        return reason
    script = render("call_script", message_context(session, row)).text
    return f"{reason}\n\n{script}" if reason else script


def _charge(
    session: Session,
    row: OutboxMessage,
    params: dict[str, Any],
    invoice_ids: list[int],
    as_of: date | None,
) -> str:
    """Charge each listed invoice (compensation or a late fee) once per key. Interest is
    not charged here: it follows the debt (``charges.claim_statutory_charges``), accrues
    until payment and is recorded when the invoice is paid or handed off."""
    what = params.get("charge")
    if what == "interest":
        return "interest accrues until payment; recorded when the invoice is paid or handed off"
    charged = []
    for invoice_id in invoice_ids:
        key = f"{row.key}:{invoice_id}"
        if what == charges.STATUTORY_INTEREST:
            assert as_of is not None
            result = charges.crystallise_interest(
                session, org_id=row.org_id, invoice_id=invoice_id, as_of=as_of, key=key
            )
        elif what == "compensation":
            result = charges.charge_compensation(
                session, org_id=row.org_id, invoice_id=invoice_id, key=key, as_of=as_of
            )
        else:
            invoice = session.get_one(Invoice, invoice_id)
            fixed = params.get("fixed") or {}
            fee = (
                LateFee(amount=Decimal(fixed[invoice.currency]))
                if invoice.currency in fixed
                else LateFee(percent=Decimal(params["percent"]))
                if params.get("percent")
                else None
            )
            result = charges.charge_late_fee(
                session, org_id=row.org_id, invoice_id=invoice_id, fee=fee, key=key, as_of=as_of
            )
        amount = result.charge.amount if result.charge else 0
        charged.append(f"{invoice_id}: {amount} ({result.reason or 'charged'})")
    return "; ".join(charged)[:500]


def message_context(session: Session, row: OutboxMessage) -> MessageContext:
    """Everything a template needs for this row, from the ledger and the payload."""
    payload = row.payload
    assert row.customer_id is not None
    as_of = date.fromisoformat(payload["as_of"]) if payload.get("as_of") else clock.today()
    token = portal.issue_token(session, org_id=row.org_id, customer_id=row.customer_id)
    step = str(payload.get("step", ""))
    fields: dict[str, Any] = {}
    if row.template in ("formal_notice", "final_demand"):
        fields["pay_by"] = as_of + PAY_WITHIN
    if payload.get("pay_by"):
        fields["pay_by"] = date.fromisoformat(payload["pay_by"])
    if "instalment" in payload:
        i = payload["instalment"]
        agreed = i.get("plan_agreed_on")
        fields["instalment"] = InstalmentInfo(
            sequence=i["sequence"],
            count=i["count"],
            due_date=date.fromisoformat(i["due_date"]),
            currency=i["currency"],
            amount=i["amount"],
            paid_amount=i.get("paid_amount", 0),
            plan_remaining_amount=i.get("plan_remaining_amount", 0),
            plan_agreed_on=date.fromisoformat(agreed) if agreed else None,
        )
    if "promise" in payload:
        p = payload["promise"]
        fields["promise"] = PromiseInfo(
            amount=p["amount"],
            currency=p["currency"],
            promised_date=date.fromisoformat(p["promised_date"]),
            made_on=date.fromisoformat(p["made_on"]) if p.get("made_on") else None,
        )
    contact_id = payload.get("contact_id")
    context = customer_context(
        session,
        org_id=row.org_id,
        customer_id=row.customer_id,
        as_of=as_of,
        invoice_ids=[int(i) for i in payload.get("invoice_ids", [])],
        contact_id=int(contact_id) if contact_id else None,
        portal_url=portal.portal_url(token),
        pays_online=bool(portal.PortalSettings().payment_url),
        step=step,
        settled=row.template == "thank_you",
        reminded=outbox.reminded_invoice_ids(
            session, org_id=row.org_id, customer_id=row.customer_id, besides=row.id
        ),
        **fields,
    )
    if row.template == "owner_notification":
        context = replace(
            context,
            contact=ContactInfo(name="", email=row.recipient),
            event=str(payload.get("event") or OWNER_EVENTS.get(step, "formal_notice")),
            note=str(payload.get("note") or payload.get("reason", "")),
        )
    return context
