"""Delivering webhooks: the dispatcher's channel for outbox rows of kind ``webhook``.

For each attempt the dispatcher claims the row and calls ``render`` in that
transaction: the event's body is built from the row's ``Delivery`` payload, signed with
the subscription's secret and a fresh ``webhook-timestamp`` (Standard Webhooks; the
``standardwebhooks`` package signs), and body and headers go back in the ``Rendered``
envelope, which the dispatcher stores on the row as they will be sent. The row's
``body_text`` stays empty on purpose: the dispatcher renders a row again on its next
attempt only then, and a retry hours later needs a fresh timestamp, which receivers
check. ``send`` POSTs it with httpx (timeouts, redirects not
followed) with no transaction open: 2xx is delivered, 410 Gone is permanent, anything
else (an error status, a timeout, a refused connection) is retried with the
dispatcher's backoff. ``recorded`` runs in the transaction that records the outcome:
it writes the attempt to the delivery log (status code, duration, an excerpt of the
answer), keeps the subscription's count of failures in a row, and past its
``max_failures`` (or at once on 410) disables it, cancels its waiting deliveries and
emails the organisation's admins through the outbox.
"""

import time
from datetime import UTC, datetime
from email.utils import formataddr

import httpx
from sqlalchemy.orm import Session
from standardwebhooks import Webhook

from recoup.auth import service as auth
from recoup.auth.models import Role
from recoup.comms.channels.errors import PermanentFailure, TemporaryFailure
from recoup.comms.dispatcher import Outgoing, Rendered
from recoup.comms.models import OutboxKind, OutboxMessage, OutboxStatus
from recoup.comms.outbox import Effect, enqueue
from recoup.comms.payloads import Envelope
from recoup.db.base import utcnow
from recoup.errors import Conflict
from recoup.ledger import service as ledger
from recoup.webhooks import core, repository, service
from recoup.webhooks.models import WebhookAttempt, WebhookSubscription
from recoup.webhooks.payloads import Delivery, Notice

SOURCE = service.SOURCE
NOTICE = "webhook_disabled"  # the template name of the admins' email
USER_AGENT = "Recoup-Webhooks/1"
EXCERPT_BYTES = 4096  # read at most this much of an answer


def signed_headers(
    *, secret: str, event_id: str, body: str, timestamp: int | None = None
) -> dict[str, str]:
    """The Standard Webhooks headers of ``body`` signed with ``secret`` now (or at
    ``timestamp``, seconds since the epoch)."""
    at = int(time.time()) if timestamp is None else timestamp
    signature = Webhook(secret).sign(event_id, datetime.fromtimestamp(at, UTC), body)
    return {"webhook-id": event_id, "webhook-timestamp": str(at), "webhook-signature": signature}


class WebhookChannel:
    """Renders, sends and records webhook deliveries (and renders the admins' notice)."""

    def __init__(self, *, timeout: float = 10.0, connect_timeout: float = 5.0) -> None:
        self.timeout = httpx.Timeout(timeout, connect=connect_timeout)
        self._client: httpx.Client | None = None
        # Each attempt's answer, from ``send`` to ``recorded`` (same dispatcher process).
        self._answers: dict[str, core.Answer] = {}

    @property
    def client(self) -> httpx.Client:
        """One HTTP client per channel: connections to an endpoint are reused."""
        if self._client is None:
            self._client = httpx.Client(
                timeout=self.timeout, follow_redirects=False, headers={"user-agent": USER_AGENT}
            )
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    # -- render --

    def render(self, session: Session, row: OutboxMessage) -> Rendered:
        """A delivery signed for this attempt (or the admins' notice, an email)."""
        if row.kind == OutboxKind.EMAIL:
            return render_notice(session, row, Notice.model_validate(row.payload))
        return render_delivery(session, row, Delivery.model_validate(row.payload))

    # -- send --

    def send(self, message: Outgoing) -> str:
        """POST the signed body; the answer in words, or a failure to retry (or not)."""
        body = message.envelope.body.encode()
        headers = {**message.envelope.headers, "content-type": "application/json"}
        started = time.perf_counter()
        try:
            with self.client.stream(
                "POST", message.recipient, content=body, headers=headers
            ) as response:
                excerpt = _read_excerpt(response)
                answer = core.Answer(response.status_code, _ms(started), excerpt)
        except httpx.TimeoutException:
            answer = core.Answer(None, _ms(started), error="timed out")
        except httpx.HTTPError as error:
            answer = core.Answer(None, _ms(started), error=f"no answer: {error}"[:300])
        self._answers[f"{message.org_id}:{message.key}"] = answer
        if answer.succeeded:
            return answer.describe()
        if answer.gone:
            raise PermanentFailure(f"{answer.describe()}: the endpoint is gone", code=410)
        raise TemporaryFailure(answer.describe(), code=answer.status_code)

    # -- record --

    def recorded(self, session: Session, row: OutboxMessage) -> None:
        """Log the attempt, count the subscription's failures, disable it past its limit."""
        answer = self._answers.pop(f"{row.org_id}:{row.key}", None)
        if row.kind != OutboxKind.WEBHOOK or answer is None:
            return  # nothing was sent (it could not be prepared): no attempt to log
        payload = Delivery.model_validate(row.payload)
        now = utcnow()
        # One statement counts the attempt (and tells whether the subscription still
        # exists): this runs once per delivery, in the dispatcher's hot loop.
        counted = repository.count_attempt(
            session,
            row.org_id,
            payload.subscription_id,
            succeeded=answer.succeeded,
            now=now,
        )
        if counted is None:
            return  # removed meanwhile, with its log
        failures, max_failures, enabled = counted
        attempt = WebhookAttempt(
            org_id=row.org_id,
            subscription_id=payload.subscription_id,
            outbox_id=row.id,
            event_id=payload.event_id,
            event_type=payload.type,
            attempt=row.attempts,
            succeeded=answer.succeeded,
            status_code=answer.status_code,
            duration_ms=answer.duration_ms,
            response_excerpt=answer.excerpt,
            error=answer.error,
            headers=Envelope.model_validate(row.payload).headers,
        )
        session.add(attempt)
        if answer.succeeded or not enabled:
            return
        if core.should_disable(
            consecutive_failures=failures, max_failures=max_failures, gone=answer.gone
        ):
            reason = (
                f"the endpoint answered 410 Gone on {now:%Y-%m-%d %H:%M} UTC"
                if answer.gone
                else f"{failures} failed attempts in a row, the last "
                f"{now:%Y-%m-%d %H:%M} UTC: {answer.describe()}"
            )
            session.flush()  # the attempt's id keys the admins' emails
            subscription = service.get_subscription(
                session, org_id=row.org_id, subscription_id=payload.subscription_id
            )
            disable(session, subscription=subscription, reason=reason, attempt_id=attempt.id)
            if row.status == OutboxStatus.RETRYING:
                row.status = OutboxStatus.CANCELLED
                row.last_error = f"not retried: subscription disabled ({reason})"[:1000]


def disable(
    session: Session, *, subscription: WebhookSubscription, reason: str, attempt_id: int
) -> None:
    """Disable a failing subscription and email each active admin of its organisation
    (an outbox email, sent by the same dispatch)."""
    service.set_enabled(
        session,
        org_id=subscription.org_id,
        subscription_id=subscription.id,
        enabled=False,
        reason=reason,
    )
    admins = [
        u.email
        for u in auth.list_users(session, org_id=subscription.org_id)
        if u.active and u.role == Role.ADMIN
    ]
    enqueue(
        session,
        org_id=subscription.org_id,
        effects=[
            Effect(
                key=f"webhook-disabled:{subscription.id}:{attempt_id}:{email}",
                kind=OutboxKind.EMAIL,
                customer_id=None,
                scheduled_at=utcnow(),
                payload=Notice(
                    subscription_id=subscription.id, url=subscription.url, reason=reason
                ).dump(),
                template=NOTICE,
                recipient=email,
                source=SOURCE,
                to_customer=False,
            )
            for email in admins
        ],
    )


def render_delivery(session: Session, row: OutboxMessage, payload: Delivery) -> Rendered:
    """The event's body signed with the subscription's secret now, for this attempt."""
    subscription = service.get_subscription(
        session, org_id=row.org_id, subscription_id=payload.subscription_id
    )
    if not subscription.enabled:
        raise Conflict(f"webhook subscription #{subscription.id} is disabled")
    body = core.event_body(type=payload.type, timestamp=payload.timestamp, data=payload.data)
    headers = signed_headers(secret=subscription.secret, event_id=payload.event_id, body=body)
    return Rendered(
        subject=payload.type,
        text="",
        recipient=subscription.url,
        envelope=Envelope(body=body, headers=headers),
    )


def render_notice(session: Session, row: OutboxMessage, payload: Notice) -> Rendered:
    """The admins' email: which endpoint, why, and what to do."""
    organisation = ledger.get_organisation(session, org_id=row.org_id)
    sender = (
        formataddr((organisation.sender_name or organisation.name, organisation.email))
        if organisation.email
        else ""
    )
    url, number = payload.url, payload.subscription_id
    text = (
        f"Recoup has stopped sending webhooks to {url} (subscription #{number} of "
        f"{organisation.name}).\n\nWhy: {payload.reason}.\n\n"
        "Deliveries that were waiting were cancelled. Once the endpoint works again, "
        f"enable the subscription on the Webhooks page (/webhooks/{number}) or with "
        f"`recoup webhook enable {number}`, and replay what it missed from its delivery "
        "log.\n"
    )
    return Rendered(
        subject=f"Webhooks to {url} were disabled",
        text=text,
        envelope=Envelope(sender=sender, reply_to=""),
    )


def _read_excerpt(response: httpx.Response) -> str:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size >= EXCERPT_BYTES:
            break
    text = b"".join(chunks)[:EXCERPT_BYTES].decode("utf-8", errors="replace")
    return text[: core.EXCERPT_CHARS]


def _ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)
