"""The partitioned daily run (days and their partitions) and the worker's schedules.

Revision ID: jobs_0001
Revises: 0001
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "jobs_0001"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = ("jobs",)
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _common(table: str) -> list[Any]:
    return [
        sa.Column("id", Id, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("org_id", Id, nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f(f"fk_{table}_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    ]


def upgrade() -> None:
    op.create_table(
        "daily_runs",
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("partition_size", sa.Integer(), nullable=False),
        sa.Column("partitions", sa.Integer(), nullable=False),
        sa.Column("cases_done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("planned", sa.Integer(), nullable=False),
        sa.Column("case_effects", sa.JSON(), nullable=False),
        *_common("daily_runs"),
        sa.UniqueConstraint("org_id", "as_of", name=op.f("uq_daily_runs_org_id_as_of")),
    )
    op.create_table(
        "run_partitions",
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("first_customer_id", sa.BigInteger(), nullable=False),
        sa.Column("last_customer_id", sa.BigInteger(), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_by", sa.String(length=100), nullable=False),
        sa.Column("planned", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        *_common("run_partitions"),
        sa.UniqueConstraint(
            "org_id",
            "as_of",
            "first_customer_id",
            name=op.f("uq_run_partitions_org_id_as_of_first_customer_id"),
        ),
    )
    op.create_index("ix_run_partitions_pending", "run_partitions", ["org_id", "as_of", "done_at"])
    op.create_table(
        "run_schedules",
        sa.Column("run_at", sa.Time(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        *_common("run_schedules"),
        sa.UniqueConstraint("org_id", name=op.f("uq_run_schedules_org_id")),
    )


def downgrade() -> None:
    op.drop_table("run_schedules")
    op.drop_index("ix_run_partitions_pending", table_name="run_partitions")
    op.drop_table("run_partitions")
    op.drop_table("daily_runs")
