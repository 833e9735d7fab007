"""The monthly management report: what it shows (``management_report``), as HTML with
server-side SVG charts (``render_html``) and as a PDF (``render_pdf``, WeasyPrint).

Per currency (never added together): aging by bucket at each of the last 12 month ends,
DSO and CEI against the organisation's goals, collected against due, the collectors'
performance (``service.collector_rows``), the month's dispute reasons and write-offs.
Every chart has its numbers in a table beside it.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup
from sqlalchemy.orm import Session

from recoup import money
from recoup.analytics import charts, core, service
from recoup.analytics.core import Kpi
from recoup.analytics.prediction import service as prediction
from recoup.analytics.prediction.forecast import Backtest
from recoup.analytics.prediction.service import AccountRisk
from recoup.analytics.service import CollectorRow
from recoup.analytics.words import DISPUTE_REASONS, LANGUAGES, REPORT_WORDS, figure, kpi_name
from recoup.cases import disputes as case_disputes
from recoup.documents.pdf import html_to_pdf
from recoup.errors import InvalidInput
from recoup.languages import locale_of
from recoup.ledger import core as ledger_core
from recoup.ledger import service as ledger
from recoup.templating import autoescape

MONTHS = 12
FORECAST_WEEKS = 13
TOP_AT_RISK = 20
TEMPLATES = Path(__file__).with_name("templates")
# The KPIs in the report's table of key figures, in this order.
KEY_FIGURES = (
    Kpi.DSO,
    Kpi.BEST_DSO,
    Kpi.ADD,
    Kpi.CEI,
    Kpi.OVERDUE_PERCENT,
    Kpi.COLLECTED_PERCENT,
    Kpi.DAYS_LATE,
    Kpi.PROMISE_KEPT_PERCENT,
    Kpi.DISPUTE_RATE,
    Kpi.BAD_DEBT_PERCENT,
    Kpi.AGENCY_RECOVERY_PERCENT,
)


@dataclass
class CurrencyReport:
    """One currency's part of the report; lists run over ``months``, oldest first."""

    currency: str
    months: list[str]
    aging: list[list[int]] = field(default_factory=list)  # per month, per bucket
    dso: list[Decimal | None] = field(default_factory=list)
    cei: list[Decimal | None] = field(default_factory=list)
    due: list[int] = field(default_factory=list)
    collected_of_due: list[int] = field(default_factory=list)
    written_off: list[int] = field(default_factory=list)
    values: dict[Kpi, Decimal | None] = field(default_factory=dict)  # of the report month
    collectors: list[CollectorRow] = field(default_factory=list)
    disputes: list[tuple[str, int, int]] = field(default_factory=list)  # reason, count, amount
    placed: list[int] = field(default_factory=list)  # with an agency, per month
    recovered: list[int] = field(default_factory=list)  # from agencies, per month
    forecast: list[int] = field(default_factory=list)  # per week from forecast_from
    backtest: Backtest | None = None
    at_risk: list[AccountRisk] = field(default_factory=list)  # the largest first


@dataclass(frozen=True, slots=True)
class ManagementReport:
    """What the month's report shows."""

    organisation: str
    month: str
    start: date
    end: date
    bucket_labels: tuple[str, ...]
    targets: dict[tuple[Kpi, str], Decimal]  # (KPI, currency or "") -> target
    currencies: list[CurrencyReport]
    forecast_from: date
    weeks: list[date]  # the forecast's weeks, by their first day
    model_trained: bool  # False: the predictions use the naive rule
    model_note: str
    country: str = ""  # the organisation's: how its dates are written ("31 December 2026")

    def target(self, kpi: Kpi, currency: str) -> Decimal | None:
        """The goal for ``kpi`` in ``currency`` (or for every currency), if any."""
        return self.targets.get((kpi, currency), self.targets.get((kpi, "")))


def management_report(
    session: Session,
    *,
    org_id: int,
    year: int,
    month: int,
    forecast_from: date | None = None,
) -> ManagementReport:
    """Gather the report of calendar month ``year``-``month`` (and the 11 before it);
    the forecast and the accounts at risk are as of ``forecast_from`` (default: the
    day after the month), from the open invoices as they stand."""
    if not 1 <= month <= 12:
        raise InvalidInput(f"{year}-{month} is not a month", field="month")
    start, end = core.month_bounds(year, month)
    periods = list(reversed(core.months_back(end, MONTHS)))
    labels = [f"{first:%Y-%m}" for first, _ in periods]
    buckets = ledger_core.aging_buckets()
    found: dict[str, CurrencyReport] = {}

    def of(currency: str) -> CurrencyReport:
        if currency not in found:
            found[currency] = CurrencyReport(
                currency,
                labels,
                aging=[[0] * len(buckets) for _ in periods],
                dso=[None] * len(periods),
                cei=[None] * len(periods),
                due=[0] * len(periods),
                collected_of_due=[0] * len(periods),
                written_off=[0] * len(periods),
                placed=[0] * len(periods),
                recovered=[0] * len(periods),
            )
        return found[currency]

    for i, (first, last) in enumerate(periods):
        for currency, _, bucket, amount, _ in ledger.receivables_on(
            session, org_id=org_id, as_of=last
        ):
            of(currency).aging[i][bucket] += amount
        for row in service.kpi_rows(session, org_id=org_id, start=first, end=last):
            part = of(row.currency)
            part.dso[i] = row.values[Kpi.DSO]
            part.cei[i] = row.values[Kpi.CEI]
            part.due[i] = row.figures.due
            part.collected_of_due[i] = row.figures.collected_of_due
            part.written_off[i] = row.figures.written_off
            part.placed[i] = row.figures.placed
            part.recovered[i] = row.figures.recovered
            if i == len(periods) - 1:
                part.values = row.values
    for collector in service.collector_rows(session, org_id=org_id, start=start, end=end):
        of(collector.currency).collectors.append(collector)
    disputes: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for dispute in case_disputes.list_disputes(session, org_id=org_id):
        if start <= dispute.opened_on <= end:
            slot = disputes[(dispute.currency, str(dispute.reason))]
            slot[0] += 1
            slot[1] += dispute.disputed_amount
    for (currency, reason), (count, amount) in disputes.items():
        of(currency).disputes.append((reason, count, amount))
    as_of = forecast_from or end + timedelta(days=1)
    model, trained = prediction.model_or_naive(session, org_id=org_id, as_of=as_of)
    for week in prediction.forecast(
        session, org_id=org_id, as_of=as_of, weeks=FORECAST_WEEKS, model=model
    ):
        of(week.currency).forecast.append(week.amount)
    made_on = as_of - timedelta(weeks=FORECAST_WEEKS)
    for check in prediction.backtest(session, org_id=org_id, made_on=made_on, weeks=FORECAST_WEEKS):
        of(check.currency).backtest = check
    scores = prediction.score_open(session, org_id=org_id, as_of=as_of, model=model)
    names = prediction.customer_names(session, org_id=org_id)
    for account in prediction.accounts_at_risk(scores, names):
        part = of(account.currency)
        if len(part.at_risk) < TOP_AT_RISK and account.at_risk > 0:
            part.at_risk.append(account)
    for part in found.values():
        part.disputes.sort(key=lambda d: (-d[1], d[0]))
        if not part.values:
            part.values = dict.fromkeys(Kpi)
    organisation = ledger.get_organisation(session, org_id=org_id)
    targets = {(Kpi(g.kpi), g.currency): g.target for g in service.goals(session, org_id=org_id)}
    return ManagementReport(
        organisation=organisation.name,
        country=organisation.country,
        month=f"{start:%Y-%m}",
        start=start,
        end=end,
        bucket_labels=tuple(b.label for b in buckets),
        targets=targets,
        currencies=[found[c] for c in sorted(found)],
        forecast_from=as_of,
        weeks=[as_of + timedelta(weeks=i) for i in range(FORECAST_WEEKS)],
        model_trained=trained,
        model_note=model.note if trained else prediction.NO_MODEL_NOTE,
    )


def _bucket_name(label: str, language: str) -> str:
    if label == "current":
        return "nicht fällig" if language == "de" else "not yet due"
    return f"{label} {'Tage' if language == 'de' else 'days'}"


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=autoescape,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _charts(
    report: ManagementReport, part: CurrencyReport, words: dict[str, str], language: str
) -> dict[str, Markup]:
    c = part.currency
    buckets = [_bucket_name(label, language) for label in report.bucket_labels]
    out = {
        "aging": charts.stacked_bars(
            key=f"aging-{c}",
            title=f"{words['aging']} ({c})",
            months=part.months,
            series=[(name, [m[i] for m in part.aging]) for i, name in enumerate(buckets)],
            currency=c,
        ),
        "dso": charts.line_against_target(
            key=f"dso-{c}",
            title=f"{words['dso']} ({c})",
            months=part.months,
            values=part.dso,
            label=kpi_name(Kpi.DSO, language),
            target=report.target(Kpi.DSO, c),
            target_label=words["goal"],
        ),
        "cei": charts.line_against_target(
            key=f"cei-{c}",
            title=f"{words['cei']} ({c})",
            months=part.months,
            values=part.cei,
            label=kpi_name(Kpi.CEI, language),
            target=report.target(Kpi.CEI, c),
            target_label=words["goal"],
        ),
        "collected": charts.grouped_bars(
            key=f"collected-{c}",
            title=f"{words['collected_vs_due']} ({c})",
            months=part.months,
            series=[(words["due"], part.due), (words["collected"], part.collected_of_due)],
            currency=c,
        ),
        "write_offs": charts.grouped_bars(
            key=f"write-offs-{c}",
            title=f"{words['write_offs']} ({c})",
            months=part.months,
            series=[(words["written_off"], part.written_off)],
            currency=c,
        ),
    }
    if any(part.placed) or any(part.recovered):
        out["agency"] = charts.grouped_bars(
            key=f"agency-{c}",
            title=f"{words['agency']} ({c})",
            months=part.months,
            series=[(words["placed"], part.placed), (words["recovered"], part.recovered)],
            currency=c,
        )
    if part.forecast:
        out["forecast"] = charts.grouped_bars(
            key=f"forecast-{c}",
            title=f"{words['forecast']} ({c})",
            months=[f"{week:%d.%m}" for week in report.weeks],
            series=[(words["expected"], part.forecast)],
            currency=c,
        )
    if part.disputes:
        reasons = DISPUTE_REASONS.get(language, DISPUTE_REASONS["en"])
        out["disputes"] = charts.horizontal_bars(
            key=f"disputes-{c}",
            title=f"{words['disputes']} ({c})",
            labels=[reasons.get(r, r) for r, _, _ in part.disputes],
            values=[n for _, n, _ in part.disputes],
        )
    return out


def render_html(report: ManagementReport, *, language: str = "en") -> str:
    """The report as one HTML page, charts inline."""
    if language not in LANGUAGES:
        raise InvalidInput(
            f"the report is in {' or '.join(LANGUAGES)}, not {language!r}", field="language"
        )
    words = REPORT_WORDS[language]
    # Its dates as the organisation's country writes them ("8 Dec 2026" in the UK).
    locale = locale_of(language, report.country)

    def amount(minor: int, currency: str) -> str:  # in the report's language, as before
        return str(format_currency(money.from_minor(minor, currency), currency, locale=language))

    return (
        _environment()
        .get_template("management.html.j2")
        .render(
            report=report,
            language=language,
            words=words,
            reasons=DISPUTE_REASONS.get(language, DISPUTE_REASONS["en"]),
            buckets=[_bucket_name(label, language) for label in report.bucket_labels],
            charts={
                part.currency: _charts(report, part, words, language) for part in report.currencies
            },
            key_figures=KEY_FIGURES,
            kpi_name=lambda kpi: kpi_name(kpi, language),
            figure=lambda value: figure(value, language),
            amount=amount,
            met=core.meets,
            percent=lambda share: _percent(share, language),
            day=lambda d: str(format_date(d, "medium", locale=locale)),
            month_name=str(format_date(report.start, "MMMM yyyy", locale=locale)),
            as_of=str(format_date(report.end, "long", locale=locale)),
        )
    )


def _percent(share: float, language: str) -> str:
    """A share as a whole percentage; a dash when it cannot be said (nothing arrived)."""
    if share != share or share in (float("inf"), float("-inf")):
        return "—"
    return str(format_decimal(round(Decimal(share) * 100), locale=language)) + " %"


def render_pdf(report: ManagementReport, *, language: str = "en") -> bytes:
    """The report as a PDF (A4 portrait)."""
    return html_to_pdf(render_html(report, language=language))
