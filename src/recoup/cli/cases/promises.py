"""``recoup promise add|list|rate|cancel``: promises to pay."""

from datetime import timedelta
from decimal import Decimal
from typing import Annotated, Any

import typer

from recoup.cases import promises
from recoup.cases.ledger_views import customers_by_id
from recoup.cli.app import On, Org, money_text, option_day, unit_of_work
from recoup.cli.cases.common import amount, named_customer, named_invoices
from recoup.ledger import service as ledger

promise_app = typer.Typer(help="Promises to pay.", no_args_is_help=True)


@promise_app.command("add")
def promise_add(
    customer: Annotated[str, typer.Argument(help="account number or name")],
    promised: Annotated[str, typer.Option("--date", help="promised payment date")],
    invoice: Annotated[
        list[str] | None,
        typer.Option("--invoice", "-i", help="INV-1 (all open) or INV-1:100.00; repeatable"),
    ] = None,
    contact: Annotated[str, typer.Option(help="who promised")] = "",
    channel: Annotated[str, typer.Option(help="phone, email, letter, portal, ...")] = "phone",
    by: Annotated[str | None, typer.Option(help="collector; default the account's")] = None,
    grace: Annotated[int, typer.Option(help="days after the date")] = 3,
    confirm: Annotated[bool, typer.Option(help="email a confirmation")] = False,
    note: Annotated[str, typer.Option()] = "",
    on: On = None,
    org: Org = None,
) -> None:
    """Record a promise to pay: the invoices are paused until the date + grace days."""
    with unit_of_work(org) as (session, organisation):
        who = named_customer(session, organisation.id, customer)
        specs = [s.rpartition(":") if ":" in s else ("", "", s) for s in invoice or []]
        numbers = [number if sep else rest for number, sep, rest in specs]
        items: list[tuple[int, Decimal | None]] = [
            (i.id, None)  # no --invoice: everything the customer has open
            for i in ledger.open_invoices(session, org_id=organisation.id, customer_id=who.id)
        ]
        if invoice:
            invoices = named_invoices(session, organisation.id, numbers)
            items = [
                (i.id, amount(rest) if sep else None)
                for i, (_, sep, rest) in zip(invoices, specs, strict=True)
            ]
        promise = promises.add_promise(
            session,
            org_id=organisation.id,
            customer_id=who.id,
            items=items,
            promised_on=option_day(promised, "date"),
            made_on=option_day(on),
            contact=contact,
            channel=channel,
            collector=by,
            grace_days=grace,
            note=note,
            confirm=confirm,
        )
        typer.echo(
            f"promise #{promise.id}: {money_text(promise.promised_amount, promise.currency)} by "
            f"{promise.promised_on}; paused through "
            f"{promise.promised_on + timedelta(days=promise.grace_days)}"
        )


@promise_app.command("list")
def promise_list(
    status: Annotated[list[str] | None, typer.Option(help="only these statuses")] = None,
    customer: Annotated[str | None, typer.Option(help="account number")] = None,
    org: Org = None,
) -> None:
    """Promises to pay, oldest first."""
    with unit_of_work(org) as (session, organisation):
        customer_id = named_customer(session, organisation.id, customer).id if customer else None
        found = promises.list_promises(
            session, org_id=organisation.id, statuses=status or None, customer_id=customer_id
        )
        names = customers_by_id(session, org_id=organisation.id, ids=[p.customer_id for p in found])
        for p in found:
            typer.echo(
                f"#{p.id}  {p.made_on}  {names[p.customer_id].external_id}  "
                f"{money_text(p.promised_amount, p.currency)} by {p.promised_on}  {p.status}  "
                f"kept {money_text(p.kept_amount, p.currency)}  {p.collector}"
            )
        if not found:
            typer.echo("no promises")


@promise_app.command("rate")
def promise_rate(
    since: Annotated[str | None, typer.Option(help="promises made on or after")] = None,
    org: Org = None,
) -> None:
    """Promise-kept rates: kept / (kept + partially kept + broken), per collector and
    per customer."""
    with unit_of_work(org) as (session, organisation):
        rates = promises.promise_kept_rates(
            session,
            org_id=organisation.id,
            since=None if since is None else option_day(since, "since"),
        )
        names = customers_by_id(session, org_id=organisation.id, ids=list(rates.by_customer))

        def line(label: str, r: Any) -> str:
            shown = "n/a" if r.percent is None else f"{r.percent} %"
            return (
                f"{label}: {shown}  (kept {r.kept}, partially kept {r.partially_kept}, "
                f"broken {r.broken}; pending {r.pending}, cancelled {r.cancelled})"
            )

        typer.echo(line("all", rates.overall))
        for collector, r in sorted(rates.by_collector.items()):
            typer.echo(line(f"collector {collector or '(none)'}", r))
        for customer_id, r in sorted(
            rates.by_customer.items(), key=lambda kv: names[kv[0]].external_id
        ):
            typer.echo(line(f"customer {names[customer_id].external_id}", r))


@promise_app.command("cancel")
def promise_cancel(
    promise_id: int,
    reason: Annotated[str, typer.Option()] = "",
    on: On = None,
    org: Org = None,
) -> None:
    """Withdraw a pending promise (it ends the pause and counts in no rate)."""
    with unit_of_work(org) as (session, organisation):
        promises.cancel_promise(
            session, org_id=organisation.id, promise_id=promise_id, on=option_day(on), reason=reason
        )
        typer.echo(f"promise #{promise_id} cancelled")
