"""The team's web app and the customer portal in a real browser."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import case, func, select, update

from recoup.auth.models import User
from recoup.cases import pauses, tasks
from recoup.db import transaction
from recoup.portal.models import PortalSubmission, PortalToken
from tests.browser.conftest import DESKTOP, PHONE, SCREENSHOTS, Server, log_in


def count(server: Server, model: type) -> int:  # type: ignore[type-arg]
    with transaction(server.engine, actor="test") as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


EVERYONE = {"Dashboard", "Worklist", "Invoices", "Disputes", "Promises", "Tasks", "Replies", "Bank",
            "Outbox", "Policies"}  # fmt: skip
NAV = {
    "admin": EVERYONE | {"Approvals", "Imports", "Users", "Settings", "Webhooks"},
    "manager": EVERYONE | {"Approvals", "Imports"},
    "collector": EVERYONE,
    "viewer": EVERYONE,
}


@pytest.mark.parametrize("role", sorted(NAV))
def test_each_role_sees_what_it_may(page: Page, server: Server, role: str) -> None:
    log_in(page, server, role)
    expect(page.locator(".me .badge")).to_have_text(role)
    links = set(page.locator("nav.nav a").all_inner_texts())
    assert links == NAV[role]
    expect(page.locator(".kpi-card").first).to_be_visible()

    page.goto(server.url("/worklist?collector="))
    page.locator(".worklist tbody tr a").first.click()
    expect(page.locator("h1")).to_be_visible()
    portal_form = page.locator("#portal-link")
    if role == "viewer":
        expect(portal_form).to_have_count(0)
    else:
        expect(portal_form).to_be_visible()

    for path, needs in (
        ("/imports", {"admin", "manager"}),
        ("/users", {"admin"}),
        ("/approvals", {"admin", "manager"}),
        ("/settings", {"admin"}),
    ):
        page.goto(server.url(path))
        if role in needs:
            expect(page.locator("h1")).to_have_text(path.strip("/").title())
        else:
            expect(page.locator("h1")).to_have_text("Not allowed")


def test_collector_works_an_account_and_the_customer_answers_on_the_portal(
    browser: Browser, page: Page, server: Server
) -> None:
    log_in(page, server, "collector")
    page.click("nav.nav >> text=Worklist")
    rows = page.locator(".worklist tbody tr")
    expect(rows.first).to_be_visible()
    # A collector's worklist is theirs: every row names them.
    assert set(page.locator(".worklist tbody td.collector").all_inner_texts()) == {
        server.users["collector"]
    }
    reason = rows.first.locator(".why li").first.inner_text()
    assert "overdue on" in reason
    rows.first.locator("a.strong").click()
    name = page.locator("h1").inner_text()
    customer_id = int(page.url.rsplit("/", 1)[1].split("#")[0])

    # A call in which the customer promises to pay next week.
    promised = date.today() + timedelta(days=7)
    call = page.locator("#call-form")
    call.locator("select[name=outcome]").select_option("promised")
    call.locator("input[name=contact]").fill("Ms Accounts Payable")
    call.locator("textarea[name=note]").fill("Will pay after their payment run.")
    call.locator("input[name=promised_on]").fill(promised.isoformat())
    call.locator("button[type=submit]").click()
    expect(page.locator(".flash")).to_contain_text(
        f"Call logged with a promise to pay on {promised.isoformat()}"
    )
    timeline = page.locator(".timeline")
    expect(timeline).to_contain_text("Call with Ms Accounts Payable: promised to pay")
    expect(timeline).to_contain_text(f"by {promised.day} {promised:%b %Y}")
    expect(page.locator("#open-cases")).to_contain_text("promise")
    # The promise takes the customer's invoices off the escalation ladder until then.
    with transaction(server.engine, actor="test") as session:
        paused = pauses.pauses(session, org_id=server.org_id, as_of=date.today())
    assert customer_id in {p.customer_id for p in paused}

    page.click("#portal-link button.primary")
    link = page.locator("input.copy").input_value()
    assert link.startswith(server.base + "/p/")

    customer_side = browser.new_context(viewport=PHONE)
    portal = customer_side.new_page()
    portal.goto(link)
    expect(portal.locator("h1")).to_contain_text(name)
    invoice = portal.locator("#dispute select[name=invoice] option").nth(1)
    number = invoice.inner_text().split(" · ")[0]
    portal.select_option("#dispute select[name=invoice]", index=1)
    portal.select_option("#dispute select[name=reason]", "wrong_amount")
    portal.fill("#dispute textarea[name=comment]", "The price list says 10% less.")
    portal.click("#dispute button[type=submit]")
    expect(portal.locator("#thanks")).to_contain_text(number)
    customer_side.close()

    page.goto(server.url("/"))
    expect(page.locator("#from-customers")).to_contain_text(name)
    page.locator("#from-customers a", has_text=name).first.click()
    expect(timeline).to_contain_text(f"On the portal: disputed invoice {number} (wrong amount)")
    expect(timeline).to_contain_text("The price list says 10% less.")


def test_a_bad_promise_shows_its_message_and_writes_nothing(page: Page, server: Server) -> None:
    customer_id = _a_customer_with_open_invoices(server)
    page.goto(server.url(f"/p/{server.token_for(customer_id)}?lang=en"))
    before = count(server, PortalSubmission)
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    page.locator("#promise input[name=promised_on]").evaluate(
        "(input, day) => { input.removeAttribute('min'); input.value = day; }", yesterday
    )
    page.click("#promise button[type=submit]")
    expect(page.locator("#promise .field-error")).to_have_text(
        "Please choose a date from today up to six months ahead."
    )
    assert count(server, PortalSubmission) == before

    next_week = (date.today() + timedelta(days=7)).isoformat()
    page.fill("#promise input[name=promised_on]", next_week)
    page.fill("#promise input[name=amount]", "lots")
    page.click("#promise button[type=submit]")
    expect(page.locator("#promise .field-error")).to_contain_text("Please enter an amount")
    assert count(server, PortalSubmission) == before

    page.fill("#promise input[name=amount]", "")
    page.click("#promise button[type=submit]")
    expect(page.locator("#thanks")).to_contain_text("We have noted your promise to pay")
    assert count(server, PortalSubmission) == before + 1


def test_a_bad_user_form_shows_its_message_and_writes_nothing(page: Page, server: Server) -> None:
    log_in(page, server, "admin")
    page.goto(server.url("/users"))
    before = count(server, User)
    page.fill("input[name=email]", "newbie@demo.example")
    page.fill("input[name=password]", "short")
    page.click("form.stack button[type=submit]")
    expect(page.locator(".field-error")).to_have_text("must have at least 10 characters")
    assert count(server, User) == before


def test_forged_expired_and_foreign_tokens_are_refused(page: Page, server: Server) -> None:
    customer_id = _a_customer_with_open_invoices(server)
    page.goto(server.url("/p/this-is-not-a-real-token-at-all"))
    expect(page.locator("h1")).to_have_text("This link cannot be used")

    revoked = server.token_for(customer_id)
    with transaction(server.engine, actor="test") as session:
        session.execute(
            update(PortalToken)
            .where(PortalToken.customer_id == customer_id)
            .values(revoked_at=func.now())
        )
    page.goto(server.url(f"/p/{revoked}"))
    expect(page.locator("h1")).to_have_text("This link cannot be used")

    # A stranger's link (another organisation) opens the stranger's page only, and
    # a dispute of one of our customer's invoices through it is refused.
    stranger = server.token_for(server.other_customer_id, server.other_org_id)
    page.goto(server.url(f"/p/{stranger}?lang=en"))
    expect(page.locator("h1")).to_contain_text("Stranger Industries")
    ours = _an_open_invoice_id(server, customer_id)
    before = count(server, PortalSubmission)
    response = page.request.post(
        server.url(f"/p/{stranger}/dispute"),
        form={"invoice": str(ours), "reason": "other", "comment": "x",
              "csrf_token": page.locator("#feedback input[name=csrf_token]").input_value()},
    )  # fmt: skip
    assert response.status == 422
    assert count(server, PortalSubmission) == before


def _a_customer_with_open_invoices(server: Server) -> int:
    from recoup.ledger.models import Invoice

    with transaction(server.engine, actor="test") as session:
        return int(
            session.scalars(
                select(Invoice.customer_id)
                .where(Invoice.org_id == server.org_id, Invoice.status == "open")
                .order_by(Invoice.customer_id)
            ).first()
            or 0
        )


def _an_open_invoice_id(server: Server, customer_id: int) -> int:
    from recoup.ledger.models import Invoice

    with transaction(server.engine, actor="test") as session:
        return int(
            session.scalars(
                select(Invoice.id).where(
                    Invoice.customer_id == customer_id, Invoice.status == "open"
                )
            ).first()
            or 0
        )


def test_screenshots(browser: Browser, server: Server) -> None:
    """Dashboard, worklist, customer page, portal, the management report, the case lists,
    approvals and settings, desktop and phone, for the docs."""
    if server.kind != "sqlite":
        pytest.skip("one set of screenshots is enough (taken on SQLite)")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    customer_id = _a_euro_customer(server)
    token = server.token_for(customer_id)
    _requests_to_approve(server, customer_id)
    _bank_statement(server)
    for label, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        context = browser.new_context(viewport=viewport, locale="en-GB")
        page = context.new_page()
        log_in(page, server, "manager")
        for name, path in (
            ("dashboard", "/"),
            ("worklist", "/worklist"),
            ("customer", f"/customers/{customer_id}"),
            ("portal", f"/p/{token}"),
            ("management-report", "/reports/management"),
            ("disputes", "/disputes?status=all"),
            ("promises", "/promises?status=all"),
            ("tasks", "/tasks"),
            ("approvals", "/approvals"),
            ("bank", "/bank/lines?status=all"),
        ):
            page.goto(server.url(path))
            page.wait_for_load_state("networkidle")
            page.screenshot(path=str(SCREENSHOTS / f"{name}-{label}.png"))
        context.close()
        context = browser.new_context(viewport=viewport, locale="en-GB")
        page = context.new_page()
        log_in(page, server, "admin")
        page.goto(server.url("/settings"))
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(SCREENSHOTS / f"settings-{label}.png"))
        context.close()


def _requests_to_approve(server: Server, customer_id: int) -> None:
    """A hand-off and a write-off asked for by the collector, and a task, so that the
    approvals and tasks pages have something to show (once per server)."""
    from recoup.approvals import service as approvals
    from recoup.ledger.models import Invoice

    with transaction(server.engine, actor="test") as session:
        if approvals.pending(session, org_id=server.org_id, customer_id=customer_id):
            return
        invoices = session.scalars(
            select(Invoice.id)
            .where(Invoice.customer_id == customer_id, Invoice.status == "open")
            .order_by(Invoice.due_date)
        ).all()
        approvals.request_handoff(
            session, org_id=server.org_id, customer_id=customer_id, invoice_ids=invoices[:1],
            agency_name="Inkasso Nord GmbH", requested_by=server.users["collector"],
        )  # fmt: skip
        if len(invoices) > 1:
            approvals.request_write_off(
                session, org_id=server.org_id, invoice_id=invoices[-1], reason="Goods damaged",
                requested_by=server.users["collector"],
            )  # fmt: skip
        tasks.create_task(
            session, org_id=server.org_id, customer_id=customer_id,
            title="Call about the oldest invoice", assignee=server.users["collector"],
            due_on=date.today(),
        )  # fmt: skip


def _bank_statement(server: Server) -> None:
    """A day's statement of the demo book, imported once per server: a payment naming
    its invoice, one naming only the payer, a part payment, a stranger's transfer and
    the bank's fee."""
    from recoup.cashapp import service as cashapp
    from recoup.cashapp.statement import Statement, StatementLine
    from recoup.ledger.models import Customer, Invoice

    with transaction(server.engine, actor="test") as session:
        if cashapp.line_counts(session, org_id=server.org_id):
            return
        open_invoices = session.execute(
            select(Invoice.number, Invoice.open_amount, Customer.name)
            .join(Customer, Customer.id == Invoice.customer_id)
            .where(
                Invoice.org_id == server.org_id,
                Invoice.status == "open",
                Invoice.currency == "EUR",
            )
            .order_by(Invoice.due_date, Invoice.id)
            .limit(3)
        ).all()
        day = date.today()

        def line(n: int, minor: int, credit: bool = True, **text: str) -> StatementLine:
            return StatementLine(
                booking_date=day, amount=Decimal(minor) / 100, currency="EUR", credit=credit,
                bank_id=f"DEMO-{n}", **text,
            )  # fmt: skip

        (n1, a1, c1), (_, a2, c2), (n3, a3, c3) = open_invoices
        lines = (
            line(1, a1, remittance=f"Rechnung {n1}", payer_name=c1,
                 payer_iban="DE44500105175407324931"),
            line(2, a2, remittance="Zahlung", payer_name=c2),
            line(3, a3 // 2, remittance=f"Teilzahlung {n3}", payer_name=c3),
            line(4, 1_250_000, remittance="Umbuchung Tagesgeld", payer_name="Demo Bank AG"),
            line(5, 1_490, credit=False, remittance="Kontofuehrung"),
        )  # fmt: skip
        statement = Statement(
            format="camt053", account_iban="DE89370400440532013000", account_number="",
            currency="EUR", statement_id=f"{day:%Y%m%d}", opening_date=day, closing_date=day,
            lines=lines,
        )  # fmt: skip
        cashapp.import_statements(
            session, org_id=server.org_id, statements=[statement], filename="camt053.xml"
        )


def test_a_manager_accepts_a_bank_proposal_from_the_keyboard(page: Page, server: Server) -> None:
    """The review list's first "Accept" reached with Tab and pressed with Enter: the line
    is applied and the page says what the matcher learned."""
    _bank_statement(server)
    log_in(page, server, "manager")
    page.click("nav.nav >> text=Bank")
    expect(page.locator("h1")).to_have_text("Bank")
    page.goto(server.url("/bank/lines?status=proposed"))
    rows = page.locator("table.bank-lines tbody tr")
    expect(rows.first).to_be_visible()
    line_id = rows.first.get_attribute("id")
    accept = rows.first.locator("button", has_text="Accept")
    accept.focus()
    page.keyboard.press("Enter")
    expect(page.locator(".flash")).to_contain_text("applied")
    expect(page.locator(".flash")).to_contain_text("learned:")
    expect(page.locator(f"#{line_id}")).to_have_count(0)  # no longer to review


def _a_euro_customer(server: Server) -> int:
    """The German customer with the most overdue money (a portal in German, with a QR)."""
    from recoup.ledger.models import Customer, Invoice

    with transaction(server.engine, actor="test") as session:
        return int(
            session.scalars(
                select(Invoice.customer_id)
                .join(Customer, Customer.id == Invoice.customer_id)
                .where(
                    Invoice.org_id == server.org_id,
                    Invoice.status == "open",
                    Invoice.currency == "EUR",
                    Customer.language == "de",
                )
                .group_by(Invoice.customer_id)
                .order_by(
                    func.sum(
                        case((Invoice.due_date < date.today(), Invoice.open_amount), else_=0)
                    ).desc()
                )
            ).first()
            or 0
        )


def test_a_manager_approves_a_hand_off_the_collector_asked_for(
    browser: Browser, page: Page, server: Server
) -> None:
    """The collector asks on the customer page and cannot decide; a manager approves it
    from /approvals and the invoices are placed."""
    from recoup.cases.models import Handoff

    collector = browser.new_context(viewport=DESKTOP)
    mine = collector.new_page()
    log_in(mine, server, "collector")
    mine.goto(server.url("/worklist"))
    # The last account: the first ones carry the other tests' promises and requests.
    mine.locator(".worklist tbody tr a.strong").last.click()
    form = mine.locator("form[action$='/handoff']")
    mine.locator("summary", has_text="Request a hand-off").click()
    form.locator("input[name=agency]").fill("Inkasso Süd GmbH")
    form.locator("button[type=submit]").click()
    expect(mine.locator(".flash")).to_contain_text("requested")
    mine.goto(server.url("/approvals"))
    expect(mine.locator("h1")).to_have_text("Not allowed")
    collector.close()

    log_in(page, server, "manager")
    page.click("nav.nav >> text=Approvals")
    row = page.locator("#pending tr", has_text="Inkasso Süd GmbH")
    row.locator("input[name=commission]").fill("20%")
    row.locator("button", has_text="Approve").click()
    expect(page.locator(".flash")).to_contain_text("approved")
    expect(page.locator("#decided")).to_contain_text("Inkasso Süd GmbH")
    with transaction(server.engine, actor="test") as session:
        handoff = session.scalars(select(Handoff).where(Handoff.agency == "Inkasso Süd GmbH")).one()
    assert (handoff.status, handoff.approver) == ("placed", server.users["manager"])
