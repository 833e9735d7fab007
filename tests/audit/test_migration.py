"""audit_0001 on a database written before it: the old, unkeyed chain still verifies,
the first admin (never audited) is recorded, and new events are keyed after it."""

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import select, text

from recoup.audit import verification
from recoup.audit.core import EventData, canonical_json, event_hash
from recoup.audit.models import GENESIS_HASH, AuditEvent
from recoup.db import make_engine, transaction
from recoup.db.migrate import alembic_config, upgrade
from recoup.ledger import service as ledger


def test_a_database_from_before_the_key_migrates_and_verifies(
    database_url: str, tmp_path: Path, audit_key: Callable[[str], None]
) -> None:
    engine = make_engine(database_url)
    config = alembic_config()
    heads = ScriptDirectory.from_config(config).get_heads()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        for head in sorted(set(heads) - {"audit_0001"}):
            command.upgrade(config, head)
    # What the old code left: an organisation, its unaudited first admin, and a customer
    # whose creation is event 1 of a plain SHA-256 chain.
    at = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    after = canonical_json({"external_id": "C1", "name": "Alpha GmbH", "currency": "EUR"})
    with transaction(engine, actor="legacy") as session:
        org = ledger.create_organisation(
            session, slug="old", name="Old Ltd", country="GB", base_currency="EUR"
        )
        session.execute(
            text(
                "INSERT INTO users (org_id, email, name, role, password_hash, active, created_at,"
                " updated_at) VALUES (:org, 'admin@old.example', '', 'admin', 'x', :yes, :at, :at)"
            ),
            {"org": org.id, "at": at, "yes": True},
        )
        session.execute(
            text(
                "INSERT INTO customers (org_id, external_id, name, registration_number,"
                " vat_number, country, currency, language, timezone, payment_terms_days, tags,"
                " collector, is_consumer, status, address, sales_owner, do_not_contact,"
                " legal_hold, risk_band, created_at, updated_at) VALUES (:org, 'C1',"
                " 'Alpha GmbH', '', '', '', 'EUR', 'en', 'UTC', 30, '[]', '', :no, 'active', '',"
                " '', :no, :no, '', :at, :at)"
            ),
            {"org": org.id, "at": at, "no": False},
        )
        customer_id = session.scalar(text("SELECT id FROM customers WHERE external_id = 'C1'"))
        data = EventData(1, at, "cli", "create", "customers", customer_id, None, after)
        digest = event_hash(GENESIS_HASH, data)
        session.execute(
            AuditEvent.__table__.insert().values(
                org_id=org.id, seq=1, occurred_at=at, actor="cli", action="create",
                entity="customers", entity_id=customer_id, before=None, after=after,
                prev_hash=GENESIS_HASH, hash=digest,
            )
        )  # fmt: skip
        session.execute(
            text("INSERT INTO audit_heads (org_id, seq, hash) VALUES (:org, 1, :hash)"),
            {"org": org.id, "hash": digest},
        )
        org_id = org.id

    upgrade(engine)

    with transaction(engine, actor="test") as session:
        report = verification.verify(session, org_id=org_id, root=tmp_path)
        assert report.ok, (report.broken, report.problems, report.mismatches)
        assert (report.count, report.unkeyed) == (2, 2)
        admin = session.scalars(select(AuditEvent).where(AuditEvent.seq == 2)).one()
        assert (admin.entity, admin.actor, admin.key_id) == ("users", "migration:audit_0001", None)
        ledger.create_customer(
            session, org_id=org_id, external_id="C2", name="Beta Ltd", currency="EUR"
        )
    with transaction(engine, actor="test") as session:
        report = verification.verify(session, org_id=org_id, root=tmp_path)
        assert report.ok, (report.broken, report.problems, report.mismatches)
        assert (report.count, report.unkeyed) == (3, 2)
    engine.dispose()
