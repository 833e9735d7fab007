"""Pure ledger rules: aging buckets and how money is allocated to invoices.

No database, no clock: every function takes the ``as_of`` date or the balances it needs.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import NamedTuple

from recoup.errors import Conflict, InvalidInput

DEFAULT_EDGES = (30, 60, 90)


class AgingBasis(StrEnum):
    """What an item's age counts from: its due date (default) or its issue date."""

    DUE = "due"
    ISSUE = "issue"


@dataclass(frozen=True, slots=True)
class Bucket:
    """Items ``low``..``high`` days past the basis date, both inclusive; None is open."""

    label: str
    low: int | None
    high: int | None

    def holds(self, days: int) -> bool:
        """Whether an item ``days`` past its basis date falls in this bucket."""
        return (self.low is None or days >= self.low) and (self.high is None or days <= self.high)

    def date_range(self, as_of: date) -> tuple[date | None, date | None]:
        """The basis dates ``(earliest, latest)`` of the items in this bucket on ``as_of``."""
        earliest = as_of - timedelta(days=self.high) if self.high is not None else None
        latest = as_of - timedelta(days=self.low) if self.low is not None else None
        return earliest, latest


def key_is_name(external_id: str, name: str) -> bool:
    """Whether a customer's key is only its name (imported without account numbers, the
    key defaults to the name): then it is no account number to quote or print.

    >>> key_is_name("Hotwells Yacht Club", "hotwells yacht club "), key_is_name("C1", "Kite")
    (True, False)
    """
    return external_id.strip().casefold() == name.strip().casefold()


def days_past_due(due_date: date, as_of: date) -> int:
    """Days past the due date on ``as_of``: 1 on the day after it, 0 on it, negative
    before (the one definition: aging, the engine, messages and pages all use it).

    >>> due = date(2026, 3, 31)
    >>> days_past_due(due, date(2026, 4, 1)), days_past_due(due, date(2026, 3, 24))
    (1, -7)
    """
    return (as_of - due_date).days


def amount_problems(*, total: int, tax: int) -> list[tuple[str, str]]:
    """What is wrong with an invoice's total and tax (minor units), as ``(field,
    reason)`` pairs.

    >>> amount_problems(total=100, tax=120)
    [('tax', 'tax is more than the total')]
    """
    problems: list[tuple[str, str]] = []
    if total < 0:
        problems.append(("total", "must not be negative"))
    if tax < 0:
        problems.append(("tax", "must not be negative"))
    if tax > total:
        problems.append(("tax", "tax is more than the total"))
    return problems


def date_problems(*, issue_date: date, due_date: date) -> list[tuple[str, str]]:
    """What is wrong with an invoice's dates, as ``(field, reason)`` pairs.

    >>> date_problems(issue_date=date(2026, 3, 1), due_date=date(2026, 2, 1))
    [('due_date', 'due date 2026-02-01 is before the issue date 2026-03-01')]
    """
    if due_date < issue_date:
        return [("due_date", f"due date {due_date} is before the issue date {issue_date}")]
    return []


def invoice_problems(
    *, issue_date: date, due_date: date, total: int, tax: int
) -> list[tuple[str, str]]:
    """The one set of invoice checks, for the ledger service (which raises the first)
    and imports (which report every one with its row)."""
    return amount_problems(total=total, tax=tax) + date_problems(
        issue_date=issue_date, due_date=due_date
    )


def aging_buckets(edges: Sequence[int] = DEFAULT_EDGES) -> tuple[Bucket, ...]:
    """Buckets for ascending day ``edges``: current, 1-e1, (e1+1)-e2, ..., last+.

    "Current" is not yet due (0 days or fewer); day 1 is the day after the due date.

    >>> [b.label for b in aging_buckets((30, 60, 90))]
    ['current', '1-30', '31-60', '61-90', '90+']
    >>> [b.label for b in aging_buckets((30, 60, 90, 120))]
    ['current', '1-30', '31-60', '61-90', '91-120', '120+']
    """
    if not edges or any(e <= 0 for e in edges) or list(edges) != sorted(set(edges)):
        raise InvalidInput("bucket edges must be ascending positive day counts", field="buckets")
    buckets = [Bucket("current", None, 0)]
    low = 1
    for edge in edges:
        buckets.append(Bucket(f"{low}-{edge}", low, edge))
        low = edge + 1
    buckets.append(Bucket(f"{edges[-1]}+", low, None))
    return tuple(buckets)


class AgingLine(NamedTuple):
    """One customer's (or the whole ledger's) open amounts in one currency, minor units.

    ``unapplied_payments`` and ``open_credits`` are shown beside the buckets, never
    netted into them.
    """

    customer: str
    customer_name: str
    currency: str
    buckets: tuple[int, ...]
    unapplied_payments: int = 0
    open_credits: int = 0

    @property
    def total(self) -> int:
        """The sum of the buckets: what the customer owes on open invoices."""
        return sum(self.buckets)


def total_lines(lines: Iterable[AgingLine], bucket_count: int) -> list[AgingLine]:
    """One line per currency summing ``lines`` (currencies are never added together)."""
    sums: dict[str, list[int]] = {}
    for line in lines:
        acc = sums.setdefault(line.currency, [0] * (bucket_count + 2))
        for i, amount in enumerate(line.buckets):
            acc[i] += amount
        acc[-2] += line.unapplied_payments
        acc[-1] += line.open_credits
    return [
        AgingLine("TOTAL", "Total", currency, tuple(acc[:-2]), acc[-2], acc[-1])
        for currency, acc in sorted(sums.items())
    ]


def check_allocation(
    *,
    amount: int,
    currency: str,
    invoice_number: str,
    invoice_currency: str,
    invoice_open: int,
    source: str,
    source_currency: str,
    source_open: int,
) -> None:
    """Refuse an allocation that is not positive, mixes currencies or over-applies.

    Amounts are minor units; ``source`` names the payment or credit note in messages.
    """
    if amount <= 0:
        raise InvalidInput("an allocation must be a positive amount", field="amount")
    if not currency == invoice_currency == source_currency:
        raise Conflict(
            f"cannot allocate {source_currency} from {source} to {invoice_currency} "
            f"invoice {invoice_number}"
        )
    if amount > invoice_open:
        raise Conflict(
            f"allocation of {amount} exceeds the open amount {invoice_open} "
            f"of invoice {invoice_number}"
        )
    if amount > source_open:
        raise Conflict(f"allocation of {amount} exceeds the {source_open} left on {source}")


def split_in_order(amount: int, open_amounts: Sequence[int]) -> list[int]:
    """Apply ``amount`` to items in the given order, each up to its open amount.

    >>> split_in_order(150, [100, 100, 100])
    [100, 50, 0]
    >>> split_in_order(500, [100, 100])
    [100, 100]
    """
    parts = []
    left = amount
    for open_amount in open_amounts:
        part = min(left, max(open_amount, 0))
        parts.append(part)
        left -= part
    return parts


class TermsBasis(StrEnum):
    """What payment terms of N count from (Xero's DueDateSalesTerm)."""

    INVOICE_DATE = ""  # N days after the invoice date
    MONTH_END = "month_end"  # N days after the end of the invoice month
    FOLLOWING_MONTH = "following_month"  # on day N of the month after the invoice's
    CURRENT_MONTH = "current_month"  # on day N of the invoice's month


def due_date(issued: date, days: int, basis: str = TermsBasis.INVOICE_DATE) -> date:
    """The due date of an invoice issued on ``issued`` under terms of ``days`` counted
    from ``basis``; a day past a month's end is its last day, and a due date is never
    before the issue date.

    >>> due_date(date(2026, 1, 15), 30)
    datetime.date(2026, 2, 14)
    >>> due_date(date(2026, 1, 15), 20, TermsBasis.MONTH_END)
    datetime.date(2026, 2, 20)
    >>> due_date(date(2026, 1, 15), 31, TermsBasis.FOLLOWING_MONTH)
    datetime.date(2026, 2, 28)
    >>> due_date(date(2026, 1, 15), 20, TermsBasis.CURRENT_MONTH)
    datetime.date(2026, 1, 20)
    >>> due_date(date(2026, 1, 25), 20, TermsBasis.CURRENT_MONTH)
    datetime.date(2026, 1, 25)
    """
    if basis == TermsBasis.MONTH_END:
        return _month_end(issued) + timedelta(days=days)
    if basis in (TermsBasis.FOLLOWING_MONTH, TermsBasis.CURRENT_MONTH):
        first = issued.replace(day=1)
        if basis == TermsBasis.FOLLOWING_MONTH:
            first = _month_end(issued) + timedelta(days=1)
        last = _month_end(first)
        return max(issued, first.replace(day=max(1, min(days, last.day))))
    return issued + timedelta(days=days)


def _month_end(day: date) -> date:
    following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)
