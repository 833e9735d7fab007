"""Late fees, interest and fixed compensation: pure decisions over plain data.

No database, no clock. Every function takes the debt (its due date and the history of its
open amount), the rule that governs it and the ``as_of`` date, and returns an amount
with an explanation, or the reason why nothing is due.

Interest is simple interest, actual/365: every day from the day after the due date to
``as_of`` inclusive earns ``open amount × annual rate / 365``. The days are grouped into
periods with one base and one rate each; the sums are kept unrounded and the total is
rounded once, half up, to the currency's minor unit. (gov.uk's worked example rounds the
daily interest first and so gets slightly less; see ``tests/charges/test_core.py``.)

>>> table = RateTable("boe_base", (RateChange(date(2017, 11, 2), Decimal("0.50")),))
>>> gb = Jurisdiction(
...     code="GB", name="United Kingdom", reference="boe_base",
...     margin_points=Decimal(8), fixing=Fixing.DEBT_FIXED,
...     compensation_currency="GBP",
...     compensation_bands=(CompensationBand(Decimal(0), Decimal(40)),),
... )
>>> debt = Debt(number="INV-1", currency="GBP", due_date=date(2018, 1, 31),
...             balances=(BalanceChange(date(2018, 1, 1), Decimal("1000.00")),))
>>> result = interest_due(debt=debt, as_of=date(2018, 3, 22), statute=Statute(gb, table))
>>> [(p.days, p.rate_percent) for p in result.periods], result.total
([(50, Decimal('8.50'))], Decimal('11.64'))
"""

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal
from enum import StrEnum

from recoup import money
from recoup.errors import InvalidInput, NotFound

DAYS_IN_YEAR = 365
ZERO = Decimal(0)
HALF_POINT = Decimal("0.5")
ONE_DAY = timedelta(days=1)


class Fixing(StrEnum):
    """How a jurisdiction fixes the reference rate that applies to a day of interest."""

    # UK: the rate in force on 30 June for debts late from 1 July to 31 December, on
    # 31 December for debts late from 1 January to 30 June, for the whole life of the debt.
    DEBT_FIXED = "debt_fixed"
    # EU directive: the rate in force on 1 January governs January-June and the rate on
    # 1 July governs July-December; the rate changes as the debt ages.
    HALF_YEAR_FIRST_DAY = "half_year_first_day"
    # Austria (§456 UGB): the rate in force on the last day of a half-year governs the next.
    HALF_YEAR_PREVIOUS_DAY = "half_year_previous_day"


class RateRounding(StrEnum):
    """How the statutory rate (reference + margin) is rounded before use."""

    NONE = "none"
    UP_TO_HALF_POINT = "up_to_half_point"  # Belgium: up to the next half point


class Compounding(StrEnum):
    """Whether unpaid statutory interest is added to the debt (and itself earns interest)."""

    NONE = "none"
    # Netherlands (BW 6:119a(3), as 6:119(2) for other debts): after each full year of
    # delay the year's interest is added to the amount on which interest runs.
    YEARLY = "yearly"


class RateNotFound(NotFound):
    """A reference-rate table has no rate for the date a rule asks about."""


@dataclass(frozen=True, slots=True)
class RateChange:
    """A reference rate in force from ``effective_from`` until the next change."""

    effective_from: date
    rate_percent: Decimal


@dataclass(frozen=True, slots=True)
class RateTable:
    """A reference-rate history (ECB, Bank of England, Bundesbank base rate), by date.

    ``changes`` are in ascending date order, one per date.
    """

    name: str
    changes: tuple[RateChange, ...]
    source: str = ""
    # The day up to which the table is known to be complete (its publisher checked);
    # no later than the last change when not said.
    known_through: date | None = None

    def __post_init__(self) -> None:
        days = [change.effective_from for change in self.changes]
        if not days:
            raise InvalidInput(f"rate table {self.name} has no rates", field="rates")
        if days != sorted(set(days)):
            raise InvalidInput(
                f"rate table {self.name}: dates must be ascending and unique", field="rates"
            )

    def in_force_on(self, day: date) -> RateChange:
        """The change in force on ``day``; ``RateNotFound`` before the first one."""
        index = bisect.bisect_right([c.effective_from for c in self.changes], day) - 1
        if index < 0:
            first = self.changes[0].effective_from
            raise RateNotFound(f"rate table {self.name} has no rate for {day} (it starts {first})")
        return self.changes[index]

    @property
    def last(self) -> RateChange:
        """The newest change the table knows of."""
        return self.changes[-1]

    @property
    def checked_through(self) -> date:
        """The last day whose rate is known for certain: a rate on a later day is the
        last known one only by assumption."""
        return max(self.known_through or self.last.effective_from, self.last.effective_from)

    def merged(
        self,
        newer: Iterable[RateChange],
        *,
        source: str | None = None,
        known_through: date | None = None,
    ) -> "RateTable":
        """This table with ``newer`` changes added; on the same date ``newer`` wins."""
        by_day = {change.effective_from: change for change in self.changes}
        by_day |= {change.effective_from: change for change in newer}
        ordered = tuple(by_day[day] for day in sorted(by_day))
        known = [d for d in (self.known_through, known_through) if d is not None]
        return RateTable(
            self.name,
            ordered,
            self.source if source is None else source,
            max(known) if known else None,
        )


@dataclass(frozen=True, slots=True)
class CompensationBand:
    """Fixed compensation of ``amount`` for debts of ``from_amount`` or more."""

    from_amount: Decimal
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Jurisdiction:
    """The statutory late-payment rules of one jurisdiction (see ``jurisdictions.yaml``)."""

    code: str
    name: str
    reference: str  # the rate table's name
    margin_points: Decimal
    fixing: Fixing
    compensation_currency: str
    compensation_bands: tuple[CompensationBand, ...]
    rate_rounding: RateRounding = RateRounding.NONE
    countries: frozenset[str] = frozenset()
    compounding: Compounding = Compounding.NONE
    # Compensation bands by amounts in this currency, the amount converted into it at
    # the rate table ``compensation_conversion`` (Poland: EUR 40 paid in PLN).
    compensation_thresholds_currency: str = ""
    compensation_conversion: str = ""
    law: str = ""
    source: str = ""
    note: str = ""

    @property
    def rule(self) -> str:
        """The rule in words, e.g. ``GB: boe_base + 8 points, fixed for the life of the debt``."""
        fixing = {
            Fixing.DEBT_FIXED: "fixed for the life of the debt (rate of 30 June / 31 December)",
            Fixing.HALF_YEAR_FIRST_DAY: "rate of 1 January / 1 July for each half-year",
            Fixing.HALF_YEAR_PREVIOUS_DAY: "rate of 31 December / 30 June for the next half-year",
        }[self.fixing]
        rounding = (
            ", rounded up to the next half point"
            if self.rate_rounding is RateRounding.UP_TO_HALF_POINT
            else ""
        )
        compounded = ", compounded yearly" if self.compounding is Compounding.YEARLY else ""
        return (
            f"{self.code}: {self.reference} + {self.margin_points} points{rounding}, {fixing}"
            f"{compounded}"
        )


@dataclass(frozen=True, slots=True)
class Statute:
    """A jurisdiction's rules together with its reference-rate table."""

    jurisdiction: Jurisdiction
    table: RateTable


@dataclass(frozen=True, slots=True)
class LateFee:
    """A late fee: a fixed ``amount`` in the invoice's currency or a ``percent`` of what is
    overdue (exactly one of the two).

    >>> LateFee(amount=Decimal("25")).describe()
    'fixed fee 25'
    >>> LateFee(percent=Decimal("2.5")).describe()
    '2.5 % of the overdue amount'
    """

    amount: Decimal | None = None
    percent: Decimal | None = None

    def __post_init__(self) -> None:
        if (self.amount is None) == (self.percent is None):
            raise InvalidInput("give a fixed amount or a percentage, not both", field="late_fee")
        value = self.amount if self.amount is not None else self.percent
        if value is not None and value < 0:
            raise InvalidInput("must not be negative", field="late_fee")

    def describe(self) -> str:
        """The fee in words."""
        if self.amount is not None:
            return f"fixed fee {self.amount}"
        return f"{self.percent} % of the overdue amount"


@dataclass(frozen=True, slots=True)
class Terms:
    """Contract terms that win over the statute: a jurisdiction override, an annual
    interest rate, a late fee. ``None`` leaves the statute (or the caller) in charge."""

    jurisdiction: str | None = None
    interest_rate_percent: Decimal | None = None
    late_fee: LateFee | None = None


@dataclass(frozen=True, slots=True)
class BalanceChange:
    """The debt's open amount from ``on`` (inclusive) until the next change."""

    on: date
    open_amount: Decimal


@dataclass(frozen=True, slots=True)
class Debt:
    """An invoice as the charges rules see it."""

    number: str
    currency: str
    due_date: date
    balances: tuple[BalanceChange, ...]
    is_consumer: bool = False

    @property
    def late_from(self) -> date:
        """The first day the debt is late: the day after the due date."""
        return self.due_date + ONE_DAY

    def open_on(self, day: date) -> Decimal:
        """The open amount on ``day`` (after that day's payments); zero before any change."""
        amount = ZERO
        for change in sorted(self.balances, key=lambda c: c.on):
            if change.on > day:
                break
            amount = change.open_amount
        return amount


@dataclass(frozen=True, slots=True)
class RateSpan:
    """One annual rate over ``start``..``end`` (inclusive) and how it was arrived at."""

    start: date
    end: date
    rate_percent: Decimal
    basis: str


@dataclass(frozen=True, slots=True)
class InterestPeriod:
    """Days with one base and one rate; ``interest`` is unrounded."""

    start: date
    end: date
    days: int
    base: Decimal
    rate_percent: Decimal
    interest: Decimal
    basis: str


@dataclass(frozen=True, slots=True)
class InterestExplanation:
    """The interest on one debt, period by period, or the reason why there is none.

    ``unrounded`` is the exact sum of the periods; ``total`` is it rounded once, half up,
    to the currency's minor unit.
    """

    currency: str
    rule: str
    start: date | None
    end: date
    periods: tuple[InterestPeriod, ...] = ()
    unrounded: Decimal = ZERO
    total: Decimal = ZERO
    reason: str | None = None
    warnings: tuple[str, ...] = ()
    jurisdiction: Jurisdiction | None = None  # when the statute governs

    @property
    def total_minor(self) -> int:
        """The rounded total in integer minor units."""
        return money.to_minor(self.total, self.currency)


@dataclass(frozen=True, slots=True)
class Decision:
    """A fee or a compensation: the rounded ``amount``, or ``reason`` why none is due."""

    currency: str
    amount: Decimal = ZERO
    rule: str = ""
    reason: str | None = None

    @property
    def amount_minor(self) -> int:
        """The amount in integer minor units."""
        return money.to_minor(self.amount, self.currency)


def statutory_rate(jurisdiction: Jurisdiction, reference_percent: Decimal) -> Decimal:
    """Reference rate + margin, rounded as the jurisdiction says; never below zero.

    >>> be = Jurisdiction("BE", "Belgium", "ecb_mro", Decimal(8), Fixing.HALF_YEAR_FIRST_DAY,
    ...                   "EUR", (), rate_rounding=RateRounding.UP_TO_HALF_POINT)
    >>> statutory_rate(be, Decimal("4.25")), statutory_rate(be, Decimal("3.65"))
    (Decimal('12.5'), Decimal('12.0'))
    """
    rate = reference_percent + jurisdiction.margin_points
    if jurisdiction.rate_rounding is RateRounding.UP_TO_HALF_POINT:
        rate = (rate / HALF_POINT).to_integral_value(rounding=ROUND_CEILING) * HALF_POINT
    return max(rate, ZERO)


def _half_year(day: date) -> tuple[date, date]:
    if day.month <= 6:
        return date(day.year, 1, 1), date(day.year, 6, 30)
    return date(day.year, 7, 1), date(day.year, 12, 31)


def debt_fixing_day(late_from: date) -> date:
    """The UK reference day of a debt: 30 June for debts late 1 July-31 December, the
    previous 31 December for debts late 1 January-30 June.

    >>> debt_fixing_day(date(2023, 8, 11)), debt_fixing_day(date(2024, 1, 1))
    (datetime.date(2023, 6, 30), datetime.date(2023, 12, 31))
    """
    if late_from.month >= 7:
        return date(late_from.year, 6, 30)
    return date(late_from.year - 1, 12, 31)


def fixing_day(fixing: Fixing, day: date) -> date:
    """The reference day whose rate governs interest on ``day`` (for a debt that
    becomes late on ``day`` under ``DEBT_FIXED``).

    >>> fixing_day(Fixing.HALF_YEAR_FIRST_DAY, date(2026, 8, 3))
    datetime.date(2026, 7, 1)
    >>> fixing_day(Fixing.HALF_YEAR_PREVIOUS_DAY, date(2026, 8, 3))
    datetime.date(2026, 6, 30)
    """
    if fixing is Fixing.DEBT_FIXED:
        return debt_fixing_day(day)
    first = _half_year(day)[0]
    return first if fixing is Fixing.HALF_YEAR_FIRST_DAY else first - ONE_DAY


def statutory_spans(
    statute: Statute, *, late_from: date, start: date, end: date
) -> tuple[list[RateSpan], list[str]]:
    """The statutory rates over ``start``..``end`` of a debt late from ``late_from``, and
    warnings (a rate taken from beyond what the table is known to cover)."""
    jurisdiction, table = statute.jurisdiction, statute.table
    warnings: list[str] = []

    def span(first: date, last: date, fixing_day: date) -> RateSpan:
        reference = table.in_force_on(fixing_day)
        if fixing_day > table.checked_through and not warnings:
            warnings.append(
                f"{table.name} knows no rate after {table.checked_through}: the rate in "
                f"force on {fixing_day} was taken to be {reference.rate_percent} %; check it "
                "and bring the table up to date with `recoup charges rates update`"
            )
        rate = statutory_rate(jurisdiction, reference.rate_percent)
        if reference.rate_percent + jurisdiction.margin_points < 0:
            warnings.append(f"the rate on {fixing_day} is below zero and counts as 0 %")
        rounded = (
            f" rounded up to {rate}"
            if jurisdiction.rate_rounding is RateRounding.UP_TO_HALF_POINT
            else ""
        )
        basis = (
            f"{table.name} {reference.rate_percent} % on {fixing_day}"
            f" + {jurisdiction.margin_points}{rounded}"
        )
        return RateSpan(first, last, rate, basis)

    if jurisdiction.fixing is Fixing.DEBT_FIXED:
        return [span(start, end, debt_fixing_day(late_from))], warnings
    spans = []
    day = start
    while day <= end:
        first_day, last_day = _half_year(day)
        fixing_day = (
            first_day if jurisdiction.fixing is Fixing.HALF_YEAR_FIRST_DAY else first_day - ONE_DAY
        )
        spans.append(span(day, min(last_day, end), fixing_day))
        day = last_day + ONE_DAY
    return spans, warnings


def interest_for(base: Decimal, rate_percent: Decimal, days: int) -> Decimal:
    """Simple interest, actual/365, unrounded: ``base × rate % × days / 365``.

    >>> interest_for(Decimal("1000.00"), Decimal("8.5"), 50)
    Decimal('11.64383561643835616438356164')
    """
    return base * rate_percent * days / (100 * DAYS_IN_YEAR)


def accrue(
    spans: Sequence[RateSpan], balances: Sequence[BalanceChange], currency: str
) -> tuple[tuple[InterestPeriod, ...], Decimal, Decimal]:
    """Interest over ``spans`` on the open amounts of ``balances``: the periods (split
    wherever the rate or the base changes), the unrounded sum, and that sum rounded once.

    Days with nothing open earn nothing and are left out of the periods.
    """
    ordered = sorted(balances, key=lambda change: change.on)
    periods: list[InterestPeriod] = []
    for rate_span in spans:
        cuts = [c.on for c in ordered if rate_span.start < c.on <= rate_span.end]
        starts = [rate_span.start, *cuts]
        ends = [cut - ONE_DAY for cut in cuts] + [rate_span.end]
        for first, last in zip(starts, ends, strict=True):
            base = ZERO
            for change in ordered:
                if change.on > first:
                    break
                base = change.open_amount
            if base <= 0:
                continue
            days = (last - first).days + 1
            periods.append(
                InterestPeriod(
                    start=first,
                    end=last,
                    days=days,
                    base=base,
                    rate_percent=rate_span.rate_percent,
                    interest=interest_for(base, rate_span.rate_percent, days),
                    basis=rate_span.basis,
                )
            )
    unrounded = sum((p.interest for p in periods), ZERO)
    return tuple(periods), unrounded, money.quantize(unrounded, currency)


def anniversary(start: date, years: int) -> date:
    """``start`` moved on by ``years`` (29 February becomes 1 March in other years).

    >>> anniversary(date(2024, 2, 29), 1), anniversary(date(2024, 1, 1), 2)
    (datetime.date(2025, 3, 1), datetime.date(2026, 1, 1))
    """
    try:
        return start.replace(year=start.year + years)
    except ValueError:
        return date(start.year + years, 3, 1)


def accrue_compounded(
    spans: Sequence[RateSpan],
    balances: Sequence[BalanceChange],
    currency: str,
    *,
    late_from: date,
    keep_from: date,
) -> tuple[tuple[InterestPeriod, ...], Decimal, Decimal]:
    """Like ``accrue``, but after each full year from ``late_from`` the year's interest
    (rounded to the minor unit) is added to the base; only the periods from
    ``keep_from`` on are returned and summed (earlier ones were charged already, but
    their interest still counts in the base).

    ``spans`` must start at ``late_from``. Days with no principal open earn nothing.
    """
    cuts = {keep_from}
    year = 1
    last = spans[-1].end if spans else late_from
    while anniversary(late_from, year) <= last:
        cuts.add(anniversary(late_from, year))
        year += 1
    split: list[RateSpan] = []
    for rate_span in spans:
        starts = [rate_span.start, *sorted(c for c in cuts if rate_span.start < c <= rate_span.end)]
        ends = [day - ONE_DAY for day in starts[1:]] + [rate_span.end]
        split += [
            RateSpan(first, end, rate_span.rate_percent, rate_span.basis)
            for first, end in zip(starts, ends, strict=True)
        ]
    simple, _, _ = accrue(split, balances, currency)
    periods: list[InterestPeriod] = []
    capitalised = year_interest = ZERO
    year, next_anniversary = 1, anniversary(late_from, 1)
    for period in simple:
        while period.start >= next_anniversary:
            capitalised += money.quantize(year_interest, currency)
            year_interest = ZERO
            year += 1
            next_anniversary = anniversary(late_from, year)
        base = period.base + capitalised
        interest = interest_for(base, period.rate_percent, period.days)
        year_interest += interest
        basis = period.basis
        if capitalised:
            basis += f"; base includes {capitalised} interest added after each full year"
        periods.append(
            InterestPeriod(
                start=period.start,
                end=period.end,
                days=period.days,
                base=base,
                rate_percent=period.rate_percent,
                interest=interest,
                basis=basis,
            )
        )
    kept = tuple(p for p in periods if p.start >= keep_from)
    unrounded = sum((p.interest for p in kept), ZERO)
    return kept, unrounded, money.quantize(unrounded, currency)


def interest_due(
    *,
    debt: Debt,
    as_of: date,
    terms: Terms = Terms(),
    statute: Statute | None = None,
    since: date | None = None,
) -> InterestExplanation:
    """The interest on ``debt`` from the day after its due date (or from ``since``, when
    earlier days were already charged) to ``as_of`` inclusive.

    A contractual rate in ``terms`` wins over the statute. A consumer gets no statutory
    (B2B) interest; without a statute and without a contract rate there is none either.
    """
    start = max(debt.late_from, since) if since else debt.late_from
    contract_rate = terms.interest_rate_percent
    if as_of < debt.late_from:
        return _no_interest(
            debt, as_of, f"{debt.number} is not overdue on {as_of} (due {debt.due_date})"
        )
    if contract_rate is None and debt.is_consumer:
        return _no_interest(
            debt,
            as_of,
            "the customer is a consumer: no statutory business-to-business interest "
            "(a contractual rate can be set on its terms after review)",
        )
    if contract_rate is None and statute is None:
        return _no_interest(
            debt,
            as_of,
            "no statutory late-payment rules for this organisation's country and no contract "
            "rate: set one on the customer's or the invoice's terms",
        )
    warnings: list[str] = []
    governing: Jurisdiction | None = None
    if contract_rate is not None:
        rule = f"contract rate {contract_rate} % a year (contract terms win over the statute)"
        spans = [RateSpan(start, as_of, contract_rate, f"contract rate {contract_rate} %")]
    else:
        assert statute is not None
        governing, rule = statute.jurisdiction, statute.jurisdiction.rule
        spans = []
        # Compounded interest depends on every earlier year, charged or not: accrue from
        # the first late day and keep the days from ``start``.
        compounds = governing.compounding is Compounding.YEARLY
        if start <= as_of:
            spans, warnings = statutory_spans(
                statute,
                late_from=debt.late_from,
                start=debt.late_from if compounds else start,
                end=as_of,
            )
    if start > as_of:
        return _no_interest(
            debt, as_of, f"interest already charged through {start - ONE_DAY}", rule=rule
        )
    if governing is not None and governing.compounding is Compounding.YEARLY:
        periods, unrounded, total = accrue_compounded(
            spans, debt.balances, debt.currency, late_from=debt.late_from, keep_from=start
        )
    else:
        periods, unrounded, total = accrue(spans, debt.balances, debt.currency)
    return InterestExplanation(
        currency=debt.currency,
        rule=rule,
        start=start,
        end=as_of,
        periods=periods,
        unrounded=unrounded,
        total=total,
        warnings=tuple(warnings),
        jurisdiction=governing,
    )


def _no_interest(
    debt: Debt, as_of: date, reason: str, *, rule: str = "no interest"
) -> InterestExplanation:
    return InterestExplanation(
        currency=debt.currency, rule=rule, start=None, end=as_of, reason=reason
    )


@dataclass(frozen=True, slots=True)
class Conversion:
    """A reference exchange rate: ``rate`` units of the debt's currency per unit of the
    compensation's, published for ``on`` by ``table``."""

    rate: Decimal
    on: date
    table: str


def conversion_day(due_date: date) -> date:
    """The day whose exchange rate converts Poland's compensation: the last day of the
    month before the month the payment fell due (the NBP's rate of that month's last
    working day is the newest one on or before it).

    >>> conversion_day(date(2026, 1, 31)), conversion_day(date(2026, 3, 1))
    (datetime.date(2025, 12, 31), datetime.date(2026, 2, 28))
    """
    return due_date.replace(day=1) - ONE_DAY


def compensation_due(
    *,
    debt: Debt,
    jurisdiction: Jurisdiction | None,
    as_of: date | None = None,
    conversion: Conversion | None = None,
) -> Decision:
    """The fixed compensation for the late payment of ``debt`` (once per invoice), by the
    jurisdiction's bands on the amount that became late; where the law fixes it in
    another currency and says at which reference rate it is paid (Poland), converted at
    ``conversion``, else refused with the reason.

    >>> gb = Jurisdiction("GB", "United Kingdom", "boe_base", Decimal(8), Fixing.DEBT_FIXED,
    ...     "GBP", tuple(CompensationBand(Decimal(f), Decimal(a))
    ...                  for f, a in (("0", "40"), ("1000", "70"), ("10000", "100"))))
    >>> def owed(amount):
    ...     debt = Debt("INV-1", "GBP", date(2026, 1, 31),
    ...                 (BalanceChange(date(2026, 1, 1), Decimal(amount)),))
    ...     return compensation_due(debt=debt, jurisdiction=gb).amount
    >>> owed("999.99"), owed("1000.00"), owed("9999.99"), owed("10000.00")
    (Decimal('40.00'), Decimal('70.00'), Decimal('70.00'), Decimal('100.00'))
    """
    currency = debt.currency
    if as_of is not None and as_of < debt.late_from:
        return Decision(currency, reason=f"{debt.number} is not overdue on {as_of}")
    if debt.is_consumer:
        return Decision(
            currency, reason="the customer is a consumer: no business-to-business compensation"
        )
    if jurisdiction is None:
        return Decision(
            currency, reason="no statutory late-payment rules for this organisation's country"
        )
    fixed_in = jurisdiction.compensation_currency
    thresholds_in = jurisdiction.compensation_thresholds_currency or fixed_in
    if thresholds_in != currency or (
        fixed_in != currency and not jurisdiction.compensation_conversion
    ):
        return Decision(
            currency,
            reason=(
                f"{jurisdiction.code} compensation is fixed in {fixed_in} and {debt.number} "
                f"is in {currency}; the law names no reference rate to convert it at, so "
                "Recoup does not: set a compensation in "
                f"{currency} on the customer's or the invoice's terms"
            ),
        )
    if fixed_in != currency and conversion is None:
        return Decision(
            currency,
            reason=(
                f"{jurisdiction.code} compensation is fixed in {fixed_in} and paid in "
                f"{currency} at the {jurisdiction.compensation_conversion} rate of "
                f"{conversion_day(debt.due_date)} (or the working day before), which Recoup "
                "does not have: run `recoup charges rates update`"
            ),
        )
    late_amount = debt.open_on(debt.due_date)
    if late_amount <= 0:
        return Decision(currency, reason=f"nothing of {debt.number} was open on its due date")
    eligible = [b for b in jurisdiction.compensation_bands if b.from_amount <= late_amount]
    if not eligible:
        return Decision(currency, reason=f"no {jurisdiction.code} band for {late_amount}")
    band = max(eligible, key=lambda b: b.from_amount)
    rule = (
        f"{jurisdiction.code} fixed compensation for a debt of {late_amount} {currency} "
        f"({band.from_amount} {currency} or more): {band.amount} {fixed_in}"
    )
    amount = band.amount
    if fixed_in != currency:
        assert conversion is not None
        amount = money.quantize(band.amount * conversion.rate, currency)
        rule += (
            f" at {conversion.rate} {currency} per {fixed_in} ({conversion.table} of "
            f"{conversion.on}) = {amount} {currency}"
        )
    return Decision(currency, amount=money.quantize(amount, currency), rule=rule)


def late_fee_due(
    *, debt: Debt, as_of: date, fee: LateFee | None, terms: Terms = Terms()
) -> Decision:
    """A late fee on ``debt`` on ``as_of``: the contract's fee if the terms set one (they
    win), else ``fee`` (a policy step's); a percentage is of the amount overdue, rounded
    once, half up. A consumer gets a fee only when the contract terms set one.
    """
    currency = debt.currency
    if as_of < debt.late_from:
        return Decision(currency, reason=f"{debt.number} is not overdue on {as_of}")
    if terms.late_fee is not None:
        chosen, rule = terms.late_fee, "contract terms"
    elif debt.is_consumer:
        return Decision(
            currency,
            reason="the customer is a consumer: no late fee unless its contract terms set one",
        )
    elif fee is None:
        return Decision(currency, reason="no late fee is set")
    else:
        chosen, rule = fee, "policy"
    overdue = debt.open_on(as_of)
    if overdue <= 0:
        return Decision(currency, reason=f"nothing of {debt.number} is overdue on {as_of}")
    if chosen.amount is not None:
        amount = chosen.amount
        described = f"{chosen.amount} {currency} ({rule})"
    else:
        assert chosen.percent is not None
        amount = overdue * chosen.percent / 100
        described = f"{chosen.percent} % of {overdue} {currency} overdue ({rule})"
    return Decision(currency, amount=money.quantize(amount, currency), rule=described)


@dataclass(frozen=True, slots=True)
class BalanceHistory:
    """Builds a debt's balance history from its total and dated reductions."""

    total: Decimal
    start: date
    reductions: Sequence[tuple[date, Decimal]] = field(default_factory=tuple)

    def changes(self) -> tuple[BalanceChange, ...]:
        """``(date, open amount)`` from ``start`` and after each day's reductions.

        >>> paid = ((date(2026, 2, 1), Decimal(30)), (date(2026, 2, 1), Decimal(20)))
        >>> history = BalanceHistory(Decimal(100), date(2026, 1, 1), paid)
        >>> [(c.on.isoformat(), c.open_amount) for c in history.changes()]
        [('2026-01-01', Decimal('100')), ('2026-02-01', Decimal('50'))]
        """
        by_day: dict[date, Decimal] = {}
        for day, amount in self.reductions:
            by_day[day] = by_day.get(day, ZERO) + amount
        changes = [BalanceChange(self.start, self.total)]
        open_amount = self.total
        for day in sorted(by_day):
            open_amount -= by_day[day]
            if day <= self.start:
                changes[0] = BalanceChange(self.start, open_amount)
            else:
                changes.append(BalanceChange(day, open_amount))
        return tuple(changes)


# --- statutory claims: the charges follow the debt -------------------------------------


@dataclass(frozen=True, slots=True)
class ClaimRule:
    """Whether a policy claims statutory interest and fixed compensation, and from which
    day of lateness: ``from_days`` past due, the level of the first step that claims them.

    The step is only where the claim is first made; once an invoice has been that late
    while still open, its claim holds whatever step its cycle is in: interest runs from
    the day after the due date until payment, the compensation is due once.
    """

    interest: bool = False
    compensation: bool = False
    from_days: int = 1
    # The level of the step a gentle start begins at (None: the policy has none). An
    # invoice started there climbs as if it had fallen due that many days before its
    # customer's first run, so its claim waits as long after the first run.
    gentle_level: int | None = None

    @property
    def claims(self) -> bool:
        """Whether anything statutory is claimed at all."""
        return self.interest or self.compensation


NO_CLAIM = ClaimRule()


def claim_start_day(due_date: date, rule: ClaimRule) -> date:
    """The day a claim on an invoice due ``due_date`` starts, if the invoice is still
    open then: ``rule.from_days`` past due (at least the day after the due date).

    >>> claim_start_day(date(2023, 7, 10), ClaimRule(interest=True, from_days=45))
    datetime.date(2023, 8, 24)
    """
    return due_date + timedelta(days=max(rule.from_days, 1))


def paid_on(debt: Debt) -> date | None:
    """The day the debt's open amount came down to zero for good (None while open).

    >>> debt = Debt("INV-1", "GBP", date(2026, 1, 31),
    ...             (BalanceChange(date(2026, 1, 1), Decimal(100)),
    ...              BalanceChange(date(2026, 2, 5), Decimal(40)),
    ...              BalanceChange(date(2026, 2, 20), Decimal(0))))
    >>> paid_on(debt)
    datetime.date(2026, 2, 20)
    """
    ordered = sorted(debt.balances, key=lambda c: c.on)
    if not ordered or ordered[-1].open_amount > 0:
        return None
    day = ordered[-1].on
    for change in reversed(ordered):
        if change.open_amount > 0:
            break
        day = change.on
    return day
