"""Engines and the one place that owns a transaction.

SQLite runs in WAL mode with foreign keys on; its driver's own transaction handling is
replaced by explicit ``BEGIN`` so that savepoints and transactional DDL work (the recipe
from SQLAlchemy's pysqlite documentation).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url`` configured the way Recoup expects."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    # orjson reads the JSON columns (tags, opt-outs, payloads) several times faster.
    engine = create_engine(url, json_deserializer=orjson.loads, **kwargs)
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    return engine


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, connection_record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        # IMMEDIATE takes the write lock up front: two deferred transactions that both
        # try to write later deadlock, and SQLite fails one at once ("database is locked").
        connection.exec_driver_sql("BEGIN IMMEDIATE")


@contextmanager
def transaction(engine: Engine, *, actor: str) -> Iterator[Session]:
    """A session whose work commits on success and rolls back on any error.

    ``actor`` is recorded on every audit event written in this transaction.
    """
    session = Session(engine, expire_on_commit=False)
    session.info["actor"] = actor
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
