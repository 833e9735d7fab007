"""SQL of the engine: the state it plans from and the rows it writes (the ledger's
customers, contacts and invoices come from ``recoup.ledger.queries``)."""

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Text, cast, func, select, update
from sqlalchemy.orm import Session

from recoup.comms.models import OutboxMessage
from recoup.db import bulk
from recoup.ledger import queries as ledger_queries
from recoup.policy.models import CUSTOMER_MESSAGES, DunningCycle, DunningStep, PolicyAssignment

CustomerRange = ledger_queries.IdRange
Rows = Sequence[Any]  # result rows, unpacked by position


def _in_range(column: Any, id_range: CustomerRange) -> Any:
    return True if id_range is None else column.between(*id_range)


def assignment_for(
    session: Session, org_id: int, customer_id: int | None, invoice_id: int | None
) -> PolicyAssignment | None:
    return session.scalars(
        select(PolicyAssignment)
        .where(
            PolicyAssignment.org_id == org_id,
            PolicyAssignment.customer_id.is_(None)
            if customer_id is None
            else PolicyAssignment.customer_id == customer_id,
            PolicyAssignment.invoice_id.is_(None)
            if invoice_id is None
            else PolicyAssignment.invoice_id == invoice_id,
        )
        .order_by(PolicyAssignment.id.desc())
        .limit(1)
    ).first()


def assignments(session: Session, org_id: int) -> Rows:
    return session.execute(
        select(PolicyAssignment.customer_id, PolicyAssignment.invoice_id, PolicyAssignment.policy)
        .where(PolicyAssignment.org_id == org_id)
        .order_by(PolicyAssignment.id)
    ).all()


def open_cycles(session: Session, org_id: int, id_range: CustomerRange) -> Rows:
    return bulk.plain_rows(
        session,
        select(
            DunningCycle.key,
            DunningCycle.customer_id,
            DunningCycle.policy,
            DunningCycle.opened_on,
            DunningCycle.invoice_id,
        ).where(
            DunningCycle.org_id == org_id,
            DunningCycle.closed_on.is_(None),
            _in_range(DunningCycle.customer_id, id_range),
        ),
    )


def first_cycle_days(session: Session, org_id: int, id_range: CustomerRange) -> dict[int, date]:
    """Customer id → the day its first dunning cycle opened (customers never chased are
    absent)."""
    rows = session.execute(
        select(DunningCycle.customer_id, func.min(DunningCycle.opened_on))
        .where(DunningCycle.org_id == org_id, _in_range(DunningCycle.customer_id, id_range))
        .group_by(DunningCycle.customer_id)
    ).all()
    return {customer_id: day for customer_id, day in rows}


def cycles_closed_on_their_first_day(
    session: Session, org_id: int, day: date, id_range: CustomerRange
) -> frozenset[str]:
    """Keys of the cycles opened and closed on ``day`` (a new one must not reuse them)."""
    return frozenset(
        session.scalars(
            select(DunningCycle.key).where(
                DunningCycle.org_id == org_id,
                DunningCycle.opened_on == day,
                DunningCycle.closed_on.is_not(None),
                _in_range(DunningCycle.customer_id, id_range),
            )
        )
    )


def cycle_steps(session: Session, org_id: int, id_range: CustomerRange) -> Rows:
    """Steps of the open cycles, oldest first: rows with the fields of the engine's
    ``StepDone`` and the ``cycle_key``."""
    open_keys = select(DunningCycle.key).where(  # of the range: a partition reads its own
        DunningCycle.org_id == org_id,
        DunningCycle.closed_on.is_(None),
        _in_range(DunningCycle.customer_id, id_range),
    )
    return bulk.plain_rows(
        session,
        select(
            DunningStep.step,
            DunningStep.done_on.label("on"),
            DunningStep.fired,
            # As its JSON text: decoded by the caller with orjson, several times
            # faster than the driver's JSON processing for a million ids.
            cast(DunningStep.invoice_ids, Text).label("invoice_ids"),
            DunningStep.cycle_key,
        )
        .where(
            DunningStep.org_id == org_id,
            DunningStep.cycle_key.in_(open_keys),
            _in_range(DunningStep.customer_id, id_range),
        )
        .order_by(DunningStep.id),
    )


def recent_messages(
    session: Session, org_id: int, since: datetime, id_range: CustomerRange
) -> Rows:
    """Messages to customers planned or sent since ``since`` (for the frequency cap):
    ``(customer_id, at, count)``, those of one customer at one time counted together."""
    return session.execute(
        select(OutboxMessage.customer_id, OutboxMessage.next_attempt_at, func.count())
        .where(
            OutboxMessage.org_id == org_id,
            OutboxMessage.customer_id.is_not(None),
            CUSTOMER_MESSAGES,  # the index's own condition, not cancelled (``policy.models``)
            OutboxMessage.next_attempt_at >= since,
            _in_range(OutboxMessage.customer_id, id_range),
        )
        .group_by(OutboxMessage.customer_id, OutboxMessage.next_attempt_at)
    ).all()


def insert_cycles(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    bulk.insert_with_ids(session, DunningCycle.__table__, rows)


def close_cycles(session: Session, org_id: int, keys: Sequence[str], on: date) -> None:
    for condition in bulk.among(session, DunningCycle.key, keys):
        session.execute(
            update(DunningCycle)
            .where(DunningCycle.org_id == org_id, condition)
            .values(closed_on=on)
        )


def insert_steps(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    bulk.insert_with_ids(session, DunningStep.__table__, rows)
