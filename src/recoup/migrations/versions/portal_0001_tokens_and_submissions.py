"""Portal tokens and submissions.

Revision ID: portal_0001
Revises: 0001

Regenerated from ``recoup.portal.models`` with Alembic's autogenerate after the original
file was deleted by mistake (by the charges work); check it against your own draft.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "portal_0001"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = ("portal",)
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "portal_tokens",
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", Id, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("org_id", Id, nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id", "customer_id"],
            ["customers.org_id", "customers.id"],
            name=op.f("fk_portal_tokens_org_id_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_portal_tokens_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_tokens")),
        sa.UniqueConstraint("org_id", "id", name=op.f("uq_portal_tokens_org_id_id")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_portal_tokens_token_hash")),
    )
    op.create_index(
        "ix_portal_tokens_org_customer", "portal_tokens", ["org_id", "customer_id"], unique=False
    )
    op.create_table(
        "portal_submissions",
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("token_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("invoice_id", sa.BigInteger(), nullable=True),
        sa.Column("promised_on", sa.Date(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("promised_amount", sa.BigInteger(), nullable=True),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("collector", sa.String(length=200), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", Id, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("org_id", Id, nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id", "customer_id"],
            ["customers.org_id", "customers.id"],
            name=op.f("fk_portal_submissions_org_id_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "invoice_id"],
            ["invoices.org_id", "invoices.id"],
            name=op.f("fk_portal_submissions_org_id_invoice_id_invoices"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "token_id"],
            ["portal_tokens.org_id", "portal_tokens.id"],
            name=op.f("fk_portal_submissions_org_id_token_id_portal_tokens"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_portal_submissions_org_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_submissions")),
    )
    op.create_index(
        "ix_portal_submissions_org_collector",
        "portal_submissions",
        ["org_id", "collector", "seen_at"],
        unique=False,
    )
    op.create_index(
        "ix_portal_submissions_org_created",
        "portal_submissions",
        ["org_id", "created_at"],
        unique=False,
    )
    op.create_index(
        "ix_portal_submissions_org_customer",
        "portal_submissions",
        ["org_id", "customer_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_table("portal_submissions")
    op.drop_table("portal_tokens")
