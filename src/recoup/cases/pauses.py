"""The pauses cases put on the escalation ladder: open disputes, pending promises,
active payment plans and agency placements, for the policy engine."""

from datetime import date

from sqlalchemy.orm import Session

from recoup.cases import core, repository
from recoup.policy.pauses import Pause, PauseScope


def pauses(session: Session, *, org_id: int, as_of: date) -> list[Pause]:
    """Everything that takes invoices off the ladder on ``as_of``: open disputes
    (open-ended), pending promises (until the promised date + grace), active payment
    plans (open-ended) and agency placements (permanent while placed). One pause per
    invoice; each ends the day before the record was closed when it was closed later
    than ``as_of`` (so replays of past days see the pauses of that day)."""
    found: list[Pause] = []
    disputes = repository.disputes_pausing(session, org_id, as_of)
    disputed = repository.dispute_invoice_ids(session, org_id, [d.id for d in disputes])
    for dispute in disputes:
        for invoice_id in disputed[dispute.id]:
            found.append(
                Pause(
                    scope=PauseScope.INVOICE,
                    customer_id=dispute.customer_id,
                    starts_on=dispute.opened_on,
                    ends_on=core.pause_end(None, dispute.resolved_on),
                    reason=f"dispute #{dispute.id} ({dispute.reason})",
                    invoice_id=invoice_id,
                    kind="dispute",
                )
            )
    promises = repository.promises_pausing(session, org_id, as_of)
    items = repository.promise_items(session, org_id, [p.id for p in promises])
    for promise in promises:
        deadline = core.promise_deadline(promise.promised_on, promise.grace_days)
        for item in items[promise.id]:
            found.append(
                Pause(
                    scope=PauseScope.INVOICE,
                    customer_id=promise.customer_id,
                    starts_on=promise.made_on,
                    ends_on=core.pause_end(deadline, promise.closed_on),
                    reason=f"promise to pay by {promise.promised_on.isoformat()}",
                    invoice_id=item.invoice_id,
                    kind="promise",
                )
            )
    plans = repository.plans_pausing(session, org_id, as_of)
    covered = repository.plan_invoices(session, org_id, [p.id for p in plans])
    for plan in plans:
        for row in covered[plan.id]:
            found.append(
                Pause(
                    scope=PauseScope.INVOICE,
                    customer_id=plan.customer_id,
                    starts_on=plan.created_on,
                    ends_on=core.pause_end(None, plan.closed_on),
                    reason=f"payment plan #{plan.id}",
                    invoice_id=row.invoice_id,
                    kind="plan",
                )
            )
    handoffs = repository.handoffs_pausing(session, org_id, as_of)
    placed = repository.handoff_invoices(session, org_id, [h.id for h in handoffs])
    for handoff in handoffs:
        assert handoff.decided_on is not None
        for placement in placed[handoff.id]:
            found.append(
                Pause(
                    scope=PauseScope.INVOICE,
                    customer_id=handoff.customer_id,
                    starts_on=handoff.decided_on,
                    ends_on=core.pause_end(None, handoff.ended_on),
                    reason=f"placed with agency {handoff.agency} (hand-off #{handoff.id})",
                    invoice_id=placement.invoice_id,
                    kind="placement",
                )
            )
    return [p for p in found if p.active_on(as_of)]
