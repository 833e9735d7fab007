"""Bank CSV exports, read through a saved column profile.

Every bank lays its CSV out differently, so a ``CsvProfile`` names the columns (by
header or by 1-based number), the date order, the decimal separator, the delimiter and
the encoding. The same profile serves every file of that bank.
"""

import codecs
import csv
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from datetime import date
from decimal import Decimal
from io import StringIO
from typing import Any

from recoup.cashapp.formats.common import compact_iban, squash
from recoup.cashapp.formats.errors import StatementError
from recoup.cashapp.statement import Statement, StatementLine
from recoup.errors import InvalidInput
from recoup.money import is_currency, quantize

_FORMAT = "csv"
DATE_ORDERS = ("dmy", "mdy", "ymd")
_DATE = re.compile(r"^(\d{1,4})[./\- ](\d{1,2})[./\- ](\d{1,4})(?:[ T].*)?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_NUMBER = re.compile(r"^\d+(?:\.\d+)?$")
# Direction marks: English, German (Soll/Haben), ISO 20022 and plain signs.
_DEBIT_MARKS = frozenset({"D", "DR", "DEBIT", "DBIT", "S", "SOLL", "-"})
_CREDIT_MARKS = frozenset({"C", "CR", "CREDIT", "CRDT", "H", "HABEN", "+"})


@dataclass(frozen=True, slots=True)
class CsvProfile:
    """How to read one bank's CSV export.

    Columns are header names (matched ignoring case and surrounding spaces) or 1-based
    column numbers ("3"). Give either ``amount`` (signed: negative is money out) or
    ``credit`` and/or ``debit`` (each holding the amount of its direction).

    >>> profile = CsvProfile(name="sparkasse", date="Buchungstag", amount="Betrag",
    ...                      decimal_comma=True, delimiter=";")
    >>> CsvProfile.from_dict(profile.to_dict()) == profile
    True
    """

    name: str
    date: str
    amount: str = ""
    credit: str = ""
    debit: str = ""
    reference: str = ""
    payer: str = ""
    iban: str = ""
    # The statement's currency; ``currency_column`` overrides it per row.
    currency: str = "EUR"
    currency_column: str = ""
    bank_id: str = ""
    value_date: str = ""
    decimal_comma: bool = False
    date_order: str = "dmy"
    # "" sniffs the delimiter from the header line (``;``, ``,``, tab or ``|``).
    delimiter: str = ""
    encoding: str = "utf-8"
    # Lines before the header row (a bank's title, the account, the period), and after
    # the last row (a closing balance, a total).
    skip_rows: int = 0
    skip_footer: int = 0
    # The account the export is of (CSV files rarely say).
    account_iban: str = ""
    # A column saying the direction of an unsigned ``amount`` (S/H, D/C, Debit/Credit).
    direction: str = ""

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise InvalidInput("a profile needs a name", field="name")
        if not self.date.strip():
            raise InvalidInput("the date column is required", field="date")
        if bool(self.amount) == bool(self.credit or self.debit):
            raise InvalidInput(
                "give either an amount column or credit/debit columns, not both or neither",
                field="amount",
            )
        if self.date_order not in DATE_ORDERS:
            raise InvalidInput(
                f"{self.date_order!r} is not one of {', '.join(DATE_ORDERS)}", field="date_order"
            )
        if len(self.delimiter) > 1:
            raise InvalidInput("the delimiter is one character", field="delimiter")
        if not is_currency(self.currency):
            raise InvalidInput(f"{self.currency!r} is not an ISO 4217 currency", field="currency")
        for key in ("skip_rows", "skip_footer"):
            if getattr(self, key) < 0:
                raise InvalidInput("cannot be negative", field=key)
        if self.direction and not self.amount:
            raise InvalidInput("a direction column goes with an amount column", field="direction")
        try:
            codecs.lookup(self.encoding)
        except LookupError:
            raise InvalidInput(f"unknown encoding {self.encoding!r}", field="encoding") from None

    def to_dict(self) -> dict[str, Any]:
        """The profile as plain JSON-ready values (``from_dict`` reads it back)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> "CsvProfile":
        """A profile from ``to_dict``'s output; unknown keys and wrong types are refused."""
        known = {item.name: item for item in fields(cls)}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise InvalidInput(f"unknown profile settings: {', '.join(unknown)}")
        for key, value in values.items():
            declared = known[key].type
            expected: type = declared if declared in (bool, int) else str
            if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
                raise InvalidInput(f"must be a {expected.__name__}", field=key)
        return cls(**values)


def read_csv(data: bytes, profile: CsvProfile) -> tuple[Statement, ...]:
    """The one statement of a CSV export, read with ``profile``."""
    text = _decode(data, profile.encoding)
    rows_text = text.splitlines()[profile.skip_rows :]
    while rows_text and not rows_text[-1].strip():
        rows_text.pop()
    if profile.skip_footer:
        rows_text = rows_text[: -profile.skip_footer]
    if not rows_text or not rows_text[0].strip():
        raise StatementError(
            f"no header row after skipping {profile.skip_rows} lines", format=_FORMAT
        )
    delimiter = profile.delimiter or _sniff(rows_text[0])
    reader = csv.reader(StringIO("\n".join(rows_text)), delimiter=delimiter)
    header = [cell.strip().lower() for cell in next(reader)]
    first_data_line = profile.skip_rows + 2

    def column(spec: str, what: str) -> int | None:
        if not spec:
            return None
        if spec.isdigit():
            index = int(spec) - 1
            if not 0 <= index < len(header):
                raise StatementError(
                    f"the file has {len(header)} columns, not a column {spec} ({what})",
                    format=_FORMAT,
                    line=first_data_line - 1,
                )
            return index
        try:
            return header.index(spec.strip().lower())
        except ValueError:
            raise StatementError(
                f"no column {spec!r} ({what}); the columns are: {', '.join(header)}",
                format=_FORMAT,
                line=first_data_line - 1,
            ) from None

    columns = {
        key: column(getattr(profile, key), key)
        for key in (
            "date", "amount", "credit", "debit", "reference", "payer", "iban",
            "currency_column", "bank_id", "value_date", "direction",
        )
    }  # fmt: skip
    lines: list[StatementLine] = []
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        # The file's line of the row's last field (a quoted field may span lines).
        lines.append(_line(row, profile.skip_rows + reader.line_num, columns, profile))
    return (
        Statement(
            format=_FORMAT,
            account_iban=compact_iban(profile.account_iban),
            account_number=profile.account_iban.replace(" ", ""),
            currency=profile.currency,
            lines=tuple(lines),
        ),
    )


def _decode(data: bytes, encoding: str) -> str:
    codec = "utf-8-sig" if codecs.lookup(encoding).name == "utf-8" else encoding
    try:
        return data.decode(codec)
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise StatementError(
            f"not readable as {encoding} (byte {data[error.start]:#04x}); "
            "set the profile's encoding, e.g. cp1252 or latin-1",
            format=_FORMAT,
            line=line,
        ) from None


def _sniff(header: str) -> str:
    return max((";", ",", "\t", "|"), key=header.count)


def _cell(row: list[str], index: int | None) -> str:
    if index is None or index >= len(row):
        return ""
    return row[index].strip()


def _line(
    row: list[str], number: int, columns: dict[str, int | None], profile: CsvProfile
) -> StatementLine:
    def fail(reason: str) -> StatementError:
        return StatementError(reason, format=_FORMAT, line=number)

    booked = _cell(row, columns["date"])
    if not booked:
        raise fail(f"no date in column {profile.date!r}")
    booking_date = parse_date(booked, profile.date_order, fail)
    valued = _cell(row, columns["value_date"])
    if profile.amount:
        raw = _cell(row, columns["amount"])
        if not raw:
            raise fail(f"no amount in column {profile.amount!r}")
        signed = parse_decimal(raw, profile.decimal_comma, fail)
        if profile.direction:
            mark = _cell(row, columns["direction"]).upper()
            if mark in _DEBIT_MARKS:
                signed = -abs(signed)
            elif mark in _CREDIT_MARKS:
                signed = abs(signed)
            else:
                raise fail(
                    f"{mark!r} in column {profile.direction!r} says neither debit "
                    f"({'/'.join(sorted(_DEBIT_MARKS))}) nor credit"
                )
    else:
        credit_text = _cell(row, columns["credit"])
        debit_text = _cell(row, columns["debit"])
        credit = parse_decimal(credit_text, profile.decimal_comma, fail) if credit_text else None
        debit = parse_decimal(debit_text, profile.decimal_comma, fail) if debit_text else None
        if credit and debit:
            raise fail(f"an amount in both the credit ({credit}) and the debit ({debit}) column")
        if credit is None and debit is None:
            raise fail("no amount in the credit or the debit column")
        signed = abs(credit) if credit else -abs(debit or Decimal(0))
    currency = (_cell(row, columns["currency_column"]) or profile.currency).upper()
    if not is_currency(currency):
        raise fail(f"{currency!r} is not an ISO 4217 currency")
    if quantize(signed, currency) != signed:
        raise fail(f"{signed} has more decimals than {currency} allows")
    return StatementLine(
        booking_date=booking_date,
        value_date=parse_date(valued, profile.date_order, fail) if valued else None,
        amount=abs(signed),
        currency=currency,
        credit=signed >= 0,
        bank_id=_cell(row, columns["bank_id"]),
        remittance=squash(_cell(row, columns["reference"])),
        payer_name=squash(_cell(row, columns["payer"])),
        payer_iban=compact_iban(_cell(row, columns["iban"])),
    )


def parse_date(text: str, order: str, fail: Any) -> date:
    """A date written day-month-year, month-day-year or year-month-day (``order``);
    a four-digit first part is always the year (ISO 8601).

    >>> parse_date("12/15/2018", "mdy", ValueError)
    datetime.date(2018, 12, 15)
    >>> parse_date("03.02.26", "dmy", ValueError)
    datetime.date(2026, 2, 3)
    >>> parse_date("2026-02-03", "dmy", ValueError)
    datetime.date(2026, 2, 3)
    """
    compact = _COMPACT_DATE.match(text)
    match = compact or _DATE.match(text)
    if match is None:
        raise fail(f"{text!r} is not a date")
    first, second, third = (int(part) for part in match.groups()[:3])
    if compact or len(match.group(1)) == 4:
        year, month, day = first, second, third
    elif order == "mdy":
        month, day, year = first, second, third
    elif order == "dmy":
        day, month, year = first, second, third
    else:
        raise fail(f"{text!r} does not start with a four-digit year (date order ymd)")
    if year < 100:
        year += 2000
    try:
        return date(year, month, day)
    except ValueError:
        raise fail(f"{text!r} is not a date in the order {order}") from None


def parse_decimal(text: str, decimal_comma: bool, fail: Any) -> Decimal:
    """An exact amount as banks write it: thousands separators, a sign before or after,
    parentheses for negative.

    >>> parse_decimal("1,525.00", False, ValueError)
    Decimal('1525.00')
    >>> parse_decimal("-1.234,5", True, ValueError)
    Decimal('-1234.5')
    >>> parse_decimal("(12.50)", False, ValueError)
    Decimal('-12.50')
    >>> parse_decimal("10,5", False, ValueError)
    Traceback (most recent call last):
    ...
    ValueError: '10,5' is not an amount (decimal comma? set decimal_comma)
    """
    value = re.sub(r"[\s'\u00a0\u202f]", "", text)
    negative = False
    if value.startswith("(") and value.endswith(")"):
        negative, value = True, value[1:-1]
    if value.endswith("-"):
        negative, value = True, value[:-1]
    if value[:1] in "+-" and value:
        negative, value = negative or value[0] == "-", value[1:]
    group, point = (".", ",") if decimal_comma else (",", ".")
    whole = value.split(point, 1)[0]
    # A thousands separator groups three digits; "10,5" read with a decimal point is a
    # mistake in the profile, never 105.
    grouped = group not in whole or re.fullmatch(rf"\d{{1,3}}(?:{re.escape(group)}\d{{3}})+", whole)
    value = value.replace(group, "").replace(point, ".")
    if not grouped or not _NUMBER.match(value):
        raise fail(
            f"{text!r} is not an amount"
            + ("" if decimal_comma or "," not in text else " (decimal comma? set decimal_comma)")
        )
    amount = Decimal(value)
    return -amount if negative else amount
