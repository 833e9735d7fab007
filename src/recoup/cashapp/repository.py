"""All SQL of cash application (its own tables only)."""

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from recoup.cashapp.models import (
    BankCsvProfile,
    BankLine,
    BankStatement,
    LearnedPayer,
    LineDecision,
    MatchSettings,
)
from recoup.db import bulk


def existing_keys(session: Session, org_id: int, keys: Sequence[str]) -> set[str]:
    """Which of ``keys`` are already the dedupe key of a stored line."""
    found: set[str] = set()
    for condition in bulk.among(session, BankLine.dedupe_key, keys):
        query = select(BankLine.dedupe_key).where(BankLine.org_id == org_id, condition)
        found.update(session.scalars(query))
    return found


def line(session: Session, org_id: int, line_id: int) -> BankLine | None:
    """One line of the organisation, locked for the rest of the transaction."""
    query = select(BankLine).where(BankLine.org_id == org_id, BankLine.id == line_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return session.scalars(query).one_or_none()


def lines(
    session: Session,
    org_id: int,
    *,
    statuses: Sequence[str] | None = None,
    statement_id: int | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[BankLine]:
    """Lines in statement order, filtered by status and statement when given."""
    query = select(BankLine).where(BankLine.org_id == org_id)
    if statuses:
        query = query.where(BankLine.status.in_(list(statuses)))
    if statement_id is not None:
        query = query.where(BankLine.statement_id == statement_id)
    query = query.order_by(BankLine.statement_id, BankLine.position, BankLine.id).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def line_by_end_to_end(session: Session, org_id: int, end_to_end_id: str) -> BankLine | None:
    """The applied credit line with this end-to-end id (the payment a return returns)."""
    query = (
        select(BankLine)
        .where(
            BankLine.org_id == org_id,
            BankLine.end_to_end_id == end_to_end_id,
            BankLine.credit.is_(True),
            BankLine.payment_id.is_not(None),
        )
        .order_by(BankLine.id.desc())
    )
    return session.scalars(query).first()


def applied_credits_of_amount(
    session: Session, org_id: int, *, amount: int, currency: str, until: date
) -> list[BankLine]:
    """Applied credit lines of this amount and currency booked on or before ``until``
    (the payments a return without an end-to-end id may give back)."""
    query = select(BankLine).where(
        BankLine.org_id == org_id,
        BankLine.credit.is_(True),
        BankLine.status == "applied",
        BankLine.amount == amount,
        BankLine.currency == currency,
        BankLine.booking_date <= until,
    )
    return list(session.scalars(query.order_by(BankLine.id)))


def statements(
    session: Session, org_id: int, statement_id: int | None = None
) -> list[BankStatement]:
    """The organisation's statements, oldest first (only ``statement_id`` when given)."""
    query = select(BankStatement).where(BankStatement.org_id == org_id)
    if statement_id is not None:
        query = query.where(BankStatement.id == statement_id)
    return list(session.scalars(query.order_by(BankStatement.id)))


def learned(session: Session, org_id: int) -> list[tuple[str, str, int]]:
    """``(kind, value, customer_id)`` of everything people taught the matcher."""
    query = select(LearnedPayer.kind, LearnedPayer.value, LearnedPayer.customer_id).where(
        LearnedPayer.org_id == org_id
    )
    return [(str(k), str(v), int(c)) for k, v, c in session.execute(query)]


def learned_exists(session: Session, org_id: int, kind: str, value: str, customer_id: int) -> bool:
    query = select(func.count()).where(
        LearnedPayer.org_id == org_id,
        LearnedPayer.kind == kind,
        LearnedPayer.value == value,
        LearnedPayer.customer_id == customer_id,
    )
    return bool(session.scalar(query))


def learned_from(session: Session, org_id: int, line_id: int) -> list[LearnedPayer]:
    """What a line's decision taught the matcher."""
    query = select(LearnedPayer).where(
        LearnedPayer.org_id == org_id, LearnedPayer.line_id == line_id
    )
    return list(session.scalars(query))


def decisions(session: Session, org_id: int, line_id: int) -> list[LineDecision]:
    """Every decision about a line, oldest first."""
    query = (
        select(LineDecision)
        .where(LineDecision.org_id == org_id, LineDecision.line_id == line_id)
        .order_by(LineDecision.id)
    )
    return list(session.scalars(query))


def profile(session: Session, org_id: int, name: str) -> BankCsvProfile | None:
    query = select(BankCsvProfile).where(
        BankCsvProfile.org_id == org_id, BankCsvProfile.name == name
    )
    return session.scalars(query).one_or_none()


def match_settings(session: Session, org_id: int) -> MatchSettings | None:
    query = select(MatchSettings).where(MatchSettings.org_id == org_id)
    return session.scalars(query).one_or_none()


def reserve_line_ids(session: Session, count: int) -> list[int]:
    """``count`` fresh ids for bank lines, in ascending order."""
    return bulk.reserve_ids(session, BankLine.__table__, count)


_LINE_COLUMNS = tuple(
    c.name for c in BankLine.__table__.columns if c.name not in ("created_at", "updated_at")
)


def insert_lines(session: Session, lines: Sequence[BankLine]) -> None:
    """Store new lines (not in the session, ids reserved) in one bulk insert."""
    if not lines:
        return
    rows = [{name: getattr(line, name) for name in _LINE_COLUMNS if name != "id"} for line in lines]
    for row in rows:
        row["status"] = str(row["status"])  # the value, as the ORM stores a StrEnum
    bulk.insert_rows(session, BankLine.__table__, rows, ids=[line.id for line in lines])


def add(session: Session, *records: Any) -> None:
    """Store new records and give them ids."""
    session.add_all(records)
    session.flush()


def statement_page(
    session: Session, org_id: int, *, limit: int, offset: int
) -> tuple[list[BankStatement], int]:
    """One page of the organisation's statements, newest first, and how many there are."""
    query = (
        select(BankStatement)
        .where(BankStatement.org_id == org_id)
        .order_by(BankStatement.id.desc())
        .limit(limit)
        .offset(offset)
    )
    total = session.scalar(
        select(func.count()).select_from(BankStatement).where(BankStatement.org_id == org_id)
    )
    return list(session.scalars(query)), int(total or 0)


def status_counts(
    session: Session, org_id: int, *, statement_ids: Sequence[int] | None = None
) -> list[tuple[int, str, int]]:
    """``(statement_id, status, lines)`` of the organisation's lines (of the statements
    given, when given)."""
    query = select(BankLine.statement_id, BankLine.status, func.count()).where(
        BankLine.org_id == org_id
    )
    if statement_ids is not None:
        query = query.where(BankLine.statement_id.in_(list(statement_ids)))
    query = query.group_by(BankLine.statement_id, BankLine.status)
    return [(int(s), str(status), int(n)) for s, status, n in session.execute(query)]


def line_unlocked(session: Session, org_id: int, line_id: int) -> BankLine | None:
    """One line of the organisation, read without a lock (a page: a read-only
    transaction)."""
    query = select(BankLine).where(BankLine.org_id == org_id, BankLine.id == line_id)
    return session.scalars(query).one_or_none()
