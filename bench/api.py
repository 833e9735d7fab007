"""The REST API's list endpoints at scale: ``python -m bench.api URL [URL ...]``.

Run on a copy of a big book (the prebuilt 1,000,000-invoice one: never on the original);
the database is migrated first (the API's indexes). Each request is the best of three
through the whole app in-process (token check, rate limit, query, JSON), beside the
bare SQL of the same page measured in the same run. Target: every one under 100 ms.
"""

import sys
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, func, select, text

from recoup.api import service as api
from recoup.api.core import Cursor, encode_cursor
from recoup.db import make_engine, transaction
from recoup.db.migrate import upgrade
from recoup.ledger.models import Customer, Invoice, Organisation

REPEAT = 3
TARGET_SECONDS = 0.100
BARE_PAGE = (
    "SELECT * FROM invoices WHERE org_id = :org AND status = 'open' AND id > :after "
    "ORDER BY id LIMIT 101"
)


def _best(fn: Callable[[], Any]) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(REPEAT):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def _paths(engine: Engine, org_id: int) -> dict[str, str]:
    """The requests timed: first and deep pages of invoices and customers, one customer,
    one customer's invoices."""
    with engine.connect() as connection:
        low, high, count = connection.execute(
            select(func.min(Invoice.id), func.max(Invoice.id), func.count()).where(
                Invoice.org_id == org_id
            )
        ).one()
        deep_id = low + (high - low) * 9 // 10
        deep_due = connection.execute(
            select(Invoice.due_date, Invoice.id).where(Invoice.id >= deep_id).limit(1)
        ).one()
        customer, customers = connection.execute(
            select(func.min(Customer.id), func.count()).where(Customer.org_id == org_id)
        ).one()
        names = connection.execute(
            select(Customer.name, Customer.id)
            .where(Customer.org_id == org_id)
            .order_by(Customer.name, Customer.id)
            .limit(1)
            .offset(customers * 9 // 10)
        ).one()
    deep = encode_cursor(Cursor("id", deep_id, deep_id))
    due = encode_cursor(Cursor("due_date", deep_due[0], deep_due[1]))
    by_name = encode_cursor(Cursor("name", names[0], names[1]))
    return {
        "invoices open, first page": "/api/v1/invoices?status=open&limit=100",
        "invoices open, deep page": f"/api/v1/invoices?status=open&limit=100&cursor={deep}",
        "invoices by due date, deep": f"/api/v1/invoices?sort=due_date&limit=100&cursor={due}",
        "customers, first page": "/api/v1/customers?limit=100",
        "customers by name, deep": f"/api/v1/customers?sort=name&limit=100&cursor={by_name}",
        "one customer": f"/api/v1/customers/{customer}",
        "one customer's invoices": f"/api/v1/invoices?customer_id={customer}&limit=100",
        "_rows": str(count),
        "_deep_id": str(deep_id),
    }


def api_step(engine: Engine) -> dict[str, Any]:
    """Time the API's list endpoints; the slowest, and each."""
    from fastapi.testclient import TestClient

    from recoup.web.app import create_app

    with transaction(engine, actor="bench") as session:
        org_id = session.scalars(select(Organisation.id).order_by(Organisation.id)).first()
        assert org_id is not None, "no organisation in the bench database"
        secret = api.create_token(session, org_id=org_id, scopes="read", name="bench").secret
    paths = _paths(engine, org_id)
    rows, deep_id = int(paths.pop("_rows")), int(paths.pop("_deep_id"))
    client = TestClient(create_app(engine=engine, migrate=False))
    headers = {"authorization": f"Bearer {secret}"}
    timings: dict[str, float] = {}
    for label, path in paths.items():
        timings[label], response = _best(lambda path=path: client.get(path, headers=headers))
        if response.status_code != 200:
            raise RuntimeError(f"{path}: HTTP {response.status_code} {response.text[:200]}")

    def bare() -> int:
        with engine.connect() as connection:
            found = connection.execute(text(BARE_PAGE), {"org": org_id, "after": deep_id})
            return len(found.all())

    reference, _ = _best(bare)
    return {
        "rows": rows,
        "seconds": max(timings.values()),
        "reference_seconds": reference,
        "pages": timings,
    }


def main() -> None:
    for url in sys.argv[1:]:
        engine = make_engine(url)
        start = time.perf_counter()
        upgrade(engine)
        migrated = time.perf_counter() - start
        result = api_step(engine)
        kind = engine.dialect.name
        print(f"{kind}: {result['rows']:,} invoices (migrated in {migrated:.1f} s)")
        for label, seconds in result["pages"].items():
            verdict = "ok" if seconds < TARGET_SECONDS else "OVER 100 ms"
            print(f"  {label:<30} {seconds * 1000:>7.1f} ms  {verdict}")
        reference = result["reference_seconds"]
        print(
            f"  slowest {result['seconds'] * 1000:.1f} ms; bare SQL of a deep page "
            f"{reference * 1000:.1f} ms (ratio {result['seconds'] / reference:.1f}x)"
        )
        engine.dispose()


if __name__ == "__main__":
    main()
