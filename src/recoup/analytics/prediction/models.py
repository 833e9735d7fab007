"""The stored late-payment models: one row per training, the newest is used."""

from datetime import date, datetime

from sqlalchemy import JSON, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from recoup.db.base import Base, OrgScoped


class PredictionModel(OrgScoped, Base):
    """A model trained on the organisation's history of invoices issued before
    ``until``, with its metrics and the fitted model (joblib bytes)."""

    __tablename__ = "prediction_models"
    __table_args__ = (Index("ix_prediction_models_org_trained", "org_id", "trained_at"),)

    trained_at: Mapped[datetime]
    until: Mapped[date]
    kind: Mapped[str] = mapped_column(String(32))  # gradient_boosting or naive
    late_after_days: Mapped[int] = mapped_column(default=0)
    metrics: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    model: Mapped[bytes] = mapped_column(LargeBinary)
