"""Webhook use cases: subscriptions, emitting events, deliveries and their replay.

``emit`` is the one call the other domains make, at the point where the thing happens
and in its transaction: it plans one outbox row per enabled subscription to the event's
type (key ``webhook:<subscription>:<event id>``), so a rolled-back change notifies no
one and planning an event twice (the same ``key``) delivers it once. Delivering is the
dispatcher's (``recoup.webhooks.delivery``).
"""

import base64
import hashlib
import secrets
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from recoup.audit.service import Change, append
from recoup.comms.models import MESSAGE_KINDS, OutboxKind, OutboxMessage, OutboxStatus
from recoup.comms.outbox import Effect, enqueue
from recoup.db.base import utcnow
from recoup.errors import Conflict, InvalidInput, NotFound
from recoup.webhooks import core, repository
from recoup.webhooks.models import WebhookAttempt, WebhookSubscription
from recoup.webhooks.payloads import Delivery

SOURCE = "webhooks"  # the outbox rows' source
ENTITY = "webhook_subscriptions"


def new_secret() -> str:
    """A signing secret: ``whsec_`` and 32 random bytes in base64 (the spec's form)."""
    return core.SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def _audit_values(subscription: WebhookSubscription) -> dict[str, Any]:
    """What the audit log keeps of a subscription: everything but its secret."""
    return {
        "url": subscription.url,
        "events": list(subscription.events),
        "description": subscription.description,
        "enabled": subscription.enabled,
        "max_failures": subscription.max_failures,
    }


def add_subscription(
    session: Session,
    *,
    org_id: int,
    url: str,
    events: str | Sequence[str],
    description: str = "",
    max_failures: int = 10,
) -> WebhookSubscription:
    """A new enabled subscription with a fresh secret (``subscription.secret``: show it
    to the person once)."""
    if max_failures < 1:
        raise InvalidInput("must be at least 1", field="max_failures")
    subscription = WebhookSubscription(
        org_id=org_id,
        url=core.validate_url(url),
        events=core.parse_events(events),
        description=description.strip()[:200],
        secret=new_secret(),
        enabled=True,
        max_failures=max_failures,
        consecutive_failures=0,
    )
    session.add(subscription)
    session.flush()
    append(
        session,
        [Change(org_id, "create", ENTITY, subscription.id, None, _audit_values(subscription))],
    )
    return subscription


def list_subscriptions(session: Session, *, org_id: int) -> list[WebhookSubscription]:
    """The organisation's subscriptions, oldest first."""
    return repository.subscriptions(session, org_id)


def get_subscription(
    session: Session, *, org_id: int, subscription_id: int, for_update: bool = False
) -> WebhookSubscription:
    """One of the organisation's subscriptions; ``NotFound`` for another's."""
    found = repository.subscription(session, org_id, subscription_id, for_update=for_update)
    if found is None:
        raise NotFound(f"no webhook subscription #{subscription_id}")
    return found


def set_enabled(
    session: Session, *, org_id: int, subscription_id: int, enabled: bool, reason: str = ""
) -> WebhookSubscription:
    """Enable or disable a subscription. Disabling cancels its deliveries still waiting
    (a replay sends one again); enabling starts its failure count afresh."""
    subscription = get_subscription(
        session, org_id=org_id, subscription_id=subscription_id, for_update=True
    )
    if subscription.enabled == enabled:
        return subscription
    before = {"enabled": subscription.enabled, "disabled_reason": subscription.disabled_reason}
    subscription.enabled = enabled
    subscription.disabled_reason = "" if enabled else (reason.strip() or "disabled")[:500]
    if enabled:
        subscription.consecutive_failures = 0
    else:
        repository.cancel_waiting(
            session, org_id, subscription.id, f"not sent: {subscription.disabled_reason}"
        )
    session.flush()
    after = {"enabled": subscription.enabled, "disabled_reason": subscription.disabled_reason}
    append(session, [Change(org_id, "update", ENTITY, subscription.id, before, after)])
    return subscription


def remove_subscription(session: Session, *, org_id: int, subscription_id: int) -> str:
    """Delete a subscription and its delivery log; its waiting deliveries are cancelled
    (the outbox keeps what was sent). Its URL, for the message."""
    subscription = get_subscription(
        session, org_id=org_id, subscription_id=subscription_id, for_update=True
    )
    url, values = subscription.url, _audit_values(subscription)
    repository.cancel_waiting(session, org_id, subscription.id, "not sent: subscription removed")
    session.expunge(subscription)
    repository.delete_subscription(session, org_id, subscription_id)
    append(session, [Change(org_id, "delete", ENTITY, subscription_id, values, None)])
    return url


# Emitting events


def event_id(*, org_id: int, key: str | None) -> str:
    """An event's id (the ``webhook-id`` header): derived from ``key`` when the event
    has a natural identity (the same key is the same event), random otherwise."""
    if key is None:
        return "msg_" + uuid.uuid4().hex
    return "msg_" + hashlib.sha256(f"{org_id}:{key}".encode()).hexdigest()[:32]


def emit(
    session: Session,
    *,
    org_id: int,
    type: str,
    data: Mapping[str, Any],
    key: str | None = None,
    now: datetime | None = None,
) -> list[str]:
    """Plan the event ``type`` with ``data`` for every enabled subscription to it, in
    the caller's transaction; the ids of the deliveries' outbox keys planned."""
    return emit_many(session, org_id=org_id, type=type, events=[(key, data)], now=now)


def emit_many(
    session: Session,
    *,
    org_id: int,
    type: str,
    events: Sequence[tuple[str | None, Mapping[str, Any]]],
    now: datetime | None = None,
) -> list[str]:
    """``emit`` for several events of one type (``(key, data)`` each) at once."""
    if type not in core.EVENT_TYPES:
        raise InvalidInput(f"{type!r} is not an event type", field="type")
    if not events:
        return []
    targets = [
        (subscription_id, url)
        for subscription_id, url, types in repository.enabled_subscriptions(session, org_id)
        if type in types
    ]
    if not targets:
        return []
    at = now or utcnow()
    timestamp = core.json_safe(at)
    effects = []
    for key, data in events:
        identity = event_id(org_id=org_id, key=key)
        safe = core.json_safe(data)
        for subscription_id, url in targets:
            effects.append(
                Effect(
                    key=core.delivery_key(subscription_id, identity),
                    kind=OutboxKind.WEBHOOK,
                    customer_id=None,
                    scheduled_at=at,
                    payload=Delivery(
                        subscription_id=subscription_id,
                        event_id=identity,
                        type=type,
                        timestamp=timestamp,
                        data=safe,
                    ).dump(),
                    template=type,
                    recipient=url,
                    source=SOURCE,
                    to_customer=False,
                )
            )
    return [e.key for e in enqueue(session, org_id=org_id, effects=effects)]


# Deliveries


def deliveries(
    session: Session,
    *,
    org_id: int,
    subscription_id: int | None = None,
    status: str | None = None,
    limit: int = 100,
) -> list[OutboxMessage]:
    """The newest deliveries (of one subscription when given) first."""
    if status is not None and status not in {s.value for s in OutboxStatus}:
        raise InvalidInput(f"{status!r} is not an outbox status", field="status")
    return repository.deliveries(
        session, org_id, subscription_id=subscription_id, status=status, limit=limit
    )


def get_delivery(session: Session, *, org_id: int, delivery_id: int) -> OutboxMessage:
    """One of the organisation's deliveries; ``NotFound`` otherwise."""
    found = repository.delivery(session, org_id, delivery_id)
    if found is None:
        raise NotFound(f"no webhook delivery #{delivery_id}")
    return found


def attempts_of(
    session: Session, *, org_id: int, delivery_ids: Sequence[int]
) -> dict[int, list[WebhookAttempt]]:
    """The delivery log: each delivery's attempts, oldest first."""
    return repository.attempts(session, org_id, delivery_ids)


def replay(session: Session, *, org_id: int, delivery_id: int, by: str = "") -> OutboxMessage:
    """Send a delivery's event to its subscription again: a new delivery (a new outbox
    row with the same event id and body, sent at the next dispatch), audited."""
    original = get_delivery(session, org_id=org_id, delivery_id=delivery_id)
    event = Delivery.model_validate(original.payload)
    subscription_id = event.subscription_id
    subscription = get_subscription(session, org_id=org_id, subscription_id=subscription_id)
    if not subscription.enabled:
        raise Conflict(
            f"webhook subscription #{subscription_id} is disabled: enable it before a replay"
        )
    base = core.delivery_key(subscription_id, event.event_id)
    number = repository.count_keys_like(session, org_id, f"{base}:replay:") + 1
    at = utcnow()
    payload = Delivery(**event.model_dump(exclude={"replay_of"}), replay_of=original.id).dump()
    (planned,) = enqueue(
        session,
        org_id=org_id,
        effects=[
            Effect(
                key=f"{base}:replay:{number}",
                kind=OutboxKind.WEBHOOK,
                customer_id=None,
                scheduled_at=at,
                payload=payload,
                template=str(payload["type"]),
                recipient=subscription.url,
                source=SOURCE,
                to_customer=False,
            )
        ],
    )
    row = repository.outbox_row(session, org_id, planned.key)
    append(
        session,
        [
            Change(
                org_id,
                "create",
                "outbox",
                row.id,
                None,
                {
                    "kind": "webhook",
                    "replay_of": original.id,
                    "event_id": payload["event_id"],
                    "url": subscription.url,
                    "by": by,
                },
            )
        ],
    )
    return row


MESSAGE_EVENTS = {OutboxStatus.SENT: "message.sent", OutboxStatus.FAILED: "message.failed"}


def message_outcome(session: Session, *, row: OutboxMessage) -> list[str]:
    """``message.sent`` or ``message.failed`` for an email, letter or SMS whose outcome
    the dispatcher just recorded (nothing for a retry, nor for a webhook itself)."""
    type = MESSAGE_EVENTS.get(OutboxStatus(row.status))
    if type is None or row.kind not in MESSAGE_KINDS:
        return []
    data: dict[str, Any] = {
        "message_id": row.id,
        "channel": row.kind,
        "template": row.template,
        "customer_id": row.customer_id,
        "to_customer": row.to_customer,
        "attempts": row.attempts,
    }
    if row.status == OutboxStatus.SENT:
        data["sent_at"] = row.sent_at
    else:
        data["error"] = row.last_error
    return emit(session, org_id=row.org_id, type=type, data=data, key=f"outbox:{row.id}:{type}")
