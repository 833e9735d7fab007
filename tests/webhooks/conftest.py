"""Fixtures of the webhook tests: a real HTTP endpoint on 127.0.0.1."""

from collections.abc import Iterator

import pytest

from tests.webhooks.sink import Sink, running_sink


@pytest.fixture
def sink() -> Iterator[Sink]:
    """An HTTP endpoint that records what it receives (200 unless told otherwise)."""
    with running_sink() as started:
        yield started
