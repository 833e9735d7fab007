"""The indexes the web pages read other domains' tables by (migration ``web_0001``):
when each table last changed (``recoup.web.figures``' stamps), what the outbox sent
when, and the outbox's pages."""

from sqlalchemy import Index

from recoup.comms.models import OutboxMessage
from recoup.ledger.models import CreditNote, Customer, Invoice, Payment

Index("ix_customers_org_updated", Customer.org_id, Customer.updated_at)
Index("ix_invoices_org_updated", Invoice.org_id, Invoice.updated_at)
Index("ix_payments_org_updated", Payment.org_id, Payment.updated_at)
Index("ix_credit_notes_org_updated", CreditNote.org_id, CreditNote.updated_at)
Index("ix_outbox_org_updated", OutboxMessage.org_id, OutboxMessage.updated_at)
Index("ix_outbox_org_sent", OutboxMessage.org_id, OutboxMessage.sent_at)
# The outbox page's rows of one status, newest first (migration ``web12_0001``).
Index("ix_outbox_org_status_id", OutboxMessage.org_id, OutboxMessage.status, OutboxMessage.id)
# The invoice list's pages in due-date order read the ledger's own
# ``ix_invoices_org_status_due_id`` (made here by ``web_0001``, the ledger's since 0007).
# The dashboard's unapplied payment money per currency, from the few payments with money
# left (migration ``web12_0002``): without it every visit summed every payment.
Index(
    "ix_payments_org_unallocated",
    Payment.org_id,
    Payment.currency,
    Payment.unallocated_amount,
    postgresql_where=Payment.unallocated_amount > 0,
    sqlite_where=Payment.unallocated_amount > 0,
)
