"""All SQL of the analytics domain: its snapshots and goals."""

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import BigInteger, cast, delete, func, insert, select
from sqlalchemy.orm import Session

from recoup.analytics.core import Kpi
from recoup.analytics.models import KpiGoal, KpiSnapshot
from recoup.db.base import utcnow


def delete_snapshots(session: Session, org_id: int, start: date, end: date) -> None:
    """Remove the organisation's snapshots of ``start``..``end``."""
    session.execute(
        delete(KpiSnapshot).where(
            KpiSnapshot.org_id == org_id, KpiSnapshot.as_of >= start, KpiSnapshot.as_of <= end
        )
    )


def insert_snapshots(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Insert snapshot rows (one executemany)."""
    if rows:
        now = utcnow()
        session.execute(
            insert(KpiSnapshot), [{"created_at": now, "updated_at": now, **row} for row in rows]
        )


def snapshot_totals(
    session: Session, org_id: int, start: date, end: date
) -> list[tuple[date, str, str, int, int, int]]:
    """``(day, currency, bucket, open amount, open invoices, sales)`` of the snapshots of
    ``start``..``end``, collectors summed."""
    rows = session.execute(
        select(
            KpiSnapshot.as_of,
            KpiSnapshot.currency,
            KpiSnapshot.bucket,
            cast(func.sum(KpiSnapshot.open_amount), BigInteger),
            cast(func.sum(KpiSnapshot.open_count), BigInteger),
            cast(func.sum(KpiSnapshot.sales_amount), BigInteger),
        )
        .where(
            KpiSnapshot.org_id == org_id,
            KpiSnapshot.as_of >= start,
            KpiSnapshot.as_of <= end,
        )
        .group_by(KpiSnapshot.as_of, KpiSnapshot.currency, KpiSnapshot.bucket)
    )
    return [(r[0], r[1], r[2], int(r[3] or 0), int(r[4] or 0), int(r[5] or 0)) for r in rows]


def goal(session: Session, org_id: int, kpi: Kpi, currency: str) -> KpiGoal | None:
    """The goal for ``kpi`` in ``currency`` ("" for all), if set."""
    return session.scalars(
        select(KpiGoal).where(
            KpiGoal.org_id == org_id, KpiGoal.kpi == kpi.value, KpiGoal.currency == currency
        )
    ).one_or_none()


def goals(session: Session, org_id: int) -> list[KpiGoal]:
    """The organisation's goals, by KPI and currency."""
    return list(
        session.scalars(
            select(KpiGoal).where(KpiGoal.org_id == org_id).order_by(KpiGoal.kpi, KpiGoal.currency)
        )
    )
