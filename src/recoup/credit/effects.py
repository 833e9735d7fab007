"""The handler of outbox rows of kind ``credit_hold`` (``credit.payloads.HoldOrder``).
Registered with ``comms.payloads`` when imported."""

from sqlalchemy.orm import Session

from recoup.comms.models import OutboxKind, OutboxMessage
from recoup.comms.payloads import Handler, register
from recoup.credit import service as credit
from recoup.credit.payloads import HoldOrder


def place_hold(session: Session, row: OutboxMessage, payload: HoldOrder) -> str:
    """Place the policy's credit hold on the row's customer (once per key)."""
    assert row.customer_id is not None
    credit.place_hold(
        session,
        org_id=row.org_id,
        customer_id=row.customer_id,
        reason=payload.reason,
        source="policy",
        key=row.key,
        on=payload.as_of,
        now=row.next_attempt_at,
    )
    return "credit hold placed"


register([OutboxKind.CREDIT_HOLD], Handler(HoldOrder, apply=place_hold))
