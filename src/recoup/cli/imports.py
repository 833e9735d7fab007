"""``recoup import customers|contacts|invoices|payments|credit-notes FILE``."""

import dataclasses
from pathlib import Path
from typing import Annotated

import typer

from recoup.cli.app import unit_of_work
from recoup.imports.columns import Kind
from recoup.imports.fields import DATE_ORDERS
from recoup.imports.readers import DEFAULT_LIMITS
from recoup.imports.service import ImportResult, import_file

app = typer.Typer(help="Import a CSV or XLSX export (all rows or none).", no_args_is_help=True)

FileArg = Annotated[Path, typer.Argument(help="a .csv or .xlsx file")]
DryRun = Annotated[bool, typer.Option("--dry-run", help="show what would change; write nothing")]
OrgOpt = Annotated[str | None, typer.Option("--org", help="organisation slug")]
DateOrder = Annotated[
    str | None,
    typer.Option("--date-order", help=f"{'|'.join(DATE_ORDERS)} when the file's is ambiguous"),
]
MaxRows = Annotated[
    int,
    typer.Option(
        "--max-rows",
        min=1,
        help="refuse the file past this many data rows (the import streams: memory "
        "stays bounded however many)",
    ),
]


def _run(
    kind: Kind,
    file: Path,
    dry_run: bool,
    org: str | None,
    date_order: str | None,
    max_rows: int,
) -> None:
    if date_order is not None and date_order not in DATE_ORDERS:
        raise typer.BadParameter(f"--date-order must be one of {', '.join(DATE_ORDERS)}")
    with unit_of_work(org) as (session, organisation):
        result = import_file(
            session,
            org_id=organisation.id,
            kind=kind,
            path=file,
            dry_run=dry_run,
            date_order=date_order,
            limits=dataclasses.replace(DEFAULT_LIMITS, rows=max_rows),
        )
        if dry_run:
            session.rollback()
    _report(result)


def _report(result: ImportResult) -> None:
    for line in result.changes:
        typer.echo(line)
    verb = "would be" if result.dry_run else "were"
    summary = (
        f"{result.rows} rows: {result.created} created, {result.updated} updated, "
        f"{result.unchanged} unchanged"
    )
    if result.allocations or result.settlements:
        summary += f"; {result.allocations} allocations, {result.settlements} settlements"
    typer.echo(
        f"{summary} ({result.kind}; changes {verb} {'planned' if result.dry_run else 'written'})"
    )
    for note in result.notes():
        typer.echo(note)


def _command(kind: Kind) -> None:
    def command(
        file: FileArg,
        dry_run: DryRun = False,
        org: OrgOpt = None,
        date_order: DateOrder = None,
        max_rows: MaxRows = DEFAULT_LIMITS.rows,
    ) -> None:
        _run(kind, file, dry_run, org, date_order, max_rows)

    command.__doc__ = f"Import {kind.value.replace('-', ' ')} from FILE."
    app.command(kind.value)(command)


for _kind in Kind:
    _command(_kind)
