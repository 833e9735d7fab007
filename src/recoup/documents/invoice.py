"""Invoice copies: an open invoice's figures, what was paid on it, and how to pay the rest.

Recoup holds the invoice's data (number, dates, amounts, purchase order, allocations)
but not the document the accounting system issued, so the copy is made from that data
under the organisation's letterhead and says so.
"""

from dataclasses import dataclass
from datetime import date

from recoup.comms.context import MessageContext
from recoup.comms.render import resolve_locale
from recoup.documents.pdf import (
    frame_variables,
    html_to_pdf,
    labels,
    languages,
    render_document,
)


@dataclass(frozen=True, slots=True)
class Settlement:
    """Money applied to the invoice: a payment received or a credit note."""

    kind: str  # "payment" or "credit_note"
    reference: str
    dated: date
    amount: int


@dataclass(frozen=True, slots=True)
class InvoiceCopy:
    """An invoice's figures in minor units of its currency, and what settled part of it."""

    number: str
    issue_date: date
    due_date: date
    currency: str
    total_amount: int
    tax_amount: int
    open_amount: int
    po_number: str = ""
    settlements: tuple[Settlement, ...] = ()

    @property
    def net_amount(self) -> int:
        """The total before tax."""
        return self.total_amount - self.tax_amount

    @property
    def settled_amount(self) -> int:
        """What payments and credit notes have paid of the total so far."""
        return self.total_amount - self.open_amount


def invoice_copy_html(context: MessageContext, invoice: InvoiceCopy) -> str:
    """The copy of ``invoice`` as a complete HTML document, in the context's language.

    The context gives the letterhead, the customer's address and the payment reference
    to quote (the invoice number, as the portal sets it).
    """
    language, locale = resolve_locale(context.locale, languages())
    words = labels(language)
    return render_document(
        "invoice.html.j2",
        {
            **frame_variables(context),
            "language": language,
            "locale": locale,
            "L": words,
            "title": f"{words['invoice_copy']} {invoice.number}",
            "invoice": invoice,
        },
    )


def invoice_copy_pdf(context: MessageContext, invoice: InvoiceCopy) -> bytes:
    """The copy of ``invoice`` as PDF bytes (A4)."""
    return html_to_pdf(invoice_copy_html(context, invoice))
