"""The disputes, promises and tasks lists: filters, sorting, pages, CSV, scope, and the
task actions from the list and the customer page."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

from fastapi.testclient import TestClient

from recoup.cases import promises, tasks
from recoup.cases.models import Task
from recoup.db import transaction
from recoup.web import caselists
from recoup.web.caselists import ListFilter
from tests.web.support import AS_OF, World, csrf_of, log_in, make_client


def _client(world: World, email: str) -> tuple[TestClient, str]:
    client = make_client(world)
    return client, log_in(client, email)


def _csv(client: TestClient, url: str) -> list[dict[str, str]]:
    response = client.get(url)
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.text)))


def test_disputes_list_filters_and_exports(world: World) -> None:
    client, _ = _client(world, "manager@alpha.example")
    page = client.get("/disputes")
    assert page.status_code == 200
    assert "A C1 Kunde GmbH" in page.text
    assert "pricing" in page.text
    assert "B C1" not in page.text  # the other organisation's dispute
    # Opened on AS_OF: 0 days old, within the SLA.
    assert "A C1 Kunde GmbH" in client.get("/disputes?age=0-7").text
    assert "No disputes match" in client.get("/disputes?age=8-30").text
    assert "No disputes match" in client.get("/disputes?sla=1").text
    assert "No disputes match" in client.get("/disputes?status=credited").text
    assert "No disputes match" in client.get("/disputes?q=zzz").text
    rows = _csv(client, "/disputes.csv?status=all")
    assert [(r["customer"], r["reason"], r["status"], r["sla_breached"]) for r in rows] == [
        ("A C1 Kunde GmbH", "pricing", "open", "no")
    ]
    # The amount disputed is the open amount of A-C1-1: 1,200.00 (EUR customer).
    assert rows[0]["amount"] == "1200.00"
    assert rows[0]["currency"] == "EUR"


def test_a_dispute_past_its_sla_is_flagged(world: World) -> None:
    # 15 days later the dispute opened on AS_OF is past the 14-day SLA.
    with transaction(world.engine, actor="test") as session:
        later = AS_OF + timedelta(days=15)
        found, total = caselists.rows(
            session, "disputes", world.a.id, ListFilter(sla_breached=True), later,
            limit=10, offset=0,
        )  # fmt: skip
        assert total == 1
        assert found[0].sla_breached
        found, total = caselists.rows(
            session, "disputes", world.a.id, ListFilter(age="8-30"), later, limit=10, offset=0
        )
        assert total == 1
        session.rollback()


def test_promises_list_and_csv(world: World) -> None:
    with transaction(world.engine, actor="test") as session:
        promise = promises.add_promise(
            session,
            org_id=world.a.id,
            customer_id=world.a.customers["C2"],
            items=[(world.a.invoices["A-C2-1"], Decimal("500.00"))],
            promised_on=AS_OF + timedelta(days=7),
            made_on=AS_OF,
            collector="manager@alpha.example",
        )
        promise_id = promise.id
    try:
        client, _ = _client(world, "viewer@alpha.example")
        page = client.get("/promises")
        assert "A C2 Kunde GmbH" in page.text
        assert "£500.00" in page.text
        assert "No promises match" in client.get("/promises?status=broken").text
        assert "No promises match" in client.get("/promises?person=collector%40alpha.example").text
        assert "A C2" in client.get("/promises?person=manager%40alpha.example").text
        rows = _csv(client, "/promises.csv")
        assert [(r["id"], r["promised"], r["kept"], r["promised_on"]) for r in rows] == [
            (str(promise_id), "500.00", "0.00", "2026-07-07")
        ]
    finally:
        with transaction(world.engine, actor="test") as session:
            promises.cancel_promise(session, org_id=world.a.id, promise_id=promise_id)


def _add_tasks(world: World, count: int) -> list[int]:
    with transaction(world.engine, actor="test") as session:
        ids = [
            tasks.create_task(
                session,
                org_id=world.a.id,
                customer_id=world.a.customers["C2"],
                title=f"Bulk task {n:03d}",
                due_on=AS_OF + timedelta(days=n),
            ).id
            for n in range(count)
        ]
    return ids


def _close(world: World, ids: list[int]) -> None:
    with transaction(world.engine, actor="test") as session:
        for task_id in ids:
            task = session.get(Task, task_id)
            if task is not None and task.status == "open":
                tasks.complete_task(session, org_id=world.a.id, task_id=task_id, by="test")


def test_tasks_are_paged_and_sorted_on_the_server(world: World) -> None:
    ids = _add_tasks(world, 60)
    try:
        client, _ = _client(world, "manager@alpha.example")
        first = client.get("/tasks?q=bulk")
        assert "1–50 of 60" in first.text
        assert "Bulk task 000" in first.text
        assert "Bulk task 055" not in first.text
        second = client.get("/tasks?q=bulk&page=2")
        assert "51–60 of 60" in second.text
        assert "Bulk task 055" in second.text
        newest = client.get("/tasks?q=bulk&sort=due&dir=desc")
        assert newest.text.index("Bulk task 059") < newest.text.index("Bulk task 058")
        # Overdue only: the world's call task (due two days before AS_OF), none of these.
        late = client.get("/tasks?sla=1")
        assert "Call A C1" in late.text
        assert "Bulk task" not in late.text
        assert len(_csv(client, "/tasks.csv?q=bulk")) == 60
    finally:
        _close(world, ids)


def test_a_collector_sees_only_their_and_unassigned_customers_tasks(world: World) -> None:
    client, _ = _client(world, "spare@alpha.example")
    page = client.get("/tasks")
    assert "Call A C1" not in page.text  # C1 belongs to collector@alpha.example
    assert all(r["customer"] != "A C1 Kunde GmbH" for r in _csv(client, "/tasks.csv"))
    mine, _ = _client(world, "collector@alpha.example")
    assert "Call A C1" in mine.get("/tasks").text


def test_tasks_are_completed_and_reassigned_from_the_list(world: World) -> None:
    [task_id] = _add_tasks(world, 1)
    try:
        client, csrf = _client(world, "collector@alpha.example")
        given = client.post(
            f"/tasks/{task_id}/assign",
            data={"assignee": "spare@alpha.example", "next": "/tasks?q=bulk", "csrf_token": csrf},
        )
        assert given.status_code == 303
        assert given.headers["location"] == "/tasks?q=bulk"
        unknown = client.post(
            f"/tasks/{task_id}/assign",
            data={"assignee": "nobody@else.example", "csrf_token": csrf},
        )
        assert unknown.status_code == 422
        with transaction(world.engine, actor="test") as session:
            task = session.get(Task, task_id)
            assert task is not None
            assert task.assignee == "spare@alpha.example"
        done = client.post(f"/tasks/{task_id}/done", data={"csrf_token": csrf})
        assert done.status_code == 303
        assert done.headers["location"] == f"/customers/{world.a.customers['C2']}#tasks"
        again = client.post(f"/tasks/{task_id}/done", data={"csrf_token": csrf})
        assert again.status_code == 409
        with transaction(world.engine, actor="test") as session:
            task = session.get(Task, task_id)
            assert task is not None
            assert task.status == "done"
            assert task.completed_by == "collector@alpha.example"
    finally:
        _close(world, [task_id])


def test_a_task_is_added_and_completed_on_the_customer_page(world: World) -> None:
    client, csrf = _client(world, "manager@alpha.example")
    customer_id = world.a.customers["C2"]
    added = client.post(
        f"/customers/{customer_id}/tasks",
        data={"title": "Send the signed contract", "due_on": "2026-07-03", "csrf_token": csrf},
    )
    assert added.status_code == 303
    page = client.get(f"/customers/{customer_id}")
    assert "Send the signed contract" in page.text
    with transaction(world.engine, actor="test") as session:
        [task] = [
            t for t in tasks.open_tasks(session, org_id=world.a.id)
            if t.title == "Send the signed contract"
        ]  # fmt: skip
        assert task.assignee == "manager@alpha.example"
        assert task.customer_id == customer_id
        task_id = task.id
    assert f'action="/tasks/{task_id}/done"' in page.text
    bad = client.post(
        f"/customers/{customer_id}/tasks", data={"title": "x", "due_on": "soon", "csrf_token": csrf}
    )
    assert bad.status_code == 422
    done = client.post(f"/tasks/{task_id}/done", data={"csrf_token": csrf_of(page.text)})
    assert done.status_code == 303
    after = client.get(f"/customers/{customer_id}").text
    section = after.split('id="tasks"', 1)[1].split("</section>", 1)[0]
    assert "Send the signed contract" not in section
    assert "No open tasks" in section
