"""The dispatcher's real channels: how each outbox row is rendered, sent or applied.

This is where the domains meet, and only here: each domain's ``effects`` module
registers the handler of the outbox rows it carries out (``comms.payloads.HANDLERS``:
messages rendered by ``comms``, tasks and hand-offs by ``cases``, charges, credit
holds, webhooks, the monthly report), and ``LiveChannels`` looks a row's handler up by
its kind. Sending goes by SMTP, the SMS channel, the letter sink or HTTP.
"""

from pathlib import Path

from sqlalchemy.orm import Session

# Each domain's effects module registers the handlers of its rows when imported.
import recoup.analytics.effects
import recoup.cases.effects
import recoup.charges.effects
import recoup.comms.effects
import recoup.credit.effects
import recoup.webhooks.effects  # noqa: F401
from recoup.cases import tasks
from recoup.comms.channels.email import Attachment as EmailAttachment
from recoup.comms.channels.email import OutgoingEmail, mail_channel_from_url
from recoup.comms.channels.letter import LetterSink
from recoup.comms.channels.sms import SmsChannel, sms_channel_from_url
from recoup.comms.dispatcher import Outgoing, Rendered
from recoup.comms.models import OutboxKind, OutboxMessage
from recoup.comms.payloads import handler_for
from recoup.config import Settings
from recoup.errors import InvalidInput
from recoup.webhooks import delivery as webhook_delivery
from recoup.webhooks import service as webhooks


class LiveChannels:
    """SMTP, the SMS channel and the letter sink from the settings; services for the rest."""

    def __init__(self, settings: Settings) -> None:
        self.mail = mail_channel_from_url(settings.smtp_url)
        self.sms: SmsChannel = sms_channel_from_url(settings.sms_url)
        self.letters = LetterSink(Path(settings.letters_dir))
        self.webhooks = webhook_delivery.WebhookChannel()

    # -- messages --

    def render(self, session: Session, row: OutboxMessage) -> Rendered:
        handler = handler_for(row)
        if handler.render is None:
            raise InvalidInput(f"outbox rows of kind {row.kind!r} are applied, not sent")
        return handler.render(session, row, handler.read(row))

    def send(self, message: Outgoing) -> str:
        if message.kind is OutboxKind.WEBHOOK:
            return self.webhooks.send(message)
        key = f"{message.org_id}:{message.key}"
        if message.kind is OutboxKind.SMS:
            return self.sms.send(message.recipient, message.rendered.text, key)
        if message.kind is OutboxKind.LETTER:
            (letter,) = [a for a in message.rendered.attachments if a.filename == "letter.pdf"]
            return self.letters.send(letter.content, key)
        sender = self.mail.from_address or message.envelope.sender
        return self.mail.send(
            OutgoingEmail(
                to=message.recipient,
                subject=message.rendered.subject,
                text=message.rendered.text,
                html=message.rendered.html or None,
                from_=sender,
                reply_to=message.envelope.reply_to,
                attachments=[
                    EmailAttachment(a.filename, a.mime, a.content)
                    for a in message.rendered.attachments
                ],
                key=key,
            ),
        )

    # -- internal effects --

    def apply(self, session: Session, row: OutboxMessage) -> str:
        handler = handler_for(row)
        if handler.apply is None:
            raise InvalidInput(f"no handler for outbox rows of kind {row.kind!r}")
        return handler.apply(session, row, handler.read(row))

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
