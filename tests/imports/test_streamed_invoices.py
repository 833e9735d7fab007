"""An invoice file is checked and written a batch of rows at a time: what one batch
learns (numbers, ids, line items) holds for the next, and a bad row in a late batch
still leaves nothing written. The batch is made 2 rows here so that a short file spans
several batches."""

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from recoup.audit import service as audit
from recoup.errors import RowsRejected
from recoup.imports import service as imports
from recoup.ledger.models import Invoice, Organisation
from tests.imports.conftest import CUSTOMERS, Importer, ledger_counts

HEADER = "number,customer,issue_date,due_date,total,currency"
GOOD = "\n".join(
    f"INV-{n},C1,2026-01-0{n},2026-01-31,{n}00.00,EUR" for n in range(1, 8)
)  # 7 rows: 4 batches of 2


@pytest.fixture(autouse=True)
def small_batches(monkeypatch: pytest.MonkeyPatch, run_import: Importer) -> None:
    monkeypatch.setattr(imports, "BATCH", 2)
    run_import("customers", CUSTOMERS)


def _invoices(session: Session) -> dict[str, tuple[int, str]]:
    rows = session.execute(select(Invoice.number, Invoice.total_amount, Invoice.status))
    return {number: (total, status) for number, total, status in rows}


def test_every_batch_is_written(session: Session, run_import: Importer) -> None:
    result = run_import("invoices", f"{HEADER}\n{GOOD}")
    assert (result.rows, result.created, result.updated) == (7, 7, 0)
    assert _invoices(session) == {f"INV-{n}": (n * 10000, "open") for n in range(1, 8)}


def test_bad_rows_in_the_last_batch_leave_nothing_written(
    session: Session, run_import: Importer
) -> None:
    before = ledger_counts(session)
    text = f"""{HEADER}
{GOOD}
INV-8,C9,2026-01-01,2026-01-31,100.00,EUR
INV-9,C1,2026-01-01,2026-01-31,-1,EUR"""
    with pytest.raises(RowsRejected) as caught:
        run_import("invoices", text)
    assert [str(p) for p in caught.value.problems] == [
        "row 9, customer: unknown customer 'C9'",
        "row 10, total: must be zero or more, got -1",
    ]
    assert ledger_counts(session) == before


def test_a_number_repeated_batches_later_is_a_duplicate(
    session: Session, run_import: Importer
) -> None:
    before = ledger_counts(session)
    text = f"{HEADER}\n{GOOD}\nINV-2,C1,2026-02-01,2026-02-28,5.00,EUR"
    with pytest.raises(RowsRejected) as caught:
        run_import("invoices", text)
    assert [str(p) for p in caught.value.problems] == [
        "row 9, number: duplicate invoice number 'INV-2' in the file (also on row 3)"
    ]
    assert ledger_counts(session) == before


def test_a_line_item_batches_later_folds_into_its_invoice(
    session: Session, run_import: Importer
) -> None:
    result = run_import("invoices", f"{HEADER}\n{GOOD}\nINV-1,C1,2026-01-01,2026-01-31,100.00,EUR")
    assert (result.rows, result.created) == (8, 7)
    assert _invoices(session)["INV-1"] == (10000, "open")


def test_reimporting_updates_and_adds_nothing_twice(
    session: Session, org: Organisation, run_import: Importer
) -> None:
    run_import("invoices", f"{HEADER}\n{GOOD}")
    again = run_import("invoices", f"{HEADER}\n{GOOD}")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 7)
    changed = GOOD.replace(
        "INV-6,C1,2026-01-06,2026-01-31,600.00", "INV-6,C1,2026-01-06,2026-01-31,650.00"
    )
    third = run_import("invoices", f"{HEADER}\n{changed}")
    assert (third.created, third.updated, third.unchanged) == (0, 1, 6)
    assert session.scalar(select(func.count()).select_from(Invoice)) == 7
    assert _invoices(session)["INV-6"] == (65000, "open")
    checked, broken = audit.verify(session, org_id=org.id)
    assert broken is None
    assert checked > 0


def test_dates_late_in_the_file_decide_the_order(session: Session, run_import: Importer) -> None:
    """03/04/2026 in the first batch is read day-first because a later batch has 25/04."""
    text = f"""{HEADER}
INV-1,C1,03/04/2026,30/04/2026,100.00,EUR
INV-2,C1,03/04/2026,30/04/2026,100.00,EUR
INV-3,C1,25/04/2026,30/05/2026,100.00,EUR"""
    run_import("invoices", text)
    issued = {n: d for n, d in session.execute(select(Invoice.number, Invoice.issue_date))}
    assert issued["INV-1"].isoformat() == "2026-04-03"
    assert issued["INV-3"].isoformat() == "2026-04-25"


def test_a_dry_run_describes_every_batch(session: Session, run_import: Importer) -> None:
    before = ledger_counts(session)
    result = run_import("invoices", f"{HEADER}\n{GOOD}", dry_run=True)
    assert result.changes == [f"row {n + 1}: create INV-{n}" for n in range(1, 8)]
    assert ledger_counts(session) == before


def test_a_refused_file_takes_back_only_its_own_writes(
    session: Session, run_import: Importer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL a batch is written while the next one is planned, so a file refused
    at its last row has written its first batches already: they are taken back (a
    savepoint), and what the transaction did before the import stays."""
    run_import("invoices", f"{HEADER}\n{GOOD}")
    before = ledger_counts(session)
    written: list[int] = []
    write = imports._Invoices.write
    monkeypatch.setattr(
        imports._Invoices, "write", lambda self, kept: written.append(1) or write(self, kept)
    )
    later = GOOD.replace("INV-", "INV-1")
    with pytest.raises(RowsRejected) as caught:
        run_import("invoices", f"{HEADER}\n{later}\nINV-99,C1,2026-01-01,2026-01-31,-1,EUR")
    assert [str(p) for p in caught.value.problems] == ["row 9, total: must be zero or more, got -1"]
    overlapped = session.get_bind().dialect.name == "postgresql"
    assert len(written) == (3 if overlapped else 0)  # batches 1-3 went before row 9 was read
    assert ledger_counts(session) == before
    result = run_import("invoices", f"{HEADER}\n{later}")
    assert result.created == 7
    assert set(_invoices(session)) == {f"INV-{n}" for n in (*range(1, 8), *range(11, 18))}


def test_a_write_the_database_refuses_leaves_nothing(
    session: Session, org: Organisation, run_import: Importer
) -> None:
    """The database's own refusal of a batch written alongside the planning (here a
    constraint against INV-5, in the third batch) stops the import with that error and
    takes back the batches before it."""
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("the writes overlap the planning on PostgreSQL only")
    session.execute(
        text("ALTER TABLE invoices ADD CONSTRAINT test_no_inv5 CHECK (number <> 'INV-5') NOT VALID")
    )
    before = ledger_counts(session)
    with pytest.raises(Exception, match="test_no_inv5"):
        run_import("invoices", f"{HEADER}\n{GOOD}")
    assert ledger_counts(session) == before
    _checked, broken = audit.verify(session, org_id=org.id)
    assert broken is None


def _invoice_indexes(session: Session) -> dict[str, str]:
    """The invoice table's indexes and constraints, each with its definition."""
    rows = session.execute(
        text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'invoices'"
            " UNION ALL SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = 'invoices'::regclass"
        )
    )
    return {name: definition for name, definition in rows}


@pytest.mark.parametrize("refused", [False, True])
def test_a_first_book_loads_without_the_read_indexes_and_makes_them_again(
    session: Session,
    org: Organisation,
    run_import: Importer,
    monkeypatch: pytest.MonkeyPatch,
    refused: bool,
) -> None:
    """A file of several batches into a table of no invoice at all drops the invoice
    table's read indexes, foreign keys and unique constraints of its own (PostgreSQL)
    and makes the same again at the end; a refused file leaves them as they were. A
    later file keeps them."""
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("SQLite keeps its indexes")
    before = _invoice_indexes(session)
    dropped: list[list[str]] = []
    begin = imports.ledger.begin_bulk_load
    monkeypatch.setattr(
        imports.ledger,
        "begin_bulk_load",
        lambda session, entity: dropped.append(begin(session, entity=entity)) or dropped[-1],
    )
    bad = "\nINV-99,C1,2026-01-01,2026-01-31,-1,EUR" if refused else ""
    if refused:
        with pytest.raises(RowsRejected):
            run_import("invoices", f"{HEADER}\n{GOOD}{bad}")
    else:
        run_import("invoices", f"{HEADER}\n{GOOD}")
        assert _invoices(session) == {f"INV-{n}": (n * 10000, "open") for n in range(1, 8)}
    assert len(dropped) == 1
    assert "ix_invoices_org_customer" in " ".join(dropped[0])
    assert [s.split('"')[1] for s in dropped[0] if s.startswith("ALTER")] == [
        "uq_invoices_org_id_external_id",
        "uq_invoices_org_id_number",
        "fk_invoices_org_id_customer_id_customers",
        "fk_invoices_org_id_organisations",
    ]  # not (org_id, id), on which other tables' foreign keys rely, nor the primary key
    assert _invoice_indexes(session) == before
    if not refused:
        run_import("invoices", f"{HEADER}\n{GOOD.replace('INV-', 'INV-1')}")
        assert len(dropped) == 1  # the table holds invoices now
        checked, broken = audit.verify(session, org_id=org.id)
        assert broken is None
        assert checked > 0


def test_a_row_the_constraints_made_again_refuse_leaves_nothing(
    session: Session, org: Organisation, run_import: Importer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The constraints dropped for a first book check every row when they are made
    again: a duplicate number that got past the file's own checks (here, they are
    switched off) fails the import, and nothing of it stays."""
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("SQLite keeps its constraints")
    before, indexes = ledger_counts(session), _invoice_indexes(session)
    monkeypatch.setattr(imports.core.InvoicesSeen, "first", lambda self, *args: None)
    duplicate = f"{HEADER}\n{GOOD}\nINV-2,C1,2026-02-01,2026-02-28,5.00,EUR"
    with pytest.raises(Exception, match="could not create unique index"):
        run_import("invoices", duplicate)
    assert ledger_counts(session) == before
    assert _invoice_indexes(session) == indexes
    _checked, broken = audit.verify(session, org_id=org.id)
    assert broken is None


def test_a_role_that_does_not_own_the_table_keeps_its_indexes(
    session: Session, run_import: Importer
) -> None:
    """Where Recoup writes as a role that may not change the tables (migrations run as
    another), a first book loads with the indexes kept."""
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("SQLite keeps its indexes")
    before = _invoice_indexes(session)
    for statement in (
        "CREATE ROLE recoup_test_writer",
        "GRANT USAGE ON SCHEMA public TO recoup_test_writer",
        "GRANT ALL ON ALL TABLES IN SCHEMA public TO recoup_test_writer",
        "GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO recoup_test_writer",
        "SET LOCAL ROLE recoup_test_writer",
    ):
        session.execute(text(statement))
    assert imports.ledger.begin_bulk_load(session, entity="invoices") == []
    run_import("invoices", f"{HEADER}\n{GOOD}")
    assert len(_invoices(session)) == 7
    session.execute(text("RESET ROLE"))
    assert _invoice_indexes(session) == before
