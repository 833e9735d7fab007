"""``recoup plan create|show``: payment plans."""

from datetime import date
from decimal import Decimal
from typing import Annotated

import typer
from sqlalchemy.orm import Session

from recoup.cases import plans
from recoup.cases.ledger_views import invoices_by_id
from recoup.cli.app import Org, money_text, option_day, unit_of_work
from recoup.cli.cases.common import Invoices, amount, named_customer, named_invoices

plan_app = typer.Typer(help="Payment plans.", no_args_is_help=True)


def _split(value: str | None) -> list[str] | None:
    return None if value is None else [part.strip() for part in value.split(",") if part.strip()]


@plan_app.command("create")
def plan_create(
    customer: Annotated[str, typer.Argument(help="account number")],
    invoice: Invoices = None,
    instalments: Annotated[int | None, typer.Option(help="equal instalments")] = None,
    first: Annotated[str | None, typer.Option(help="first due date")] = None,
    frequency: Annotated[str, typer.Option(help="weekly, fortnightly, monthly")] = "monthly",
    amounts: Annotated[str | None, typer.Option(help="custom amounts: 100,100,50.50")] = None,
    dates: Annotated[str | None, typer.Option(help="custom dates: 2026-02-01,...")] = None,
    interest: Annotated[str, typer.Option(help="annual interest in percent")] = "0",
    reminder_days: Annotated[int, typer.Option(help="reminder this many days before")] = 3,
    grace: Annotated[int, typer.Option(help="days late before the plan defaults")] = 7,
    by: Annotated[str, typer.Option(help="collector who agreed it")] = "",
    contact: Annotated[str, typer.Option()] = "",
    start: Annotated[str | None, typer.Option(help="YYYY-MM-DD; default today")] = None,
    org: Org = None,
) -> None:
    """Agree a payment plan over invoices: instalment reminders replace the ladder."""
    with unit_of_work(org) as (session, organisation):
        who = named_customer(session, organisation.id, customer)
        invoices = named_invoices(session, organisation.id, invoice)
        custom_dates = _split(dates)
        plan = plans.create_plan(
            session,
            org_id=organisation.id,
            customer_id=who.id,
            invoice_ids=[i.id for i in invoices],
            start_on=option_day(start, "start"),
            first_due=None if first is None else option_day(first, "first"),
            instalments=instalments,
            frequency=frequency,
            amounts=None
            if amounts is None
            else [amount(a, "amounts") for a in _split(amounts) or []],
            dates=None if custom_dates is None else [option_day(d, "dates") for d in custom_dates],
            interest_rate=amount(interest, "interest"),
            reminder_days=reminder_days,
            grace_days=grace,
            agreed_by=by,
            contact=contact,
        )
        _show_plan(session, organisation.id, plan.id, plan.created_on)


def _show_plan(session: Session, org_id: int, plan_id: int, as_of: date) -> None:
    state = plans.plan_detail(session, org_id=org_id, plan_id=plan_id, as_of=as_of)
    plan = state.plan
    numbers = invoices_by_id(session, org_id=org_id, ids=state.invoice_ids)
    principal = money_text(plan.principal_amount, plan.currency)
    typer.echo(
        f"payment plan #{plan.id} ({plan.status}): {principal}"
        f" over {', '.join(numbers[i].number for i in state.invoice_ids)}"
        + (
            f", interest {Decimal(plan.interest_rate_bp) / 100} % a year"
            if plan.interest_rate_bp
            else ""
        )
    )
    for s in state.states:
        interest = f" + {money_text(s.interest, plan.currency)} interest" if s.interest else ""
        typer.echo(
            f"  {s.seq}. {s.due_on}  {money_text(s.principal, plan.currency)}{interest}  "
            f"paid {money_text(s.paid, plan.currency)}  {s.status}"
        )


@plan_app.command("show")
def plan_show(
    plan_id: int,
    as_of: Annotated[str | None, typer.Option("--as-of", help="YYYY-MM-DD; default today")] = None,
    org: Org = None,
) -> None:
    """A plan's instalments and what has been paid."""
    with unit_of_work(org) as (session, organisation):
        _show_plan(session, organisation.id, plan_id, option_day(as_of, "as_of"))
