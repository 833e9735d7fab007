"""An admin makes an API token on the web page, and it opens the API of the running
server (real HTTP); screenshots of the page for the docs."""

import json
import re
import urllib.request

import pytest
from playwright.sync_api import Browser

from tests.browser.conftest import DESKTOP, PHONE, SCREENSHOTS, Server, log_in


def test_a_token_made_on_the_page_opens_the_api(browser: Browser, server: Server) -> None:
    for label, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        context = browser.new_context(viewport=viewport, locale="en-GB")
        page = context.new_page()
        log_in(page, server, "admin")
        page.goto(server.url("/settings/api-tokens"))
        page.fill("input[name=name]", f"ERP sync ({label})")
        page.check("input[name=scope][value=write]")
        page.click("form[action='/settings/api-tokens'] button[type=submit]")
        secret = page.inner_text("code.secret")
        assert re.fullmatch(r"rcp_[A-Za-z0-9_-]{43}", secret)
        request = urllib.request.Request(
            server.url("/api/v1/customers?limit=2"), headers={"authorization": f"Bearer {secret}"}
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert answer.status == 200
            assert len(json.loads(answer.read())["data"]) == 2
        if server.kind == "sqlite":  # one set of screenshots is enough
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / f"api-tokens-{label}.png"), full_page=True)
        context.close()
    if server.kind != "sqlite":
        pytest.skip("screenshots are taken on SQLite")
