"""The receivables ledger: organisations, customers, contacts, invoices, credit notes,
payments and the allocations between them."""
