"""The frequency cap's read of the messages sent to each customer of a partition, from an
index of those rows alone (``recoup.policy.models``): a partition read every outbox row
of its customers, three in four of them tasks, charges and holds, to leave them out.

Revision ID: policy_0004
Revises: policy_0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "policy_0004"
down_revision: str | Sequence[str] | None = "policy_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = ("comms_0001",)

KINDS = "kind IN ('email', 'letter', 'sms')"


def upgrade() -> None:
    # As SQLAlchemy writes the daily run's condition on each database: SQLite uses a
    # partial index only for a query whose condition has the index's terms as written.
    op.create_index(
        "ix_outbox_customer_messages",
        "outbox",
        ["org_id", "customer_id", "next_attempt_at"],
        postgresql_where=sa.text(f"to_customer IS true AND {KINDS}"),
        sqlite_where=sa.text(f"to_customer IS 1 AND {KINDS}"),
    )
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ANALYZE ix_outbox_customer_messages")  # a new index has no statistics


def downgrade() -> None:
    op.drop_index("ix_outbox_customer_messages", table_name="outbox")
