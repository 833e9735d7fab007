"""Webhook rules with no I/O: event types, subscription checks, payloads, outcomes.

Payloads follow the Standard Webhooks specification: a JSON object with ``type``,
``timestamp`` (ISO 8601, UTC) and ``data``; the ``webhook-id`` header is the event's id,
the same for every attempt and replay of it, so a receiver can drop duplicates.
"""

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any
from urllib.parse import urlsplit

from recoup.errors import InvalidInput

EVENT_TYPES = (
    "invoice.overdue",
    "message.sent",
    "message.failed",
    "promise.made",
    "promise.broken",
    "dispute.opened",
    "dispute.resolved",
    "payment.applied",
    "handoff.approved",
    "credit_hold.placed",
    "credit_hold.released",
)
SECRET_PREFIX = "whsec_"
EXCERPT_CHARS = 500  # of an endpoint's answer kept in the delivery log


def parse_events(text: str | Iterable[str]) -> list[str]:
    """The event types named in ``text`` (comma-separated) or a list, checked.

    >>> parse_events("message.sent, promise.broken")
    ['message.sent', 'promise.broken']
    >>> parse_events(" , ")
    Traceback (most recent call last):
    ...
    recoup.errors.InvalidInput: events: name at least one event type
    """
    names = text.split(",") if isinstance(text, str) else list(text)
    found: list[str] = []
    for name in (n.strip() for n in names):
        if not name:
            continue
        if name not in EVENT_TYPES:
            raise InvalidInput(
                f"{name!r} is not an event type (one of {', '.join(EVENT_TYPES)})", field="events"
            )
        if name not in found:
            found.append(name)
    if not found:
        raise InvalidInput("name at least one event type", field="events")
    return found


def validate_url(url: str) -> str:
    """An endpoint's URL: http or https with a host, no credentials in it.

    >>> validate_url(" https://hooks.example.com/recoup ")
    'https://hooks.example.com/recoup'
    >>> validate_url("ftp://example.com")
    Traceback (most recent call last):
    ...
    recoup.errors.InvalidInput: url: must be an http:// or https:// address
    """
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput("must be an http:// or https:// address", field="url")
    if parts.username or parts.password:
        raise InvalidInput("must not carry a user name or password", field="url")
    if len(url) > 500:
        raise InvalidInput("is longer than 500 characters", field="url")
    return url


def json_safe(value: Any) -> Any:
    """``value`` with dates, datetimes, decimals and enums as JSON text.

    >>> json_safe({"on": date(2026, 3, 1), "amount": Decimal("12.50"), "ids": (1, 2)})
    {'on': '2026-03-01', 'amount': '12.50', 'ids': [1, 2]}
    """
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_safe(v) for v in value]
    if isinstance(value, Enum):
        return json_safe(value.value)
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def event_body(*, type: str, timestamp: str, data: Mapping[str, Any]) -> str:
    """The JSON body of an event, exactly as it is signed and sent.

    >>> event_body(type="promise.made", timestamp="2026-03-01T09:00:00Z", data={"id": 7})
    '{"type":"promise.made","timestamp":"2026-03-01T09:00:00Z","data":{"id":7}}'
    """
    payload = {"type": type, "timestamp": timestamp, "data": data}
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False, sort_keys=False)


def delivery_key(subscription_id: int, event_id: str) -> str:
    """The outbox key of an event's delivery to a subscription (planned once)."""
    return f"webhook:{subscription_id}:{event_id}"


def subscription_prefix(subscription_id: int) -> str:
    """What every delivery key of a subscription starts with."""
    return f"webhook:{subscription_id}:"


@dataclass(frozen=True, slots=True)
class Answer:
    """What one HTTP attempt got: a status code, or an error before any answer."""

    status_code: int | None
    duration_ms: int
    excerpt: str = ""
    error: str = ""

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def gone(self) -> bool:
        """410 Gone: the endpoint asks never to be called again (disable at once)."""
        return self.status_code == 410

    def describe(self) -> str:
        """``HTTP 200 in 12 ms`` or the error, for the outbox row and the log."""
        if self.status_code is None:
            return f"{self.error} after {self.duration_ms} ms"
        return f"HTTP {self.status_code} in {self.duration_ms} ms"


def should_disable(*, consecutive_failures: int, max_failures: int, gone: bool) -> bool:
    """Whether a subscription is disabled after an attempt: the endpoint said 410 Gone,
    or it has now failed ``max_failures`` times in a row.

    >>> should_disable(consecutive_failures=9, max_failures=10, gone=False)
    False
    >>> should_disable(consecutive_failures=10, max_failures=10, gone=False)
    True
    >>> should_disable(consecutive_failures=1, max_failures=10, gone=True)
    True
    """
    return gone or consecutive_failures >= max_failures
