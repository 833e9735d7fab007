"""``recoup model``: train, evaluate, show and apply the late-payment model, and the cash
forecast built on it."""

import json
import math
from datetime import UTC, date, datetime
from typing import Annotated

import typer

from recoup import clock, money
from recoup.analytics.prediction import service as prediction
from recoup.analytics.prediction.model import Metrics
from recoup.cli.app import Org, option_day, parse_day, unit_of_work
from recoup.errors import InvalidInput

app = typer.Typer(help="The late-payment model and the cash forecast.", no_args_is_help=True)

Day = Annotated[str | None, typer.Option("--on", help="YYYY-MM-DD; default today")]


def _required_day(value: str, option: str) -> date:
    try:
        return option_day(value, option)
    except InvalidInput as error:
        raise typer.BadParameter(error.message) from None


@app.command("train")
def train(
    until: Annotated[
        str | None,
        typer.Option("--until", help="train on invoices issued before this day; default today"),
    ] = None,
    late_after: Annotated[
        int, typer.Option("--late-after", help="'late' means paid more than this many days late")
    ] = prediction.DEFAULT_LATE_AFTER_DAYS,
    org: Org = None,
) -> None:
    """Train the model on the organisation's history and store it with its metrics."""
    day = None if until is None else _required_day(until, "until")
    with unit_of_work(org) as (session, organisation):
        row = prediction.train(
            session,
            org_id=organisation.id,
            now=datetime.now(UTC),
            until=day,
            late_after_days=late_after,
        )
        typer.echo(f"trained on invoices issued before {row.until}: {row.metrics['note']}")
        _echo_stored_metrics(row.metrics)


def _echo_stored_metrics(metrics: dict[str, object]) -> None:
    holdout, naive = metrics.get("holdout"), metrics.get("naive")
    if isinstance(holdout, dict) and isinstance(naive, dict):
        typer.echo(f"tested on the invoices issued from {metrics['holdout_from']}:")
        typer.echo(_table([("model", holdout), ("naive", naive)]))


def _table(rows: list[tuple[str, dict[str, float]]]) -> str:
    lines = [f"{'':8}{'invoices':>9}{'AUC':>8}{'accuracy':>10}{'Brier':>8}{'MAE days':>10}"]
    for name, m in rows:
        lines.append(
            f"{name:8}{int(m['invoices']):>9}{_f(m['auc'], 3):>8}{_f(m['accuracy'], 3):>10}"
            f"{_f(m['brier'], 3):>8}{_f(m['mae_days'], 2):>10}"
        )
    return "\n".join(lines)


def _f(value: float, digits: int) -> str:
    return "-" if value is None or math.isnan(value) else f"{value:.{digits}f}"


@app.command("evaluate")
def evaluate(
    split_date: Annotated[
        str, typer.Option("--split-date", help="train before this day, test from it")
    ],
    late_after: Annotated[
        int, typer.Option("--late-after", help="'late' means paid more than this many days late")
    ] = prediction.DEFAULT_LATE_AFTER_DAYS,
    without_disputes: Annotated[
        bool, typer.Option("--without-disputes", help="leave the disputes out of the features")
    ] = False,
    output: Annotated[str, typer.Option("--format", help="table or json")] = "table",
    org: Org = None,
) -> None:
    """Train on invoices issued before the split date and test on the settled ones
    issued from it: AUC, accuracy, Brier score and MAE of the payment date in days,
    beside the naive rule (each invoice as late as its customer's average)."""
    split = _required_day(split_date, "split_date")
    with unit_of_work(org) as (session, organisation):
        result = prediction.evaluate(
            session,
            org_id=organisation.id,
            split_date=split,
            known_on=clock.today(),
            late_after_days=late_after,
            disputes=not without_disputes,
        )
    if output == "json":
        payload = {
            "split_date": split.isoformat(),
            "trained_on": result.trained_on,
            "model": result.metrics.as_dict(),
            "naive": result.naive.as_dict(),
            "note": result.model.note,
        }
        typer.echo(json.dumps(payload, indent=2))
        return
    tested = (
        f"tested on {result.metrics.invoices} settled from then, "
        f"{result.metrics.share_late:.0%} of them paid late"
        if result.metrics.invoices
        else "no invoice issued from then is settled yet: nothing to test on"
    )
    typer.echo(
        f"trained on {result.trained_on} invoices issued before {split} "
        f"({result.model.note}); {tested}"
    )
    typer.echo(_table([("model", _m(result.metrics)), ("naive", _m(result.naive))]))


def _m(metrics: Metrics) -> dict[str, float]:
    return {k: math.nan if v is None else float(v) for k, v in metrics.as_dict().items()}


@app.command("show")
def show(org: Org = None) -> None:
    """The stored model: when it was trained, on what, and how well it did."""
    with unit_of_work(org) as (session, organisation):
        row = prediction.latest_model(session, org_id=organisation.id)
        typer.echo(
            f"trained {row.trained_at:%Y-%m-%d %H:%M} UTC on invoices issued before "
            f"{row.until}; late means more than {row.late_after_days} days after the due date"
        )
        typer.echo(str(row.metrics.get("note", row.kind)))
        _echo_stored_metrics(row.metrics)


@app.command("score")
def score(
    on: Day = None,
    output: Annotated[str, typer.Option("--format", help="table or json")] = "table",
    risk_bands: Annotated[
        bool,
        typer.Option("--risk-bands", help="set customers' risk_band (low/medium/high) from it"),
    ] = False,
    org: Org = None,
) -> None:
    """Each open invoice's chance of being paid late and its expected payment date."""
    day = parse_day(on)
    with unit_of_work(org) as (session, organisation):
        scores = prediction.score_open(session, org_id=organisation.id, as_of=day)
        labels = prediction.customer_names(session, org_id=organisation.id)
        if risk_bands:
            bands = prediction.assign_risk_bands(session, org_id=organisation.id, as_of=day)
            typer.echo(f"risk bands set for {len(bands)} customers", err=True)
    if output == "json":
        typer.echo(
            json.dumps(
                [
                    {
                        "invoice": s.number,
                        "customer": labels.get(s.customer_id, ""),
                        "currency": s.currency,
                        "open": money.format_minor(s.open_amount, s.currency),
                        "due": s.due_date.isoformat(),
                        "probability_late": round(s.probability_late, 4),
                        "expected_on": s.expected_on.isoformat(),
                    }
                    for s in scores
                ],
                indent=2,
            )
        )
        return
    typer.echo(f"{'invoice':14}{'customer':24}{'open':>14} {'due':11}{'late':>6}  expected")
    for s in scores:
        amount = f"{money.format_minor(s.open_amount, s.currency)} {s.currency}"
        typer.echo(
            f"{s.number[:13]:14}{labels.get(s.customer_id, '')[:23]:24}{amount:>14} "
            f"{s.due_date.isoformat():11}{s.probability_late:>6.0%}  {s.expected_on}"
        )


@app.command("forecast")
def forecast(
    weeks: Annotated[int, typer.Option("--weeks", min=1, max=104)] = 13,
    on: Day = None,
    backtest: Annotated[
        str | None,
        typer.Option("--backtest", help="also the forecast made on this earlier day vs actual"),
    ] = None,
    org: Org = None,
) -> None:
    """Expected receipts per week and currency from the open invoices' predicted
    payment dates, promises and payment-plan instalments."""
    day = parse_day(on)
    tested = None if backtest is None else _required_day(backtest, "backtest")
    with unit_of_work(org) as (session, organisation):
        weekly = prediction.forecast(session, org_id=organisation.id, as_of=day, weeks=weeks)
        checks = (
            []
            if tested is None
            else prediction.backtest(session, org_id=organisation.id, made_on=tested, weeks=weeks)
        )
    typer.echo(f"expected receipts per week from {day}:" if weekly else "nothing open to forecast")
    for week in weekly:
        typer.echo(
            f"  {week.start}  {money.format_minor(week.amount, week.currency):>16} {week.currency}"
        )
    for check in checks:
        typer.echo(
            f"backtest: forecast made on {check.made_on} vs what arrived "
            f"({check.currency}): weekly error {check.error:.0%}, "
            f"{money.format_minor(sum(check.forecast), check.currency)} forecast in all vs "
            f"{money.format_minor(sum(check.actual), check.currency)} arrived"
        )


def register(parent: typer.Typer) -> None:
    """Add ``recoup model`` to the command line."""
    parent.add_typer(app, name="model")


__all__ = ["app", "register"]
