"""Charge terms: a contractual fixed compensation per customer or invoice.

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


def upgrade() -> None:
    with op.batch_alter_table("charge_terms") as batch:
        batch.add_column(sa.Column("compensation_amount", sa.BigInteger(), nullable=True))
        batch.add_column(
            sa.Column(
                "compensation_currency", sa.String(length=3), nullable=False, server_default=""
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("charge_terms") as batch:
        batch.drop_column("compensation_currency")
        batch.drop_column("compensation_amount")
