"""Cash application: bank statements, their lines, decisions, learned payers, CSV profiles.

Revision ID: cashapp_0001
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "cashapp_0001"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = ("cashapp",)
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "cashapp_csv_profiles",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("id", Id, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("org_id", Id, nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_cashapp_csv_profiles_org_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cashapp_csv_profiles")),
        sa.UniqueConstraint("org_id", "name", name=op.f("uq_cashapp_csv_profiles_org_id_name")),
    )
    op.create_table(
        "cashapp_statements",
        sa.Column("format", sa.String(length=16), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("statement_id", sa.String(length=100), nullable=False),
        sa.Column("account_iban", sa.String(length=34), nullable=False),
        sa.Column("account_number", sa.String(length=40), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("opening_balance_amount", sa.BigInteger(), nullable=True),
        sa.Column("closing_balance_amount", sa.BigInteger(), nullable=True),
        sa.Column("opening_date", sa.Date(), nullable=True),
        sa.Column("closing_date", sa.Date(), nullable=True),
        sa.Column("credits_amount", sa.BigInteger(), nullable=False),
        sa.Column("debits_amount", sa.BigInteger(), nullable=False),
        sa.Column("line_count", sa.Integer(), nullable=False),
        sa.Column("duplicate_count", sa.Integer(), nullable=False),
        sa.Column("id", Id, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("org_id", Id, nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_cashapp_statements_org_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cashapp_statements")),
        sa.UniqueConstraint("org_id", "id", name=op.f("uq_cashapp_statements_org_id_id")),
    )
    op.create_table(
        "cashapp_learned_payers",
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("line_id", sa.BigInteger(), nullable=True),
        sa.Column("id", Id, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("org_id", Id, nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id", "customer_id"],
            ["customers.org_id", "customers.id"],
            name=op.f("fk_cashapp_learned_payers_org_id_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_cashapp_learned_payers_org_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cashapp_learned_payers")),
        sa.UniqueConstraint(
            "org_id",
            "kind",
            "value",
            "customer_id",
            name=op.f("uq_cashapp_learned_payers_org_id_kind_value_customer_id"),
        ),
    )
    op.create_table(
        "cashapp_lines",
        sa.Column("statement_id", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=255), nullable=False),
        sa.Column("booking_date", sa.Date(), nullable=False),
        sa.Column("value_date", sa.Date(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("credit", sa.Boolean(), nullable=False),
        sa.Column("bank_id", sa.String(length=100), nullable=False),
        sa.Column("end_to_end_id", sa.String(length=100), nullable=False),
        sa.Column("creditor_reference", sa.String(length=64), nullable=False),
        sa.Column("remittance", sa.Text(), nullable=False),
        sa.Column("payer_name", sa.String(length=200), nullable=False),
        sa.Column("payer_iban", sa.String(length=34), nullable=False),
        sa.Column("payer_bic", sa.String(length=11), nullable=False),
        sa.Column("bank_code", sa.String(length=64), nullable=False),
        sa.Column("return_reason", sa.String(length=16), nullable=False),
        sa.Column("returned_end_to_end_id", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=True),
        sa.Column("payment_id", sa.BigInteger(), nullable=True),
        sa.Column("applied_amount", sa.BigInteger(), nullable=False),
        sa.Column("confidence", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("proposals", sa.JSON(), nullable=False),
        sa.Column("id", Id, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("org_id", Id, nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id", "customer_id"],
            ["customers.org_id", "customers.id"],
            name=op.f("fk_cashapp_lines_org_id_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "payment_id"],
            ["payments.org_id", "payments.id"],
            name=op.f("fk_cashapp_lines_org_id_payment_id_payments"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "statement_id"],
            ["cashapp_statements.org_id", "cashapp_statements.id"],
            name=op.f("fk_cashapp_lines_org_id_statement_id_cashapp_statements"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_cashapp_lines_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cashapp_lines")),
        sa.UniqueConstraint(
            "org_id", "dedupe_key", name=op.f("uq_cashapp_lines_org_id_dedupe_key")
        ),
        sa.UniqueConstraint("org_id", "id", name=op.f("uq_cashapp_lines_org_id_id")),
    )
    op.create_index(
        "ix_cashapp_lines_org_statement", "cashapp_lines", ["org_id", "statement_id"], unique=False
    )
    op.create_index(
        "ix_cashapp_lines_org_status", "cashapp_lines", ["org_id", "status"], unique=False
    )
    op.create_table(
        "cashapp_decisions",
        sa.Column("line_id", sa.BigInteger(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=254), nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=True),
        sa.Column("payment_id", sa.BigInteger(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("id", Id, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("org_id", Id, nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id", "line_id"],
            ["cashapp_lines.org_id", "cashapp_lines.id"],
            name=op.f("fk_cashapp_decisions_org_id_line_id_cashapp_lines"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_cashapp_decisions_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cashapp_decisions")),
    )
    op.create_index(
        "ix_cashapp_decisions_org_line", "cashapp_decisions", ["org_id", "line_id"], unique=False
    )

    op.create_table(
        "cashapp_settings",
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("short_fixed_amount", sa.BigInteger(), nullable=False),
        sa.Column("short_percent_bp", sa.Integer(), nullable=False),
        sa.Column("id", Id, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("org_id", Id, nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_cashapp_settings_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cashapp_settings")),
        sa.UniqueConstraint("org_id", name=op.f("uq_cashapp_settings_org_id")),
    )


def downgrade() -> None:
    op.drop_table("cashapp_settings")
    op.drop_index("ix_cashapp_decisions_org_line", table_name="cashapp_decisions")
    op.drop_table("cashapp_decisions")
    op.drop_index("ix_cashapp_lines_org_status", table_name="cashapp_lines")
    op.drop_index("ix_cashapp_lines_org_statement", table_name="cashapp_lines")
    op.drop_table("cashapp_lines")
    op.drop_table("cashapp_learned_payers")
    op.drop_table("cashapp_statements")
    op.drop_table("cashapp_csv_profiles")
