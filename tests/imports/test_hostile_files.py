"""Files a careless or hostile user uploads: refused quickly, in bounded memory, with the
row (and column) at fault, and nothing written — on SQLite and PostgreSQL alike."""

import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy.orm import Session

from recoup.errors import InvalidInput, RowsRejected
from recoup.imports.columns import Kind
from recoup.imports.readers import Limits
from recoup.imports.service import import_file
from recoup.ledger.models import Organisation
from tests.imports.conftest import CUSTOMERS, Importer, ledger_counts

INVOICES = "number,customer,issue_date,due_date,total,currency"


def problems_of(session: Session, org: Organisation, path: Path, **options: object) -> list[str]:
    """Import ``path`` as invoices expecting a rejection; its problems, nothing written."""
    before = ledger_counts(session)
    with pytest.raises(RowsRejected) as caught:
        import_file(session, org_id=org.id, kind=Kind.INVOICES, path=path, **options)  # type: ignore[arg-type]
    assert ledger_counts(session) == before
    return [str(problem) for problem in caught.value.problems]


@pytest.fixture
def customers(run_import: Importer) -> None:
    run_import("customers", CUSTOMERS)


# --- amounts: a letter is never dropped ---


@pytest.mark.usefixtures("customers")
@pytest.mark.parametrize("total", ["1O00.00", "12abc34", "1e3", "1e30"])
def test_an_amount_with_a_letter_is_not_an_amount(
    session: Session, org: Organisation, write_csv, total: str
) -> None:  # type: ignore[no-untyped-def]
    path = write_csv(f"{INVOICES}\nINV-1,C1,2026-01-01,2026-01-31,{total},EUR")
    assert problems_of(session, org, path) == [f"row 2, total: {total!r} is not an amount"]


# --- CSV that cannot be read reliably ---


@pytest.mark.usefixtures("customers")
@pytest.mark.parametrize("dry_run", [True, False])
def test_a_nul_character_is_a_row_error_not_a_database_crash(
    session: Session, org: Organisation, tmp_path: Path, dry_run: bool
) -> None:
    # PostgreSQL refuses NUL in text: the dry run used to pass and the import to crash.
    path = tmp_path / "nul.csv"
    path.write_bytes(
        f"{INVOICES}\nINV-1,C1,2026-01-01,2026-01-31,10.00,EUR\n"
        "INV-\x002,C1,2026-01-01,2026-01-31,10.00,EUR\n".encode()
    )
    assert problems_of(session, org, path, dry_run=dry_run) == [
        "row 3, number: the cell holds a NUL character (is this a binary file?)"
    ]


@pytest.mark.usefixtures("customers")
def test_a_field_over_128_kib_is_a_row_error(
    session: Session, org: Organisation, write_csv
) -> None:  # type: ignore[no-untyped-def]
    huge = "x" * (200 * 1024)
    path = write_csv(
        f"{INVOICES}\nINV-1,C1,2026-01-01,2026-01-31,10.00,EUR\nINV-2,{huge},2026-01-01,,1,EUR"
    )
    assert problems_of(session, org, path) == [
        "row 3: a cell from line 3 on is longer than 32,767 characters, "
        "or a quote mark in it is never closed"
    ]


@pytest.mark.usefixtures("customers")
def test_a_cell_over_the_cell_limit_names_its_column(
    session: Session, org: Organisation, write_csv
) -> None:  # type: ignore[no-untyped-def]
    path = write_csv(f"{INVOICES}\nINV-1,C1,2026-01-01,2026-01-31,10.00,EUR,{'y' * 40_000}")
    assert problems_of(session, org, path) == [
        "row 2, column G: the cell has 40,000 characters; at most 32,767"
    ]


@pytest.mark.usefixtures("customers")
def test_an_unterminated_quote_does_not_swallow_the_rows_after_it(
    session: Session, org: Organisation, write_csv
) -> None:  # type: ignore[no-untyped-def]
    path = write_csv(
        f"{INVOICES}\n"
        "INV-1,C1,2026-01-01,2026-01-31,10.00,EUR\n"
        'INV-2,"C1,2026-01-01,2026-01-31,20.00,EUR\n'
        "INV-3,C1,2026-01-01,2026-01-31,30.00,EUR\n"
        "INV-4,C1,2026-01-01,2026-01-31,40.00,EUR"
    )
    assert problems_of(session, org, path) == [
        "row 3: a quote mark on line 3 is never closed, so every row after it would be "
        'read as one cell (a quote inside a quoted cell is written twice: "")'
    ]


@pytest.mark.usefixtures("customers")
def test_text_after_a_closing_quote_is_a_row_error(
    session: Session, org: Organisation, write_csv
) -> None:  # type: ignore[no-untyped-def]
    path = write_csv(f'{INVOICES}\nINV-1,"C1"x,2026-01-01,2026-01-31,10.00,EUR')
    assert problems_of(session, org, path) == [
        "row 2: text follows a closing quote mark on line 2 "
        '(a quote inside a quoted cell is written twice: "")'
    ]


@pytest.mark.usefixtures("customers")
def test_a_quoted_cell_may_span_lines(run_import: Importer) -> None:
    text = f'{INVOICES},notes\nINV-1,C1,2026-01-01,2026-01-31,10.00,EUR,"two\nlines"'
    assert run_import("invoices", text).created == 1


# --- limits on rows, columns and size, checked while reading ---


@pytest.mark.usefixtures("customers")
def test_rows_past_the_limit_stop_the_import(
    session: Session, org: Organisation, write_csv
) -> None:  # type: ignore[no-untyped-def]
    rows = "\n".join(f"INV-{i},C1,2026-01-01,2026-01-31,1.00,EUR" for i in range(1, 12))
    path = write_csv(f"{INVOICES}\n{rows}")
    assert problems_of(session, org, path, limits=Limits(rows=10)) == [
        "row 12: the file has more than 10 rows; split it into smaller files"
    ]
    assert (
        import_file(
            session, org_id=org.id, kind=Kind.INVOICES, path=path, limits=Limits(rows=11)
        ).created
        == 11
    )


@pytest.mark.usefixtures("customers")
def test_columns_past_the_limit_stop_the_import(
    session: Session, org: Organisation, write_csv
) -> None:  # type: ignore[no-untyped-def]
    path = write_csv(f"{INVOICES}\nINV-1,C1,2026-01-01,2026-01-31,1.00,EUR{',x' * 300}")
    assert problems_of(session, org, path) == [
        "row 2: the row has cells up to column KT (306); at most 200 columns are read"
    ]
    padded = write_csv(f"{INVOICES}\nINV-1,C1,2026-01-01,2026-01-31,1.00,EUR{',' * 300}", "p.csv")
    assert import_file(session, org_id=org.id, kind=Kind.INVOICES, path=padded).created == 1


def _xlsx(path: Path, cells: dict[str, object]) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for ref, value in cells.items():
        sheet[ref] = value
    workbook.save(path)
    return path


@pytest.mark.usefixtures("customers")
def test_one_cell_at_xfd1048576_is_refused_in_seconds(
    session: Session, org: Organisation, tmp_path: Path
) -> None:
    # The file claims (and openpyxl used to fill) 1,048,576 rows of 16,384 cells: 745 s.
    header = dict(zip(("A1", "B1", "C1", "D1", "E1"), INVOICES.split(","), strict=False))
    path = _xlsx(tmp_path / "far.xlsx", {**header, "XFD1048576": "x"})
    assert path.stat().st_size < 8_000
    start = time.perf_counter()
    problems = problems_of(session, org, path)
    assert time.perf_counter() - start < 20
    assert problems == [
        "row 1000002: the file has more than 1,000,000 rows; split it into smaller files"
    ]


@pytest.mark.usefixtures("customers")
def test_a_cell_far_to_the_right_is_refused_before_the_row_is_read(
    session: Session, org: Organisation, tmp_path: Path
) -> None:
    header = dict(zip(("A1", "B1", "C1", "D1", "E1"), INVOICES.split(","), strict=False))
    path = _xlsx(tmp_path / "wide.xlsx", {**header, "A2": "INV-1", "XFD2": "x"})
    assert problems_of(session, org, path) == [
        "row 2: the row has cells up to column XFD (16,384); at most 200 columns are read"
    ]


def _many_rows_xlsx(path: Path, rows: int) -> Path:
    """A valid XLSX of an invoice header and ``rows`` rows of one number each, written
    straight as XML without a ``<dimension>`` (the probe used a 592 KB file of 2,000,000
    rows)."""
    template = _xlsx(path.with_name("template.xlsx"), {"A1": 1})
    with (
        zipfile.ZipFile(template) as source,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for entry in source.infolist():
            if entry.filename != "xl/worksheets/sheet1.xml":
                target.writestr(entry, source.read(entry))
                continue
            with target.open("xl/worksheets/sheet1.xml", "w") as sheet:
                sheet.write(
                    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
                    b'main"><sheetData><row>'
                    + b"".join(
                        b'<c t="inlineStr"><is><t>%s</t></is></c>' % name.encode()
                        for name in INVOICES.split(",")
                    )
                    + b"</row>"
                )
                for start in range(1, rows + 1, 10_000):
                    sheet.write(
                        b"<row><c><v>1</v></c></row>" * (min(start + 10_000, rows + 1) - start)
                    )
                sheet.write(b"</sheetData></worksheet>")
    return path


def test_two_million_rows_are_refused_at_the_limit_in_bounded_memory(
    session: Session, org: Organisation, tmp_path: Path
) -> None:
    path = _many_rows_xlsx(tmp_path / "long.xlsx", 2_000_000)
    assert path.stat().st_size < 1_000_000
    start = time.perf_counter()
    tracemalloc.start()
    try:
        problems = problems_of(session, org, path, limits=Limits(rows=50_000))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - start < 30
    assert problems == [
        "row 50002: the file has more than 50,000 rows; split it into smaller files"
    ]
    assert peak < 100 * 2**20


def test_an_archive_that_unpacks_past_the_limit_is_refused_before_it_is_opened(
    session: Session, org: Organisation, tmp_path: Path
) -> None:
    path = _many_rows_xlsx(tmp_path / "bomb.xlsx", 60_000)
    with pytest.raises(InvalidInput, match=r"bomb.xlsx unpacks to \d MB; at most 1 MB are read"):
        import_file(
            session,
            org_id=org.id,
            kind=Kind.INVOICES,
            path=path,
            limits=Limits(unpacked_bytes=2**20),
        )
