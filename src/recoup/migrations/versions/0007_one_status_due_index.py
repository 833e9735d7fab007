"""One index of invoices by status and due date, not two: ``(org_id, status, due_date)``
is a prefix of ``(org_id, status, due_date, id)`` (made by ``web_0001`` for the invoice
list's pages), which serves every read the shorter one served. Each index of
``invoices`` costs a large import 2-3 µs a row.

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = ("web_0001",)


def upgrade() -> None:
    op.drop_index("ix_invoices_org_status_due", table_name="invoices")


def downgrade() -> None:
    op.create_index("ix_invoices_org_status_due", "invoices", ["org_id", "status", "due_date"])
