"""Charges (late fees, interest, compensation), their contract terms, imported rates.

Revision ID: charges_0001
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "charges_0001"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = ("charges",)
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "reference_rates",
        sa.Column("id", Id, nullable=False),
        sa.Column("table_name", sa.String(length=32), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("rate_percent", sa.String(length=24), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reference_rates")),
        sa.UniqueConstraint(
            "table_name",
            "effective_from",
            name=op.f("uq_reference_rates_table_name_effective_from"),
        ),
    )
    op.create_table(
        "charge_terms",
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("invoice_id", sa.BigInteger(), nullable=True),
        sa.Column("jurisdiction", sa.String(length=8), nullable=False),
        sa.Column("interest_rate_percent", sa.String(length=24), nullable=True),
        sa.Column("late_fee_amount", sa.BigInteger(), nullable=True),
        sa.Column("late_fee_currency", sa.String(length=3), nullable=False),
        sa.Column("late_fee_percent", sa.String(length=24), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("id", Id, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("org_id", Id, nullable=False),
        sa.CheckConstraint(
            "late_fee_amount IS NULL OR late_fee_percent IS NULL",
            name=op.f("ck_charge_terms_one_late_fee"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "customer_id"],
            ["customers.org_id", "customers.id"],
            name=op.f("fk_charge_terms_org_id_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "invoice_id"],
            ["invoices.org_id", "invoices.id"],
            name=op.f("fk_charge_terms_org_id_invoice_id_invoices"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_charge_terms_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_charge_terms")),
    )
    op.create_index(
        "uq_charge_terms_customer",
        "charge_terms",
        ["org_id", "customer_id"],
        unique=True,
        sqlite_where=sa.text("invoice_id IS NULL"),
        postgresql_where=sa.text("invoice_id IS NULL"),
    )
    op.create_index(
        "uq_charge_terms_invoice",
        "charge_terms",
        ["org_id", "invoice_id"],
        unique=True,
        sqlite_where=sa.text("invoice_id IS NOT NULL"),
        postgresql_where=sa.text("invoice_id IS NOT NULL"),
    )
    op.create_table(
        "charges",
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("invoice_id", sa.BigInteger(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("id", Id, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("org_id", Id, nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_charges_amount_positive")),
        sa.CheckConstraint("period_end >= period_start", name=op.f("ck_charges_period_in_order")),
        sa.ForeignKeyConstraint(
            ["org_id", "customer_id"],
            ["customers.org_id", "customers.id"],
            name=op.f("fk_charges_org_id_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "invoice_id"],
            ["invoices.org_id", "invoices.id"],
            name=op.f("fk_charges_org_id_invoice_id_invoices"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_charges_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_charges")),
        sa.UniqueConstraint("org_id", "id", name=op.f("uq_charges_org_id_id")),
        sa.UniqueConstraint("org_id", "key", name=op.f("uq_charges_org_id_key")),
    )
    op.create_index(
        "ix_charges_org_customer_status",
        "charges",
        ["org_id", "customer_id", "status"],
        unique=False,
    )
    op.create_index("ix_charges_org_invoice", "charges", ["org_id", "invoice_id"], unique=False)
    op.create_index(
        "uq_charges_once_per_period",
        "charges",
        ["org_id", "invoice_id", "kind", "period_start"],
        unique=True,
        sqlite_where=sa.text("kind IN ('interest', 'compensation')"),
        postgresql_where=sa.text("kind IN ('interest', 'compensation')"),
    )


def downgrade() -> None:
    op.drop_table("charges")
    op.drop_table("charge_terms")
    op.drop_table("reference_rates")
