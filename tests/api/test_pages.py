"""Keyset pages: every row once, in order, however the book changes between pages;
cursors bound to their sort; filters."""

from fastapi.testclient import TestClient

from tests.api.conftest import ApiWorld


def _walk(
    client: TestClient, api_world: ApiWorld, query: str, *, between: object = None
) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    cursor = ""
    while True:
        answer = client.get(f"/api/v1/invoices?{query}{cursor}", headers=api_world.headers())
        assert answer.status_code == 200, answer.text
        page = answer.json()
        rows += page["data"]
        if page["next_cursor"] is None:
            return rows
        if between is not None:
            between()  # type: ignore[operator]
            between = None
        cursor = f"&cursor={page['next_cursor']}"


def _add_invoices(client: TestClient, api_world: ApiWorld, prefix: str, days: list[int]) -> None:
    invoices = [
        {"number": f"{prefix}-{n}", "customer": "C1", "issue_date": "2026-05-01",
         "due_date": f"2026-06-{day:02d}", "total": "5.00"}
        for n, day in enumerate(days)
    ]  # fmt: skip
    answer = client.post(
        "/api/v1/invoices/bulk", json={"invoices": invoices}, headers=api_world.headers()
    )
    assert answer.status_code == 200, answer.text


def test_pages_are_stable_while_rows_are_added(client: TestClient, api_world: ApiWorld) -> None:
    _add_invoices(client, api_world, "PG", [5, 1, 9, 1, 3, 7, 1, 2])
    everything = _walk(client, api_world, "limit=500&sort=due_date")
    dues = [(r["due_date"], r["id"]) for r in everything]
    assert dues == sorted(dues)
    walked = _walk(
        client, api_world, "limit=3&sort=due_date",
        between=lambda: _add_invoices(client, api_world, "LATE", [30]),
    )  # fmt: skip
    ids = [r["id"] for r in walked]
    assert len(ids) == len(set(ids))  # nothing twice
    assert set(ids) >= {r["id"] for r in everything}  # nothing skipped
    assert "LATE-0" in {r["number"] for r in walked}  # added after the cursor: still seen
    keys = [(r["due_date"], r["id"]) for r in walked]
    assert keys == sorted(keys)


def test_descending_pages_and_filters(client: TestClient, api_world: ApiWorld) -> None:
    by_id = _walk(client, api_world, "limit=2&sort=-id&status=open")
    ids = [r["id"] for r in by_id]
    assert ids == sorted(ids, reverse=True)
    assert {r["status"] for r in by_id} == {"open"}
    customer = api_world.world.a.customers["C2"]
    theirs = _walk(client, api_world, f"limit=1&customer_id={customer}")
    assert {r["customer_id"] for r in theirs} == {customer}
    assert len(theirs) == 2
    due = _walk(client, api_world, "limit=2&due_before=2026-06-02&due_after=2026-06-01")
    assert {r["due_date"] for r in due} <= {"2026-06-01", "2026-06-02"}


def test_a_cursor_belongs_to_its_sort(client: TestClient, api_world: ApiWorld) -> None:
    headers = api_world.headers()
    first = client.get("/api/v1/invoices?limit=1&sort=due_date", headers=headers).json()
    other = client.get(
        f"/api/v1/invoices?limit=1&sort=number&cursor={first['next_cursor']}", headers=headers
    )
    assert other.status_code == 422
    assert other.json()["errors"][0]["field"] == "cursor"
    bogus = client.get("/api/v1/invoices?cursor=not-a-cursor", headers=headers)
    assert bogus.status_code == 422
    unknown = client.get("/api/v1/invoices?sort=open_amount", headers=headers)
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "query.sort"
