"""Customers' replies in the browser: a collector confirms the promise drafted from a
reply; the replies pages pass axe and are photographed for the README."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page

from recoup.cases import promises
from recoup.db import transaction
from recoup.inbound import service as inbound
from recoup.ledger import service as ledger
from tests.browser.conftest import COLLECTOR, DESKTOP, PHONE, SCREENSHOTS, Server, log_in
from tests.browser.test_accessibility import _blocking
from tests.inbound.messages import eml


@dataclass
class Replies:
    customer_id: int
    promise: int
    paid: int


def _customer(server: Server) -> tuple[int, str, list[str]]:
    """One of the collector's customers with open invoices and an email contact."""
    with transaction(server.engine, actor="test") as session:
        for customer in ledger.customers(session, org_id=server.org_id):
            if customer.collector != COLLECTOR:
                continue
            emails = [
                c.email
                for c in ledger.contacts_of(session, org_id=server.org_id, customer_id=customer.id)
                if c.email
            ]
            numbers = [
                i.number
                for i in ledger.open_invoices(
                    session, org_id=server.org_id, customer_id=customer.id
                )
            ]
            if emails and len(numbers) >= 2:
                return customer.id, emails[0], numbers
    raise AssertionError("no customer of the collector with open invoices and an email")


@pytest.fixture(scope="module")
def replies(server: Server) -> Replies:
    customer_id, sender, numbers = _customer(server)
    now = datetime.now(UTC)
    with transaction(server.engine, actor="test") as session:
        inbound.set_address(session, org_id=server.org_id, address="ar@demo.example")
        address = inbound.reply_address(session, org_id=server.org_id, customer_id=customer_id)
        token = address.split("+")[1].split("@")[0]
        message = EmailMessage()
        message["From"] = sender
        message["To"] = address
        message["Subject"] = f"Re: Payment reminder {numbers[0]}"
        message["Message-ID"] = "<browser.promise@customer.example>"
        on = date.today() + timedelta(days=12)
        message.set_content(
            f"Hello,\n\nWe will pay {numbers[0]} on {on.day} {on:%B} after our payment run.\n\n"
            f"Regards\n\nOn Mon, 1 Dec 2026, Credit Control wrote:\n> Please pay by today."
        )
        promise = inbound.receive(
            session, org_id=server.org_id, raw=bytes(message), received_at=now
        ).reply.id
        paid_raw = eml("paid_remittance", token=token).replace(b"INV-1-1", numbers[1].encode())
        paid = inbound.receive(
            session, org_id=server.org_id, raw=paid_raw, received_at=now
        ).reply.id
        for name in ("out_of_office_en", "out_of_office_de", "dispute_de"):
            inbound.receive(
                session, org_id=server.org_id, raw=eml(name, token=token), received_at=now
            )
    return Replies(customer_id, promise, paid)


def test_a_collector_confirms_a_promise_from_a_reply(
    page: Page, server: Server, replies: Replies
) -> None:
    log_in(page, server, "collector")
    page.goto(server.url("/replies"))
    page.click(f"a[href='/replies/{replies.promise}']")
    assert "We will pay" in page.inner_text("#message")
    page.click("#draft button.primary")
    page.wait_for_url(server.url("/replies"))
    assert "promise #" in page.inner_text(".flash")
    with transaction(server.engine, actor="test", read_only=True) as session:
        reply = inbound.get_reply(session, org_id=server.org_id, reply_id=replies.promise)
        assert reply.status == "handled"
        (promise,) = [
            p
            for p in promises.list_promises(
                session, org_id=server.org_id, customer_id=replies.customer_id
            )
            if p.channel == "email"
        ]
        assert promise.promised_on == date.today() + timedelta(days=12)
    page.goto(server.url(f"/customers/{replies.customer_id}"))
    assert "promise to pay (handled by alex@demo.example" in page.inner_text("#timeline")


def test_the_replies_pages_pass_axe_and_are_photographed(
    browser: Browser, server: Server, replies: Replies
) -> None:
    if server.kind != "sqlite":
        pytest.skip("one set of screenshots is enough (taken on SQLite)")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    axe = Axe()
    problems: list[str] = []
    for label, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        context = browser.new_context(viewport=viewport, locale="en-GB")
        page = context.new_page()
        log_in(page, server, "manager")
        for name, path in (("replies", "/replies?show=all"), ("reply", f"/replies/{replies.paid}")):
            page.goto(server.url(path))
            page.wait_for_load_state("networkidle")
            problems += [f"{label} {path}: {p}" for p in _blocking(axe.run(page))]
            page.screenshot(path=str(SCREENSHOTS / f"{name}-{label}.png"), full_page=True)
        context.close()
    assert not problems, "\n".join(problems)
