"""Bulk helpers: many values in one condition, statistics after a large load."""

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from recoup.comms.models import OutboxMessage
from recoup.db import bulk
from recoup.db.base import utcnow
from recoup.ledger import service as ledger
from recoup.ledger.models import Customer


def test_among_finds_every_value_past_the_chunk_size(session: Session) -> None:
    org = ledger.create_organisation(session, slug="bulk", name="Bulk Ltd")
    rows = [{"external_id": f"C{i}", "name": f"Customer {i}", "currency": "EUR"} for i in range(12)]
    ids = ledger.write_records(session, org_id=org.id, entity="customers", creates=rows)
    wanted = ids[1:11] + ids[1:3] + [10**9]  # duplicates and an id that does not exist
    found: list[int] = []
    conditions = list(bulk.among(session, Customer.id, wanted, chunk=4))
    for condition in conditions:
        found += session.scalars(select(Customer.id).where(condition))
    assert sorted(found) == ids[1:11]
    postgres = session.get_bind().dialect.name == "postgresql"
    assert len(conditions) == (1 if postgres else 3)  # 11 distinct values in chunks of 4
    assert list(bulk.among(session, Customer.id, [])) == []


def test_a_large_load_refreshes_the_planners_statistics(session: Session) -> None:
    org = ledger.create_organisation(session, slug="stats", name="Stats Ltd")
    customers = [{"external_id": "S1", "name": "Stats customer", "currency": "EUR"}]
    (customer_id,) = ledger.write_records(
        session, org_id=org.id, entity="customers", creates=customers
    )
    rows = [
        {
            "org_id": org.id,
            "key": f"stats:{i}",
            "kind": "task",
            "customer_id": customer_id,
            "template": "",
            "recipient": "",
            "source": "test",
            "to_customer": False,
            "payload": {},
            "status": "pending",
            "attempts": 0,
            "claimed_by": "",
            "next_attempt_at": utcnow(),
        }
        for i in range(bulk.ANALYZE_AFTER)
    ]
    bulk.insert_with_ids(session, OutboxMessage.__table__, rows)
    if session.get_bind().dialect.name == "postgresql":
        estimate = session.scalar(text("SELECT reltuples FROM pg_class WHERE relname = 'outbox'"))
        assert estimate is not None
        assert estimate >= bulk.ANALYZE_AFTER
    else:
        stats = session.scalar(text("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'outbox'"))
        assert stats  # one line per index of the table
