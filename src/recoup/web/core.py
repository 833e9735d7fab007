"""Pure decisions behind the team's pages: why an account is on the worklist, how audit
events read in a timeline, and pagination (the dashboard's KPIs: ``recoup.analytics.core``).

No database, no clock: the shell passes ``as_of`` and plain values.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from recoup.ledger import core as ledger_core

# Worklist priority: each overdue amount counts this many times by how late it is, so
# that old debt outranks a larger but fresh one.
AGE_WEIGHTS: tuple[tuple[int, int], ...] = ((30, 1), (60, 2), (90, 3))
OLDEST_WEIGHT = 4
AmountFormatter = Callable[[int, str], str]
WORKLIST_BUCKETS = ("1-30", "31-60", "61-90", "90+")


def weight_ranges(as_of: date) -> list[tuple[date | None, date, int]]:
    """Due-date ranges ``(earliest, latest, weight)`` of overdue items on ``as_of``.

    >>> weight_ranges(date(2026, 3, 31))[0]
    (datetime.date(2026, 3, 1), datetime.date(2026, 3, 30), 1)
    >>> weight_ranges(date(2026, 3, 31))[-1]
    (None, datetime.date(2025, 12, 30), 4)
    """
    ranges: list[tuple[date | None, date, int]] = []
    low = 1
    for high, weight in AGE_WEIGHTS:
        ranges.append((as_of - timedelta(days=high), as_of - timedelta(days=low), weight))
        low = high + 1
    ranges.append((None, as_of - timedelta(days=low), OLDEST_WEIGHT))
    return ranges


def bucket_due_range(bucket: str, as_of: date) -> tuple[date | None, date]:
    """Due dates ``(earliest, latest)`` of an account whose oldest overdue item is in
    ``bucket`` (one of ``WORKLIST_BUCKETS``).

    >>> bucket_due_range("31-60", date(2026, 3, 31))
    (datetime.date(2026, 1, 30), datetime.date(2026, 2, 28))
    """
    if bucket not in WORKLIST_BUCKETS:
        raise ValueError(f"unknown bucket {bucket!r}")
    earliest, latest, _ = weight_ranges(as_of)[WORKLIST_BUCKETS.index(bucket)]
    return earliest, latest


@dataclass(frozen=True, slots=True)
class WorklistRow:
    """One account (customer and currency) on the worklist, with what puts it there."""

    customer_id: int
    external_id: str
    name: str
    collector: str
    currency: str
    total_open: int
    overdue: int
    over_90: int
    overdue_count: int
    oldest_due: date | None
    score: int
    credit_limit: int | None
    status: str


def days_past_due(due: date | None, as_of: date) -> int:
    """Days after the due date (0 when not yet due or unknown)."""
    return max(ledger_core.days_past_due(due, as_of), 0) if due else 0


def reasons(row: WorklistRow, as_of: date, fmt: AmountFormatter) -> list[str]:
    """Why the account is on the list, most telling first.

    >>> row = WorklistRow(1, "C1", "Acme", "", "EUR", 150000, 120000, 50000, 3,
    ...                   date(2026, 1, 1), 0, 100000, "active")
    >>> for reason in reasons(row, date(2026, 4, 15), lambda m, c: f"{m / 100:.2f} {c}"):
    ...     print(reason)
    1200.00 EUR overdue on 3 invoices
    oldest 104 days past due
    500.00 EUR over 90 days
    over its credit limit of 1000.00 EUR
    """
    out = [
        f"{fmt(row.overdue, row.currency)} overdue on {row.overdue_count} "
        f"invoice{'s' if row.overdue_count != 1 else ''}",
        f"oldest {days_past_due(row.oldest_due, as_of)} days past due",
    ]
    if row.over_90:
        out.append(f"{fmt(row.over_90, row.currency)} over 90 days")
    if row.credit_limit is not None and row.total_open > row.credit_limit:
        out.append(f"over its credit limit of {fmt(row.credit_limit, row.currency)}")
    if row.status == "on_hold":
        out.append("on credit hold")
    return out


@dataclass(frozen=True, slots=True)
class Page:
    """Which slice of a long list is shown."""

    number: int
    size: int
    total: int

    @property
    def offset(self) -> int:
        """Rows skipped before this page."""
        return (self.number - 1) * self.size

    @property
    def pages(self) -> int:
        """How many pages there are (at least one).

        >>> Page(1, 50, 101).pages, Page(1, 50, 0).pages
        (3, 1)
        """
        return max(1, -(-self.total // self.size))

    @property
    def first_row(self) -> int:
        """The 1-based number of the first row shown (0 for an empty list)."""
        return min(self.offset + 1, self.total)

    @property
    def last_row(self) -> int:
        """The 1-based number of the last row shown."""
        return min(self.offset + self.size, self.total)


def page_number(raw: str | int | None) -> int:
    """A page number from a query string; anything odd is page 1.

    >>> page_number("3"), page_number("-2"), page_number("x"), page_number(None)
    (3, 1, 1, 1)
    """
    try:
        number = int(raw or 1)
    except ValueError:
        return 1
    return max(1, min(number, 1_000_000))


def clip(items: Sequence[str], limit: int) -> tuple[list[str], int]:
    """The first ``limit`` items and how many were left off.

    >>> clip(["a", "b", "c"], 2)
    (['a', 'b'], 1)
    """
    return list(items[:limit]), max(0, len(items) - limit)
