"""Dunning cycles, the steps they went through, and policy assignments.

Revision ID: policy_0001
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "policy_0001"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = ("policy",)
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _base(table: str) -> list[sa.Column[object]]:
    return [
        sa.Column("id", Id, nullable=False),
        sa.Column("org_id", Id, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def _keys(table: str) -> list[sa.Constraint]:
    return [
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f(f"fk_{table}_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    ]


def upgrade() -> None:
    op.create_table(
        "dunning_cycles",
        *_base("dunning_cycles"),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("invoice_id", sa.BigInteger(), nullable=True),
        sa.Column("policy", sa.String(length=64), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        *_keys("dunning_cycles"),
        sa.ForeignKeyConstraint(
            ["org_id", "customer_id"],
            ["customers.org_id", "customers.id"],
            name=op.f("fk_dunning_cycles_org_id_customer_id_customers"),
        ),
        sa.UniqueConstraint("org_id", "key", name=op.f("uq_dunning_cycles_org_id_key")),
    )
    op.create_index(
        "ix_dunning_cycles_open", "dunning_cycles", ["org_id", "closed_on", "customer_id"]
    )
    op.create_table(
        "dunning_steps",
        *_base("dunning_steps"),
        sa.Column("cycle_key", sa.String(length=120), nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("step", sa.String(length=100), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=False),
        sa.Column("fired", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        *_keys("dunning_steps"),
        sa.UniqueConstraint(
            "org_id", "cycle_key", "step", name=op.f("uq_dunning_steps_org_id_cycle_key_step")
        ),
    )
    op.create_index("ix_dunning_steps_customer", "dunning_steps", ["org_id", "customer_id"])
    op.create_table(
        "policy_assignments",
        *_base("policy_assignments"),
        sa.Column("customer_id", sa.BigInteger(), nullable=True),
        sa.Column("invoice_id", sa.BigInteger(), nullable=True),
        sa.Column("policy", sa.String(length=64), nullable=False),
        *_keys("policy_assignments"),
    )
    op.create_index(
        "ix_policy_assignments_org", "policy_assignments", ["org_id", "customer_id", "invoice_id"]
    )


def downgrade() -> None:
    op.drop_table("policy_assignments")
    op.drop_table("dunning_steps")
    op.drop_table("dunning_cycles")
