"""Open invoices' latest late-payment scores, stored by the daily run.

Revision ID: prediction_0002
Revises: prediction_0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "prediction_0002"
down_revision: str | Sequence[str] | None = "prediction_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "invoice_scores",
        sa.Column("invoice_id", sa.BigInteger(), nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("open_amount", sa.BigInteger(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("probability_late", sa.Float(), nullable=False),
        sa.Column("expected_on", sa.Date(), nullable=False),
        sa.Column("scored_on", sa.Date(), nullable=False),
        sa.Column("model_id", sa.BigInteger(), nullable=False),
        sa.Column("id", Id, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("org_id", Id, nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_invoice_scores_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_scores")),
    )
    op.create_index("ix_invoice_scores_org_customer", "invoice_scores", ["org_id", "customer_id"])


def downgrade() -> None:
    op.drop_index("ix_invoice_scores_org_customer", table_name="invoice_scores")
    op.drop_table("invoice_scores")
