"""``recoup customer terms``: the contract terms for charges of a customer or of one of
its invoices (law, interest rate, late fee, compensation). One transaction each."""

from typing import Annotated

import typer

from recoup import money
from recoup.charges import service as charges
from recoup.charges.models import ChargeTerms
from recoup.charges.terms import parse_terms
from recoup.cli.app import Customer, Org, unit_of_work
from recoup.errors import NotFound
from recoup.ledger import service as ledger

app = typer.Typer(help="Customers: their contract terms.", no_args_is_help=True)


def _describe(row: ChargeTerms | None, law: str) -> list[str]:
    if row is None:
        return [f"law: {law} (the organisation's)", "no contract terms: the statute applies"]
    fee = "policy"
    if row.late_fee_amount is not None:
        fee_amount = money.from_minor(row.late_fee_amount, row.late_fee_currency)
        fee = f"{fee_amount} {row.late_fee_currency}"
    elif row.late_fee_percent is not None:
        fee = f"{row.late_fee_percent} % of the overdue amount"
    compensation = "statutory"
    if row.compensation_amount is not None:
        amount = money.from_minor(row.compensation_amount, row.compensation_currency)
        compensation = f"{amount} {row.compensation_currency} per late invoice"
    rate = (
        f"{row.interest_rate_percent} % a year"
        if row.interest_rate_percent is not None
        else "statutory"
    )
    default_law = f"{law} (the organisation's)"
    return [
        f"law: {row.jurisdiction or default_law}",
        f"interest: {rate}",
        f"late fee: {fee}",
        f"compensation: {compensation}",
    ]


@app.command("terms")
def terms(
    customer: Customer,
    law: Annotated[
        str | None,
        typer.Option("--law", help="GB, DE, AT, FR, BE, NL, PL, EU: whose statute applies"),
    ] = None,
    rate: Annotated[
        str | None, typer.Option("--rate", help="contract interest rate, % a year")
    ] = None,
    late_fee: Annotated[
        str | None,
        typer.Option("--late-fee", help="fixed amount (25.00) or percentage (2.5%)"),
    ] = None,
    compensation: Annotated[
        str | None,
        typer.Option("--compensation", help="fixed compensation per late invoice"),
    ] = None,
    invoice: Annotated[
        str | None, typer.Option("--invoice", help="set the terms of this invoice only")
    ] = None,
    clear: Annotated[
        bool, typer.Option("--clear", help="remove every term first (back to the statute)")
    ] = False,
    org: Org = None,
) -> None:
    """Show or set the contract terms: each option given replaces that term, the others
    stay; amounts are in the invoice's (or the customer's) currency."""
    with unit_of_work(org) as (session, organisation):
        found = ledger.get_customer(session, org_id=organisation.id, external_id=customer)
        invoice_id = None
        currency = found.currency
        if invoice is not None:
            target = charges.invoice_by_number(session, org_id=organisation.id, number=invoice)
            if target.customer_id != found.id:
                raise NotFound(f"no invoice {invoice!r} of customer {found.external_id}")
            invoice_id, currency = target.id, target.currency
        given = parse_terms(
            currency=currency,
            law=law or "",
            rate=rate or "",
            late_fee=late_fee or "",
            compensation=compensation or "",
        )
        if given.empty and not clear:
            row = charges.get_terms(
                session, org_id=organisation.id, customer_id=found.id, invoice_id=invoice_id
            )
        else:
            row = charges.apply_terms(
                session,
                org_id=organisation.id,
                customer_id=found.id,
                invoice_id=invoice_id,
                given=given,
                clear=clear,
            )
        lines = _describe(row, organisation.country or "none")
    where = f"{found.external_id}" + (f", invoice {invoice}" if invoice else "")
    typer.echo(f"Terms of {where}:")
    for line in lines:
        typer.echo(f"  {line}")
