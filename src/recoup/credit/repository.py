"""All SQL of the credit domain. Every query is scoped to one organisation."""

from collections.abc import Sequence
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from recoup.credit.models import CreditHold, CreditLimitChange, HoldSource, HoldStatus, OpenOrders
from recoup.db import bulk


def holds(
    session: Session,
    org_id: int,
    *,
    customer_id: int | None = None,
    active_only: bool = False,
    customer_range: tuple[int, int] | None = None,
) -> list[CreditHold]:
    """Credit holds, oldest first (of one customer, or of a range of customer ids, only
    active ones, when asked)."""
    query = select(CreditHold).where(CreditHold.org_id == org_id)
    if customer_id is not None:
        query = query.where(CreditHold.customer_id == customer_id)
    if customer_range is not None:
        query = query.where(CreditHold.customer_id.between(*customer_range))
    if active_only:
        query = query.where(CreditHold.status == HoldStatus.ACTIVE)
    return list(session.scalars(query.order_by(CreditHold.id)))


def active_hold_rows(
    session: Session, org_id: int, *, customer_range: tuple[int, int] | None = None
) -> list[tuple[int, int, str, str]]:
    """``(id, customer id, source, reason)`` of the active holds (of a range of customer
    ids, when given), oldest first: plain rows, for a daily run that looks at every
    customer's hold and changes few of them."""
    query = select(
        CreditHold.id, CreditHold.customer_id, CreditHold.source, CreditHold.reason
    ).where(CreditHold.org_id == org_id, CreditHold.status == HoldStatus.ACTIVE)
    if customer_range is not None:
        query = query.where(CreditHold.customer_id.between(*customer_range))
    return [
        (int(row[0]), int(row[1]), str(row[2]), str(row[3]))
        for row in bulk.plain_rows(session, query.order_by(CreditHold.id))
    ]


def holds_with_ids(session: Session, org_id: int, ids: Sequence[int]) -> list[CreditHold]:
    """The holds with ``ids`` (any ids), oldest first."""
    found: list[CreditHold] = []
    for start in range(0, len(ids), 1000):
        found += session.scalars(
            select(CreditHold).where(
                CreditHold.org_id == org_id, CreditHold.id.in_(ids[start : start + 1000])
            )
        )
    return sorted(found, key=lambda hold: hold.id)


def customers_on_rule_hold(
    session: Session, org_id: int, *, customer_range: tuple[int, int] | None = None
) -> dict[int, date]:
    """Customers (of a range of ids, when given) with an active hold of the credit rule,
    each with the day its latest such hold was placed."""
    query = select(CreditHold.customer_id, func.max(CreditHold.placed_on)).where(
        CreditHold.org_id == org_id,
        CreditHold.status == HoldStatus.ACTIVE,
        CreditHold.source == HoldSource.RULE,
    )
    if customer_range is not None:
        query = query.where(CreditHold.customer_id.between(*customer_range))
    rows = bulk.plain_rows(session, query.group_by(CreditHold.customer_id))
    return {customer_id: placed_on for customer_id, placed_on in rows}


def hold_by_key(session: Session, org_id: int, key: str) -> CreditHold | None:
    """The hold placed with idempotency ``key``, if any."""
    return session.scalars(
        select(CreditHold).where(CreditHold.org_id == org_id, CreditHold.key == key)
    ).one_or_none()


def limit_changes(session: Session, org_id: int, customer_id: int) -> list[CreditLimitChange]:
    """A customer's credit limit changes, oldest first."""
    return list(
        session.scalars(
            select(CreditLimitChange)
            .where(CreditLimitChange.org_id == org_id, CreditLimitChange.customer_id == customer_id)
            .order_by(CreditLimitChange.id)
        )
    )


def open_orders(
    session: Session, org_id: int, *, customer_range: tuple[int, int] | None = None
) -> dict[int, OpenOrders]:
    """``customer id -> open orders`` as last reported (of a range of ids, when given)."""
    query = select(OpenOrders).where(OpenOrders.org_id == org_id)
    if customer_range is not None:
        query = query.where(OpenOrders.customer_id.between(*customer_range))
    return {row.customer_id: row for row in session.scalars(query)}


def open_orders_of(session: Session, org_id: int, customer_id: int) -> OpenOrders | None:
    """One customer's reported open orders, if any."""
    return session.scalars(
        select(OpenOrders).where(OpenOrders.org_id == org_id, OpenOrders.customer_id == customer_id)
    ).one_or_none()


def holds_by_ids(session: Session, org_id: int, ids: Sequence[int]) -> list[CreditHold]:
    """The holds with ``ids`` (fresh ones: reserved together, so one id range), in order."""
    if not ids:
        return []
    wanted = set(ids)
    found = session.scalars(
        select(CreditHold).where(
            CreditHold.org_id == org_id, CreditHold.id.between(min(ids), max(ids))
        )
    )
    by_id = {hold.id: hold for hold in found if hold.id in wanted}
    return [by_id[hold_id] for hold_id in ids]


def rule_hold_keys_placed_on(session: Session, org_id: int, day: date) -> set[str]:
    """The keys of the credit rule's holds placed on ``day``, active or released."""
    return set(
        session.scalars(
            select(CreditHold.key).where(
                CreditHold.org_id == org_id,
                CreditHold.placed_on == day,
                CreditHold.source == HoldSource.RULE,
            )
        )
    )
