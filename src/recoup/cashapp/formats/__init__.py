"""Bank statements in: camt.052/053/054, MT940, OFX/QFX and CSV (through a profile),
each read into the same ``Statement`` / ``StatementLine`` (pure, no database).

>>> FORMATS
('camt052', 'camt053', 'camt054', 'mt940', 'ofx', 'csv')
"""

from collections import Counter
from dataclasses import replace

from recoup.cashapp.formats.csvfile import CsvProfile, read_csv
from recoup.cashapp.formats.detect import FORMATS, detect
from recoup.cashapp.formats.errors import StatementError
from recoup.cashapp.statement import Statement

__all__ = ["FORMATS", "CsvProfile", "StatementError", "detect", "read"]


def read(
    data: bytes,
    *,
    format: str = "auto",
    profile: CsvProfile | None = None,
    filename: str = "",
) -> tuple[Statement, ...]:
    """The statements in ``data``, in the given ``format`` or the detected one.

    Raises ``StatementError`` naming the problem (and the line or entry) for a file that
    is not a well-formed statement of that format. A CSV file needs its ``profile``.
    Bank ids are unique within the result: a repeated one (a booking and its reversal
    under one reference) gets "#2", "#3"... in file order.
    """
    if format != "auto" and format not in FORMATS:
        raise StatementError(f"unknown format {format!r}; one of auto, {', '.join(FORMATS)}")
    kind = detect(data, filename) if format == "auto" else format
    if not data.strip():
        raise StatementError("the file is empty")
    if kind == "csv":
        if profile is None:
            raise StatementError(
                "a CSV statement needs a profile naming its columns (date, amount, ...)"
            )
        statements = read_csv(data, profile)
    # Each format's library is loaded when a file of it comes.
    elif kind == "mt940":
        from recoup.cashapp.formats.mt940 import read_mt940

        statements = read_mt940(data)
    elif kind == "ofx":
        from recoup.cashapp.formats.ofx import read_ofx

        statements = read_ofx(data)
    else:
        from recoup.cashapp.formats.camt import read_camt

        statements = read_camt(data)
        found = statements[0].format
        if found != kind:
            raise StatementError(f"the file is a {found}, not a {kind}", format=found)
    return _unique_bank_ids(statements)


def _unique_bank_ids(statements: tuple[Statement, ...]) -> tuple[Statement, ...]:
    counts = Counter(line.bank_id for statement in statements for line in statement.lines)
    if all(count == 1 for key, count in counts.items() if key):
        return statements
    seen: Counter[str] = Counter()
    result = []
    for statement in statements:
        lines = []
        for line in statement.lines:
            if line.bank_id and counts[line.bank_id] > 1:
                seen[line.bank_id] += 1
                if seen[line.bank_id] > 1:
                    line = replace(line, bank_id=f"{line.bank_id}#{seen[line.bank_id]}")
            lines.append(line)
        result.append(replace(statement, lines=tuple(lines)))
    return tuple(result)
