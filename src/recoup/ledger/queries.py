"""Typed reads of the ledger for other domains: what they may ask of the ledger's tables
without selecting on them (import-linter keeps ``recoup.ledger.repository`` the
ledger's own, and the ``ledger-tables`` contract keeps the modules moved here off
``recoup.ledger.models``).

Functions here take the session, then keyword-only arguments, and answer with frozen
views or plain rows (immutable, read by position or name), never with ORM objects for
others to change. They never write. Where a read is one statement with another domain's
table (an anti-join, a partition), the other side comes in as a parameter so that the
statement stays one.
"""

from collections.abc import Sequence
from typing import Any

from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from recoup.ledger import repository
from recoup.ledger.models import Organisation
from recoup.ledger.repository import (  # the SQL of an invoice number's match keys
    DIGITS_KEY_SQL as DIGITS_KEY_SQL,
)
from recoup.ledger.repository import (
    NUMBER_KEY_SQL as NUMBER_KEY_SQL,
)
from recoup.ledger.repository import IdRange as IdRange

Rows = Sequence[Row[Any]]  # immutable result rows, read by position or by column name


def organisation_by_slug(session: Session, slug: str) -> Organisation | None:
    """The organisation with ``slug``, if any."""
    return repository.organisation_by_slug(session, slug)


def currencies_in_use(session: Session, org_id: int) -> list[str]:
    """The currencies the organisation invoices in, in order (an index seek each)."""
    return repository.currencies_in_use(session, org_id)


# The dunning engine's state, a partition (a range of customer ids) at a time. Plain
# rows: a million open invoices serve as the engine's views as they are, no copy each.

DUNNING_INVOICE_CUSTOMER = 6  # the position of customer_id in dunning_open_invoices' rows


def dunning_customers(session: Session, *, org_id: int, id_range: IdRange = None) -> Rows:
    """The customers, in id order: ``id, external_id, name, country, timezone, tags,
    risk_band, address, collector, sales_owner, do_not_contact, legal_hold,
    is_consumer``."""
    return repository.dunning_customers(session, org_id, id_range)


def dunning_contacts(session: Session, *, org_id: int, id_range: IdRange = None) -> Rows:
    """The customers' contacts: ``id, customer_id, name, email, phone, role,
    opted_out``."""
    return repository.dunning_contacts(session, org_id, id_range)


def dunning_open_invoices(session: Session, *, org_id: int, id_range: IdRange = None) -> Rows:
    """The open invoices with money owed: ``id, number, due_date, currency, open_amount,
    policy`` (None: the fields of the engine's ``InvoiceView``) and ``customer_id``."""
    return repository.dunning_open_invoices(session, org_id, id_range)
