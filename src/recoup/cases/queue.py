"""Tasks handed around, and the hand-offs and write-offs awaiting approval, as other
domains (the web app, ``recoup.approvals``) read them; a file of its own beside
``service`` and ``agency``."""

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from recoup.cases import repository
from recoup.cases.models import Handoff, Task, TaskStatus, WriteOff
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
