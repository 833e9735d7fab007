"""``recoup audit verify`` and ``recoup audit checkpoint``: the keyed chain, its head,
the checkpoints outside the database, and every ledger row against its events."""

from pathlib import Path
from typing import Annotated

import typer

from recoup.audit import verification
from recoup.cli.app import unit_of_work
from recoup.ledger import service as ledger

app = typer.Typer(help="The audit log.", no_args_is_help=True)

Directory = Annotated[
    Path | None,
    typer.Option("--dir", help="checkpoint directory (default RECOUP_AUDIT_CHECKPOINT_DIR)"),
]


@app.command("verify")
def verify(
    org: Annotated[str | None, typer.Option("--org")] = None, directory: Directory = None
) -> None:
    """Check every event's key, hash and link, the head, the checkpoints, that every
    customer, invoice, credit note, payment, allocation and user is what its events say,
    and that open amounts match allocations."""
    with unit_of_work(org) as (session, organisation):
        report = verification.verify(session, org_id=organisation.id, root=directory)
        mismatches = ledger.balance_mismatches(session, org_id=organisation.id)
    for warning in report.warnings:
        typer.echo(f"warning: {warning}", err=True)
    if report.broken:
        typer.echo(
            f"audit chain BROKEN at event {report.broken.seq}: {report.broken.reason}", err=True
        )
    else:
        typer.echo(
            f"audit chain intact: {report.count} events verified "
            f"({report.count - report.unkeyed} keyed), "
            f"{report.checkpoints} checkpoint(s) compared"
        )
    for problem in report.problems:
        typer.echo(f"checkpoint: {problem}", err=True)
    for mismatch in report.mismatches:
        typer.echo(f"reconciliation: {mismatch}", err=True)
    if not report.mismatches:
        typer.echo("every reconciled row matches its events")
    for number, stored, derived in mismatches:
        typer.echo(
            f"invoice {number}: open amount {stored} but total - allocations = {derived}", err=True
        )
    if not report.ok or mismatches:
        raise typer.Exit(1)


@app.command("checkpoint")
def checkpoint(
    org: Annotated[str | None, typer.Option("--org")] = None, directory: Directory = None
) -> None:
    """Write a signed checkpoint of the chain's head outside the database (after
    verifying the events since the last one)."""
    with unit_of_work(org) as (session, organisation):
        written, path = verification.checkpoint(session, org_id=organisation.id, root=directory)
    if written.signature is None:
        typer.echo("warning: no audit key is configured (RECOUP_AUDIT_KEY): unsigned", err=True)
    typer.echo(f"checkpoint of event {written.seq} written to {path}")
