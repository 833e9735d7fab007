"""Policy changes wait for a second person: a request may concern no customer, and
carries the policy's name and the proposed text.

Revision ID: approvals_0002
Revises: approvals_0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "approvals_0002"
down_revision: str | Sequence[str] | None = "approvals_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("approval_requests") as batch:
        batch.alter_column("customer_id", existing_type=sa.BigInteger(), nullable=True)
        batch.add_column(sa.Column("subject", sa.String(64), nullable=False, server_default=""))
        batch.add_column(sa.Column("detail", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("approval_requests") as batch:
        batch.drop_column("detail")
        batch.drop_column("subject")
        batch.alter_column("customer_id", existing_type=sa.BigInteger(), nullable=False)
