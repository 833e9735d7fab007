"""The daily run: plan the day, store the plan, then dispatch the outbox.

Planning writes everything it decided (cycles, steps, outbox rows) in one transaction;
dispatching delivers rows one by one in transactions of their own (see
``recoup.comms.dispatcher``). Running the same day twice plans nothing new.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.orm import Session

from recoup.comms.outbox import Effect, enqueue
from recoup.policy import service as policy_service
from recoup.policy.core import PlannedAction
from recoup.policy.definition import Policy
from recoup.policy.pauses import Pause

PauseSource = Callable[[Session, int, date], Sequence[Pause]]
EffectSource = Callable[[Session, int, date, datetime], Sequence[Effect]]


@dataclass
class RunResult:
    """What a day's planning decided (and, unless a dry run, stored)."""

    as_of: date
    dry_run: bool
    actions: list[PlannedAction]
    notes: list[tuple[int, str]]
    customers: dict[int, tuple[str, str]]
    planned: int = 0
    extra: list[Effect] = field(default_factory=list)


def plan_day(
    session: Session,
    *,
    org_id: int,
    as_of: date,
    now: datetime,
    policies: dict[str, Policy],
    dry_run: bool = False,
    pause_sources: Sequence[PauseSource] = (),
    effect_sources: Sequence[EffectSource] = (),
    customer_range: tuple[int, int] | None = None,
) -> RunResult:
    """Plan ``as_of`` for the organisation (or a worker's customer range) and store it.

    ``pause_sources`` give the pauses (disputes, promises, plans, placements);
    ``effect_sources`` give effects planned outside the ladder (instalment reminders).
    """
    pauses = [p for source in pause_sources for p in source(session, org_id, as_of)]
    day = policy_service.plan_day(
        session,
        org_id=org_id,
        as_of=as_of,
        now=now,
        policies=policies,
        pauses=pauses,
        customer_range=customer_range,
    )
    extra = [e for source in effect_sources for e in source(session, org_id, as_of, now)]
    result = RunResult(as_of, dry_run, day.plan.actions, day.plan.notes, day.customers, extra=extra)
    if not dry_run:
        result.planned = len(policy_service.record_plan(session, org_id=org_id, day=day))
        result.planned += len(enqueue(session, org_id=org_id, effects=extra))
    return result
