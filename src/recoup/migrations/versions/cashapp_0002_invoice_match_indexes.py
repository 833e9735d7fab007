"""Cash application at scale: indexes on invoices for the matcher's look-ups.

The matcher reads only the invoices a bank line can point to: by the number as payers
write it (upper case, no separators), by its digits without leading zeros, and the
open invoices of one amount. The expressions are ``recoup.ledger.repository``'s
``NUMBER_KEY_SQL`` and ``DIGITS_KEY_SQL`` (queries must use the same text).

Revision ID: cashapp_0002
Revises: cashapp_0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "cashapp_0002"
down_revision: str | Sequence[str] | None = "cashapp_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NUMBER_KEY = (
    "replace(replace(replace(replace(replace(replace(replace(replace(upper(number), ' ', "
    "''), '-', ''), '/', ''), '.', ''), '_', ''), '#', ''), ':', ''), ',', '')"
)
DIGITS_KEY = (
    "rtrim(ltrim(replace(replace(replace(replace(replace(replace(replace(replace(upper(nu"
    "mber), ' ', ''), '-', ''), '/', ''), '.', ''), '_', ''), '#', ''), ':', ''), ',', ''"
    "), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0'), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ')"
)


def upgrade() -> None:
    op.create_index("ix_invoices_cashapp_number_key", "invoices", ["org_id", sa.text(NUMBER_KEY)])
    op.create_index("ix_invoices_cashapp_digits_key", "invoices", ["org_id", sa.text(DIGITS_KEY)])
    op.create_index("ix_invoices_cashapp_open_amount", "invoices", ["org_id", "open_amount"])


def downgrade() -> None:
    op.drop_index("ix_invoices_cashapp_open_amount", table_name="invoices")
    op.drop_index("ix_invoices_cashapp_digits_key", table_name="invoices")
    op.drop_index("ix_invoices_cashapp_number_key", table_name="invoices")
