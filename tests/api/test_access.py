"""Every resource × scope × organisation: a token sees only its organisation (another's
ids are 404), a read token cannot write, and missing, expired or revoked tokens are 401
— always as problem documents."""

from datetime import date
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from recoup.cases import notes, plans, promises
from recoup.db import transaction
from recoup.ledger import service as ledger
from recoup.ledger.models import Allocation, Customer
from tests.api.conftest import ApiWorld

PROBLEM = "application/problem+json"

RESOURCES = [
    "customers", "contacts", "invoices", "credit-notes", "payments", "allocations",
    "disputes", "promises", "payment-plans", "tasks", "notes", "outbox-messages",
]  # fmt: skip


@pytest.fixture(scope="module")
def records(api_world: ApiWorld) -> dict[tuple[str, str], int]:
    """One record of every resource in each organisation: (slug, resource) -> id."""
    found: dict[tuple[str, str], int] = {}
    with transaction(api_world.world.engine, actor="test") as session:
        for org in (api_world.world.a, api_world.world.b):
            customer = org.customers["C1"]
            invoices = [
                ledger.create_invoice(
                    session, org_id=org.id, customer_id=customer, number=f"REC-{org.slug}-{n}",
                    issue_date=date(2026, 6, 1), total=Decimal("100.00"),
                ).id
                for n in range(3)
            ]  # fmt: skip
            payment = ledger.record_payment(
                session, org_id=org.id, customer_id=customer, received_on=date(2026, 6, 20),
                amount=Decimal("10.00"), currency="EUR", external_id=f"REC-P-{org.slug}",
            )  # fmt: skip
            ledger.allocate(
                session, org_id=org.id, invoice_id=invoices[0], amount=Decimal("10.00"),
                on=date(2026, 6, 20), payment_id=payment.id,
            )  # fmt: skip
            credit = ledger.create_credit_note(
                session, org_id=org.id, customer_id=customer, number=f"REC-CN-{org.slug}",
                issue_date=date(2026, 6, 2), total=Decimal("5.00"),
            )  # fmt: skip
            promise = promises.add_promise(
                session, org_id=org.id, customer_id=customer, items=[(invoices[1], None)],
                promised_on=date(2026, 7, 10), made_on=date(2026, 6, 30),
            )  # fmt: skip
            plan = plans.create_plan(
                session, org_id=org.id, customer_id=customer, invoice_ids=[invoices[2]],
                start_on=date(2026, 6, 30), instalments=2, first_due=date(2026, 7, 31),
            )  # fmt: skip
            note = notes.add_note(session, org_id=org.id, customer_id=customer, text="hi")
            contact = ledger.save_contact(
                session, org_id=org.id, customer_id=customer, contact_id=None, name="Pat"
            )
            session.flush()
            allocation = session.scalars(
                select(Allocation.id).where(Allocation.payment_id == payment.id)
            ).one()
            ids = {
                "customers": customer, "contacts": contact.id, "invoices": invoices[0],
                "credit-notes": credit.id, "payments": payment.id, "allocations": allocation,
                "disputes": org.disputes[0], "promises": promise.id, "payment-plans": plan.id,
                "tasks": org.tasks[0], "notes": note.id, "outbox-messages": org.messages[0],
            }  # fmt: skip
            found.update({(org.slug, resource): i for resource, i in ids.items()})
    return found


LISTS = [
    "customers", "contacts", "invoices", "credit-notes", "payments", "allocations",
    "disputes", "promises", "payment-plans", "tasks", "notes", "outbox-messages", "charges",
]  # fmt: skip
WRITES = [
    ("customers", {"name": "Scope Test GmbH", "currency": "EUR"}),
    ("notes", {"customer_id": 1, "text": "hello"}),
    ("tasks", {"title": "Call back"}),
    ("payments", {"external_id": "P-x", "received_on": "2026-06-30", "amount": "1.00",
                  "currency": "EUR"}),
    ("invoices/bulk", {"invoices": [{"number": "X-1", "customer": "C1",
                                     "issue_date": "2026-06-01", "total": "1.00"}]}),
]  # fmt: skip


@pytest.mark.parametrize("resource", LISTS)
def test_every_list_shows_only_the_tokens_organisation(
    client: TestClient, api_world: ApiWorld, resource: str
) -> None:
    for org in (api_world.world.a, api_world.world.b):
        with api_world.world.engine.connect() as connection:
            customers = set(
                connection.scalars(select(Customer.id).where(Customer.org_id == org.id))
            )
        answer = client.get(
            f"/api/v1/{resource}?limit=500", headers=api_world.headers(org.slug, "read")
        )
        assert answer.status_code == 200, answer.text
        rows = answer.json()["data"]
        owners = {row["id"] if resource == "customers" else row.get("customer_id") for row in rows}
        assert owners - {None} <= customers


@pytest.mark.parametrize("resource", RESOURCES)
def test_another_organisations_record_is_not_found(
    client: TestClient, api_world: ApiWorld, records: dict[tuple[str, str], int], resource: str
) -> None:
    mine, theirs = records[("alpha", resource)], records[("beta", resource)]
    ok = client.get(f"/api/v1/{resource}/{mine}", headers=api_world.headers("alpha", "read"))
    assert ok.status_code == 200, ok.text
    assert ok.json()["id"] == mine
    listed = client.get(f"/api/v1/{resource}?limit=500", headers=api_world.headers("alpha", "read"))
    assert mine in {row["id"] for row in listed.json()["data"]}
    assert theirs not in {row["id"] for row in listed.json()["data"]}
    other = client.get(f"/api/v1/{resource}/{theirs}", headers=api_world.headers("alpha", "read"))
    assert other.status_code == 404
    assert other.headers["content-type"] == PROBLEM
    assert other.json()["status"] == 404
    back = client.get(f"/api/v1/{resource}/{theirs}", headers=api_world.headers("beta", "read"))
    assert back.status_code == 200


@pytest.mark.parametrize("token", ["none", "garbage", "expired", "revoked"])
@pytest.mark.parametrize("resource", ["customers", "invoices", "tasks"])
def test_missing_expired_or_revoked_tokens_are_401(
    client: TestClient, api_world: ApiWorld, token: str, resource: str
) -> None:
    fixed = {"none": {}, "garbage": {"authorization": "Bearer rcp_not-a-token"}}
    headers = fixed[token] if token in fixed else api_world.headers("alpha", token)
    answer = client.get(f"/api/v1/{resource}", headers=headers)
    assert answer.status_code == 401
    assert answer.headers["content-type"] == PROBLEM
    assert answer.headers["www-authenticate"].startswith("Bearer")
    assert answer.json()["title"] == "Not authenticated"


@pytest.mark.parametrize(("path", "body"), WRITES)
def test_a_read_token_cannot_write(
    client: TestClient, api_world: ApiWorld, path: str, body: dict[str, object]
) -> None:
    before = client.get("/api/v1/customers?limit=500", headers=api_world.headers()).json()
    answer = client.post(f"/api/v1/{path}", json=body, headers=api_world.headers("alpha", "read"))
    assert answer.status_code == 403
    assert answer.headers["content-type"] == PROBLEM
    assert "do not include write" in answer.json()["detail"]
    after = client.get("/api/v1/customers?limit=500", headers=api_world.headers()).json()
    assert after == before


def test_a_write_cannot_touch_another_organisations_records(
    client: TestClient, api_world: ApiWorld
) -> None:
    theirs = api_world.world.b.customers["C1"]
    note = client.post(
        "/api/v1/notes", json={"customer_id": theirs, "text": "x"}, headers=api_world.headers()
    )
    assert note.status_code == 404
    patch = client.patch(
        f"/api/v1/customers/{theirs}", json={"name": "Mine now"}, headers=api_world.headers()
    )
    assert patch.status_code == 404
    task = api_world.world.b.tasks[0]
    done = client.post(f"/api/v1/tasks/{task}/complete", headers=api_world.headers())
    assert done.status_code == 404
