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
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import Select, Table
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from recoup.db import changes
from recoup.ledger import repository
from recoup.ledger.models import CreditNote, Customer, Invoice, Organisation, Payment
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


# One invoice or customer at a time, as frozen views (charges: terms, fees, interest).


@dataclass(frozen=True, slots=True)
class InvoiceView:
    """An invoice as other domains read it; amounts in minor units of ``currency``."""

    id: int
    customer_id: int
    number: str
    status: str  # an InvoiceStatus value
    currency: str
    issue_date: date
    due_date: date
    total_amount: int
    open_amount: int


@dataclass(frozen=True, slots=True)
class CustomerView:
    """A customer as other domains read it."""

    id: int
    external_id: str
    name: str
    currency: str
    is_consumer: bool


def _invoice_view(row: Invoice) -> InvoiceView:
    return InvoiceView(
        row.id,
        row.customer_id,
        row.number,
        row.status,
        row.currency,
        row.issue_date,
        row.due_date,
        row.total_amount,
        row.open_amount,
    )


def invoice(
    session: Session, *, org_id: int, invoice_id: int, lock: bool = False
) -> InvoiceView | None:
    """The organisation's invoice ``invoice_id``, if any: read from the session when it
    holds the row already (no query), else by id; ``lock`` reads it afresh and holds its
    row until commit, so that two runs on one invoice take turns."""
    found = repository.invoice_in_session(session, org_id, invoice_id, lock=lock)
    return None if found is None else _invoice_view(found)


def invoice_by_number(session: Session, *, org_id: int, number: str) -> InvoiceView | None:
    """The organisation's invoice numbered ``number``, if any."""
    found = repository.invoice_numbered(session, org_id, number)
    return None if found is None else _invoice_view(found)


def customer(session: Session, *, org_id: int, customer_id: int) -> CustomerView | None:
    """The organisation's customer ``customer_id``, if any (from the session when it
    holds the row already)."""
    found: Customer | None = repository.customer_in_session(session, org_id, customer_id)
    if found is None:
        return None
    return CustomerView(found.id, found.external_id, found.name, found.currency, found.is_consumer)


def allocations_to(session: Session, *, org_id: int, invoice_id: int) -> list[tuple[date, int]]:
    """``(date, minor units)`` of every allocation (payment or credit note) to an invoice."""
    return repository.allocations_to(session, org_id, invoice_id)


def allocations_to_each(
    session: Session, *, org_id: int, invoice_ids: Sequence[int]
) -> dict[int, list[tuple[date, int]]]:
    """``allocations_to`` of several invoices in one query: ``invoice id -> [(date,
    minor)]``, an empty list for an invoice without any."""
    return repository.allocations_to_each(session, org_id, invoice_ids)


def late_open_invoices(
    session: Session,
    *,
    org_id: int,
    due_by: date,
    id_range: IdRange = None,
    without_invoices: Sequence[Select[*tuple[Any, ...]]] = (),
    without_customers: Sequence[Select[*tuple[Any, ...]]] = (),
    business_only: bool = False,
) -> list[tuple[int, int, date]]:
    """``(invoice id, customer id, due date)`` of the open invoices with money owed due
    on or before ``due_by`` (of a range of customers), by customer, due date and id; with
    ``business_only``, not those of consumers.

    The caller's tables come in as selects of one column: ``without_invoices`` of
    invoice ids, ``without_customers`` of customer ids. Each leaves out what it finds,
    as a NOT EXISTS correlated on that column within the one statement (an anti-join).
    """
    return repository.late_open_invoices(
        session,
        org_id,
        due_by,
        id_range,
        list(without_invoices),
        list(without_customers),
        business_only,
    )


def invoices_no_longer_open(
    session: Session,
    *,
    org_id: int,
    among: Select[*tuple[Any, ...]],
    id_range: IdRange = None,
    also: Sequence[int] = (),
) -> list[tuple[int, int, str]]:
    """``(invoice id, customer id, status)`` of the invoices that ``among`` names and
    that are no longer open (paid, void, written off) or are in ``also``, in the order of
    ``among``. ``among`` is the caller's select: its first column an invoice id, its
    second what to order by; it is joined with the invoices (of ``id_range``'s
    customers, by index) in one statement."""
    return repository.invoices_no_longer_open(session, org_id, among, id_range, list(also))


# Which of the ledger's rows changed: the web's kept figures follow these tables.


class Followed(StrEnum):
    """The ledger's tables whose changes others follow (each row's ``updated_at``)."""

    INVOICES = "invoices"
    PAYMENTS = "payments"
    CREDIT_NOTES = "credit_notes"
    CUSTOMERS = "customers"


_FOLLOWED = {
    followed: cast(Table, model.__table__)
    for followed, model in (
        (Followed.INVOICES, Invoice),
        (Followed.PAYMENTS, Payment),
        (Followed.CREDIT_NOTES, CreditNote),
        (Followed.CUSTOMERS, Customer),
    )
}


def last_change(session: Session, *, org_id: int, table: Followed) -> datetime | str | None:
    """When the organisation's rows of ``table`` last changed (an index seek; SQLite
    answers as text), None when it has none."""
    return changes.last_change(session, _FOLLOWED[table], org_id)


def customers_changed_since(
    session: Session, *, org_id: int, table: Followed, since: datetime
) -> list[int | None]:
    """The customers whose rows of ``table`` changed from ``since`` on, by id (None, for
    rows of no customer, last)."""
    column = "id" if table is Followed.CUSTOMERS else "customer_id"
    return changes.changed_since(session, _FOLLOWED[table], column, org_id, since)


# --- for payments, credit, comms, portal, api


def open_invoices(session: Session, *, org_id: int, customer_id: int) -> list[InvoiceView]:
    """A customer's open invoices (status open, whatever is still owed), oldest due
    first, then by number."""
    return [_invoice_view(row) for row in repository.open_invoices(session, org_id, customer_id)]


def invoices_by_id(
    session: Session, *, org_id: int, invoice_ids: Sequence[int]
) -> list[InvoiceView]:
    """The organisation's invoices among ``invoice_ids`` (others' ids find nothing), in
    no particular order; one query."""
    return [_invoice_view(row) for row in repository.invoices_by_id(session, org_id, invoice_ids)]
