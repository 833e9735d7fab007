"""Throttling by client: login attempts looked up by address and pruned by time, portal
submissions remembered with the address they came from.

Revision ID: auth_0002
Revises: auth_0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "auth_0002"
down_revision: str | Sequence[str] | None = "auth_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = "portal_0001"


def upgrade() -> None:
    op.create_index("ix_login_attempts_ip_at", "login_attempts", ["ip", "attempted_at"])
    op.create_index("ix_login_attempts_at", "login_attempts", ["attempted_at"])
    with op.batch_alter_table("portal_submissions") as batch:
        batch.add_column(sa.Column("client", sa.String(64), nullable=False, server_default=""))
    op.create_index(
        "ix_portal_submissions_client_created", "portal_submissions", ["client", "created_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_portal_submissions_client_created", table_name="portal_submissions")
    with op.batch_alter_table("portal_submissions") as batch:
        batch.drop_column("client")
    op.drop_index("ix_login_attempts_at", table_name="login_attempts")
    op.drop_index("ix_login_attempts_ip_at", table_name="login_attempts")
