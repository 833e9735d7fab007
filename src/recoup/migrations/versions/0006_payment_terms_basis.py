"""What a customer's payment terms count from: the invoice date (``""``, as before), the
end of the invoice month, or a day of the current or following month (Xero's
DueDateSalesTerm).

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("customers") as batch_op:
        batch_op.add_column(
            sa.Column(
                "payment_terms_basis", sa.String(length=24), nullable=False, server_default=""
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("customers") as batch_op:
        batch_op.drop_column("payment_terms_basis")
