"""``recoup bank``: bank statements in, payments matched and applied, people decide the
rest (lines, apply, ignore, undo), CSV profiles and the reconciliation report."""

import json
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Annotated, Any

import typer

from recoup import money
from recoup.cashapp import service as cashapp
from recoup.cashapp.models import BankLine
from recoup.cli.app import Org, money_text, unit_of_work
from recoup.config import Settings
from recoup.errors import InvalidInput

app = typer.Typer(
    help="Bank statements: import, match and apply payments, review the rest.",
    no_args_is_help=True,
)


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"


FormatOption = Annotated[Format, typer.Option("--format", help="table or json")]
LineArg = Annotated[int, typer.Argument(help="the bank line's number (see `recoup bank lines`)")]
Reason = Annotated[str, typer.Option("--reason", help="why (kept with the decision)")]


def _actor() -> str:
    return Settings().actor


def _signed(line: BankLine) -> str:
    text = money.format_minor(line.amount, line.currency)
    return f"{'' if line.credit else '-'}{text} {line.currency}"


def _record(line: BankLine) -> dict[str, Any]:
    return {
        "line": line.id,
        "statement": line.statement_id,
        "booking_date": line.booking_date.isoformat(),
        "amount": money.format_minor(line.amount, line.currency)
        if line.credit
        else "-" + money.format_minor(line.amount, line.currency),
        "currency": line.currency,
        "status": str(line.status),
        "payer": line.payer_name,
        "payer_iban": line.payer_iban,
        "reference": line.creditor_reference,
        "remittance": line.remittance,
        "confidence": line.confidence,
        "reason": line.reason,
        "proposals": [
            {
                "customer": p["account"],
                "invoices": [
                    {"number": n, "amount": money.format_minor(a, line.currency)}
                    for _, n, a in p["shares"]
                ],
                "on_account": money.format_minor(p["on_account"], line.currency),
                "confidence": p["confidence"],
                "reason": p["reason"],
            }
            for p in line.proposals
        ],
    }


def _table(rows: list[list[str]], right: set[int]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        ).rstrip()
        for r in rows
    )


@app.command("lines")
def lines(
    status: Annotated[
        list[str] | None,
        typer.Option("--status", help="unmatched, proposed, applied, ignored, debit, returned"),
    ] = None,
    statement: Annotated[int | None, typer.Option("--statement", help="one statement")] = None,
    limit: Annotated[int, typer.Option("--limit", help="at most this many lines")] = 200,
    offset: Annotated[int, typer.Option("--offset", help="skip this many lines")] = 0,
    output: FormatOption = Format.TABLE,
    org: Org = None,
) -> None:
    """Bank lines with their status, the best proposal and its reasons."""
    with unit_of_work(org) as (session, organisation):
        found = cashapp.list_lines(
            session,
            org_id=organisation.id,
            statuses=status,
            statement_id=statement,
            limit=limit,
            offset=offset,
        )
        records = [_record(line) for line in found]
        table = [
            [
                str(line.id),
                line.booking_date.isoformat(),
                _signed(line),
                str(line.status),
                str(line.confidence) if line.proposals else "",
                (line.payer_name or "")[:30],
                (line.creditor_reference or line.remittance)[:40],
                line.reason[:90],
            ]
            for line in found
        ]
    if output == Format.JSON:
        typer.echo(json.dumps(records, indent=2, ensure_ascii=False))
        return
    if not table:
        typer.echo("no bank lines")
        return
    header = ["line", "date", "amount", "status", "conf", "payer", "reference", "reason"]
    typer.echo(_table([header, *table], right={0, 2, 4}))


def _invoice_option(value: str) -> tuple[str, Decimal | None]:
    number, _, amount = value.partition(":")
    if not number.strip():
        raise InvalidInput(f"{value!r}: name an invoice number", field="invoice")
    if not amount:
        return number.strip(), None
    try:
        parsed = Decimal(amount.strip())
    except InvalidOperation:
        raise InvalidInput(f"{value!r}: {amount!r} is not an amount", field="invoice") from None
    return number.strip(), parsed


@app.command("apply")
def apply(
    line: LineArg,
    invoice: Annotated[
        list[str] | None,
        typer.Option("--invoice", help="NUMBER or NUMBER:AMOUNT; repeat to split the line"),
    ] = None,
    customer: Annotated[
        str | None,
        typer.Option("--customer", help="account number: the rest (or all) on its account"),
    ] = None,
    proposal: Annotated[
        int | None, typer.Option("--proposal", help="accept this proposal (1 = the best)")
    ] = None,
    org: Org = None,
) -> None:
    """Apply a line: accept a proposal (the best without options), split it over
    invoices, or put it on a customer's account. The matcher learns the payer."""
    with unit_of_work(org) as (session, organisation):
        if invoice or customer:
            if proposal is not None:
                raise InvalidInput("--proposal or --invoice/--customer, not both", field="proposal")
            done = cashapp.apply_line(
                session,
                org_id=organisation.id,
                line_id=line,
                invoices=[_invoice_option(v) for v in invoice or []],
                customer=customer,
                actor=_actor(),
            )
        else:
            done = cashapp.accept_proposal(
                session,
                org_id=organisation.id,
                line_id=line,
                rank=(proposal or 1) - 1,
                actor=_actor(),
            )
        currency = cashapp.get_line(session, org_id=organisation.id, line_id=line).currency
    typer.echo(
        f"line {line} applied: {money_text(done.applied, currency)} to invoices, "
        f"{money_text(done.on_account, currency)} on account"
    )
    for lesson in done.learned:
        typer.echo(lesson)


@app.command("ignore")
def ignore(line: LineArg, reason: Reason = "not a customer payment", org: Org = None) -> None:
    """Mark a credit "not a customer payment"."""
    with unit_of_work(org) as (session, organisation):
        cashapp.ignore_line(
            session, org_id=organisation.id, line_id=line, reason=reason, actor=_actor()
        )
    typer.echo(f"line {line} ignored: {reason}")


@app.command("undo")
def undo(line: LineArg, reason: Reason = "applied by mistake", org: Org = None) -> None:
    """Undo an application (allocations reversed, audited) or an ignore."""
    with unit_of_work(org) as (session, organisation):
        reopened = cashapp.undo_line(
            session, org_id=organisation.id, line_id=line, reason=reason, actor=_actor()
        )
    opened = f"; open again: {', '.join(reopened)}" if reopened else ""
    typer.echo(f"line {line} undone{opened}")


@app.command("reconcile")
def reconcile(
    statement: Annotated[int | None, typer.Option("--statement", help="one statement")] = None,
    output: FormatOption = Format.TABLE,
    org: Org = None,
) -> None:
    """Statement balances against the lines, and cash applied or not per day."""
    with unit_of_work(org) as (session, organisation):
        result = cashapp.reconcile(session, org_id=organisation.id, statement_id=statement)

    def amount(minor: int | None, currency: str) -> str:
        return "" if minor is None else money.format_minor(minor, currency)

    statements = [
        {
            "statement": c.statement_id,
            "account": c.account,
            "currency": c.currency,
            "opening": amount(c.opening, c.currency),
            "credits": amount(c.credits, c.currency),
            "debits": amount(c.debits, c.currency),
            "closing": amount(c.closing, c.currency),
            "difference": amount(c.difference, c.currency),
        }
        for c in result.statements
    ]
    days = [
        {
            "day": d.day.isoformat(),
            "currency": d.currency,
            "credits": amount(d.credits, d.currency),
            "applied": amount(d.applied, d.currency),
            "unapplied": amount(d.unapplied, d.currency),
        }
        for d in result.days
    ]
    if output == Format.JSON:
        typer.echo(json.dumps({"statements": statements, "days": days}, indent=2))
        return
    if not statements:
        typer.echo("no statements")
        return
    rows = [[str(v) for v in s.values()] for s in statements]
    typer.echo(_table([list(statements[0]), *rows], right={0, 3, 4, 5, 6, 7}))
    if days:
        typer.echo("")
        rows = [[str(v) for v in d.values()] for d in days]
        typer.echo(_table([list(days[0]), *rows], right={2, 3, 4}))


def register(root: typer.Typer) -> None:
    """Add ``bank`` to the command line."""
    root.add_typer(app, name="bank")
