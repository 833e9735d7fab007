"""``recoup charges``: what can be claimed on an invoice; import and list reference rates.
``recoup customer waive-charges``: a customer's statutory charges waived or claimed."""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Annotated

import typer
from babel.numbers import format_decimal

from recoup import clock, money
from recoup.charges import rates_update
from recoup.charges import service as charges
from recoup.charges.core import Decision, InterestExplanation
from recoup.charges.models import ChargeKind
from recoup.charges.tables import read_rate_file
from recoup.cli.app import parse_day, session_scope, unit_of_work
from recoup.ledger import service as ledger

app = typer.Typer(help="Late fees, interest and fixed compensation.", no_args_is_help=True)
rates_app = typer.Typer(help="Reference-rate tables (ECB, Bank of England, ...).")
app.add_typer(rates_app, name="rates", no_args_is_help=True)

# The unrounded interest is exact; the terminal shows it to this many decimals.
SHOWN_DECIMALS = Decimal("1e-10")


def _amount(value: Decimal) -> str:
    return str(format_decimal(value, format="#,##0.00", locale="en"))


def _unrounded(value: Decimal) -> str:
    return str(value.quantize(SHOWN_DECIMALS, rounding=ROUND_HALF_UP))


def _periods(explanation: InterestExplanation) -> list[str]:
    headers = ("from", "to", "days", "base", "rate %", "interest (unrounded)", "rate basis")
    rows = [
        (
            p.start.isoformat(),
            p.end.isoformat(),
            str(p.days),
            _amount(p.base),
            str(p.rate_percent),
            _unrounded(p.interest),
            p.basis,
        )
        for p in explanation.periods
    ]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    right = {2, 3, 4, 5}

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return [line(headers), *(line(r) for r in rows)]


@app.command("interest")
def interest(
    invoice: Annotated[str, typer.Option("--invoice", help="the invoice number")],
    as_of: Annotated[str | None, typer.Option("--as-of", help="YYYY-MM-DD; default today")] = None,
    org: Annotated[str | None, typer.Option("--org")] = None,
) -> None:
    """What can be claimed on an invoice: its interest period by period, the fixed
    compensation and the contract's late fee, and what is already charged."""
    day = parse_day(as_of)
    with unit_of_work(org) as (session, organisation):
        invoice_id = charges.invoice_id_by_number(session, org_id=organisation.id, number=invoice)
        claimable = charges.what_can_be_claimed(
            session, org_id=organisation.id, invoice_id=invoice_id, as_of=day
        )
    explanation = claimable.interest
    currency = explanation.currency
    if explanation.reason:
        typer.echo(f"No interest on {invoice} as of {day}: {explanation.reason}")
    else:
        _show_interest(invoice, day, explanation)
    typer.echo("")
    _show_decision("Fixed compensation", claimable.compensation)
    _show_decision("Late fee", claimable.late_fee)
    if claimable.waived:
        typer.echo(f"Waiver: {claimable.waived}")
    if claimable.claimed_on is not None:
        typer.echo(f"Claimed since {claimable.claimed_on} (the daily run records the charges)")
    typer.echo("")
    if claimable.charged:
        typer.echo("Already charged:")
        for charge in claimable.charged:
            typer.echo(
                f"  {charge.kind:<13}{charge.period_start} to {charge.period_end}  "
                f"{_amount(money.from_minor(charge.amount, currency)):>12} {charge.currency}"
                f"  {charge.status}"
            )
        interest_charged = [c for c in claimable.charged if c.kind == ChargeKind.INTEREST]
        if interest_charged:
            total = money.from_minor(sum(c.amount for c in interest_charged), currency)
            through = max(c.period_end for c in interest_charged)
            typer.echo(f"Interest already charged through {through}: {_amount(total)} {currency}")
    else:
        typer.echo("Already charged: nothing")
    for warning in explanation.warnings:
        typer.echo(f"warning: {warning}", err=True)


def _show_interest(invoice: str, day: date, explanation: InterestExplanation) -> None:
    currency = explanation.currency
    typer.echo(f"Interest on {invoice} as of {day} ({currency})")
    typer.echo(f"Rule: {explanation.rule}")
    if explanation.jurisdiction is not None:
        statute = explanation.jurisdiction
        typer.echo(f"Law: {statute.name}, {statute.law}" if statute.law else f"Law: {statute.name}")
        if statute.note:
            typer.echo(f"Note: {statute.note}")
    typer.echo("Simple interest, actual/365, from the day after the due date to the as-of date.")
    typer.echo("")
    if explanation.periods:
        for text in _periods(explanation):
            typer.echo(text)
    else:
        typer.echo("(nothing was open while the debt was late)")
    typer.echo("")
    typer.echo(
        f"Total: {_amount(explanation.total)} {currency} "
        f"(computed unrounded, {_unrounded(explanation.unrounded)}, rounded once, half up)"
    )


def _show_decision(label: str, decision: Decision) -> None:
    if decision.reason:
        typer.echo(f"{label}: none ({decision.reason})")
    else:
        typer.echo(f"{label}: {_amount(decision.amount)} {decision.currency} ({decision.rule})")


@app.command("list")
def list_charges(
    customer: Annotated[str, typer.Option("--customer", help="the customer's external id")],
    org: Annotated[str | None, typer.Option("--org")] = None,
) -> None:
    """A customer's open charges (id, kind, amount, description)."""
    with unit_of_work(org) as (session, organisation):
        found = ledger.get_customer(session, org_id=organisation.id, external_id=customer)
        rows = charges.open_charges(session, org_id=organisation.id, customer_id=found.id)
        for charge in rows:
            amount = _amount(money.from_minor(charge.amount, charge.currency))
            typer.echo(
                f"{charge.id:>6}  {charge.kind:<13}{amount:>12} {charge.currency}  "
                f"{charge.description}"
            )
    if not rows:
        typer.echo(f"{customer}: no open charges")


@app.command("paid")
def paid(
    charge_id: Annotated[int, typer.Argument(help="the charge's id (recoup charges list)")],
    org: Annotated[str | None, typer.Option("--org")] = None,
) -> None:
    """Record that an open charge was paid."""
    with unit_of_work(org) as (session, organisation):
        charges.mark_charge_paid(session, org_id=organisation.id, charge_id=charge_id)
    typer.echo(f"charge {charge_id}: paid")


@app.command("waive")
def waive(
    charge_id: Annotated[int, typer.Argument(help="the charge's id (recoup charges list)")],
    org: Annotated[str | None, typer.Option("--org")] = None,
) -> None:
    """Waive an open charge (it stays on record as waived)."""
    with unit_of_work(org) as (session, organisation):
        charges.waive_charge(session, org_id=organisation.id, charge_id=charge_id)
    typer.echo(f"charge {charge_id}: waived")


@rates_app.command("import")
def import_rates(
    file: Annotated[Path, typer.Argument(help="CSV: effective_from,rate_percent")],
    table: Annotated[
        str | None, typer.Option("--table", help="ecb_mro, boe_base, ...; default: file name")
    ] = None,
) -> None:
    """Add or correct reference rates; every line is checked and none is stored if one
    is wrong."""
    with session_scope() as session:
        rates = read_rate_file(file, table=table)
        result = charges.import_rates(session, table=rates, source=file.name)
        if rates.known_through is not None:  # "# checked through: YYYY-MM-DD" in the file
            charges.record_check(
                session, table=rates.name, checked_through=rates.known_through, source=file.name
            )
    typer.echo(
        f"{result.table}: {len(rates.changes)} rates read; {result.new} new, "
        f"{result.changed} changed, {result.unchanged} unchanged"
    )


@rates_app.command("list")
def list_rates(
    table: Annotated[str | None, typer.Option("--table", help="only this table")] = None,
) -> None:
    """The reference rates Recoup uses: shipped, and imported (which win)."""
    with session_scope() as session:
        if table is not None:
            charges.rate_table(session, name=table)  # refuses an unknown table clearly
        rows = charges.list_rates(session, name=table)
    typer.echo(f"{'table':<14}{'effective_from':<16}{'rate %':>8}  origin")
    for row in rows:
        typer.echo(
            f"{row.table:<14}{row.effective_from.isoformat():<16}"
            f"{row.rate_percent!s:>8}  {row.origin}"
        )


@rates_app.command("update")
def update_rates(
    table: Annotated[
        list[str] | None,
        typer.Option("--table", help="only this table (repeatable); default: every table"),
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url",
            envvar="RECOUP_RATES_BASE_URL",
            help="fetch every series from this server instead of the central banks' own "
            "(a mirror, or a test server)",
        ),
    ] = None,
) -> None:
    """Download the reference rates from the central banks' public endpoints (ECB Data
    Portal, Bank of England, Bundesbank, NBP), validate them and import what is new;
    nothing is stored if one source fails."""
    with session_scope() as session:
        results = rates_update.update_rates(
            session, today=clock.today(), tables=table, base_url=base_url
        )
    for result in results:
        if result.imported is None:
            typer.echo(f"{result.table}: up to date ({result.source})")
        else:
            done = result.imported
            typer.echo(f"{result.table}: {done.new} new, {done.changed} changed ({result.source})")


def waive_charges(
    customer: Annotated[str, typer.Argument(help="the customer's external id")],
    reason: Annotated[
        str | None, typer.Option("--reason", help="why the statutory charges are waived")
    ] = None,
    off: Annotated[bool, typer.Option("--off", help="claim statutory charges again")] = False,
    org: Annotated[str | None, typer.Option("--org")] = None,
) -> None:
    """Waive statutory interest and fixed compensation for a customer (audited), or,
    with --off, claim them again. Charges already recorded stay as they are."""
    if off == (reason is not None):
        raise typer.BadParameter("give --reason to waive, or --off to claim again")
    with unit_of_work(org) as (session, organisation):
        found = ledger.get_customer(session, org_id=organisation.id, external_id=customer)
        charges.waive_statutory_charges(
            session, org_id=organisation.id, customer_id=found.id, reason=reason
        )
    if off:
        typer.echo(f"{customer}: statutory charges are claimed again")
    else:
        typer.echo(f"{customer}: statutory charges waived ({reason})")
