"""All SQL of the analytics domain: its snapshots and goals."""

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import delete, insert, select
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


def snapshots(session: Session, org_id: int, start: date, end: date) -> list[KpiSnapshot]:
    """The organisation's snapshot rows of ``start``..``end``, by day."""
    return list(
        session.scalars(
            select(KpiSnapshot)
            .where(
                KpiSnapshot.org_id == org_id,
                KpiSnapshot.as_of >= start,
                KpiSnapshot.as_of <= end,
            )
            .order_by(KpiSnapshot.as_of, KpiSnapshot.currency, KpiSnapshot.collector)
        )
    )


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
