"""What the accounting exports wrote already (for ``--since-last``).

Revision ID: accounting_0001
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "accounting_0001"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = ("accounting",)
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "accounting_exports",
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("record_id", sa.BigInteger(), nullable=False),
        sa.Column("format", sa.String(length=16), nullable=False),
        sa.Column("id", Id, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("org_id", Id, nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_accounting_exports_org_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounting_exports")),
        sa.UniqueConstraint(
            "org_id", "kind", "record_id", name=op.f("uq_accounting_exports_org_id_kind_record_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("accounting_exports")
