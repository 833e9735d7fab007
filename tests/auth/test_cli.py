"""``recoup user password`` and ``recoup user reset`` on a fresh database of each kind."""

from pathlib import Path

import pytest
from typer.testing import CliRunner

from recoup.cli import app


def test_change_and_reset_a_password(
    database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("RECOUP_DATABASE_URL", database_url)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def recoup(*args: str, given: str = "") -> tuple[int, str]:
        result = runner.invoke(app, list(args), input=given, catch_exceptions=False)
        return result.exit_code, result.output

    assert recoup("init", "--org", "acme", "--admin-email", "ar@acme.example")[0] == 0
    code, out = recoup(
        "user", "add", "--email", "kim@acme.example", "--password", "tide pool lantern"
    )
    assert code == 0, out
    code, out = recoup("user", "password", "--email", "kim@acme.example", given="wrong\nx\nx\n")
    assert code == 1
    assert "current_password: is not your current password" in out
    weak = "tide pool lantern\nacme-2026-acme\nacme-2026-acme\n"
    code, out = recoup("user", "password", "--email", "kim@acme.example", given=weak)
    assert code == 1
    assert "password: is made of your own name, email or organisation" in out
    good = "tide pool lantern\nmarble fjord quietly\nmarble fjord quietly\n"
    code, out = recoup("user", "password", "--email", "kim@acme.example", given=good)
    assert code == 0, out
    assert "password of kim@acme.example changed" in out
    code, out = recoup("user", "reset", "--email", "kim@acme.example")
    assert code == 0, out
    password = out.split("password: ")[-1].strip()
    assert len(password) == 16
    code, out = recoup("user", "reset", "--email", "nobody@acme.example")
    assert code == 1
    assert "no user with the email nobody@acme.example" in out
