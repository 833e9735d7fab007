"""Customer address, sales owner, contact restrictions and risk band.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (
    ("address", sa.String(length=500), ""),
    ("sales_owner", sa.String(length=254), ""),
    ("do_not_contact", sa.Boolean(), False),
    ("legal_hold", sa.Boolean(), False),
    ("risk_band", sa.String(length=16), ""),
)


def upgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        for name, type_, default in COLUMNS:
            batch_op.add_column(
                sa.Column(name, type_, nullable=False, server_default=sa.literal(default))
            )


def downgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        for name, _, _ in reversed(COLUMNS):
            batch_op.drop_column(name)
