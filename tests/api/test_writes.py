"""Writes through the domain services, audited with the token as the actor; bulk
invoices all-or-nothing with row errors; idempotent POSTs; the rate limit."""

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from recoup.audit.models import AuditEvent
from recoup.ledger.models import Invoice
from recoup.web.app import create_app
from tests.api.conftest import ApiWorld
from tests.web.support import AS_OF

PROBLEM = "application/problem+json"


def _actors(api_world: ApiWorld, entity: str, entity_id: int) -> set[str]:
    with api_world.world.engine.connect() as connection:
        return set(
            connection.scalars(
                select(AuditEvent.actor).where(
                    AuditEvent.entity == entity, AuditEvent.entity_id == entity_id
                )
            )
        )


def _invoice_count(api_world: ApiWorld) -> int:
    with api_world.world.engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(Invoice)) or 0)


def test_a_customer_is_created_and_changed_through_the_ledger_and_audited(
    client: TestClient, api_world: ApiWorld
) -> None:
    headers = api_world.headers()
    token_id = api_world.token_ids[("alpha", "write")]
    made = client.post(
        "/api/v1/customers",
        json={"name": "Neu GmbH", "currency": "EUR", "external_id": "N-1", "country": "DE"},
        headers=headers,
    )
    assert made.status_code == 201, made.text
    customer = made.json()
    assert (customer["name"], customer["language"]) == ("Neu GmbH", "de")
    assert _actors(api_world, "customers", customer["id"]) == {f"api-token:{token_id}"}
    changed = client.patch(
        f"/api/v1/customers/{customer['id']}", json={"payment_terms_days": 14}, headers=headers
    )
    assert changed.status_code == 200
    assert changed.json()["payment_terms_days"] == 14
    again = client.post(
        "/api/v1/customers", json={"name": "Neu GmbH", "currency": "EUR", "external_id": "N-1"},
        headers=headers,
    )  # fmt: skip
    assert again.status_code == 422
    assert again.json()["errors"] == [
        {"field": "external_id", "reason": "customer 'N-1' already exists", "row": None}
    ]


def test_validation_errors_name_the_field(client: TestClient, api_world: ApiWorld) -> None:
    answer = client.post(
        "/api/v1/customers", json={"name": "X", "currency": "euro"}, headers=api_world.headers()
    )
    assert answer.status_code == 422
    assert answer.headers["content-type"] == PROBLEM
    assert [e["field"] for e in answer.json()["errors"]] == ["body.currency"]
    vat = client.post(
        "/api/v1/customers",
        json={"name": "X", "currency": "EUR", "country": "DE", "vat_number": "DE123"},
        headers=api_world.headers(),
    )
    assert vat.status_code == 422
    assert vat.json()["errors"][0]["field"] == "vat_number"


def test_invoice_payment_and_allocation_follow_the_ledgers_rules(
    client: TestClient, api_world: ApiWorld
) -> None:
    headers = api_world.headers()
    invoice = client.post(
        "/api/v1/invoices",
        json={"number": "API-1", "customer": "C1", "issue_date": "2026-06-01", "total": "250.00"},
        headers=headers,
    )
    assert invoice.status_code == 201, invoice.text
    assert invoice.json()["due_date"] == "2026-07-01"  # the customer's 30 days
    payment = client.post(
        "/api/v1/payments",
        json={"external_id": "PAY-API-1", "customer_id": api_world.world.a.customers["C1"],
              "received_on": "2026-06-30", "amount": "100.00", "currency": "EUR"},
        headers=headers,
    )  # fmt: skip
    assert payment.status_code == 201, payment.text
    too_much = client.post(
        "/api/v1/allocations",
        json={"invoice_id": invoice.json()["id"], "payment_id": payment.json()["id"],
              "amount": "150.00"},
        headers=headers,
    )  # fmt: skip
    assert too_much.status_code in (409, 422)
    assert too_much.headers["content-type"] == PROBLEM
    applied = client.post(
        "/api/v1/allocations",
        json={"invoice_id": invoice.json()["id"], "payment_id": payment.json()["id"],
              "amount": "100.00"},
        headers=headers,
    )  # fmt: skip
    assert applied.status_code == 201, applied.text
    assert applied.json()["allocated_on"] == AS_OF.isoformat()
    after = client.get(f"/api/v1/invoices/{invoice.json()['id']}", headers=headers).json()
    assert after["open"] == "150.00"
    left = client.get(f"/api/v1/payments/{payment.json()['id']}", headers=headers).json()
    assert left["unallocated"] == "0.00"


def test_cases_are_opened_through_the_cases_service(
    client: TestClient, api_world: ApiWorld
) -> None:
    headers = api_world.headers()
    customer = api_world.world.a.customers["C2"]
    invoice = api_world.world.a.invoices["A-C2-1"]
    promise = client.post(
        "/api/v1/promises",
        json={"customer_id": customer, "items": [{"invoice_id": invoice, "amount": "200.00"}],
              "promised_on": "2026-07-10"},
        headers=headers,
    )  # fmt: skip
    assert promise.status_code == 201, promise.text
    assert (promise.json()["promised"], promise.json()["status"]) == ("200.00", "pending")
    other = api_world.world.a.invoices["A-C2-2"]
    too_much = client.post(
        "/api/v1/disputes",
        json={"customer_id": customer, "invoice_ids": [other], "reason": "pricing",
              "amount": "300.51"},
        headers=headers,
    )  # fmt: skip
    assert too_much.status_code == 422
    assert too_much.json()["errors"][0]["field"] == "amount"
    dispute = client.post(
        "/api/v1/disputes",
        json={"customer_id": customer, "invoice_ids": [other], "reason": "pricing"},
        headers=headers,
    )
    assert dispute.status_code == 201, dispute.text
    assert (dispute.json()["amount"], dispute.json()["currency"]) == ("300.50", "GBP")
    task = client.post(
        "/api/v1/tasks", json={"title": "Chase", "customer_id": customer}, headers=headers
    )
    assert task.status_code == 201
    done = client.post(f"/api/v1/tasks/{task.json()['id']}/complete", headers=headers)
    assert done.json()["status"] == "done"
    token_id = api_world.token_ids[("alpha", "write")]
    assert done.json()["completed_by"] == f"api-token:{token_id}"
    note = client.post(
        "/api/v1/notes", json={"customer_id": customer, "text": "  called  "}, headers=headers
    )
    assert note.json()["text"] == "called"
    assert _actors(api_world, "notes", note.json()["id"]) == {f"api-token:{token_id}"}


def test_bulk_invoices_are_all_or_nothing_with_row_errors(
    client: TestClient, api_world: ApiWorld
) -> None:
    headers = api_world.headers()
    before = _invoice_count(api_world)
    good = {"number": "B-1", "customer": "C1", "issue_date": "2026-06-01", "total": "10.00"}
    bad_customer = {**good, "number": "B-2", "customer": "NOBODY"}
    bad_due = {**good, "number": "B-3", "due_date": "2026-05-01"}
    answer = client.post(
        "/api/v1/invoices/bulk", json={"invoices": [good, bad_customer, bad_due]}, headers=headers
    )
    assert answer.status_code == 422
    assert answer.headers["content-type"] == PROBLEM
    errors = answer.json()["errors"]
    assert [(e["row"], e["field"]) for e in errors] == [(1, "customer"), (2, "due_date")]
    assert _invoice_count(api_world) == before
    twice = client.post("/api/v1/invoices/bulk", json={"invoices": [good, good]}, headers=headers)
    assert [(e["row"], e["field"]) for e in twice.json()["errors"]] == [
        (0, "number"), (1, "number"),
    ]  # fmt: skip
    shape = client.post(
        "/api/v1/invoices/bulk", json={"invoices": [good, {**good, "total": "ten"}]},
        headers=headers,
    )  # fmt: skip
    assert shape.status_code == 422
    assert [(e["row"], e["field"]) for e in shape.json()["errors"]] == [
        (1, "body.invoices.1.total")
    ]
    ok = client.post(
        "/api/v1/invoices/bulk",
        json={"invoices": [good, {**good, "number": "B-4", "total": "20.00"}]},
        headers=headers,
    )
    assert ok.status_code == 200, ok.text
    assert ok.json() == {"created": 2, "updated": 0, "unchanged": 0}
    assert _invoice_count(api_world) == before + 2


def test_the_same_idempotency_key_gives_the_first_answer(
    client: TestClient, api_world: ApiWorld
) -> None:
    headers = {**api_world.headers(), "idempotency-key": "note-42"}
    body = {"customer_id": api_world.world.a.customers["C1"], "text": "once"}
    first = client.post("/api/v1/notes", json=body, headers=headers)
    second = client.post("/api/v1/notes", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second.headers["idempotent-replayed"] == "true"
    listed = client.get(
        f"/api/v1/notes?customer_id={body['customer_id']}&limit=500", headers=headers
    ).json()["data"]
    assert [n["text"] for n in listed].count("once") == 1
    other = client.post("/api/v1/notes", json={**body, "text": "twice"}, headers=headers)
    assert other.status_code == 422
    assert other.json()["errors"][0]["field"] == "Idempotency-Key"
    # another token's key space is its own
    theirs = {**api_world.headers("alpha", "admin"), "idempotency-key": "note-42"}
    assert (
        client.post("/api/v1/notes", json=body, headers=theirs).json()["id"] != first.json()["id"]
    )


def test_a_failed_write_keeps_no_answer_so_the_key_can_be_retried(
    client: TestClient, api_world: ApiWorld
) -> None:
    headers = {**api_world.headers(), "idempotency-key": "task-retry"}
    failed = client.post("/api/v1/tasks", json={"title": " "}, headers=headers)
    assert failed.status_code == 422
    worked = client.post("/api/v1/tasks", json={"title": "Real"}, headers=headers)
    assert worked.status_code == 201


def test_a_token_past_its_rate_limit_is_told_when_to_come_back(
    api_world: ApiWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RECOUP_API_RATE_LIMIT", "3")
    app = create_app(engine=api_world.world.engine, clock=lambda: date(2026, 6, 30), migrate=False)
    with TestClient(app) as limited:
        codes = [
            limited.get("/api/v1/customers", headers=api_world.headers("beta", "read")).status_code
            for _ in range(4)
        ]
        assert codes == [200, 200, 200, 429]
        answer = limited.get("/api/v1/customers", headers=api_world.headers("beta", "read"))
        assert answer.headers["content-type"] == PROBLEM
        assert 1 <= int(answer.headers["retry-after"]) <= 60
        other = limited.get("/api/v1/customers", headers=api_world.headers("beta", "write"))
        assert other.status_code == 200


def test_text_with_nul_characters_is_refused_by_field(
    client: TestClient, api_world: ApiWorld
) -> None:
    answer = client.post(
        "/api/v1/customers",
        json={"name": "A\x00B", "currency": "EUR", "external_id": "nul"},
        headers=api_world.headers(),
    )
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "body.name"
    listed = client.get("/api/v1/invoices?status=open%00", headers=api_world.headers())
    assert listed.status_code == 422
    assert listed.json()["errors"][0]["field"] == "query.status"


def test_cases_are_closed_through_the_cases_service(
    client: TestClient, api_world: ApiWorld
) -> None:
    headers = api_world.headers()
    world = api_world.world.a
    resolved = client.post(
        f"/api/v1/disputes/{world.disputes[0]}/resolve",
        json={"outcome": "invalid", "note": "priced as agreed"},
        headers=headers,
    )
    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["status"] == "resolved_invalid"
    again = client.post(
        f"/api/v1/disputes/{world.disputes[0]}/resolve", json={"outcome": "valid"},
        headers=headers,
    )  # fmt: skip
    assert again.status_code == 409
    wrong = client.post(
        f"/api/v1/disputes/{api_world.world.b.disputes[0]}/resolve", json={"outcome": "valid"},
        headers=headers,
    )  # fmt: skip
    assert wrong.status_code == 404
    promises = client.get("/api/v1/promises?status=pending", headers=headers).json()["data"]
    assert promises, "the promise made by an earlier test"
    cancelled = client.post(
        f"/api/v1/promises/{promises[0]['id']}/cancel", json={"reason": "in error"},
        headers=headers,
    )  # fmt: skip
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["note"].endswith("cancelled: in error")
