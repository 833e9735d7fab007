"""The error hierarchy: every error a user can meet is a ``RecoupError``.

Subclasses carry what the user needs to act (the row, the field, the reason) and an
HTTP status for the web and API layers. Nothing else should reach a user as a traceback.
"""

from dataclasses import dataclass


class RecoupError(Exception):
    """Base of every error Recoup reports to a user."""

    status_code = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(RecoupError):
    """A record that the user named does not exist (in their organisation)."""

    status_code = 404


class Conflict(RecoupError):
    """The request contradicts the current state (a duplicate, an over-allocation)."""

    status_code = 409


class InvalidInput(RecoupError):
    """A value is malformed or out of range; ``field`` names it."""

    status_code = 422

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.reason = message


class Overloaded(RecoupError):
    """Too much is happening at once (a flood of logins, a lock held by another run):
    nothing was done; try again shortly. ``retry_after`` is a hint in seconds."""

    status_code = 503

    def __init__(self, message: str, *, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with one row of an input file."""

    row: int
    column: str
    reason: str
    unit: str = "row"  # "line" for YAML files

    def __str__(self) -> str:
        where = f"{self.unit} {self.row}" if self.row else "file"
        return (
            f"{where}, {self.column}: {self.reason}" if self.column else f"{where}: {self.reason}"
        )


class RowsRejected(RecoupError):
    """An input file had bad rows; nothing was written. ``problems`` lists every one."""

    status_code = 422

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda problem: problem.row)
        count = len(self.problems)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} found; nothing was written")
