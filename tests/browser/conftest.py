"""Browser tests: ``recoup serve`` in a subprocess on a fresh database with the demo
portfolio, driven through Debian's Chromium by Playwright (no browser is downloaded;
``scripts/install-browser.sh`` installs Chromium when it is missing).

One server per test module and database kind; each test gets a new browser context.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright
from sqlalchemy import Engine

from recoup.auth import service as auth
from recoup.auth.models import Role
from recoup.db import make_engine, transaction
from recoup.db.migrate import upgrade
from recoup.demo import service as demo
from recoup.ledger import service as ledger
from recoup.portal import service as portal
from tests.web.support import PASSWORD, fresh_database

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync",
]  # fmt: skip
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
COLLECTOR = "alex@demo.example"  # a collector of the demo portfolio


@dataclass
class Server:
    """A running ``recoup serve`` and what the tests need to know about its data."""

    base: str
    engine: Engine
    kind: str  # "sqlite" or "postgresql"
    org_id: int
    other_org_id: int
    other_customer_id: int
    users: dict[str, str] = field(default_factory=dict)  # role -> email

    def url(self, path: str) -> str:
        return self.base + path

    def token_for(self, customer_id: int, org_id: int | None = None) -> str:
        """A portal link token for a customer (issued directly in the database)."""
        with transaction(self.engine, actor="test") as session:
            return portal.issue_token(
                session, org_id=org_id or self.org_id, customer_id=customer_id
            )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _fill(url: str) -> dict[str, int]:
    engine = make_engine(url)
    upgrade(engine)
    with transaction(engine, actor="test") as session:
        org = demo.demo_organisation(session)
        # A euro bank account, so that euro customers get an EPC QR code.
        org.iban, org.bic, org.bank_name = "DE89370400440532013000", "COBADEFFXXX", "Demo Bank AG"
        demo.load(session, org_id=org.id, customers=40, seed=7, as_of=date.today())
        for role in Role:
            email = COLLECTOR if role is Role.COLLECTOR else f"{role.value}@demo.example"
            auth.create_user(
                session, org_id=org.id, email=email, password=PASSWORD, role=role,
                name=f"{role.value.title()} User",
            )  # fmt: skip
        other = ledger.create_organisation(
            session, slug="other", name="Other Ltd", country="GB", base_currency="GBP"
        )
        stranger = ledger.create_customer(
            session, org_id=other.id, external_id="X1", name="Stranger Industries", currency="GBP"
        )
        ids = {"org": org.id, "other": other.id, "stranger": stranger.id}
    engine.dispose()
    return ids


@pytest.fixture(scope="module")
def server(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``recoup serve`` on a free port of 127.0.0.1, on a database of its own."""
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: run scripts/install-browser.sh")
    directory = tmp_path_factory.mktemp("browser")
    with fresh_database(engine, directory) as url:
        ids = _fill(url)
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        recoup = shutil.which("recoup", path=str(Path(sys.executable).parent)) or "recoup"
        env = os.environ | {"RECOUP_DATABASE_URL": url, "RECOUP_PUBLIC_URL": base}
        log = (directory / "server.log").open("w")
        process = subprocess.Popen(
            [recoup, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=directory,
        )  # fmt: skip
        try:
            _wait_for(base + "/healthz", process, directory / "server.log")
            db = make_engine(url)
            yield Server(
                base=base,
                engine=db,
                kind=engine.dialect.name,
                org_id=ids["org"],
                other_org_id=ids["other"],
                other_customer_id=ids["stranger"],
                users={r.value: COLLECTOR if r is Role.COLLECTOR else f"{r.value}@demo.example"
                       for r in Role},
            )  # fmt: skip
            db.dispose()
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
            log.close()


def _wait_for(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"recoup serve exited:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"recoup serve did not answer within 60 s:\n{log.read_text()}")


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Debian's Chromium, headless."""
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    ctx = browser.new_context(viewport=DESKTOP, locale="en-GB")
    ctx.set_default_timeout(15_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


def log_in(page: Page, server: Server, role: str) -> None:
    """Log in through the form as the demo user of ``role``."""
    page.goto(server.url("/login"))
    page.fill("input[name=email]", server.users[role])
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(server.url("/"))
