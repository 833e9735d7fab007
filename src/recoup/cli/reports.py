"""``recoup report aging``: tables in the terminal, or CSV / JSON."""

import json
import sys
from enum import StrEnum
from typing import Annotated, Any

import typer
from babel.numbers import format_decimal

from recoup import csvout, money
from recoup.cli.app import parse_day, unit_of_work
from recoup.ledger import service as ledger
from recoup.ledger.core import AgingBasis, AgingLine

app = typer.Typer(help="Reports on the ledger.", no_args_is_help=True)


class By(StrEnum):
    CUSTOMER = "customer"
    TOTAL = "total"


class Format(StrEnum):
    TABLE = "table"
    CSV = "csv"
    JSON = "json"


def _record(line: AgingLine, labels: tuple[str, ...]) -> dict[str, Any]:
    def amount(minor: int) -> str:
        return money.format_minor(minor, line.currency)

    record: dict[str, Any] = {"customer": line.customer, "name": line.customer_name}
    record["currency"] = line.currency
    record |= {label: amount(v) for label, v in zip(labels, line.buckets, strict=True)}
    record["total"] = amount(line.total)
    record["unapplied_payments"] = amount(line.unapplied_payments)
    record["open_credits"] = amount(line.open_credits)
    return record


def _table(records: list[dict[str, Any]]) -> str:
    if not records:
        return "nothing open"
    headers = list(records[0])
    cells = [
        [
            format_decimal(v, format="#,##0.00#", locale="en")
            if k not in ("customer", "name", "currency")
            else v
            for k, v in r.items()
        ]
        for r in records
    ]
    widths = [max(len(h), *(len(str(row[i])) for row in cells)) for i, h in enumerate(headers)]
    text = [
        "  ".join(
            h.ljust(w) if i < 3 else h.rjust(w)
            for i, (h, w) in enumerate(zip(headers, widths, strict=True))
        )
    ]
    for row in cells:
        text.append(
            "  ".join(
                str(v).ljust(w) if i < 3 else str(v).rjust(w)
                for i, (v, w) in enumerate(zip(row, widths, strict=True))
            )
        )
    return "\n".join(text)


@app.command("aging")
def aging(
    as_of: Annotated[str | None, typer.Option("--as-of", help="YYYY-MM-DD; default today")] = None,
    by: Annotated[By, typer.Option("--by")] = By.CUSTOMER,
    basis: Annotated[
        AgingBasis, typer.Option("--basis", help="age from due or issue date")
    ] = AgingBasis.DUE,
    output: Annotated[Format, typer.Option("--format")] = Format.TABLE,
    buckets: Annotated[str, typer.Option("--buckets", help="bucket edges in days")] = "30,60,90",
    org: Annotated[str | None, typer.Option("--org")] = None,
) -> None:
    """Open receivables per customer and currency in age buckets."""
    try:
        edges = tuple(int(e) for e in buckets.split(","))
    except ValueError:
        raise typer.BadParameter("--buckets takes day counts such as 30,60,90") from None
    with unit_of_work(org) as (session, organisation):
        report = ledger.aging_report(
            session,
            org_id=organisation.id,
            as_of=parse_day(as_of),
            by_customer=by is By.CUSTOMER,
            basis=basis,
            edges=edges,
        )
    lines = report.lines + report.totals if by is By.CUSTOMER else report.totals
    records = [_record(line, report.labels) for line in lines]
    if output is Format.JSON:
        typer.echo(json.dumps(records, indent=2))
    elif output is Format.CSV:
        if records:
            writer = csvout.writer(sys.stdout)
            writer.writerow(records[0])
            writer.writerows(record.values() for record in records)
    else:
        typer.echo(f"Aging on {report.as_of} by {report.basis.value} date")
        typer.echo(_table(records))
