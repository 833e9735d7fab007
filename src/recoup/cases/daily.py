"""What cases do in the daily run, in order: ``promises.evaluate_promises``,
``plans.evaluate_plans``, ``disputes.evaluate_disputes`` (``run_day`` calls all three and
returns ``plans.plan_effects`` for the outbox); then the engine reads ``pauses.pauses``."""

from datetime import date, datetime

from sqlalchemy.orm import Session

from recoup.cases import core
from recoup.cases.disputes import evaluate_disputes
from recoup.cases.plans import evaluate_plans, plan_effects
from recoup.cases.promises import evaluate_promises
from recoup.comms.outbox import Effect


def run_day(
    session: Session,
    *,
    org_id: int,
    as_of: date,
    now: datetime,
    sla_days: int = core.DISPUTE_SLA_DAYS,
) -> list[Effect]:
    """What cases do in the daily run: judge promises, apply payments to plans (default or
    complete them), raise dispute SLA tasks; returns the plans' effects for the outbox.
    Call it before ``pauses`` so that the engine sees today's pauses."""
    evaluate_promises(session, org_id=org_id, as_of=as_of)
    evaluate_plans(session, org_id=org_id, as_of=as_of)
    evaluate_disputes(session, org_id=org_id, as_of=as_of, sla_days=sla_days)
    return plan_effects(session, org_id=org_id, as_of=as_of, now=now)
