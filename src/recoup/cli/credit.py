"""``recoup credit hold|release|limit|suggest|orders|check``: credit control from the
terminal. Each command is one transaction: on an error nothing is written."""

from typing import Annotated

import typer

from recoup import money
from recoup.cli.app import Customer, On, Org, money_text, option_day, unit_of_work
from recoup.credit import service as credit
from recoup.errors import InvalidInput
from recoup.ledger import service as ledger

app = typer.Typer(help="Credit limits and credit holds.", no_args_is_help=True)


@app.command("hold")
def hold(
    customer: Customer,
    reason: Annotated[str, typer.Option(help="why (the sales owner is told)")],
    by: Annotated[str, typer.Option()] = "",
    on: On = None,
    org: Org = None,
) -> None:
    """Put an account on credit hold (manual: only a person releases it)."""
    with unit_of_work(org) as (session, organisation):
        found = ledger.get_customer(session, org_id=organisation.id, external_id=customer)
        placed = credit.place_hold(
            session,
            org_id=organisation.id,
            customer_id=found.id,
            reason=reason,
            by=by,
            on=option_day(on),
        )
        typer.echo(f"{found.external_id} on credit hold (#{placed.id}, {placed.source})")


@app.command("release")
def release(
    customer: Customer,
    reason: Annotated[str, typer.Option()] = "",
    by: Annotated[str, typer.Option()] = "",
    on: On = None,
    org: Org = None,
) -> None:
    """Release every active hold on an account."""
    with unit_of_work(org) as (session, organisation):
        found = ledger.get_customer(session, org_id=organisation.id, external_id=customer)
        released = credit.release_hold(
            session,
            org_id=organisation.id,
            customer_id=found.id,
            reason=reason,
            by=by,
            on=option_day(on),
        )
        if not released:
            raise InvalidInput(f"{found.external_id} is not on credit hold", field="customer")
        typer.echo(f"{found.external_id}: {len(released)} hold(s) released; {found.status}")


@app.command("limit")
def limit(
    customer: Customer,
    amount: Annotated[
        str | None, typer.Argument(help="new limit, or 'none'; leave out to show")
    ] = None,
    reason: Annotated[str, typer.Option()] = "",
    by: Annotated[str, typer.Option()] = "",
    on: On = None,
    org: Org = None,
) -> None:
    """Show or set an account's credit limit (with its history and exposure)."""
    with unit_of_work(org) as (session, organisation):
        found = ledger.get_customer(session, org_id=organisation.id, external_id=customer)
        if amount is not None:
            value = None if amount.strip().lower() == "none" else money.parse_amount(amount)
            credit.set_credit_limit(
                session,
                org_id=organisation.id,
                customer_id=found.id,
                limit=value,
                reason=reason,
                by=by,
                on=option_day(on),
            )
        exposure = credit.exposure(session, org_id=organisation.id, customer_id=found.id)
        currency = found.currency
        typer.echo(
            f"{found.external_id} credit limit {money_text(found.credit_limit_amount, currency)}; "
            f"exposure {money_text(exposure.total, currency)} (open invoices "
            f"{money_text(exposure.open_amount, currency)} + open orders "
            f"{money_text(exposure.open_orders, currency)}); status {found.status}"
        )
        for change in credit.limit_history(session, org_id=organisation.id, customer_id=found.id):
            typer.echo(
                f"  {change.effective_on}  {money_text(change.previous_amount, currency)} → "
                f"{money_text(change.limit_amount, currency)}  {change.changed_by}  {change.reason}"
            )


@app.command("suggest")
def suggest(
    customer: Customer,
    as_of: Annotated[str | None, typer.Option("--as-of", help="YYYY-MM-DD; default today")] = None,
    apply: Annotated[bool, typer.Option(help="set the suggested limit")] = False,
    by: Annotated[str, typer.Option()] = "",
    org: Org = None,
) -> None:
    """Suggest a credit limit from the account's sales and payment history."""
    with unit_of_work(org) as (session, organisation):
        found = ledger.get_customer(session, org_id=organisation.id, external_id=customer)
        day = option_day(as_of, "as_of")
        suggestion = credit.suggest_credit_limit(
            session, org_id=organisation.id, customer_id=found.id, as_of=day
        )
        typer.echo(
            f"suggested credit limit for {found.external_id}: "
            f"{money_text(suggestion.amount, suggestion.currency)}"
        )
        for line in suggestion.reasoning:
            typer.echo(f"  {line}")
        if apply:
            credit.set_credit_limit(
                session,
                org_id=organisation.id,
                customer_id=found.id,
                limit=money.from_minor(suggestion.amount, suggestion.currency),
                reason="suggested from payment history",
                by=by,
                on=day,
            )
            typer.echo("  applied")


@app.command("orders")
def orders(
    customer: Customer,
    amount: Annotated[str, typer.Argument(help="value of orders not yet invoiced")],
    reference: Annotated[str, typer.Option()] = "",
    on: On = None,
    org: Org = None,
) -> None:
    """Report an account's open orders (they count towards its exposure)."""
    with unit_of_work(org) as (session, organisation):
        found = ledger.get_customer(session, org_id=organisation.id, external_id=customer)
        row = credit.report_open_orders(
            session,
            org_id=organisation.id,
            customer_id=found.id,
            amount=money.parse_amount(amount),
            on=option_day(on),
            reference=reference,
        )
        typer.echo(f"{found.external_id} open orders {money_text(row.open_amount, row.currency)}")


@app.command("check")
def check(
    as_of: Annotated[str | None, typer.Option("--as-of", help="YYYY-MM-DD; default today")] = None,
    max_days: Annotated[int, typer.Option(help="days past due before a hold")] = 60,
    org: Org = None,
) -> None:
    """Apply the credit rule now: hold accounts over their limit or too late, release
    the rule's holds whose condition has cleared (the daily run does this too)."""
    with unit_of_work(org) as (session, organisation):
        changes = credit.evaluate_holds(
            session,
            org_id=organisation.id,
            as_of=option_day(as_of, "as_of"),
            max_days_past_due=max_days,
        )
        typer.echo(f"{len(changes.placed)} hold(s) placed, {len(changes.released)} released")
