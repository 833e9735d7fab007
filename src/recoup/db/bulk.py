"""Bulk writes for imports of millions of rows, inside the caller's transaction.

Ids are reserved up front (PostgreSQL's sequence, or SQLite's next rowids under the
write lock that ``BEGIN IMMEDIATE`` holds), so rows go in without RETURNING: COPY on
PostgreSQL, the driver's ``executemany`` on SQLite. Values pass through the same
column types (JSON, timestamps) as ORM writes.
"""

import functools
import gc
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from operator import itemgetter
from typing import Any

import orjson
import psycopg
from sqlalchemy import (
    ARRAY,
    JSON,
    BigInteger,
    ColumnElement,
    Date,
    DateTime,
    Integer,
    String,
    Text,
    any_,
    bindparam,
    cast,
    func,
    literal,
    select,
    text,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

Converter = Callable[[Any], Any]


def plain_rows(session: Session, statement: Select[*tuple[Any, ...]]) -> Sequence[Any]:
    """The rows of ``statement`` as plain tuples, read by position, in the session's
    transaction (what it holds unflushed is flushed first).

    On PostgreSQL, when no selected column's type converts the driver's values (a
    timestamp kept in UTC, an enum), they are psycopg's own tuples, fetched from the
    cursor without a SQLAlchemy row each: 50,000 open invoices read in 28 ms of CPU
    instead of 63 ms with the garbage collector on, and about 11 ms less of a daily
    run's partition, which pauses the collector. Otherwise SQLAlchemy's rows, which
    unpack and index the same way.
    """
    session.flush()
    connection = session.connection()
    result = connection.execute(statement)
    if connection.dialect.name != "postgresql" or _converts(statement, connection.dialect):
        return result.all()
    try:
        return result.cursor.fetchall()
    finally:
        result.close()


def _converts(statement: Select[*tuple[Any, ...]], dialect: Any) -> bool:
    """Whether a column of ``statement`` has values that SQLAlchemy converts."""
    return any(
        column.type.dialect_impl(dialect).result_processor(dialect, None) is not None
        for column in statement.selected_columns
    )


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector around a bulk job.

    A bulk import or a daily run over a large ledger builds millions of small acyclic
    objects; the collector's repeated passes over them free nothing and cost a sixth of
    an import and half of a daily run's planning.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def among(
    session: Session, column: Any, values: Sequence[Any], chunk: int = 5_000
) -> Iterator[ColumnElement[bool]]:
    """Conditions "``column`` is one of ``values``", to query with one after the other.

    PostgreSQL gets one ``= ANY(array)`` with a single parameter however many values
    there are (thousands of ``IN`` placeholders cost more to send than to run); SQLite
    gets ``IN`` lists of ``chunk`` values, under its parameter limit.
    """
    distinct = list(dict.fromkeys(values))
    if not distinct:
        return
    if session.get_bind().dialect.name == "postgresql":
        yield column == any_(_array(column, distinct))
        return
    for start in range(0, len(distinct), chunk):
        yield column.in_(distinct[start : start + chunk])


_SEPARATOR = "\x1f"  # the ASCII unit separator


def _array(column: Any, values: list[Any]) -> ColumnElement[Any]:
    """``values`` as one PostgreSQL array parameter of ``column``'s type.

    Strings for a text column and integers for an integer column go as one text, split
    by the server: the driver adapts a list element by element in Python, 1-2 µs each
    (an import's batch looks up 20,000 numbers at a time)."""
    kinds = set(map(type, values))
    column_type = column.type
    if kinds == {int} and isinstance(column_type, Integer):
        split = func.string_to_array(bindparam("among", ",".join(map(str, values))), ",")
        return cast(split, ARRAY(BigInteger))
    if kinds == {str} and isinstance(column_type, String) and "" not in values:
        joined = _SEPARATOR.join(values)
        if joined.count(_SEPARATOR) == len(values) - 1:  # no value holds the separator
            return func.string_to_array(bindparam("among", joined, type_=Text), _SEPARATOR)
    return bindparam("among", values, type_=ARRAY(column_type))


def reserve_ids(session: Session, table: Any, count: int) -> list[int]:
    """``count`` fresh primary keys for ``table``, in ascending order."""
    if count == 0:
        return []
    if session.get_bind().dialect.name == "postgresql":
        # The sequence's name as a constant: ``nextval`` of a name looked up per row
        # costs 3.4 µs an id, of an oid known when the statement is planned 0.3 µs.
        sequence = session.scalar(
            text("SELECT pg_get_serial_sequence(:table, 'id')"), {"table": table.name}
        )
        quoted = str(sequence).replace("'", "''")
        taken = f"SELECT nextval('{quoted}'::regclass) AS id FROM generate_series(1, :n)"
        params = {"n": count}
        first, last = session.execute(
            text(f"SELECT min(id), max(id) FROM ({taken}) AS taken"), params
        ).one()
        if last - first + 1 == count:  # the usual case: no other writer took ids meanwhile
            return list(range(first, last + 1))
        return sorted(  # interleaved with another writer: take a fresh set, one by one
            row[0] for row in session.execute(text(taken), params)
        )
    start = int(session.scalar(select(func.coalesce(func.max(table.c.id), 0))) or 0)
    return list(range(start + 1, start + count + 1))


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


def _converter(session: Session, table: Any, name: str) -> Converter | None:
    """How a Python value of column ``name`` is handed to the driver (None: as it is)."""
    dialect = session.get_bind().dialect
    column_type = table.c[name].type
    if isinstance(column_type, JSON):
        return _json
    if dialect.name == "sqlite":
        processor: Converter | None = column_type.dialect_impl(dialect).bind_processor(dialect)
        if processor is not None and isinstance(
            getattr(column_type, "impl", column_type), Date | DateTime
        ):
            # A batch repeats a few dates and times (the run day, a send time per time
            # zone): each is formatted once.
            return functools.cache(processor)
        return processor
    return None  # psycopg adapts dates, timestamps and numbers itself


def _default(default: Any) -> Any:
    """A column's default value (a callable default is called once, for the batch)."""
    return default.arg(None) if default.is_callable else default.arg


#: Rows of one PostgreSQL load after which the table's statistics are refreshed.
ANALYZE_AFTER = 10_000
#: ... and only when they are this share or more of what the statistics last counted
#: (PostgreSQL autovacuum's ``autovacuum_analyze_scale_factor``, applied at once).
ANALYZE_SHARE = 0.1


def insert_rows(
    session: Session,
    table: Any,
    rows: Sequence[Mapping[str, Any]] | Sequence[Sequence[Any]],
    *,
    ids: Sequence[int] | None = None,
    constants: Mapping[str, Any] | None = None,
    columns: Sequence[str] | None = None,
) -> None:
    """Insert ``rows``: mappings with the same keys, or, with ``columns``, tuples of
    those columns' values (no mapping made and picked apart again per row).

    ``ids`` gives each row its primary key; ``constants`` are values shared by every
    row. Columns that neither gives take their defaults, evaluated once per batch (one
    ``created_at`` for every row of an import).
    """
    if not rows:
        return
    if columns is None:
        columns = list(rows[0])
        pick: Callable[[Any], Any] = itemgetter(*columns)
        single = len(columns) == 1  # itemgetter of one key returns the value itself
    else:
        columns, pick, single = list(columns), tuple, False
    shared = dict(constants or {})
    shared |= {
        c.name: _default(c.default)
        for c in table.columns
        if c.name not in columns and c.name not in shared and c.default is not None
    }
    convert_shared = {name: _converter(session, table, name) for name in shared}
    fixed = tuple(
        value if fn is None or value is None else fn(value)
        for (name, value), fn in zip(shared.items(), convert_shared.values(), strict=True)
    )
    converted = [
        (i, fn) for i, name in enumerate(columns) if (fn := _converter(session, table, name))
    ]
    names = (["id"] if ids is not None else []) + columns + list(shared)

    def values(row: Any) -> Sequence[Any]:
        picked = pick(row)
        if single:
            picked = (picked,)
        if not converted:
            return picked  # type: ignore[no-any-return]
        out = list(picked)
        for i, fn in converted:
            if out[i] is not None:
                out[i] = fn(out[i])
        return out

    def records() -> Iterator[Sequence[Any]]:
        if ids is None:
            return ((*values(row), *fixed) for row in rows)
        return ((key, *values(row), *fixed) for key, row in zip(ids, rows, strict=True))

    connection = session.connection()
    if connection.dialect.name == "postgresql":
        first = rows[0]
        if not isinstance(first, Mapping):
            first = dict(zip(columns, first, strict=True))
        types = _binary_types(session, table.name, names, first, shared)
        _copy(connection.connection.driver_connection, table.name, names, records, types)
    else:
        placeholders = ", ".join("?" for _ in names)
        connection.exec_driver_sql(
            f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({placeholders})",
            list(records()),
        )
    if len(rows) >= ANALYZE_AFTER and _changes_much(session, table.name, len(rows)):
        analyze(session, table.name)


# The column types whose binary COPY format psycopg writes from these Python types,
# several times faster than the text format (a timestamp with a time zone costs 4 µs as
# text): PostgreSQL's type name -> (the Python type, the name psycopg dumps it as).
_BINARY: dict[str, tuple[type, str]] = {
    "int2": (int, "int2"),
    "int4": (int, "int4"),
    "int8": (int, "int8"),
    "text": (str, "text"),
    "varchar": (str, "text"),
    "bpchar": (str, "text"),
    "date": (date, "date"),
    "bool": (bool, "bool"),
    "timestamptz": (datetime, "timestamptz"),
}


def _binary_types(
    session: Session,
    table: str,
    names: Sequence[str],
    first: Mapping[str, Any],
    shared: Mapping[str, Any],
) -> list[str] | None:
    """The types to COPY ``names`` of ``table`` in binary, or None (text) unless every
    column's database type is one of ``_BINARY`` and its value in the first row (or in
    ``shared``; ``id`` holds reserved integers) is of its Python type (a ``str``
    subclass for text, an aware datetime for a timestamp) or None. The types are the
    database's own (from its catalog), so a column whose model and migration disagree
    still loads. A later row's value of another type is found by the COPY itself
    (``_copy``)."""
    catalog: dict[str, str] = {
        name: type_name
        for name, type_name in session.connection().exec_driver_sql(
            "SELECT a.attname, t.typname FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid"
            " WHERE a.attrelid = to_regclass(%(table)s) AND a.attnum > 0"
            " AND NOT a.attisdropped",
            {"table": table},
        )
    }
    types = []
    for name in names:
        wanted = _BINARY.get(catalog.get(name, ""))
        if wanted is None:
            return None
        python_type, dumped_as = wanted
        if name == "id" and name not in shared and name not in first:
            types.append(dumped_as)  # the reserved ids
            continue
        value = shared[name] if name in shared else first[name]
        if value is not None:
            kind = type(value)
            fits = issubclass(kind, str) if python_type is str else kind is python_type
            if not fits or (python_type is datetime and value.tzinfo is None):
                return None
        types.append(dumped_as)
    return types


def _copy(
    driver: Any,
    table: str,
    names: Sequence[str],
    records: Callable[[], Iterable[Sequence[Any]]],
    types: list[str] | None,
) -> None:
    """COPY ``records()`` into ``table``: in binary with ``types`` when given, else (or
    when a value does not dump as its column's type: a row unlike the first) as text,
    the database converting each value. The binary attempt goes under a savepoint, so
    that one given up leaves nothing."""
    statement = f"COPY {table} ({', '.join(names)}) FROM STDIN"
    if types:
        driver.execute("SAVEPOINT recoup_copy")
        try:
            with driver.cursor() as cursor, cursor.copy(f"{statement} (FORMAT BINARY)") as copy:
                copy.set_types(types)
                for record in records():
                    copy.write_row(record)
        except psycopg.Error:
            raise  # the database refused a row: no other format would do
        except Exception:  # a value psycopg cannot dump as the type
            driver.execute("ROLLBACK TO SAVEPOINT recoup_copy")
        else:
            driver.execute("RELEASE SAVEPOINT recoup_copy")
            return
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        for record in records():
            copy.write_row(record)


def _changes_much(session: Session, table: str, added: int) -> bool:
    """Whether ``added`` rows are a tenth or more of what PostgreSQL's statistics last
    counted in ``table`` (its autovacuum's own threshold, applied at once): a first load
    always is; a bank file's audit events added to millions are not, and sampling the
    big table again would cost a second for nothing. SQLite's sampling is cheap: always."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return True
    counted = connection.exec_driver_sql(
        "SELECT reltuples FROM pg_class WHERE oid = to_regclass(%(table)s)", {"table": table}
    ).scalar()
    return counted is None or counted <= 0 or added >= counted * ANALYZE_SHARE


def refresh_statistics(session: Session) -> list[str]:
    """ANALYZE the tables (of the current schema) whose rows changed by a tenth or more
    since their statistics were taken — autovacuum's own rule, applied at once, since
    autovacuum may be off or late: the first daily run over a new book writes 700,000
    outbox rows, and with the statistics of an empty outbox the worklist's query for
    each account's next step reads all of them (0.4 s instead of 5 ms). The tables
    analysed; nothing on SQLite (whose plans ``analyze`` after a bulk load keeps)."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return []
    tables = list(
        connection.exec_driver_sql(
            "SELECT s.relname FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid"
            " WHERE s.schemaname = current_schema()"
            " AND s.n_mod_since_analyze >= greatest(%(least)s, c.reltuples * %(share)s)",
            {"least": ANALYZE_AFTER, "share": ANALYZE_SHARE},
        ).scalars()
    )
    for table in tables:
        analyze(session, table)
    return tables


def analyze(session: Session, table: str) -> None:
    """Refresh the planner's statistics of ``table`` after a large load.

    Without them SQLite picks the first plausible index (the status index for one
    customer's invoices: seconds instead of a millisecond), and PostgreSQL's autovacuum
    catches up only later, or never where it is off. SQLite samples a thousand rows per
    index, which takes milliseconds.
    """
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("PRAGMA analysis_limit = 1000")
    connection.exec_driver_sql(f"ANALYZE {table}")


def insert_with_ids(
    session: Session,
    table: Any,
    rows: Sequence[Mapping[str, Any]],
    *,
    constants: Mapping[str, Any] | None = None,
) -> list[int]:
    """Insert ``rows`` under freshly reserved ids (``constants``: values shared by every
    row); the ids, in the order of ``rows``."""
    ids = reserve_ids(session, table, len(rows))
    insert_rows(session, table, rows, ids=ids, constants=constants)
    return ids


def is_empty(session: Session, table: Any) -> bool:
    """Whether ``table`` holds no row at all (of any organisation)."""
    return session.execute(select(literal(1)).select_from(table).limit(1)).first() is None


def drop_upkeep(session: Session, table: Any) -> list[str]:
    """Drop what ``table`` keeps up row by row, for a large load into it on PostgreSQL:
    its indexes that only serve reads (not its primary key, a unique index or one a
    constraint owns), its unique constraints that no foreign key relies on, and its
    foreign keys. The statements that make them again (``restore_upkeep``), in order:
    the indexes, the unique constraints (each checked as its index is built), the
    foreign keys (each checked in one query). Nothing on SQLite, or where the
    connection's role does not own the table.

    Made after the load, an index costs a sort of the rows (about 1 µs a row) and a
    foreign key one join; kept up during it, a random insert into each index (2-4 µs a
    row, and more once the indexes outgrow the server's buffers) and a look-up of each
    row's parent (3-5 µs). The drop holds the table's exclusive lock until the
    transaction ends (nobody else writes rows that a constraint would have refused),
    and rolls back with it."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return []
    owner = connection.exec_driver_sql(
        "SELECT pg_has_role(c.relowner, 'MEMBER') FROM pg_class c"
        " WHERE c.oid = to_regclass(%(table)s)",
        {"table": table.name},
    ).scalar()
    if not owner:  # a role that may write rows but not change the table keeps them
        return []
    indexes = connection.exec_driver_sql(
        "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i"
        " JOIN pg_class c ON c.oid = i.indexrelid"
        " WHERE i.indrelid = to_regclass(%(table)s) AND NOT i.indisprimary"
        " AND NOT i.indisunique"
        " AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)"
        " ORDER BY c.relname",
        {"table": table.name},
    ).all()
    constraints = connection.exec_driver_sql(
        "SELECT k.conname, pg_get_constraintdef(k.oid) FROM pg_constraint k"
        " WHERE k.conrelid = to_regclass(%(table)s)"
        " AND (k.contype = 'f' OR k.contype = 'u' AND NOT EXISTS ("
        "SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = k.conindid))"
        " ORDER BY k.contype DESC, k.conname",  # unique ('u') before foreign ('f')
        {"table": table.name},
    ).all()
    for name, _ in indexes:
        connection.exec_driver_sql(f'DROP INDEX "{name}"')
    for name, _ in constraints:
        connection.exec_driver_sql(f'ALTER TABLE {table.name} DROP CONSTRAINT "{name}"')
    return [statement for _, statement in indexes] + [
        f'ALTER TABLE {table.name} ADD CONSTRAINT "{name}" {definition}'
        for name, definition in constraints
    ]


#: The sort memory an index build gets when the server's own setting is smaller: a
#: million rows' keys sorted in memory instead of in temporary files.
BUILD_MEMORY_MB = 256


def restore_upkeep(session: Session, table: Any, statements: Sequence[str]) -> None:
    """Make what ``drop_upkeep`` dropped again, then refresh the table's statistics (an
    expression index has statistics of its own). A row that breaks a constraint made
    again fails the statement, and with it the transaction."""
    if not statements:
        return
    connection = session.connection()
    memory = connection.exec_driver_sql(
        "SELECT setting::bigint * 1024 FROM pg_settings WHERE name = 'maintenance_work_mem'"
    ).scalar_one()  # in bytes (the setting is in kB)
    if memory < BUILD_MEMORY_MB * 1024 * 1024:
        connection.exec_driver_sql(f"SET LOCAL maintenance_work_mem = '{BUILD_MEMORY_MB}MB'")
    for statement in statements:
        connection.exec_driver_sql(statement)
    analyze(session, table.name)
