"""Partial indexes for the dispatcher: rows waiting to be delivered, rows being sent.

A million pending rows made the old (status, next_attempt_at) index useless for the
claim query's ``ORDER BY next_attempt_at, id LIMIT 1`` on PostgreSQL (a sort of every
pending row per claim).

Revision ID: comms_0002
Revises: comms_0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "comms_0002"
down_revision: str | Sequence[str] | None = "comms_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WAITING = "status IN ('pending', 'retrying')"
SENDING = "status = 'sending'"


def upgrade() -> None:
    op.drop_index("ix_outbox_due", table_name="outbox")
    op.create_index(
        "ix_outbox_waiting",
        "outbox",
        ["next_attempt_at", "id"],
        postgresql_where=sa.text(WAITING),
        sqlite_where=sa.text(WAITING),
    )
    op.create_index(
        "ix_outbox_sending",
        "outbox",
        ["org_id"],
        postgresql_where=sa.text(SENDING),
        sqlite_where=sa.text(SENDING),
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_sending", table_name="outbox")
    op.drop_index("ix_outbox_waiting", table_name="outbox")
    op.create_index("ix_outbox_due", "outbox", ["status", "next_attempt_at"])
