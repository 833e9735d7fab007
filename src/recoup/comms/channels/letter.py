"""Letters: where a rendered letter PDF goes to be printed and posted.

``LetterSink`` is the development "print room": one PDF per letter in a directory
(``RECOUP_LETTERS_DIR``), named by the outbox key so that a retry never prints twice.
A print-and-post provider is another ``LetterChannel``.
"""

from pathlib import Path
from typing import Protocol

from recoup.comms.channels.errors import PermanentFailure
from recoup.comms.channels.files import file_name, write_once


class LetterChannel(Protocol):
    """Hands one letter PDF over for printing and posting."""

    def send(self, pdf: bytes, key: str) -> str:
        """Hand over ``pdf``; return a reference to it (a path, a provider id)."""
        ...


class LetterSink:
    """Stores each letter's PDF in ``directory``; the same key is stored once."""

    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory)

    def send(self, pdf: bytes, key: str) -> str:
        """Write the PDF (unless this key was written already); return its path."""
        if not pdf.startswith(b"%PDF-"):
            raise PermanentFailure(f"letter {key}: not a PDF document")
        return str(write_once(self.directory, file_name(key, ".pdf"), pdf))
