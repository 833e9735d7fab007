"""Engines and the one place that owns a transaction.

A transaction is a *read* or a *write*. On SQLite a write begins with ``BEGIN
IMMEDIATE``: it takes the database's one write lock up front, because two deferred
transactions that both write later deadlock and SQLite fails one at once ("database is
locked"). A read begins with a plain ``BEGIN`` and takes no lock at all (WAL mode: readers
never wait for the writer nor it for them), and the connection is ``query_only`` so that
a read that tries to write fails at once instead of sometimes. On PostgreSQL a read is a
``READ ONLY`` transaction, so the same mistake fails the same way on both databases.

SQLite's driver's own transaction handling is replaced by these explicit ``BEGIN`` (the
recipe from SQLAlchemy's pysqlite documentation), so savepoints and transactional DDL
work. A writer that cannot get the lock waits ``busy_timeout`` and then fails; such a
failure is an *overload* (``is_overload``), which the web answers with 503, never 500.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session

from recoup.errors import Overloaded

READ_ONLY = "recoup_read_only"  # the execution option that makes a connection's transactions reads
DEFAULT_BUSY_TIMEOUT = 30.0  # seconds a command waits for SQLite's write lock


def make_engine(url: str, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT, **kwargs: Any) -> Engine:
    """An engine for ``url`` configured the way Recoup expects.

    ``busy_timeout`` is how long a write waits for SQLite's write lock before it fails
    (the web server waits less than a command: a page should say "busy" rather than hang).
    """
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    # orjson reads the JSON columns (tags, opt-outs, payloads) several times faster.
    engine = create_engine(url, json_deserializer=orjson.loads, **kwargs)
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine, busy_timeout)
    else:
        _configure_postgresql(engine)
    return engine


def reader(engine: Engine) -> Engine:
    """``engine`` whose transactions are reads (they share its connection pool)."""
    return engine.execution_options(**{READ_ONLY: True})


def _configure_sqlite(engine: Engine, busy_timeout: float) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, connection_record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        if connection.get_execution_options().get(READ_ONLY):
            connection.exec_driver_sql("PRAGMA query_only=ON")
            connection.exec_driver_sql("BEGIN")
        else:
            connection.exec_driver_sql("PRAGMA query_only=OFF")
            connection.exec_driver_sql("BEGIN IMMEDIATE")


def _configure_postgresql(engine: Engine) -> None:
    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        if connection.get_execution_options().get(READ_ONLY):
            connection.exec_driver_sql("SET TRANSACTION READ ONLY")


# SQLite's "database is locked" / "database is busy"; PostgreSQL's lock_not_available,
# too_many_connections, cannot_connect_now and query_canceled (a statement timeout).
_BUSY_SQLITE = ("database is locked", "database is busy", "database table is locked")
_BUSY_POSTGRESQL = frozenset({"55P03", "53300", "57P03", "57014"})


def is_overload(error: BaseException) -> bool:
    """Whether ``error`` means the database is too busy right now (a lock not obtained in
    time, no connection free), as opposed to a bug or bad data."""
    if isinstance(error, Overloaded | sa_exc.TimeoutError):
        return True
    if isinstance(error, sa_exc.OperationalError):
        original = error.orig
        code = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
        if code in _BUSY_POSTGRESQL:
            return True
        return any(text in str(original).lower() for text in _BUSY_SQLITE)
    return False


@contextmanager
def transaction(engine: Engine, *, actor: str, read_only: bool = False) -> Iterator[Session]:
    """A session whose work commits on success and rolls back on any error.

    ``actor`` is recorded on every audit event written in this transaction. A
    ``read_only`` transaction takes no lock on SQLite and may not write.
    """
    session = Session(reader(engine) if read_only else engine, expire_on_commit=False)
    session.info["actor"] = actor
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
