"""KPI snapshots (per day, currency, collector and bucket) and KPI goals.

Revision ID: analytics_0001
Revises: 0001
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "analytics_0001"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = ("analytics",)
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
        "kpi_snapshots",
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("collector", sa.String(length=200), nullable=False),
        sa.Column("bucket", sa.String(length=16), nullable=False),
        sa.Column("open_amount", sa.BigInteger(), nullable=False),
        sa.Column("open_count", sa.Integer(), nullable=False),
        sa.Column("sales_amount", sa.BigInteger(), nullable=False),
        sa.Column("sales_count", sa.Integer(), nullable=False),
        sa.Column("collected_amount", sa.BigInteger(), nullable=False),
        *_common("kpi_snapshots"),
        sa.UniqueConstraint(
            "org_id",
            "as_of",
            "currency",
            "collector",
            "bucket",
            name=op.f("uq_kpi_snapshots_org_id_as_of_currency_collector_bucket"),
        ),
    )
    op.create_index("ix_kpi_snapshots_org_as_of", "kpi_snapshots", ["org_id", "as_of"])
    op.create_table(
        "kpi_goals",
        sa.Column("kpi", sa.String(length=32), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("target", sa.Numeric(precision=12, scale=2), nullable=False),
        *_common("kpi_goals"),
        sa.UniqueConstraint(
            "org_id", "kpi", "currency", name=op.f("uq_kpi_goals_org_id_kpi_currency")
        ),
    )


def downgrade() -> None:
    op.drop_table("kpi_goals")
    op.drop_index("ix_kpi_snapshots_org_as_of", table_name="kpi_snapshots")
    op.drop_table("kpi_snapshots")
