"""The index of messages to customers (``policy_0004``) leaves out cancelled ones: the
frequency cap's read then needs nothing from the table (an index-only scan), where it
fetched every message's row for its status (``recoup.policy.models``).

Revision ID: policy_0005
Revises: policy_0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "policy_0005"
down_revision: str | Sequence[str] | None = "policy_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = "kind IN ('email', 'letter', 'sms')"
NOT_CANCELLED = "status != 'cancelled'"


def _create(condition: str) -> None:
    # As SQLAlchemy writes the daily run's condition on each database: SQLite uses a
    # partial index only for a query whose condition has the index's terms as written.
    op.create_index(
        "ix_outbox_customer_messages",
        "outbox",
        ["org_id", "customer_id", "next_attempt_at"],
        postgresql_where=sa.text(f"to_customer IS true AND {condition}"),
        sqlite_where=sa.text(f"to_customer IS 1 AND {condition}"),
    )
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ANALYZE ix_outbox_customer_messages")  # a new index has no statistics


def upgrade() -> None:
    op.drop_index("ix_outbox_customer_messages", table_name="outbox")
    _create(f"{KINDS} AND {NOT_CANCELLED}")


def downgrade() -> None:
    op.drop_index("ix_outbox_customer_messages", table_name="outbox")
    _create(KINDS)
