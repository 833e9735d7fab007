"""Which invoices a step acted on: each invoice climbs its own ladder inside its
customer's consolidated cycle, so a step can act again (for an invoice that joined the
cycle later) on another day.

Revision ID: policy_0002
Revises: policy_0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "policy_0002"
down_revision: str | Sequence[str] | None = "policy_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("dunning_steps") as batch:
        # Empty on the rows written before: the step acted on all of the cycle's invoices.
        batch.add_column(sa.Column("invoice_ids", sa.JSON(), nullable=True))
        batch.drop_constraint("uq_dunning_steps_org_id_cycle_key_step", type_="unique")
        batch.create_unique_constraint(
            "uq_dunning_steps_org_id_cycle_key_step_done_on_fired",
            ["org_id", "cycle_key", "step", "done_on", "fired"],
        )


def downgrade() -> None:
    with op.batch_alter_table("dunning_steps") as batch:
        batch.drop_constraint(
            "uq_dunning_steps_org_id_cycle_key_step_done_on_fired", type_="unique"
        )
        batch.create_unique_constraint(
            "uq_dunning_steps_org_id_cycle_key_step", ["org_id", "cycle_key", "step"]
        )
        batch.drop_column("invoice_ids")
