"""Fixtures of the web tests: a world of two organisations per test module."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.web.support import World, build_world, fresh_database


@pytest.fixture(scope="module")
def world(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """Two organisations with users and customers, committed in a database of their own."""
    with fresh_database(engine, tmp_path_factory.mktemp("web")) as url:
        built = build_world(url)
        yield built
        built.engine.dispose()


@pytest.fixture(autouse=True)
def upload_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Uploads of the test go to a directory of its own (``RECOUP_UPLOAD_DIR``)."""
    directory = tmp_path / "uploads"
    monkeypatch.setenv("RECOUP_UPLOAD_DIR", str(directory))
    return directory
