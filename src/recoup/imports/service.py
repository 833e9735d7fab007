"""Running an import: read the file, plan against the ledger, write all or nothing.

An import either writes every row or none: a batch is written only while no row so far
was refused, what was written is taken back when a later row is (a savepoint), and the
caller's transaction rolls back if anything fails while writing.
"""

import contextvars
import dataclasses
import itertools
import pickle
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager, nullcontext, suppress
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Any

from babel.numbers import format_currency
from sqlalchemy.orm import Session

from recoup import money
from recoup.audit.service import defers as audit_defers
from recoup.charges import service as charges
from recoup.charges import terms as charge_terms
from recoup.charges.terms import TermsInput
from recoup.db import bulk
from recoup.errors import Problem, RowsRejected
from recoup.imports import core
from recoup.imports.columns import Kind, map_header
from recoup.imports.core import CustomerIndex, Plan, Record
from recoup.imports.fields import locale_date_order
from recoup.imports.readers import DEFAULT_LIMITS, Limits, read_table
from recoup.ledger import queries
from recoup.ledger import service as ledger
from recoup.ledger.rows import CustomerRef, InvoiceSnap
from recoup.ledger.service import PlannedAllocation, RecordUpdate
from recoup.ledger.validators import languages_of

_ENTITY: dict[Kind, ledger.Entity] = {
    Kind.CUSTOMERS: "customers",
    Kind.CONTACTS: "contacts",
    Kind.INVOICES: "invoices",
    Kind.PAYMENTS: "payments",
    Kind.CREDIT_NOTES: "credit_notes",
}


@dataclass
class ImportResult:
    """What an import did (or, for a dry run, would do)."""

    kind: Kind
    rows: int
    created: int
    updated: int
    unchanged: int
    allocations: int = 0
    settlements: int = 0
    dry_run: bool = False
    changes: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "row 5: invoice INV-3 is Draft (...)"
    credit_notes: int = 0  # created or updated from an invoice report's credit rows
    ignored_columns: list[str] = field(default_factory=list)  # the file's headers, as written
    date_order: str = ""  # the organisation's day/month order, when the file never said

    def add(self, other: "ImportResult") -> None:
        """Fold a follow-on import (a customers file's contacts) into this result."""
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.changes += other.changes
        self.skipped += other.skipped

    def notes(self) -> list[str]:
        """What the summary says besides the counts: rows skipped on purpose, and the
        columns the import did not read."""
        lines = []
        if self.credit_notes:
            lines.append(f"{self.credit_notes} of them credit notes (negative or credit rows)")
        if self.skipped:
            lines.append(f"{len(self.skipped)} skipped: " + "; ".join(self.skipped))
        if self.ignored_columns:
            lines.append("ignored columns: " + ", ".join(self.ignored_columns))
        if self.date_order:
            first = "day" if self.date_order == "dmy" else "month"
            lines.append(
                f"dates read {first}-first (01/02/2026 is "
                f"{'1 February' if first == 'day' else 'January 2'}), the organisation's "
                "order: no date in the file says (choose the date order to read them "
                "otherwise: --date-order, or Date order on the import page)"
            )
        return lines


def import_file(
    session: Session,
    *,
    org_id: int,
    kind: Kind,
    path: Path,
    dry_run: bool = False,
    date_order: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> ImportResult:
    """Import a CSV or XLSX file of ``kind`` into the organisation's ledger.

    The file is read as a stream within ``limits`` (rows, columns, cell size, unpacked
    size); past one, or at a row that cannot be read, nothing is written.
    """
    with bulk.gc_paused():
        return _import(
            session,
            org_id=org_id,
            kind=kind,
            read=lambda: read_table(path, limits=limits),
            dry_run=dry_run,
            date_order=date_order,
        )


def import_rows(
    session: Session,
    *,
    org_id: int,
    kind: Kind,
    header: list[str],
    rows: Iterable[Sequence[str]],
    dry_run: bool = False,
    date_order: str | None = None,
) -> ImportResult:
    """Import rows of strings under ``header`` (the file-independent part of an import).

    Raises ``RowsRejected`` listing every problem, with the file's own column names,
    before anything is written.
    """
    held = rows if isinstance(rows, Sequence) else list(rows)
    return _import(
        session,
        org_id=org_id,
        kind=kind,
        read=lambda: (header, iter(held)),
        dry_run=dry_run,
        date_order=date_order,
    )


#: Rows planned and written at a time by an import.
BATCH = 20_000


@dataclass
class _Batch:
    """A batch of rows planned: its plans (counted in the result and described by a dry
    run; the first one's kind is the file's), the problems besides the plans' own, and
    what to keep for writing (a plan first)."""

    plans: list[Plan]
    problems: list[Problem]
    kept: tuple[Plan, Any]


class _Planner:
    """One kind's part of an import: plans a batch of rows against the ledger as it is
    (remembering what later rows are checked against) and writes what it kept."""

    #: Whether the planner reads the ledger only inside ``reading()``, so that its
    #: batches can be written while the next ones are planned.
    overlaps = False

    def __init__(self, session: Session, org_id: int, **_: object) -> None:
        self.session, self.org_id = session, org_id
        self.reading: Callable[[], AbstractContextManager[None]] = nullcontext

    def plan(self, records: list[Record], problems: list[Problem]) -> _Batch:
        raise NotImplementedError

    def write(self, kept: tuple[Plan, Any]) -> None:
        _write(self.session, self.org_id, kept[0])

    def last(self) -> _Batch | None:
        """Rows held back and planned after every batch, written last."""
        return None

    def done(self) -> None:
        """Called once everything is written."""


def _import(
    session: Session,
    *,
    org_id: int,
    kind: Kind,
    read: Callable[[], tuple[list[str], Iterator[Sequence[str]]]],
    dry_run: bool,
    date_order: str | None,
) -> ImportResult:
    """Import a file in bounded memory: ``read`` opens the rows afresh for each pass
    over the file.

    A first pass finds the day/month order of the dates. The second checks and plans
    every row, a batch at a time, against the ledger as it is (the ledger's records
    with that batch's keys), the kind's planner keeping in memory only what later rows
    are checked against (keys, numbers, the money the file has applied) and the
    problems. The batches are written by ``_writer_for``'s writer: as they are planned
    (an invoice file on PostgreSQL, under a savepoint taken back when a row is refused),
    or from a temporary file once the whole file is checked: all or nothing either way.
    """
    header, rows, first_row = _find_header(kind, *read())
    indices, problems = map_header(kind, header)
    labels = {name: header[i] for name, i in indices.items()}
    if problems:
        raise RowsRejected(problems)
    country = ledger.get_organisation(session, org_id=org_id).country
    assumed: list[str] = []
    order, problem = core.file_date_order(
        kind,
        indices,
        core.numbered_rows(rows, indices, first_row),
        date_order=date_order,
        default_order=locale_date_order(country),
        assumed=assumed,
    )
    if problem is not None:
        raise RowsRejected([_label(problem, labels)])
    parse = core.record_parser(kind, indices, order)
    planner = _PLANNERS[kind](session, org_id, typed="type" in indices)
    _, rows, _ = _find_header(kind, *read())
    numbered = core.numbered_rows(rows, indices, first_row)
    result = ImportResult(kind, 0, 0, 0, 0, dry_run=dry_run)
    writer = _writer_for(session, planner, dry_run)
    try:
        while rows_read := list(itertools.islice(numbered, BATCH)):
            records, parse_problems = parse(rows_read)
            batch = planner.plan(records, parse_problems)
            problems += batch.problems
            for plan in batch.plans:
                problems += plan.problems
            _count(session, org_id, result, batch, len(records))
            if not (problems or dry_run):
                writer.add(batch.kept)
        writer.finish(write=not (problems or dry_run))
        last = planner.last()
        if last is not None:
            problems += last.problems
            for plan in last.plans:
                problems += plan.problems
            _count(session, org_id, result, last, 0)
            result.credit_notes = len(last.plans[0].creates) + len(last.plans[0].updates)
        if problems:
            raise RowsRejected([_label(p, labels) for p in problems])
        if last is not None and not dry_run:
            planner.write(last.kept)
        if not dry_run:
            planner.done()
    except BaseException:
        writer.discard()
        raise
    writer.close()
    result.ignored_columns = _ignored(header, indices)
    result.date_order = assumed[0] if assumed else ""
    return result


class _Spilled:
    """Writes an import's batches once every batch is planned: until then each batch's
    plan waits in a temporary file (memory stays bounded, and nothing is written while
    a later row may still be refused)."""

    def __init__(self, planner: "_Planner") -> None:
        self.planner, self.batches = planner, 0
        self.file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by finish or discard

    def add(self, kept: tuple[Plan, Any]) -> None:
        _spill(kept, self.file)
        self.batches += 1

    def finish(self, *, write: bool) -> None:
        self.file.seek(0)
        for _ in range(self.batches if write else 0):
            self.planner.write(_unspill(self.file))
        self.file.close()

    def discard(self) -> None:
        self.file.close()

    def close(self) -> None:
        pass


class _Overlapped:
    """Writes an import's batches while the next ones are planned, on PostgreSQL: the
    server stores batch n (its rows, their indexes and audit events: most of an
    import's time) on a thread of its own while this one plans batch n + 1 (reading
    and checking rows: the rest), so that the two cores work at once. All or nothing
    still: the writes go under a savepoint, rolled back when a row is refused
    (``discard``), and a batch is written only while no row so far was.

    One connection serves both: the planner reads the ledger inside ``reading()``,
    which waits for the write under way, and starts the next one once the reads are
    done. So batch n + 1 is planned against the ledger holding the file's batches up
    to n - 1 (a number or an external id seen in an earlier batch is the file's own,
    known to the planner before the ledger is looked at)."""

    def __init__(self, session: Session, planner: "_Planner") -> None:
        self.planner, self.savepoint = planner, session.begin_nested()
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="recoup-import-writer")
        self.running: Future[None] | None = None
        self.waiting: tuple[Plan, Any] | None = None
        planner.reading = self.reading

    @contextmanager
    def reading(self) -> Iterator[None]:
        self._wait()
        yield
        if self.waiting is not None:
            kept, self.waiting = self.waiting, None
            self.running = self.pool.submit(
                contextvars.copy_context().run, self.planner.write, kept
            )

    def _wait(self) -> None:
        running, self.running = self.running, None
        if running is not None:
            running.result()

    def add(self, kept: tuple[Plan, Any]) -> None:
        if self.waiting is not None:  # a planner that never reads: write it now
            self._wait()
            self.planner.write(self.waiting)
        self.waiting = kept

    def finish(self, *, write: bool) -> None:
        self._wait()
        kept, self.waiting = self.waiting, None
        if write and kept is not None:
            self.planner.write(kept)

    def discard(self) -> None:
        self.waiting = None
        try:
            with suppress(Exception):  # the error that stopped the import is the one raised
                self._wait()
        finally:
            self.pool.shutdown()
            if self.savepoint.is_active:
                self.savepoint.rollback()

    def close(self) -> None:
        self.pool.shutdown()
        self.savepoint.commit()


def _writer_for(session: Session, planner: "_Planner", dry_run: bool) -> "_Spilled | _Overlapped":
    """How an import writes its batches: overlapped with planning where the planner reads
    the ledger in ``reading()`` (an invoice file's), the database is PostgreSQL (SQLite
    writes in this process, and one at a time) and the session writes its audit events
    as it goes (a session that defers them to its commit cannot roll a savepoint back);
    else spilled to a temporary file and written at the end."""
    overlaps = (
        not dry_run
        and planner.overlaps
        and session.get_bind().dialect.name == "postgresql"
        and not audit_defers(session)
    )
    return _Overlapped(session, planner) if overlaps else _Spilled(planner)


def _count(session: Session, org_id: int, result: ImportResult, batch: _Batch, rows: int) -> None:
    """Add a batch's plans to ``result``; the first one's rows and allocations count
    when it is of the file's kind."""
    names = _customer_names(session, org_id, batch.plans) if result.dry_run else {}
    for n, plan in enumerate(batch.plans):
        done = _result(plan, rows if n == 0 else 0, result.dry_run, names)
        if n == 0 and plan.kind is result.kind:
            result.rows += done.rows
            result.allocations += done.allocations
            result.settlements += done.settlements
        result.add(done)


class _Invoices(_Planner):
    """An invoice file: rows repeating a number fold into one invoice; drafts are left
    out; credit rows are held, planned after every batch and written last (as credit
    notes)."""

    overlaps = True

    def __init__(self, session: Session, org_id: int, *, typed: bool) -> None:
        super().__init__(session, org_id)
        self.typed = typed
        self.customers = _customer_index(session, org_id)
        # A first load compares its rows with nothing: no invoice was in the ledger
        # when it began, and its own earlier rows are in ``seen``.
        self.first_load = not queries.has_invoices(session, org_id=org_id)
        self.sort_seen, self.seen = core.InvoiceRowsSeen(), core.InvoicesSeen()
        self.credit_rows: list[Record] = []
        self.batches = 0
        self.rebuild: list[str] | None = None  # None until the first write

    def plan(self, records: list[Record], problems: list[Problem]) -> _Batch:
        self.batches += 1
        sorted_rows = core.sort_invoice_rows(records, typed=self.typed, seen=self.sort_seen)
        # A row left out is not read: a draft's unfinished cells are no error.
        problems = [p for p in problems if p.row not in sorted_rows.skipped_rows]
        self.credit_rows += sorted_rows.credits
        plan = self._plan(sorted_rows.invoices)
        plan.skipped[:0] = sorted_rows.skipped
        return _Batch([plan], problems + sorted_rows.problems, (plan, None))

    def _plan(self, records: list[Record]) -> Plan:
        """The batch's rows planned against the ledger's invoices with the batch's
        external ids and numbers (none, in a first load)."""
        session, org_id = self.session, self.org_id
        ids = [r.values.get("external_id") or r.values.get("number", "") for r in records]
        numbers = [r.values.get("number", "") for r in records]
        with self.reading():
            if self.first_load:
                ids = numbers = []
            invoices = queries.invoice_snaps_with_external_ids(
                session, org_id=org_id, external_ids=ids
            )
            owners = queries.invoice_external_ids(session, org_id=org_id, numbers=numbers)
            settled = (
                _settled(session, org_id, [snap.id for snap in invoices])
                if any("open_balance" in r.values for r in records)
                else {}
            )
        return core.plan_invoices(
            records,
            self.customers,
            {snap.external_id: snap for snap in invoices},
            owners,
            settled,
            self.seen,
        )

    def write(self, kept: tuple[Plan, Any]) -> None:
        if self.rebuild is None:
            # A file of more than a batch into a table that holds no invoice at all (a
            # new installation's first book) loads without the read indexes, made
            # again at the end: several times cheaper than keeping them up row by row.
            large = self.batches > 1 and self.first_load
            self.rebuild = ledger.begin_bulk_load(self.session, entity="invoices") if large else []
        super().write(kept)

    def done(self) -> None:
        if self.rebuild:
            ledger.end_bulk_load(self.session, entity="invoices", statements=self.rebuild)

    def last(self) -> _Batch | None:
        del self.seen, self.sort_seen
        if not self.credit_rows:
            return None
        notes = _CreditNotes(self.session, self.org_id)
        return notes.plan(self.credit_rows, [])


class _Customers(_Planner):
    """A customers file: its rows may name a contact each, and contract terms."""

    def __init__(self, session: Session, org_id: int, **_: object) -> None:
        super().__init__(session, org_id)
        org = ledger.get_organisation(session, org_id=org_id)
        self.currency, self.languages = org.base_currency, languages_of(org.country)
        self.country = org.country
        self.seen: dict[str, int] = {}

    def plan(self, records: list[Record], problems: list[Problem]) -> _Batch:
        session, org_id = self.session, self.org_id
        keys = [_customer_key(r) for r in records]
        snaps = queries.customer_snaps(session, org_id=org_id, external_ids=keys)
        existing = {row.external_id: row._asdict() for row in snaps}
        refs = [
            CustomerRef(
                s.id, s.external_id, s.name, s.currency, s.payment_terms_days, s.payment_terms_basis
            )
            for s in snaps
        ]
        plan = core.plan_customers(
            records,
            existing,
            default_currency=self.currency,
            languages=self.languages,
            home_country=self.country,
            seen=self.seen,
        )
        # The contacts are planned against stand-in ids of the customers the plan
        # creates, and planned again with their real ids once those are written.
        # A row whose customer is refused says so once, not again for its contact.
        refused = {problem.row for problem in plan.problems}
        contact_records = [r for r in _contact_records(records) if r.row not in refused]
        contacts = _contact_plan(session, org_id, contact_records, plan, refs)
        terms, terms_problems = _customer_terms(records, refs, self.currency)
        changed = contact_records if contacts.creates or contacts.updates else []
        return _Batch([plan, contacts], problems + terms_problems, (plan, (changed, terms)))

    def write(self, kept: tuple[Plan, Any]) -> None:
        plan, (contact_records, terms) = kept
        _write(self.session, self.org_id, plan)
        contacts = _contact_plan(self.session, self.org_id, contact_records, Plan(Kind.CUSTOMERS))
        if contacts.creates or contacts.updates:
            _write(self.session, self.org_id, contacts)
        _write_terms(self.session, self.org_id, terms)


class _Contacts(_Planner):
    """A contacts file: each row names its customer."""

    def __init__(self, session: Session, org_id: int, **_: object) -> None:
        super().__init__(session, org_id)
        self.customers = _customer_index(session, org_id)
        self.seen: dict[str, int] = {}

    def plan(self, records: list[Record], problems: list[Problem]) -> _Batch:
        named = {
            c.id
            for r in records
            for c in self.customers.candidates(str(r.values.get("customer", "")))
        }
        existing = queries.contact_snaps(self.session, org_id=self.org_id, customer_ids=[*named])
        plan = core.plan_contacts(records, self.customers, existing, self.seen)
        return _Batch([plan], problems, (plan, None))


class _Applying(_Planner):
    """A file whose rows apply money to invoices: the money each batch applies
    (``core.Applied``), the next batches see."""

    def __init__(self, session: Session, org_id: int, **_: object) -> None:
        super().__init__(session, org_id)
        self.customers = _customer_index(session, org_id)
        self.applied = core.Applied()


class _Payments(_Applying):
    """A payments file: a new payment is allocated to the invoices it names; what one
    batch applies, the next batches see."""

    def plan(self, records: list[Record], problems: list[Problem]) -> _Batch:
        session, org_id = self.session, self.org_id
        numbers = [
            core.invoice_target_number(item)
            for record in records
            for item in record.values.get("invoices", [])
        ]
        named = _invoices_by_number(session, org_id, numbers)
        keys = [core.payment_external_id(r.values, self.customers, named) for r in records]
        payments = queries.payment_snaps(session, org_id=org_id, external_ids=keys)
        plan = core.plan_payments(
            records,
            self.customers,
            {snap.external_id: snap for snap in payments},
            named,
            _settled(session, org_id, [snap.id for snap in named.values()]),
            self.applied,
        )
        return _Batch([plan], problems, (plan, None))


class _CreditNotes(_Applying):
    """A credit notes file: one naming an invoice is applied to it; what one batch
    applies, the next batches see."""

    def plan(self, records: list[Record], problems: list[Problem]) -> _Batch:
        session, org_id = self.session, self.org_id
        numbers = [r.values.get("number", "") for r in records]
        keys = [r.values.get("external_id") or r.values.get("number", "") for r in records]
        notes = queries.credit_note_snaps(session, org_id=org_id, external_ids=keys)
        owners = queries.credit_note_external_ids(session, org_id=org_id, numbers=numbers)
        named = _invoices_by_number(
            session, org_id, [r.values["invoice"] for r in records if "invoice" in r.values]
        )
        plan = core.plan_credit_notes(
            records,
            self.customers,
            {n.external_id: n for n in notes},
            owners,
            named,
            _settled(session, org_id, [snap.id for snap in named.values()]),
            self.applied,
        )
        return _Batch([plan], problems, (plan, None))


_PLANNERS: dict[Kind, type[_Planner]] = {
    Kind.CUSTOMERS: _Customers,
    Kind.CONTACTS: _Contacts,
    Kind.INVOICES: _Invoices,
    Kind.PAYMENTS: _Payments,
    Kind.CREDIT_NOTES: _CreditNotes,
}


def _spill(kept: tuple[Plan, Any], file: IO[bytes]) -> None:
    """Write a batch's ``kept`` to ``file`` for ``_unspill``. The plan's creates, when
    they have the same keys in the same order (an invoice file's do), go as columns with
    dates as day numbers: several times faster to pickle than a dict and two dates per
    invoice."""
    plan, extra = kept
    keys = tuple(plan.creates[0]) if plan.creates else ()
    if not all(map(keys.__eq__, map(tuple, plan.creates))):
        pickle.dump((plan, extra, None, [], []), file, protocol=pickle.HIGHEST_PROTOCOL)
        return
    columns = [list(c) for c in zip(*(v.values() for v in plan.creates), strict=True)]
    dated = [i for i, c in enumerate(columns) if all(type(v) is date for v in c)]
    for i in dated:
        columns[i] = [v.toordinal() for v in columns[i]]
    rest = dataclasses.replace(plan, creates=[])
    pickle.dump((rest, extra, keys, dated, columns), file, protocol=pickle.HIGHEST_PROTOCOL)


def _unspill(file: IO[bytes]) -> tuple[Plan, Any]:
    """The next batch ``_spill`` wrote to ``file`` (a file this import wrote itself)."""
    plan, extra, keys, dated, columns = pickle.load(file)
    if keys is not None:
        for i in dated:
            columns[i] = list(map(date.fromordinal, columns[i]))
        plan.creates = [dict(zip(keys, row, strict=True)) for row in zip(*columns, strict=True)]
    return plan, extra


def _customer_names(session: Session, org_id: int, plans: Sequence[Plan]) -> dict[int, str]:
    """The names of the customers the plans' updates move records between, and of those
    the records created belong to, by id."""
    ids = [
        value
        for plan in plans
        for update in plan.updates
        for value in (update.before.get("customer_id"), update.after.get("customer_id"))
        if value is not None
    ] + [
        value
        for plan in plans
        for values in plan.creates
        if isinstance(value := values.get("customer_id"), int)
    ]
    if not ids:
        return {}
    return queries.customer_names(session, org_id=org_id, customer_ids=ids)


def _ignored(header: list[str], indices: dict[str, int]) -> list[str]:
    """The file's named columns the import does not read, in the file's order."""
    used = set(indices.values())
    return [name for i, name in enumerate(header) if name and i not in used]


def _find_header(
    kind: Kind, header: list[str], rows: Iterator[Sequence[str]], lookahead: int = 10
) -> tuple[list[str], Iterator[Sequence[str]], int]:
    """Skip report title lines above the real header (QuickBooks puts a few there).

    The header is the first of the top rows that names every required column; when
    none does, the row naming the most of them is reported as the header it failed to
    be (the first row when none names any).
    """
    top = [header, *(list(row) for row in itertools.islice(rows, lookahead))]
    missing = []
    for offset, candidate in enumerate(top):
        problems = map_header(kind, [str(c) for c in candidate])[1]
        if not problems:
            rest = itertools.chain(top[offset + 1 :], rows)
            return [str(c).strip() for c in candidate], rest, offset + 2
        missing.append(len(problems))
    closest = missing.index(min(missing))
    rest = itertools.chain(top[closest + 1 :], rows)
    return [str(c).strip() for c in top[closest]], rest, closest + 2


def _label(problem: Problem, labels: dict[str, str]) -> Problem:
    return Problem(problem.row, labels.get(problem.column, problem.column), problem.reason)


def _customer_index(session: Session, org_id: int) -> CustomerIndex:
    return CustomerIndex(queries.customer_refs(session, org_id=org_id))


def _settled(session: Session, org_id: int, invoice_ids: Sequence[int] | None) -> dict[int, int]:
    """What settlement payments have allocated, by invoice id (all, or ``invoice_ids``)."""
    if invoice_ids is not None and not invoice_ids:
        return {}
    settled: dict[int, int] = {}
    for allocation in ledger.settlement_allocations(
        session, org_id=org_id, prefix=core.SETTLEMENT_PREFIX, invoice_ids=invoice_ids
    ):
        settled[allocation.invoice_id] = settled.get(allocation.invoice_id, 0) + allocation.amount
    return settled


def _invoices_by_number(
    session: Session, org_id: int, numbers: Sequence[str]
) -> dict[str, InvoiceSnap]:
    invoices = queries.invoice_snaps_numbered(session, org_id=org_id, numbers=numbers)
    return {snap.number: snap for snap in invoices}


def _customer_key(record: Record) -> str:
    """The external id a customers file's row is known by (default: the name)."""
    return str(record.values.get("external_id") or record.values.get("name", "")).strip()


_CONTACT_COLUMNS = {"contact_name", "first_name", "last_name", "email", "phone", "mobile"}


def _contact_records(records: list[Record]) -> list[Record]:
    """The contacts a customers file's rows name, as a contacts file's rows."""
    return [
        Record(
            record.row,
            {
                "customer": record.values.get("external_id") or record.values.get("name", ""),
                "name": core.person_name(record.values),
                "email": record.values.get("email", ""),
                "phone": core.phone_of(record.values),
            },
        )
        for record in records
        if _CONTACT_COLUMNS & record.values.keys()
    ]


def _contact_plan(
    session: Session,
    org_id: int,
    records: list[Record],
    customers: Plan,
    refs: list[CustomerRef] | None = None,
) -> Plan:
    """The contacts ``records`` name, planned against their customers as they are now
    (``refs``, else read); customers the ``customers`` plan creates but has not written
    get stand-in ids."""
    if not records:
        return Plan(Kind.CONTACTS)
    if refs is None:
        keys = [str(r.values["customer"]) for r in records]
        refs = queries.customer_refs(session, org_id=org_id, external_ids=keys)
    index = CustomerIndex(refs)
    for offset, values in enumerate(customers.creates):
        index.by_id.setdefault(
            values["external_id"],
            CustomerRef(-1 - offset, values["external_id"], values["name"], values["currency"], 30),
        )
    existing = queries.contact_snaps(
        session, org_id=org_id, customer_ids=[c.id for c in index.by_pk.values() if c.id > 0]
    )
    return core.plan_contacts(records, index, existing)


_TERMS_COLUMNS = ("law", "interest_rate", "late_fee", "compensation")


def _customer_terms(
    records: list[Record], refs: list[CustomerRef], default: str
) -> tuple[list[tuple[str, TermsInput]], list[Problem]]:
    """The contract terms a customers file's rows set (by external id), checked per
    row (in the row's currency, else the customer's in ``refs``, else ``default``); an
    empty cell leaves that term as it is."""
    wanted = [r for r in records if any(str(r.values.get(c, "")).strip() for c in _TERMS_COLUMNS)]
    if not wanted:
        return [], []
    keys = [_customer_key(r) for r in wanted]
    known = {c.external_id: c for c in refs}
    found: list[tuple[str, TermsInput]] = []
    problems: list[Problem] = []
    for record, external_id in zip(wanted, keys, strict=True):
        v = record.values
        currency = str(v.get("currency", "")).strip().upper()
        if not money.is_currency(currency):
            existing = known.get(external_id)
            currency = existing.currency if existing else default
        terms, row_problems = charge_terms.terms_problems(
            record.row,
            currency=currency,
            law=str(v.get("law", "")),
            rate=str(v.get("interest_rate", "")),
            late_fee=str(v.get("late_fee", "")),
            compensation=str(v.get("compensation", "")),
        )
        problems += row_problems
        if terms is not None:
            found.append((external_id, terms))
    return found, problems


def _write_terms(session: Session, org_id: int, terms: list[tuple[str, TermsInput]]) -> None:
    if not terms:
        return
    keys = [external_id for external_id, _ in terms]
    customers = {
        c.external_id: c.id
        for c in queries.customer_refs(session, org_id=org_id, external_ids=keys)
    }
    for external_id, given in terms:
        charges.apply_terms(session, org_id=org_id, customer_id=customers[external_id], given=given)


def _write(session: Session, org_id: int, plan: Plan) -> None:
    entity = _ENTITY[plan.kind]
    ids = ledger.write_records(
        session,
        org_id=org_id,
        entity=entity,
        creates=plan.creates,
        updates=[RecordUpdate(u.id, u.before, u.after) for u in plan.updates],
    )
    settlements = [
        dataclasses.replace(s, invoice=core.Ref(False, ids[s.invoice.value]))
        if s.invoice.new
        else s
        for s in plan.settlements
    ]
    settlements += _unsettle(session, org_id, plan.unsettle)
    planned = [_resolve(a, ids) for a in plan.allocations]
    planned += [
        PlannedAllocation(
            invoice_id=s.invoice.value,
            invoice_open=s.invoice_open,
            invoice_status=s.invoice_status,
            currency=s.currency,
            amount=s.amount,
            on=s.on,
            payment_id=-1 - i,  # stands for the settlement payment, made below
            source_open=s.amount,
        )
        for i, s in enumerate(settlements)
    ]
    if plan.unsettle:
        planned = _rebased(session, org_id, planned)
    if settlements:
        made = len(planned) - len(settlements)
        creates = _settlement_payments(session, org_id, settlements, planned[made:])
        payment_ids = ledger.write_records(
            session, org_id=org_id, entity="payments", creates=creates
        )
        planned[made:] = [
            dataclasses.replace(p, payment_id=payment_id)
            for p, payment_id in zip(planned[made:], payment_ids, strict=True)
        ]
    if planned:
        ledger.write_allocations(session, org_id=org_id, planned=planned)


def _unsettle(session: Session, org_id: int, unsettle: Sequence[core.Unsettle]) -> list[Any]:
    """Take settlement money back from invoices: withdraw their settlement payments,
    newest first, until enough is back; what was taken back beyond that is settled again
    (the settlements to make, returned)."""
    if not unsettle:
        return []
    wanted: dict[int, list[core.Unsettle]] = {}
    for u in unsettle:
        wanted.setdefault(u.invoice_id, []).append(u)
    allocations = ledger.settlement_allocations(
        session, org_id=org_id, prefix=core.SETTLEMENT_PREFIX, invoice_ids=list(wanted)
    )
    resettle = []
    withdrawn: list[int] = []
    whys: set[str] = set()
    for invoice_id, items in wanted.items():
        need = sum(u.amount for u in items)
        why = "; ".join(dict.fromkeys(u.why for u in items))
        back = 0
        for allocation in (a for a in allocations if a.invoice_id == invoice_id):
            if back >= need:
                break
            withdrawn.append(allocation.payment_id)
            whys.add(f"invoice {items[0].invoice_number}: {why}")
            back += allocation.amount
        if back > need:
            resettle.append((invoice_id, back - need))
    if withdrawn:
        # One reason for all (one statement): the details when they are few.
        detail = "; ".join(sorted(whys)) if len(whys) <= 5 else f"{len(whys)} invoices"
        ledger.withdraw_payments(
            session,
            org_id=org_id,
            payment_ids=withdrawn,
            reason=f"settlement taken back by an import ({detail})",
        )
    invoices = {
        i.id: i
        for i in ledger.invoices_by_id(
            session, org_id=org_id, invoice_ids=[invoice_id for invoice_id, _ in resettle]
        )
    }
    return [
        core.Settlement(
            core.Ref(False, invoice_id),
            invoices[invoice_id].number,
            invoices[invoice_id].open_amount,
            invoices[invoice_id].status,
            invoices[invoice_id].customer_id,
            invoices[invoice_id].currency,
            amount,
            invoices[invoice_id].issue_date,
        )
        for invoice_id, amount in resettle
    ]


def _rebased(
    session: Session, org_id: int, planned: Sequence[PlannedAllocation]
) -> list[PlannedAllocation]:
    """``planned`` with each invoice's balance before it taken from the ledger as it is
    now (settlements were just taken back), in order."""
    current = queries.invoice_balances(
        session, org_id=org_id, invoice_ids=[p.invoice_id for p in planned]
    )
    rebased = []
    for p in planned:
        open_amount, status = current.get(p.invoice_id, (p.invoice_open, p.invoice_status))
        rebased.append(dataclasses.replace(p, invoice_open=open_amount, invoice_status=str(status)))
        left = open_amount - p.amount
        current[p.invoice_id] = (left, "paid" if left == 0 else status)
    return rebased


def _resolve(allocation: core.AllocationPlan, ids: list[int]) -> PlannedAllocation:
    def real(ref: core.Ref) -> int:
        return ids[ref.value] if ref.new else ref.value

    source = real(allocation.source)
    return PlannedAllocation(
        invoice_id=real(allocation.invoice),
        invoice_open=allocation.invoice_open,
        invoice_status=allocation.invoice_status,
        currency=allocation.currency,
        amount=allocation.amount,
        on=allocation.on,
        payment_id=source if allocation.source_is_payment else None,
        credit_note_id=None if allocation.source_is_payment else source,
        source_open=allocation.source_open,
    )


def _settlement_payments(
    session: Session,
    org_id: int,
    settlements: Sequence[core.Settlement],
    planned: Sequence[PlannedAllocation],
) -> list[dict[str, Any]]:
    """The payments that stand for the settlements, keyed by invoice and the balance
    they leave (``-2``, ``-3``... after a key in use)."""
    keys = [
        f"{core.SETTLEMENT_PREFIX}{s.invoice_number}-to-"
        + money.format_minor(p.invoice_open - p.amount, s.currency)
        for s, p in zip(settlements, planned, strict=True)
    ]
    taken = queries.payment_external_ids_in_use(session, org_id=org_id, external_ids=keys)
    creates = []
    for key, s in zip(keys, settlements, strict=True):
        unique, n = key, 1
        while unique in taken:
            n += 1
            unique = f"{key}-{n}"
        taken.add(unique)
        creates.append(_settlement_payment(s, unique))
    return creates


def _settlement_payment(settlement: core.Settlement, key: str) -> dict[str, Any]:
    return {
        "external_id": key,
        "customer_id": settlement.customer_id,
        "received_on": settlement.on,
        "currency": settlement.currency,
        "amount": settlement.amount,
        "unallocated_amount": settlement.amount,
        "method": "other",
        "reference": f"settled in the accounting system ({settlement.invoice_number})",
        "payer_name": "",
        "payer_iban": "",
    }


_WHAT = {
    Kind.CUSTOMERS: "customer",
    Kind.CONTACTS: "contact",
    Kind.INVOICES: "invoice",
    Kind.PAYMENTS: "payment",
    Kind.CREDIT_NOTES: "credit note",
}
_FIELD_WORDS = {
    "customer_id": "customer",
    "open_amount": "open balance",
    "unallocated_amount": "unallocated",
    "payment_terms_days": "payment terms (days)",
    "external_id": "account number",
}


def _change_in_words(
    field_name: str, before: Any, after: Any, update: core.Update, names: dict[int, str]
) -> str:
    """``total £1,260.00 → £1,200.00``, ``customer Calder → Brampton``: a person's words,
    not ids or minor units."""
    word = _FIELD_WORDS.get(field_name, field_name.removesuffix("_amount").replace("_", " "))

    def text(value: Any) -> str:
        if value is None or value == "" or value == []:
            return "(none)"
        if field_name == "customer_id":
            return names.get(value, "an unknown customer")
        if field_name.endswith("_amount") and isinstance(value, int) and update.currency:
            return _money(value, update.currency)
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, list):
            return ", ".join(map(str, value))
        return str(value)

    return f"{word} {text(before)} → {text(after)}"


def _describe(plan: Plan, names: dict[int, str]) -> list[str]:
    lines = [
        f"row {row}: create {_created(plan.kind, values, names)}"
        for row, values in zip(plan.create_rows, plan.creates, strict=True)
    ]
    for update in plan.updates:
        changes = ", ".join(
            _change_in_words(k, update.before.get(k), update.after[k], update, names)
            for k in update.after
        )
        label = update.label or "record"
        lines.append(f"row {update.row}: update {_WHAT[plan.kind]} {label}: {changes}")
    lines += [f"settle {_money(s.amount, s.currency)} of invoice {s.invoice_number}"
              for s in plan.settlements]  # fmt: skip
    lines += [
        f"take back {_money(u.amount, u.currency)} settled on invoice {u.invoice_number} ({u.why})"
        for u in plan.unsettle
    ]
    return lines


def _money(minor: int, currency: str) -> str:
    """``£5,760.00``: an amount as a person reads it."""
    return str(format_currency(money.from_minor(minor, currency), currency, locale="en"))


def _created(kind: Kind, values: dict[str, Any], names: dict[int, str]) -> str:
    """A record to be created, as a person names it: a payment by its amount, payer and
    day (its key may be a digest), anything else by its number, key, email or name."""
    if kind is not Kind.PAYMENTS or not isinstance(values.get("amount"), int):
        return _name(values)
    amount = _money(values["amount"], str(values["currency"]))
    who = (
        names.get(values.get("customer_id") or 0) or values.get("payer_name") or "an unnamed payer"
    )
    day = values["received_on"]
    text = f"payment of {amount} from {who} on {day.day} {day:%b %Y}"
    return text + (f" (reference {values['reference']})" if values.get("reference") else "")


def _name(values: dict[str, Any]) -> str:
    for key in ("number", "external_id", "email", "name"):
        if values.get(key):
            return str(values[key])
    return "record"


def _result(
    plan: Plan, rows: int, dry_run: bool, names: dict[int, str] | None = None
) -> ImportResult:
    return ImportResult(
        kind=plan.kind,
        rows=rows,
        created=len(plan.creates),
        updated=len(plan.updates),
        unchanged=plan.unchanged,
        allocations=len(plan.allocations),
        settlements=len(plan.settlements),
        dry_run=dry_run,
        changes=_describe(plan, names or {}) if dry_run else [],
        skipped=list(plan.skipped),
    )
