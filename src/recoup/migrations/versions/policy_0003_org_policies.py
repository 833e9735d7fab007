"""An organisation's own (approved) versions of escalation policies.

Revision ID: policy_0003
Revises: policy_0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "policy_0003"
down_revision: str | Sequence[str] | None = "policy_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "org_policies",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("requested_by", sa.String(length=254), nullable=False),
        sa.Column("approved_by", sa.String(length=254), nullable=False),
        sa.Column("changed_on", sa.Date(), nullable=False),
        sa.Column("id", Id, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("org_id", Id, nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_org_policies_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_org_policies")),
        sa.UniqueConstraint("org_id", "name", name=op.f("uq_org_policies_org_id_name")),
    )


def downgrade() -> None:
    op.drop_table("org_policies")
