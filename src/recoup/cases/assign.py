"""Handing a task to another person (a file of its own beside ``service``)."""

from sqlalchemy.orm import Session

from recoup.cases import repository
from recoup.cases.models import Task, TaskStatus
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
