"""Tasks handed around, and the hand-offs and write-offs awaiting approval, as other
domains (the web app, ``recoup.approvals``) read them; a file of its own beside
the sub-domain modules (``tasks``, ``agency``, ...)."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from recoup.cases import repository
from recoup.cases.models import (
    OPEN_DISPUTE_STATUSES,
    Dispute,
    DisputeInvoice,
    Handoff,
    HandoffInvoice,
    HandoffStatus,
    PaymentPlan,
    PlanInvoice,
    PlanStatus,
    Promise,
    PromiseItem,
    PromiseStatus,
    Task,
    TaskStatus,
    WriteOff,
)
from recoup.errors import Conflict


def get_task(session: Session, *, org_id: int, task_id: int) -> Task:
    """One task of the organisation (``NotFound`` for anyone else's)."""
    task: Task = repository.require(session, Task, org_id, task_id, "task")
    return task


def reassign_task(session: Session, *, org_id: int, task_id: int, assignee: str) -> Task:
    """Give an open task to ``assignee`` (empty: nobody in particular)."""
    task = get_task(session, org_id=org_id, task_id=task_id)
    if task.status != TaskStatus.OPEN:
        raise Conflict(f"task #{task_id} is already done")
    task.assignee = assignee.strip()
    session.flush()
    return task


def get_handoff(session: Session, *, org_id: int, handoff_id: int) -> Handoff:
    """One hand-off of the organisation (``NotFound`` for anyone else's)."""
    found: Handoff = repository.require(session, Handoff, org_id, handoff_id, "hand-off")
    return found


def get_write_off(session: Session, *, org_id: int, write_off_id: int) -> WriteOff:
    """One write-off of the organisation (``NotFound`` for anyone else's)."""
    found: WriteOff = repository.require(session, WriteOff, org_id, write_off_id, "write-off")
    return found


def write_offs(
    session: Session,
    *,
    org_id: int,
    statuses: Sequence[str] | None = None,
    customer_id: int | None = None,
) -> list[WriteOff]:
    """Write-offs, oldest first (only in ``statuses`` / of ``customer_id`` when given)."""
    query = select(WriteOff).where(WriteOff.org_id == org_id)
    if statuses is not None:
        query = query.where(WriteOff.status.in_(list(statuses)))
    if customer_id is not None:
        query = query.where(WriteOff.customer_id == customer_id)
    return list(session.scalars(query.order_by(WriteOff.id)))


def invoice_markers(
    session: Session, *, org_id: int, invoice_ids: Sequence[int]
) -> dict[int, list[str]]:
    """``invoice id -> the open cases on it``, each one of ``dispute`` (open or under
    investigation), ``promise`` (pending), ``plan`` (active) and ``hand-off`` (awaiting
    approval or placed), in that order."""
    found: dict[int, list[str]] = {i: [] for i in invoice_ids}
    if not invoice_ids:
        return found
    ids = list(invoice_ids)
    queries: list[tuple[str, Any]] = [
        ("dispute", select(DisputeInvoice.invoice_id).join(
            Dispute, and_(Dispute.org_id == DisputeInvoice.org_id,
                          Dispute.id == DisputeInvoice.dispute_id),
        ).where(DisputeInvoice.org_id == org_id, DisputeInvoice.invoice_id.in_(ids),
                Dispute.status.in_(list(OPEN_DISPUTE_STATUSES)))),
        ("promise", select(PromiseItem.invoice_id).join(
            Promise, and_(Promise.org_id == PromiseItem.org_id,
                          Promise.id == PromiseItem.promise_id),
        ).where(PromiseItem.org_id == org_id, PromiseItem.invoice_id.in_(ids),
                Promise.status == PromiseStatus.PENDING)),
        ("plan", select(PlanInvoice.invoice_id).join(
            PaymentPlan, and_(PaymentPlan.org_id == PlanInvoice.org_id,
                              PaymentPlan.id == PlanInvoice.plan_id),
        ).where(PlanInvoice.org_id == org_id, PlanInvoice.invoice_id.in_(ids),
                PaymentPlan.status == PlanStatus.ACTIVE)),
        ("hand-off", select(HandoffInvoice.invoice_id).join(
            Handoff, and_(Handoff.org_id == HandoffInvoice.org_id,
                          Handoff.id == HandoffInvoice.handoff_id),
        ).where(HandoffInvoice.org_id == org_id, HandoffInvoice.invoice_id.in_(ids),
                Handoff.status.in_([HandoffStatus.PENDING, HandoffStatus.PLACED]))),
    ]  # fmt: skip
    for marker, query in queries:
        for invoice_id in sorted(set(session.scalars(query))):
            found[invoice_id].append(marker)
    return found
