"""``recoup unallocate``: take back allocations (audited, with a reason)."""

from typing import Annotated

import typer

from recoup.cli.app import Org, money_text, unit_of_work
from recoup.errors import InvalidInput
from recoup.ledger import queries as ledger_queries
from recoup.ledger import service as ledger


def register(app: typer.Typer) -> None:
    """Add ``unallocate`` to ``app``."""
    app.command("unallocate")(unallocate)


def unallocate(
    reason: Annotated[str, typer.Option(help="why (kept in the audit trail)")],
    invoice: Annotated[
        str | None, typer.Option("--invoice", help="invoice number: its allocations")
    ] = None,
    payment: Annotated[
        str | None, typer.Option("--payment", help="payment reference: its allocations")
    ] = None,
    credit_note: Annotated[
        str | None, typer.Option("--credit-note", help="credit note number: its allocations")
    ] = None,
    org: Org = None,
) -> None:
    """Remove allocations and restore the balances: every allocation of an invoice, a
    payment or a credit note, or (an invoice with a payment or credit note) those
    between the two."""
    with unit_of_work(org) as (session, organisation):
        if not (invoice or payment or credit_note):
            raise InvalidInput("name an --invoice, a --payment or a --credit-note")
        named: list[tuple[ledger.Allocated, str | None]] = [
            ("invoices", invoice),
            ("payments", payment),
            ("credit_notes", credit_note),
        ]
        ids = {
            entity: ledger.record_id_by_key(session, org_id=organisation.id, entity=entity, key=key)
            for entity, key in named
            if key
        }
        undone = ledger.reverse_allocations(
            session,
            org_id=organisation.id,
            reason=reason,
            invoice_id=ids.get("invoices"),
            payment_id=ids.get("payments"),
            credit_note_id=ids.get("credit_notes"),
        )
        org_id = organisation.id
        numbers = {
            invoice.id: invoice.number
            for invoice in ledger_queries.invoices_among(
                session, org_id=org_id, invoice_ids=sorted({u.invoice_id for u in undone})
            )
        }
        sources = {
            ("payments", payment.id): f"payment {payment.external_id}"
            for payment in ledger_queries.payments_among(
                session,
                org_id=org_id,
                payment_ids=sorted({u.payment_id for u in undone if u.payment_id}),
            )
        } | {
            ("credit_notes", note.id): f"credit note {note.number}"
            for note in ledger_queries.credit_notes_among(
                session,
                org_id=org_id,
                credit_note_ids=sorted({u.credit_note_id for u in undone if u.credit_note_id}),
            )
        }
        plural = "" if len(undone) == 1 else "s"
        typer.echo(f"removed {len(undone)} allocation{plural}:")
        for u in undone:
            source = (
                sources[("payments", u.payment_id)]
                if u.payment_id is not None
                else sources[("credit_notes", u.credit_note_id or 0)]
            )
            typer.echo(
                f"  {money_text(u.amount, u.currency)} of {source} "
                f"back from invoice {numbers[u.invoice_id]}"
            )
