"""Bank statements in: camt.052/053/054, MT940, OFX/QFX and CSV (through a profile),
each read into the same ``Statement`` / ``StatementLine`` (pure, no database).

>>> FORMATS
('camt052', 'camt053', 'camt054', 'mt940', 'ofx', 'csv')
"""

from collections import Counter
from dataclasses import replace
from decimal import Decimal

from recoup.cashapp.formats.csvfile import CsvProfile, read_csv
from recoup.cashapp.formats.detect import FORMATS, detect
from recoup.cashapp.formats.errors import StatementError
from recoup.cashapp.statement import Statement
from recoup.money import is_currency, quantize

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
    try:
        statements = _read(data, kind, profile)
    except StatementError as error:
        if format != "auto":
            # Said to be one format, the file may well be another: say so.
            try:
                found = detect(data, filename)
            except StatementError:
                found = kind
            if found != kind and f"is a {found}" not in error.message:
                hinted = StatementError(
                    f"{error.message} (the file looks like {found}, not {kind})"
                )
                hinted.format, hinted.line, hinted.entry = error.format, error.line, error.entry
                raise hinted from None
        raise
    return _unique_bank_ids(tuple(_in_minor_units(statement) for statement in statements))


def _in_minor_units(statement: Statement) -> Statement:
    """Amounts to the currency's minor unit (MT940's "300," is 300.00 EUR, as camt's
    "300.00"), so the same payment reads the same in every format; an amount finer than
    the currency allows is refused."""
    where = f"statement {statement.statement_id}" if statement.statement_id else ""

    def exact(amount: Decimal, currency: str, what: str) -> Decimal:
        if not is_currency(currency):
            raise StatementError(
                f"{what}: {currency!r} is not an ISO 4217 currency",
                format=statement.format,
                entry=where,
            )
        rounded = quantize(amount, currency)
        if rounded != amount:
            raise StatementError(
                f"{what}: {amount} has more decimals than {currency} allows",
                format=statement.format,
                entry=where,
            )
        return rounded

    lines = []
    for number, line in enumerate(statement.lines, start=1):
        amount = exact(
            line.amount, line.currency, f"transaction {number} (booked {line.booking_date})"
        )
        # Most lines are already written to the minor unit: keep them as they are.
        same = amount.as_tuple().exponent == line.amount.as_tuple().exponent
        lines.append(line if same else replace(line, amount=amount))
    opening, closing = statement.opening_balance, statement.closing_balance
    if statement.currency:
        if opening is not None:
            opening = exact(opening, statement.currency, "opening balance")
        if closing is not None:
            closing = exact(closing, statement.currency, "closing balance")
    return replace(statement, lines=tuple(lines), opening_balance=opening, closing_balance=closing)


def _read(data: bytes, kind: str, profile: CsvProfile | None) -> tuple[Statement, ...]:
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
    return statements


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
