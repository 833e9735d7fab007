"""Portal tokens never reach the server's log: a real uvicorn server, configured as
``recoup serve`` configures it, logs portal requests with the token redacted."""

import io
import logging
import logging.config
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
import uvicorn

from recoup.web.app import create_app
from recoup.web.logs import server_log_config
from tests.mailbox import free_port
from tests.portal.links import issue
from tests.web.support import AS_OF, World


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """Configuring the server's logging changes global loggers: put them back after."""
    names = ("recoup", "uvicorn", "uvicorn.error", "uvicorn.access")
    saved = {
        name: (list(lg.handlers), lg.propagate, lg.level, lg.disabled)
        for name, lg in ((n, logging.getLogger(n)) for n in names)
    }
    yield
    for name, (handlers, propagate, level, disabled) in saved.items():
        found = logging.getLogger(name)
        found.handlers[:] = handlers
        found.propagate, found.disabled = propagate, disabled
        found.setLevel(level)


@contextmanager
def serving(world: World, log: io.StringIO) -> Iterator[str]:
    """The app on 127.0.0.1 under uvicorn, logging to ``log``; its base URL."""
    config_dict = server_log_config()
    for handler in config_dict["handlers"].values():
        handler["stream"] = log
    app = create_app(engine=world.engine, clock=lambda: AS_OF, migrate=False)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=config_dict)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)


def test_the_access_log_redacts_portal_tokens(world: World) -> None:
    token = issue(world)
    log = io.StringIO()

    with serving(world, log) as base:
        page = httpx.get(f"{base}/p/{token}?lang=de")
        pdf = httpx.get(f"{base}/p/{token}/statement.pdf")
        forged = httpx.get(f"{base}/p/forged-token-value")
        login = httpx.get(f"{base}/login")

    assert (page.status_code, pdf.status_code, forged.status_code) == (200, 200, 404)
    assert login.status_code == 200
    written = log.getvalue()
    assert token not in written
    assert "forged-token-value" not in written
    assert '"GET /p/[redacted]?lang=de HTTP/1.1" 200' in written
    assert '"GET /p/[redacted]/statement.pdf HTTP/1.1" 200' in written
    assert '"GET /p/[redacted] HTTP/1.1" 404' in written
    assert '"GET /login HTTP/1.1" 200' in written


def test_an_error_log_redacts_the_token_in_its_message_and_traceback() -> None:
    config_dict = server_log_config()
    log = io.StringIO()
    for handler in config_dict["handlers"].values():
        handler["stream"] = log
    logging.config.dictConfig(config_dict)
    logger = logging.getLogger("recoup.web.app")
    try:
        raise RuntimeError("no statement for /p/SeCrEtToKeN1/statement.pdf")
    except RuntimeError:
        logger.exception("unexpected error on %s %s", "GET", "/p/SeCrEtToKeN1/statement.pdf")

    written = log.getvalue()
    assert "SeCrEtToKeN1" not in written
    assert "unexpected error on GET /p/[redacted]/statement.pdf" in written
    assert "RuntimeError: no statement for /p/[redacted]/statement.pdf" in written
