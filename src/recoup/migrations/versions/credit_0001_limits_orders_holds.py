"""Credit limit history, open orders and credit holds.

Revision ID: credit_0001
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "credit_0001"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = ("credit",)
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "credit_holds",
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("placed_on", sa.Date(), nullable=False),
        sa.Column("placed_by", sa.String(length=254), nullable=False),
        sa.Column("released_on", sa.Date(), nullable=True),
        sa.Column("released_by", sa.String(length=254), nullable=False),
        sa.Column("release_reason", sa.Text(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=True),
        sa.Column("id", Id, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("org_id", Id, nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id", "customer_id"],
            ["customers.org_id", "customers.id"],
            name=op.f("fk_credit_holds_org_id_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_credit_holds_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_holds")),
        sa.UniqueConstraint("org_id", "key", name=op.f("uq_credit_holds_org_id_key")),
    )
    with op.batch_alter_table("credit_holds", schema=None) as batch_op:
        batch_op.create_index(
            "ix_credit_holds_org_customer", ["org_id", "customer_id"], unique=False
        )
        batch_op.create_index("ix_credit_holds_org_status", ["org_id", "status"], unique=False)

    op.create_table(
        "credit_limit_changes",
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("previous_amount", sa.BigInteger(), nullable=True),
        sa.Column("limit_amount", sa.BigInteger(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("changed_by", sa.String(length=254), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("id", Id, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("org_id", Id, nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id", "customer_id"],
            ["customers.org_id", "customers.id"],
            name=op.f("fk_credit_limit_changes_org_id_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_credit_limit_changes_org_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_limit_changes")),
    )
    with op.batch_alter_table("credit_limit_changes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_credit_limit_changes_org_customer", ["org_id", "customer_id"], unique=False
        )

    op.create_table(
        "open_orders",
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("open_amount", sa.BigInteger(), nullable=False),
        sa.Column("reported_on", sa.Date(), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("id", Id, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("org_id", Id, nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id", "customer_id"],
            ["customers.org_id", "customers.id"],
            name=op.f("fk_open_orders_org_id_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_open_orders_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_open_orders")),
        sa.UniqueConstraint(
            "org_id", "customer_id", name=op.f("uq_open_orders_org_id_customer_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("open_orders")
    op.drop_table("credit_limit_changes")
    op.drop_table("credit_holds")
