"""The outbox page's list of one status, newest first, read from an index: without it a
status with few rows (failed, unknown) among a million pending ones was found by reading
the whole outbox backwards (2 s on SQLite), and the count per status reads the index
alone.

Revision ID: web12_0001
Revises: 0001
"""

from collections.abc import Sequence

from alembic import op

revision: str = "web12_0001"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = ("web12",)
depends_on: str | Sequence[str] | None = ("comms_0001",)


def upgrade() -> None:
    op.create_index("ix_outbox_org_status_id", "outbox", ["org_id", "status", "id"])
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ANALYZE ix_outbox_org_status_id")  # a new index has no statistics


def downgrade() -> None:
    op.drop_index("ix_outbox_org_status_id", table_name="outbox")
