"""The PDFs a customer downloads from the portal: their statement and copies of their
open invoices.

Both are built from the same ``MessageContext`` as the statement the team emails
(``recoup.comms.service.customer_context``) and rendered by ``recoup.documents``. They
carry no portal link: a PDF is passed on more readily than an email, and the link
would open the account to whoever holds the file.
"""

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from recoup.comms.context import MessageContext
from recoup.comms.service import customer_context
from recoup.documents import InvoiceCopy, Settlement, invoice_copy_pdf, statement_pdf
from recoup.errors import NotFound
from recoup.ledger import queries as ledger_queries
from recoup.ledger import service as ledger
from recoup.portal.core import pdf_filename
from recoup.portal.service import PortalAccess, PortalSettings


@dataclass(frozen=True, slots=True)
class Download:
    """A PDF to hand to the customer, and the name to save it under."""

    filename: str
    content: bytes


def statement_download(
    session: Session, *, access: PortalAccess, as_of: date, language: str | None = None
) -> Download:
    """The customer's statement of account on ``as_of``, in ``language`` when chosen."""
    context = _context(session, access, as_of, language)
    filename = pdf_filename("statement", context.customer.external_id, as_of.isoformat())
    return Download(filename, statement_pdf(context))


def invoice_download(
    session: Session,
    *,
    access: PortalAccess,
    number: str,
    as_of: date,
    language: str | None = None,
) -> Download:
    """A copy of the customer's open invoice ``number``, to be paid quoting its number.

    Any other number, another customer's included, is ``NotFound`` with the same
    message, so that the answer never tells whether such an invoice exists.
    """
    invoice = next(
        (
            i
            for i in ledger.open_invoices(
                session, org_id=access.org_id, customer_id=access.customer_id
            )
            if i.number == number and i.open_amount > 0
        ),
        None,
    )
    if invoice is None:
        raise NotFound("not one of your open invoices")
    context = _context(
        session, access, as_of, language, invoice_ids=[invoice.id], payment_reference=number
    )
    copy = InvoiceCopy(
        number=invoice.number,
        issue_date=invoice.issue_date,
        due_date=invoice.due_date,
        currency=invoice.currency,
        total_amount=invoice.total_amount,
        tax_amount=invoice.tax_amount,
        open_amount=invoice.open_amount,
        po_number=invoice.po_number,
        settlements=_settlements(session, access.org_id, invoice.id),
    )
    return Download(pdf_filename("invoice", invoice.number), invoice_copy_pdf(context, copy))


def _context(
    session: Session, access: PortalAccess, as_of: date, language: str | None, **fields: Any
) -> MessageContext:
    context = customer_context(
        session,
        org_id=access.org_id,
        customer_id=access.customer_id,
        as_of=as_of,
        pays_online=bool(PortalSettings().payment_url),
        **fields,
    )
    if not language:
        return context
    # The language chosen on the page; the customer's country still sets the formats.
    return replace(context, customer=replace(context.customer, language=language))


def _settlements(session: Session, org_id: int, invoice_id: int) -> tuple[Settlement, ...]:
    """The payments and credit notes applied to an invoice, oldest first."""
    lines = ledger.allocation_lines(session, org_id=org_id, invoice_ids=[invoice_id])
    payments = {
        p.id: (p.reference or p.external_id, p.received_on)
        for p in ledger_queries.payments_among(
            session,
            org_id=org_id,
            payment_ids=[line.payment_id for line in lines if line.payment_id is not None],
        )
    }
    notes = {
        n.id: (n.number, n.issue_date)
        for n in ledger_queries.credit_notes_among(
            session,
            org_id=org_id,
            credit_note_ids=[line.credit_note_id for line in lines if line.credit_note_id],
        )
    }
    settlements = []
    for line in lines:
        # An allocation comes from exactly one source (a constraint of the ledger).
        if line.payment_id is not None:
            reference, dated = payments[line.payment_id]
            settlements.append(Settlement("payment", reference, dated, line.amount))
        elif line.credit_note_id is not None:
            reference, dated = notes[line.credit_note_id]
            settlements.append(Settlement("credit_note", reference, dated, line.amount))
    return tuple(sorted(settlements, key=lambda s: (s.dated, s.reference)))
