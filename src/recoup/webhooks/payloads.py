"""The outbox payloads of ``recoup.webhooks``: a delivery of an event to one
subscription, and the email telling admins a subscription was disabled."""

from typing import Any

from recoup.comms.payloads import Payload


class Delivery(Payload):
    """One event for one subscription; signed afresh for each attempt."""

    subscription_id: int
    event_id: str
    type: str  # the event type, e.g. promise.made
    timestamp: str
    data: dict[str, Any]
    replay_of: int | None = None  # the delivery this one replays


class Notice(Payload):
    """An admin's email: a subscription was disabled, and why."""

    subscription_id: int
    url: str
    reason: str
