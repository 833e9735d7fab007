"""All SQL of the webhooks domain: subscriptions, attempts, and its outbox rows."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.orm import Session

from recoup.comms.models import WAITING, OutboxKind, OutboxMessage, OutboxStatus
from recoup.webhooks.core import subscription_prefix
from recoup.webhooks.models import WebhookAttempt, WebhookSubscription


def subscriptions(session: Session, org_id: int) -> list[WebhookSubscription]:
    query = select(WebhookSubscription).where(WebhookSubscription.org_id == org_id)
    return list(session.scalars(query.order_by(WebhookSubscription.id)))


def enabled_subscriptions(session: Session, org_id: int) -> list[tuple[int, str, list[str]]]:
    """``(id, url, events)`` of the organisation's enabled subscriptions."""
    rows = session.execute(
        select(WebhookSubscription.id, WebhookSubscription.url, WebhookSubscription.events).where(
            WebhookSubscription.org_id == org_id, WebhookSubscription.enabled.is_(True)
        )
    )
    return [(int(row[0]), str(row[1]), list(row[2] or [])) for row in rows]


def subscription(
    session: Session, org_id: int, subscription_id: int, *, for_update: bool = False
) -> WebhookSubscription | None:
    query = select(WebhookSubscription).where(
        WebhookSubscription.org_id == org_id, WebhookSubscription.id == subscription_id
    )
    if for_update:
        query = query.with_for_update()
    return session.scalars(query).first()


def count_attempt(
    session: Session, org_id: int, subscription_id: int, *, succeeded: bool, now: datetime
) -> tuple[int, int, bool] | None:
    """Count an attempt on the subscription (a success resets its failures in a row);
    ``(failures in a row, max_failures, enabled)`` after it, None if it is gone."""
    sub = WebhookSubscription
    values: dict[str, Any] = (
        {"consecutive_failures": 0, "last_success_at": now}
        if succeeded
        else {"consecutive_failures": sub.consecutive_failures + 1, "last_failure_at": now}
    )
    row = session.execute(
        update(sub)
        .where(sub.org_id == org_id, sub.id == subscription_id)
        .values(**values, updated_at=now)
        .returning(sub.consecutive_failures, sub.max_failures, sub.enabled)
        .execution_options(synchronize_session=False)
    ).first()
    return None if row is None else (int(row[0]), int(row[1]), bool(row[2]))


def delete_subscription(session: Session, org_id: int, subscription_id: int) -> None:
    session.execute(
        delete(WebhookAttempt).where(
            WebhookAttempt.org_id == org_id, WebhookAttempt.subscription_id == subscription_id
        )
    )
    session.execute(
        delete(WebhookSubscription).where(
            WebhookSubscription.org_id == org_id, WebhookSubscription.id == subscription_id
        )
    )


def cancel_waiting(session: Session, org_id: int, subscription_id: int, reason: str) -> int:
    """Cancel the subscription's deliveries still waiting to be sent; how many."""
    result = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.org_id == org_id,
            OutboxMessage.kind == OutboxKind.WEBHOOK.value,
            OutboxMessage.key.startswith(subscription_prefix(subscription_id), autoescape=True),
            text(WAITING),
        )
        .values(status=OutboxStatus.CANCELLED.value, last_error=reason)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def deliveries(
    session: Session,
    org_id: int,
    *,
    subscription_id: int | None = None,
    status: str | None = None,
    limit: int = 100,
) -> list[OutboxMessage]:
    """The newest deliveries (outbox rows of kind ``webhook``) first."""
    query = select(OutboxMessage).where(
        OutboxMessage.org_id == org_id, OutboxMessage.kind == OutboxKind.WEBHOOK.value
    )
    if subscription_id is not None:
        prefix = subscription_prefix(subscription_id)
        query = query.where(OutboxMessage.key.startswith(prefix, autoescape=True))
    if status:
        query = query.where(OutboxMessage.status == status)
    return list(session.scalars(query.order_by(OutboxMessage.id.desc()).limit(limit)))


def delivery(session: Session, org_id: int, outbox_id: int) -> OutboxMessage | None:
    return session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.org_id == org_id,
            OutboxMessage.id == outbox_id,
            OutboxMessage.kind == OutboxKind.WEBHOOK.value,
        )
    ).first()


def outbox_row(session: Session, org_id: int, key: str) -> OutboxMessage:
    query = select(OutboxMessage).where(OutboxMessage.org_id == org_id, OutboxMessage.key == key)
    return session.scalars(query).one()


def count_keys_like(session: Session, org_id: int, prefix: str) -> int:
    query = select(func.count()).where(
        OutboxMessage.org_id == org_id, OutboxMessage.key.startswith(prefix, autoescape=True)
    )
    return int(session.scalar(query.select_from(OutboxMessage)) or 0)


def attempts(
    session: Session, org_id: int, outbox_ids: Sequence[int]
) -> dict[int, list[WebhookAttempt]]:
    """The attempts of these deliveries, oldest first, by outbox id."""
    found: dict[int, list[WebhookAttempt]] = {i: [] for i in outbox_ids}
    if not outbox_ids:
        return found
    rows = session.scalars(
        select(WebhookAttempt)
        .where(WebhookAttempt.org_id == org_id, WebhookAttempt.outbox_id.in_(list(outbox_ids)))
        .order_by(WebhookAttempt.id)
    )
    for row in rows:
        found[row.outbox_id].append(row)
    return found


def last_attempt_at(session: Session, org_id: int) -> dict[int, datetime]:
    """When each subscription was last tried."""
    rows = session.execute(
        select(WebhookAttempt.subscription_id, func.max(WebhookAttempt.created_at))
        .where(WebhookAttempt.org_id == org_id)
        .group_by(WebhookAttempt.subscription_id)
    )
    return {int(r[0]): r[1] for r in rows if r[1] is not None}
