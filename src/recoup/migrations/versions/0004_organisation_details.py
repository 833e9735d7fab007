"""The organisation's own details (legal name, numbers, sender, signature) and its bank
accounts, one per currency.

The single bank account that organisations had (``bank_name``, ``iban``, ``bic``) becomes
the account of their base currency; those columns stay in the table, unused.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_DETAILS = (
    ("legal_name", 200),
    ("registration_number", 40),
    ("vat_number", 40),
    ("sender_name", 200),
    ("reply_to", 254),
    ("website", 200),
    ("signature_name", 200),
    ("signature_title", 200),
)
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    for name, length in _DETAILS:
        op.add_column(
            "organisations",
            sa.Column(name, sa.String(length=length), nullable=False, server_default=""),
        )
    op.create_table(
        "bank_accounts",
        sa.Column("id", _ID, nullable=False),
        sa.Column("org_id", _ID, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("bank_name", sa.String(length=200), nullable=False),
        sa.Column("account_name", sa.String(length=200), nullable=False),
        sa.Column("iban", sa.String(length=34), nullable=False),
        sa.Column("bic", sa.String(length=11), nullable=False),
        sa.Column("sort_code", sa.String(length=6), nullable=False),
        sa.Column("account_number", sa.String(length=17), nullable=False),
        sa.Column("routing_number", sa.String(length=9), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_bank_accounts_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_accounts")),
        sa.UniqueConstraint("org_id", "currency", name=op.f("uq_bank_accounts_org_id_currency")),
    )
    op.execute(
        """
        INSERT INTO bank_accounts (org_id, created_at, updated_at, currency, bank_name,
            account_name, iban, bic, sort_code, account_number, routing_number)
        SELECT id, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, base_currency, bank_name, '',
            iban, bic, '', '', ''
        FROM organisations WHERE iban <> ''
        """
    )


def downgrade() -> None:
    op.drop_table("bank_accounts")
    for name, _ in reversed(_DETAILS):
        op.drop_column("organisations", name)
