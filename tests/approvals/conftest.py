"""The command-line fixture, shared with ``tests/cli``."""

from tests.cli.conftest import recoup

__all__ = ["recoup"]
