"""Documents: account statements, dunning letters and invoice copies, HTML + CSS → PDF.

``statement_pdf(context)``, ``letter_pdf(name, context)`` and
``invoice_copy_pdf(context, invoice)`` return the PDF bytes to attach, post, store as
sent or hand to a customer; the ``*_html`` functions give the same document as HTML for
a preview. PDF rendering uses WeasyPrint, imported only when a PDF is made (it needs
Pango from the system, see ``scripts/install-system-deps.sh``).
"""

from recoup.documents.invoice import InvoiceCopy, Settlement, invoice_copy_html, invoice_copy_pdf
from recoup.documents.letter import letter_html, letter_pdf
from recoup.documents.pdf import DocumentError, html_to_pdf
from recoup.documents.statement import statement_html, statement_pdf

__all__ = [
    "DocumentError",
    "InvoiceCopy",
    "Settlement",
    "html_to_pdf",
    "invoice_copy_html",
    "invoice_copy_pdf",
    "letter_html",
    "letter_pdf",
    "statement_html",
    "statement_pdf",
]
