"""The Webhooks page in a real browser: an admin adds an endpoint (the secret shown
once), reads the delivery log of real deliveries (a failure, its retry) and replays one;
axe-core finds nothing serious; screenshots for the README."""

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, expect

from recoup.comms.dispatcher import dispatch
from recoup.config import Settings
from recoup.db import transaction
from recoup.db.base import utcnow
from recoup.jobs.effects import LiveChannels
from recoup.webhooks import service
from tests.browser.conftest import DESKTOP, PHONE, SCREENSHOTS, Server, log_in
from tests.browser.test_accessibility import _blocking
from tests.webhooks.sink import Sink, running_sink


@pytest.fixture
def sink() -> Iterator[Sink]:
    with running_sink() as started:
        yield started


def test_an_admin_adds_a_webhook_and_replays_a_delivery(
    browser: Browser, server: Server, sink: Sink, tmp_path: Path
) -> None:
    if server.kind != "sqlite":
        pytest.skip("the page is the same on PostgreSQL (tested in tests/webhooks)")
    context = browser.new_context(viewport=DESKTOP, locale="en-GB")
    page = context.new_page()
    log_in(page, server, "admin")
    page.get_by_role("link", name="Webhooks").click()
    page.get_by_label("Endpoint URL").fill(sink.url)
    page.get_by_label("promise.made").check()
    page.get_by_label("dispute.opened").check()
    page.get_by_label("Description").fill("ERP: pause dunning on disputes")
    page.get_by_role("button", name="Add webhook").click()
    expect(page.locator(".flash code.secret")).to_contain_text("whsec_")
    with transaction(server.engine, actor="test") as session:
        subscription = service.list_subscriptions(session, org_id=server.org_id)[-1]
        assert subscription.url == sink.url
        for n in (1, 2):
            service.emit(
                session,
                org_id=server.org_id,
                type="promise.made",
                data={"promise_id": n, "customer_id": 1, "promised_amount": "1250.00"},
            )
    sink.answers.append(503)  # the first attempt fails, its retry gets through
    live = LiveChannels(Settings(smtp_url=f"file://{tmp_path}/mail", letters_dir=str(tmp_path)))
    start = utcnow()
    dispatch(server.engine, live, org_id=server.org_id, clock=lambda: start)
    dispatch(server.engine, live, org_id=server.org_id, clock=lambda: start + timedelta(minutes=3))
    assert len(sink.received) == 3

    page.goto(server.url(f"/webhooks/{subscription.id}"))
    expect(page.locator("h1")).to_contain_text(sink.url)
    expect(page.get_by_text("HTTP 503")).to_be_visible()
    expect(page.get_by_text("HTTP 200").first).to_be_visible()
    page.get_by_role("button", name="Replay").last.click()
    expect(page.locator(".flash")).to_contain_text("replayed as #")
    expect(page.get_by_text("replay of #")).to_be_visible()
    context.close()

    axe = Axe()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    for label, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        context = browser.new_context(viewport=viewport, locale="en-GB")
        page = context.new_page()
        log_in(page, server, "admin")
        for name, path in (
            ("webhooks", "/webhooks"),
            ("webhook-log", f"/webhooks/{subscription.id}"),
        ):
            page.goto(server.url(path))
            page.wait_for_load_state("networkidle")
            problems += [f"{label} {path}: {p}" for p in _blocking(axe.run(page))]
            page.screenshot(path=str(SCREENSHOTS / f"{name}-{label}.png"))
        context.close()
    assert not problems, "\n".join(problems)
