"""When an organisation's rows of a table last changed, and whose rows changed since a
moment: read from the table's ``ix_<table>_org_updated`` (every insert and update of a
row sets its ``updated_at``). The owning domain names its tables; this module only
knows how to ask."""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, func, or_, select, text
from sqlalchemy.orm import Session


def last_change(session: Session, table: Table, org_id: int) -> datetime | str | None:
    """The newest ``updated_at`` of the organisation's rows of ``table`` (SQLite answers
    it as text). The index is named to SQLite, whose planner preferred another index of
    the organisation and a scan of its rows."""
    if session.get_bind().dialect.name == "sqlite":
        found: datetime | str | None = session.scalar(
            text(
                f"SELECT max(updated_at) FROM {table.name} "
                f"INDEXED BY ix_{table.name}_org_updated WHERE org_id = :org"
            ),
            {"org": org_id},
        )
        return found
    newest: datetime | None = session.scalar(
        select(func.max(table.c.updated_at)).where(table.c.org_id == org_id)
    )
    return newest


def changed_since(
    session: Session, table: Table, column: str, org_id: int, since: datetime
) -> list[Any]:
    """The distinct values of ``column`` (a customer id) of the organisation's rows of
    ``table`` changed from ``since`` on, None last."""
    sqlite = session.get_bind().dialect.name == "sqlite"
    hint = f" INDEXED BY ix_{table.name}_org_updated" if sqlite else ""
    found = session.execute(
        text(
            f"SELECT DISTINCT {column} FROM {table.name}{hint} "
            "WHERE org_id = :org AND updated_at >= :since"
        ),
        {"org": org_id, "since": since if not sqlite else sqlite_time(since)},
    )
    return sorted((r[0] for r in found), key=lambda c: (c is None, c or 0))


def sqlite_time(moment: datetime) -> str:
    """``moment`` as SQLite stores ``updated_at`` (``UTCDateTime``)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def of_customers(column: Any, customers: Sequence[int | None] | None) -> list[Any]:
    """The conditions keeping rows of ``customers`` by their customer ``column`` (None:
    every customer, no condition; a None among them: also the rows of no customer): what
    a sum kept per customer reads again for the customers that changed."""
    if customers is None:
        return []
    ids = [c for c in customers if c is not None]
    if len(ids) < len(customers):
        return [or_(column.in_(ids), column.is_(None))]
    return [column.in_(ids)]
