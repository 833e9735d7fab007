"""Webhooks: signed notifications of what happens in Recoup, delivered through the outbox."""
