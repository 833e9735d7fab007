"""Typed reads of the ledger for other domains: what they may ask of the ledger's tables
without selecting on them (import-linter keeps ``recoup.ledger.repository`` the
ledger's own).

Functions here answer with the ledger's models or plain values and never write.
"""

from sqlalchemy.orm import Session

from recoup.ledger import repository
from recoup.ledger.models import Organisation
from recoup.ledger.repository import (  # the SQL of an invoice number's match keys
    DIGITS_KEY_SQL as DIGITS_KEY_SQL,
)
from recoup.ledger.repository import (
    NUMBER_KEY_SQL as NUMBER_KEY_SQL,
)


def organisation_by_slug(session: Session, slug: str) -> Organisation | None:
    """The organisation with ``slug``, if any."""
    return repository.organisation_by_slug(session, slug)


def currencies_in_use(session: Session, org_id: int) -> list[str]:
    """The currencies the organisation invoices in, in order (an index seek each)."""
    return repository.currencies_in_use(session, org_id)
