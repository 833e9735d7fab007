"""Reading a CSV or XLSX file into a header and rows of strings."""

import csv
import io
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from recoup.errors import InvalidInput

_DELIMITERS = ",;\t|"


def read_table(path: Path) -> tuple[list[str], Iterator[list[str]]]:
    """The header and data rows of a ``.csv`` or ``.xlsx`` file, every cell a string."""
    if not path.is_file():
        raise InvalidInput(f"no such file: {path}", field="file")
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        return _read_xlsx(path)
    return _read_csv(path)


def _decode(raw: bytes, path: Path) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InvalidInput(f"{path.name} is neither UTF-8 nor Windows-1252 text", field="file")


def _read_csv(path: Path) -> tuple[list[str], Iterator[list[str]]]:
    text = _decode(path.read_bytes(), path)
    try:
        dialect: Any = csv.Sniffer().sniff(text[:8192], delimiters=_DELIMITERS)
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    header = next(reader, None)
    if header is None:
        raise InvalidInput(f"{path.name} is empty", field="file")
    return [h.strip() for h in header], reader


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


def _read_xlsx(path: Path) -> tuple[list[str], Iterator[list[str]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a corrupt file
        raise InvalidInput(
            f"{path.name} is not a readable XLSX file: {exc}", field="file"
        ) from None
    rows = workbook.active.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        raise InvalidInput(f"{path.name} has no rows", field="file")
    return [_cell(h) for h in header], ([_cell(v) for v in row] for row in rows)
