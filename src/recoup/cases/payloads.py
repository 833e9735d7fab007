"""The outbox payloads cases carries out: a task for a person, an agency hand-off.

Planned by the escalation policy, by cases itself (a promise confirmation or an
instalment notice that cannot be emailed) and by credit (a hold to review); applied
by ``cases.effects``.
"""

from datetime import date
from typing import Any

from pydantic import Field

from recoup.cases.core import InstalmentNotice
from recoup.comms.payloads import (
    InstalmentTerms,
    Message,
    MessageParams,
    Params,
    Planned,
    PromiseTerms,
)


class TaskParams(MessageParams):
    title: str = ""
    kind: str = "other"  # a TaskKind: call, review, ...


class TaskOrder(Message):
    """A task for the row's recipient. A call's task (template ``call_script``) carries
    the script rendered like a message, so it has a message's fields."""

    params: TaskParams = Field(default_factory=TaskParams)

    def title(self, template: str) -> str:
        """The task's title: the step's, else the reason, else the template's name."""
        return self.params.title or self.reason or template or "Task"


class HandoffParams(Params):
    agency: str = "default"


class HandoffOrder(Planned):
    """An agency hand-off request for the listed invoices, awaiting approval."""

    params: HandoffParams = Field(default_factory=HandoffParams)


def promise_confirmation(
    *,
    promise_id: int,
    invoice_ids: list[int],
    contact_id: int | None,
    amount: int,
    currency: str,
    promised_on: date,
    made_on: date,
    by_email: bool,
) -> Message:
    """A promise's confirmation to the customer; a call task for the collector instead
    when it cannot be emailed."""
    fields: dict[str, Any] = {
        "promise_id": promise_id,
        "invoice_ids": invoice_ids,
        "contact_id": contact_id,
        "as_of": made_on,
        "promise": PromiseTerms(
            amount=amount, currency=currency, promised_date=promised_on, made_on=made_on
        ),
    }
    if by_email:
        return Message(**fields)
    return TaskOrder(
        **fields,
        reason="no usable email address, or the customer may not be contacted",
        params=TaskParams(
            title=f"Confirm promise #{promise_id} to the customer another way", kind="call"
        ),
    )


def instalment_notice(
    notice: InstalmentNotice,
    *,
    plan_id: int,
    invoice_ids: list[int],
    contact_id: int | None,
    as_of: date,
    count: int,
    currency: str,
    remaining: int,
    agreed_on: date,
    pay_by: date,
    why_not_emailed: str,
) -> Message:
    """An instalment's reminder or missed notice (``pay_by`` set on a missed one); a call
    task for the collector, saying ``why_not_emailed``, when it cannot be emailed."""
    fields: dict[str, Any] = {
        "plan_id": plan_id,
        "invoice_ids": invoice_ids,
        "contact_id": contact_id,
        "as_of": as_of,
        "instalment": InstalmentTerms(
            sequence=notice.seq,
            count=count,
            due_date=notice.due_on,
            currency=currency,
            amount=notice.amount,
            paid_amount=notice.paid,
            plan_remaining_amount=remaining,
            plan_agreed_on=agreed_on,
        ),
    } | ({"pay_by": pay_by} if notice.kind == "missed" else {})
    if not why_not_emailed:
        return Message(**fields)
    what = "is due" if notice.kind == "reminder" else "was missed"
    return TaskOrder(
        **fields,
        reason=why_not_emailed,
        params=TaskParams(
            title=f"Instalment {notice.seq} of payment plan #{plan_id} {what} "
            f"({notice.due_on.isoformat()}): contact the customer",
            kind="call",
        ),
    )
