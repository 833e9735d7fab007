"""Bulk helpers: many values in one condition, statistics after a large load."""

from sqlalchemy import func, select, text
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


def test_tables_changed_by_a_tenth_get_their_statistics_at_once(database_url: str) -> None:
    """``refresh_statistics`` does autovacuum's analysing at once (autovacuum may be off):
    a table that grew past a tenth of what its statistics counted is analysed, one that
    did not is left alone."""
    from sqlalchemy.orm import Session as OrmSession

    from recoup.db import make_engine

    engine = make_engine(database_url)
    if engine.dialect.name != "postgresql":
        with OrmSession(engine) as session:
            assert bulk.refresh_statistics(session) == []  # SQLite: analysed at each load
        return
    with engine.begin() as connection:  # changes are counted when they commit
        connection.exec_driver_sql("CREATE TABLE grown (id int, status text)")
        connection.exec_driver_sql("CREATE TABLE steady (id int, status text)")
        connection.exec_driver_sql(
            "INSERT INTO steady SELECT g, 'sent' FROM generate_series(1, 50000) g"
        )
        connection.exec_driver_sql("SELECT pg_stat_force_next_flush()")
    with engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE steady")
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO grown SELECT g, 'pending' FROM generate_series(1, 12000) g"
        )
        connection.exec_driver_sql("INSERT INTO steady VALUES (0, 'pending')")
        connection.exec_driver_sql("SELECT pg_stat_force_next_flush()")
    with OrmSession(engine) as session, session.begin():
        assert bulk.refresh_statistics(session) == ["grown"]
        counted = session.execute(
            text("SELECT count(*) FROM pg_stats WHERE tablename = 'grown'")
        ).scalar_one()
    assert counted == 2  # both columns have statistics now
    engine.dispose()


def test_among_finds_texts_holding_the_separator_or_empty(session: Session) -> None:
    org = ledger.create_organisation(session, slug="texts", name="Texts Ltd")
    names = ["plain", "with\x1fseparator", "a,comma", "x" * 90]
    rows = [
        {"external_id": n, "name": f"Customer {i}", "currency": "EUR"} for i, n in enumerate(names)
    ]
    ledger.write_records(session, org_id=org.id, entity="customers", creates=rows)

    def found(wanted: list[str]) -> list[str]:
        out: list[str] = []
        for condition in bulk.among(session, Customer.external_id, wanted):
            out += session.scalars(
                select(Customer.external_id).where(Customer.org_id == org.id, condition)
            )
        return sorted(out)

    assert found(["plain", "a,comma", "x" * 90, "missing"]) == sorted(
        ["plain", "a,comma", "x" * 90]
    )
    assert found(["plain", "with\x1fseparator"]) == ["plain", "with\x1fseparator"]
    assert found(["", "plain"]) == ["plain"]


def test_a_load_with_values_of_other_types_than_the_columns_still_loads(session: Session) -> None:
    """A binary COPY needs each value of its column's type; a batch whose later row has
    another (an integer for a text column) is copied again as text, the database
    converting it, and nothing of the binary attempt stays."""
    org = ledger.create_organisation(session, slug="types", name="Types Ltd")
    rows = [
        {"external_id": "T1", "name": "Typed", "currency": "EUR"},
        {"external_id": 2, "name": "Untyped", "currency": "EUR"},
    ]
    ids = bulk.insert_with_ids(session, Customer.__table__, rows, constants={"org_id": org.id})
    stored = session.execute(
        select(Customer.external_id, Customer.name)
        .where(Customer.id.in_(ids))
        .order_by(Customer.id)
    ).all()
    assert [tuple(row) for row in stored] == [("T1", "Typed"), ("2", "Untyped")]
    count = session.scalar(select(func.count()).where(Customer.org_id == org.id))
    assert count == 2


def test_plain_rows_are_the_databases_values_read_by_position(session: Session) -> None:
    """``plain_rows`` reads what ``session.execute`` reads, in the session's transaction
    (what it holds unflushed included): psycopg's own tuples on PostgreSQL, unless a
    column's type converts the values (a UTC timestamp), which then come as SQLAlchemy
    converts them."""
    org = ledger.create_organisation(session, slug="plain", name="Plain Ltd")
    rows = [
        {"external_id": "P1", "name": "Plain", "currency": "EUR", "tags": ["a", "b"]},
        {"external_id": "P2", "name": "Tuple", "currency": "GBP", "tags": []},
    ]
    ids = ledger.write_records(session, org_id=org.id, entity="customers", creates=rows)
    unflushed = Customer(org_id=org.id, external_id="P3", name="Pending", currency="USD")
    session.add(unflushed)
    plain = select(Customer.id, Customer.external_id, Customer.tags, Customer.currency).where(
        Customer.org_id == org.id
    )
    found = bulk.plain_rows(session, plain.order_by(Customer.id))
    expected = [tuple(row) for row in session.execute(plain.order_by(Customer.id))]
    assert [tuple(row) for row in found] == expected
    assert [(row[1], row[2]) for row in found] == [("P1", ["a", "b"]), ("P2", []), ("P3", [])]
    assert found[0][0] == ids[0]
    if session.get_bind().dialect.name == "postgresql":
        assert all(type(row) is tuple for row in found)  # no row object each
    timed = bulk.plain_rows(
        session, select(Customer.external_id, Customer.created_at).where(Customer.id == ids[0])
    )
    assert timed[0][1].tzinfo is not None
    assert timed[0][1].utcoffset().total_seconds() == 0  # UTCDateTime's conversion
