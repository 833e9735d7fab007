"""Running ``recoup charges`` commands against a fresh database of each kind."""

from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from recoup.cli import app

Recoup = Callable[..., Result]


@pytest.fixture
def recoup(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Recoup:
    """``recoup(*args)`` runs the command line in-process on the fresh database."""
    monkeypatch.setenv("RECOUP_DATABASE_URL", database_url)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(app, list(args), catch_exceptions=False)

    return run
