"""The one error every statement parser raises for a file it cannot read."""

from recoup.errors import InvalidInput

_LABELS = {
    "camt052": "camt.052",
    "camt053": "camt.053",
    "camt054": "camt.054",
    "mt940": "MT940",
    "ofx": "OFX",
    "csv": "CSV",
}


def brief(error: Exception) -> str:
    """A library's complaint, short enough for a message: its first line, cut at 160.

    >>> brief(ValueError("OFX header is malformed:\\n{1:F01...}"))
    'OFX header is malformed:'
    """
    text = str(error).strip().split("\n")[0]
    return text if len(text) <= 160 else text[:157] + "..."


class StatementError(InvalidInput, ValueError):
    """A bank statement file is malformed or not what it claims to be.

    The message names the problem and, where known, where it is (``line`` of a text
    file, ``entry`` of an XML statement).

    >>> str(StatementError("no :25: account", line=3, format="mt940"))
    'MT940 line 3: no :25: account'
    """

    def __init__(
        self,
        reason: str,
        *,
        format: str = "",
        line: int | None = None,
        entry: str = "",
    ) -> None:
        where = " ".join(
            part
            for part in (
                _LABELS.get(format, format),
                f"line {line}" if line else "",
                entry,
            )
            if part
        )
        super().__init__(f"{where}: {reason}" if where else reason)
        self.format = format
        self.line = line
        self.entry = entry
