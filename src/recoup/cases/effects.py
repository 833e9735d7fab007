"""The handlers of the outbox rows cases carries out (``cases.payloads``): open a task,
request an agency hand-off. Registered with ``comms.payloads`` when imported."""

from sqlalchemy.orm import Session

from recoup.cases import agency, tasks
from recoup.cases.payloads import HandoffOrder, TaskOrder
from recoup.comms.effects import message_context
from recoup.comms.models import OutboxKind, OutboxMessage
from recoup.comms.payloads import Handler, register
from recoup.comms.render import render


def open_task(session: Session, row: OutboxMessage, payload: TaskOrder) -> str:
    """A task for the row's recipient, once per row."""
    task = tasks.create_task(
        session,
        org_id=row.org_id,
        customer_id=row.customer_id,
        title=payload.title(row.template),
        body=_task_body(session, row, payload),
        kind=payload.params.kind,
        assignee=row.recipient,
        due_on=payload.as_of,
        key=row.key,
    )
    return f"task {task.id}"


def _task_body(session: Session, row: OutboxMessage, payload: TaskOrder) -> str:
    """A task's text: why it exists and, for a call, the script with the figures."""
    if row.template != "call_script":
        return payload.reason
    script = render("call_script", message_context(session, row, payload)).text
    return f"{payload.reason}\n\n{script}" if payload.reason else script


def request_handoff(session: Session, row: OutboxMessage, payload: HandoffOrder) -> str:
    """An agency hand-off request for the row's invoices, awaiting approval."""
    assert row.customer_id is not None
    handoff = agency.request_handoff(
        session,
        org_id=row.org_id,
        customer_id=row.customer_id,
        invoice_ids=payload.invoice_ids,
        agency=payload.params.agency,
        requested_by="policy",
        key=row.key,
        on=payload.as_of,
    )
    return f"hand-off {handoff.id} awaiting approval"


register([OutboxKind.TASK], Handler(TaskOrder, apply=open_task))
register([OutboxKind.HANDOFF], Handler(HandoffOrder, apply=request_handoff))
