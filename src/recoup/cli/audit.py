"""``recoup audit verify``: recompute the hash chain and the ledger's balances."""

from typing import Annotated

import typer

from recoup.audit import service as audit
from recoup.cli.app import unit_of_work
from recoup.ledger import service as ledger

app = typer.Typer(help="The audit log.", no_args_is_help=True)


@app.command("verify")
def verify(org: Annotated[str | None, typer.Option("--org")] = None) -> None:
    """Check every event's hash and link, and that open amounts match allocations."""
    with unit_of_work(org) as (session, organisation):
        count, broken = audit.verify(session, org_id=organisation.id)
        mismatches = ledger.balance_mismatches(session, org_id=organisation.id)
    if broken:
        typer.echo(f"audit chain BROKEN at event {broken.seq}: {broken.reason}", err=True)
    else:
        typer.echo(f"audit chain intact: {count} events verified")
    for number, stored, derived in mismatches:
        typer.echo(
            f"invoice {number}: open amount {stored} but total - allocations = {derived}", err=True
        )
    if broken or mismatches:
        raise typer.Exit(1)
