"""The organisation's onboarding choice for customers the daily run has never chased:
``gentle`` (start at the first customer-facing step, nothing back-dated) or ``policy``.
Existing organisations keep ``policy``, what they had.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "organisations",
        sa.Column("first_run", sa.String(length=16), nullable=False, server_default="policy"),
    )


def downgrade() -> None:
    op.drop_column("organisations", "first_run")
