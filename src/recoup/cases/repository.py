"""All SQL of the cases domain. Every query is scoped to one organisation."""

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from recoup.cases.models import (
    OPEN_DISPUTE_STATUSES,
    CallLog,
    Dispute,
    DisputeInvoice,
    Handoff,
    HandoffInvoice,
    HandoffStatus,
    Instalment,
    Note,
    PaymentPlan,
    PlanInvoice,
    PlanStatus,
    Promise,
    PromiseItem,
    PromiseStatus,
    Task,
    TaskStatus,
)
from recoup.db import bulk
from recoup.errors import NotFound

Model = TypeVar("Model")


def get(session: Session, model: type[Model], org_id: int, record_id: int) -> Model | None:
    """One record of ``model`` by id, only if it belongs to the organisation."""
    return session.scalars(
        select(model).where(
            model.org_id == org_id,  # type: ignore[attr-defined]
            model.id == record_id,  # type: ignore[attr-defined]
        )
    ).one_or_none()


def require(session: Session, model: type[Model], org_id: int, record_id: int, label: str) -> Model:
    """Like ``get``, but a missing record is ``NotFound`` ("no dispute #12")."""
    record = get(session, model, org_id, record_id)
    if record is None:
        raise NotFound(f"no {label} #{record_id}")
    return record


def get_for_update(
    session: Session, model: type[Model], org_id: int, record_id: int
) -> Model | None:
    """Like ``get`` but locks the row for the rest of the transaction."""
    return session.scalars(
        select(model)
        .where(
            model.org_id == org_id,  # type: ignore[attr-defined]
            model.id == record_id,  # type: ignore[attr-defined]
        )
        .with_for_update()
    ).one_or_none()


def by_key(session: Session, model: type[Model], org_id: int, key: str) -> Model | None:
    """The record of ``model`` with the idempotency ``key``, if any."""
    return session.scalars(
        select(model).where(
            model.org_id == org_id,  # type: ignore[attr-defined]
            model.key == key,  # type: ignore[attr-defined]
        )
    ).one_or_none()


def for_customer(
    session: Session, model: type[Model], org_id: int, customer_id: int
) -> list[Model]:
    """Every record of ``model`` about one customer, oldest first."""
    return list(
        session.scalars(
            select(model)
            .where(
                model.org_id == org_id,  # type: ignore[attr-defined]
                model.customer_id == customer_id,  # type: ignore[attr-defined]
            )
            .order_by(model.id)  # type: ignore[attr-defined]
        )
    )


def children(
    session: Session, model: type[Model], org_id: int, parent: str, parent_ids: Sequence[int]
) -> list[Model]:
    """Rows of ``model`` whose ``parent`` column is one of ``parent_ids`` (by id)."""
    rows: list[Model] = []
    for condition in bulk.among(session, getattr(model, parent), parent_ids):
        rows += session.scalars(
            select(model)
            .where(model.org_id == org_id, condition)  # type: ignore[attr-defined]
            .order_by(model.id)  # type: ignore[attr-defined]
        )
    return rows


def open_tasks(session: Session, org_id: int, assignee: str | None) -> list[Task]:
    """Open tasks, soonest due first (undated last), optionally of one assignee."""
    query = select(Task).where(Task.org_id == org_id, Task.status == TaskStatus.OPEN)
    if assignee is not None:
        query = query.where(Task.assignee == assignee)
    return list(session.scalars(query.order_by(Task.due_on.is_(None), Task.due_on, Task.id)))


def disputes(
    session: Session, org_id: int, *, statuses: Sequence[str] | None = None
) -> list[Dispute]:
    """Disputes, oldest first, optionally only in ``statuses``."""
    query = select(Dispute).where(Dispute.org_id == org_id)
    if statuses is not None:
        query = query.where(Dispute.status.in_(list(statuses)))
    return list(session.scalars(query.order_by(Dispute.id)))


def disputes_pausing(session: Session, org_id: int, as_of: date) -> list[Dispute]:
    """Disputes opened by ``as_of`` and not resolved before it."""
    return list(
        session.scalars(
            select(Dispute)
            .where(
                Dispute.org_id == org_id,
                Dispute.opened_on <= as_of,
                or_(
                    Dispute.status.in_([str(s) for s in OPEN_DISPUTE_STATUSES]),
                    Dispute.resolved_on > as_of,
                ),
            )
            .order_by(Dispute.id)
        )
    )


def dispute_invoice_ids(
    session: Session, org_id: int, dispute_ids: Sequence[int]
) -> dict[int, list[int]]:
    """``dispute id -> invoice ids`` for the given disputes."""
    found: dict[int, list[int]] = {d: [] for d in dispute_ids}
    for row in children(session, DisputeInvoice, org_id, "dispute_id", dispute_ids):
        found[row.dispute_id].append(row.invoice_id)
    return found


def promises(
    session: Session,
    org_id: int,
    *,
    statuses: Sequence[str] | None = None,
    closed_between: tuple[date, date] | None = None,
) -> list[Promise]:
    """Promises, oldest first, optionally only in ``statuses`` and only those closed
    between two days (both included)."""
    query = select(Promise).where(Promise.org_id == org_id)
    if statuses is not None:
        query = query.where(Promise.status.in_(list(statuses)))
    if closed_between is not None:
        query = query.where(Promise.closed_on.between(*closed_between))
    return list(session.scalars(query.order_by(Promise.id)))


def promises_pausing(session: Session, org_id: int, as_of: date) -> list[Promise]:
    """Promises made by ``as_of`` that were pending then (closed later or not at all)."""
    return list(
        session.scalars(
            select(Promise)
            .where(
                Promise.org_id == org_id,
                Promise.made_on <= as_of,
                or_(Promise.status == PromiseStatus.PENDING, Promise.closed_on > as_of),
            )
            .order_by(Promise.id)
        )
    )


def promise_items(
    session: Session, org_id: int, promise_ids: Sequence[int]
) -> dict[int, list[PromiseItem]]:
    """``promise id -> its items``."""
    found: dict[int, list[PromiseItem]] = {p: [] for p in promise_ids}
    for row in children(session, PromiseItem, org_id, "promise_id", promise_ids):
        found[row.promise_id].append(row)
    return found


def plans(
    session: Session, org_id: int, *, statuses: Sequence[str] | None = None
) -> list[PaymentPlan]:
    """Payment plans, oldest first, optionally only in ``statuses``."""
    query = select(PaymentPlan).where(PaymentPlan.org_id == org_id)
    if statuses is not None:
        query = query.where(PaymentPlan.status.in_(list(statuses)))
    return list(session.scalars(query.order_by(PaymentPlan.id)))


def plans_pausing(session: Session, org_id: int, as_of: date) -> list[PaymentPlan]:
    """Plans begun by ``as_of`` that were active then."""
    return list(
        session.scalars(
            select(PaymentPlan)
            .where(
                PaymentPlan.org_id == org_id,
                PaymentPlan.created_on <= as_of,
                or_(PaymentPlan.status == PlanStatus.ACTIVE, PaymentPlan.closed_on > as_of),
            )
            .order_by(PaymentPlan.id)
        )
    )


def plan_invoices(
    session: Session, org_id: int, plan_ids: Sequence[int]
) -> dict[int, list[PlanInvoice]]:
    """``plan id -> its invoices``."""
    found: dict[int, list[PlanInvoice]] = {p: [] for p in plan_ids}
    for row in children(session, PlanInvoice, org_id, "plan_id", plan_ids):
        found[row.plan_id].append(row)
    return found


def instalments(
    session: Session, org_id: int, plan_ids: Sequence[int]
) -> dict[int, list[Instalment]]:
    """``plan id -> its instalments`` in order."""
    found: dict[int, list[Instalment]] = {p: [] for p in plan_ids}
    for row in children(session, Instalment, org_id, "plan_id", plan_ids):
        found[row.plan_id].append(row)
    for rows in found.values():
        rows.sort(key=lambda row: row.seq)
    return found


def handoffs(
    session: Session, org_id: int, *, statuses: Sequence[str] | None = None
) -> list[Handoff]:
    """Hand-offs, oldest first, optionally only in ``statuses``."""
    query = select(Handoff).where(Handoff.org_id == org_id)
    if statuses is not None:
        query = query.where(Handoff.status.in_(list(statuses)))
    return list(session.scalars(query.order_by(Handoff.id)))


def handoffs_pausing(session: Session, org_id: int, as_of: date) -> list[Handoff]:
    """Hand-offs placed by ``as_of`` and still placed then."""
    return list(
        session.scalars(
            select(Handoff)
            .where(
                Handoff.org_id == org_id,
                Handoff.decided_on <= as_of,
                or_(
                    Handoff.status == HandoffStatus.PLACED,
                    (Handoff.status == HandoffStatus.RECALLED) & (Handoff.ended_on > as_of),
                ),
            )
            .order_by(Handoff.id)
        )
    )


def handoff_invoices(
    session: Session, org_id: int, handoff_ids: Sequence[int]
) -> dict[int, list[HandoffInvoice]]:
    """``hand-off id -> its invoices``."""
    found: dict[int, list[HandoffInvoice]] = {h: [] for h in handoff_ids}
    for row in children(session, HandoffInvoice, org_id, "handoff_id", handoff_ids):
        found[row.handoff_id].append(row)
    return found


def placed_invoice_ids(session: Session, org_id: int, invoice_ids: Sequence[int]) -> set[int]:
    """Those of ``invoice_ids`` that are in a pending or placed hand-off."""
    rows = session.execute(
        select(HandoffInvoice.invoice_id)
        .join(
            Handoff,
            (Handoff.org_id == HandoffInvoice.org_id) & (Handoff.id == HandoffInvoice.handoff_id),
        )
        .where(
            HandoffInvoice.org_id == org_id,
            HandoffInvoice.invoice_id.in_(list(invoice_ids)),
            Handoff.status.in_([HandoffStatus.PENDING, HandoffStatus.PLACED]),
        )
    )
    return {row[0] for row in rows}


def open_cases_on(
    session: Session, org_id: int, invoice_ids: Sequence[int]
) -> list[tuple[str, Any, int]]:
    """``(kind, case, invoice id)`` for every open case holding one of ``invoice_ids``:
    pending promises, open disputes, active plans, pending or placed hand-offs."""
    links: list[tuple[str, Any, Any, Any, Sequence[str]]] = [
        ("promise", Promise, PromiseItem, PromiseItem.promise_id, [PromiseStatus.PENDING]),
        (
            "dispute",
            Dispute,
            DisputeInvoice,
            DisputeInvoice.dispute_id,
            sorted(OPEN_DISPUTE_STATUSES),
        ),
        ("plan", PaymentPlan, PlanInvoice, PlanInvoice.plan_id, [PlanStatus.ACTIVE]),
        (
            "handoff",
            Handoff,
            HandoffInvoice,
            HandoffInvoice.handoff_id,
            [HandoffStatus.PENDING, HandoffStatus.PLACED],
        ),
    ]
    found: list[tuple[str, Any, int]] = []
    for kind, model, link, parent, statuses in links:
        for condition in bulk.among(session, link.invoice_id, invoice_ids):
            rows = session.execute(
                select(model, link.invoice_id)
                .join(link, (link.org_id == model.org_id) & (parent == model.id))
                .where(model.org_id == org_id, model.status.in_(list(statuses)), condition)
                .order_by(model.id, link.invoice_id)
            )
            found += [(kind, case, invoice_id) for case, invoice_id in rows]
    return found


def add(session: Session, *records: Any) -> None:
    """Add new records and flush (their ids are known afterwards)."""
    session.add_all(records)
    session.flush()


def write_offs_decided(
    session: Session, org_id: int, start: date, end: date
) -> list[tuple[int, str, int]]:
    """``(customer id, currency, amount)`` of write-offs approved in ``start``..``end``."""
    from recoup.cases.models import WriteOff, WriteOffStatus

    rows = session.execute(
        select(WriteOff.customer_id, WriteOff.currency, WriteOff.amount).where(
            WriteOff.org_id == org_id,
            WriteOff.status == WriteOffStatus.APPROVED,
            WriteOff.decided_on >= start,
            WriteOff.decided_on <= end,
        )
    )
    return [(r[0], r[1], int(r[2])) for r in rows]


def recoveries_received(
    session: Session, org_id: int, start: date, end: date
) -> list[tuple[int, str, int]]:
    """``(customer id, currency, gross amount)`` agencies recovered in ``start``..``end``."""
    from recoup.cases.models import Recovery

    rows = session.execute(
        select(Handoff.customer_id, Recovery.currency, Recovery.gross_amount)
        .join(Handoff, (Handoff.org_id == Recovery.org_id) & (Handoff.id == Recovery.handoff_id))
        .where(
            Recovery.org_id == org_id, Recovery.received_on >= start, Recovery.received_on <= end
        )
    )
    return [(r[0], r[1], int(r[2])) for r in rows]


# Reads of analytics' collector performance: work done on customers' accounts in a
# stretch of time (``since`` included, ``until`` not).


def completed_tasks(session: Session, org_id: int, since: datetime, until: datetime) -> list[Task]:
    """Tasks about a customer completed in ``since``..``until``, by id."""
    return list(
        session.scalars(
            select(Task)
            .where(
                Task.org_id == org_id,
                Task.status == TaskStatus.DONE,
                Task.customer_id.is_not(None),
                Task.completed_at >= since,
                Task.completed_at < until,
            )
            .order_by(Task.id)
        )
    )


def notes_and_calls(
    session: Session, org_id: int, since: datetime, until: datetime
) -> list[tuple[int, str, datetime]]:
    """``(customer id, author, when)`` of the notes written and calls made in
    ``since``..``until``."""
    notes = select(Note.customer_id, Note.author, Note.created_at).where(
        Note.org_id == org_id, Note.created_at >= since, Note.created_at < until
    )
    calls = select(CallLog.customer_id, CallLog.author, CallLog.called_at).where(
        CallLog.org_id == org_id, CallLog.called_at >= since, CallLog.called_at < until
    )
    return [(int(r[0]), str(r[1]), r[2]) for q in (notes, calls) for r in session.execute(q)]
