"""``recoup dispute open|investigate|resolve|list``."""

from typing import Annotated

import typer

from recoup.cases import disputes
from recoup.cases.ledger_views import customers_by_id, invoices_by_id
from recoup.cli.app import On, Org, money_text, option_day, unit_of_work
from recoup.cli.cases.common import Invoices, amount, named_customer, named_invoices

dispute_app = typer.Typer(help="Disputes: open, investigate, resolve, list.", no_args_is_help=True)


@dispute_app.command("open")
def dispute_open(
    customer: Annotated[str, typer.Argument(help="account number")],
    invoice: Invoices = None,
    reason: Annotated[
        str,
        typer.Option(
            help="pricing, quantity, quality, not_received, duplicate, already_paid, other"
        ),
    ] = "other",
    amount_: Annotated[
        str | None, typer.Option("--amount", help="in dispute; default all open")
    ] = None,
    owner: Annotated[str, typer.Option(help="who resolves it (email)")] = "",
    lines: Annotated[str, typer.Option(help="the disputed invoice lines, as text")] = "",
    description: Annotated[str, typer.Option()] = "",
    on: On = None,
    org: Org = None,
) -> None:
    """Open a dispute on invoices: they leave the escalation ladder until it is resolved."""
    with unit_of_work(org) as (session, organisation):
        who = named_customer(session, organisation.id, customer)
        invoices = named_invoices(session, organisation.id, invoice)
        dispute = disputes.open_dispute(
            session,
            org_id=organisation.id,
            customer_id=who.id,
            invoice_ids=[i.id for i in invoices],
            reason=reason,
            amount=None if amount_ is None else amount(amount_),
            owner=owner,
            lines=lines,
            description=description,
            opened_on=option_day(on),
        )
        typer.echo(
            f"dispute #{dispute.id} opened ({dispute.reason}, "
            f"{money_text(dispute.disputed_amount, dispute.currency)}) on "
            f"{', '.join(i.number for i in invoices)}: paused until resolved"
        )


@dispute_app.command("investigate")
def dispute_investigate(dispute_id: int, org: Org = None) -> None:
    """Mark a dispute as under investigation."""
    with unit_of_work(org) as (session, organisation):
        disputes.investigate_dispute(session, org_id=organisation.id, dispute_id=dispute_id)
        typer.echo(f"dispute #{dispute_id} is under investigation")


@dispute_app.command("resolve")
def dispute_resolve(
    dispute_id: int,
    outcome: Annotated[str, typer.Option(help="valid, invalid or credited")],
    amount_: Annotated[
        str | None,
        typer.Option("--amount", help="credit (credited only); default the amount in dispute"),
    ] = None,
    note: Annotated[str, typer.Option()] = "",
    by: Annotated[str, typer.Option(help="who resolved it")] = "",
    on: On = None,
    org: Org = None,
) -> None:
    """Resolve a dispute; ``credited`` issues and applies a credit note."""
    with unit_of_work(org) as (session, organisation):
        dispute = disputes.resolve_dispute(
            session,
            org_id=organisation.id,
            dispute_id=dispute_id,
            outcome=outcome,
            on=option_day(on),
            note=note,
            credit_amount=None if amount_ is None else amount(amount_),
            by=by,
        )
        extra = f", credit note CN-DSP-{dispute.id}" if dispute.credit_note_id else ""
        typer.echo(f"dispute #{dispute.id} {dispute.status}{extra}; escalation resumes")


@dispute_app.command("list")
def dispute_list(
    status: Annotated[list[str] | None, typer.Option(help="only these statuses")] = None,
    customer: Annotated[str | None, typer.Option(help="account number")] = None,
    org: Org = None,
) -> None:
    """Disputes, oldest first."""
    with unit_of_work(org) as (session, organisation):
        customer_id = named_customer(session, organisation.id, customer).id if customer else None
        found = disputes.list_disputes(
            session, org_id=organisation.id, statuses=status or None, customer_id=customer_id
        )
        names = customers_by_id(session, org_id=organisation.id, ids=[d.customer_id for d in found])
        for d in found:
            ids = disputes.dispute_invoice_ids(session, org_id=organisation.id, dispute_id=d.id)
            numbers = invoices_by_id(session, org_id=organisation.id, ids=ids)
            typer.echo(
                f"#{d.id}  {d.opened_on}  {names[d.customer_id].external_id}  {d.reason}  "
                f"{money_text(d.disputed_amount, d.currency)}  {d.status}  "
                f"{','.join(numbers[i].number for i in ids)}  {d.owner}"
            )
        if not found:
            typer.echo("no disputes")
