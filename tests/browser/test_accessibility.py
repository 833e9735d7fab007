"""axe-core (``axe-playwright-python``) on every page of the team's app and the portal,
desktop and phone: no serious or critical violation."""

from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser

from tests.browser.conftest import DESKTOP, PHONE, SCREENSHOTS, Server, log_in
from tests.browser.test_team_and_portal import _a_euro_customer

BLOCKING = {"serious", "critical"}


def _pages(server: Server, customer_id: int) -> dict[str, list[str]]:
    """The pages each role opens (an admin: everything)."""
    return {
        "admin": [
            "/", "/worklist", f"/customers/{customer_id}", f"/customers/{customer_id}/edit",
            "/customers/new", "/assignments", "/invoices", "/disputes?status=all",
            "/promises?status=all", "/tasks", "/policies", "/outbox", "/approvals", "/imports",
            "/users", "/settings", "/password", "/reports/management",
        ],
        "collector": ["/worklist", f"/customers/{customer_id}"],
    }  # fmt: skip


def _blocking(result: Any) -> list[str]:
    found = []
    for violation in result.response["violations"]:
        if violation.get("impact") in BLOCKING:
            targets = [", ".join(n["target"]) for n in violation["nodes"]][:3]
            found.append(f"{violation['id']} ({violation['impact']}): {targets}")
    return found


def test_no_serious_or_critical_violations(browser: Browser, server: Server) -> None:
    if server.kind != "sqlite":
        pytest.skip("the pages are the same on PostgreSQL")
    axe = Axe()
    customer_id = _a_euro_customer(server)
    token = server.token_for(customer_id)
    problems: list[str] = []
    for label, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        anonymous = browser.new_context(viewport=viewport, locale="en-GB")
        page = anonymous.new_page()
        for path in ("/login", f"/p/{token}"):
            page.goto(server.url(path))
            page.wait_for_load_state("networkidle")
            problems += [f"{label} {path}: {p}" for p in _blocking(axe.run(page))]
        anonymous.close()
        for role, paths in _pages(server, customer_id).items():
            context = browser.new_context(viewport=viewport, locale="en-GB")
            page = context.new_page()
            log_in(page, server, role)
            for path in paths:
                page.goto(server.url(path))
                page.wait_for_load_state("networkidle")
                problems += [f"{label} {path}: {p}" for p in _blocking(axe.run(page))]
            context.close()
    assert not problems, "\n".join(problems)


def test_screenshots_of_the_customer_forms(browser: Browser, server: Server) -> None:
    """The new customer, customer edit and assignments pages, desktop and phone, for the
    README."""
    if server.kind != "sqlite":
        pytest.skip("one set of screenshots is enough (taken on SQLite)")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    customer_id = _a_euro_customer(server)
    for label, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        context = browser.new_context(viewport=viewport, locale="en-GB")
        page = context.new_page()
        log_in(page, server, "manager")
        for name, path in (
            ("customer-edit", f"/customers/{customer_id}/edit"),
            ("customer-new", "/customers/new"),
            ("assignments", "/assignments?collector=none"),
        ):
            page.goto(server.url(path))
            page.wait_for_load_state("networkidle")
            page.screenshot(path=str(SCREENSHOTS / f"{name}-{label}.png"))
        context.close()
