"""A login flood against a real server while a logged-in user browses (bounded, on
127.0.0.1): nobody gets a 500, the flood is answered 401/429/503, and the user's pages
stay under a second.

The server is a real ``uvicorn`` process on a free port, on the test module's database:
the SQLite file (WAL) or a PostgreSQL schema. The flood comes from 200 different
addresses (a trusted proxy forwards them) so that the throttle does not turn it away
before the password check: every login that gets through costs a real argon2 hash.
"""

import json
import os
import secrets
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from tests.web.support import PASSWORD, World

LOGINS = 200
AT_ONCE = 40
PAGE_LIMIT = 1.0  # seconds


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture
def server(world: World, tmp_path: Path) -> object:
    port = free_port()
    env = os.environ | {
        "RECOUP_DATABASE_URL": world.url,
        "RECOUP_TRUSTED_PROXIES": "127.0.0.1",
    }
    log = (tmp_path / "server.log").open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "recoup.web.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=tmp_path,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        assert process.poll() is None, (tmp_path / "server.log").read_text()
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.1)
    yield base
    process.terminate()
    process.wait(timeout=30)
    log.close()


def test_a_login_flood_neither_fails_nor_slows_a_logged_in_user(world: World, server: str) -> None:
    base = server
    csrf = secrets.token_urlsafe(32)
    user = httpx.Client(base_url=base, cookies={"recoup_csrf": csrf}, timeout=30)
    response = user.post(
        "/login",
        data={"email": "collector@alpha.example", "password": PASSWORD, "csrf_token": csrf},
    )
    assert response.status_code == 303
    pages = ["/", "/worklist", f"/customers/{world.a.customers['C1']}", "/invoices"]
    for page in pages:  # warm up: templates compiled, connections open
        assert user.get(page).status_code == 200

    started = time.monotonic()
    flood = subprocess.Popen(
        [sys.executable, "-m", "tests.web.flood", base, csrf, str(LOGINS), str(AT_ONCE)],
        stdout=subprocess.PIPE,
        cwd=Path(__file__).parents[2],
    )
    timings: list[tuple[str, int, float]] = []
    time.sleep(1.0)  # the flood is under way
    while flood.poll() is None or len(timings) < 12:
        page = pages[len(timings) % len(pages)]
        begun = time.monotonic()
        status = user.get(page).status_code
        timings.append((page, status, time.monotonic() - begun))
        time.sleep(0.05)
    output, _ = flood.communicate(timeout=60)
    statuses = Counter({int(k): v for k, v in json.loads(output).items()})
    assert time.monotonic() - started < 60
    assert statuses[500] == 0
    assert set(statuses) <= {401, 429, 503}, statuses
    assert statuses[401] > 0, statuses  # some passwords were really checked
    assert all(status == 200 for _, status, _ in timings), timings
    # Every page under a second; on a machine shared with other work one page may be
    # caught behind a scheduling hiccup, so the slowest gets twice that (before the fix
    # pages took 30-60 s and 7 of 10 failed).
    seconds = sorted(seconds for _, _, seconds in timings)
    assert seconds[-2] < PAGE_LIMIT, timings
    assert seconds[-1] < 2 * PAGE_LIMIT, timings
    # and once the flood is over, a real user logs in at once
    late = httpx.Client(base_url=base, cookies={"recoup_csrf": csrf}, timeout=30)
    response = late.post(
        "/login", data={"email": "viewer@alpha.example", "password": PASSWORD, "csrf_token": csrf}
    )
    assert response.status_code == 303
