"""Audit keys for the audit tests: set through the environment, as in production."""

from collections.abc import Callable, Iterator

import pytest

from recoup.config import get_settings
from tests.cli.conftest import recoup  # noqa: F401 (the command-line fixture, shared)

KEY_A = "a-secret-key-of-the-tests-0001"
KEY_B = "b-secret-key-of-the-tests-0002"


@pytest.fixture
def audit_key(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], None]]:
    """Set ``RECOUP_AUDIT_KEY`` for the rest of the test ("" for none)."""

    def configure(value: str) -> None:
        monkeypatch.setenv("RECOUP_AUDIT_KEY", value)
        get_settings.cache_clear()

    configure(f"a:{KEY_A}")
    yield configure
    monkeypatch.delenv("RECOUP_AUDIT_KEY")
    get_settings.cache_clear()
