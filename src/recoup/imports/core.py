"""Pure import planning: parsed rows + a snapshot of the ledger -> what to write.

Every function here is a decision without I/O. A plan lists the records to create, the
changes to existing ones (with before/after values), the allocations to make and every
problem found; the service writes a plan only when it has no problems.
"""

import functools
import hashlib
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any, NamedTuple

from recoup import money
from recoup.errors import InvalidInput, Problem
from recoup.imports.columns import ADDRESS_PARTS, COLUMNS, Kind, Type
from recoup.imports.fields import (
    detect_date_order,
    is_numeric_date,
    parse_bool,
    parse_date,
    parse_int,
    parse_list,
)
from recoup.ledger import core as ledger_core
from recoup.ledger.core import TermsBasis
from recoup.ledger.enums import (
    Channel,
    ContactRole,
    CustomerStatus,
    InvoiceStatus,
    PaymentMethod,
)
from recoup.ledger.rows import (
    ContactSnap,
    CreditNoteSnap,
    CustomerRef,
    InvoiceSnap,
    PaymentSnap,
)
from recoup.ledger.validators import (
    language_of_country,
    timezone_of_country,
    validate_country,
    validate_email,
    validate_iban,
    validate_language,
    validate_registration,
    validate_timezone,
    validate_vat,
)


class Record(NamedTuple):
    """One data row: its spreadsheet row number, its parsed values by column, and the
    columns whose cells could not be parsed (already reported)."""

    row: int
    values: dict[str, Any]
    invalid: frozenset[str] = frozenset()


# --- the plan ---


class Ref(NamedTuple):
    """A record the plan points at: an existing id, or the index of a record it creates."""

    new: bool
    value: int


@dataclass(frozen=True, slots=True)
class Update:
    """A change to an existing record: its id and the values before and after."""

    row: int
    id: int
    before: dict[str, Any]
    after: dict[str, Any]
    label: str = ""  # how a person names the record: its number, account number...
    currency: str = ""  # of its amounts


@dataclass(frozen=True, slots=True)
class AllocationPlan:
    """Money from a payment or credit note (new or existing) applied to an invoice.

    ``invoice_open`` and ``source_open`` are the balances just before this allocation.
    """

    invoice: Ref
    invoice_open: int
    invoice_status: str
    source: Ref
    source_open: int
    source_is_payment: bool
    currency: str
    amount: int
    on: date


@dataclass(frozen=True, slots=True)
class Settlement:
    """An invoice the accounting system reports as (partly) paid by money Recoup has not
    seen: a settlement payment of ``amount`` is recorded and applied to it."""

    invoice: Ref
    invoice_number: str
    invoice_open: int
    invoice_status: str
    customer_id: int
    currency: str
    amount: int
    on: date


# The external ids of the payments that stand for money the accounting system reports
# but Recoup has not seen (``Settlement``): real payments and credit notes replace them.
SETTLEMENT_PREFIX = "settled-"


@dataclass(frozen=True, slots=True)
class Unsettle:
    """Settlement money to take back from an existing invoice: real money (a payment or
    credit note) replaces it, or the accounting system now reports more open."""

    invoice_id: int
    invoice_number: str
    currency: str
    amount: int
    why: str


@dataclass
class Plan:
    """What an import would do."""

    kind: Kind
    creates: list[dict[str, Any]] = field(default_factory=list)
    create_rows: list[int] = field(default_factory=list)
    updates: list[Update] = field(default_factory=list)
    unchanged: int = 0
    allocations: list[AllocationPlan] = field(default_factory=list)
    settlements: list[Settlement] = field(default_factory=list)
    unsettle: list[Unsettle] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # rows left out on purpose, and why

    def create(self, row: int, values: dict[str, Any]) -> int:
        """Add a record to create; its index in ``creates``."""
        self.creates.append(values)
        self.create_rows.append(row)
        return len(self.creates) - 1


# --- parsing rows ---


def numbered_rows(
    rows: Iterable[Sequence[str]], indices: dict[str, int], first_row: int = 2
) -> Iterator[tuple[int, Sequence[str]]]:
    """The rows that are records (not a report's own lines), with their row numbers.

    A report grouped by customer (Xero's aged receivables) heads each group with the
    customer's name alone on a line and closes it with "Total <name>": such a line is
    the report's when the group's records name that customer in their own column.

    >>> rows = [["Kite Ltd", "", ""], ["INV-1", "Kite Ltd", "9.99"],
    ...         ["Total Kite Ltd", "", "9.99"], ["Orphan", "", ""]]
    >>> [n for n, _ in numbered_rows(rows, {"number": 0, "customer": 1, "total": 2})]
    [3, 5]
    """
    used = set(indices.values())
    customer = indices.get("customer")
    heading: tuple[int, Sequence[str], str] | None = None  # a lone name, not yet judged
    group = ""  # the customer whose group the rows are in
    for number, row in enumerate(rows, start=first_row):
        if heading is None and _usual(row, used):
            yield number, row  # nor a lone name, nor a group's total (no "Total ...")
            continue
        if is_report_line(row, used):
            continue
        cells = [cell.strip() for cell in row if cell.strip()]
        if customer is not None and len(cells) == 1:
            if heading is not None:
                yield heading[0], heading[1]
            heading = (number, row, cells[0])
            continue
        if heading is not None:
            named = row[customer].strip() if customer is not None and customer < len(row) else ""
            if named.casefold() == heading[2].casefold():
                group = heading[2]
            else:
                yield heading[0], heading[1]
            heading = None
        if group and _is_group_total(cells, group):
            continue
        yield number, row
    if heading is not None:
        yield heading[0], heading[1]


def _is_group_total(cells: Sequence[str], group: str) -> bool:
    """Whether ``cells`` are "Total <group>" and figures."""
    return cells[0].casefold() == f"total {group}".casefold() and all(
        _FIGURE.match(text) for text in cells[1:]
    )


def file_date_order(
    kind: Kind,
    indices: dict[str, int],
    numbered: Iterable[tuple[int, Sequence[str]]],
    *,
    date_order: str | None = None,
    default_order: str | None = None,
    assumed: list[str] | None = None,
) -> tuple[str | None, Problem | None]:
    """The day/month order to read the rows' dates in (``numbered``, read once as a
    stream): ``date_order`` if given, else the file's own, else ``default_order``; or
    the problem that no order can be decided."""
    date_columns = [
        indices[c.name] for c in COLUMNS[kind] if c.name in indices and c.type is Type.DATE
    ]
    if date_order is not None or not date_columns:
        return date_order, None  # no need to read the file
    example: list[str] = []
    seen: set[str] = set()  # a date seen tells nothing more (a few thousand kept at most)

    def dates() -> Iterator[str]:
        for _, row in numbered:
            width = len(row)
            for i in date_columns:
                if i < width and (text := row[i]) and text not in seen:
                    if len(seen) < _DATES_KEPT:
                        seen.add(text)
                    if not example and is_numeric_date(text):
                        example.append(text)
                    yield text

    try:
        order = detect_date_order(dates())
    except InvalidInput as exc:
        return None, Problem(0, "dates", exc.reason)
    if order in (None, "ymd") and example:
        order = default_order
        if default_order is not None and assumed is not None:
            assumed.append(default_order)
    if order is None and example:
        reason = (
            f"no date shows whether day or month comes first (e.g. {example[0]!r}); "
            "pass --date-order dmy or mdy"
        )
        return None, Problem(0, "dates", reason)
    return order, None


def record_parser(
    kind: Kind, indices: dict[str, int], date_order: str | None
) -> Callable[[Iterable[tuple[int, Sequence[str]]]], tuple[list[Record], list[Problem]]]:
    """A function parsing numbered rows into records (and the cells' problems)."""
    columns = [(c.name, c.type, indices[c.name]) for c in COLUMNS[kind] if c.name in indices]
    # Text is kept as written (stripped): no call per cell.
    parsers: dict[Type, Callable[[str], Any] | None] = {
        Type.TEXT: None,
        Type.DATE: lambda text: parse_date(text, date_order),
        Type.AMOUNT: money.parse_amount,
        Type.INT: parse_int,
        Type.BOOL: parse_bool,
        Type.LIST: parse_list,
    }
    cells = [(name, parsers[type_], i) for name, type_, i in columns]

    def parse(
        numbered: Iterable[tuple[int, Sequence[str]]],
    ) -> tuple[list[Record], list[Problem]]:
        problems: list[Problem] = []
        records = []
        for number, row in numbered:
            values: dict[str, Any] = {}
            invalid = set()
            width = len(row)
            for name, parse_cell, i in cells:
                text = row[i].strip() if i < width else ""
                if not text:
                    continue
                if parse_cell is None:
                    values[name] = text
                    continue
                try:
                    values[name] = parse_cell(text)
                except InvalidInput as exc:
                    problems.append(Problem(number, name, exc.reason))
                    invalid.add(name)
            records.append(Record(number, values, frozenset(invalid) if invalid else _VALID))
        return records, problems

    return parse


_DATES_KEPT = 10_000  # the distinct dates the date-order pass remembers (about 1 MB)
_ZERO = Decimal(0)
_VALID: frozenset[str] = frozenset()  # a row whose every cell parsed (shared, not per row)

_TOTAL_LINE = re.compile(r"^total(\s+for\b.*)?$", re.IGNORECASE)
_FIGURE = re.compile(r"^[A-Z]{0,3}\s*[-+(]?[^A-Za-z]*\d[^A-Za-z]*\)?\s*[A-Z]{0,3}$")
_RUN_DATE = re.compile(
    r"\b\d{1,2}:\d{2}\b|^((accrual|cash) basis\b|(mon|tues|wednes|thurs|fri|satur|sun)day\b)",
    re.IGNORECASE,
)


def is_report_line(row: Sequence[str], used: set[int]) -> bool:
    """Whether ``row`` is a report's own line rather than a record: blank; a total
    ("TOTAL", "Total for Current"); a section heading in a column the import does not
    read ("Current", "1 - 30 days past due", a customer over their invoices); or the
    run date and time at the foot ("Monday, 23 November 2026 10:15 AM GMT+00:00").

    >>> is_report_line(["", "Total for 1 - 30 days past due", "", "£99.99"], {1, 2, 3})
    True
    >>> is_report_line(["Current", "", ""], {1, 2})
    True
    >>> is_report_line(["", "TotalEnergies SE", "INV-1"], {1, 2})
    False
    >>> is_report_line(["Total for Kids Ltd", "C7", "EUR"], {0, 1, 2})
    False
    >>> is_report_line(["TOTAL", "", "EUR 1,349.99", "(56.40)"], {0, 1, 2, 3})
    True
    """
    if _usual(row, used):
        return False
    cells = [(i, cell.strip()) for i, cell in enumerate(row) if cell.strip()]
    if not cells:
        return True
    if _TOTAL_LINE.match(cells[0][1]) and all(_FIGURE.match(text) for _, text in cells[1:]):
        return True
    if not any(i in used for i, _ in cells):
        return True
    return len(cells) == 1 and _RUN_DATE.search(cells[0][1]) is not None


def _usual(row: Sequence[str], used: set[int]) -> bool:
    """Whether ``row`` is the usual record: its first two cells written, the first no
    total ("Total ...") or run date (a word or figure first), in a file whose records
    begin in a column the import reads."""
    first = row[0][:1] if row else ""
    return (
        first.isalnum()
        and first not in "tT"
        and len(row) > 1
        and row[1].strip() != ""
        and (0 in used or 1 in used)
    )


# --- shared checks ---


class CustomerIndex:
    """Finds customers by external id, or by exact (case-insensitive) name."""

    def __init__(self, customers: Iterable[CustomerRef]) -> None:
        self.by_id: dict[str, CustomerRef] = {}
        self.by_name: dict[str, list[CustomerRef]] = {}
        for customer in customers:
            self.by_id[customer.external_id] = customer
            self.by_name.setdefault(customer.name.casefold(), []).append(customer)
        self.by_pk = {c.id: c for c in self.by_id.values()}

    def candidates(self, reference: str) -> list[CustomerRef]:
        """Every customer ``reference`` may name: the one with that id, those with that
        name."""
        found = self.by_id.get(reference)
        return [found] if found else self.by_name.get(reference.casefold(), [])

    def find(self, reference: str) -> CustomerRef:
        """The customer ``reference`` names, or ``InvalidInput`` saying why not."""
        found = self.by_id.get(reference)
        if found:
            return found
        named = self.by_name.get(reference.casefold(), [])
        if len(named) == 1:
            return named[0]
        if named:
            raise InvalidInput(f"{len(named)} customers are named {reference!r}; use the id")
        raise InvalidInput(f"unknown customer {reference!r}")


def _minor(amount: Decimal, currency: str, column: str, *, positive: bool = False) -> int:
    if amount < 0 or (positive and amount == 0):
        raise InvalidInput(f"must be {'positive' if positive else 'zero or more'}, got {amount}")
    try:
        return money.to_minor(amount, currency)
    except InvalidInput as exc:
        raise InvalidInput(exc.reason, field=column) from None


def _diff(current: dict[str, Any], wanted: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    changed = [k for k, v in wanted.items() if current[k] != v]
    return {k: current[k] for k in changed}, {k: wanted[k] for k in changed}


class _RowProblems:
    """Collects a row's problems; ``check`` runs one validation and notes its failure.

    A column whose cell did not parse was reported then; it is not reported again.
    """

    __slots__ = ("failed", "invalid", "plan", "row")

    def __init__(self, plan: Plan, record: Record) -> None:
        self.plan, self.row, self.invalid, self.failed = plan, record.row, record.invalid, False

    def add(self, column: str, reason: str) -> None:
        if column not in self.invalid:
            self.plan.problems.append(Problem(self.row, column, reason))
        self.failed = True

    def check(self, column: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if column in self.invalid:  # unread: nothing to check, nor to check against
            self.failed = True
            return None
        try:
            return fn(*args, **kwargs)
        except InvalidInput as exc:
            self.add(
                exc.field if exc.field and exc.field not in {"amount", "date"} else column,
                exc.reason,
            )
            return None


def _duplicate(
    seen: dict[str, int], key: str, row: int, what: str, p: _RowProblems, column: str
) -> bool:
    if key in seen:
        p.add(column, f"duplicate {what} {key!r} in the file (also on row {seen[key]})")
        return True
    seen[key] = row
    return False


# --- customers and contacts ---


def _address_parts(values: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """Which address a row gives (``postal``, else ``street``) and its parts."""
    for kind in ("postal", "street"):
        parts = {part: str(values.get(f"{kind}_{part}", "")).strip() for part in ADDRESS_PARTS}
        if any(text for part, text in parts.items() if part != "country"):
            return kind, parts
    return "postal", {}


def compose_address(parts: dict[str, str], country: str) -> str:
    r"""An address for letters from its parts, the town line in the country's order.

    >>> compose_address({"line1": "Hauptstraße 5", "city": "Berlin", "postcode": "10115",
    ...                  "country": "Germany"}, "DE")
    'Hauptstraße 5\n10115 Berlin\nGermany'
    >>> compose_address({"line1": "1 High Street", "city": "Leeds", "postcode": "LS1 1AA"}, "GB")
    '1 High Street\nLeeds\nLS1 1AA'
    """
    lines = [parts[k] for k in ("line1", "line2", "line3", "line4") if parts.get(k)]
    city, region, postcode = (parts.get(k, "") for k in ("city", "region", "postcode"))
    if country in {"GB", "IE"}:
        lines += [text for text in (city, region, postcode) if text]
    elif country in {"US", "CA", "AU"}:
        lines.append(" ".join(text for text in (city, region, postcode) if text))
    else:
        lines.append(" ".join(text for text in (postcode, city) if text))
        lines.append(region)
    if parts.get("country"):
        lines.append(parts["country"])
    return "\n".join(line for line in lines if line)


def address_lines(address: str) -> str:
    r"""An address on one line, as QuickBooks exports it, in the lines a letter's window
    shows (commas separate them, as in ``recoup init --address``); one already on lines
    stays as it is.

    >>> address_lines("Suite 2, 8 Princess Victoria St, Bristol BS8 4BP")
    'Suite 2\n8 Princess Victoria St\nBristol BS8 4BP'
    >>> address_lines("12 Forge Lane\nSheffield, S1 2AB")
    '12 Forge Lane\nSheffield, S1 2AB'
    """
    if "\n" in address or "," not in address:
        return address
    return "\n".join(part.strip() for part in address.split(",") if part.strip())


def person_name(values: dict[str, Any], whole: str = "contact_name") -> str:
    """A contact's name: given whole (in column ``whole``), or as first and last name."""
    given = str(values.get(whole, "")).strip()
    if given:
        return given
    return " ".join(str(values.get(k, "")).strip() for k in ("first_name", "last_name")).strip()


def phone_of(values: dict[str, Any]) -> str:
    """The number to keep for a contact: the mobile when the file gives one (texts can
    only go to a mobile, and a call reaches it too), else the phone."""
    return str(values.get("mobile", "")).strip() or str(values.get("phone", "")).strip()


def plan_customers(
    records: Sequence[Record],
    existing: dict[str, dict[str, Any]],
    *,
    default_currency: str,
    languages: Sequence[str] = (),
    home_country: str = "",
    seen: dict[str, int] | None = None,
) -> Plan:
    """Creates and updates of customers, keyed by external id (default: the name).

    Country names are read in English and ``languages`` (the organisation's). A customer
    of no country given keeps the time zone of ``home_country`` (the organisation's):
    a QuickBooks contact list has no country column.
    ``seen`` (each external id's row) carries over from earlier batches of the file.
    """
    plan = Plan(Kind.CUSTOMERS)
    seen = {} if seen is None else seen
    for record in records:
        v, p = record.values, _RowProblems(plan, record)
        name = v.get("name", "").strip()
        external_id = v.get("external_id") or name
        if not name:
            p.add("name", "a customer needs a name")
        if _duplicate(seen, external_id, record.row, "customer", p, "external_id"):
            continue
        address_kind, parts = _address_parts(v)
        country_column = next(
            (
                c
                for c in ("country", f"{address_kind}_country", "postal_country", "street_country")
                if v.get(c)
            ),
            "",
        )
        country = (
            p.check(country_column, validate_country, v[country_column], languages=languages)
            if country_column
            else ""
        )
        address = address_lines(v.get("address") or compose_address(parts, country or ""))
        if len(address) > 500:
            p.add("address", f"the address has {len(address)} characters; at most 500")
        currency = p.check("currency", money.validate_currency, v.get("currency", default_currency))
        status = v.get("status", CustomerStatus.ACTIVE).lower().replace(" ", "_").replace("-", "_")
        if status not in set(CustomerStatus):
            p.add("status", f"unknown status {v['status']!r} (active, on_hold or closed)")
        terms = v.get("payment_terms_days", 30)
        if terms < 0:
            p.add("payment_terms_days", "must not be negative")
        basis = terms_basis(v.get("payment_terms_basis", ""))
        if basis is None:
            p.add(
                "payment_terms_basis",
                f"unknown terms basis {v['payment_terms_basis']!r} ({_BASIS_OPTIONS})",
            )
        elif basis != TermsBasis.INVOICE_DATE and not 1 <= terms <= 31:
            p.add("payment_terms_days", f"a day of the month is 1 to 31, got {terms}")
        wanted = {
            "external_id": external_id,
            "name": name,
            "currency": currency,
            "country": country or "",
            "vat_number": p.check(
                "vat_number", validate_vat, v.get("vat_number", ""), country or ""
            ),
            "registration_number": p.check(
                "registration_number",
                validate_registration,
                v.get("registration_number", ""),
                country or "",
            ),
            # Nobody said: the language of the customer's country (a German firm reads German).
            "language": p.check(
                "language",
                validate_language,
                v.get("language") or language_of_country(country or ""),
            ),
            # Nobody said: the country's (messages go out in the customer's morning).
            "timezone": p.check(
                "timezone",
                validate_timezone,
                v.get("timezone") or timezone_of_country(country or home_country),
            ),
            "payment_terms_days": terms,
            "payment_terms_basis": str(basis or ""),
            "credit_limit_amount": (
                p.check("credit_limit", _minor, v["credit_limit"], currency, "credit_limit")
                if "credit_limit" in v and currency
                else None
            ),
            "tags": sorted(set(v.get("tags", []))),
            "collector": v.get("collector", ""),
            "status": status,
            "is_consumer": v.get("is_consumer", False),
            "address": address,
            "sales_owner": p.check("sales_owner", validate_email, v.get("sales_owner", "")),
            "do_not_contact": v.get("do_not_contact", False),
            "legal_hold": v.get("legal_hold", False),
        }
        if p.failed:
            continue
        current = existing.get(external_id)
        if current is None:
            plan.create(record.row, wanted)
            continue
        if current["currency"] != currency and "currency" not in v:
            wanted["currency"] = current["currency"]
        if "timezone" not in v and current["timezone"] not in ("UTC", ""):
            wanted["timezone"] = current["timezone"]  # set in Recoup; UTC was the old default
        before, after = _diff(current, wanted)
        if after:
            plan.updates.append(
                Update(
                    record.row,
                    current["id"],
                    before,
                    after,
                    f"{external_id} ({current['name']})",
                    str(current["currency"]),
                )
            )
        else:
            plan.unchanged += 1
    return plan


@functools.cache
def _enum_values(allowed: type[Enum]) -> frozenset[str]:
    return frozenset(str(m) for m in allowed)


def _enum(p: _RowProblems, column: str, text: str, allowed: type[Enum]) -> str:
    value = text.strip().lower().replace(" ", "_")
    if value not in _enum_values(allowed):
        options = ", ".join(str(m) for m in allowed)
        p.add(column, f"unknown {column.replace('_', ' ')} {text!r} ({options})")
    return value


def plan_contacts(
    records: Sequence[Record],
    customers: CustomerIndex,
    existing: Iterable[ContactSnap],
    seen: dict[str, int] | None = None,
) -> Plan:
    """Creates and updates of contacts, keyed by customer and email (or name).

    ``existing`` holds at least the contacts of the customers the rows name; ``seen``
    (each key's row) carries over from earlier batches of the file."""
    plan = Plan(Kind.CONTACTS)
    current = {(c.customer_id, (c.email or c.name).casefold()): c for c in existing}
    seen = {} if seen is None else seen
    for record in records:
        v, p = record.values, _RowProblems(plan, record)
        customer = p.check("customer", customers.find, v.get("customer", ""))
        name = person_name(v, "name")
        email = p.check("email", validate_email, v.get("email", "")) or ""
        if not name and not v.get("email"):
            p.add("name", "a contact needs a name or an email address")
        opted_out = sorted({_enum(p, "opted_out", c, Channel) for c in v.get("opted_out", [])})
        wanted = {
            "name": name or email,
            "email": email,
            "phone": phone_of(v),
            "role": _enum(p, "role", v.get("role", "billing"), ContactRole),
            "language": p.check("language", validate_language, v["language"])
            if "language" in v
            else "",
            "preferred_channel": _enum(
                p, "preferred_channel", v.get("preferred_channel", "email"), Channel
            ),
            "opted_out": opted_out,
        }
        if p.failed or customer is None:
            continue
        key = (customer.id, (email or name).casefold())
        if _duplicate(seen, f"{customer.external_id}/{key[1]}", record.row, "contact", p, "email"):
            continue
        snap = current.get(key)
        if snap is None:
            plan.create(record.row, {"customer_id": customer.id, **wanted})
            continue
        before, after = _diff(snap._asdict(), wanted)
        if after:
            plan.updates.append(
                Update(record.row, snap.id, before, after, f"{snap.name or snap.email}")
            )
        else:
            plan.unchanged += 1
    return plan


# --- invoices ---


_INVOICE_FIELDS = ("customer", "issue_date", "due_date", "total", "tax", "currency", "open_balance")


def _invoice_fields(values: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(map(values.get, _INVOICE_FIELDS))


_NOT_OWED = "skip"
# The statuses accounting exports write (Xero, QuickBooks), in Recoup's terms: still
# owed, paid (nothing open), cancelled, or not sent to the customer yet (not owed).
_INVOICE_STATUSES = {
    "open": "open",
    "awaitingpayment": "open",
    "authorised": "open",
    "overdue": "open",
    "partiallypaid": "open",
    "due": "open",
    "paid": "paid",
    "void": "void",
    "voided": "void",
    "deleted": "void",
    "draft": _NOT_OWED,
    "submitted": _NOT_OWED,
    "awaitingapproval": _NOT_OWED,
}
_STATUS_OPTIONS = (
    "open, awaiting payment or overdue; paid; void, voided or deleted; "
    "draft, submitted or awaiting approval are skipped"
)


@functools.lru_cache(maxsize=1024)  # a file repeats a few statuses a million times
def invoice_status(text: str) -> str | None:
    """What an export's invoice status means: ``open``, ``paid``, ``void``, ``skip`` (not
    owed yet) or ``None`` (unknown). QuickBooks writes "Overdue 12 days".

    >>> [invoice_status(s) for s in ("Awaiting Payment", "Overdue 12 days", "Draft", "x")]
    ['open', 'open', 'skip', None]
    """
    folded = re.sub(r"[^a-z]", "", text.lower())
    if folded.startswith("overdue"):
        folded = "overdue"
    return _INVOICE_STATUSES.get(folded)


@dataclass
class InvoicesSeen:
    """What planning an invoice file remembers from row to row, when a file is planned
    a batch of rows at a time: each number's first row and a hash of its invoice-level
    values, packed in one integer (``first``: one dict entry and one number per
    invoice, to stay small over millions of rows), and the external ids given apart
    from the number."""

    numbers: dict[str, int] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)

    def first(self, number: str) -> tuple[int, int] | None:
        """The row that first gave ``number`` and its values' hash, if one did."""
        packed = self.numbers.get(number)
        return None if packed is None else (packed & _ROW_BITS, packed >> 32)

    def add(self, number: str, row: int, values_hash: int) -> None:
        self.numbers[number] = (values_hash & _HASH_BITS) << 32 | row


_ROW_BITS, _HASH_BITS = 2**32 - 1, 2**64 - 1


def plan_invoices(
    records: Sequence[Record],
    customers: CustomerIndex,
    existing: dict[str, InvoiceSnap],
    number_owner: dict[str, str],
    settled: dict[int, int] | None = None,
    seen: InvoicesSeen | None = None,
) -> Plan:
    """Creates and updates of invoices, keyed by external id (default: the number).

    Rows repeating a number with the same invoice-level values are line items of one
    invoice and fold into it. ``number_owner`` maps each existing number to its
    external id, to catch a new
    record reusing a number. An ``open_balance`` below Recoup's open amount becomes a
    settlement; one above it takes back settlement money (``settled``: per existing
    invoice id, what settlements allocated to it) or, when that is not enough, is
    refused (Recoup would have to forget a real payment).

    ``seen`` carries what earlier batches of the same file held; ``existing`` and
    ``number_owner`` need only cover this batch's external ids and numbers.
    """
    settled = settled or {}
    plan = Plan(Kind.INVOICES)
    seen = seen or InvoicesSeen()
    seen_ids = seen.ids
    for record in records:
        v, p = record.values, _RowProblems(plan, record)
        number = v.get("number", "")
        external_id = v.get("external_id") or number
        if not number:
            p.add("number", "an invoice needs a number")
            continue
        invoice_key = hash(_invoice_fields(v)) & _HASH_BITS
        first = seen.first(number)
        if first is not None and first[1] == invoice_key:
            continue  # another line item of the same invoice (Xero exports a row per line)
        if first is not None:
            p.add(
                "number",
                f"duplicate invoice number {number!r} in the file (also on row {first[0]})",
            )
            continue
        seen.add(number, record.row, invoice_key)
        if external_id != number and _duplicate(
            seen_ids, external_id, record.row, "external id", p, "external_id"
        ):
            continue
        customer = p.check("customer", customers.find, v.get("customer", ""))
        if customer is None:
            continue
        currency = p.check(
            "currency", money.validate_currency, v.get("currency") or customer.currency
        )
        if currency is None:
            continue
        total = p.check("total", _minor, v.get("total", _ZERO), currency, "total")
        tax = p.check("tax", _minor, v.get("tax", _ZERO), currency, "tax")
        issue_date = v.get("issue_date")
        if issue_date is None:
            p.add("issue_date", "an invoice needs an issue date")
            continue
        due_date = v.get("due_date") or ledger_core.due_date(
            issue_date, customer.payment_terms_days, customer.payment_terms_basis
        )
        problems = ledger_core.date_problems(issue_date=issue_date, due_date=due_date)
        if total is not None and tax is not None:
            problems = ledger_core.amount_problems(total=total, tax=tax) + problems
        for column, reason in problems:
            p.add(column, reason)
        void = invoice_status(v.get("status", "open"))
        if void is None or void == _NOT_OWED:  # not owed: left out by sort_invoice_rows
            p.add("status", f"unknown status {v['status']!r} ({_STATUS_OPTIONS})")
        open_balance = (
            p.check("open_balance", _minor, v["open_balance"], currency, "open_balance")
            if "open_balance" in v
            else None
        )
        if p.failed or total is None:
            continue
        if void == "paid":
            void, open_balance = "open", 0
        if open_balance is not None and open_balance > total:
            p.add("open_balance", "open balance is more than the total")
            continue
        wanted = {
            "customer_id": customer.id,
            "number": number,
            "external_id": external_id,
            "issue_date": issue_date,
            "due_date": due_date,
            "currency": currency,
            "total_amount": total,
            "tax_amount": tax,
            "po_number": v.get("po_number", ""),
        }
        snap = existing.get(external_id)
        owner = number_owner.get(number)
        if owner is not None and owner != external_id:
            p.add("number", f"number {number!r} belongs to another invoice (external id {owner!r})")
            continue
        if snap is None:
            status = InvoiceStatus.VOID.value if void == "void" else InvoiceStatus.OPEN.value
            index = plan.create(record.row, {**wanted, "open_amount": total, "status": status})
            target, open_now, status_now = Ref(True, index), total, status
        else:
            allocated = snap.total_amount - snap.open_amount
            if allocated and (snap.currency != currency or snap.customer_id != customer.id):
                p.add(
                    "currency" if snap.currency != currency else "customer",
                    f"invoice {number} has payments allocated; its customer and currency are fixed",
                )
            if total < allocated:
                p.add(
                    "total",
                    f"total {money.format_minor(total, currency)} is less than the "
                    f"{money.format_minor(allocated, currency)} already allocated",
                )
            if void == "void" and allocated:
                p.add("status", f"invoice {number} has payments allocated and cannot be voided")
            if p.failed:
                continue
            open_now = total - allocated
            if void == "void":
                status_now = InvoiceStatus.VOID.value
            elif (
                snap.status in (InvoiceStatus.WRITTEN_OFF, InvoiceStatus.VOID) and "status" not in v
            ):
                status_now = snap.status
            else:
                status_now = InvoiceStatus.PAID.value if open_now == 0 else InvoiceStatus.OPEN.value
            wanted.update(open_amount=open_now, status=status_now)
            before, after = _diff(snap._asdict(), wanted)
            if after:
                plan.updates.append(
                    Update(record.row, snap.id, before, after, number, snap.currency)
                )
            elif open_balance is None or open_balance == snap.open_amount:
                plan.unchanged += 1
            target = Ref(False, snap.id)
        reopenable = status_now in (InvoiceStatus.OPEN, InvoiceStatus.PAID)
        if open_balance is not None and reopenable and open_balance > open_now:
            back = open_balance - open_now
            if not target.new and settled.get(target.value, 0) >= back:
                plan.unsettle.append(
                    Unsettle(
                        target.value,
                        number,
                        currency,
                        back,
                        "the accounting system reports more open",
                    )
                )
            else:
                p.add(
                    "open_balance",
                    f"open balance {money.format_minor(open_balance, currency)} "
                    f"is more than Recoup's {money.format_minor(open_now, currency)}: Recoup has "
                    "payments the accounting system does not; take them back first "
                    "(`recoup unallocate`)",
                )
        elif (
            open_balance is not None
            and status_now == InvoiceStatus.OPEN
            and open_balance < open_now
        ):
            plan.settlements.append(
                Settlement(
                    target,
                    number,
                    open_now,
                    status_now,
                    customer.id,
                    currency,
                    open_now - open_balance,
                    issue_date,
                )
            )
    return plan


class InvoiceRows(NamedTuple):
    """An invoice file's rows sorted: invoices, credit notes, and the rows left out."""

    invoices: list[Record]
    credits: list[Record]
    skipped: list[str]  # why, per invoice or row left out
    skipped_rows: set[int]
    problems: list[Problem]


@dataclass
class InvoiceRowsSeen:
    """What sorting an invoice file's rows remembers between batches of rows."""

    not_owed: set[str] = field(default_factory=set)
    credit_values: dict[str, dict[str, Any]] = field(default_factory=dict)


def sort_invoice_rows(
    records: Sequence[Record], *, typed: bool, seen: InvoiceRowsSeen | None = None
) -> InvoiceRows:
    """Invoices, credit notes, and rows left out with why (not errors, not imported).

    Left out: an invoice not owed yet (Draft, Submitted, Awaiting Approval; once per
    invoice, whatever its line items), and a payment listed on the report (QuickBooks'
    A/R reports show unapplied ones: payments come in with ``recoup import payments``).
    A row is a credit note when its type says so (QuickBooks "Credit Memo", Xero "Sales
    credit note"), or, in a file with a type column, its total is negative and its type
    does not say invoice; it becomes a credit-notes record for the positive amount (a
    negative total in a file without types is an error: it may be a typing mistake).
    Xero's further line items of a credit note fold into it. A credit note the report
    shows as fully applied (open balance 0) is already in its invoices' open balances
    and is left out; one partly applied comes in with what remains open.
    """
    rows = InvoiceRows([], [], [], set(), [])
    seen = seen or InvoiceRowsSeen()
    not_owed, credit_values = seen.not_owed, seen.credit_values
    for record in records:
        v = record.values
        kind = str(v.get("type", "")).lower()
        number = str(v.get("number", ""))
        if invoice_status(v.get("status", "open")) == _NOT_OWED:
            rows.skipped_rows.add(record.row)
            if number not in not_owed:
                not_owed.add(number)
                rows.skipped.append(
                    f"row {record.row}: invoice {number} is {v['status'].strip()} (not owed yet)"
                )
            continue
        if "payment" in kind:
            rows.skipped_rows.add(record.row)
            what = f"{v['type']} {number}".strip()
            rows.skipped.append(
                f"row {record.row}: {what} (payments come in with `recoup import payments`)"
            )
            continue
        total = v.get("total")
        negative = typed and isinstance(total, Decimal) and total < 0 and "invoice" not in kind
        if "credit" not in kind and not negative:
            rows.invoices.append(record)
            continue
        open_balance = v.get("open_balance")
        if open_balance == 0 and total:
            rows.skipped_rows.add(record.row)
            rows.skipped.append(
                f"row {record.row}: credit note {number} is fully applied in the accounting "
                "system (already in its invoices' open balances)"
            )
            continue
        values: dict[str, Any] = {
            k: v[k] for k in ("number", "customer", "issue_date", "currency") if k in v
        }
        if open_balance is not None:  # the rest is in its invoices' open balances already
            values["remaining"] = abs(open_balance)
        if total is not None:
            values["total"] = abs(total)
        if v.get("external_id"):
            values["external_id"] = v["external_id"]
        values["reason"] = str(v.get("type", "")) or "credit"
        if credit_values.get(number) == values:
            continue  # another line item of the same credit note
        credit_values[number] = values
        rows.credits.append(Record(record.row, values, record.invalid))
    return rows


# --- payments ---


def payment_key(values: dict[str, Any], customer: str) -> str:
    """A deterministic key for a payment row without an id: the same row, the same key."""
    parts = [
        str(values.get(k, ""))
        for k in ("received_on", "amount", "currency", "reference", "payer_name", "payer_iban")
    ]
    parts += [customer, ";".join(values.get("invoices", []))]
    return "auto-" + hashlib.sha256("|".join(parts).encode()).hexdigest()[:24]


def invoice_target(item: str) -> tuple[str, Decimal | None]:
    """``'INV-1:100.00'`` -> ``('INV-1', Decimal('100.00'))``; no amount gives None."""
    number, sep, amount = item.rpartition(":")
    if not sep:
        return item.strip(), None
    return number.strip(), money.parse_amount(amount)


def invoice_target_number(item: str) -> str:
    """The invoice number of an ``invoices`` item (``invoice_target``'s first part),
    whether or not its amount reads."""
    number, sep, _ = item.rpartition(":")
    return (number if sep else item).strip()


_BANK, _DEBIT = PaymentMethod.BANK_TRANSFER.value, PaymentMethod.DIRECT_DEBIT.value
_CARD, _CHEQUE = PaymentMethod.CARD.value, PaymentMethod.CHEQUE.value
# Payment methods as finance teams and bank exports write them (folded), by Recoup's.
_PAYMENT_METHODS = {
    **{m.value.replace("_", ""): m.value for m in PaymentMethod},
    **dict.fromkeys(
        (
            "bacs",
            "chaps",
            "fasterpayments",
            "fasterpayment",
            "fps",
            "sepa",
            "sepacredittransfer",
            "sepatransfer",
            "sct",
            "swift",
            "wire",
            "wiretransfer",
            "ach",
            "transfer",
            "banktransfer",
            "bank",
            "eft",
            "bankgiro",
            "uberweisung",
            "überweisung",
        ),
        _BANK,
    ),
    **dict.fromkeys(
        ("dd", "directdebit", "sepadirectdebit", "sdd", "bacsdirectdebit", "lastschrift"), _DEBIT
    ),
    **dict.fromkeys(
        (
            "card",
            "creditcard",
            "debitcard",
            "cardpayment",
            "visa",
            "mastercard",
            "amex",
            "americanexpress",
            "stripe",
        ),
        _CARD,
    ),
    **dict.fromkeys(("cheque", "check", "chq"), _CHEQUE),
}
_METHOD_OPTIONS = (
    "bank transfer (BACS, CHAPS, Faster Payments, SEPA, SWIFT, wire), direct debit, card, "
    "cheque, cash or other"
)


_BASIS_OPTIONS = (
    "days after the invoice date, days after the end of the invoice month, "
    "of the following month, of the current month"
)


def terms_basis(text: str) -> TermsBasis | None:
    """What payment terms count from, as Xero writes it (DueDateSalesTerm: its codes or
    its words); blank is the invoice date; ``None`` if unknown.

    >>> [terms_basis(t).name for t in ("", "DAYSAFTERBILLDATE", "OFFOLLOWINGMONTH",
    ...  "day(s) after the end of the invoice month", "of the current month")]
    ['INVOICE_DATE', 'INVOICE_DATE', 'FOLLOWING_MONTH', 'MONTH_END', 'CURRENT_MONTH']
    """
    folded = re.sub(r"[^a-z]", "", text.lower())
    if folded in ("", "daysafterbilldate", "afterinvoicedate", "invoicedate", "net", "days"):
        return TermsBasis.INVOICE_DATE
    if "following" in folded or "next" in folded:
        return TermsBasis.FOLLOWING_MONTH
    if "current" in folded or "thismonth" in folded:
        return TermsBasis.CURRENT_MONTH
    if "month" in folded and ("end" in folded or "after" in folded):
        return TermsBasis.MONTH_END
    if "after" in folded and ("date" in folded or "invoice" in folded or "bill" in folded):
        return TermsBasis.INVOICE_DATE
    return None


def payment_method(text: str) -> str | None:
    """Recoup's payment method for how a finance team wrote it; ``None`` if unknown.

    >>> [payment_method(t) for t in ("BACS", "Faster Payments", "Check", "SEPA Direct Debit")]
    ['bank_transfer', 'bank_transfer', 'cheque', 'direct_debit']
    """
    return _PAYMENT_METHODS.get(re.sub(r"[^0-9a-zü]", "", text.lower()))


@dataclass
class Applied:
    """What planning a payments or credit notes file remembers from row to row, when
    it is planned a batch of rows at a time: each key's first row, and the invoices its
    rows have applied money to so far (their open amounts by number, the settlement
    money left on them by id), which the ledger does not show until the file is
    written."""

    seen: dict[str, int] = field(default_factory=dict)
    invoice_open: dict[str, int] = field(default_factory=dict)
    settled: dict[int, int] = field(default_factory=dict)

    def start(
        self, plan: Plan, invoices: dict[str, InvoiceSnap], settled: dict[int, int]
    ) -> "Replacer":
        """Take in a batch's invoices (by number) as the ledger has them and their
        settlement money (by invoice id), unless earlier rows changed them; the
        ``Replacer`` of the batch's plan."""
        for number, snap in invoices.items():
            self.invoice_open.setdefault(number, snap.open_amount)
        for invoice_id, amount in settled.items():
            self.settled.setdefault(invoice_id, amount)
        return Replacer(plan, self.settled)


def payment_external_id(
    values: dict[str, Any], customers: CustomerIndex, invoices: dict[str, InvoiceSnap]
) -> str:
    """The key a payments file's row is known by: its id, else ``payment_key`` of the
    row and its customer (named, else the first invoice's); ``""`` when it has none."""
    if values.get("external_id"):
        return str(values["external_id"])
    customer = None
    if "customer" in values:
        customer = customers.by_id.get(values["customer"])
        if customer is None:
            named = customers.by_name.get(str(values["customer"]).casefold(), [])
            customer = named[0] if len(named) == 1 else None
        if customer is None:
            return ""
    else:
        for item in values.get("invoices", [])[:1]:
            snap = invoices.get(invoice_target_number(item))
            customer = customers.by_pk.get(snap.customer_id) if snap else None
    return payment_key(values, customer.external_id if customer else "")


def plan_payments(
    records: Sequence[Record],
    customers: CustomerIndex,
    existing: dict[str, PaymentSnap],
    invoices: dict[str, InvoiceSnap],
    settled: dict[int, int] | None = None,
    applied: Applied | None = None,
) -> Plan:
    """Creates and updates of payments; a new payment's named invoices get allocations.

    ``invoices`` holds the invoices the file names, by number. Without amounts, a
    payment is applied to its invoices in the order given, each up to its open amount.
    A payment applied to an invoice that settlements (``settled``, by invoice id) paid
    for the accounting system replaces that settlement money first (see ``Replacer``).
    ``applied`` carries over from earlier batches of the file.
    """
    plan = Plan(Kind.PAYMENTS)
    applied = Applied() if applied is None else applied
    seen, invoice_open = applied.seen, applied.invoice_open
    replacer = applied.start(plan, invoices, settled or {})
    for record in records:
        v, p = record.values, _RowProblems(plan, record)
        targets = []
        for item in v.get("invoices", []):
            number, amount = p.check("invoices", invoice_target, item) or (item, None)
            snap = invoices.get(number)
            if snap is None:
                p.add("invoices", f"unknown invoice {number!r}")
            else:
                targets.append((snap, amount))
        customer = None
        if "customer" in v:
            customer = p.check("customer", customers.find, v["customer"])
        elif targets:
            customer = customers.by_pk.get(targets[0][0].customer_id)
        currency_text = v.get("currency") or (customer.currency if customer else None)
        if currency_text is None:
            currency_text = targets[0][0].currency if targets else ""
        currency = p.check("currency", money.validate_currency, currency_text or "?")
        amount = (
            p.check(
                "amount",
                _minor,
                v.get("amount", Decimal(0)),
                currency or "EUR",
                "amount",
                positive=True,
            )
            if currency
            else None
        )
        method = payment_method(v.get("method", "bank_transfer"))
        if method is None:
            p.add("method", f"unknown payment method {v['method']!r} ({_METHOD_OPTIONS})")
        iban = p.check("payer_iban", validate_iban, v.get("payer_iban", ""))
        if p.failed or amount is None or currency is None:
            continue
        external_id = payment_external_id(v, customers, invoices)
        if _duplicate(seen, external_id, record.row, "payment", p, "external_id"):
            continue
        wanted = {
            "external_id": external_id,
            "customer_id": customer.id if customer else None,
            "received_on": v["received_on"],
            "currency": currency,
            "amount": amount,
            "method": method,
            "reference": v.get("reference", ""),
            "payer_name": v.get("payer_name", ""),
            "payer_iban": iban,
        }
        snap_payment = existing.get(external_id)
        if snap_payment is not None:
            allocated = snap_payment.amount - snap_payment.unallocated_amount
            if amount < allocated:
                p.add(
                    "amount",
                    f"amount is less than the {money.format_minor(allocated, currency)} "
                    "already allocated",
                )
            if allocated and (
                currency != snap_payment.currency
                or wanted["customer_id"] != snap_payment.customer_id
            ):
                p.add("currency", "payment is allocated; its customer and currency are fixed")
            if p.failed:
                continue
            wanted["unallocated_amount"] = amount - allocated
            before, after = _diff(snap_payment._asdict(), wanted)
            if after:
                plan.updates.append(
                    Update(
                        record.row,
                        snap_payment.id,
                        before,
                        after,
                        external_id,
                        snap_payment.currency,
                    )
                )
            else:
                plan.unchanged += 1
            continue
        left = amount
        allocations = []
        for snap, requested in targets:
            if snap.currency != currency:
                p.add(
                    "invoices",
                    f"invoice {snap.number} is in {snap.currency}, the payment in {currency}",
                )
                continue
            if customer and snap.customer_id != customer.id:
                p.add("invoices", f"invoice {snap.number} belongs to another customer")
                continue
            open_amount = invoice_open[snap.number]
            available = replacer.available(snap, open_amount)
            if snap.status != InvoiceStatus.OPEN and not available:
                p.add("invoices", f"invoice {snap.number} is {snap.status}")
                continue
            share = (
                min(left, available)
                if requested is None
                else p.check("invoices", _minor, requested, currency, "invoices", positive=True)
            )
            if share is None:
                continue
            if share > available:
                p.add(
                    "invoices",
                    f"{money.format_minor(share, currency)} is more than the "
                    f"{money.format_minor(available, currency)} open on invoice {snap.number}",
                )
                continue
            if share > left:
                p.add("invoices", "the allocations add up to more than the payment")
                continue
            if share:
                open_amount += replacer.take(snap, share, f"payment {external_id}")
                allocations.append((snap, open_amount, share, left))
                invoice_open[snap.number] = open_amount - share
                left -= share
        if p.failed:
            continue
        index = plan.create(record.row, {**wanted, "unallocated_amount": amount})
        for snap, open_amount, share, source_left in allocations:
            plan.allocations.append(
                AllocationPlan(
                    Ref(False, snap.id),
                    open_amount,
                    snap.status,
                    Ref(True, index),
                    source_left,
                    True,
                    currency,
                    share,
                    v["received_on"],
                )
            )
    return plan


# --- credit notes ---


def plan_credit_notes(
    records: Sequence[Record],
    customers: CustomerIndex,
    existing: dict[str, CreditNoteSnap],
    number_owner: dict[str, str],
    invoices: dict[str, InvoiceSnap],
    settled: dict[int, int] | None = None,
    applied: Applied | None = None,
) -> Plan:
    """Creates and updates of credit notes; one naming an invoice is applied to it.

    ``remaining`` says how much of it the accounting system has not applied: the rest is
    applied to the invoice named, else left as applied elsewhere (the invoice list's
    open balances show where). Without it, a new credit note naming an invoice is
    applied up to the invoice's open amount. Like payments, it replaces settlement
    money first (``settled``, by invoice id).
    ``applied`` carries over from earlier batches of the file.
    """
    plan = Plan(Kind.CREDIT_NOTES)
    applied = Applied() if applied is None else applied
    seen, invoice_open = applied.seen, applied.invoice_open
    replacer = applied.start(plan, invoices, settled or {})
    for record in records:
        v, p = record.values, _RowProblems(plan, record)
        number = v.get("number", "")
        external_id = v.get("external_id") or number
        if _duplicate(seen, number, record.row, "credit note number", p, "number"):
            continue
        customer = p.check("customer", customers.find, v.get("customer", ""))
        if customer is None:
            continue
        currency = p.check(
            "currency", money.validate_currency, v.get("currency") or customer.currency
        )
        total = (
            p.check(
                "total",
                _minor,
                v.get("total", Decimal(0)),
                currency or "EUR",
                "total",
                positive=True,
            )
            if currency
            else None
        )
        invoice = None
        if "invoice" in v:
            invoice = invoices.get(v["invoice"])
            if invoice is None:
                p.add("invoice", f"unknown invoice {v['invoice']!r}")
            elif invoice.customer_id != customer.id or invoice.currency != currency:
                p.add("invoice", f"invoice {invoice.number} has another customer or currency")
        owner = number_owner.get(number)
        if owner is not None and owner != external_id:
            p.add(
                "number",
                f"number {number!r} belongs to another credit note (external id {owner!r})",
            )
        remaining = None
        if "remaining" in v and total is not None and currency is not None:
            remaining = p.check("remaining", _minor, abs(v["remaining"]), currency, "remaining")
            if remaining is not None and remaining > total:
                p.add("remaining", "more remains than the credit note's total")
        if p.failed or total is None or currency is None:
            continue
        wanted = {
            "customer_id": customer.id,
            "number": number,
            "external_id": external_id,
            "issue_date": v["issue_date"],
            "currency": currency,
            "total_amount": total,
            "reason": v.get("reason", ""),
        }
        snap = existing.get(external_id)
        if snap is not None:
            used = snap.total_amount - snap.open_amount
            if total < used:
                p.add("total", "total is less than the amount already applied")
            if used and (snap.currency != currency or snap.customer_id != customer.id):
                p.add("currency", "credit note is applied; its customer and currency are fixed")
            open_now = total - used
            if remaining is not None and remaining > open_now:
                p.add(
                    "remaining",
                    f"{money.format_minor(remaining, currency)} remains in the accounting "
                    "system but Recoup has applied all but "
                    f"{money.format_minor(open_now, currency)}; take it back first "
                    f"(`recoup unallocate --credit-note {number}`)",
                )
            to_apply = 0 if remaining is None else open_now - remaining
            if to_apply and invoice is None:
                open_now, to_apply = remaining or 0, 0  # applied elsewhere
            if p.failed:
                continue
            wanted["open_amount"] = open_now
            if snap.status != "void":
                wanted["status"] = "applied" if open_now == 0 else "open"
            before, after = _diff(snap._asdict(), wanted)
            if after:
                plan.updates.append(
                    Update(record.row, snap.id, before, after, number, snap.currency)
                )
            elif not to_apply:
                plan.unchanged += 1
            if to_apply and invoice is not None:
                _apply_credit(
                    plan,
                    p,
                    replacer,
                    invoice_open,
                    invoice,
                    Ref(False, snap.id),
                    open_now,
                    to_apply,
                    record,
                    number,
                )
            continue
        to_apply = total if remaining is None else total - remaining
        open_now = total if invoice is not None or remaining is None else remaining
        index = plan.create(
            record.row,
            {**wanted, "open_amount": open_now, "status": "applied" if open_now == 0 else "open"},
        )
        if invoice is not None and to_apply:
            _apply_credit(
                plan,
                p,
                replacer,
                invoice_open,
                invoice,
                Ref(True, index),
                total,
                to_apply,
                record,
                number,
                exact=remaining is not None,
            )
    return plan


def _apply_credit(
    plan: Plan,
    p: _RowProblems,
    replacer: "Replacer",
    invoice_open: dict[str, int],
    invoice: InvoiceSnap,
    source: Ref,
    source_open: int,
    amount: int,
    record: Record,
    number: str,
    *,
    exact: bool = True,
) -> None:
    """Apply ``amount`` of a credit note to ``invoice`` (``exact``: all of it or refuse;
    otherwise up to what is open), replacing settlement money first."""
    open_amount = invoice_open[invoice.number]
    available = replacer.available(invoice, open_amount)
    if invoice.status not in (InvoiceStatus.OPEN, InvoiceStatus.PAID):
        return
    share = amount if exact else min(amount, available)
    if share > available:
        p.add(
            "remaining",
            f"the accounting system applied {money.format_minor(share, invoice.currency)} of "
            f"credit note {number} to invoice {invoice.number}, which has only "
            f"{money.format_minor(available, invoice.currency)} open in Recoup",
        )
        return
    if not share:
        return
    open_amount += replacer.take(invoice, share, f"credit note {number}")
    plan.allocations.append(
        AllocationPlan(
            Ref(False, invoice.id),
            open_amount,
            invoice.status,
            source,
            source_open,
            False,
            invoice.currency,
            share,
            record.values["issue_date"],
        )
    )
    invoice_open[invoice.number] = open_amount - share


class Replacer:
    """Real money replacing settlement money on the invoices of one plan.

    A settlement stands for money the accounting system reported and Recoup had not
    seen; when a payment or credit note applied to that invoice comes in, it is that
    money: the settlement is taken back by as much (``Plan.unsettle``) before the real
    allocation, so the invoice's open amount stays the accounting system's. ``settled``
    is what settlements have allocated, by invoice id: the replacer takes from it.
    """

    def __init__(self, plan: Plan, settled: dict[int, int]) -> None:
        self.plan = plan
        self.left = settled

    def available(self, invoice: InvoiceSnap, open_amount: int) -> int:
        """What real money may be applied to ``invoice``: its open amount and its
        settlement money."""
        return open_amount + self.left.get(invoice.id, 0)

    def take(self, invoice: InvoiceSnap, share: int, by: str) -> int:
        """Plan taking back the settlement money ``share`` replaces; how much."""
        taken = min(share, self.left.get(invoice.id, 0))
        if taken:
            self.left[invoice.id] -= taken
            self.plan.unsettle.append(
                Unsettle(invoice.id, invoice.number, invoice.currency, taken, f"replaced by {by}")
            )
        return taken
