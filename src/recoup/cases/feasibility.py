"""In-house or agency? A pure comparison, per age band, of collecting overdue accounts
ourselves or placing them with a collection agency.

For each band of days past due (an account falls in the band of its oldest overdue
invoice; its value is all it has overdue):

* **recovery rate** — from the organisation's own history: of the invoices that were
  still unpaid when they reached the band's first day past due, the share that was later
  paid in full;
* **in-house** — expected recovery = value × rate; cost = accounts × (hours per account
  × staff cost per hour + tool cost per account); net = recovery − cost;
* **agency** — expected recovery = value × min(1, rate × agency uplift); cost = recovery
  × contingency + accounts × fee per account; net = recovery − cost;
* **recommendation** — the option with the higher expected net (in-house on a tie);
  none when fewer than ``min_history`` invoices ever reached the band.

Amounts are integer minor units in; ``Decimal`` figures out, rounded to the currency.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from recoup.errors import InvalidInput

DEFAULT_BAND_EDGES = (30, 60, 90, 180, 365)


@dataclass(frozen=True, slots=True)
class Band:
    """Accounts ``low``..``high`` days past due (``high`` None: no upper end)."""

    label: str
    low: int
    high: int | None

    def holds(self, days: int) -> bool:
        """Whether an account ``days`` past due falls in this band."""
        return days >= self.low and (self.high is None or days <= self.high)


def bands(edges: Sequence[int] = DEFAULT_BAND_EDGES) -> tuple[Band, ...]:
    """Bands for ascending day ``edges``: 1-e1, (e1+1)-e2, ..., last+.

    >>> [b.label for b in bands((30, 90))]
    ['1-30', '31-90', '90+']
    """
    if not edges or any(e <= 0 for e in edges) or list(edges) != sorted(set(edges)):
        raise InvalidInput("band edges must be ascending positive day counts", field="bands")
    result, low = [], 1
    for edge in edges:
        result.append(Band(f"{low}-{edge}", low, edge))
        low = edge + 1
    result.append(Band(f"{edges[-1]}+", low, None))
    return tuple(result)


@dataclass(frozen=True, slots=True)
class Costs:
    """What each option costs (money in the report's currency, rates as fractions)."""

    staff_cost_per_hour: Decimal = Decimal(35)
    hours_per_account: Decimal = Decimal(2)
    tool_cost_per_account: Decimal = Decimal(0)
    agency_contingency: Decimal = Decimal("0.25")
    agency_fee_per_account: Decimal = Decimal(0)
    agency_uplift: Decimal = Decimal(1)

    def check(self) -> "Costs":
        """Refuse negative figures and a contingency outside 0..1."""
        for name in (
            "staff_cost_per_hour",
            "hours_per_account",
            "tool_cost_per_account",
            "agency_fee_per_account",
            "agency_uplift",
        ):
            if getattr(self, name) < 0:
                raise InvalidInput("must not be negative", field=name.replace("_", "-"))
        if not 0 <= self.agency_contingency <= 1:
            raise InvalidInput("must be a fraction between 0 and 1", field="agency-contingency")
        return self


@dataclass(frozen=True, slots=True)
class OverdueAccount:
    """An account's overdue invoices: how late the oldest is, and their open total."""

    customer_id: int
    days_past_due: int
    overdue_amount: int


@dataclass(frozen=True, slots=True)
class InvoiceHistory:
    """An invoice's fate: due date and, when paid in full, the day it was settled."""

    due_date: date
    paid_on: date | None


def recovery_rate(history: Sequence[InvoiceHistory], band: Band, as_of: date) -> tuple[int, int]:
    """``(reached, paid later)``: invoices still unpaid on the band's first day past due
    (that day being on or before ``as_of``), and how many of them were paid afterwards.

    >>> h = [InvoiceHistory(date(2026, 1, 1), date(2026, 1, 20)),
    ...      InvoiceHistory(date(2026, 1, 1), date(2026, 3, 1)),
    ...      InvoiceHistory(date(2026, 1, 1), None)]
    >>> recovery_rate(h, Band("31-60", 31, 60), date(2026, 6, 1))
    (2, 1)
    """
    reached = paid = 0
    for invoice in history:
        first_day = invoice.due_date + timedelta(days=band.low)
        if first_day > as_of:
            continue
        paid_on = invoice.paid_on if invoice.paid_on and invoice.paid_on <= as_of else None
        if paid_on is not None and paid_on < first_day:
            continue
        reached += 1
        paid += paid_on is not None
    return reached, paid


@dataclass(frozen=True, slots=True)
class BandComparison:
    """One band's figures and what is recommended for it."""

    band: str
    accounts: int
    value: Decimal
    history_reached: int
    history_paid: int
    recovery_rate: Decimal | None
    in_house_recovery: Decimal
    in_house_cost: Decimal
    in_house_net: Decimal
    agency_recovery: Decimal
    agency_cost: Decimal
    agency_net: Decimal
    recommendation: str  # "in-house", "agency", "no history", "nothing overdue"


@dataclass(frozen=True, slots=True)
class Feasibility:
    """The comparison per band and in total (bands with a recommendation only)."""

    currency: str
    as_of: date
    bands: tuple[BandComparison, ...]
    costs: Costs

    @property
    def best_net(self) -> Decimal:
        """Expected net recovery when every band follows its recommendation."""
        return sum(
            (
                b.agency_net if b.recommendation == "agency" else b.in_house_net
                for b in self.bands
                if b.recommendation in ("agency", "in-house")
            ),
            Decimal(0),
        )


def _round(amount: Decimal, exponent: int) -> Decimal:
    return amount.quantize(Decimal(1).scaleb(-exponent), rounding=ROUND_HALF_UP)


def compare(
    *,
    accounts: Sequence[OverdueAccount],
    history: Sequence[InvoiceHistory],
    as_of: date,
    currency: str,
    exponent: int,
    costs: Costs,
    edges: Sequence[int] = DEFAULT_BAND_EDGES,
    min_history: int = 5,
) -> Feasibility:
    """Compare in-house collection and an agency per band (see the module docstring).

    ``exponent`` is the currency's number of decimals (amounts are minor units).
    """
    costs.check()
    scale = Decimal(1).scaleb(-exponent)
    rows = []
    for band in bands(edges):
        members = [a for a in accounts if band.holds(a.days_past_due)]
        count = len(members)
        value = sum((a.overdue_amount for a in members), 0) * scale
        reached, paid = recovery_rate(history, band, as_of)
        rate = (
            (Decimal(paid) / Decimal(reached)).quantize(Decimal("0.0001"), ROUND_HALF_UP)
            if reached
            else None
        )
        known = rate is not None and reached >= min_history
        used = rate if rate is not None else Decimal(0)
        in_recovery = value * used
        in_cost = count * (costs.hours_per_account * costs.staff_cost_per_hour)
        in_cost += count * costs.tool_cost_per_account
        agency_recovery = value * min(Decimal(1), used * costs.agency_uplift)
        agency_cost = agency_recovery * costs.agency_contingency
        agency_cost += count * costs.agency_fee_per_account
        in_net, agency_net = in_recovery - in_cost, agency_recovery - agency_cost
        if not count:
            recommendation = "nothing overdue"
        elif not known:
            recommendation = "no history"
        else:
            recommendation = "agency" if agency_net > in_net else "in-house"
        rows.append(
            BandComparison(
                band=band.label,
                accounts=count,
                value=_round(value, exponent),
                history_reached=reached,
                history_paid=paid,
                recovery_rate=rate,
                in_house_recovery=_round(in_recovery, exponent),
                in_house_cost=_round(in_cost, exponent),
                in_house_net=_round(in_net, exponent),
                agency_recovery=_round(agency_recovery, exponent),
                agency_cost=_round(agency_cost, exponent),
                agency_net=_round(agency_net, exponent),
                recommendation=recommendation,
            )
        )
    return Feasibility(currency, as_of, tuple(rows), costs)
