"""SQL of the audit log."""

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from recoup.audit.core import EventData
from recoup.audit.models import GENESIS_HASH, AuditEvent, AuditHead
from recoup.db import bulk


def lock_head(session: Session, org_id: int) -> tuple[int, str]:
    """Lock the organisation's chain head (creating it if new); its ``(seq, hash)``."""
    dialect_insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        dialect_insert(AuditHead)
        .values(org_id=org_id, seq=0, hash=GENESIS_HASH)
        .on_conflict_do_nothing(index_elements=["org_id"])
    )
    row = session.execute(
        select(AuditHead.seq, AuditHead.hash).where(AuditHead.org_id == org_id).with_for_update()
    ).one()
    return row.seq, row.hash


def store_events(
    session: Session,
    org_id: int,
    rows: Sequence[dict[str, Any]],
    shared: dict[str, Any],
    head: tuple[int, str],
) -> None:
    """Insert event rows (``shared`` holds the values common to all) and move the chain
    head to ``head``."""
    bulk.insert_rows(session, AuditEvent.__table__, rows, constants=shared)
    session.execute(
        update(AuditHead).where(AuditHead.org_id == org_id).values(seq=head[0], hash=head[1])
    )


def head(session: Session, org_id: int) -> tuple[int, str]:
    """The organisation's chain head without locking it."""
    row = session.execute(
        select(AuditHead.seq, AuditHead.hash).where(AuditHead.org_id == org_id)
    ).one_or_none()
    return (row.seq, row.hash) if row else (0, GENESIS_HASH)


def iter_chain(
    session: Session, org_id: int, batch: int = 10_000
) -> Iterator[tuple[EventData, str, str]]:
    """Every event of the organisation in sequence order, as ``(data, prev, hash)``."""
    query = (
        select(*AuditEvent.__table__.c)
        .where(AuditEvent.org_id == org_id)
        .order_by(AuditEvent.seq)
        .execution_options(yield_per=batch)
    )
    for row in session.execute(query):
        yield (
            EventData(
                seq=row.seq,
                occurred_at=row.occurred_at,
                actor=row.actor,
                action=row.action,
                entity=row.entity,
                entity_id=row.entity_id,
                before=row.before,
                after=row.after,
            ),
            row.prev_hash,
            row.hash,
        )


def events_for(session: Session, org_id: int, entity: str, entity_id: int) -> list[AuditEvent]:
    """The events of one record, oldest first."""
    return list(
        session.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.org_id == org_id,
                AuditEvent.entity == entity,
                AuditEvent.entity_id == entity_id,
            )
            .order_by(AuditEvent.seq)
        )
    )
