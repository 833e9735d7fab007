"""SQL of the audit log."""

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Table, select, update
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


#: The values of an event row given to ``store_events``, in order.
EVENT_COLUMNS = ("seq", "action", "entity", "entity_id", "before", "after", "prev_hash", "hash")


def store_events(
    session: Session,
    org_id: int,
    rows: Sequence[tuple[Any, ...]],
    shared: dict[str, Any],
    head: tuple[int, str],
) -> None:
    """Insert event rows (tuples of ``EVENT_COLUMNS``; ``shared`` holds the values
    common to all) and move the chain head to ``head``."""
    bulk.insert_rows(session, AuditEvent.__table__, rows, constants=shared, columns=EVENT_COLUMNS)
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
    session: Session, org_id: int, batch: int = 10_000, after: int = 0
) -> Iterator[tuple[EventData, str, str]]:
    """Every event of the organisation (after sequence number ``after``) in sequence
    order, as ``(data, prev, hash)``."""
    query = (
        select(*AuditEvent.__table__.c)
        .where(AuditEvent.org_id == org_id, AuditEvent.seq > after)
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
                key_id=row.key_id,
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


def entity_events(
    session: Session, org_id: int, entity: str, batch: int = 10_000
) -> Iterator[tuple[int, str, str | None]]:
    """``(entity_id, action, after)`` of every event of one table, by record then sequence."""
    query = (
        select(AuditEvent.entity_id, AuditEvent.action, AuditEvent.after)
        .where(AuditEvent.org_id == org_id, AuditEvent.entity == entity)
        .order_by(AuditEvent.entity_id, AuditEvent.seq)
        .execution_options(yield_per=batch)
    )
    for row in session.execute(query):
        yield row.entity_id, row.action, row.after


def table_rows(
    session: Session, org_id: int, table: Table, batch: int = 10_000
) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(id, values)`` of every row of the organisation in ``table``, by id.

    The audit log owns the check of every audited table, so it reads them here by
    their SQLAlchemy ``Table`` (handed over by their domains), never by name.
    """
    query = (
        select(table)
        .where(table.c.org_id == org_id)
        .order_by(table.c.id)
        .execution_options(yield_per=batch)
    )
    for row in session.execute(query):
        values = row._asdict()
        yield values["id"], values
