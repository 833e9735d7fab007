"""The one error every statement parser raises for a file it cannot read."""

from recoup.errors import InvalidInput


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
                format.upper().replace("CAMT0", "camt.0"),
                f"line {line}" if line else "",
                entry,
            )
            if part
        )
        super().__init__(f"{where}: {reason}" if where else reason)
        self.format = format
        self.line = line
        self.entry = entry
