"""Keyset (cursor) pages over one organisation's rows.

A page is ``ORDER BY <sort>, id LIMIT n+1`` after the last row of the previous page
(``(sort, id) > (value, id)`` as a row comparison), so the n-th page costs what the
first does and rows written meanwhile never shift a page. The cursor carries the sort
it was made for; a cursor of another sort is refused (field ``cursor``).
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, select, tuple_
from sqlalchemy.orm import InstrumentedAttribute, Session

from recoup.api.core import Cursor, decode_cursor, encode_cursor
from recoup.api.deps import ApiContext
from recoup.api.schemas import Page
from recoup.errors import InvalidInput, NotFound

MAX_LIMIT = 500
T = TypeVar("T")


@dataclass(frozen=True)
class Listing:
    """How a resource is listed: its model and the (non-null) columns it sorts by."""

    model: Any
    sorts: dict[str, InstrumentedAttribute[Any]] = field(default_factory=dict)

    def sort_names(self) -> list[str]:
        """Every accepted ``sort`` value (a leading ``-`` sorts descending)."""
        names = ["id", *self.sorts]
        return [*names, *(f"-{n}" for n in names)]


def page(
    session: Session,
    *,
    listing: Listing,
    org_id: int,
    where: Sequence[ColumnElement[bool]] = (),
    sort: str = "id",
    cursor: str | None = None,
    limit: int = 50,
) -> tuple[list[Any], str | None]:
    """One page of the organisation's rows matching ``where``; the rows and the cursor of
    the next page (None on the last)."""
    if sort not in listing.sort_names():
        options = ", ".join(listing.sort_names())
        raise InvalidInput(f"unknown sort {sort!r} ({options})", field="sort")
    model = listing.model
    descending = sort.startswith("-")
    name = sort.lstrip("-")
    column = model.id if name == "id" else listing.sorts[name]
    query: Select[Any] = select(model).where(model.org_id == org_id, *where)
    after = decode_cursor(cursor, sort=sort) if cursor else None
    if after is not None and not isinstance(after.value, column.type.python_type):
        raise InvalidInput("not a cursor from this API", field="cursor")
    if name == "id":
        # The first page too is "after" an id: the same plan as every later page (SQLite
        # otherwise sorted every matching row when an index on the filter looked as good).
        last = after.id if after is not None else (2**63 - 1 if descending else 0)
        query = query.where(model.id < last if descending else model.id > last)
        order = [model.id.desc() if descending else model.id]
    else:
        if after is not None:
            key, bound = tuple_(column, model.id), tuple_(after.value, after.id)
            query = query.where(key < bound if descending else key > bound)
        order = [column.desc(), model.id.desc()] if descending else [column, model.id]
    rows = list(session.scalars(query.order_by(*order).limit(limit + 1)))
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last_row = rows[-1]
    value = getattr(last_row, column.key)
    return rows, encode_cursor(Cursor(sort, value, last_row.id))


def listed(
    ctx: ApiContext,
    listing: Listing,
    of: Callable[[Any], T],
    *,
    where: Sequence[ColumnElement[bool]] = (),
    sort: str = "id",
    cursor: str | None = None,
    limit: int = 50,
) -> Page[T]:
    """A list resource as every ``GET /<resource>`` answers it: one ``page`` of the
    organisation's rows matching ``where`` (the handler's filters), each serialised by
    ``of``, with the cursor of the next page."""
    rows, after = page(
        ctx.session, listing=listing, org_id=ctx.org_id, where=where, sort=sort,
        cursor=cursor, limit=limit,
    )  # fmt: skip
    return Page(data=[of(r) for r in rows], next_cursor=after)


def one(session: Session, model: Any, *, org_id: int, record_id: int, what: str) -> Any:
    """The organisation's row ``record_id`` of ``model`` (``NotFound`` otherwise, as for
    another organisation's)."""
    row = session.scalars(
        select(model).where(model.org_id == org_id, model.id == record_id)
    ).one_or_none()
    if row is None:
        raise NotFound(f"no {what} with id {record_id}")
    return row


def equal(*pairs: tuple[Any, Any]) -> list[ColumnElement[bool]]:
    """``column == value`` for each pair whose value was given (not None)."""
    return [column == value for column, value in pairs if value is not None]
