"""Reference-rate tables as data: the CSV files in ``rates/`` and files users import.

A rate file is CSV with the header ``effective_from,rate_percent`` and one row per rate
change (an ISO date and a percentage, which may be negative). Lines starting with ``#``
are comments; a comment ``# source: ...`` names where the figures come from. Every line
is checked and all problems are reported together, each with its line number and field.

>>> table = parse_rate_table(
...     "# source: example\\neffective_from,rate_percent\\n2023-01-01,1.62\\n2016-07-01,-0.88\\n",
...     name="de_basiszins",
... )
>>> [(c.effective_from.isoformat(), c.rate_percent) for c in table.changes], table.source
([('2016-07-01', Decimal('-0.88')), ('2023-01-01', Decimal('1.62'))], 'example')
"""

import csv
import io
import re
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib.resources import files
from pathlib import Path

from recoup.charges.core import RateChange, RateTable
from recoup.errors import InvalidInput, Problem, RowsRejected

HEADER = ("effective_from", "rate_percent")
TABLE_NAME = re.compile(r"[a-z][a-z0-9_]{0,31}")
# A sanity bound, not a legal one: a typo such as 325 for 3.25 is caught.
MAX_ABS_RATE = Decimal(100)
MAX_DECIMALS = 4
# A comment such as "# Checked through 2026-02-05 (...)": the table is complete up to then.
CHECKED_THROUGH = re.compile(r"checked through:? (\d{4}-\d{2}-\d{2})", re.IGNORECASE)


class LineProblem(Problem):
    """A problem on one line of a data file (``row`` is the line number)."""

    def __str__(self) -> str:
        where = f"line {self.row}" if self.row else "file"
        return (
            f"{where}, {self.column}: {self.reason}" if self.column else f"{where}: {self.reason}"
        )


class RateFileRejected(RowsRejected):
    """A rate file has bad lines; ``problems`` lists every one and nothing was stored."""

    def __init__(self, file: str, problems: list[Problem]) -> None:
        super().__init__(problems)
        count = len(self.problems)
        self.file = file
        self.message = (
            f"{file}: {count} problem{'s' if count != 1 else ''} found; no rates were stored"
        )
        self.args = (self.message,)


def _rate(text: str) -> Decimal:
    cleaned = text.strip().removesuffix("%").strip()
    if "," in cleaned:
        raise ValueError(f"{text!r} is not a percentage (use a decimal point: 3.25)")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a percentage such as 3.25 or -0.88") from None
    if not value.is_finite():
        raise ValueError(f"{text!r} is not a percentage such as 3.25 or -0.88")
    if abs(value) > MAX_ABS_RATE:
        raise ValueError(f"{value} is out of range (-100 to 100); a rate of 3.25 % is 3.25")
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > MAX_DECIMALS:
        raise ValueError(f"{value} has more than {MAX_DECIMALS} decimals")
    return value


def validate_table_name(name: str) -> str:
    """A rate table's name: lower-case letters, digits and underscores.

    >>> validate_table_name("ecb_mro")
    'ecb_mro'
    """
    if not TABLE_NAME.fullmatch(name):
        raise InvalidInput(
            f"{name!r} is not a table name (lower-case letters, digits, _)", field="table"
        )
    return name


def parse_rate_table(text: str, *, name: str, file: str | None = None) -> RateTable:
    """The rate table in ``text``; ``RateFileRejected`` lists every bad line."""
    file = file or f"{name}.csv"
    problems: list[Problem] = []
    source = ""
    known_through: date | None = None
    header_seen = False
    changes: dict[date, tuple[int, RateChange]] = {}
    for number, line in enumerate(io.StringIO(text, newline=""), start=1):
        stripped = line.strip().lstrip("\ufeff")
        if not stripped:
            continue
        if stripped.startswith("#"):
            key, _, value = stripped.lstrip("#").strip().partition(":")
            if key.strip().lower() == "source" and not source:
                source = value.strip()
            checked = CHECKED_THROUGH.search(stripped)
            if checked:
                known_through = date.fromisoformat(checked.group(1))
            continue
        fields = [f.strip() for f in next(csv.reader([stripped]))]
        if not header_seen:
            header_seen = True
            if tuple(f.lower() for f in fields) != HEADER:
                problems.append(LineProblem(number, "", f"the header must be {','.join(HEADER)}"))
                break
            continue
        if len(fields) != len(HEADER):
            problems.append(
                LineProblem(number, "", f"expected 2 fields (date,rate), got {len(fields)}")
            )
            continue
        try:
            day = _day(fields[0])
        except ValueError as error:
            problems.append(LineProblem(number, "effective_from", str(error)))
            day = None
        try:
            rate = _rate(fields[1])
        except ValueError as error:
            problems.append(LineProblem(number, "rate_percent", str(error)))
            continue
        if day is None:
            continue
        if day in changes:
            first = changes[day][0]
            problems.append(LineProblem(number, "effective_from", f"{day} is also on line {first}"))
            continue
        changes[day] = (number, RateChange(day, rate))
    if not header_seen:
        problems.append(LineProblem(0, "", f"no header ({','.join(HEADER)}) and no rates"))
    elif not changes and not problems:
        problems.append(LineProblem(0, "", "no rates"))
    if problems:
        raise RateFileRejected(file, problems)
    return RateTable(name, tuple(changes[day][1] for day in sorted(changes)), source, known_through)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a date (YYYY-MM-DD)") from None


# Tables Recoup knows but does not ship figures for: they are filled by
# `recoup charges rates update` (or `rates import`). The NBP's average EUR rate in PLN,
# of every working day, converts Poland's EUR compensation.
IMPORT_ONLY = ("nbp_eur_pln",)


def known_table_names() -> tuple[str, ...]:
    """Every table name Recoup knows: the shipped ones and the import-only ones."""
    return tuple(sorted({*shipped_table_names(), *IMPORT_ONLY}))


def shipped_table_names() -> tuple[str, ...]:
    """Names of the rate tables shipped in ``rates/``, sorted."""
    folder = files("recoup.charges") / "rates"
    return tuple(
        sorted(
            entry.name.removesuffix(".csv")
            for entry in folder.iterdir()
            if entry.name.endswith(".csv")
        )
    )


@cache
def shipped_table(name: str) -> RateTable:
    """The shipped rate table ``name`` (validated on first use)."""
    if name not in shipped_table_names():
        known = ", ".join(shipped_table_names())
        raise InvalidInput(f"no rate table {name!r} (known: {known})", field="table")
    resource = files("recoup.charges") / "rates" / f"{name}.csv"
    return parse_rate_table(resource.read_text(encoding="utf-8"), name=name, file=resource.name)


def read_rate_file(path: Path, *, table: str | None = None) -> RateTable:
    """A user's rate file for the shipped table ``table`` (default: the file's name,
    e.g. ``ecb_mro.csv``), validated line by line."""
    name = validate_table_name(table or path.stem)
    if name not in known_table_names():
        known = ", ".join(known_table_names())
        raise InvalidInput(
            f"no rate table {name!r}: name one of {known} with --table", field="table"
        )
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidInput(f"cannot read {path}: {error}", field="file") from None
    return parse_rate_table(text, name=name, file=path.name)
