"""All SQL of the ledger. Every query is scoped to one organisation."""

from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    Select,
    String,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    update,
)
from sqlalchemy import delete as sa_delete
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from recoup.db import bulk, changes
from recoup.db.base import utcnow
from recoup.ledger.core import AgingBasis, Bucket
from recoup.ledger.models import (
    Allocation,
    BankAccount,
    CreditNote,
    CreditNoteStatus,
    Customer,
    Invoice,
    InvoiceStatus,
    Organisation,
    Payment,
)


def organisations(session: Session) -> list[Organisation]:
    """Every organisation, by slug."""
    return list(session.scalars(select(Organisation).order_by(Organisation.slug)))


def organisation_by_slug(session: Session, slug: str) -> Organisation | None:
    """The organisation with ``slug``, if any."""
    return session.scalars(select(Organisation).where(Organisation.slug == slug)).one_or_none()


def get(session: Session, model: type[Any], org_id: int, record_id: int) -> Any:
    """One record of ``model`` by id, only if it belongs to the organisation."""
    return session.scalars(
        select(model).where(model.org_id == org_id, model.id == record_id)
    ).one_or_none()


def get_for_update(session: Session, model: type[Any], org_id: int, record_id: int) -> Any:
    """Like ``get`` but locks the row for the rest of the transaction."""
    return session.scalars(
        select(model)
        .where(model.org_id == org_id, model.id == record_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one_or_none()


def by_key(session: Session, model: type[Any], org_id: int, **key: str) -> Any:
    """One record of ``model`` by a unique business key (``number=``, ``external_id=``)."""
    ((column, value),) = key.items()
    return session.scalars(
        select(model).where(model.org_id == org_id, getattr(model, column) == value)
    ).one_or_none()


def customers(session: Session, org_id: int) -> list[Customer]:
    """The organisation's customers, by name."""
    return list(
        session.scalars(select(Customer).where(Customer.org_id == org_id).order_by(Customer.name))
    )


def open_invoices(session: Session, org_id: int, customer_id: int) -> list[Invoice]:
    """A customer's open invoices, oldest due first."""
    return list(
        session.scalars(
            select(Invoice)
            .where(
                Invoice.org_id == org_id,
                Invoice.customer_id == customer_id,
                Invoice.status == InvoiceStatus.OPEN,
            )
            .order_by(Invoice.due_date, Invoice.number)
        )
    )


def invoices_by_id(session: Session, org_id: int, invoice_ids: Sequence[int]) -> list[Invoice]:
    """The organisation's invoices among ``invoice_ids`` (others' ids find nothing)."""
    if not invoice_ids:
        return []
    return list(
        session.scalars(
            select(Invoice).where(Invoice.org_id == org_id, Invoice.id.in_(list(invoice_ids)))
        )
    )


def open_credit_notes(session: Session, org_id: int, customer_id: int) -> list[CreditNote]:
    """A customer's credit notes with an amount still to apply."""
    return list(
        session.scalars(
            select(CreditNote).where(
                CreditNote.org_id == org_id,
                CreditNote.customer_id == customer_id,
                CreditNote.open_amount > 0,
            )
        )
    )


def unapplied_payments(session: Session, org_id: int, customer_id: int) -> list[Payment]:
    """A customer's payments with an amount not yet applied to invoices."""
    return list(
        session.scalars(
            select(Payment).where(
                Payment.org_id == org_id,
                Payment.customer_id == customer_id,
                Payment.unallocated_amount > 0,
            )
        )
    )


# The daily run's partitions: a range of customer ids (both ends in), or None for all.
IdRange = tuple[int, int] | None


def _in_range(column: Any, id_range: IdRange) -> Any:
    return True if id_range is None else column.between(*id_range)


def field_rows(
    session: Session,
    model: type[Any],
    org_id: int,
    fields: Sequence[str],
    where: tuple[str, Sequence[Any]] | None = None,
    id_range: IdRange = None,
) -> list[tuple[Any, ...]]:
    """``fields`` of the organisation's rows of ``model``, optionally filtered by
    ``where = (column, values)`` and by a range of ids."""
    query = select(*(getattr(model, f) for f in fields)).where(
        model.org_id == org_id, _in_range(model.id, id_range)
    )
    if where is None:
        return [tuple(row) for row in bulk.plain_rows(session, query)]
    rows: list[tuple[Any, ...]] = []
    for condition in bulk.among(session, getattr(model, where[0]), where[1]):
        rows += [tuple(row) for row in bulk.plain_rows(session, query.where(condition))]
    return rows


def is_empty(session: Session, model: type[Any]) -> bool:
    """Whether ``model``'s table holds no record of any organisation."""
    return bulk.is_empty(session, model.__table__)


def drop_upkeep(session: Session, model: type[Any]) -> list[str]:
    return bulk.drop_upkeep(session, model.__table__)


def restore_upkeep(session: Session, model: type[Any], statements: Sequence[str]) -> None:
    bulk.restore_upkeep(session, model.__table__, statements)


def insert_returning_ids(
    session: Session, model: type[Any], rows: Sequence[dict[str, Any]]
) -> list[int]:
    """Bulk insert ``rows``; their new ids in the same order."""
    return bulk.insert_with_ids(session, model.__table__, rows)


def bulk_update(session: Session, model: type[Any], rows: Sequence[dict[str, Any]]) -> None:
    """Update records by primary key; each row holds ``id`` and the changed columns.

    Records given the same values (a hundred thousand customers put on hold) change in
    one statement per value set; the others by primary key, one executemany per set of
    changed columns.
    """
    alike: dict[tuple[tuple[str, Any], ...], list[dict[str, Any]]] = defaultdict(list)
    by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        try:
            alike[tuple(sorted((k, v) for k, v in row.items() if k != "id"))].append(row)
        except TypeError:  # unhashable values (JSON columns)
            by_columns[tuple(sorted(row))].append(row)
    for values, group in alike.items():
        if len(group) == 1:
            by_columns[tuple(sorted(group[0]))] += group
            continue
        for condition in bulk.among(session, model.id, [row["id"] for row in group]):
            session.execute(update(model).where(condition).values(dict(values)))
    for group in by_columns.values():
        session.execute(update(model), group)


def write_allocations(session: Session, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert allocation rows and take their amounts off invoices, payments, credits.

    Callers have checked every allocation (``core.check_allocation``); the database's
    check constraints are the last line of defence.
    """
    ids = insert_returning_ids(session, Allocation, rows)
    _take_off(session, Invoice.__table__, "invoice_id", InvoiceStatus.PAID, rows)
    _take_off(session, Payment.__table__, "payment_id", None, rows)
    _take_off(session, CreditNote.__table__, "credit_note_id", CreditNoteStatus.APPLIED, rows)
    return ids


def _take_off(
    session: Session, table: Any, key: str, settled: str | None, rows: Sequence[dict[str, Any]]
) -> None:
    """Reduce the open column of ``table`` by each row's amount: on PostgreSQL in one
    statement over the amounts summed per target (``UPDATE … FROM unnest``: a bank file's
    thousands of allocations are one round trip, not thousands), elsewhere executemany."""
    params = [
        {"target_id": row[key], "taken": row["amount"]} for row in rows if row.get(key) is not None
    ]
    if not params:
        return
    column = table.c.unallocated_amount if settled is None else table.c.open_amount
    if session.get_bind().dialect.name == "postgresql":
        totals: dict[int, int] = defaultdict(int)
        for param in params:
            totals[param["target_id"]] += param["taken"]
        ids = cast(bindparam("ids", list(totals)), ARRAY(BigInteger))
        takes = cast(bindparam("takes", list(totals.values())), ARRAY(BigInteger))
        taken = select(func.unnest(ids).label("id"), func.unnest(takes).label("taken")).subquery(
            "taken"
        )
        summed: dict[str, Any] = {column.name: column - taken.c.taken, "updated_at": utcnow()}
        if settled is not None:  # settled when everything open is taken (amounts are > 0)
            summed["status"] = case(
                (column == taken.c.taken, literal(str(settled))), else_=table.c.status
            )
        session.execute(update(table).where(table.c.id == taken.c.id).values(summed))
        return
    values: dict[str, Any] = {column.name: column - bindparam("taken")}
    if settled is not None:
        values["status"] = case(
            (column == bindparam("taken"), literal(str(settled))), else_=table.c.status
        )
    session.execute(
        update(table).where(table.c.id == bindparam("target_id")).values(values), params
    )


def aging_query(
    org_id: int,
    as_of: date,
    buckets: Sequence[Bucket],
    basis: AgingBasis,
    *,
    by_customer: bool = True,
) -> Select[*tuple[Any, ...]]:
    """The aggregate behind the aging report: open amounts per bucket, by customer and
    currency (or by currency alone, the customer column then NULL).

    Buckets are ranges of the basis date computed from ``as_of``, so the database
    compares dates instead of computing day differences row by row.
    """
    basis_date = Invoice.due_date if basis is AgingBasis.DUE else Invoice.issue_date
    sums = []
    for i, bucket in enumerate(buckets):
        earliest, latest = bucket.date_range(as_of)
        conditions = []
        if earliest is not None:
            conditions.append(basis_date >= earliest)
        if latest is not None:
            conditions.append(basis_date <= latest)
        total = func.sum(case((and_(*conditions), Invoice.open_amount), else_=0))
        sums.append(cast(total, BigInteger).label(f"b{i}"))
    customer = Invoice.customer_id if by_customer else null()
    groups = (Invoice.customer_id, Invoice.currency) if by_customer else (Invoice.currency,)
    return (
        select(customer, Invoice.currency, *sums)
        .where(
            Invoice.org_id == org_id,
            Invoice.status == InvoiceStatus.OPEN,
            Invoice.open_amount > 0,
        )
        .group_by(*groups)
    )


def unapplied_by_customer(session: Session, org_id: int) -> dict[tuple[int | None, str], int]:
    """Unallocated payment money per (customer, currency)."""
    rows = session.execute(
        select(Payment.customer_id, Payment.currency, func.sum(Payment.unallocated_amount))
        .where(Payment.org_id == org_id, Payment.unallocated_amount > 0)
        .group_by(Payment.customer_id, Payment.currency)
    )
    return {(r[0], r[1]): int(r[2]) for r in rows}


def open_credits_by_customer(session: Session, org_id: int) -> dict[tuple[int | None, str], int]:
    """Unapplied credit-note money per (customer, currency)."""
    rows = session.execute(
        select(CreditNote.customer_id, CreditNote.currency, func.sum(CreditNote.open_amount))
        .where(
            CreditNote.org_id == org_id,
            CreditNote.status == CreditNoteStatus.OPEN,
            CreditNote.open_amount > 0,
        )
        .group_by(CreditNote.customer_id, CreditNote.currency)
    )
    return {(r[0], r[1]): int(r[2]) for r in rows}


def customer_labels(session: Session, org_id: int) -> dict[int, tuple[str, str]]:
    """``id -> (external_id, name)`` of every customer of the organisation."""
    rows = session.execute(
        select(Customer.id, Customer.external_id, Customer.name).where(Customer.org_id == org_id)
    )
    return {r.id: (r.external_id, r.name) for r in rows}


def balance_mismatches(session: Session, org_id: int) -> list[tuple[str, int, int]]:
    """Invoices whose open amount is not total minus allocations: ``(number, open, derived)``.

    Always empty unless someone edited the tables by hand.
    """
    allocated = (
        select(Allocation.invoice_id, func.sum(Allocation.amount).label("allocated"))
        .where(Allocation.org_id == org_id)
        .group_by(Allocation.invoice_id)
        .subquery()
    )
    derived = Invoice.total_amount - func.coalesce(allocated.c.allocated, 0)
    rows = session.execute(
        select(Invoice.number, Invoice.open_amount, derived)
        .outerjoin(allocated, allocated.c.invoice_id == Invoice.id)
        .where(Invoice.org_id == org_id, Invoice.open_amount != derived)
    )
    return [(r[0], int(r[1]), int(r[2])) for r in rows]


def open_balances(
    session: Session, org_id: int, id_range: IdRange = None
) -> list[tuple[int, str, int, date]]:
    """``(customer_id, currency, open amount, oldest due date)`` of open invoices (of the
    customers of ``id_range``)."""
    rows = session.execute(
        select(
            Invoice.customer_id,
            Invoice.currency,
            func.sum(Invoice.open_amount),
            func.min(Invoice.due_date),
        )
        .where(
            Invoice.org_id == org_id,
            Invoice.status == InvoiceStatus.OPEN,
            Invoice.open_amount > 0,
            _in_range(Invoice.customer_id, id_range),
        )
        .group_by(Invoice.customer_id, Invoice.currency)
    )
    return [(r[0], r[1], int(r[2]), r[3]) for r in rows]


def bank_account(session: Session, org_id: int, currency: str) -> BankAccount | None:
    """The organisation's account for ``currency``, if any."""
    return session.scalars(
        select(BankAccount).where(BankAccount.org_id == org_id, BankAccount.currency == currency)
    ).one_or_none()


def bank_accounts(session: Session, org_id: int) -> list[BankAccount]:
    """The organisation's bank accounts, by currency."""
    return list(
        session.scalars(
            select(BankAccount).where(BankAccount.org_id == org_id).order_by(BankAccount.currency)
        )
    )


def has_invoices(session: Session, org_id: int) -> bool:
    """Whether the organisation has any invoice (one index seek)."""
    return session.scalar(select(Invoice.id).where(Invoice.org_id == org_id).limit(1)) is not None


def currencies_in_use(session: Session, org_id: int) -> list[str]:
    """The currencies the organisation invoices in, in order.

    One index seek per currency (a "loose index scan" on ``ix_invoices_org_currency``)
    rather than a DISTINCT over every invoice: milliseconds at a million invoices.
    """
    found: list[str] = []
    while True:
        query = select(func.min(Invoice.currency)).where(Invoice.org_id == org_id)
        if found:
            query = query.where(Invoice.currency > found[-1])
        currency = session.scalar(query)
        if currency is None:
            return found
        found.append(currency)


def customers_named(session: Session, org_id: int, name: str) -> list[Customer]:
    """The organisation's customers called ``name`` (case aside), by account number."""
    return list(
        session.scalars(
            select(Customer)
            .where(Customer.org_id == org_id, func.lower(Customer.name) == name.lower())
            .order_by(Customer.external_id)
        )
    )


def _owing(org_id: int) -> Select[Any]:
    """The ids of the organisation's customers with an open invoice."""
    return (
        select(Invoice.customer_id)
        .where(Invoice.org_id == org_id, Invoice.status == InvoiceStatus.OPEN)
        .distinct()
    )


# What a settlement row holds before its last allocation's day, in this order.
_SETTLEMENT_COLUMNS: tuple[Any, ...] = (
    Invoice.id,
    Invoice.customer_id,
    Invoice.issue_date,
    Invoice.due_date,
    Invoice.currency,
    Invoice.total_amount,
    Invoice.open_amount,
    Invoice.status,
)


def _settlements_query(
    org_id: int, *, open_customers_only: bool = False, look_up_each: bool = False
) -> Select[Any]:
    """Every invoice with the day of its last allocation, in invoice id order; with
    ``open_customers_only``, only the invoices of customers with an open invoice. With
    ``look_up_each`` each invoice's last allocation is looked up by index (PostgreSQL:
    cheaper than grouping every allocation when a fraction of the invoices is read;
    SQLite's planner answers such a ``max`` from its index of allocation days instead,
    reading every allocation for each invoice)."""
    owing = Invoice.customer_id.in_(_owing(org_id))
    if look_up_each:
        last_on = (
            select(func.max(Allocation.allocated_on))
            .where(Allocation.org_id == org_id, Allocation.invoice_id == Invoice.id)
            .scalar_subquery()
            .label("last_on")
        )
        query = select(*_SETTLEMENT_COLUMNS, last_on).where(Invoice.org_id == org_id)
        return (query.where(owing) if open_customers_only else query).order_by(Invoice.id)
    last_query = (
        select(Allocation.invoice_id, func.max(Allocation.allocated_on).label("last_on"))
        .where(Allocation.org_id == org_id)
        .group_by(Allocation.invoice_id)
    )
    if open_customers_only:
        last_query = last_query.join(Invoice, Invoice.id == Allocation.invoice_id).where(owing)
    last = last_query.subquery()
    query = (
        select(*_SETTLEMENT_COLUMNS, last.c.last_on)
        .outerjoin(last, last.c.invoice_id == Invoice.id)
        .where(Invoice.org_id == org_id)
        .order_by(Invoice.id)
    )
    return query.where(owing) if open_customers_only else query


def invoice_settlements(
    session: Session, org_id: int
) -> list[tuple[int, int, date, date, str, int, int, str, date | None]]:
    """``(id, customer_id, issue_date, due_date, currency, total, open, status, last
    allocation date)`` of every invoice (the prediction's history)."""
    rows = session.execute(_settlements_query(org_id))
    return [(r[0], r[1], r[2], r[3], r[4], int(r[5]), int(r[6]), str(r[7]), r[8]) for r in rows]


def _ordinal(column: Any, dialect: str) -> Any:
    """A date column as its day number (``date.toordinal()``: 1 for 0001-01-01)."""
    if dialect == "sqlite":  # julianday('0001-01-01') is 1721425.5
        return literal_column(f"CAST(julianday({column}) - 1721424.5 AS INTEGER)")
    return literal_column(f"({column} - DATE '0001-01-01' + 1)")


def invoice_settlement_columns(
    session: Session, org_id: int, *, open_customers_only: bool = False
) -> list[tuple[Any, ...]]:
    """``invoice_settlements`` as nine columns (tuples, in invoice id order), read by one
    plain select with no object per row: days as their numbers (``date.toordinal()``,
    None for no allocation), counted by the database, the status as stored. With
    ``open_customers_only``, only the invoices of customers who have an open invoice."""
    connection = session.connection()
    dialect = connection.dialect.name
    query = _settlements_query(
        org_id,
        open_customers_only=open_customers_only,
        look_up_each=open_customers_only and dialect == "postgresql",
    ).subquery("settled")
    days = select(
        query.c.id,
        query.c.customer_id,
        _ordinal("settled.issue_date", dialect),
        _ordinal("settled.due_date", dialect),
        query.c.currency,
        query.c.total_amount,
        query.c.open_amount,
        query.c.status,
        _ordinal("settled.last_on", dialect),
    ).order_by(query.c.id)
    # Straight through the driver's cursor: no result row or type processing per row.
    compiled = days.compile(dialect=connection.dialect)
    params: Any = (
        tuple(compiled.params[name] for name in compiled.positiontup or ())
        if compiled.positional
        else compiled.params
    )
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        if dialect == "postgresql":
            # The planner's estimate of the per-invoice look-ups starts its JIT compiler,
            # which took 1.3 s of a 2.5 s read; off for the rest of this transaction.
            cursor.execute("SET LOCAL jit = off")
        cursor.execute(str(compiled), params)
        rows = cursor.fetchall()
    finally:
        cursor.close()
    return list(zip(*rows, strict=True)) if rows else [() for _ in range(9)]


def set_risk_bands(session: Session, org_id: int, bands: dict[int, str]) -> None:
    """Set the ``risk_band`` of the organisation's customers (``customer id -> band``)."""
    known = {c.id for c in customers(session, org_id)}
    bulk_update(
        session, Customer, [{"id": cid, "risk_band": b} for cid, b in bands.items() if cid in known]
    )


def allocations_for_update(
    session: Session,
    org_id: int,
    *,
    ids: Sequence[int] | None = None,
    invoice_id: int | None = None,
    payment_id: int | None = None,
    credit_note_id: int | None = None,
) -> list[Allocation]:
    """The organisation's allocations matching every criterion given, locked, by id."""
    query = select(Allocation).where(Allocation.org_id == org_id)
    if ids is not None:
        query = query.where(Allocation.id.in_(sorted(set(ids))))
    for column, value in (
        (Allocation.invoice_id, invoice_id),
        (Allocation.payment_id, payment_id),
        (Allocation.credit_note_id, credit_note_id),
    ):
        if value is not None:
            query = query.where(column == value)
    return list(
        session.scalars(
            query.order_by(Allocation.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    )


def delete_rows(
    session: Session,
    model: type[Any],
    org_id: int,
    ids: Sequence[int],
    *,
    savepoint: bool = False,
) -> bool:
    """Delete the organisation's rows of ``model`` with ``ids``. With ``savepoint``, a
    row still referenced elsewhere is left alone and False returned (nothing deleted)."""
    statement = sa_delete(model).where(model.org_id == org_id, model.id.in_(list(ids)))
    if not savepoint:
        session.execute(statement)
        return True
    try:
        with session.begin_nested():
            session.execute(statement)
    except IntegrityError:
        return False
    return True


def settlement_allocations(
    session: Session, org_id: int, prefix: str, invoice_ids: Sequence[int] | None = None
) -> list[tuple[int, int, int, int]]:
    """``(allocation id, invoice id, payment id, amount)`` of the allocations made by
    payments whose external id starts with ``prefix`` (only to ``invoice_ids`` when
    given), newest first."""
    query = (
        select(Allocation.id, Allocation.invoice_id, Allocation.payment_id, Allocation.amount)
        .join(
            Payment,
            and_(Payment.id == Allocation.payment_id, Payment.org_id == Allocation.org_id),
        )
        .where(Allocation.org_id == org_id, Payment.external_id.startswith(prefix, autoescape=True))
        .order_by(Allocation.id.desc())
    )
    if invoice_ids is None:
        return [(r[0], r[1], int(r[2] or 0), int(r[3])) for r in session.execute(query)]
    rows: list[tuple[int, int, int, int]] = []
    for condition in bulk.among(session, Allocation.invoice_id, invoice_ids):
        rows += [
            (r[0], r[1], int(r[2] or 0), int(r[3])) for r in session.execute(query.where(condition))
        ]
    rows.sort(key=lambda row: -row[0])
    return rows


def rows_for_update(
    session: Session, model: type[Any], org_id: int, fields: Sequence[str], ids: Sequence[int]
) -> list[tuple[Any, ...]]:
    """``fields`` of the organisation's rows of ``model`` among ``ids``, locked."""
    query = select(*(getattr(model, f) for f in fields)).where(model.org_id == org_id)
    rows: list[tuple[Any, ...]] = []
    for condition in bulk.among(session, model.id, ids):
        rows += [tuple(row) for row in session.execute(query.where(condition).with_for_update())]
    return rows


def allocations_of_payments(session: Session, org_id: int, payment_ids: Sequence[int]) -> list[int]:
    """The ids of the allocations of the organisation's payments among ``payment_ids``."""
    query = select(Allocation.id).where(Allocation.org_id == org_id)
    ids: list[int] = []
    for condition in bulk.among(session, Allocation.payment_id, payment_ids):
        ids += list(session.scalars(query.where(condition)))
    return ids


# Read models of the analytics domain: receivables on a past date and the period's flows,
# summed in the database, grouped by currency and one customer attribute.

GROUP_COLUMNS: dict[str, Any] = {
    "collector": Customer.collector,
    "country": Customer.country,
    "customer": Customer.id,
}


def _group(query: Select[*tuple[Any, ...]], by: str | None) -> tuple[Any, Any]:
    """The group key column for ``by`` and the query joined to customers if it needs to."""
    if by is None:
        return literal(""), query
    column = GROUP_COLUMNS[by]
    joined = query.join(
        Customer, and_(Customer.org_id == Invoice.org_id, Customer.id == Invoice.customer_id)
    )
    return column, joined


def _bucket_of(due: Any, as_of: date, buckets: Sequence[Bucket]) -> Any:
    """The index of the due-date bucket an invoice is in on ``as_of``."""
    whens = []
    for i, bucket in enumerate(buckets[:-1]):
        earliest, _ = bucket.date_range(as_of)
        whens.append((due >= earliest, i))
    return case(*whens, else_=len(buckets) - 1)


def receivables_on(
    session: Session, org_id: int, as_of: date, buckets: Sequence[Bucket], by: str | None
) -> list[tuple[str, Any, int, int, int]]:
    """``(currency, group, bucket index, open amount, open invoices)`` on ``as_of``: the
    invoices issued by then, less what was allocated to them by then.

    Open today plus what was allocated after ``as_of`` (allocations only reduce an
    invoice), so a recent date reads few allocations. Void and written-off invoices are
    left out on every date (DOMAIN.md's DSO convention).
    """
    later = (
        select(Allocation.invoice_id, func.sum(Allocation.amount).label("later"))
        .where(Allocation.org_id == org_id, Allocation.allocated_on > as_of)
        .group_by(Allocation.invoice_id)
        .subquery()
    )
    parts = []
    base = select(Invoice.currency).where(Invoice.org_id == org_id, Invoice.issue_date <= as_of)
    key, now = _group(base, by)
    now = now.add_columns(
        key.label("grp"),
        _bucket_of(Invoice.due_date, as_of, buckets).label("bucket"),
        Invoice.open_amount.label("amount"),
        literal(1).label("counted"),
    ).where(Invoice.status == InvoiceStatus.OPEN, Invoice.open_amount > 0)
    parts.append(now.subquery())
    key, then = _group(base.join(later, later.c.invoice_id == Invoice.id), by)
    then = then.add_columns(
        key.label("grp"),
        _bucket_of(Invoice.due_date, as_of, buckets).label("bucket"),
        later.c.later.label("amount"),
        case((Invoice.status == InvoiceStatus.PAID, 1), else_=0).label("counted"),
    ).where(Invoice.status.in_([InvoiceStatus.OPEN, InvoiceStatus.PAID]))
    parts.append(then.subquery())
    out: dict[tuple[str, Any, int], list[int]] = {}
    for part in parts:
        rows = session.execute(
            select(
                part.c.currency,
                part.c.grp,
                part.c.bucket,
                cast(func.sum(part.c.amount), BigInteger),
                cast(func.sum(part.c.counted), BigInteger),
            ).group_by(part.c.currency, part.c.grp, part.c.bucket)
        )
        for r in rows:
            acc = out.setdefault((r[0], r[1], int(r[2])), [0, 0])
            acc[0] += int(r[3] or 0)
            acc[1] += int(r[4] or 0)
    return [(k[0], k[1], k[2], v[0], v[1]) for k, v in sorted(out.items(), key=str)]


def sales_by_day(
    session: Session, org_id: int, start: date, end: date, by: str | None
) -> list[tuple[str, Any, date, int, int]]:
    """``(currency, group, issue date, invoiced amount, invoices)`` of invoices issued in
    ``start``..``end``; void and written-off invoices left out."""
    base = select(Invoice.currency)
    key, query = _group(base, by)
    query = (
        query.add_columns(
            key, Invoice.issue_date, cast(func.sum(Invoice.total_amount), BigInteger), func.count()
        )
        .where(
            Invoice.org_id == org_id,
            Invoice.issue_date >= start,
            Invoice.issue_date <= end,
            Invoice.status.in_([InvoiceStatus.OPEN, InvoiceStatus.PAID]),
        )
        .group_by(Invoice.currency, key, Invoice.issue_date)
    )
    return [(r[0], r[1], r[2], int(r[3] or 0), int(r[4])) for r in session.execute(query)]


def payment_parts(
    session: Session, org_id: int, start: date, end: date, by: str | None
) -> list[tuple[str, Any, date, date, date, int]]:
    """``(currency, group, paid on, issue date, due date, amount)`` of payment
    allocations dated ``start``..``end``, summed per distinct dates."""
    base = select(Invoice.currency).join(
        Allocation, and_(Allocation.org_id == Invoice.org_id, Allocation.invoice_id == Invoice.id)
    )
    key, query = _group(base, by)
    query = (
        query.add_columns(
            key,
            Allocation.allocated_on,
            Invoice.issue_date,
            Invoice.due_date,
            cast(func.sum(Allocation.amount), BigInteger),
        )
        .where(
            Invoice.org_id == org_id,
            Allocation.payment_id.is_not(None),
            Allocation.allocated_on >= start,
            Allocation.allocated_on <= end,
            Invoice.status != InvoiceStatus.VOID,
        )
        .group_by(
            Invoice.currency, key, Allocation.allocated_on, Invoice.issue_date, Invoice.due_date
        )
    )
    return [(r[0], r[1], r[2], r[3], r[4], int(r[5] or 0)) for r in session.execute(query)]


def customer_attributes(session: Session, org_id: int) -> dict[int, tuple[str, str, list[str]]]:
    """``id -> (collector, country, tags)`` of every customer of the organisation."""
    rows = session.execute(
        select(Customer.id, Customer.collector, Customer.country, Customer.tags).where(
            Customer.org_id == org_id
        )
    )
    return {r[0]: (r[1] or "", r[2] or "", list(r[3] or [])) for r in rows}


# Cash application's look-ups (recoup.cashapp): invoices by the keys payers write, and
# the open items of a few customers, without reading every invoice.

# An invoice number as payers write it, in SQL both databases index (expression
# indexes in migration cashapp_0002): upper case without separators ("INV-1042" ->
# "INV1042"), and its digits without leading zeros ("INV-001042" -> "1042"; letters
# only before or after the digits). Numbers with other characters, or letters among
# the digits, are not found by these keys.
KEY_SEPARATORS = " -/._#:,"
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _without(sql: str, chars: str) -> str:
    for ch in chars:
        sql = f"replace({sql}, '{ch}', '')"
    return sql


NUMBER_KEY_SQL = _without("upper(number)", KEY_SEPARATORS)
DIGITS_KEY_SQL = f"rtrim(ltrim({NUMBER_KEY_SQL}, '{_LETTERS}0'), '{_LETTERS}')"


def invoice_fields_by_key(
    session: Session, org_id: int, key_sql: str, keys: Sequence[str], fields: Sequence[str]
) -> list[tuple[Any, ...]]:
    """``fields`` of the invoices whose ``key_sql`` is one of ``keys``, by id."""
    from sqlalchemy import String, literal_column

    key = literal_column(key_sql, type_=String())
    query = select(*(getattr(Invoice, f) for f in fields)).where(Invoice.org_id == org_id)
    rows: list[tuple[Any, ...]] = []
    for condition in bulk.among(session, key, keys):
        rows += [tuple(row) for row in session.execute(query.where(condition))]
    return sorted(rows, key=lambda r: r[0])


def open_invoice_fields(
    session: Session, org_id: int, column: str, values: Sequence[Any], fields: Sequence[str]
) -> list[tuple[Any, ...]]:
    """``fields`` of the open invoices (something still open) whose ``column`` is one of
    ``values``, by id."""
    query = select(*(getattr(Invoice, f) for f in fields)).where(
        Invoice.org_id == org_id,
        Invoice.status == InvoiceStatus.OPEN,
        Invoice.open_amount > 0,
    )
    rows: list[tuple[Any, ...]] = []
    for condition in bulk.among(session, getattr(Invoice, column), values):
        rows += [tuple(row) for row in session.execute(query.where(condition))]
    return sorted(rows, key=lambda r: r[0])


def count_invoices(session: Session, org_id: int, status: str) -> int:
    """How many of the organisation's invoices have ``status``."""
    query = select(func.count()).where(Invoice.org_id == org_id, Invoice.status == status)
    return int(session.scalar(query.select_from(Invoice)) or 0)


from recoup.ledger.models import Contact  # noqa: E402


def contacts_of(session: Session, org_id: int, customer_id: int) -> list[Contact]:
    """The customer's contacts, in the order they were added."""
    query = (
        select(Contact)
        .where(Contact.org_id == org_id, Contact.customer_id == customer_id)
        .order_by(Contact.id)
    )
    return list(session.scalars(query))


def customers_to_assign(
    session: Session,
    org_id: int,
    *,
    tag: str,
    country: str,
    collector: str | None,
    oldest_due: tuple[date | None, date] | None,
    limit: int,
) -> tuple[list[Customer], int]:
    """Customers with something open, narrowed by segment (tag), country, collector
    ("" unassigned) and the due-date range of their oldest open invoice; the first
    ``limit`` by name and how many match in all."""
    oldest = func.min(Invoice.due_date)
    open_ones = (
        select(Invoice.customer_id)
        .where(
            Invoice.org_id == org_id,
            Invoice.status == InvoiceStatus.OPEN,
            Invoice.open_amount > 0,
        )
        .group_by(Invoice.customer_id)
    )
    if oldest_due is not None:
        earliest, latest = oldest_due
        open_ones = open_ones.having(oldest <= latest)
        if earliest is not None:
            open_ones = open_ones.having(oldest >= earliest)
    query = select(Customer).where(Customer.org_id == org_id, Customer.id.in_(open_ones))
    if country:
        query = query.where(Customer.country == country.upper())
    if collector is not None:
        query = query.where(func.lower(func.trim(Customer.collector)) == collector.strip().lower())
    found = list(session.scalars(query.order_by(Customer.name, Customer.id)))
    if tag:
        found = [c for c in found if tag in (c.tags or [])]  # tags are JSON: filtered here
    return found[:limit], len(found)


def assigned_count(session: Session, org_id: int, collector: str) -> int:
    """How many customers ``collector`` is assigned (case aside)."""
    query = select(func.count()).where(
        Customer.org_id == org_id,
        func.lower(func.trim(Customer.collector)) == collector.strip().lower(),
    )
    return int(session.scalar(query) or 0)


def contacts_with_email(session: Session, org_id: int, emails: Sequence[str]) -> list[Contact]:
    """The organisation's contacts whose address is one of ``emails`` (as stored)."""
    if not emails:
        return []
    query = select(Contact).where(Contact.org_id == org_id, Contact.email.in_(list(emails)))
    return list(session.scalars(query.order_by(Contact.id)))


def open_invoice_fields_of_customers(
    session: Session, org_id: int, customer_ids: Sequence[int], fields: Sequence[str]
) -> list[tuple[Any, ...]]:
    """``fields`` of the open invoices (something still open) of these customers, by id,
    read through the customer index: the status and amount are compared as expressions
    (``status || ''``, ``open_amount + 0``) so that no planner prefers their indexes and
    scans a million invoices for the few thousand wanted (SQLite did: 37 s against 1 s)."""
    query = select(*(getattr(Invoice, f) for f in fields)).where(
        Invoice.org_id == org_id,
        Invoice.status + "" == InvoiceStatus.OPEN.value,
        Invoice.open_amount + 0 > 0,
    )
    rows: list[tuple[Any, ...]] = []
    for condition in bulk.among(session, Invoice.customer_id, customer_ids):
        rows += [tuple(row) for row in session.execute(query.where(condition))]
    return sorted(rows, key=lambda r: r[0])


def owed_and_collected(
    session: Session, org_id: int, start: date, end: date, by: str | None
) -> list[tuple[str, Any, int, int]]:
    """``(currency, group, owed, collected)`` over the invoices due by ``end``: owed is
    what was still owed on them when ``start`` began (overdue before the period or
    falling due in it) less credit notes applied in the period; collected is what
    payments dated in the period settled of them.

    What was owed at the start is the open amount now plus every allocation dated from
    ``start`` on (allocations only reduce an invoice), so only invoices open now or
    settled since ``start`` are read.
    """
    from sqlalchemy import or_  # here, not among the module's imports: appended alone

    since = (
        select(
            Allocation.invoice_id,
            func.sum(Allocation.amount).label("since"),
            func.sum(
                case(
                    (
                        and_(Allocation.payment_id.is_not(None), Allocation.allocated_on <= end),
                        Allocation.amount,
                    ),
                    else_=0,
                )
            ).label("paid"),
            func.sum(
                case(
                    (
                        and_(Allocation.payment_id.is_(None), Allocation.allocated_on <= end),
                        Allocation.amount,
                    ),
                    else_=0,
                )
            ).label("credited"),
        )
        .where(Allocation.org_id == org_id, Allocation.allocated_on >= start)
        .group_by(Allocation.invoice_id)
        .subquery()
    )
    base = select(Invoice.currency).outerjoin(since, since.c.invoice_id == Invoice.id)
    key, query = _group(base, by)
    owed = Invoice.open_amount + func.coalesce(since.c.since, 0)
    query = (
        query.add_columns(
            key,
            cast(func.sum(owed - func.coalesce(since.c.credited, 0)), BigInteger),
            cast(func.sum(func.coalesce(since.c.paid, 0)), BigInteger),
        )
        .where(
            Invoice.org_id == org_id,
            Invoice.due_date <= end,
            Invoice.status.in_([InvoiceStatus.OPEN, InvoiceStatus.PAID]),
            or_(
                and_(Invoice.status == InvoiceStatus.OPEN, Invoice.open_amount > 0),
                since.c.invoice_id.is_not(None),
            ),
        )
        .group_by(Invoice.currency, key)
    )
    return [(r[0], r[1], int(r[2] or 0), int(r[3] or 0)) for r in session.execute(query)]


def invoice_numbers(session: Session, org_id: int, invoice_ids: Sequence[int]) -> dict[int, str]:
    """``invoice id -> number`` of these invoices (looked up by id, however many: reading
    every invoice of a 2,000,000-invoice book took 4 s for 28,000 of them)."""
    found: dict[int, str] = {}
    for condition in bulk.among(session, Invoice.id, list(invoice_ids)):
        query = select(Invoice.id, Invoice.number).where(Invoice.org_id == org_id, condition)
        found.update((r[0], r[1]) for r in session.execute(query))
    return found


def customer_invoice_settlements(
    session: Session, org_id: int, customer_id: int
) -> list[tuple[int, int, date, date, str, int, int, str, date | None]]:
    """``invoice_settlements`` of one customer's invoices."""
    last = (
        select(Allocation.invoice_id, func.max(Allocation.allocated_on).label("last_on"))
        .join(
            Invoice, and_(Invoice.org_id == Allocation.org_id, Invoice.id == Allocation.invoice_id)
        )
        .where(Allocation.org_id == org_id, Invoice.customer_id == customer_id)
        .group_by(Allocation.invoice_id)
        .subquery()
    )
    rows = session.execute(
        select(*_SETTLEMENT_COLUMNS, last.c.last_on)
        .outerjoin(last, last.c.invoice_id == Invoice.id)
        .where(Invoice.org_id == org_id, Invoice.customer_id == customer_id)
        .order_by(Invoice.id)
    )
    return [(r[0], r[1], r[2], r[3], r[4], int(r[5]), int(r[6]), str(r[7]), r[8]) for r in rows]


def period_balances(
    session: Session,
    org_id: int,
    start: date,
    end: date,
    buckets: Sequence[Bucket],
    by: str | None,
) -> list[tuple[str, Any, int, int, int, int, int, int]]:
    """``(currency, group, bucket on end, ending AR, ending open invoices, beginning AR,
    owed, collected of owed)`` in two reads, one of the open invoices and one of the
    allocations dated from ``start`` on:

    * ending AR: what ``receivables_on(end)`` gives (its bucket and invoice count);
    * beginning AR: the total of ``receivables_on(start - 1 day)``;
    * owed and collected: what ``owed_and_collected(start, end)`` gives.

    Each invoice's balance on a day is its open amount now plus what was allocated to
    it after that day (allocations only reduce an invoice). Void and written-off
    invoices are left out.
    """
    from datetime import timedelta  # here, not among the module's imports: appended alone

    before = start - timedelta(days=1)
    out: dict[tuple[str, Any, int], list[int]] = {}

    def fold(rows: Any) -> None:
        for r in rows:
            acc = out.setdefault((r[0], r[1], int(r[2])), [0] * 5)
            for i in range(5):
                acc[i] += int(r[3 + i] or 0)

    def total(expression: Any) -> Any:
        return cast(func.sum(expression), BigInteger)

    base = select(Invoice.currency).where(Invoice.org_id == org_id, Invoice.issue_date <= end)
    key, now = _group(base, by)
    bucket = _bucket_of(Invoice.due_date, end, buckets)
    now = (
        now.add_columns(
            key,
            bucket,
            total(Invoice.open_amount),
            func.count(),
            total(case((Invoice.issue_date <= before, Invoice.open_amount), else_=0)),
            total(case((Invoice.due_date <= end, Invoice.open_amount), else_=0)),
            literal(0),
        )
        .where(Invoice.status == InvoiceStatus.OPEN, Invoice.open_amount > 0)
        .group_by(Invoice.currency, key, bucket)
    )
    fold(session.execute(now))
    is_payment = Allocation.payment_id.is_not(None)
    within = Allocation.allocated_on <= end
    since = (
        select(
            Allocation.invoice_id,
            func.sum(Allocation.amount).label("since"),
            func.sum(case((Allocation.allocated_on > end, Allocation.amount), else_=0)).label(
                "after"
            ),
            func.sum(case((and_(is_payment, within), Allocation.amount), else_=0)).label("paid"),
            func.sum(case((and_(~is_payment, within), Allocation.amount), else_=0)).label(
                "credited"
            ),
        )
        .where(Allocation.org_id == org_id, Allocation.allocated_on >= start)
        .group_by(Allocation.invoice_id)
        .subquery()
    )
    due_by_end = Invoice.due_date <= end
    key, then = _group(base.join(since, since.c.invoice_id == Invoice.id), by)
    then = (
        then.add_columns(
            key,
            bucket,
            total(since.c.after),
            total(
                case((and_(Invoice.status == InvoiceStatus.PAID, since.c.after > 0), 1), else_=0)
            ),
            total(case((Invoice.issue_date <= before, since.c.since), else_=0)),
            total(case((due_by_end, since.c.since - since.c.credited), else_=0)),
            total(case((due_by_end, since.c.paid), else_=0)),
        )
        .where(Invoice.status.in_([InvoiceStatus.OPEN, InvoiceStatus.PAID]))
        .group_by(Invoice.currency, key, bucket)
    )
    fold(session.execute(then))
    return [
        (k[0], k[1], k[2], v[0], v[1], v[2], v[3], v[4]) for k, v in sorted(out.items(), key=str)
    ]


def customer_places(
    session: Session, org_id: int, *, owing_only: bool = False
) -> list[tuple[int, str, list[str]]]:
    """``(id, country, tags)`` of every customer of the organisation (with
    ``owing_only``, of those with an open invoice), by id."""
    query = select(Customer.id, Customer.country, Customer.tags).where(Customer.org_id == org_id)
    if owing_only:
        query = query.where(Customer.id.in_(_owing(org_id)))
    rows = session.execute(query.order_by(Customer.id))
    return [(r[0], r[1] or "", list(r[2] or [])) for r in rows]


def dunning_customers(session: Session, org_id: int, id_range: IdRange) -> Sequence[Any]:
    """The customers of a range as plain rows, in id order: what the engine plans from."""
    c = Customer.__table__.c  # plain table columns: the bulk reads skip the ORM's rows
    return bulk.plain_rows(
        session,
        select(
            c.id,
            c.external_id,
            c.name,
            c.country,
            c.timezone,
            c.tags,
            c.risk_band,
            c.address,
            c.collector,
            c.sales_owner,
            c.do_not_contact,
            c.legal_hold,
            c.is_consumer,
        )
        .where(c.org_id == org_id, _in_range(c.id, id_range))
        .order_by(c.id),
    )


def dunning_contacts(session: Session, org_id: int, id_range: IdRange) -> Sequence[Any]:
    """The contacts of a range's customers as plain rows."""
    c = Contact.__table__.c
    return bulk.plain_rows(
        session,
        select(c.id, c.customer_id, c.name, c.email, c.phone, c.role, c.opted_out).where(
            c.org_id == org_id, _in_range(c.customer_id, id_range)
        ),
    )


def dunning_open_invoices(session: Session, org_id: int, id_range: IdRange) -> Sequence[Any]:
    """The open invoices with money owed of a range's customers as plain rows."""
    c = Invoice.__table__.c
    return bulk.plain_rows(
        session,
        select(
            c.id,
            c.number,
            c.due_date,
            c.currency,
            c.open_amount,
            null().label("policy"),
            c.customer_id,
        ).where(
            c.org_id == org_id,
            c.status == InvoiceStatus.OPEN,
            c.open_amount > 0,
            _in_range(c.customer_id, id_range),
        ),
    )


def invoice_in_session(
    session: Session, org_id: int, invoice_id: int, *, lock: bool = False
) -> Invoice | None:
    """The organisation's invoice ``invoice_id``: the session's copy when it has one (no
    query per charge line); ``lock`` reads and holds its row until commit."""
    if not lock:
        found = session.get(Invoice, invoice_id)
        return found if found is not None and found.org_id == org_id else None
    query = select(Invoice).where(Invoice.org_id == org_id, Invoice.id == invoice_id)
    return session.scalars(query.with_for_update()).one_or_none()


def invoice_numbered(session: Session, org_id: int, number: str) -> Invoice | None:
    """The organisation's invoice numbered ``number``."""
    return session.scalars(
        select(Invoice).where(Invoice.org_id == org_id, Invoice.number == number)
    ).one_or_none()


def customer_in_session(session: Session, org_id: int, customer_id: int) -> Customer | None:
    """The organisation's customer ``customer_id`` (the session's copy when it has one)."""
    found = session.get(Customer, customer_id)
    return found if found is not None and found.org_id == org_id else None


def allocations_to(session: Session, org_id: int, invoice_id: int) -> list[tuple[date, int]]:
    """``(date, minor units)`` of every allocation (payment or credit) to the invoice."""
    rows = session.execute(
        select(Allocation.allocated_on, Allocation.amount).where(
            Allocation.org_id == org_id, Allocation.invoice_id == invoice_id
        )
    )
    return [(row[0], int(row[1])) for row in rows]


def allocations_to_each(
    session: Session, org_id: int, invoice_ids: Sequence[int]
) -> dict[int, list[tuple[date, int]]]:
    """``allocations_to`` of several invoices at once: ``invoice id -> [(date, minor)]``."""
    found: dict[int, list[tuple[date, int]]] = {i: [] for i in invoice_ids}
    if not invoice_ids:
        return found
    rows = session.execute(
        select(Allocation.invoice_id, Allocation.allocated_on, Allocation.amount).where(
            Allocation.org_id == org_id, Allocation.invoice_id.in_(list(invoice_ids))
        )
    )
    for row in rows:
        found[row[0]].append((row[1], int(row[2])))
    return found


def invoices_no_longer_open(
    session: Session,
    org_id: int,
    among: Select[*tuple[Any, ...]],
    id_range: IdRange,
    also: Sequence[int],
) -> list[tuple[int, int, str]]:
    """``(invoice id, customer id, status)`` of the invoices ``among`` names (its first
    column an invoice id, its second the order of the answer) that are no longer open or
    are in ``also``: one join of ``among`` with the invoices, which the planners flatten
    into a join of its table with theirs."""
    named = among.subquery()
    invoice_id, order = named.c[0], named.c[1]
    settled = Invoice.status != InvoiceStatus.OPEN
    condition = settled | Invoice.id.in_(also) if also else settled
    rows = session.execute(
        select(Invoice.id, Invoice.customer_id, Invoice.status)
        .select_from(named)
        .join(Invoice, (Invoice.org_id == org_id) & (Invoice.id == invoice_id))
        .where(_in_range(Invoice.customer_id, id_range), condition)
        .order_by(order)
    )
    return [(int(row[0]), int(row[1]), str(row[2])) for row in rows]


# The web app's lists and sums (recoup.web): the worklist's accounts, the invoice list,
# the customers' directory, and the names of customers beside another domain's rows.


def _due_within(earliest: date | None, latest: date | None) -> Any:
    """Invoices due ``earliest``..``latest`` (None: no bound)."""
    conditions = []
    if earliest is not None:
        conditions.append(Invoice.due_date >= earliest)
    if latest is not None:
        conditions.append(Invoice.due_date <= latest)
    return and_(*conditions)


def _open_with_money(org_id: int) -> list[Any]:
    """The organisation's open invoices with money owed (the sums' index)."""
    return [
        Invoice.org_id == org_id,
        Invoice.status == InvoiceStatus.OPEN,
        Invoice.open_amount > 0,
    ]


def overdue_account_rows(
    session: Session,
    org_id: int,
    as_of: date,
    weights: Sequence[tuple[date | None, date, int]],
    customers: Sequence[int | None] | None,
) -> list[tuple[Any, ...]]:
    """Per customer and currency with overdue money: total open, overdue, over 90 days,
    overdue count, oldest overdue due date, open amounts weighted by due-date range."""
    overdue = Invoice.due_date < as_of
    weighted = sum(
        (
            case((_due_within(earliest, latest), Invoice.open_amount * weight), else_=0)
            for earliest, latest, weight in weights
        ),
        start=literal(0),
    )
    over_90_latest = as_of - timedelta(days=91)
    overdue_sum = func.sum(case((overdue, Invoice.open_amount), else_=0))
    query = (
        select(
            Invoice.customer_id,
            Invoice.currency,
            cast(func.sum(Invoice.open_amount), BigInteger),
            cast(overdue_sum, BigInteger),
            cast(
                func.sum(case((Invoice.due_date <= over_90_latest, Invoice.open_amount), else_=0)),
                BigInteger,
            ),
            func.count(case((overdue, 1))),
            func.min(case((overdue, Invoice.due_date))),
            cast(func.sum(weighted), BigInteger),
        )
        .where(*_open_with_money(org_id), *changes.of_customers(Invoice.customer_id, customers))
        .group_by(Invoice.customer_id, Invoice.currency)
        .having(overdue_sum > 0)
    )
    return [tuple(r) for r in session.execute(query)]


def aging_by_customer(
    session: Session,
    org_id: int,
    ranges: Sequence[tuple[date | None, date | None]],
    customers: Sequence[int | None] | None,
) -> list[tuple[Any, ...]]:
    """Per customer and currency: the open amount due in each of ``ranges``."""
    sums = [
        cast(func.sum(case((_due_within(*r), Invoice.open_amount), else_=0)), BigInteger)
        for r in ranges
    ]
    query = (
        select(Invoice.customer_id, Invoice.currency, *sums)
        .where(*_open_with_money(org_id), *changes.of_customers(Invoice.customer_id, customers))
        .group_by(Invoice.customer_id, Invoice.currency)
    )
    return [tuple(r) for r in session.execute(query)]


def credit_sales_by_customer(
    session: Session,
    org_id: int,
    start: date,
    end: date,
    customers: Sequence[int | None] | None,
) -> list[tuple[Any, ...]]:
    """Per customer and currency: the total of the open and paid invoices issued
    ``start``..``end``."""
    query = (
        select(
            Invoice.customer_id, Invoice.currency, cast(func.sum(Invoice.total_amount), BigInteger)
        )
        .where(
            Invoice.org_id == org_id,
            Invoice.issue_date >= start,
            Invoice.issue_date <= end,
            Invoice.status.in_([InvoiceStatus.OPEN, InvoiceStatus.PAID]),
            *changes.of_customers(Invoice.customer_id, customers),
        )
        .group_by(Invoice.customer_id, Invoice.currency)
    )
    return [tuple(r) for r in session.execute(query)]


def unapplied_by_currency(session: Session, org_id: int) -> tuple[dict[str, int], dict[str, int]]:
    """Per currency: unallocated payment money, and open credit-note money."""
    payments = session.execute(
        select(Payment.currency, func.sum(Payment.unallocated_amount))
        .where(Payment.org_id == org_id, Payment.unallocated_amount > 0)
        .group_by(Payment.currency)
    )
    credits = session.execute(
        select(CreditNote.currency, func.sum(CreditNote.open_amount))
        .where(
            CreditNote.org_id == org_id,
            CreditNote.status == CreditNoteStatus.OPEN,
            CreditNote.open_amount > 0,
        )
        .group_by(CreditNote.currency)
    )
    return {r[0]: int(r[1]) for r in payments}, {r[0]: int(r[1]) for r in credits}


def oldest_open_by_customer(
    session: Session, org_id: int, customers: Sequence[int | None] | None
) -> list[tuple[Any, ...]]:
    """``(customer, due date of its oldest open invoice)`` of customers with money open."""
    rows = session.execute(
        select(Invoice.customer_id, func.min(Invoice.due_date))
        .where(*_open_with_money(org_id), *changes.of_customers(Invoice.customer_id, customers))
        .group_by(Invoice.customer_id)
    )
    return [(r[0], r[1]) for r in rows]


def _collector_in(assignees: Sequence[str], column: Any = None) -> Any:
    """Customers whose collector is one of ``assignees`` (trimmed, case aside)."""
    collector = Customer.collector if column is None else column
    return func.lower(func.trim(collector)).in_([a.strip().lower() for a in assignees])


def _customer_search(search: str, also: Sequence[Any] = ()) -> Any:
    """``search`` (case aside) in the customer's name or external id, or in ``also``."""
    pattern = f"%{search.lower()}%"
    texts = [Customer.name, Customer.external_id, *also]
    return or_(*(func.lower(t).like(pattern) for t in texts))


def customer_ids(session: Session, org_id: int) -> list[int]:
    """Every customer's id, ascending: the primary key's index alone, no row read."""
    query = select(Customer.id).where(Customer.org_id == org_id).order_by(Customer.id)
    return list(session.scalars(query))


def customer_ids_where(
    session: Session,
    org_id: int,
    collector: str | None,
    assignees: Sequence[str] | None,
    tag: str,
    search: str,
) -> set[int]:
    """The ids of the customers with ``collector`` (as stored), one of ``assignees``,
    ``tag`` and ``search`` in their name or external id (None / empty: any)."""
    conditions: list[Any] = [Customer.org_id == org_id]
    if collector is not None:
        conditions.append(Customer.collector == collector)
    if assignees is not None:
        conditions.append(_collector_in(assignees))
    if tag:
        conditions.append(cast(Customer.tags, String).contains(f'"{tag}"', autoescape=True))
    if search:
        pattern = f"%{search.lower()}%"
        conditions.append(
            or_(
                func.lower(Customer.name).like(pattern),
                func.lower(Customer.external_id).like(pattern),
            )
        )
    return set(session.scalars(select(Customer.id).where(*conditions)))


def customer_summaries(
    session: Session, org_id: int, customer_ids: Sequence[int]
) -> dict[int, Any]:
    """``id -> row`` of some customers: what the worklist and assignments show."""
    if not customer_ids:
        return {}
    rows = session.execute(
        select(
            Customer.id,
            Customer.external_id,
            Customer.name,
            Customer.collector,
            Customer.credit_limit_amount,
            Customer.status,
            Customer.country,
            Customer.tags,
        ).where(Customer.org_id == org_id, Customer.id.in_(customer_ids))
    )
    return {r.id: r for r in rows}


def collectors_named(session: Session, org_id: int) -> list[str]:
    """The distinct collectors on the organisation's customers, in order (none left out)."""
    found = session.scalars(
        select(Customer.collector)
        .where(Customer.org_id == org_id)
        .distinct()
        .order_by(Customer.collector)
    )
    return [c for c in found if c]


def customer_tag_lists(session: Session, org_id: int) -> list[str]:
    """The distinct tag lists of the organisation's customers, as JSON text."""
    return [
        value or "[]"
        for value in session.scalars(
            select(cast(Customer.tags, String)).where(Customer.org_id == org_id).distinct()
        )
    ]


def customer_directory(session: Session, org_id: int) -> Sequence[Any]:
    """``name, id, collector, country, tags`` of every customer by name, then id."""
    return session.execute(
        select(Customer.name, Customer.id, Customer.collector, Customer.country, Customer.tags)
        .where(Customer.org_id == org_id)
        .order_by(Customer.name, Customer.id)
    ).all()


INVOICE_LIST_SORTS = {
    "number": Invoice.number,
    "customer": Customer.name,
    "issue_date": Invoice.issue_date,
    "due_date": Invoice.due_date,
    "total": Invoice.total_amount,
    "open": Invoice.open_amount,
}
_CUSTOMER_OF_INVOICE = and_(Customer.org_id == Invoice.org_id, Customer.id == Invoice.customer_id)


def _invoice_list_conditions(org_id: int, match: Any) -> list[Any]:
    """``match``'s conditions (an ``InvoiceMatch``); only a search and a scope read the
    customer."""
    conditions: list[Any] = [Invoice.org_id == org_id]
    if match.status != "all":
        conditions.append(Invoice.status == match.status)
    if match.currency:
        conditions.append(Invoice.currency == match.currency)
    if match.overdue_on is not None:
        conditions += [Invoice.due_date < match.overdue_on, Invoice.open_amount > 0]
    if match.customer_id is not None:
        conditions.append(Invoice.customer_id == match.customer_id)
    if match.assignees is not None:
        conditions.append(_collector_in(match.assignees))
    if match.search:
        conditions.append(_customer_search(match.search, (Invoice.number, Invoice.po_number)))
    return conditions


def _needs_customer(match: Any) -> bool:
    """Whether ``match``'s conditions read the customer (its order aside)."""
    return bool(match.search) or match.assignees is not None


def _invoice_list_order(match: Any) -> list[Any]:
    column = INVOICE_LIST_SORTS.get(match.sort, Invoice.due_date)
    if match.descending:
        return [column.desc(), Invoice.id.desc()]
    return [column.asc(), Invoice.id]


def _invoice_list_query(org_id: int, match: Any) -> Select[*tuple[Any, ...]]:
    return (
        select(
            Invoice.id,
            Invoice.number,
            Invoice.customer_id,
            Customer.external_id,
            Customer.name,
            Invoice.issue_date,
            Invoice.due_date,
            Invoice.currency,
            Invoice.total_amount,
            Invoice.open_amount,
            Invoice.status,
            Invoice.po_number,
        )
        .join(Customer, _CUSTOMER_OF_INVOICE)
        .where(*_invoice_list_conditions(org_id, match))
        .order_by(*_invoice_list_order(match))
    )


def invoice_list_page(
    session: Session, org_id: int, match: Any, limit: int, offset: int
) -> Sequence[Any]:
    """One page of the invoices ``match`` finds, with their customers' ids and names."""
    query = _invoice_list_query(org_id, match)
    if _needs_customer(match) or match.sort == "customer":  # the page's ids need the names
        return session.execute(query.limit(limit).offset(offset)).all()
    # The page's invoices first (one index), then their customers: a join before the
    # offset looked up the customer of every invoice skipped.
    page = (
        select(Invoice.id)
        .where(*_invoice_list_conditions(org_id, match))
        .order_by(*_invoice_list_order(match))
        .limit(limit)
        .offset(offset)
    )
    return session.execute(query.where(Invoice.id.in_(page.scalar_subquery()))).all()


def invoice_list_count(session: Session, org_id: int, match: Any) -> int:
    """How many invoices ``match`` finds: joined to customers only to search them (every
    invoice has its customer), so that a count of a million invoices reads one index."""
    query = select(func.count()).select_from(Invoice)
    if _needs_customer(match):
        query = query.join(Customer, _CUSTOMER_OF_INVOICE)
    return int(session.scalar(query.where(*_invoice_list_conditions(org_id, match))) or 0)


def invoice_list_stream(session: Session, org_id: int, match: Any) -> Iterator[Any]:
    """Every invoice ``match`` finds, in batches."""
    query = _invoice_list_query(org_id, match).execution_options(yield_per=2_000)
    yield from session.execute(query)


def _beside_customers(
    org_id: int,
    query: Select[*tuple[Any, ...]],
    customer_id: Any,
    match: Any,
    *,
    count: bool = False,
) -> Select[*tuple[Any, ...]]:
    """``query`` (another domain's rows) outer-joined with their customers (by
    ``customer_id``), narrowed by ``match`` (a ``CustomerMatch``); the customer's name
    and external id added as its last columns unless ``count``."""
    if not count:
        query = query.add_columns(
            func.coalesce(Customer.name, ""), func.coalesce(Customer.external_id, "")
        )
    query = query.outerjoin(Customer, and_(Customer.org_id == org_id, Customer.id == customer_id))
    if match.assignees is not None:
        in_scope = _collector_in(match.assignees, func.coalesce(Customer.collector, ""))
        if match.or_in_scope is not None:
            in_scope = or_(and_(customer_id.is_not(None), in_scope), match.or_in_scope)
        query = query.where(in_scope)
    if match.search:
        query = query.where(_customer_search(match.search, match.also_searched))
    return query


def _ordered_by_name(
    query: Select[*tuple[Any, ...]], by_name: bool, descending: bool, then: Sequence[Any]
) -> Select[*tuple[Any, ...]]:
    first = [Customer.name.desc() if descending else Customer.name.asc()] if by_name else []
    return query.order_by(*first, *then)


def rows_beside_customers(
    session: Session,
    org_id: int,
    rows: Select[*tuple[Any, ...]],
    customer_id: Any,
    match: Any,
    order: tuple[bool, bool, Sequence[Any]],
    limit: int | None,
    offset: int,
) -> Sequence[Any]:
    """``rows`` with their customers' names and external ids, narrowed by ``match``,
    ordered (by name first or not, descending or not, then by the caller's order) and
    paged."""
    query = _ordered_by_name(_beside_customers(org_id, rows, customer_id, match), *order)
    if limit is not None:
        query = query.limit(limit).offset(offset)
    return session.execute(query).all()


def count_beside_customers(
    session: Session, org_id: int, rows: Select[*tuple[Any, ...]], customer_id: Any, match: Any
) -> int:
    """The count ``rows`` selects, joined with the customers to be narrowed by ``match``."""
    return int(session.scalar(_beside_customers(org_id, rows, customer_id, match, count=True)) or 0)


def stream_beside_customers(
    session: Session,
    org_id: int,
    rows: Select[*tuple[Any, ...]],
    customer_id: Any,
    match: Any,
    order: tuple[bool, bool, Sequence[Any]],
) -> Iterator[Any]:
    """``rows_beside_customers`` unpaged, in batches."""
    query = _ordered_by_name(_beside_customers(org_id, rows, customer_id, match), *order)
    yield from session.execute(query.execution_options(yield_per=2_000))
