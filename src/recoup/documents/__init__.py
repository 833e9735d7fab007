"""Documents: account statements and dunning letters, HTML + CSS rendered to PDF.

``statement_pdf(context)`` and ``letter_pdf(name, context)`` return the PDF bytes to
attach, post or store as sent; ``statement_html`` / ``letter_html`` give the same
document as HTML for a preview. PDF rendering uses WeasyPrint, imported only when a PDF
is made (it needs Pango from the system, see ``scripts/install-system-deps.sh``).
"""

from recoup.documents.letter import letter_html, letter_pdf
from recoup.documents.pdf import DocumentError, html_to_pdf
from recoup.documents.statement import statement_html, statement_pdf

__all__ = [
    "DocumentError",
    "html_to_pdf",
    "letter_html",
    "letter_pdf",
    "statement_html",
    "statement_pdf",
]
