"""Rendering messages: the handler of outbox rows of kind email, letter and SMS.

A message is built from the ledger as it stands (``comms.service.customer_context``)
plus what its ``Message`` payload says (the invoices, the contact, the step, a promise
or an instalment, the portal link issued when it was planned), rendered with the
templates, and for a letter or a statement turned into a PDF. Nothing is written: the
sender and reply-to go back in the ``Rendered`` envelope.
"""

from dataclasses import replace
from datetime import timedelta
from email.utils import formataddr
from typing import Any

from sqlalchemy.orm import Session

from recoup import clock
from recoup.comms import outbox
from recoup.comms.context import (
    ContactInfo,
    InstalmentInfo,
    MessageContext,
    PromiseInfo,
    stale_reason,
)
from recoup.comms.dispatcher import Attachment, NoLongerDue, Rendered
from recoup.comms.models import MESSAGE_KINDS, OutboxKind, OutboxMessage
from recoup.comms.payloads import Envelope, Handler, Message, register
from recoup.comms.render import Medium, render, render_sms
from recoup.comms.service import customer_context
from recoup.documents import letter_pdf, statement_pdf
from recoup.inbound import service as inbound
from recoup.ledger.validators import validate_phone
from recoup.portal import service as portal

# What an owner notification is about, by the step that sent it.
OWNER_EVENTS = {
    "formal notice": "formal_notice",
    "final demand": "final_demand",
    "agency hand-off": "agency_handoff",
}
PAY_WITHIN = timedelta(days=7)  # the deadline a formal notice or final demand sets


def render_message(session: Session, row: OutboxMessage, payload: Message) -> Rendered:
    """The email, letter or SMS of ``row`` as it will be sent."""
    context = message_context(session, row, payload)
    stale = stale_reason(row.template, context)
    if stale:
        raise NoLongerDue(stale)
    # Sent from the organisation's address unless the mail settings name a sender.
    sender = context.organisation
    reply_to = sender.reply_to
    if row.to_customer and row.customer_id is not None:
        # A reply address of the customer's own (recoup.inbound), when one is set up.
        reply_to = (
            inbound.reply_address(session, org_id=row.org_id, customer_id=row.customer_id)
            or sender.reply_to
        )
    envelope = Envelope(
        sender=formataddr((sender.sender_name or sender.name, sender.email))
        if sender.email
        else "",
        reply_to=reply_to,
    )
    kind = OutboxKind(row.kind)
    if kind is OutboxKind.SMS:
        # Providers take E.164; a national number is read in the customer's country.
        number = validate_phone(
            row.recipient, context.customer.country or context.organisation.country
        )
        return Rendered("", render_sms(row.template, context), recipient=number, envelope=envelope)
    medium: Medium = "letter" if kind is OutboxKind.LETTER else "email"
    message = render(row.template, context, medium=medium)
    attachments: list[Attachment] = []
    if kind is OutboxKind.LETTER:
        pdf = letter_pdf(row.template, context)
        attachments.append(Attachment("letter.pdf", "application/pdf", pdf))
    elif payload.params.attach_statement:
        pdf = statement_pdf(context)
        attachments.append(Attachment("statement.pdf", "application/pdf", pdf))
    return Rendered(
        message.subject,
        message.text,
        message.html or "",
        tuple(attachments),
        envelope=envelope,
    )


def message_context(session: Session, row: OutboxMessage, payload: Message) -> MessageContext:
    """Everything a template needs for this row, from the ledger and the payload."""
    assert row.customer_id is not None
    as_of = payload.as_of or clock.today()
    # Issued when the row was planned; a row planned before links were (2026-12) gets
    # one now, as it always did.
    token = payload.portal_token or portal.issue_token(
        session, org_id=row.org_id, customer_id=row.customer_id
    )
    fields: dict[str, Any] = {}
    if row.template in ("formal_notice", "final_demand"):
        fields["pay_by"] = as_of + PAY_WITHIN
    if payload.pay_by:
        fields["pay_by"] = payload.pay_by
    if payload.instalment is not None:
        fields["instalment"] = InstalmentInfo(**payload.instalment.model_dump())
    if payload.promise is not None:
        fields["promise"] = PromiseInfo(**payload.promise.model_dump())
    context = customer_context(
        session,
        org_id=row.org_id,
        customer_id=row.customer_id,
        as_of=as_of,
        invoice_ids=payload.invoice_ids,
        contact_id=payload.contact_id or None,
        portal_url=portal.portal_url(token),
        pays_online=bool(portal.PortalSettings().payment_url),
        step=payload.step,
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
            event=payload.event or OWNER_EVENTS.get(payload.step, "formal_notice"),
            note=payload.note or payload.reason,
        )
    return context


MESSAGES = Handler(Message, render=render_message)
register(MESSAGE_KINDS, MESSAGES)
