"""The daily run: judge yesterday's commitments, plan the day, store it, dispatch.

In order, in one transaction: cases are evaluated (promises kept or broken, plans
defaulted, disputes past their SLA; their messages timed like every message, by
``comms.scheduling``), rule-based credit holds placed or released (one hold per
customer, shared with the policy's), statutory charges follow the debt (claims started
on invoices as late as their policy claims from, compensation recorded once, interest
crystallised on the invoices paid or handed off; with a gentle start nothing
back-dated), then the escalation engine plans the day with every pause in force, and the
plan, its outbox rows and the record of steps done are stored together; last, the policy
holds of accounts that are now cleared are released, yesterday's closing KPI snapshot is
stored (``recoup.analytics``), and the late-payment model is retrained when stale and
the risk bands re-scored (``prediction.service.daily_upkeep``; a failure there is a
note).
A dry run does all of it and rolls back.
Dispatching (``recoup.comms.dispatcher``) then delivers the outbox row by
row. Running the same day twice plans nothing new.

One run per organisation at a time: a run holds its organisation's run lock until its
transaction ends (``lock_run``), and a second run started meanwhile waits for it, then
finds the day already planned and plans nothing new. On PostgreSQL the lock is an
advisory lock keyed by the organisation; on SQLite the run's write transaction already
holds the database's one write lock, which no other writer can take until it ends. A
run that waits longer than ``RUN_LOCK_WAIT`` (SQLite: the engine's busy timeout) fails
as an overload — "another run is in progress" — never with a traceback.
"""

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from recoup.analytics import delivery
from recoup.analytics import service as analytics
from recoup.analytics.prediction import service as prediction
from recoup.cases import daily as case_daily
from recoup.cases import pauses as case_pauses
from recoup.charges import service as charges
from recoup.charges.core import ClaimRule
from recoup.comms import scheduling
from recoup.comms.outbox import Effect, enqueue
from recoup.credit import service as credit
from recoup.db import bulk
from recoup.inbound import service as inbound
from recoup.ledger import queries as ledger_queries
from recoup.ledger import service as ledger
from recoup.policy import service as policy_service
from recoup.policy import versions as policy_versions
from recoup.policy.core import PlannedAction, earliest_level, gentle_start_step
from recoup.policy.definition import ActionKind, Policy
from recoup.policy.pauses import Pause
from recoup.webhooks.overdue import emit_overdue


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
    charges_queued: int = 0  # statutory charge rows put in the outbox


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
    # The organisation's approved versions of its policies replace the files' inside
    # each step (``evaluate_cases``, ``plan_range``): one place for every caller, the
    # partitions of ``recoup run`` and ``recoup worker`` included.
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
    case_effects = evaluate_cases(session, org_id=org_id, as_of=as_of, now=now, policies=policies)
    result = plan_range(
        session,
        org_id=org_id,
        as_of=as_of,
        now=now,
        policies=policies,
        customer_range=customer_range,
        case_effects=case_effects,
    )
    result.other_effects = case_effects
    if customer_range is None:
        notes = close_day(session, org_id=org_id, as_of=as_of, now=now)
        result.notes += [(0, note) for note in notes]
    return result


def evaluate_cases(
    session: Session, *, org_id: int, as_of: date, now: datetime, policies: dict[str, Policy]
) -> list[Effect]:
    """The run's organisation-wide step: cases evaluated (promises kept or broken, plans
    defaulted, disputes past their SLA) and their messages timed. The messages are
    returned, not enqueued: they go in with their customer's plan (``plan_range``),
    after it, as in a single run."""
    policies = policy_versions.org_policies(session, org_id=org_id, base=policies)
    return scheduling.schedule_messages(
        session,
        org_id=org_id,
        effects=case_daily.run_day(session, org_id=org_id, as_of=as_of, now=now),
        as_of=as_of,
        now=now,
        hours=policy_service.sending_hours(session, org_id=org_id, policies=policies),
    )


def plan_range(
    session: Session,
    *,
    org_id: int,
    as_of: date,
    now: datetime,
    policies: dict[str, Policy],
    customer_range: tuple[int, int] | None,
    case_effects: Sequence[Effect] = (),
) -> RunResult:
    """The run's step for the customers of ``customer_range`` (None: every customer):
    the credit rule's holds placed or released, statutory charges claimed, the
    escalation plan made and stored with its outbox rows, ``case_effects`` enqueued, and
    the policy holds of cleared accounts released."""
    # The organisation's approved versions of its policies (every partition reads them).
    policies = policy_versions.org_policies(session, org_id=org_id, base=policies)
    # The range's open invoices, read once: the credit rule sums them, the engine plans
    # from them (nothing this step does changes an invoice).
    open_invoices = ledger_queries.dunning_open_invoices(
        session, org_id=org_id, id_range=customer_range
    )
    # The credit rule judges each customer on its own account: in its partition, before
    # its plan (which sees the holds in force), after the organisation's cases.
    holds = credit.evaluate_holds(
        session,
        org_id=org_id,
        as_of=as_of,
        now=now,
        customer_range=customer_range,
        open_invoices=open_invoices,
    )
    pauses = case_pauses.pauses(session, org_id=org_id, as_of=as_of)
    pauses += inbound.pauses(session, org_id=org_id, as_of=as_of)  # replies to handle
    # A gentle start (the organisation's onboarding choice): customers never chased start
    # at their ladder's first notice of overdue money, and what was already as late as
    # the policy claims from on their first run is not claimed (nothing back-dated).
    gentle = ledger.get_organisation(session, org_id=org_id).first_run == "gentle"
    chased = (
        policy_service.first_runs(session, org_id=org_id, customer_range=customer_range)
        if gentle
        else None
    )
    statutory = charges.claim_statutory_charges(
        session,
        org_id=org_id,
        as_of=as_of,
        rules=charges.ClaimRules(
            {name: statutory_claim_rule(p) for name, p in policies.items()},
            policy_service.policy_of_invoices(session, org_id=org_id),
        ),
        # No new claim on an invoice in dispute or in a payment plan (its own terms).
        paused={
            p.invoice_id: p.reason
            for p in pauses
            if p.invoice_id is not None and p.kind in ("dispute", "plan")
        },
        handed_off=[p.invoice_id for p in pauses if p.invoice_id and p.kind == "placement"],
        customer_range=customer_range,
        now=now,
        first_runs=chased,
        open_invoices=open_invoices,
    )
    emit_overdue(session, org_id=org_id, as_of=as_of, customer_range=customer_range)
    owing = still_owing(
        charges.customers_with_open_charges(session, org_id=org_id, customer_range=customer_range),
        pauses,
        statutory.recording,
    )
    day = policy_service.plan_day(
        session,
        org_id=org_id,
        as_of=as_of,
        now=now,
        policies=policies,
        pauses=pauses,
        customer_range=customer_range,
        owing=owing,
        gentle_start=chased,
        open_invoices=open_invoices,
    )
    result = RunResult(
        as_of=as_of,
        dry_run=False,
        actions=day.plan.actions,
        notes=day.plan.notes,
        customers=day.customers,
        charges_queued=len(statutory.effects),
        holds_placed=len(holds.placed),
        holds_released=len(holds.released),
    )
    result.planned = len(policy_service.record_plan(session, org_id=org_id, day=day))
    result.planned += len(statutory.effects)
    result.planned += len(enqueue(session, org_id=org_id, effects=case_effects))
    cleared = credit.release_holds_of_cleared_accounts(
        session,
        org_id=org_id,
        as_of=as_of,
        still_owing=owing,
        customer_range=customer_range,
        now=now,
        owing_invoices=holds.owing,  # the open invoices are as the credit rule read them
    )
    result.holds_released += len(cleared)
    return result


def close_day(
    session: Session, *, org_id: int, as_of: date, now: datetime, snapshot: bool = True
) -> list[str]:
    """The run's last step, once the plan is stored: yesterday's closing KPI snapshot
    (``take_snapshot``; ``snapshot=False`` when a worker took it already), and the
    late-payment model retrained when stale and the risk bands re-scored (never fails:
    a failure is a note, returned)."""
    if snapshot:
        take_snapshot(session, org_id=org_id, as_of=as_of)
    # The month's management report to the managers, planned once per month.
    delivery.plan_monthly_report(session, org_id=org_id, as_of=as_of, now=now)
    return prediction.daily_upkeep(session, org_id=org_id, as_of=as_of, now=now)


def take_snapshot(session: Session, *, org_id: int, as_of: date) -> None:
    """Yesterday's closing KPI snapshot (yesterday is complete by now). It reads the
    ledger as it was at the end of yesterday, which the day's plan does not change, so
    it may be taken before, during or after the partitions."""
    analytics.take_snapshot(session, org_id=org_id, as_of=as_of - timedelta(days=1))


def statutory_claim_rule(policy: Policy) -> ClaimRule:
    """Whether ``policy`` claims statutory interest and compensation, and from how many
    days past due: the earliest day the first step carrying an ``interest`` or
    ``compensation`` action can fire (a step triggered after another counts that one's
    days plus its own)."""
    claiming = [
        index
        for index, step in enumerate(policy.steps)
        if any(a.kind in (ActionKind.INTEREST, ActionKind.COMPENSATION) for a in step.actions)
    ]
    if not claiming:
        return ClaimRule()
    kinds = {a.kind for index in claiming for a in policy.steps[index].actions}
    start = gentle_start_step(policy)
    return ClaimRule(
        interest=ActionKind.INTEREST in kinds,
        compensation=ActionKind.COMPENSATION in kinds,
        from_days=max(earliest_level(policy, claiming[0]), 1),
        gentle_level=None if start is None else earliest_level(policy, start),
    )


def still_owing(
    open_charges: Mapping[int, int], pauses: Sequence[Pause], recording: Collection[int] = ()
) -> dict[int, str]:
    """Per customer, what it owes besides invoices, in words: open charges, interest
    being recorded today (``recording``), an active payment plan. A customer absent from
    the result owes nothing besides invoices."""
    owing: dict[int, list[str]] = {}
    for customer_id in recording:
        owing[customer_id] = ["interest on paid invoices is being recorded"]
    for customer_id, count in open_charges.items():
        owing.setdefault(customer_id, []).append(f"{count} open charge{'s' if count != 1 else ''}")
    for customer_id in sorted({p.customer_id for p in pauses if p.kind == "plan"}):
        owing.setdefault(customer_id, []).append("a payment plan is active")
    return {customer_id: ", ".join(parts) for customer_id, parts in owing.items()}
