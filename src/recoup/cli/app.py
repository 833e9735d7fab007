"""The Typer application and what every command shares: a database and a transaction."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from sqlalchemy import Engine, make_url
from sqlalchemy.orm import Session

from recoup import clock, money
from recoup.config import Settings
from recoup.db import make_engine, transaction
from recoup.db.migrate import upgrade
from recoup.errors import InvalidInput, RecoupError, RowsRejected
from recoup.ledger import service as ledger
from recoup.ledger.models import Organisation

app = typer.Typer(
    name="recoup",
    help="Recoup: accounts-receivable collections. Run `recoup demo` to see it work.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
)

# Options the commands share.
Org = Annotated[str | None, typer.Option("--org", help="organisation (slug)")]
On = Annotated[str | None, typer.Option("--on", help="YYYY-MM-DD; default today")]
Customer = Annotated[str, typer.Argument(help="account number or name")]


def engine(*, create: bool = False) -> Engine:
    """The configured database, migrated to the newest schema. A SQLite file that does
    not exist is made only when ``create`` (``recoup init``, ``recoup demo``): see
    ``require_database``."""
    if not create:
        require_database()
    db = make_engine(Settings().database_url)
    upgrade(db)
    return db


def require_database() -> None:
    """Stop, saying so, when the configured database is a SQLite file that does not
    exist: a command run in the wrong folder must not start an empty database."""
    url = make_url(Settings().database_url)
    path = url.database if url.get_backend_name() == "sqlite" else None
    if path and path != ":memory:" and not Path(path).exists():
        typer.echo(
            f"error: no database at {Path(path).resolve()}: run `recoup init` (or `recoup demo`)"
            " in this folder first, or set RECOUP_DATABASE_URL to the database to use",
            err=True,
        )
        raise typer.Exit(1)


def fail(error: RecoupError) -> NoReturn:
    """Report ``error`` (each problem of a rejected file on its own line) and exit 1."""
    typer.echo(f"error: {error.message}", err=True)
    if isinstance(error, RowsRejected):
        for problem in error.problems:
            typer.echo(f"  {problem}", err=True)
    raise typer.Exit(1)


@contextmanager
def session_scope(*, create: bool = False) -> Iterator[Session]:
    """A transaction on the configured database (made first when ``create``: see
    ``engine``); a ``RecoupError`` ends the command."""
    try:
        with transaction(engine(create=create), actor=Settings().actor) as session:
            yield session
    except RecoupError as error:
        fail(error)


@contextmanager
def unit_of_work(org: str | None = None) -> Iterator[tuple[Session, Organisation]]:
    """A transaction and the organisation it works for (``--org``, or the only one)."""
    with session_scope() as session:
        yield session, ledger.resolve_organisation(session, slug=org)


def option_day(value: str | None, field: str = "on") -> date:
    """A date option, or today; a bad one is an error naming the option.

    Parse inside the transaction, so that a bad value is a clean "error: ..." and exit 1.
    """
    if value is None:
        return clock.today()
    return clock.parse_day(value, field=field, error=f"{value!r} is not a date (YYYY-MM-DD)")


def parse_day(value: str | None) -> date:
    """A ``--as-of`` style option parsed before any transaction: a usage error."""
    try:
        return option_day(value, "as_of")
    except InvalidInput as error:
        raise typer.BadParameter(error.message) from None


def money_text(minor: int | None, currency: str) -> str:
    """``1,234.50 EUR``; ``none`` for no amount."""
    return "none" if minor is None else f"{money.format_minor(minor, currency)} {currency}"
