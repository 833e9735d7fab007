"""Tasks, notes, calls, disputes, promises, payment plans, agency hand-offs, write-offs.

Revision ID: cases_0001
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "cases_0001"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = ("cases",)
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "call_logs",
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("contact", sa.String(length=200), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=254), nullable=False),
        sa.Column("called_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", Id, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("org_id", Id, nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id", "customer_id"],
            ["customers.org_id", "customers.id"],
            name=op.f("fk_call_logs_org_id_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_call_logs_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_logs")),
    )
    with op.batch_alter_table("call_logs", schema=None) as batch_op:
        batch_op.create_index("ix_call_logs_org_customer", ["org_id", "customer_id"], unique=False)

    op.create_table(
        "handoffs",
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("agency", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("requested_by", sa.String(length=254), nullable=False),
        sa.Column("requested_on", sa.Date(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=True),
        sa.Column("approver", sa.String(length=254), nullable=False),
        sa.Column("approver_role", sa.String(length=16), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("commission_bp", sa.Integer(), nullable=True),
        sa.Column("processor_agreement", sa.String(length=200), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("placed_amount", sa.BigInteger(), nullable=False),
        sa.Column("placement_csv", sa.Text(), nullable=False),
        sa.Column("id", Id, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("org_id", Id, nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id", "customer_id"],
            ["customers.org_id", "customers.id"],
            name=op.f("fk_handoffs_org_id_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_handoffs_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handoffs")),
        sa.UniqueConstraint("org_id", "id", name=op.f("uq_handoffs_org_id_id")),
        sa.UniqueConstraint("org_id", "key", name=op.f("uq_handoffs_org_id_key")),
    )
    with op.batch_alter_table("handoffs", schema=None) as batch_op:
        batch_op.create_index("ix_handoffs_org_customer", ["org_id", "customer_id"], unique=False)
        batch_op.create_index("ix_handoffs_org_status", ["org_id", "status"], unique=False)

    op.create_table(
        "notes",
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("author", sa.String(length=254), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("id", Id, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("org_id", Id, nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id", "customer_id"],
            ["customers.org_id", "customers.id"],
            name=op.f("fk_notes_org_id_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_notes_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notes")),
    )
    with op.batch_alter_table("notes", schema=None) as batch_op:
        batch_op.create_index("ix_notes_org_customer", ["org_id", "customer_id"], unique=False)

    op.create_table(
        "payment_plans",
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("principal_amount", sa.BigInteger(), nullable=False),
        sa.Column("interest_amount", sa.BigInteger(), nullable=False),
        sa.Column("interest_rate_bp", sa.Integer(), nullable=False),
        sa.Column("frequency", sa.String(length=16), nullable=False),
        sa.Column("created_on", sa.Date(), nullable=False),
        sa.Column("reminder_days", sa.Integer(), nullable=False),
        sa.Column("grace_days", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("agreed_by", sa.String(length=254), nullable=False),
        sa.Column("contact", sa.String(length=200), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("id", Id, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("org_id", Id, nullable=False),
        sa.CheckConstraint(
            "principal_amount > 0", name=op.f("ck_payment_plans_principal_positive")
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "customer_id"],
            ["customers.org_id", "customers.id"],
            name=op.f("fk_payment_plans_org_id_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_payment_plans_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_plans")),
        sa.UniqueConstraint("org_id", "id", name=op.f("uq_payment_plans_org_id_id")),
    )
    with op.batch_alter_table("payment_plans", schema=None) as batch_op:
        batch_op.create_index(
            "ix_payment_plans_org_customer", ["org_id", "customer_id"], unique=False
        )
        batch_op.create_index("ix_payment_plans_org_status", ["org_id", "status"], unique=False)

    op.create_table(
        "promises",
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("made_on", sa.Date(), nullable=False),
        sa.Column("promised_on", sa.Date(), nullable=False),
        sa.Column("grace_days", sa.Integer(), nullable=False),
        sa.Column("contact", sa.String(length=200), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("collector", sa.String(length=254), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("promised_amount", sa.BigInteger(), nullable=False),
        sa.Column("kept_amount", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("id", Id, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("org_id", Id, nullable=False),
        sa.CheckConstraint("promised_amount > 0", name=op.f("ck_promises_promised_positive")),
        sa.ForeignKeyConstraint(
            ["org_id", "customer_id"],
            ["customers.org_id", "customers.id"],
            name=op.f("fk_promises_org_id_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_promises_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promises")),
        sa.UniqueConstraint("org_id", "id", name=op.f("uq_promises_org_id_id")),
    )
    with op.batch_alter_table("promises", schema=None) as batch_op:
        batch_op.create_index("ix_promises_org_customer", ["org_id", "customer_id"], unique=False)
        batch_op.create_index("ix_promises_org_status", ["org_id", "status"], unique=False)

    op.create_table(
        "tasks",
        sa.Column("customer_id", sa.BigInteger(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("assignee", sa.String(length=254), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("completed_by", sa.String(length=254), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("key", sa.String(length=200), nullable=True),
        sa.Column("id", Id, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("org_id", Id, nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id", "customer_id"],
            ["customers.org_id", "customers.id"],
            name=op.f("fk_tasks_org_id_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_tasks_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasks")),
        sa.UniqueConstraint("org_id", "id", name=op.f("uq_tasks_org_id_id")),
        sa.UniqueConstraint("org_id", "key", name=op.f("uq_tasks_org_id_key")),
    )
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.create_index("ix_tasks_org_customer", ["org_id", "customer_id"], unique=False)
        batch_op.create_index(
            "ix_tasks_org_status_assignee", ["org_id", "status", "assignee"], unique=False
        )

    op.create_table(
        "agency_recoveries",
        sa.Column("handoff_id", sa.BigInteger(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("gross_amount", sa.BigInteger(), nullable=False),
        sa.Column("commission_amount", sa.BigInteger(), nullable=False),
        sa.Column("net_amount", sa.BigInteger(), nullable=False),
        sa.Column("payment_id", sa.BigInteger(), nullable=True),
        sa.Column("id", Id, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("org_id", Id, nullable=False),
        sa.CheckConstraint("gross_amount > 0", name=op.f("ck_agency_recoveries_gross_positive")),
        sa.ForeignKeyConstraint(
            ["org_id", "handoff_id"],
            ["handoffs.org_id", "handoffs.id"],
            name=op.f("fk_agency_recoveries_org_id_handoff_id_handoffs"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "payment_id"],
            ["payments.org_id", "payments.id"],
            name=op.f("fk_agency_recoveries_org_id_payment_id_payments"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_agency_recoveries_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agency_recoveries")),
    )
    with op.batch_alter_table("agency_recoveries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_agency_recoveries_org_handoff", ["org_id", "handoff_id"], unique=False
        )

    op.create_table(
        "disputes",
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("disputed_amount", sa.BigInteger(), nullable=False),
        sa.Column("lines", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=254), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("resolved_on", sa.Date(), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=False),
        sa.Column("credit_note_id", sa.BigInteger(), nullable=True),
        sa.Column("id", Id, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("org_id", Id, nullable=False),
        sa.CheckConstraint("disputed_amount >= 0", name=op.f("ck_disputes_disputed_not_negative")),
        sa.ForeignKeyConstraint(
            ["org_id", "credit_note_id"],
            ["credit_notes.org_id", "credit_notes.id"],
            name=op.f("fk_disputes_org_id_credit_note_id_credit_notes"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "customer_id"],
            ["customers.org_id", "customers.id"],
            name=op.f("fk_disputes_org_id_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_disputes_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disputes")),
        sa.UniqueConstraint("org_id", "id", name=op.f("uq_disputes_org_id_id")),
    )
    with op.batch_alter_table("disputes", schema=None) as batch_op:
        batch_op.create_index("ix_disputes_org_customer", ["org_id", "customer_id"], unique=False)
        batch_op.create_index("ix_disputes_org_status", ["org_id", "status"], unique=False)

    op.create_table(
        "handoff_invoices",
        sa.Column("handoff_id", sa.BigInteger(), nullable=False),
        sa.Column("invoice_id", sa.BigInteger(), nullable=False),
        sa.Column("open_amount", sa.BigInteger(), nullable=False),
        sa.Column("id", Id, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("org_id", Id, nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id", "handoff_id"],
            ["handoffs.org_id", "handoffs.id"],
            name=op.f("fk_handoff_invoices_org_id_handoff_id_handoffs"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "invoice_id"],
            ["invoices.org_id", "invoices.id"],
            name=op.f("fk_handoff_invoices_org_id_invoice_id_invoices"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_handoff_invoices_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handoff_invoices")),
        sa.UniqueConstraint(
            "handoff_id", "invoice_id", name=op.f("uq_handoff_invoices_handoff_id_invoice_id")
        ),
    )
    with op.batch_alter_table("handoff_invoices", schema=None) as batch_op:
        batch_op.create_index(
            "ix_handoff_invoices_org_invoice", ["org_id", "invoice_id"], unique=False
        )

    op.create_table(
        "plan_instalments",
        sa.Column("plan_id", sa.BigInteger(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("principal_amount", sa.BigInteger(), nullable=False),
        sa.Column("interest_amount", sa.BigInteger(), nullable=False),
        sa.Column("paid_amount", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("id", Id, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("org_id", Id, nullable=False),
        sa.CheckConstraint(
            "principal_amount > 0", name=op.f("ck_plan_instalments_principal_positive")
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "plan_id"],
            ["payment_plans.org_id", "payment_plans.id"],
            name=op.f("fk_plan_instalments_org_id_plan_id_payment_plans"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_plan_instalments_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_instalments")),
        sa.UniqueConstraint("plan_id", "seq", name=op.f("uq_plan_instalments_plan_id_seq")),
    )
    with op.batch_alter_table("plan_instalments", schema=None) as batch_op:
        batch_op.create_index("ix_plan_instalments_org_plan", ["org_id", "plan_id"], unique=False)

    op.create_table(
        "plan_invoices",
        sa.Column("plan_id", sa.BigInteger(), nullable=False),
        sa.Column("invoice_id", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("id", Id, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("org_id", Id, nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id", "invoice_id"],
            ["invoices.org_id", "invoices.id"],
            name=op.f("fk_plan_invoices_org_id_invoice_id_invoices"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "plan_id"],
            ["payment_plans.org_id", "payment_plans.id"],
            name=op.f("fk_plan_invoices_org_id_plan_id_payment_plans"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_plan_invoices_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_invoices")),
        sa.UniqueConstraint(
            "plan_id", "invoice_id", name=op.f("uq_plan_invoices_plan_id_invoice_id")
        ),
    )
    with op.batch_alter_table("plan_invoices", schema=None) as batch_op:
        batch_op.create_index(
            "ix_plan_invoices_org_invoice", ["org_id", "invoice_id"], unique=False
        )

    op.create_table(
        "promise_items",
        sa.Column("promise_id", sa.BigInteger(), nullable=False),
        sa.Column("invoice_id", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("id", Id, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("org_id", Id, nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_promise_items_amount_positive")),
        sa.ForeignKeyConstraint(
            ["org_id", "invoice_id"],
            ["invoices.org_id", "invoices.id"],
            name=op.f("fk_promise_items_org_id_invoice_id_invoices"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "promise_id"],
            ["promises.org_id", "promises.id"],
            name=op.f("fk_promise_items_org_id_promise_id_promises"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_promise_items_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promise_items")),
        sa.UniqueConstraint(
            "promise_id", "invoice_id", name=op.f("uq_promise_items_promise_id_invoice_id")
        ),
    )
    with op.batch_alter_table("promise_items", schema=None) as batch_op:
        batch_op.create_index(
            "ix_promise_items_org_invoice", ["org_id", "invoice_id"], unique=False
        )

    op.create_table(
        "write_offs",
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("invoice_id", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("requested_by", sa.String(length=254), nullable=False),
        sa.Column("requested_on", sa.Date(), nullable=False),
        sa.Column("approver", sa.String(length=254), nullable=False),
        sa.Column("approver_role", sa.String(length=16), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("credit_note_id", sa.BigInteger(), nullable=True),
        sa.Column("id", Id, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("org_id", Id, nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_write_offs_amount_positive")),
        sa.ForeignKeyConstraint(
            ["org_id", "credit_note_id"],
            ["credit_notes.org_id", "credit_notes.id"],
            name=op.f("fk_write_offs_org_id_credit_note_id_credit_notes"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "customer_id"],
            ["customers.org_id", "customers.id"],
            name=op.f("fk_write_offs_org_id_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "invoice_id"],
            ["invoices.org_id", "invoices.id"],
            name=op.f("fk_write_offs_org_id_invoice_id_invoices"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_write_offs_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_write_offs")),
    )
    with op.batch_alter_table("write_offs", schema=None) as batch_op:
        batch_op.create_index("ix_write_offs_org_customer", ["org_id", "customer_id"], unique=False)

    op.create_table(
        "dispute_invoices",
        sa.Column("dispute_id", sa.BigInteger(), nullable=False),
        sa.Column("invoice_id", sa.BigInteger(), nullable=False),
        sa.Column("id", Id, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("org_id", Id, nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id", "dispute_id"],
            ["disputes.org_id", "disputes.id"],
            name=op.f("fk_dispute_invoices_org_id_dispute_id_disputes"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "invoice_id"],
            ["invoices.org_id", "invoices.id"],
            name=op.f("fk_dispute_invoices_org_id_invoice_id_invoices"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_dispute_invoices_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispute_invoices")),
        sa.UniqueConstraint(
            "dispute_id", "invoice_id", name=op.f("uq_dispute_invoices_dispute_id_invoice_id")
        ),
    )
    with op.batch_alter_table("dispute_invoices", schema=None) as batch_op:
        batch_op.create_index(
            "ix_dispute_invoices_org_invoice", ["org_id", "invoice_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("dispute_invoices")
    op.drop_table("write_offs")
    op.drop_table("promise_items")
    op.drop_table("plan_invoices")
    op.drop_table("plan_instalments")
    op.drop_table("handoff_invoices")
    op.drop_table("disputes")
    op.drop_table("agency_recoveries")
    op.drop_table("tasks")
    op.drop_table("promises")
    op.drop_table("payment_plans")
    op.drop_table("notes")
    op.drop_table("handoffs")
    op.drop_table("call_logs")
