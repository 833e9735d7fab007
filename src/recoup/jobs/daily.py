"""The daily run: judge yesterday's commitments, plan the day, store it, dispatch.

In order, in one transaction: cases are evaluated (promises kept or broken, plans
defaulted, disputes past their SLA), rule-based credit holds placed or released, then
the escalation engine plans the day with every pause in force, and the plan, its outbox
rows and the record of steps done are stored together. A dry run does all of it and
rolls back. Dispatching (``recoup.comms.dispatcher``) then delivers the outbox row by
row. Running the same day twice plans nothing new.

One run per organisation at a time: a run holds its organisation's run lock until its
transaction ends (``lock_run``), and a second run started meanwhile waits for it, then
finds the day already planned and plans nothing new. On PostgreSQL the lock is an
advisory lock keyed by the organisation; on SQLite the run's write transaction already
holds the database's one write lock, which no other writer can take until it ends. A
run that waits longer than ``RUN_LOCK_WAIT`` (SQLite: the engine's busy timeout) fails
as an overload — "another run is in progress" — never with a traceback.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from recoup.cases import service as cases
from recoup.comms.outbox import Effect, enqueue
from recoup.credit import service as credit
from recoup.db import bulk
from recoup.policy import service as policy_service
from recoup.policy.core import PlannedAction
from recoup.policy.definition import Policy


@dataclass
class RunResult:
    """What a day's run decided (and, unless a dry run, stored)."""

    as_of: date
    dry_run: bool
    actions: list[PlannedAction]
    notes: list[tuple[int, str]]
    customers: dict[int, tuple[str, str]]
    other_effects: list[Effect] = field(default_factory=list)
    holds_placed: int = 0
    holds_released: int = 0
    planned: int = 0


RUN_LOCK = 0x52554E  # "RUN": the advisory-lock namespace of daily runs (PostgreSQL)
RUN_LOCK_WAIT = timedelta(minutes=10)


def lock_run(session: Session, *, org_id: int) -> None:
    """Hold ``org_id``'s run lock until the session's transaction ends, waiting up to
    ``RUN_LOCK_WAIT`` for a run that holds it (which then fails as a lock timeout)."""
    if session.get_bind().dialect.name != "postgresql":
        return  # SQLite: the run's write transaction holds the database's write lock
    wait = int(RUN_LOCK_WAIT.total_seconds() * 1000)
    session.execute(text(f"SET LOCAL lock_timeout = {wait}"))
    session.execute(select(func.pg_advisory_xact_lock(RUN_LOCK, org_id)))
    session.execute(text("SET LOCAL lock_timeout = DEFAULT"))


def run_day(
    session: Session,
    *,
    org_id: int,
    as_of: date,
    now: datetime,
    policies: dict[str, Policy],
    customer_range: tuple[int, int] | None = None,
) -> RunResult:
    """Evaluate cases and credit, plan ``as_of`` and store the plan (the caller commits,
    or rolls back for a dry run). Waits for a run of the same organisation that is under
    way (``lock_run``)."""
    lock_run(session, org_id=org_id)
    with bulk.gc_paused():  # millions of short-lived objects on a large ledger
        return _run_day(session, org_id, as_of, now, policies, customer_range)


def _run_day(
    session: Session,
    org_id: int,
    as_of: date,
    now: datetime,
    policies: dict[str, Policy],
    customer_range: tuple[int, int] | None,
) -> RunResult:
    case_effects = cases.run_day(session, org_id=org_id, as_of=as_of, now=now)
    holds = credit.evaluate_holds(session, org_id=org_id, as_of=as_of, now=now)
    pauses = cases.pauses(session, org_id=org_id, as_of=as_of)
    day = policy_service.plan_day(
        session,
        org_id=org_id,
        as_of=as_of,
        now=now,
        policies=policies,
        pauses=pauses,
        customer_range=customer_range,
    )
    result = RunResult(
        as_of=as_of,
        dry_run=False,
        actions=day.plan.actions,
        notes=day.plan.notes,
        customers=day.customers,
        other_effects=case_effects,
        holds_placed=len(holds.placed),
        holds_released=len(holds.released),
    )
    result.planned = len(policy_service.record_plan(session, org_id=org_id, day=day))
    result.planned += len(enqueue(session, org_id=org_id, effects=case_effects))
    return result
