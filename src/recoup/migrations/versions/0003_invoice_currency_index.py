"""An index of invoices by currency: the currencies in use, found by a few index seeks.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_invoices_org_currency", "invoices", ["org_id", "currency"])


def downgrade() -> None:
    op.drop_index("ix_invoices_org_currency", table_name="invoices")
