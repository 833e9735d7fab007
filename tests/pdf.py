"""Reading rendered PDFs back in tests: their text, as a reader would copy it."""

import io

from pypdf import PdfReader


def pdf_text(pdf: bytes) -> str:
    """All pages' text, with Babel's no-break spaces as plain spaces."""
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages).replace("\xa0", " ")


def squash(text: str) -> str:
    """Text with line breaks as spaces: PDF text wraps where the page did."""
    return " ".join(text.split())
