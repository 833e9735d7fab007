"""Statutory charges follow the debt: claims per late invoice, a per-customer waiver.

A ``statutory_claims`` row records the day Recoup started claiming interest and fixed
compensation on a late invoice and the day its interest was crystallised (paid, handed
off, closed). ``charge_terms`` gains the customer's "waive statutory charges" flag and
its reason.

Revision ID: charges_0003
Revises: charges_0002_compensation
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "charges_0003"
down_revision: str | Sequence[str] | None = "charges_0002_compensation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("charge_terms") as batch:
        batch.add_column(
            sa.Column("waive_statutory", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(
            sa.Column("waive_reason", sa.String(length=500), nullable=False, server_default="")
        )
    op.create_table(
        "statutory_claims",
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("invoice_id", sa.BigInteger(), nullable=False),
        sa.Column("claimed_on", sa.Date(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("close_reason", sa.String(length=200), nullable=False),
        sa.Column("id", Id, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("org_id", Id, nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id", "customer_id"],
            ["customers.org_id", "customers.id"],
            name=op.f("fk_statutory_claims_org_id_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "invoice_id"],
            ["invoices.org_id", "invoices.id"],
            name=op.f("fk_statutory_claims_org_id_invoice_id_invoices"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_statutory_claims_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statutory_claims")),
        sa.UniqueConstraint(
            "org_id", "invoice_id", name=op.f("uq_statutory_claims_org_id_invoice_id")
        ),
    )
    op.create_index(
        "ix_statutory_claims_org_customer_closed",
        "statutory_claims",
        ["org_id", "customer_id", "closed_on"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_statutory_claims_org_customer_closed", table_name="statutory_claims")
    op.drop_table("statutory_claims")
    with op.batch_alter_table("charge_terms") as batch:
        batch.drop_column("waive_reason")
        batch.drop_column("waive_statutory")
