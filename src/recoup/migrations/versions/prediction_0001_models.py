"""Stored late-payment models.

Revision ID: prediction_0001
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "prediction_0001"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = ("prediction",)
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "prediction_models",
        sa.Column("trained_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("until", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("late_after_days", sa.Integer(), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("model", sa.LargeBinary(), nullable=False),
        sa.Column("id", Id, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("org_id", Id, nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_prediction_models_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prediction_models")),
    )
    with op.batch_alter_table("prediction_models", schema=None) as batch_op:
        batch_op.create_index(
            "ix_prediction_models_org_trained", ["org_id", "trained_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("prediction_models", schema=None) as batch_op:
        batch_op.drop_index("ix_prediction_models_org_trained")
    op.drop_table("prediction_models")
