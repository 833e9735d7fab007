"""Reading a CSV or XLSX file into a header and rows of strings, within limits.

Files come from users, some careless and some hostile, so the reader streams: a row is
read, checked and handed on before the next is read, and the file is rejected at the
first row past a limit (rows, columns, characters in a cell) or that cannot be read
reliably (a quote mark never closed, a NUL character). An XLSX file is a zip archive:
the sizes its entries unpack to are checked before it is opened, and its own claim of
how large the sheet is (``<dimension>``) is ignored. A rejection is a ``RowsRejected``
naming the row (and the column where there is one), like every other import problem.
"""

import codecs
import csv
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from recoup.errors import InvalidInput, Problem, RowsRejected

_DELIMITERS = ",;\t|"
_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class Limits:
    """How much of a file an import reads before it refuses the file."""

    rows: int = 1_000_000  # data rows below the header (blank rows count)
    columns: int = 200
    cell_chars: int = 32_767  # Excel's own limit for a cell
    unpacked_bytes: int = 1 << 30  # XLSX: what its zip entries unpack to, together

    def __post_init__(self) -> None:
        # Python's csv module refuses longer fields itself, with a message of its own.
        if self.cell_chars > csv.field_size_limit():
            raise ValueError(f"cell_chars must be at most {csv.field_size_limit()}")


DEFAULT_LIMITS = Limits()


def read_table(
    path: Path, *, limits: Limits = DEFAULT_LIMITS
) -> tuple[list[str], Iterator[list[str]]]:
    """The header and data rows of a ``.csv`` or ``.xlsx`` file, every cell a string.

    The rows are read as they are consumed; ``RowsRejected`` is raised from the row
    iterator at the first row past ``limits`` or that cannot be read.
    """
    if not path.is_file():
        raise InvalidInput(f"no such file: {path}", field="file")
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        rows = _checked(_xlsx_rows(path, limits), limits)
    else:
        rows = _checked(_csv_rows(path, limits), limits)
    header = next(rows, None)
    if header is None:
        raise InvalidInput(f"{path.name} is empty", field="file")
    return [h.strip() for h in header], rows


def column_letter(index: int) -> str:
    """The spreadsheet name of the column at 0-based ``index`` (0 -> A, 27 -> AB).

    >>> column_letter(0), column_letter(27), column_letter(16383)
    ('A', 'AB', 'XFD')
    """
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _rejected(row: int, reason: str, column: str = "") -> RowsRejected:
    return RowsRejected([Problem(row, column, reason)])


def _checked(rows: Iterator[list[str]], limits: Limits) -> Iterator[list[str]]:
    """``rows`` numbered from 1 (the header), each checked against ``limits``.

    Trailing blank cells are dropped: exporters pad rows, and only written cells count
    towards the column limit.
    """
    header: Sequence[str] = ()
    last = limits.rows + 1
    for number, cells in enumerate(rows, start=1):
        if number > last:
            raise _rejected(
                number, f"the file has more than {limits.rows:,} rows; split it into smaller files"
            )
        while cells and not cells[-1]:
            cells.pop()
        if len(cells) > limits.columns:
            raise _too_wide(number, len(cells), limits)
        joined = "\x1f".join(cells)  # one look at the whole row; cells only on a hit
        if "\x00" in joined or (
            len(joined) > limits.cell_chars and max(map(len, cells)) > limits.cell_chars
        ):
            _check_cells(number, cells, header, limits)
        if number == 1:
            header = cells
        yield cells


def _too_wide(number: int, width: int, limits: Limits) -> RowsRejected:
    return _rejected(
        number,
        f"the row has cells up to column {column_letter(width - 1)} ({width:,}); "
        f"at most {limits.columns} columns are read",
    )


def _check_cells(number: int, cells: list[str], header: Sequence[str], limits: Limits) -> None:
    for index, cell in enumerate(cells):
        name = header[index].strip() if index < len(header) else ""
        column = name or f"column {column_letter(index)}"
        if len(cell) > limits.cell_chars:
            raise _rejected(
                number,
                f"the cell has {len(cell):,} characters; at most {limits.cell_chars:,}",
                column,
            )
        if "\x00" in cell:
            raise _rejected(
                number, "the cell holds a NUL character (is this a binary file?)", column
            )


# --- CSV ---


def _encoding(path: Path) -> str:
    """UTF-16 by its byte-order mark, else UTF-8 if the whole file decodes as such
    (checked a chunk at a time), else Windows-1252."""
    with path.open("rb") as handle:
        start = handle.read(4)
        if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        handle.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := handle.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8-sig"


def _csv_rows(path: Path, limits: Limits) -> Iterator[list[str]]:
    encoding = _encoding(path)
    with path.open(encoding=encoding, newline="") as handle:
        try:
            sample = handle.read(8192)
            handle.seek(0)
            try:
                dialect: Any = csv.Sniffer().sniff(sample, delimiters=_DELIMITERS)
            except csv.Error:
                dialect = csv.excel
            yield from _csv_records(handle, dialect, limits)
        except UnicodeDecodeError:
            raise InvalidInput(
                f"{path.name} is neither UTF-8 nor Windows-1252 text", field="file"
            ) from None


def _csv_records(handle: IO[str], dialect: Any, limits: Limits) -> Iterator[list[str]]:
    # Strict: a quote never closed is an error at the end of the file, not one cell
    # holding every row after it; text after a closing quote is an error too. Quotes
    # inside a quoted cell are doubled (RFC 4180) whatever the sniffer guessed from a
    # sample that had none.
    reader = csv.reader(handle, dialect, strict=True, doublequote=True)
    number = 0
    while True:
        line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise _rejected(number + 1, _csv_reason(str(error), line, limits)) from None
        number += 1
        yield cells


def _csv_reason(error: str, line: int, limits: Limits) -> str:
    if "end of data" in error:
        return (
            f"a quote mark on line {line} is never closed, so every row after it would be "
            'read as one cell (a quote inside a quoted cell is written twice: "")'
        )
    if "field limit" in error:
        return (
            f"a cell from line {line} on is longer than {limits.cell_chars:,} characters, "
            "or a quote mark in it is never closed"
        )
    if "expected after" in error:
        return (
            f"text follows a closing quote mark on line {line} "
            '(a quote inside a quoted cell is written twice: "")'
        )
    return f"line {line} cannot be read as CSV ({error})"


# --- XLSX ---


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        # The shortest repr is what Excel showed; Decimal keeps it exact from here on.
        return str(Decimal(repr(value)))
    return str(value).strip()


def _check_archive(path: Path, limits: Limits) -> None:
    """Refuse an archive that would unpack to more than the limit, before opening it.

    The declared sizes can be trusted: Python's zipfile stops at an entry's declared
    size and fails the CRC check if the data runs on.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(entry.file_size for entry in archive.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise InvalidInput(
            f"{path.name} is not a readable XLSX file: {exc}", field="file"
        ) from None
    if unpacked > limits.unpacked_bytes:
        raise InvalidInput(
            f"{path.name} unpacks to {unpacked / 2**20:,.0f} MB; "
            f"at most {limits.unpacked_bytes / 2**20:,.0f} MB are read",
            field="file",
        )


def _open_workbook(path: Path) -> Any:
    """The workbook in openpyxl's read-only mode, without reading any sheet's size.

    A sheet's ``<dimension>`` is the file's claim, not its content: trusted, one cell at
    XFD1048576 pads every row to 16,384 cells and the sheet to 1,048,576 rows; and where
    it is missing openpyxl scans the whole sheet for it while opening the file. So the
    sheets are opened unsized, and rows come as the sheet writes them.
    """
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    class UnsizedSheet(ReadOnlyWorksheet):  # type: ignore[misc]
        def _get_size(self) -> None:
            pass

    class Reader(ExcelReader):  # type: ignore[misc]
        def read_worksheets(self) -> None:
            for sheet, rel in self.parser.find_sheets():
                if rel.target in self.valid_files and "chartsheet" not in rel.Type:
                    ws = UnsizedSheet(self.wb, sheet.name, rel.target, self.shared_strings)
                    ws.sheet_state = sheet.state
                    self.wb._sheets.append(ws)

    reader = Reader(path, read_only=True, data_only=True)
    reader.read()
    return reader.wb


def _xlsx_rows(path: Path, limits: Limits) -> Iterator[list[str]]:
    _check_archive(path, limits)
    try:
        workbook = _open_workbook(path)
    except Exception as exc:  # openpyxl raises many kinds for a corrupt file
        raise InvalidInput(
            f"{path.name} is not a readable XLSX file: {exc}", field="file"
        ) from None
    try:
        sheet = workbook.active
        if sheet is None:
            raise InvalidInput(f"{path.name} has no worksheet to read", field="file")
        number = 0
        rows = sheet.iter_rows(values_only=True)
        while True:
            try:
                values = next(rows, None)
            except Exception as exc:  # a corrupt sheet fails part-way, in many ways
                raise _rejected(number + 1, f"the sheet cannot be read here: {exc}") from None
            if values is None:
                return
            number += 1
            width = len(values)
            while width and values[width - 1] is None:
                width -= 1
            if width > limits.columns:  # before converting 16,384 cells
                raise _too_wide(number, width, limits)
            yield [_cell(v) for v in values[:width]]
    finally:
        workbook.close()
