"""Indexes the KPIs of a period read through: invoices by issue date (the credit sales
of the last 13 months, for the count-back DSO) and allocations by date (the period's
payments), each holding the columns those sums need so that no table row is read.

Revision ID: analytics_0003
Revises: analytics_0002
"""

from collections.abc import Sequence

from alembic import op

revision: str = "analytics_0003"
down_revision: str | Sequence[str] | None = "analytics_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_invoices_org_issue_sales",
        "invoices",
        ["org_id", "issue_date", "status", "currency", "total_amount"],
    )
    op.create_index(
        "ix_allocations_org_allocated_on",
        "allocations",
        ["org_id", "allocated_on", "invoice_id", "payment_id", "amount"],
    )


def downgrade() -> None:
    op.drop_index("ix_allocations_org_allocated_on", table_name="allocations")
    op.drop_index("ix_invoices_org_issue_sales", table_name="invoices")
