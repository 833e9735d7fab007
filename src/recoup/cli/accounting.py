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

app = typer.Typer(
    help="What Recoup recorded, as files the accounting system imports.", no_args_is_help=True
)


Since = Annotated[str | None, typer.Option("--since", help="records dated on or after this day")]
SinceLast = Annotated[bool, typer.Option("--since-last", help="records not exported before")]
FormatOption = Annotated[str, typer.Option("--format", help=" | ".join(FORMATS))]
Output = Annotated[
    Path | None, typer.Option("--output", help="the file to write (default: standard output)")
]
Account = Annotated[str | None, typer.Option("--account", help="the account code to book to")]
TaxType = Annotated[str | None, typer.Option("--tax-type", help="the tax code of the lines")]


def _export(
    kind: str,
    since: str | None,
    since_last: bool,
    fmt: str,
    output: Path | None,
    account: str | None,
    tax_type: str | None,
    org: str | None,
) -> None:
    """Export records to the accounting system. Every record written is remembered, so
    ``--since-last`` next time writes only what is new."""
    with unit_of_work(org) as (session, organisation):
        day = option_day(since, "since") if since is not None else None
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


def _command(kind: str) -> None:
    """Register ``recoup export <kind>`` (the same options for every kind)."""

    def command(
        since: Since = None,
        since_last: SinceLast = False,
        fmt: FormatOption = "csv",
        output: Output = None,
        account: Account = None,
        tax_type: TaxType = None,
        org: Org = None,
    ) -> None:
        _export(kind, since, since_last, fmt, output, account, tax_type, org)

    command.__doc__ = f"Export {kind.replace('-', ' ')} ({HELP[kind]})."
    app.command(kind)(command)


HELP = {
    "payments": "Xero: bank statement; QuickBooks: bank upload",
    "allocations": "one bank line per invoice paid",
    "charges": "as sales invoices",
    "credit-notes": "as credit notes",
    "write-offs": "as credit notes to the bad-debt account",
}
for _kind in KINDS:
    _command(_kind)


def register(root: typer.Typer) -> None:
    """Add ``recoup export``."""
    root.add_typer(app, name="export")
