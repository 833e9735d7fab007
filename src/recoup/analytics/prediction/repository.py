"""All SQL of the prediction: the stored models and scores."""

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from recoup.analytics.prediction.models import PredictionModel, StoredScore
from recoup.db import bulk


def add(session: Session, row: PredictionModel) -> None:
    session.add(row)
    session.flush()


def latest(session: Session, org_id: int) -> PredictionModel | None:
    """The organisation's most recently trained model."""
    return session.scalars(
        select(PredictionModel)
        .where(PredictionModel.org_id == org_id)
        .order_by(PredictionModel.trained_at.desc(), PredictionModel.id.desc())
        .limit(1)
    ).one_or_none()


def replace_scores(session: Session, org_id: int, rows: Sequence[Mapping[str, Any]]) -> None:
    """Replace the organisation's stored scores by ``rows``."""
    session.execute(delete(StoredScore).where(StoredScore.org_id == org_id))
    bulk.insert_rows(session, StoredScore.__table__, rows, constants={"org_id": org_id})


def at_risk_sums(session: Session, org_id: int) -> list[tuple[int, str, float]]:
    """``(customer id, currency, Σ open amount × probability late)`` of the stored
    scores."""
    rows = session.execute(
        select(
            StoredScore.customer_id,
            StoredScore.currency,
            func.sum(StoredScore.open_amount * StoredScore.probability_late),
        )
        .where(StoredScore.org_id == org_id)
        .group_by(StoredScore.customer_id, StoredScore.currency)
    )
    return [(r[0], r[1], float(r[2] or 0)) for r in rows]


def customer_scores(session: Session, org_id: int, customer_id: int) -> list[StoredScore]:
    """One customer's stored scores."""
    return list(
        session.scalars(
            select(StoredScore).where(
                StoredScore.org_id == org_id, StoredScore.customer_id == customer_id
            )
        )
    )
