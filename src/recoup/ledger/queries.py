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

import json
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from enum import StrEnum
from typing import Any, NamedTuple, TypeVar, cast

from sqlalchemy import ColumnElement, Select, Table
from sqlalchemy.engine import Row
from sqlalchemy.orm import QueryableAttribute, Session

from recoup.db import changes
from recoup.ledger import repository
from recoup.ledger.models import Contact, CreditNote, Customer, Invoice, Organisation, Payment
from recoup.ledger.repository import (  # the SQL of an invoice number's match keys
    DIGITS_KEY_SQL as DIGITS_KEY_SQL,
)
from recoup.ledger.repository import (
    NUMBER_KEY_SQL as NUMBER_KEY_SQL,
)
from recoup.ledger.repository import IdRange as IdRange
from recoup.ledger.rows import (  # the rows an import compares (pure, for imports.core)
    ContactSnap,
    CreditNoteSnap,
    CustomerRef,
    CustomerSnap,
    InvoiceSnap,
    PaymentSnap,
)

V = TypeVar("V")  # a frozen view of a ledger row
Rows = Sequence[Any]  # immutable result rows (tuples or rows), read by position


def organisation_by_slug(session: Session, slug: str) -> Organisation | None:
    """The organisation with ``slug``, if any."""
    return repository.organisation_by_slug(session, slug)


def has_invoices(session: Session, *, org_id: int) -> bool:
    """Whether the organisation has any invoice yet (an import's first load has none to
    compare its rows with)."""
    return repository.has_invoices(session, org_id)


def currencies_in_use(session: Session, org_id: int) -> list[str]:
    """The currencies the organisation invoices in, in order (an index seek each)."""
    return repository.currencies_in_use(session, org_id)


# The dunning engine's state, a partition (a range of customer ids) at a time, as plain
# rows whose fields are in the order their docstrings give (read by position).

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


def late_among(
    open_invoices: Rows, due_by: date, *, without: Collection[int] = frozenset()
) -> list[tuple[int, int, date]]:
    """``(invoice id, customer id, due date)`` of the rows of ``dunning_open_invoices``
    due on or before ``due_by`` whose ids are not in ``without``, by customer, due date
    and id (the rows read once by a daily run's partition, filtered here, not read
    again)."""
    customer_of = DUNNING_INVOICE_CUSTOMER
    late = [
        (row[0], row[customer_of], row[2])
        for row in open_invoices
        if row[2] <= due_by and row[0] not in without
    ]
    return sorted(late, key=lambda found: (found[1], found[2], found[0]))


def consumers_among(session: Session, *, org_id: int, customer_ids: Sequence[int]) -> set[int]:
    """The consumers (``is_consumer``) among the organisation's customers
    ``customer_ids``."""
    rows = repository.field_rows(
        session, Customer, org_id, ("id", "is_consumer"), ("id", customer_ids)
    )
    return {customer_id for customer_id, is_consumer in rows if is_consumer}


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


# --- the web app's lists and sums
# (recoup.web: the worklist's accounts, the invoice list, the customer directory, and
# customers' names beside another domain's rows). Sums are one statement each, over the
# open invoices' index; ``customers`` narrows a sum to some customers (None: all; a None
# among them: also the rows of no customer).

AnyRow = Row[*tuple[Any, ...]]  # a result row of any width, read by position or name
AnySelect = Select[*tuple[Any, ...]]
SqlColumn = ColumnElement[Any] | QueryableAttribute[Any]  # a column of the caller's table


def overdue_accounts(
    session: Session,
    *,
    org_id: int,
    as_of: date,
    weights: Sequence[tuple[date | None, date, int]],
    customers: Sequence[int | None] | None = None,
) -> list[tuple[Any, ...]]:
    """``(customer, currency, total open, overdue, over 90 days, overdue count, oldest
    overdue due date, score)`` of every account (customer × currency) with overdue money
    on ``as_of``: one pass over the open invoices. The score sums the open amounts, each
    times the weight of every one of ``weights`` (``(earliest or None, latest, weight)``,
    due-date ranges) that holds its due date."""
    return repository.overdue_account_rows(session, org_id, as_of, weights, customers)


def aging_by_customer(
    session: Session,
    *,
    org_id: int,
    ranges: Sequence[tuple[date | None, date | None]],
    customers: Sequence[int | None] | None = None,
) -> list[tuple[Any, ...]]:
    """``(customer, currency, open amount due in each of ranges ...)`` of the open
    invoices; a range is ``(earliest, latest)`` due dates, None no bound."""
    return repository.aging_by_customer(session, org_id, ranges, customers)


def credit_sales_by_customer(
    session: Session,
    *,
    org_id: int,
    start: date,
    end: date,
    customers: Sequence[int | None] | None = None,
) -> list[tuple[Any, ...]]:
    """``(customer, currency, invoiced amount)`` of the invoices issued ``start``..``end``
    (both in), void and written-off ones left out: the credit sales."""
    return repository.credit_sales_by_customer(session, org_id, start, end, customers)


def unapplied_by_currency(
    session: Session, *, org_id: int
) -> tuple[dict[str, int], dict[str, int]]:
    """Per currency: the payments' unallocated money, and the open credit notes' money."""
    return repository.unapplied_by_currency(session, org_id)


def oldest_open_due(
    session: Session, *, org_id: int, customers: Sequence[int | None] | None = None
) -> list[tuple[Any, ...]]:
    """``(customer, due date of its oldest open invoice)`` of the customers with money
    open."""
    return repository.oldest_open_by_customer(session, org_id, customers)


def customer_ids(session: Session, *, org_id: int) -> list[int]:
    """Every customer's id, ascending (the daily run lays out its partitions by them)."""
    return repository.customer_ids(session, org_id)


def customer_ids_matching(
    session: Session,
    *,
    org_id: int,
    collector: str | None = None,
    assignees: Sequence[str] | None = None,
    tag: str = "",
    search: str = "",
) -> set[int]:
    """The ids of the customers with ``collector`` (exactly as stored), a collector among
    ``assignees`` (trimmed, case aside), ``tag``, and ``search`` in their name or external
    id (case aside); None or empty: any."""
    return repository.customer_ids_where(session, org_id, collector, assignees, tag, search)


def customer_summaries(
    session: Session, *, org_id: int, customer_ids: Sequence[int]
) -> dict[int, AnyRow]:
    """``id -> (id, external_id, name, collector, credit_limit_amount, status, country,
    tags)`` of some customers, those not found left out (one query)."""
    return repository.customer_summaries(session, org_id, customer_ids)


def collectors(session: Session, *, org_id: int) -> list[str]:
    """The distinct collectors named on the organisation's customers, in order."""
    return repository.collectors_named(session, org_id)


def customer_tags(session: Session, *, org_id: int) -> list[str]:
    """Every tag used on the organisation's customers, sorted."""
    found: set[str] = set()
    for value in repository.customer_tag_lists(session, org_id):
        found.update(str(t) for t in json.loads(value))
    return sorted(found)


def customer_directory(session: Session, *, org_id: int) -> Sequence[AnyRow]:
    """``name, id, collector, country, tags`` of every customer, by name then id."""
    return repository.customer_directory(session, org_id)


INVOICE_LIST_SORTS = frozenset(repository.INVOICE_LIST_SORTS)  # what invoice lists sort by


@dataclass(frozen=True, slots=True)
class InvoiceMatch:
    """What narrows a list of invoices; empty or None means any."""

    status: str = "open"  # an InvoiceStatus value, or "all"
    currency: str = ""
    overdue_on: date | None = None  # only those overdue on this day with money open
    customer_id: int | None = None
    assignees: tuple[str, ...] | None = None  # customers' collectors (trimmed, case aside)
    search: str = ""  # in the number, the PO number, the customer's name or external id
    sort: str = "due_date"  # one of INVOICE_LIST_SORTS (else the due date), then the id
    descending: bool = False


def invoice_list(
    session: Session, *, org_id: int, match: InvoiceMatch, limit: int, offset: int
) -> Sequence[AnyRow]:
    """One page of the invoices ``match`` finds: ``id, number, customer_id,
    external_id, name`` (the customer's), ``issue_date, due_date, currency, total_amount,
    open_amount, status, po_number``."""
    return repository.invoice_list_page(session, org_id, match, limit, offset)


def invoice_list_count(session: Session, *, org_id: int, match: InvoiceMatch) -> int:
    """How many invoices ``match`` finds."""
    return repository.invoice_list_count(session, org_id, match)


def stream_invoice_list(session: Session, *, org_id: int, match: InvoiceMatch) -> Iterator[AnyRow]:
    """Every invoice ``match`` finds, as ``invoice_list``'s rows, read in batches."""
    return repository.invoice_list_stream(session, org_id, match)


@dataclass(frozen=True, slots=True)
class CustomerMatch:
    """What narrows another domain's rows by their customers; empty or None means any."""

    search: str = ""  # in the customer's name or external id, or in ``also_searched``
    also_searched: tuple[SqlColumn, ...] = ()  # the caller's text columns
    assignees: tuple[str, ...] | None = None  # customers' collectors (trimmed, case aside)
    or_in_scope: ColumnElement[bool] | None = None  # rows of no customer in scope anyway


@dataclass(frozen=True, slots=True)
class NameOrder:
    """How rows beside their customers are ordered: by the customer's name first (or
    not), then by the caller's ``then`` (each with its own direction)."""

    by_name: bool = False
    descending: bool = False
    then: tuple[SqlColumn, ...] = ()

    def parts(self) -> tuple[bool, bool, Sequence[Any]]:
        """``(by_name, descending, then)``, as the repository takes them."""
        return self.by_name, self.descending, self.then


def rows_beside_customers(
    session: Session,
    *,
    org_id: int,
    rows: AnySelect,
    customer_id: SqlColumn,
    match: CustomerMatch = CustomerMatch(),
    order: NameOrder = NameOrder(),
    limit: int | None = None,
    offset: int = 0,
) -> Sequence[AnyRow]:
    """The caller's ``rows`` (a select of its table, its own conditions applied) with
    two columns more, the customer's name and external id ("" without a customer), in one
    statement: outer-joined with the customers on ``customer_id`` (a column of the
    caller's table), narrowed by ``match``, in ``order``, paged by ``limit``/``offset``."""
    return repository.rows_beside_customers(
        session, org_id, rows, customer_id, match, order.parts(), limit, offset
    )


def count_beside_customers(
    session: Session,
    *,
    org_id: int,
    rows: AnySelect,
    customer_id: SqlColumn,
    match: CustomerMatch,
) -> int:
    """The count of the caller's ``rows`` (a ``select(func.count())`` of its table, its
    own conditions applied) whose customers ``match`` allows, in one statement."""
    return repository.count_beside_customers(session, org_id, rows, customer_id, match)


def stream_beside_customers(
    session: Session,
    *,
    org_id: int,
    rows: AnySelect,
    customer_id: SqlColumn,
    match: CustomerMatch = CustomerMatch(),
    order: NameOrder = NameOrder(),
) -> Iterator[AnyRow]:
    """``rows_beside_customers`` unpaged, read in batches."""
    return repository.stream_beside_customers(
        session, org_id, rows, customer_id, match, order.parts()
    )


# --- for cases' and the web's views of the ledger
# Each reads fixed columns of one table (``repository.field_rows``): one statement, or
# one per chunk of the ids or numbers given (``bulk.among``), so any number may be asked.
# Rows come in the database's order unless a docstring says otherwise.


def _columns(view: type[Any]) -> tuple[str, ...]:
    """The columns a view or a row type reads: its fields (a dataclass's, a named
    tuple's), named as the table's columns, in order."""
    named: tuple[str, ...] | None = getattr(view, "_fields", None)
    return named if named is not None else tuple(f.name for f in fields(view))


def _views(
    session: Session,
    table: Any,
    view: type[V],
    org_id: int,
    where: tuple[str, Sequence[Any]] | None = None,
) -> list[V]:
    """The organisation's rows of ``table`` (those whose ``where[0]`` is among
    ``where[1]``), each as ``view`` (its fields are the columns)."""
    rows = repository.field_rows(session, table, org_id, _columns(view), where)
    return [view(*row) for row in rows]


def _of_customer(
    session: Session, table: Any, view: type[V], org_id: int, customer_id: int
) -> list[V]:
    """A customer's rows of ``table``, each as ``view``."""
    return _views(session, table, view, org_id, ("customer_id", [customer_id]))


_INVOICE_VIEW_COLUMNS = _columns(InvoiceView)


def _invoice_views(
    session: Session, org_id: int, where: tuple[str, Sequence[Any]] | None = None
) -> list[InvoiceView]:
    rows = repository.field_rows(session, Invoice, org_id, _INVOICE_VIEW_COLUMNS, where)
    return [InvoiceView(*row) for row in rows]


def invoices_among(
    session: Session, *, org_id: int, invoice_ids: Sequence[int]
) -> list[InvoiceView]:
    """The organisation's invoices among ``invoice_ids`` (others' ids find nothing), in
    no particular order. It reads columns, not the rows into the session, and takes any
    number of ids."""
    return _invoice_views(session, org_id, ("id", invoice_ids))


def invoices_numbered(
    session: Session, *, org_id: int, numbers: Sequence[str]
) -> list[InvoiceView]:
    """The organisation's invoices whose numbers are among ``numbers``, in no
    particular order."""
    return _invoice_views(session, org_id, ("number", numbers))


def customer_invoices(session: Session, *, org_id: int, customer_id: int) -> list[InvoiceView]:
    """Every invoice of a customer (whatever its status), in no particular order."""
    return _invoice_views(session, org_id, ("customer_id", [customer_id]))


def all_invoices(session: Session, *, org_id: int) -> list[InvoiceView]:
    """Every invoice of the organisation, in no particular order."""
    return _invoice_views(session, org_id)


def invoice_numbers(session: Session, *, org_id: int, customer_id: int) -> dict[int, str]:
    """``invoice id -> number`` of every invoice of a customer."""
    rows = repository.field_rows(
        session, Invoice, org_id, ("id", "number"), ("customer_id", [customer_id])
    )
    return {invoice_id: number for invoice_id, number in rows}


@dataclass(frozen=True, slots=True)
class CaseCustomerView:
    """A customer as collection cases decide on it: who collects from it, whether it may
    be contacted, and its payment terms."""

    id: int
    external_id: str
    name: str
    currency: str
    collector: str
    sales_owner: str
    do_not_contact: bool
    legal_hold: bool
    payment_terms_days: int


def case_customers(
    session: Session, *, org_id: int, customer_ids: Sequence[int]
) -> list[CaseCustomerView]:
    """The organisation's customers among ``customer_ids``, in no particular order."""
    columns = _columns(CaseCustomerView)
    rows = repository.field_rows(session, Customer, org_id, columns, ("id", customer_ids))
    return [CaseCustomerView(*row) for row in rows]


def customer_names(session: Session, *, org_id: int, customer_ids: Sequence[int]) -> dict[int, str]:
    """``id -> name`` of the organisation's customers among ``customer_ids``."""
    rows = repository.field_rows(session, Customer, org_id, ("id", "name"), ("id", customer_ids))
    return {customer_id: name for customer_id, name in rows}


def customer_labels(
    session: Session, *, org_id: int, customer_ids: Sequence[int] | None = None
) -> dict[int, tuple[str, str]]:
    """``id -> (external id, name)`` of the organisation's customers among
    ``customer_ids`` (None: every customer): how a page or an export names a customer."""
    if customer_ids is None:
        return repository.customer_labels(session, org_id)
    rows = repository.field_rows(
        session, Customer, org_id, ("id", "external_id", "name"), ("id", customer_ids)
    )
    return {customer_id: (external_id, name) for customer_id, external_id, name in rows}


@dataclass(frozen=True, slots=True)
class CustomerRecord:
    """A customer's details as its page shows them (``credit_limit_amount`` in minor
    units of ``currency``, None: no limit)."""

    id: int
    external_id: str
    name: str
    currency: str
    country: str
    language: str
    timezone: str
    payment_terms_days: int
    credit_limit_amount: int | None
    tags: list[str]
    collector: str
    status: str  # a CustomerStatus value
    vat_number: str
    registration_number: str
    is_consumer: bool


def customer_record(session: Session, *, org_id: int, customer_id: int) -> CustomerRecord | None:
    """The organisation's customer ``customer_id``, if any."""
    columns = _columns(CustomerRecord)
    rows = repository.field_rows(session, Customer, org_id, columns, ("id", [customer_id]))
    return CustomerRecord(*rows[0]) if rows else None


@dataclass(frozen=True, slots=True)
class ContactView:
    """A customer's contact person, as cases pick recipients (``opted_out``: the
    channels the person refused)."""

    id: int
    customer_id: int
    name: str
    email: str
    phone: str
    role: str  # a ContactRole value
    opted_out: tuple[str, ...]


def contacts_of(session: Session, *, org_id: int, customer_ids: Sequence[int]) -> list[ContactView]:
    """The contacts of the organisation's customers among ``customer_ids``, by id
    (oldest first)."""
    columns = _columns(ContactView)
    rows = repository.field_rows(session, Contact, org_id, columns, ("customer_id", customer_ids))
    return [
        ContactView(contact_id, owner, name, email, phone, role, tuple(opted_out or ()))
        for contact_id, owner, name, email, phone, role, opted_out in sorted(rows)
    ]


@dataclass(frozen=True, slots=True)
class ContactRecord:
    """A contact person's details as the customer's page shows them (``opted_out`` as
    stored: the channels the person refused)."""

    id: int
    name: str
    role: str  # a ContactRole value
    email: str
    phone: str
    preferred_channel: str  # a Channel value
    opted_out: list[str]


def contact_records(session: Session, *, org_id: int, customer_id: int) -> list[ContactRecord]:
    """The contacts of a customer."""
    return _of_customer(session, Contact, ContactRecord, org_id, customer_id)


@dataclass(frozen=True, slots=True)
class PaymentView:
    """A payment received, as a customer's timeline and statement tell it (amounts in
    minor units of ``currency``; ``unallocated_amount``: what no invoice took yet)."""

    id: int
    received_on: date
    amount: int
    currency: str
    external_id: str
    reference: str
    unallocated_amount: int


def customer_payments(session: Session, *, org_id: int, customer_id: int) -> list[PaymentView]:
    """Every payment of a customer."""
    return _of_customer(session, Payment, PaymentView, org_id, customer_id)


def payments_among(
    session: Session, *, org_id: int, payment_ids: Sequence[int]
) -> list[PaymentView]:
    """The organisation's payments among ``payment_ids`` (others' ids find nothing), in
    no particular order."""
    return _views(session, Payment, PaymentView, org_id, ("id", payment_ids))


@dataclass(frozen=True, slots=True)
class CreditNoteView:
    """A credit note issued, as a customer's timeline and statement tell it (amounts in
    minor units of ``currency``; ``open_amount``: what no invoice took yet)."""

    id: int
    issue_date: date
    total_amount: int
    currency: str
    number: str
    reason: str
    open_amount: int
    status: str  # a CreditNoteStatus value


def customer_credit_notes(
    session: Session, *, org_id: int, customer_id: int
) -> list[CreditNoteView]:
    """Every credit note of a customer."""
    return _of_customer(session, CreditNote, CreditNoteView, org_id, customer_id)


def credit_notes_among(
    session: Session, *, org_id: int, credit_note_ids: Sequence[int]
) -> list[CreditNoteView]:
    """The organisation's credit notes among ``credit_note_ids`` (others' ids find
    nothing), in no particular order."""
    return _views(session, CreditNote, CreditNoteView, org_id, ("id", credit_note_ids))


# --- for credit's rule: a whole ledger's customers at a time, as plain rows


class CustomerLimit(NamedTuple):
    """A customer's credit limit as the credit rule weighs it (``credit_limit_amount``
    in minor units of ``currency``, None: no limit)."""

    id: int
    currency: str
    credit_limit_amount: int | None
    status: str  # a CustomerStatus value


def customer_limits(
    session: Session, *, org_id: int, id_range: IdRange = None
) -> list[CustomerLimit]:
    """Every customer's (of ``id_range``: those with ids in it) currency, credit limit
    and status, in no particular order."""
    rows = repository.field_rows(
        session, Customer, org_id, _columns(CustomerLimit), id_range=id_range
    )
    return [CustomerLimit(*row) for row in rows]


class CustomerOwner(NamedTuple):
    """Who sells to a customer ("" : nobody named), and the customer's status."""

    id: int
    status: str  # a CustomerStatus value
    sales_owner: str


def customer_owners(
    session: Session, *, org_id: int, customer_ids: Sequence[int]
) -> list[CustomerOwner]:
    """The status and sales owner of the organisation's customers among
    ``customer_ids``, in no particular order."""
    return _views(session, Customer, CustomerOwner, org_id, ("id", customer_ids))


def overdue_invoice_ids(
    session: Session, *, org_id: int, customer_ids: Sequence[int], before: date
) -> dict[int, list[int]]:
    """``customer id -> invoice ids`` of the open invoices with money owed due before
    ``before`` (overdue on that day), of the customers among ``customer_ids``: each
    customer's oldest due first, then by id; customers with none left out."""
    found: dict[int, list[int]] = {}
    rows = repository.open_invoice_fields_of_customers(  # through the customer index
        session, org_id, customer_ids, ("id", "customer_id", "due_date")
    )
    late = [row for row in rows if row[2] < before]
    for invoice_id, customer_id, _ in sorted(late, key=lambda row: (row[2], row[0])):
        found.setdefault(customer_id, []).append(invoice_id)
    return found


# --- for accounting's exports: every record of a kind, as plain rows or a lookup


def all_invoice_numbers(session: Session, *, org_id: int) -> dict[int, str]:
    """``invoice id -> number`` of every invoice of the organisation."""
    return dict(repository.field_rows(session, Invoice, org_id, ("id", "number")))


def invoice_customers(session: Session, *, org_id: int) -> dict[int, int]:
    """``invoice id -> customer id`` of every invoice of the organisation."""
    return dict(repository.field_rows(session, Invoice, org_id, ("id", "customer_id")))


class PaymentRow(NamedTuple):
    """A payment received, as the books record it (``amount`` in minor units of
    ``currency``; ``customer_id`` None: not yet matched to a customer)."""

    id: int
    customer_id: int | None
    external_id: str
    received_on: date
    currency: str
    amount: int
    method: str  # a PaymentMethod value
    reference: str
    payer_name: str


def all_payments(session: Session, *, org_id: int) -> list[PaymentRow]:
    """Every payment of the organisation, in no particular order."""
    return _views(session, Payment, PaymentRow, org_id)


def payment_external_ids(session: Session, *, org_id: int) -> dict[int, str]:
    """``payment id -> external id`` of every payment of the organisation."""
    return dict(repository.field_rows(session, Payment, org_id, ("id", "external_id")))


class CreditNoteRow(NamedTuple):
    """A credit note issued, as the books record it (``total_amount`` in minor units of
    ``currency``)."""

    id: int
    customer_id: int
    number: str
    issue_date: date
    currency: str
    total_amount: int
    reason: str


def all_credit_notes(session: Session, *, org_id: int) -> list[CreditNoteRow]:
    """Every credit note of the organisation, in no particular order."""
    return _views(session, CreditNote, CreditNoteRow, org_id)


def credit_note_numbers(session: Session, *, org_id: int) -> dict[int, str]:
    """``credit note id -> number`` of every credit note of the organisation."""
    return dict(repository.field_rows(session, CreditNote, org_id, ("id", "number")))


# --- for imports
# An import plans a file against the ledger as it is: every record of the kind it
# imports, or those its rows name (a batch of an invoice file), as rows of the fields it
# compares. Imports run to a million rows: each function reads its columns only, in one
# statement (or one per chunk of the ids or numbers given, ``bulk.among``), into plain
# rows, never into the session.


def _among(column: str, values: Sequence[Any] | None) -> tuple[str, Sequence[Any]] | None:
    return None if values is None else (column, values)


def customer_refs(
    session: Session, *, org_id: int, external_ids: Sequence[str] | None = None
) -> list[CustomerRef]:
    """Every customer of the organisation (or those with ``external_ids``), as an
    import's rows name them."""
    return _views(session, Customer, CustomerRef, org_id, _among("external_id", external_ids))


def customer_snaps(
    session: Session, *, org_id: int, external_ids: Sequence[str] | None = None
) -> list[CustomerSnap]:
    """Every customer of the organisation (or those with ``external_ids``), with the
    fields a customers file may change."""
    return _views(session, Customer, CustomerSnap, org_id, _among("external_id", external_ids))


def contact_snaps(
    session: Session, *, org_id: int, customer_ids: Sequence[int] | None = None
) -> list[ContactSnap]:
    """Every contact person of the organisation's customers (or of ``customer_ids``)."""
    return _views(session, Contact, ContactSnap, org_id, _among("customer_id", customer_ids))


def invoice_snaps_with_external_ids(
    session: Session, *, org_id: int, external_ids: Sequence[str]
) -> list[InvoiceSnap]:
    """The organisation's invoices whose external ids are among ``external_ids``."""
    return _views(session, Invoice, InvoiceSnap, org_id, ("external_id", external_ids))


def invoice_snaps_numbered(
    session: Session, *, org_id: int, numbers: Sequence[str]
) -> list[InvoiceSnap]:
    """The organisation's invoices whose numbers are among ``numbers``."""
    return _views(session, Invoice, InvoiceSnap, org_id, ("number", numbers))


def invoice_external_ids(
    session: Session, *, org_id: int, numbers: Sequence[str]
) -> dict[str, str]:
    """``number -> external id`` of the organisation's invoices numbered among
    ``numbers``: which invoice already holds a number."""
    return _number_owners(session, Invoice, org_id, numbers)


def _number_owners(
    session: Session, table: Any, org_id: int, numbers: Sequence[str]
) -> dict[str, str]:
    rows = repository.field_rows(
        session, table, org_id, ("number", "external_id"), ("number", numbers)
    )
    return {number: external_id for number, external_id in rows}


def invoice_balances(
    session: Session, *, org_id: int, invoice_ids: Sequence[int]
) -> dict[int, tuple[int, str]]:
    """``invoice id -> (open amount, status)`` of the organisation's invoices among
    ``invoice_ids`` (others' ids find nothing): what allocations start from."""
    rows = repository.field_rows(
        session, Invoice, org_id, ("id", "open_amount", "status"), ("id", invoice_ids)
    )
    return {invoice_id: (open_amount, status) for invoice_id, open_amount, status in rows}


def payment_snaps(
    session: Session, *, org_id: int, external_ids: Sequence[str] | None = None
) -> list[PaymentSnap]:
    """Every payment of the organisation (or those with ``external_ids``), with the
    fields a payments file may change."""
    return _views(session, Payment, PaymentSnap, org_id, _among("external_id", external_ids))


def payment_external_ids_in_use(
    session: Session, *, org_id: int, external_ids: Sequence[str]
) -> set[str]:
    """Those of ``external_ids`` that the organisation's payments already have."""
    rows = repository.field_rows(
        session, Payment, org_id, ("external_id",), ("external_id", external_ids)
    )
    return {external_id for (external_id,) in rows}


def credit_note_snaps(
    session: Session, *, org_id: int, external_ids: Sequence[str] | None = None
) -> list[CreditNoteSnap]:
    """Every credit note of the organisation (or those with ``external_ids``), with the
    fields a credit notes file may change."""
    return _views(session, CreditNote, CreditNoteSnap, org_id, _among("external_id", external_ids))


def credit_note_external_ids(
    session: Session, *, org_id: int, numbers: Sequence[str]
) -> dict[str, str]:
    """``number -> external id`` of the organisation's credit notes numbered among
    ``numbers``: which credit note already holds a number."""
    return _number_owners(session, CreditNote, org_id, numbers)
