"""The Typer application and what every command shares: a database and a transaction."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import NoReturn

import typer
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from recoup.config import Settings
from recoup.db import make_engine, transaction
from recoup.db.migrate import upgrade
from recoup.errors import RecoupError, RowsRejected
from recoup.ledger import service as ledger
from recoup.ledger.models import Organisation

app = typer.Typer(
    name="recoup",
    help="Recoup: accounts-receivable collections. Run `recoup demo` to see it work.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def engine() -> Engine:
    """The configured database, migrated to the newest schema."""
    settings = Settings()
    db = make_engine(settings.database_url)
    upgrade(db)
    return db


def fail(error: RecoupError) -> NoReturn:
    """Report ``error`` (each problem of a rejected file on its own line) and exit 1."""
    typer.echo(f"error: {error.message}", err=True)
    if isinstance(error, RowsRejected):
        for problem in error.problems:
            typer.echo(f"  {problem}", err=True)
    raise typer.Exit(1)


@contextmanager
def session_scope() -> Iterator[Session]:
    """A transaction on the configured database; a ``RecoupError`` ends the command."""
    try:
        with transaction(engine(), actor=Settings().actor) as session:
            yield session
    except RecoupError as error:
        fail(error)


@contextmanager
def unit_of_work(org: str | None = None) -> Iterator[tuple[Session, Organisation]]:
    """A transaction and the organisation it works for (``--org``, or the only one)."""
    with session_scope() as session:
        yield session, ledger.resolve_organisation(session, slug=org)


def parse_day(value: str | None) -> date:
    """A ``--as-of`` style option: an ISO date, or today when not given."""
    if value is None:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None
