"""All SQL of the prediction: the stored models."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from recoup.analytics.prediction.models import PredictionModel


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
