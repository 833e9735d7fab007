"""Charge terms: a contractual fixed compensation per customer or invoice; the day up
to which each reference-rate table was last checked.

Revision ID: charges_0002_compensation
Revises: charges_0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "charges_0002_compensation"
down_revision: str | Sequence[str] | None = "charges_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "reference_rate_checks",
        sa.Column("id", Id, nullable=False),
        sa.Column("table_name", sa.String(length=32), nullable=False),
        sa.Column("checked_through", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reference_rate_checks")),
        sa.UniqueConstraint("table_name", name=op.f("uq_reference_rate_checks_table_name")),
    )
    with op.batch_alter_table("charge_terms") as batch:
        batch.add_column(sa.Column("compensation_amount", sa.BigInteger(), nullable=True))
        batch.add_column(
            sa.Column(
                "compensation_currency", sa.String(length=3), nullable=False, server_default=""
            )
        )


def downgrade() -> None:
    op.drop_table("reference_rate_checks")
    with op.batch_alter_table("charge_terms") as batch:
        batch.drop_column("compensation_currency")
        batch.drop_column("compensation_amount")
