"""Payment providers, checkouts and provider events.

Revision ID: payments_0001
Revises: 0001
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "payments_0001"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = ("payments",)
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _base(table: str) -> list[Any]:
    return [
        sa.Column("id", Id, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("org_id", Id, nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f(f"fk_{table}_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    ]


def upgrade() -> None:
    op.create_table(
        "payment_providers",
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("secret_key", sa.String(length=300), nullable=False),
        sa.Column("webhook_secret", sa.String(length=300), nullable=False),
        *_base("payment_providers"),
        sa.UniqueConstraint(
            "org_id", "provider", name=op.f("uq_payment_providers_org_id_provider")
        ),
    )
    op.create_table(
        "payment_checkouts",
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("session_id", sa.String(length=200), nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("invoice_ids", sa.JSON(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("payment_intent", sa.String(length=200), nullable=False),
        sa.Column("payment_id", sa.BigInteger(), nullable=True),
        sa.Column("paid_amount", sa.BigInteger(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=True),
        *_base("payment_checkouts"),
        sa.ForeignKeyConstraint(
            ["org_id", "customer_id"],
            ["customers.org_id", "customers.id"],
            name=op.f("fk_payment_checkouts_org_id_customer_id_customers"),
        ),
        sa.UniqueConstraint(
            "provider", "session_id", name=op.f("uq_payment_checkouts_provider_session_id")
        ),
    )
    op.create_index(
        "ix_payment_checkouts_org_customer", "payment_checkouts", ["org_id", "customer_id"]
    )
    op.create_index(
        "ix_payment_checkouts_intent", "payment_checkouts", ["provider", "payment_intent"]
    )
    op.create_table(
        "payment_events",
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("checkout_id", sa.BigInteger(), nullable=True),
        sa.Column("outcome", sa.String(length=500), nullable=False),
        *_base("payment_events"),
        sa.UniqueConstraint(
            "provider", "event_id", name=op.f("uq_payment_events_provider_event_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("payment_events")
    op.drop_index("ix_payment_checkouts_intent", table_name="payment_checkouts")
    op.drop_index("ix_payment_checkouts_org_customer", table_name="payment_checkouts")
    op.drop_table("payment_checkouts")
    op.drop_table("payment_providers")
