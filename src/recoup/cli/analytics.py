"""KPIs on the command line: ``recoup report kpis|collectors|trend|management``, ``recoup goal
set|list`` and ``recoup analytics backfill``."""

import json
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from recoup import clock, csvout, money
from recoup.analytics import core, delivery, service
from recoup.analytics.core import Kpi
from recoup.analytics.service import By
from recoup.analytics.words import figure, kpi_name
from recoup.cli import reports
from recoup.cli.app import engine, option_day, unit_of_work
from recoup.errors import InvalidInput

analytics_app = typer.Typer(help="KPI snapshots.", no_args_is_help=True)
goal_app = typer.Typer(
    help="KPI goals: targets and how the month measures up.", no_args_is_help=True
)


class Format(StrEnum):
    TABLE = "table"
    CSV = "csv"
    JSON = "json"


Org = Annotated[str | None, typer.Option("--org")]
AsOf = Annotated[str | None, typer.Option("--as-of", help="YYYY-MM-DD; default today")]
Period = Annotated[str | None, typer.Option("--period", help="a calendar month, YYYY-MM")]
From = Annotated[str | None, typer.Option("--from", help="first day, YYYY-MM-DD")]
To = Annotated[str | None, typer.Option("--to", help="last day, YYYY-MM-DD")]
Output = Annotated[Format, typer.Option("--format")]


def parse_month(value: str) -> tuple[date, date]:
    """A ``YYYY-MM`` month's first and last day; a clear error otherwise."""
    try:
        year, month = (int(part) for part in value.strip().split("-"))
        return core.month_bounds(year, month)
    except ValueError:
        raise InvalidInput(f"{value!r} is not a month (YYYY-MM)", field="period") from None


def period_of(
    as_of: str | None, period: str | None, start: str | None, end: str | None
) -> tuple[date, date]:
    """The period asked for: ``--period``, ``--from``/``--to``, or the month to date of
    ``--as-of`` (today)."""
    if period is not None:
        if as_of or start or end:
            raise InvalidInput("give --period, or --from/--to, or --as-of", field="period")
        return parse_month(period)
    if start is not None or end is not None:
        if as_of:
            raise InvalidInput("give --from/--to or --as-of, not both", field="as_of")
        last = option_day(end, "to")
        first = option_day(start, "from") if start else last.replace(day=1)
        if last < first:
            raise InvalidInput("--to is before --from", field="to")
        return first, last
    day = option_day(as_of, "as_of")
    return day.replace(day=1), day


def _write(records: list[dict[str, Any]], output: Format, table: str) -> None:
    if output is Format.JSON:
        typer.echo(json.dumps(records, indent=2))
    elif output is Format.CSV:
        if records:
            writer = csvout.writer(sys.stdout)
            writer.writerow(records[0])
            writer.writerows([("" if v is None else v) for v in r.values()] for r in records)
    else:
        typer.echo(table)


def _table(headers: list[str], rows: list[list[str]], left: int = 1) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.ljust(w) if i < left else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return "\n".join([line(headers), *(line(r) for r in rows)])


def _number(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def kpis(
    as_of: AsOf = None,
    period: Period = None,
    start: From = None,
    end: To = None,
    by: Annotated[By, typer.Option("--by")] = By.CURRENCY,
    output: Output = Format.TABLE,
    org: Org = None,
) -> None:
    """Every KPI of a period per currency (never added across currencies), optionally
    per collector, segment (customer tag) or country."""
    with unit_of_work(org) as (session, organisation):
        first, last = period_of(as_of, period, start, end)
        rows = service.kpi_rows(session, org_id=organisation.id, start=first, end=last, by=by)
    records = []
    for row in rows:
        record: dict[str, Any] = {"currency": row.currency}
        if by is not By.CURRENCY:
            record[by.value] = row.group
        record |= {kpi.value: _number(row.values[kpi]) for kpi in Kpi}
        records.append(record)
    if not rows:
        table = f"KPIs {first} to {last}: nothing invoiced or open"
    else:
        heads = [
            row.currency if by is By.CURRENCY else f"{row.currency} {row.group or '—'}"
            for row in rows
        ]
        lines = [[kpi_name(k), *(figure(r.values[k]) for r in rows)] for k in Kpi]
        table = f"KPIs {first} to {last}\n" + _table(["", *heads], lines)
    _write(records, output, table)


# The collector figures of ``recoup report collectors``: (JSON/CSV key, table label, value).
_COLLECTOR_FIGURES: tuple[tuple[str, str, Callable[[service.CollectorRow], Any]], ...] = (
    ("accounts", "Accounts open", lambda r: r.figures.accounts),
    ("open_amount", "Open amount", lambda r: _money(r.figures.open_amount, r.currency)),
    ("collected", "Collected", lambda r: _money(r.figures.collected, r.currency)),
    (
        "collected_after_contact",
        "Collected after contact",
        lambda r: _money(r.figures.collected_after_contact, r.currency),
    ),
    (
        "collected_after_contact_percent",
        "Collected after contact (%)",
        lambda r: r.rates.collected_after_contact_percent,
    ),
    ("promises_made", "Promises made", lambda r: r.rates.promises_made),
    ("promises_closed", "Promises closed", lambda r: r.rates.promises_closed),
    ("promises_kept", "Promises kept", lambda r: r.rates.promises_kept),
    ("promise_kept_percent", "Promises kept (%)", lambda r: r.rates.promise_kept_percent),
    ("disputes_resolved", "Disputes resolved", lambda r: r.rates.disputes_resolved),
    ("disputes_within_sla", "Resolved within SLA", lambda r: r.rates.disputes_within_sla),
    (
        "disputes_within_sla_percent",
        "Resolved within SLA (%)",
        lambda r: r.rates.disputes_within_sla_percent,
    ),
    ("tasks_done", "Tasks done", lambda r: r.figures.tasks_done),
    ("tasks_due", "Tasks done with a due date", lambda r: r.figures.tasks_due),
    ("tasks_on_time", "Tasks done on time", lambda r: r.figures.tasks_on_time),
    ("tasks_on_time_percent", "Tasks on time (%)", lambda r: r.rates.tasks_on_time_percent),
    ("dso", kpi_name(Kpi.DSO), lambda r: r.values[Kpi.DSO]),
    ("cei", kpi_name(Kpi.CEI), lambda r: r.values[Kpi.CEI]),
)


def _money(minor: int, currency: str) -> Decimal:
    return money.from_minor(minor, currency)


def _cell(value: Any) -> str:
    if value is None or isinstance(value, Decimal):
        return figure(value)
    return str(value)


def collectors(
    as_of: AsOf = None,
    period: Period = None,
    start: From = None,
    end: To = None,
    output: Output = Format.TABLE,
    org: Org = None,
) -> None:
    """Each collector's performance per currency: accounts open at the period's end,
    collected and collected after a contact, promises kept, disputes resolved within
    the SLA, tasks done on time, and the portfolio's DSO and CEI."""
    with unit_of_work(org) as (session, organisation):
        first, last = period_of(as_of, period, start, end)
        rows = service.collector_rows(session, org_id=organisation.id, start=first, end=last)
    records = []
    for row in rows:
        record: dict[str, Any] = {"currency": row.currency, "collector": row.collector}
        for key, _, value in _COLLECTOR_FIGURES:
            found = value(row)
            record[key] = str(found) if isinstance(found, Decimal) else found
        records.append(record)
    if not rows:
        table = f"Collectors {first} to {last}: nothing open, paid or done"
    else:
        heads = [f"{row.currency} {row.collector or '(unassigned)'}" for row in rows]
        lines = [
            [label, *(_cell(value(r)) for r in rows)] for _, label, value in _COLLECTOR_FIGURES
        ]
        table = f"Collectors {first} to {last}\n" + _table(["", *heads], lines)
    _write(records, output, table)


def trend(
    kpi: Annotated[Kpi, typer.Argument(help="the KPI, e.g. dso, cei, overdue_percent")],
    months: Annotated[int, typer.Option("--months", min=1, max=120)] = 12,
    as_of: AsOf = None,
    output: Output = Format.TABLE,
    org: Org = None,
) -> None:
    """A KPI month by month per currency (balance KPIs from the daily snapshots)."""
    with unit_of_work(org) as (session, organisation):
        end = option_day(as_of, "as_of")
        points = service.trend(session, org_id=organisation.id, kpi=kpi, end=end, months=months)
    records = [
        {
            "currency": p.currency,
            "month": p.month,
            kpi.value: _number(p.value),
            "complete": p.complete,
        }
        for p in points
    ]
    rows = [[p.currency, p.month, figure(p.value) + ("" if p.complete else " *")] for p in points]
    table = _table(["currency", "month", kpi_name(kpi)], rows, left=2) if rows else "no figures yet"
    if any(not p.complete for p in points) or (not rows and kpi in service.SNAPSHOT_KPIS):
        table += "\n* days without a snapshot: run `recoup analytics backfill --from DATE`"
    _write(records, output, table)


def backfill(
    start: Annotated[str, typer.Option("--from", help="first day to rebuild, YYYY-MM-DD")],
    end: Annotated[str | None, typer.Option("--to", help="last day; default yesterday")] = None,
    org: Org = None,
) -> None:
    """Rebuild the daily KPI snapshots from the ledger's history (an imported book)."""
    with unit_of_work(org) as (session, organisation):
        first = option_day(start, "from")
        last = option_day(end, "to") if end else clock.today() - timedelta(days=1)
        days = service.backfill(session, org_id=organisation.id, start=first, end=last)
    typer.echo(f"{days} daily snapshots stored, {first} to {last}")


def goal_set(
    kpi: Annotated[str, typer.Argument(help="the KPI, e.g. dso or cei")],
    target: Annotated[str, typer.Argument(help="e.g. 45 (DSO at most 45) or 85 (CEI at least 85)")],
    currency: Annotated[str, typer.Option("--currency", help="only this currency")] = "",
    org: Org = None,
) -> None:
    """Set a target: an upper bound for KPIs where lower is better (DSO), a lower bound
    for the others (CEI)."""
    with unit_of_work(org) as (session, organisation):
        try:
            value = Decimal(target)
        except InvalidOperation:
            raise InvalidInput(f"{target!r} is not a number", field="target") from None
        goal = service.set_goal(
            session, org_id=organisation.id, kpi=kpi, target=value, currency=currency
        )
        which = Kpi(goal.kpi)
        bound = "at most" if which in core.LOWER_IS_BETTER else "at least"
        scope = goal.currency or "every currency"
    typer.echo(f"goal: {kpi_name(which)} {bound} {value} ({scope})")


def goal_list(
    as_of: AsOf = None,
    period: Period = None,
    start: From = None,
    end: To = None,
    output: Output = Format.TABLE,
    org: Org = None,
) -> None:
    """The goals and the period's actual figures against them (month to date by default)."""
    with unit_of_work(org) as (session, organisation):
        first, last = period_of(as_of, period, start, end)
        statuses = service.goal_statuses(session, org_id=organisation.id, start=first, end=last)
        goals = service.goals(session, org_id=organisation.id)
    records = [
        {
            "kpi": s.kpi.value,
            "currency": s.currency,
            "target": str(s.target),
            "actual": _number(s.actual),
            "met": s.met,
        }
        for s in statuses
    ]
    words = {True: "met", False: "missed", None: "no figure"}
    rows = [
        [kpi_name(s.kpi), s.currency, figure(s.target), figure(s.actual), words[s.met]]
        for s in statuses
    ]
    if not goals:
        table = "no goals yet: `recoup goal set dso 45`"
    elif not rows:
        table = f"no figures {first} to {last}"
    else:
        table = f"Goals {first} to {last}\n" + _table(
            ["KPI", "currency", "target", "actual", ""], rows, left=2
        )
    _write(records, output, table)


def management(
    month: Annotated[str, typer.Option("--month", help="the month, YYYY-MM")],
    pdf: Annotated[Path | None, typer.Option("--pdf", help="write a PDF here")] = None,
    html: Annotated[Path | None, typer.Option("--html", help="write the HTML page here")] = None,
    language: Annotated[str, typer.Option("--language", help="en or de")] = "en",
    send: Annotated[
        bool,
        typer.Option("--send", help="email it to the recipients now (through the outbox)"),
    ] = False,
    org: Org = None,
) -> None:
    """The monthly management report: aging over 12 months, DSO and CEI against the
    goals, collected against due, collectors, dispute reasons and write-offs. The daily
    run emails it to the managers on the first business day of each month; --send
    sends it now."""
    if send:
        _send_report(month, org)
        if not html and not pdf:
            return
    from recoup.analytics import report  # matplotlib: only for this command

    with unit_of_work(org) as (session, organisation):
        first, _ = parse_month(month)
        data = report.management_report(
            session, org_id=organisation.id, year=first.year, month=first.month
        )
        page = report.render_html(data, language=language)
        document = report.render_pdf(data, language=language) if pdf else None
    if html:
        html.write_text(page, encoding="utf-8")
        typer.echo(f"report written to {html}")
    if pdf and document is not None:
        pdf.write_bytes(document)
        typer.echo(f"report written to {pdf}")
    if not html and not pdf:
        typer.echo(page)


def _send_report(month: str, org: str | None) -> None:
    """Queue the report for its recipients and deliver the organisation's due outbox."""
    from recoup.comms.dispatcher import dispatch
    from recoup.config import Settings
    from recoup.jobs.effects import LiveChannels

    with unit_of_work(org) as (session, organisation):
        first, _ = parse_month(month)
        org_id = organisation.id
        sent_to = delivery.send_now(
            session, org_id=org_id, month=f"{first:%Y-%m}", now=datetime.now(UTC)
        )
    outcome = dispatch(engine(), LiveChannels(Settings()), org_id=org_id)
    typer.echo(
        f"report {first:%Y-%m} queued for {', '.join(sent_to)}; dispatched: "
        f"{outcome.sent} sent, {outcome.retrying} to retry, {outcome.failed} failed"
    )
    for problem in outcome.errors:
        typer.echo(f"  {problem}", err=True)
    if outcome.failed:
        raise typer.Exit(1)


def recipients(
    to: Annotated[
        list[str] | None,
        typer.Option("--to", help="an address to send the report to (repeat for more)"),
    ] = None,
    managers: Annotated[
        bool, typer.Option("--managers", help="send to the users with the manager role")
    ] = False,
    language: Annotated[str | None, typer.Option("--language", help="en or de")] = None,
    org: Org = None,
) -> None:
    """Who receives the monthly management report by email: the addresses given with
    --to, or (--managers, the default) every active manager. Without options: shows it."""
    with unit_of_work(org) as (session, organisation):
        current, current_language = delivery.recipients(session, org_id=organisation.id)
        if to or managers or language:
            delivery.set_recipients(
                session,
                org_id=organisation.id,
                emails=[]
                if managers
                else list(to or [])
                or delivery.configured_recipients(session, org_id=organisation.id),
                language=language or current_language,
            )
            current, current_language = delivery.recipients(session, org_id=organisation.id)
    names = ", ".join(current) if current else "nobody (no active manager)"
    typer.echo(f"management report ({current_language}) goes to: {names}")


def register(app: typer.Typer) -> None:
    """Add the analytics commands to ``recoup`` (and its ``report`` group)."""
    reports.app.command("kpis")(kpis)
    reports.app.command("collectors")(collectors)
    reports.app.command("trend")(trend)
    reports.app.command("management")(management)
    reports.app.command("recipients")(recipients)
    analytics_app.command("backfill")(backfill)
    goal_app.command("set")(goal_set)
    goal_app.command("list")(goal_list)
    app.add_typer(analytics_app, name="analytics")
    app.add_typer(goal_app, name="goal")
