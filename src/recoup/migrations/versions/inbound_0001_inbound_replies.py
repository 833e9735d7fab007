"""Customer replies: settings, reply tokens, replies, their attachments, bounced addresses;
indexes on the outbox's Message-IDs and the contacts' addresses for matching.

Revision ID: inbound_0001
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "inbound_0001"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = ("inbound",)
# The outbox's Message-IDs are indexed here: its table must exist first.
depends_on: str | Sequence[str] | None = "comms_0001"

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "inbound_settings",
        sa.Column("address", sa.String(length=254), nullable=False),
        sa.Column("plus_addressing", sa.Boolean(), nullable=False),
        sa.Column("id", Id, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("org_id", Id, nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_inbound_settings_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_settings")),
        sa.UniqueConstraint("org_id", name=op.f("uq_inbound_settings_org_id")),
    )
    op.create_table(
        "inbound_replies",
        sa.Column("message_id", sa.String(length=500), nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=True),
        sa.Column("matched_by", sa.String(length=16), nullable=False),
        sa.Column("from_address", sa.String(length=254), nullable=False),
        sa.Column("to_address", sa.String(length=500), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("full_text", sa.Text(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("why", sa.String(length=500), nullable=False),
        sa.Column("draft", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("paused_until", sa.Date(), nullable=True),
        sa.Column("handled_by", sa.String(length=200), nullable=False),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=500), nullable=False),
        sa.Column("id", Id, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("org_id", Id, nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id", "customer_id"],
            ["customers.org_id", "customers.id"],
            name=op.f("fk_inbound_replies_org_id_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_inbound_replies_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_replies")),
        sa.UniqueConstraint("org_id", "id", name=op.f("uq_inbound_replies_org_id_id")),
        sa.UniqueConstraint(
            "org_id", "message_id", name=op.f("uq_inbound_replies_org_id_message_id")
        ),
    )
    op.create_index("ix_inbound_replies_org_customer", "inbound_replies", ["org_id", "customer_id"])
    op.create_index("ix_inbound_replies_org_status", "inbound_replies", ["org_id", "status"])

    op.create_table(
        "reply_tokens",
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("id", Id, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("org_id", Id, nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id", "customer_id"],
            ["customers.org_id", "customers.id"],
            name=op.f("fk_reply_tokens_org_id_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_reply_tokens_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reply_tokens")),
        sa.UniqueConstraint(
            "org_id", "customer_id", name=op.f("uq_reply_tokens_org_id_customer_id")
        ),
        sa.UniqueConstraint("token", name=op.f("uq_reply_tokens_token")),
    )
    op.create_table(
        "inbound_attachments",
        sa.Column("reply_id", sa.BigInteger(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("mime", sa.String(length=100), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("id", Id, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("org_id", Id, nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id", "reply_id"],
            ["inbound_replies.org_id", "inbound_replies.id"],
            name=op.f("fk_inbound_attachments_org_id_reply_id_inbound_replies"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_inbound_attachments_org_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_attachments")),
    )
    op.create_index("ix_inbound_attachments_reply", "inbound_attachments", ["org_id", "reply_id"])

    op.create_table(
        "inbound_undeliverable",
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("contact_id", sa.BigInteger(), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("status_code", sa.String(length=16), nullable=False),
        sa.Column("diagnostic", sa.String(length=500), nullable=False),
        sa.Column("reply_id", sa.BigInteger(), nullable=False),
        sa.Column("id", Id, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("org_id", Id, nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id", "reply_id"],
            ["inbound_replies.org_id", "inbound_replies.id"],
            name=op.f("fk_inbound_undeliverable_org_id_reply_id_inbound_replies"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_inbound_undeliverable_org_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_undeliverable")),
    )
    op.create_index(
        "ix_inbound_undeliverable_org_customer", "inbound_undeliverable", ["org_id", "customer_id"]
    )

    op.create_index("ix_inbound_contacts_email", "contacts", ["org_id", "email"])

    op.create_index("ix_inbound_outbox_result", "outbox", ["org_id", "result"])


def downgrade() -> None:
    op.drop_index("ix_inbound_outbox_result", table_name="outbox")

    op.drop_index("ix_inbound_contacts_email", table_name="contacts")

    op.drop_index("ix_inbound_undeliverable_org_customer", table_name="inbound_undeliverable")

    op.drop_table("inbound_undeliverable")
    op.drop_index("ix_inbound_attachments_reply", table_name="inbound_attachments")

    op.drop_table("inbound_attachments")
    op.drop_table("reply_tokens")
    op.drop_index("ix_inbound_replies_org_status", table_name="inbound_replies")
    op.drop_index("ix_inbound_replies_org_customer", table_name="inbound_replies")

    op.drop_table("inbound_replies")
    op.drop_table("inbound_settings")
