"""``recoup bank``: bank statements in, payments matched and applied, people decide the
rest (lines, apply, ignore, undo), CSV profiles and the reconciliation report."""

import json
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from recoup import money
from recoup.cashapp import formats
from recoup.cashapp import service as cashapp
from recoup.cashapp.models import BankLine
from recoup.cli.app import Org, money_text, unit_of_work
from recoup.config import Settings
from recoup.errors import InvalidInput

app = typer.Typer(
    help="Bank statements: import, match and apply payments, review the rest.",
    no_args_is_help=True,
)
profile_app = typer.Typer(help="Saved CSV column profiles.", no_args_is_help=True)
app.add_typer(profile_app, name="profile")


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


@app.command("import")
def import_statement(
    file: Annotated[Path, typer.Argument(help="camt.052/053/054, MT940, OFX/QFX or CSV")],
    format: Annotated[
        str, typer.Option("--format", help=f"auto, {', '.join(formats.FORMATS)}")
    ] = "auto",
    profile: Annotated[
        str | None, typer.Option("--profile", help="saved CSV profile (`recoup bank profile add`)")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="show what would happen; write nothing")
    ] = False,
    org: Org = None,
) -> None:
    """Import a statement: store its new lines, match every credit, apply what is
    certain and keep the rest for review."""
    try:
        data = file.read_bytes()
    except OSError as error:
        raise typer.BadParameter(f"cannot read {file}: {error.strerror}") from None
    with unit_of_work(org) as (session, organisation):
        csv_profile = None
        if profile is not None:
            settings = cashapp.profile_settings(session, org_id=organisation.id, name=profile)
            csv_profile = formats.CsvProfile.from_dict(settings)
        statements = formats.read(data, format=format, profile=csv_profile, filename=file.name)
        summary = cashapp.import_statements(
            session,
            org_id=organisation.id,
            statements=statements,
            filename=file.name,
            actor=_actor(),
        )
        if dry_run:
            session.rollback()
    kinds = sorted({s.format for s in statements})
    amounts = ", ".join(money_text(v, c) for c, v in sorted(summary.auto_applied_amounts.items()))
    verb = "would be" if dry_run else "were"
    typer.echo(
        f"{file.name} ({', '.join(kinds)}): {summary.statements} statement"
        f"{'' if summary.statements == 1 else 's'}, {summary.lines} new lines "
        f"({summary.credits} credits, {summary.debits} debits)"
    )
    typer.echo(f"auto-applied: {summary.auto_applied}" + (f" ({amounts})" if amounts else ""))
    typer.echo(f"proposed for review: {summary.proposed}")
    typer.echo(f"unmatched: {summary.unmatched}")
    if summary.returned:
        typer.echo(f"returned payments reversed: {summary.returned}")
    typer.echo(f"duplicates skipped: {summary.duplicates}")
    typer.echo(f"(changes {verb} {'planned' if dry_run else 'written'})")


@profile_app.command("add")
def profile_add(
    name: Annotated[str, typer.Argument(help="the profile's name, e.g. the bank's")],
    date: Annotated[str, typer.Option("--date", help="booking date column (name or number)")],
    amount: Annotated[str, typer.Option("--amount", help="signed amount column")] = "",
    credit: Annotated[str, typer.Option("--credit", help="money-in column")] = "",
    debit: Annotated[str, typer.Option("--debit", help="money-out column")] = "",
    reference: Annotated[str, typer.Option("--reference", help="remittance column")] = "",
    payer: Annotated[str, typer.Option("--payer", help="payer name column")] = "",
    iban: Annotated[str, typer.Option("--iban", help="payer IBAN column")] = "",
    bank_id: Annotated[str, typer.Option("--bank-id", help="the bank's id of a line")] = "",
    value_date: Annotated[str, typer.Option("--value-date", help="value date column")] = "",
    currency: Annotated[str, typer.Option("--currency", help="the account's currency")] = "EUR",
    currency_column: Annotated[
        str, typer.Option("--currency-column", help="a currency per row")
    ] = "",
    decimal_comma: Annotated[
        bool, typer.Option("--decimal-comma", help="amounts like 1.234,56")
    ] = False,
    date_order: Annotated[str, typer.Option("--date-order", help="dmy, mdy or ymd")] = "dmy",
    delimiter: Annotated[str, typer.Option("--delimiter", help="default: sniffed")] = "",
    encoding: Annotated[str, typer.Option("--encoding", help="e.g. cp1252")] = "utf-8",
    skip_rows: Annotated[int, typer.Option("--skip-rows", help="lines before the header")] = 0,
    account_iban: Annotated[str, typer.Option("--account-iban", help="the account's IBAN")] = "",
    org: Org = None,
) -> None:
    """Save how to read a bank's CSV export (replaces a profile of the same name)."""
    with unit_of_work(org) as (session, organisation):
        profile = formats.CsvProfile(
            name=name,
            date=date,
            amount=amount,
            credit=credit,
            debit=debit,
            reference=reference,
            payer=payer,
            iban=iban,
            bank_id=bank_id,
            value_date=value_date,
            currency=currency.upper(),
            currency_column=currency_column,
            decimal_comma=decimal_comma,
            date_order=date_order,
            delimiter=delimiter,
            encoding=encoding,
            skip_rows=skip_rows,
            account_iban=account_iban,
        )
        cashapp.save_profile(
            session, org_id=organisation.id, name=profile.name, settings=profile.to_dict()
        )
    typer.echo(f"CSV profile {name!r} saved")


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


@app.command("settings")
def settings(
    threshold: Annotated[
        int | None,
        typer.Option("--threshold", help="confidence (50-100) to apply without a person; 90"),
    ] = None,
    short_fixed: Annotated[
        str | None,
        typer.Option("--short-fixed", help="a bank charge that still settles, e.g. 15.00"),
    ] = None,
    short_percent: Annotated[
        str | None,
        typer.Option("--short-percent", help="a discount that still settles, e.g. 3"),
    ] = None,
    org: Org = None,
) -> None:
    """Show (or change) how sure the matcher must be and what short payment settles."""

    def number(value: str | None, field: str) -> Decimal | None:
        if value is None:
            return None
        try:
            return Decimal(value.strip())
        except InvalidOperation:
            raise InvalidInput(f"{value!r} is not a number", field=field) from None

    with unit_of_work(org) as (session, organisation):
        current = cashapp.set_match_settings(
            session,
            org_id=organisation.id,
            threshold=threshold,
            short_fixed=number(short_fixed, "short_fixed"),
            short_percent=number(short_percent, "short_percent"),
        )
        currency = organisation.base_currency
    typer.echo(f"threshold: {current.threshold}")
    typer.echo(
        f"short payment settles: up to {money_text(current.short_fixed, currency)} "
        f"or {current.short_percent.normalize():f} %, whichever is more; "
        f"in other currencies {current.short_percent.normalize():f} %"
    )


def register(root: typer.Typer) -> None:
    """Add ``bank`` to the command line."""
    root.add_typer(app, name="bank")
