"""KPIs of an organisation: computed from the ledger and the cases for a period, stored
as daily snapshots, and held against the organisation's goals.

Figures are read through the ledger's and the cases' query functions (sums in the
database), folded into ``core.PeriodFigures`` per currency and group, and turned into
KPIs by ``core.kpis``. Currencies are never added together.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from recoup.analytics import core, repository
from recoup.analytics.core import CollectorFigures, CollectorRates, Kpi, PaidPart, PeriodFigures
from recoup.analytics.models import FLOWS, KpiGoal
from recoup.cases import agency, disputes, notes, promises, tasks
from recoup.cases import core as cases_core
from recoup.cases.models import HandoffStatus, Task
from recoup.comms import outbox
from recoup.errors import InvalidInput
from recoup.ledger import core as ledger_core
from recoup.ledger import service as ledger

COUNTBACK_MONTHS = 12
NO_GROUP = ""
NO_TAG = "(no tag)"


class By(StrEnum):
    """How KPIs are split beside the currency."""

    CURRENCY = "currency"
    COLLECTOR = "collector"
    SEGMENT = "segment"
    COUNTRY = "country"


# The customer attribute the ledger groups by for each split (segments: by customer,
# then folded into its tags here, since tags are a list).
_LEDGER_BY: dict[By, str | None] = {
    By.CURRENCY: None,
    By.COLLECTOR: "collector",
    By.COUNTRY: "country",
    By.SEGMENT: "customer",
}


@dataclass(frozen=True, slots=True)
class KpiRow:
    """The KPIs of one currency and group (collector, segment or country; "" for all)."""

    currency: str
    group: str
    figures: PeriodFigures
    values: dict[Kpi, Decimal | None]


class _Groups:
    """Maps what a query grouped by (a collector, a country, a customer id) or a
    customer id of the cases to the groups of the split."""

    def __init__(self, session: Session, org_id: int, by: By) -> None:
        self.by = by
        self.attributes = (
            ledger.customer_attributes(session, org_id=org_id) if by is not By.CURRENCY else {}
        )

    def of_ledger(self, key: Any) -> list[str]:
        if self.by is By.SEGMENT:
            return self.of_customer(int(key))
        return [str(key or "")] if self.by is not By.CURRENCY else [NO_GROUP]

    def of_customer(self, customer_id: int | None) -> list[str]:
        if self.by is By.CURRENCY:
            return [NO_GROUP]
        collector, country, tags = self.attributes.get(customer_id or 0, ("", "", []))
        if self.by is By.COLLECTOR:
            return [collector]
        if self.by is By.COUNTRY:
            return [country]
        return sorted(set(tags)) or [NO_TAG]


def period_figures(
    session: Session,
    *,
    org_id: int,
    start: date,
    end: date,
    by: By = By.CURRENCY,
    edges: Sequence[int] = ledger_core.DEFAULT_EDGES,
) -> dict[tuple[str, str], PeriodFigures]:
    """What the ledger and the cases say about ``start``..``end``, per currency and group.

    A customer with several tags counts in each of its segments (segments overlap).
    """
    if end < start:
        raise InvalidInput("the period ends before it starts", field="to")
    groups = _Groups(session, org_id, by)
    column = _LEDGER_BY[by]
    acc: dict[tuple[str, str], dict[str, Any]] = defaultdict(lambda: defaultdict(int))

    def add(currency: str, labels: Iterable[str], name: str, value: Any) -> None:
        for label in labels:
            slot = acc[(currency, label)]
            slot[name] = slot[name] + value if name in slot else value

    # The open invoices read once for the period's end, its start and what was owed.
    for currency, key, bucket, amount, count, beginning, owed, collected in ledger.period_balances(
        session, org_id=org_id, start=start, end=end, by=column, edges=edges
    ):
        labels = groups.of_ledger(key)
        add(currency, labels, "ending_ar", amount)
        add(currency, labels, "ending_open_count", count)
        add(currency, labels, "beginning_ar", beginning)
        add(currency, labels, "due", owed)
        add(currency, labels, "collected_of_due", collected)
        if bucket == 0:
            add(currency, labels, "ending_current_ar", amount)
        else:
            add(currency, labels, "ending_overdue_count", count)
    history_start = core.months_back(end, COUNTBACK_MONTHS)[-1][0]
    daily: dict[tuple[str, str], dict[date, int]] = defaultdict(lambda: defaultdict(int))
    for currency, key, day, amount, count in ledger.sales_by_day(
        session, org_id=org_id, start=min(start, history_start), end=end, by=column
    ):
        labels = groups.of_ledger(key)
        for label in labels:
            daily[(currency, label)][day] += amount
        if start <= day:
            add(currency, labels, "credit_sales", amount)
            add(currency, labels, "invoices_issued", count)
    for currency, key, paid_on, issue_date, due_date, amount in ledger.payment_parts(
        session, org_id=org_id, start=start, end=end, by=column
    ):
        part = PaidPart(amount, paid_on, issue_date, due_date)
        labels = groups.of_ledger(key)
        add(currency, labels, "collected", amount)
        add(currency, labels, "paid_late", core.weigh([part], core.days_late))
        add(currency, labels, "paid_after_issue", core.weigh([part], core.days_to_pay))
    _add_cases(session, org_id, start, end, groups, add)
    out = {}
    for (currency, label), values in acc.items():
        sales = daily.get((currency, label), {})
        values["monthly_sales"] = core.monthly_sales(sales, end, COUNTBACK_MONTHS)
        out[(currency, label)] = PeriodFigures(currency, start, end, **values)
    return dict(sorted(out.items()))


def _add_cases(
    session: Session,
    org_id: int,
    start: date,
    end: date,
    groups: _Groups,
    add: Callable[[str, Iterable[str], str, Any], None],
) -> None:
    """Promises, disputes, write-offs and agency figures of the period."""
    for customer_id, currency, amount in agency.write_offs_decided(
        session, org_id=org_id, start=start, end=end
    ):
        add(currency, groups.of_customer(customer_id), "written_off", amount)
    for customer_id, currency, amount in agency.recoveries_received(
        session, org_id=org_id, start=start, end=end
    ):
        add(currency, groups.of_customer(customer_id), "recovered", amount)
    placed = [HandoffStatus.PLACED, HandoffStatus.RECALLED]
    for handoff in agency.list_handoffs(session, org_id=org_id, statuses=placed):
        if handoff.decided_on is not None and start <= handoff.decided_on <= end:
            add(
                handoff.currency,
                groups.of_customer(handoff.customer_id),
                "placed",
                handoff.placed_amount,
            )
    for promise in promises.list_promises(session, org_id=org_id):
        if start <= promise.made_on <= end:
            labels = groups.of_customer(promise.customer_id)
            add(promise.currency, labels, "promise_statuses", (str(promise.status),))
    for dispute in disputes.list_disputes(session, org_id=org_id):
        labels = groups.of_customer(dispute.customer_id)
        if start <= dispute.opened_on <= end:
            add(dispute.currency, labels, "disputes_opened", 1)
        if dispute.resolved_on is not None and start <= dispute.resolved_on <= end:
            add(
                dispute.currency,
                labels,
                "resolved_spans",
                ((dispute.opened_on, dispute.resolved_on),),
            )


def kpi_rows(
    session: Session,
    *,
    org_id: int,
    start: date,
    end: date,
    by: By = By.CURRENCY,
) -> list[KpiRow]:
    """Every KPI of ``start``..``end`` per currency (and group), sorted."""
    figures = period_figures(session, org_id=org_id, start=start, end=end, by=by)
    return [KpiRow(currency, group, f, core.kpis(f)) for (currency, group), f in figures.items()]


# Collector performance ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CollectorRow:
    """One collector's performance in one currency: ``figures`` and ``rates`` (see
    ``core.CollectorFigures``), and the portfolio's figures and KPIs as
    ``kpi_rows(by=collector)`` computes them (``portfolio``, ``values``; empty figures
    and every KPI None when the collector had nothing invoiced, open or paid in this
    currency)."""

    currency: str
    collector: str
    figures: CollectorFigures
    rates: CollectorRates
    portfolio: PeriodFigures
    values: dict[Kpi, Decimal | None]


def collector_rows(
    session: Session,
    *,
    org_id: int,
    start: date,
    end: date,
    sla_days: int = cases_core.DISPUTE_SLA_DAYS,
) -> list[CollectorRow]:
    """Each collector's performance over ``start``..``end`` per currency, by currency
    and collector ("" for customers nobody is assigned).

    A customer's collector is the customer's ``collector`` today (as for ``kpi_rows``).
    Definitions (``core.CollectorFigures``):

    * accounts: customers with money open at the period's end, and that money;
    * collected after contact: payments allocated in the period to the customer's
      invoices when the customer had a contact in the 30 days before the allocation's
      day — an email, letter or SMS sent to it, a call or note by a person, a task about
      it completed by a person;
    * promises made in the period, and how many of them were kept of those closed;
    * disputes resolved in the period, and the share resolved within ``sla_days`` (the
      cases' SLA, 14 days) of being opened;
    * tasks about the customers completed in the period (counted in the customer's
      currency), and the share of those with a due date completed by it;
    * DSO and CEI of the portfolio: ``kpi_rows(by=collector)``'s figures.

    Amounts are per currency, never added across currencies; a customer open in two
    currencies is an account in each.
    """
    kpi = {
        (row.currency, row.group): row
        for row in kpi_rows(session, org_id=org_id, start=start, end=end, by=By.COLLECTOR)
    }
    collector_of = {
        customer_id: collector
        for customer_id, (collector, _, _) in ledger.customer_attributes(
            session, org_id=org_id
        ).items()
    }
    acc: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    open_by_customer: dict[tuple[str, int], int] = defaultdict(int)
    for currency, customer_id, _, amount, _ in ledger.receivables_on(
        session, org_id=org_id, as_of=end, by="customer"
    ):
        open_by_customer[(currency, int(customer_id))] += amount
    for (currency, customer_id), amount in open_by_customer.items():
        if amount > 0:
            slot = acc[(currency, collector_of.get(customer_id, ""))]
            slot["accounts"] += 1
            slot["open_amount"] += amount
    since = start - timedelta(days=core.CONTACT_WINDOW_DAYS)
    # Tasks done from the contact window's start: contacts, and those in the period counted.
    done_tasks = [
        (task, task.completed_at.astimezone(UTC).date())
        for task in tasks.completed_tasks(session, org_id=org_id, start=since, end=end)
        if task.customer_id is not None and task.completed_at is not None
    ]
    contacts = _contact_days(session, org_id, since, end, done_tasks)
    parts: dict[tuple[str, int], list[tuple[date, int]]] = defaultdict(list)
    for currency, customer_id, paid_on, _, _, amount in ledger.payment_parts(
        session, org_id=org_id, start=start, end=end, by="customer"
    ):
        parts[(currency, int(customer_id))].append((paid_on, amount))
    for (currency, customer_id), paid in parts.items():
        slot = acc[(currency, collector_of.get(customer_id, ""))]
        slot["collected"] += sum(amount for _, amount in paid)
        slot["collected_after_contact"] += core.collected_after_contact(
            paid, contacts.get(customer_id, [])
        )
    currency_of = ledger.customer_currencies(session, org_id=org_id)
    for task, completed_on in done_tasks:
        if completed_on < start:
            continue
        customer_id = task.customer_id or 0
        slot = acc[(currency_of.get(customer_id, ""), collector_of.get(customer_id, ""))]
        slot["tasks_done"] += 1
        done = core.on_time(completed_on, task.due_on)
        if done is not None:
            slot["tasks_due"] += 1
            slot["tasks_on_time"] += int(done)
    rows = []
    for currency, collector in sorted(set(acc) | set(kpi)):
        found = kpi.get((currency, collector))
        figures = CollectorFigures(
            currency,
            collector,
            start,
            end,
            promise_statuses=found.figures.promise_statuses if found else (),
            resolved_spans=found.figures.resolved_spans if found else (),
            **acc.get((currency, collector), {}),
        )
        portfolio = found.figures if found else PeriodFigures(currency, start, end)
        values = found.values if found else dict.fromkeys(Kpi)
        rates = core.collector_rates(figures, sla_days)
        rows.append(CollectorRow(currency, collector, figures, rates, portfolio, values))
    return rows


def _contact_days(
    session: Session, org_id: int, start: date, end: date, done_tasks: Iterable[tuple[Task, date]]
) -> dict[int, list[date]]:
    """Per customer, the sorted days it was contacted on ``start``..``end``: messages
    sent to it, notes and calls by a person, and of ``done_tasks`` (with the day each was
    completed) those a person completed."""
    found: dict[int, set[date]] = defaultdict(set)
    pairs = [
        *outbox.sent_message_days(session, org_id=org_id, start=start, end=end),
        *notes.contact_days(session, org_id=org_id, start=start, end=end),
        *(
            (task.customer_id or 0, day)
            for task, day in done_tasks
            if task.completed_by.strip() not in notes.NOBODY
        ),
    ]
    for customer_id, day in pairs:
        found[customer_id].add(day)
    return {customer_id: sorted(days) for customer_id, days in found.items()}


# Snapshots ------------------------------------------------------------------------------


def take_snapshot(
    session: Session,
    *,
    org_id: int,
    as_of: date,
    edges: Sequence[int] = ledger_core.DEFAULT_EDGES,
) -> int:
    """Store what the ledger held at the end of ``as_of`` per currency, collector and
    bucket, and the day's flows; replaces that day's snapshot. Returns the rows stored.

    A handful of aggregate queries: open invoices (plus allocations dated after
    ``as_of``, none on the day itself), the day's invoices and its payments. A day with
    nothing open and nothing invoiced or paid stores no row (a trend then marks its
    month incomplete).
    """
    labels = [b.label for b in ledger_core.aging_buckets(edges)]
    rows: dict[tuple[str, str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for currency, collector, bucket, amount, count in ledger.receivables_on(
        session, org_id=org_id, as_of=as_of, by="collector", edges=edges
    ):
        row = rows[(currency, collector or "", labels[bucket])]
        row["open_amount"] += amount
        row["open_count"] += count
    for currency, collector, _, amount, count in ledger.sales_by_day(
        session, org_id=org_id, start=as_of, end=as_of, by="collector"
    ):
        row = rows[(currency, collector or "", FLOWS)]
        row["sales_amount"] += amount
        row["sales_count"] += count
    for currency, collector, *_, amount in ledger.payment_parts(
        session, org_id=org_id, start=as_of, end=as_of, by="collector"
    ):
        rows[(currency, collector or "", FLOWS)]["collected_amount"] += amount
    repository.delete_snapshots(session, org_id, as_of, as_of)
    repository.insert_snapshots(
        session,
        [
            {
                "org_id": org_id,
                "as_of": as_of,
                "currency": currency,
                "collector": collector,
                "bucket": bucket,
                "open_amount": values.get("open_amount", 0),
                "open_count": values.get("open_count", 0),
                "sales_amount": values.get("sales_amount", 0),
                "sales_count": values.get("sales_count", 0),
                "collected_amount": values.get("collected_amount", 0),
            }
            for (currency, collector, bucket), values in sorted(rows.items())
        ],
    )
    return len(rows)


def backfill(session: Session, *, org_id: int, start: date, end: date) -> int:
    """Rebuild the daily snapshots of ``start``..``end`` from the ledger's history (an
    imported book); returns the days stored."""
    if end < start:
        raise InvalidInput("--from is after the last day to rebuild", field="from")
    day = start
    while day <= end:
        take_snapshot(session, org_id=org_id, as_of=day)
        day += timedelta(days=1)
    return (end - start).days + 1


SNAPSHOT_KPIS = frozenset(
    {
        Kpi.DSO,
        Kpi.COUNTBACK_DSO,
        Kpi.BEST_DSO,
        Kpi.ADD,
        Kpi.CEI,
        Kpi.OVERDUE_PERCENT,
        Kpi.OVERDUE_COUNT_PERCENT,
    }
)


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """One month of a KPI's trend for one currency; ``complete`` is False when a day of
    the month has no snapshot (run ``recoup analytics backfill``)."""

    currency: str
    month: str
    value: Decimal | None
    complete: bool


def month_figures_from_snapshots(
    session: Session, *, org_id: int, end: date, months: int
) -> dict[str, list[tuple[str, PeriodFigures, bool]]]:
    """Per currency, ``(month "YYYY-MM", figures, complete)`` of the ``months`` months
    ending with ``end``'s month (oldest first), from the stored snapshots alone: AR on
    each month's last day (the newest: ``end``), the month's sales from the daily flows.
    """
    periods = list(reversed(core.months_back(end, months + COUNTBACK_MONTHS)))
    first_day = periods[0][0] - timedelta(days=1)
    stored = repository.snapshot_totals(session, org_id, first_day, end)
    ar: dict[tuple[str, date], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    sales: dict[tuple[str, date], int] = defaultdict(int)
    days_held: set[date] = set()
    currencies: set[str] = set()
    for day, currency, bucket, open_amount, open_count, sales_amount in stored:
        currencies.add(currency)
        days_held.add(day)
        if bucket == FLOWS:
            sales[(currency, day)] += sales_amount
            continue
        totals = ar[(currency, day)]
        totals[0] += open_amount
        totals[2] += open_count
        if bucket == "current":
            totals[1] += open_amount
        else:
            totals[3] += open_count
    out: dict[str, list[tuple[str, PeriodFigures, bool]]] = {}
    for currency in sorted(currencies):
        monthly: list[tuple[int, int]] = []
        points = []
        for first, last in periods:
            month_sales = sum(
                sales.get((currency, first + timedelta(days=i)), 0)
                for i in range((last - first).days + 1)
            )
            monthly.insert(0, (month_sales, (last - first).days + 1))
            complete = all(
                first + timedelta(days=i) in days_held for i in range((last - first).days + 1)
            )
            ending = ar[(currency, last)]
            beginning = ar[(currency, first - timedelta(days=1))]
            figures = PeriodFigures(
                currency,
                first,
                last,
                beginning_ar=beginning[0],
                ending_ar=ending[0],
                ending_current_ar=ending[1],
                ending_open_count=ending[2],
                ending_overdue_count=ending[3],
                credit_sales=month_sales,
                monthly_sales=tuple(monthly[:COUNTBACK_MONTHS]),
            )
            points.append((f"{first:%Y-%m}", figures, complete))
        out[currency] = points[-months:]
    return out


def trend(
    session: Session, *, org_id: int, kpi: Kpi, end: date, months: int = 12
) -> list[TrendPoint]:
    """A KPI month by month (oldest first) per currency, ending with ``end``'s month.

    The balance KPIs (DSO, count-back and best DSO, ADD, CEI, % overdue) come from the
    daily snapshots; the others are computed from the ledger and the cases month by
    month.
    """
    if months < 1:
        raise InvalidInput("--months must be at least 1", field="months")
    if kpi in SNAPSHOT_KPIS:
        per_currency = month_figures_from_snapshots(session, org_id=org_id, end=end, months=months)
        return [
            TrendPoint(currency, month, core.kpis(figures)[kpi], complete)
            for currency, points in per_currency.items()
            for month, figures, complete in points
        ]
    points = []
    for first, last in reversed(core.months_back(end, months)):
        for row in kpi_rows(session, org_id=org_id, start=first, end=last):
            points.append(TrendPoint(row.currency, f"{first:%Y-%m}", row.values[kpi], True))
    return sorted(points, key=lambda p: (p.currency, p.month))


# Goals ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GoalStatus:
    """A goal and how the period measured against it, for one currency."""

    kpi: Kpi
    currency: str
    target: Decimal
    actual: Decimal | None
    met: bool | None


def set_goal(
    session: Session, *, org_id: int, kpi: str, target: Decimal, currency: str = ""
) -> KpiGoal:
    """Set (or replace) the organisation's target for ``kpi``; ``currency`` "" for all."""
    try:
        which = Kpi(kpi)
    except ValueError:
        names = ", ".join(k.value for k in Kpi)
        raise InvalidInput(f"unknown KPI {kpi!r}; one of {names}", field="kpi") from None
    if not target.is_finite() or target < 0:
        raise InvalidInput("a target is a number of 0 or more", field="target")
    currency = currency.upper()
    if currency and (len(currency) != 3 or not currency.isalpha()):
        raise InvalidInput(f"{currency!r} is not a currency code", field="currency")
    goal = repository.goal(session, org_id, which, currency)
    if goal is None:
        goal = KpiGoal(org_id=org_id, kpi=which.value, currency=currency, target=target)
        session.add(goal)
    else:
        goal.target = target
    session.flush()
    return goal


def goals(session: Session, *, org_id: int) -> list[KpiGoal]:
    """The organisation's goals, by KPI and currency."""
    return repository.goals(session, org_id)


def goal_statuses(session: Session, *, org_id: int, start: date, end: date) -> list[GoalStatus]:
    """Each goal against the period's actual figure, per currency (a goal for every
    currency is checked in each)."""
    found = goals(session, org_id=org_id)
    if not found:
        return []
    rows = kpi_rows(session, org_id=org_id, start=start, end=end)
    out = []
    for goal in found:
        kpi = Kpi(goal.kpi)
        for row in rows:
            if goal.currency in ("", row.currency):
                actual = row.values[kpi]
                out.append(
                    GoalStatus(
                        kpi, row.currency, goal.target, actual, core.meets(kpi, actual, goal.target)
                    )
                )
    return out


def credit_sales(session: Session, *, org_id: int, start: date, end: date) -> dict[str, int]:
    """Invoiced amounts per currency issued in ``start``..``end`` (void and written-off
    invoices left out: DOMAIN.md's DSO convention)."""
    totals: dict[str, int] = defaultdict(int)
    for currency, _, _, amount, _ in ledger.sales_by_day(
        session, org_id=org_id, start=start, end=end
    ):
        totals[currency] += amount
    return dict(totals)


@dataclass(frozen=True, slots=True)
class DashboardTrend:
    """DSO and % overdue (by amount) of one currency at each of the last months' ends,
    from the stored snapshots alone (cheap: no ledger scan)."""

    currency: str
    months: tuple[str, ...]
    dso: tuple[Decimal | None, ...]
    overdue_percent: tuple[Decimal | None, ...]
    complete: tuple[bool, ...]


def dashboard_trends(
    session: Session, *, org_id: int, end: date, months: int = 12
) -> list[DashboardTrend]:
    """Per currency, DSO and % overdue over the ``months`` months ending with ``end``'s
    month (the newest month to ``end``), from the daily snapshots."""
    found = []
    per_currency = month_figures_from_snapshots(session, org_id=org_id, end=end, months=months)
    for currency, points in per_currency.items():
        values = [core.kpis(figures) for _, figures, _ in points]
        found.append(
            DashboardTrend(
                currency,
                tuple(month for month, _, _ in points),
                tuple(v[Kpi.DSO] for v in values),
                tuple(v[Kpi.OVERDUE_PERCENT] for v in values),
                tuple(complete for _, _, complete in points),
            )
        )
    return found
