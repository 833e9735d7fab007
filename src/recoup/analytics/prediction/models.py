"""The stored late-payment models (one row per training, the newest is used) and the
open invoices' latest scores."""

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Float, Index, LargeBinary, String
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


class StoredScore(OrgScoped, Base):
    """An open invoice's prediction as the daily run (or ``recoup model train|score``)
    last scored it: read by the worklist and the customer page instead of scoring on
    every page load. All of an organisation's rows are replaced at each scoring."""

    __tablename__ = "invoice_scores"
    __table_args__ = (Index("ix_invoice_scores_org_customer", "org_id", "customer_id"),)

    invoice_id: Mapped[int] = mapped_column(BigInteger)
    customer_id: Mapped[int] = mapped_column(BigInteger)
    number: Mapped[str] = mapped_column(String(64))
    currency: Mapped[str] = mapped_column(String(3))
    open_amount: Mapped[int] = mapped_column(BigInteger)
    due_date: Mapped[date]
    probability_late: Mapped[float] = mapped_column(Float)
    expected_on: Mapped[date]
    scored_on: Mapped[date]
    model_id: Mapped[int] = mapped_column(BigInteger)
