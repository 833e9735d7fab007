"""When a message to a customer may go out: the one rule every message follows.

A message to a customer (email, letter, SMS) goes out on a business day of the
customer's country, within the sending hours in the customer's time zone: a message
planned before the day's opening waits for it, one planned after the close (or on a
weekend or public holiday) waits for the next business day's opening. The escalation
engine times its steps with ``earliest_send`` (pure); every other producer of customer
messages (payment plans, promises, disputes) passes its effects through
``schedule_messages`` before they reach the outbox.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from recoup.comms.models import OutboxKind
from recoup.comms.outbox import Effect
from recoup.ledger import service as ledger
from recoup.policy import business_days

DEFAULT_START = time(8, 0)
DEFAULT_END = time(18, 0)
MESSAGE_KINDS = frozenset({OutboxKind.EMAIL, OutboxKind.LETTER, OutboxKind.SMS})

#: The sending hours ``(start, end)`` that apply to a customer, by customer id.
HoursOf = Callable[[int], tuple[time, time]]


@dataclass(frozen=True, slots=True)
class SendingWindow:
    """Where and when a customer may be written to."""

    country: str = ""
    timezone: str = "UTC"
    start: time = DEFAULT_START
    end: time = DEFAULT_END


def earliest_send(window: SendingWindow, *, as_of: date, now: datetime) -> datetime:
    """The first moment, not before ``now`` nor before the day ``as_of``, at which a
    message may go: within the sending hours of a business day, in the customer's time
    zone (returned in UTC).

    >>> london = SendingWindow("GB", "Europe/London")
    >>> saturday = datetime(2026, 3, 7, 7, 0, tzinfo=UTC)
    >>> earliest_send(london, as_of=date(2026, 3, 7), now=saturday)
    datetime.datetime(2026, 3, 9, 8, 0, tzinfo=datetime.timezone.utc)
    >>> berlin = SendingWindow("DE", "Europe/Berlin")
    >>> tuesday = datetime(2026, 3, 3, 9, 30, tzinfo=UTC)
    >>> earliest_send(berlin, as_of=date(2026, 3, 3), now=tuesday)  # 10:30 in Berlin
    datetime.datetime(2026, 3, 3, 9, 30, tzinfo=datetime.timezone.utc)
    """
    zone = ZoneInfo(window.timezone or "UTC")
    local_now = now.astimezone(zone)
    day = max(as_of, local_now.date())
    if not business_days.is_business_day(window.country, day):
        day = business_days.next_business_day(window.country, day)
    closes = datetime.combine(day, window.end, zone)
    if local_now > closes:
        day = business_days.next_business_day(window.country, day)
    opens = datetime.combine(day, window.start, zone)
    return max(opens, local_now).astimezone(UTC)


def default_hours(customer_id: int) -> tuple[time, time]:
    """08:00 to 18:00 (the shipped policies' sending hours)."""
    return DEFAULT_START, DEFAULT_END


def schedule_messages(
    session: Session,
    *,
    org_id: int,
    effects: Sequence[Effect],
    as_of: date,
    now: datetime,
    hours: HoursOf = default_hours,
) -> list[Effect]:
    """``effects`` with every message to a customer timed by ``earliest_send`` (in that
    customer's country and time zone, within ``hours(customer_id)``); other effects
    (tasks, messages to our own people) are left as they are."""
    windows: dict[int, SendingWindow] = {}
    timed = []
    for effect in effects:
        customer_id = effect.customer_id
        if effect.kind not in MESSAGE_KINDS or not effect.to_customer or customer_id is None:
            timed.append(effect)
            continue
        if customer_id not in windows:
            customer = ledger.customer_by_id(session, org_id=org_id, customer_id=customer_id)
            start, end = hours(customer_id)
            windows[customer_id] = SendingWindow(
                customer.country or "", customer.timezone or "UTC", start, end
            )
        moment = earliest_send(windows[customer_id], as_of=as_of, now=max(now, effect.scheduled_at))
        timed.append(effect._replace(scheduled_at=moment))
    return timed
