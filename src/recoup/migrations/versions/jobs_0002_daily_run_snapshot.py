"""When a day's run stored yesterday's closing KPI snapshot: a step of its own, taken by
a worker while others plan the partitions (it reads nothing they change), where the
close took it after the last of them (``recoup.jobs.partitions.take_snapshot``).

Revision ID: jobs_0002
Revises: jobs_0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "jobs_0002"
down_revision: str | Sequence[str] | None = "jobs_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("daily_runs") as batch:
        batch.add_column(sa.Column("snapshot_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("daily_runs") as batch:
        batch.drop_column("snapshot_at")
