"""The policies page in a browser: a collector proposes a change, a manager approves it
from the approvals queue (the collector cannot), a manager gives a customer a policy of
its own; axe-core finds nothing serious on the pages with their forms open; screenshots
for the docs."""

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import DESKTOP, PHONE, SCREENSHOTS, Server, log_in
from tests.browser.test_accessibility import _blocking
from tests.browser.test_team_and_portal import _a_euro_customer


def test_a_policy_change_proposed_by_a_collector_is_approved_by_a_manager(
    browser: Browser, page: Page, server: Server
) -> None:
    log_in(page, server, "collector")
    page.goto(server.url("/policies"))
    card = page.locator("#policy-gentle")
    card.locator("summary", has_text="Propose a change").click()
    text = card.locator("textarea[name=text]")
    hours = '\nsending_hours: {start: "10:00", end: "18:00"}\n'
    text.fill(text.input_value().rstrip("\n") + hours)
    card.locator("input[name=reason]").fill("Our customers open their mail late")
    card.locator("button", has_text="Propose the change").click()
    flash = page.locator(".flash")
    expect(flash).to_contain_text("another manager or admin approves it")
    expect(page.locator("#policy-changes")).to_contain_text("sending hours 10:00")

    manager = browser.new_context(viewport=DESKTOP, locale="en-GB").new_page()
    log_in(manager, server, "manager")
    manager.goto(server.url("/approvals"))
    row = manager.locator("tr", has_text="Change policy gentle")
    row.locator("button", has_text="Approve").click()
    expect(manager.locator(".flash")).to_contain_text("approved")
    manager.goto(server.url("/policies"))
    expect(manager.locator("#policy-gentle .card-head")).to_contain_text("10:00")

    customer_id = _a_euro_customer(server)
    manager.goto(server.url(f"/customers/{customer_id}"))
    choice = manager.locator("#customer-policy")
    choice.locator("summary").click()
    choice.locator("select[name=policy]").select_option("strict")
    choice.locator("button", has_text="Use this policy").click()
    expect(manager.locator(".flash")).to_contain_text("now follows policy 'strict'")
    manager.goto(server.url("/policies"))
    expect(manager.locator("#policy-assignments")).to_contain_text("strict")
    manager.context.close()


def test_policy_pages_have_no_serious_violations_and_screenshots(
    browser: Browser, server: Server
) -> None:
    axe = Axe()
    problems: list[str] = []
    for label, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        context = browser.new_context(viewport=viewport, locale="en-GB")
        page = context.new_page()
        log_in(page, server, "manager")
        page.goto(server.url("/policies"))
        page.wait_for_load_state("networkidle")
        if server.kind == "sqlite":
            page.screenshot(path=str(SCREENSHOTS / f"policies-{label}.png"))
        page.locator("#policy-default summary", has_text="Propose a change").click()
        problems += [f"{label} /policies: {p}" for p in _blocking(axe.run(page))]
        context.close()
    assert not problems, "\n".join(problems)
