"""Tasks: to-dos for the team, raised by people, by the daily run (broken promises,
defaulted plans, disputes past their SLA) and by requests awaiting approval.

Services never commit; the caller owns the transaction."""

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.orm import Session

from recoup.cases import repository
from recoup.cases.fields import choice
from recoup.cases.ledger_views import customer
from recoup.cases.models import (
    Task,
    TaskKind,
    TaskStatus,
)
from recoup.db.base import utcnow
from recoup.errors import Conflict, InvalidInput


def create_task(
    session: Session,
    *,
    org_id: int,
    customer_id: int | None,
    title: str,
    body: str = "",
    kind: str = "other",
    assignee: str = "",
    due_on: date | None = None,
    key: str | None = None,
) -> Task:
    """A new open task; with a ``key`` already used, the existing task (nothing new)."""
    if key is not None:
        existing = repository.by_key(session, Task, org_id, key)
        if existing is not None:
            return existing
    if not title.strip():
        raise InvalidInput("a task needs a title", field="title")
    if customer_id is not None:
        customer(session, org_id=org_id, customer_id=customer_id)
    task = Task(
        org_id=org_id,
        customer_id=customer_id,
        title=title.strip()[:200],
        body=body,
        kind=choice(TaskKind, kind, "kind"),
        assignee=assignee.strip(),
        due_on=due_on,
        status=TaskStatus.OPEN,
        key=key,
    )
    repository.add(session, task)
    return task


def complete_task(
    session: Session, *, org_id: int, task_id: int, by: str, at: datetime | None = None
) -> Task:
    """Mark a task done by ``by``."""
    task: Task = repository.require(session, Task, org_id, task_id, "task")
    if task.status == TaskStatus.DONE:
        raise Conflict(f"task #{task_id} is already done")
    task.status = TaskStatus.DONE
    task.completed_by = by
    task.completed_at = at or utcnow()
    session.flush()
    return task


def open_tasks(session: Session, *, org_id: int, assignee: str | None = None) -> list[Task]:
    """Open tasks (of one assignee when named), soonest due first."""
    return repository.open_tasks(session, org_id, assignee)


def complete_task_by_key(session: Session, *, org_id: int, key: str, by: str) -> None:
    """Complete the open task raised with ``key`` (an approval once decided), if any."""
    task = repository.by_key(session, Task, org_id, key)
    if task is not None and task.status == TaskStatus.OPEN:
        complete_task(session, org_id=org_id, task_id=task.id, by=by)


def completed_tasks(session: Session, *, org_id: int, start: date, end: date) -> list[Task]:
    """Tasks about a customer completed on ``start``..``end`` (UTC days), by id."""
    since = datetime.combine(start, time(), UTC)
    until = datetime.combine(end + timedelta(days=1), time(), UTC)
    return repository.completed_tasks(session, org_id, since, until)
