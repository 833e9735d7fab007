"""``recoup export payments|allocations|charges|credit-notes|write-offs``: what Recoup
recorded, as files Xero, QuickBooks Online or any spreadsheet imports."""

import io
import sys
from pathlib import Path
from typing import Annotated

import typer

from recoup.accounting import service
from recoup.accounting.core import FORMATS, KINDS, Accounts
from recoup.cli.app import Org, option_day, unit_of_work
from recoup.errors import InvalidInput


def export(
    kind: Annotated[str, typer.Argument(help=" | ".join(KINDS), show_default=False)],
    since: Annotated[
        str | None, typer.Option("--since", help="records dated on or after this day")
    ] = None,
    since_last: Annotated[
        bool, typer.Option("--since-last", help="records not exported before")
    ] = False,
    fmt: Annotated[str, typer.Option("--format", help=" | ".join(FORMATS))] = "csv",
    output: Annotated[
        Path | None, typer.Option("--output", help="the file to write (default: standard output)")
    ] = None,
    account: Annotated[
        str | None, typer.Option("--account", help="the account code the lines book to")
    ] = None,
    tax_type: Annotated[
        str | None, typer.Option("--tax-type", help="the tax code of the lines")
    ] = None,
    org: Org = None,
) -> None:
    """Export records to the accounting system. Every record written is remembered, so
    ``--since-last`` next time writes only what is new."""
    with unit_of_work(org) as (session, organisation):
        day = option_day(since, "since") if since is not None else None
        if kind not in KINDS:
            raise InvalidInput(f"choose one of {', '.join(KINDS)}", field="kind")
        accounts = Accounts()
        if account:
            accounts = Accounts(account, account, account, accounts.tax_type)
        if tax_type:
            accounts = Accounts(
                accounts.charges, accounts.credit_notes, accounts.write_offs, tax_type
            )
        # Written in full first: a refused export leaves no half file behind.
        buffer = io.StringIO(newline="")
        result = service.export(
            session,
            org_id=organisation.id,
            kind=kind,
            fmt=fmt,
            out=buffer,
            since=day,
            since_last=since_last,
            accounts=accounts,
        )
        if output is None:
            sys.stdout.write(buffer.getvalue())
        else:
            output.write_text(buffer.getvalue(), encoding="utf-8", newline="")
        skipped = f" ({result.skipped} credit-note allocations left out)" if result.skipped else ""
        where = f" to {output}" if output else ""
        typer.echo(f"{result.count} {kind} exported as {fmt}{where}{skipped}", err=True)


def register(app: typer.Typer) -> None:
    """Add ``recoup export``."""
    app.command("export")(export)
