"""The append-only, hash-chained event log of every change to a business record."""
