"""Fixtures: every database test runs on SQLite and on PostgreSQL.

``RECOUP_TEST_DATABASE_URL`` names the PostgreSQL test database (``make test`` starts a
server and sets it). Without it the PostgreSQL half fails rather than skips, unless
``RECOUP_TEST_DATABASES=sqlite`` narrows the run on purpose.
"""

import os
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from recoup.db import make_engine
from recoup.db.migrate import upgrade
from tests.mailbox import smtp_server  # noqa: F401 (a fixture shared by several packages)

DATABASES = os.environ.get("RECOUP_TEST_DATABASES", "sqlite,postgresql").split(",")


def _postgres_url() -> str:
    url = os.environ.get("RECOUP_TEST_DATABASE_URL")
    if not url:
        pytest.fail("RECOUP_TEST_DATABASE_URL is not set: run the tests with `make test`")
    return url


@pytest.fixture(scope="session", params=DATABASES)
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """A migrated database of each kind, shared by the session's tests."""
    if request.param == "sqlite":
        db = make_engine(f"sqlite:///{tmp_path_factory.mktemp('sqlite')}/test.db")
    else:
        db = make_engine(_postgres_url())
        with db.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade(db)
    yield db
    db.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session inside a transaction that is rolled back after the test.

    Services may commit (savepoints stand in); nothing survives the test.
    """
    connection = engine.connect()
    outer = connection.begin()
    db_session = Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    db_session.info["actor"] = "test"
    yield db_session
    db_session.close()
    outer.rollback()
    connection.close()


@pytest.fixture
def database_url(engine: Engine, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database of the same kind, for commands that commit."""
    if engine.dialect.name == "sqlite":
        # An empty file, as a PostgreSQL database is an empty schema: the command line
        # makes a missing file only in `recoup init` and `recoup demo`.
        sqlite3.connect(tmp_path / "recoup.db").close()
        yield f"sqlite:///{tmp_path}/recoup.db"
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with engine.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    url = engine.url.set(query={"options": f"-csearch_path={schema}"})
    yield url.render_as_string(hide_password=False)
    with engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
