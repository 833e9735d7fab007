"""Indexes the web pages read by: when each table last changed (the stamps of
``recoup.web.figures``' cached figures) and what the outbox sent when.

Revision ID: web_0001
Revises: 0001
"""

from collections.abc import Sequence

from alembic import op

revision: str = "web_0001"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = ("web",)
depends_on: str | Sequence[str] | None = ("comms_0001",)

INDEXES = (
    ("ix_customers_org_updated", "customers", ["org_id", "updated_at"]),
    ("ix_invoices_org_updated", "invoices", ["org_id", "updated_at"]),
    ("ix_payments_org_updated", "payments", ["org_id", "updated_at"]),
    ("ix_credit_notes_org_updated", "credit_notes", ["org_id", "updated_at"]),
    ("ix_outbox_org_updated", "outbox", ["org_id", "updated_at"]),
    ("ix_outbox_org_sent", "outbox", ["org_id", "sent_at"]),
    # The invoice list's pages in due-date order (the id breaks ties), without a sort.
    ("ix_invoices_org_status_due_id", "invoices", ["org_id", "status", "due_date", "id"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)
    if op.get_bind().dialect.name == "sqlite":
        # A new index without statistics looks cheap to SQLite's planner, which then
        # preferred it to the customer index for a customer's invoices (a full scan).
        for name, _, _ in INDEXES:
            op.execute(f"ANALYZE {name}")


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
