"""Payment plans: created over some open invoices (closing the cases a plan supersedes,
``close_cases``), their instalments paid, completed or defaulted by the daily run
(``evaluate_plans``), cancelled; ``plan_effects`` returns the instalment reminders and
missed-instalment notices as outbox ``Effect``s for the daily run to enqueue.

Services never commit; the caller owns the transaction."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from recoup import clock, money
from recoup.cases import core, repository
from recoup.cases.coexistence import admit_case
from recoup.cases.core import ScheduledInstalment
from recoup.cases.fields import choice, positive_amount
from recoup.cases.ledger_views import (
    checked_invoices,
    contacts,
    customer,
    customers_by_id,
    email_contact,
)
from recoup.cases.models import (
    Dispute,
    DisputeInvoice,
    Instalment,
    InstalmentStatus,
    PaymentPlan,
    PlanFrequency,
    PlanInvoice,
    PlanStatus,
    TaskKind,
)
from recoup.cases.payloads import instalment_notice
from recoup.cases.promises import cancel_promise
from recoup.cases.tasks import create_task
from recoup.comms.models import OutboxKind
from recoup.comms.outbox import Effect
from recoup.errors import Conflict, InvalidInput
from recoup.ledger import service as ledger


def close_cases(
    session: Session,
    *,
    org_id: int,
    admission: core.Admission,
    new: core.Case,
    new_id: int,
    on: date,
    agency: str = "",
) -> None:
    """Cancel the open cases a new case closes (``core.admit`` says which: a plan closes
    the promises on its invoices, a placement (``agency``) promises and plans), recording
    why on each."""
    for case in admission.closes:
        reason = core.closing_reason(new, case.kind, new_id=new_id, agency=agency)
        if case.kind is core.Case.PROMISE:
            cancel_promise(session, org_id=org_id, promise_id=case.case_id, on=on, reason=reason)
        elif case.kind is core.Case.PLAN:
            cancel_plan(session, org_id=org_id, plan_id=case.case_id, on=on, reason=reason)


def _rate_bp(rate: Decimal) -> int:
    """An annual rate in percent ("8.5") as basis points (850)."""
    if rate < 0:
        raise InvalidInput("must not be negative", field="interest")
    bp = rate * 100
    if bp != bp.to_integral_value():
        raise InvalidInput("at most two decimals of a percent", field="interest")
    return int(bp)


def create_plan(
    session: Session,
    *,
    org_id: int,
    customer_id: int,
    invoice_ids: Sequence[int],
    start_on: date | None = None,
    first_due: date | None = None,
    instalments: int | None = None,
    frequency: str = "monthly",
    amounts: Sequence[Decimal] | None = None,
    dates: Sequence[date] | None = None,
    interest_rate: Decimal = Decimal(0),
    reminder_days: int = core.PLAN_REMINDER_DAYS,
    grace_days: int = core.PLAN_GRACE_DAYS,
    agreed_by: str = "",
    contact: str = "",
    note: str = "",
) -> PaymentPlan:
    """A payment plan over some of a customer's open invoices.

    The principal is their open amount today. Instalments are ``instalments`` equal parts
    (weekly, fortnightly or monthly from ``first_due``) or custom ``amounts`` and/or
    ``dates``; ``interest_rate`` is an annual percentage (simple, actual/365, on the
    declining principal; see ``core.build_schedule``). While active the plan pauses the
    ladder for those invoices and plans instalment reminders ``reminder_days`` before
    each due date; an instalment unpaid ``grace_days`` after its due date defaults it.
    """
    day = start_on or clock.today()
    checked_frequency = choice(PlanFrequency, frequency, "frequency")
    if reminder_days < 0 or grace_days < 0:
        raise InvalidInput("reminder and grace days must not be negative", field="days")
    invoices = checked_invoices(
        session, org_id=org_id, customer_id=customer_id, invoice_ids=invoice_ids, what="a plan"
    )
    currency = invoices[0].currency
    admission = admit_case(
        session, org_id=org_id, new=core.Case.PLAN, invoice_ids=[i.id for i in invoices]
    )
    principal = sum(i.open_amount for i in invoices)
    schedule = core.build_schedule(
        principal=principal,
        start_on=day,
        first_due=first_due,
        count=instalments,
        frequency=checked_frequency,
        interest_bp=_rate_bp(interest_rate),
        amounts=None
        if amounts is None
        else [positive_amount(a, currency, "amounts") for a in amounts],
        dates=dates,
    )
    plan = PaymentPlan(
        org_id=org_id,
        customer_id=customer_id,
        currency=currency,
        principal_amount=principal,
        interest_amount=sum(i.interest for i in schedule),
        interest_rate_bp=_rate_bp(interest_rate),
        frequency=checked_frequency,
        created_on=day,
        reminder_days=reminder_days,
        grace_days=grace_days,
        status=PlanStatus.ACTIVE,
        agreed_by=agreed_by,
        contact=contact,
        note=note,
    )
    repository.add(session, plan)
    repository.add(
        session,
        *(
            PlanInvoice(org_id=org_id, plan_id=plan.id, invoice_id=i.id, amount=i.open_amount)
            for i in invoices
        ),
        *(
            Instalment(
                org_id=org_id,
                plan_id=plan.id,
                seq=s.seq,
                due_on=s.due_on,
                principal_amount=s.principal,
                interest_amount=s.interest,
                paid_amount=0,
                status=InstalmentStatus.PENDING,
            )
            for s in schedule
        ),
    )
    close_cases(
        session, org_id=org_id, admission=admission, new=core.Case.PLAN, new_id=plan.id, on=day
    )
    return plan


@dataclass(frozen=True, slots=True)
class PlanState:
    """A plan, its invoices and instalments as of a day; ``held_by`` names the open
    disputes on its invoices that hold its messages and its default (``core.admit``)."""

    plan: PaymentPlan
    invoice_ids: list[int]
    states: list[core.InstalmentState]
    status: PlanStatus
    held_by: tuple[int, ...] = ()
    resumed_on: date | None = None  # the last day a dispute holding it was resolved

    @property
    def remaining(self) -> int:
        """Principal and interest still owed under the plan."""
        return sum(s.outstanding + (0 if s.settled else s.interest) for s in self.states)

    @property
    def received(self) -> int:
        """Money received towards the plan (payments, never credits)."""
        return sum(s.paid for s in self.states)

    @property
    def credited(self) -> int:
        """Principal taken off the plan by credit notes."""
        return sum(s.credited for s in self.states)


def plan_states(
    session: Session, org_id: int, plans: Sequence[PaymentPlan], as_of: date
) -> list[PlanState]:
    ids = [p.id for p in plans]
    invoices = repository.plan_invoices(session, org_id, ids)
    schedules = repository.instalments(session, org_id, ids)
    all_invoice_ids = [row.invoice_id for rows in invoices.values() for row in rows]
    lines: dict[int, list[ledger.AllocationLine]] = defaultdict(list)
    for line in ledger.allocation_lines(session, org_id=org_id, invoice_ids=all_invoice_ids):
        lines[line.invoice_id].append(line)
    disputed: dict[int, list[Dispute]] = defaultdict(list)
    links = repository.children(session, DisputeInvoice, org_id, "invoice_id", all_invoice_ids)
    found = repository.children(session, Dispute, org_id, "id", [r.dispute_id for r in links])
    disputes = {d.id: d for d in found if d.opened_on <= as_of}
    for row in links:
        if row.dispute_id in disputes:
            disputed[row.invoice_id].append(disputes[row.dispute_id])
    result = []
    for plan in plans:
        invoice_ids = [row.invoice_id for row in invoices[plan.id]]
        window = [
            line
            for invoice_id in invoice_ids
            for line in lines[invoice_id]
            if plan.created_on <= line.allocated_on <= as_of
        ]
        schedule = [
            ScheduledInstalment(i.seq, i.due_on, i.principal_amount, i.interest_amount)
            for i in schedules[plan.id]
        ]
        its = [d for i in invoice_ids for d in disputed.get(i, [])]
        held = tuple(sorted({d.id for d in its if d.resolved_on is None or d.resolved_on > as_of}))
        resumed = [
            d.resolved_on
            for d in its
            if d.resolved_on is not None and plan.created_on <= d.resolved_on <= as_of
        ]
        states, status = core.plan_progress(
            schedule,
            paid=sum(line.amount for line in window if line.payment_id is not None),
            credited=sum(line.amount for line in window if line.payment_id is None),
            as_of=as_of,
            grace_days=plan.grace_days,
            resumed_on=max(resumed, default=None),
        )
        result.append(
            PlanState(plan, invoice_ids, states, status, held, max(resumed, default=None))
        )
    return result


def plan_detail(session: Session, *, org_id: int, plan_id: int, as_of: date) -> PlanState:
    """A plan with its instalments, paid as of ``as_of``."""
    plan: PaymentPlan = repository.require(session, PaymentPlan, org_id, plan_id, "payment plan")
    return plan_states(session, org_id, [plan], as_of)[0]


def evaluate_plans(session: Session, *, org_id: int, as_of: date) -> list[PaymentPlan]:
    """Apply payments to the active plans' instalments; complete the fully paid plans and
    default those with an instalment unpaid beyond the grace period (which ends their
    pause and raises a task). The plans whose status changed."""
    active = [
        p
        for p in repository.plans(session, org_id, statuses=[PlanStatus.ACTIVE])
        if p.created_on <= as_of
    ]
    rows = repository.instalments(session, org_id, [p.id for p in active])
    changed = []
    for state in plan_states(session, org_id, active, as_of):
        for row, computed in zip(rows[state.plan.id], state.states, strict=True):
            if row.paid_amount != computed.paid or row.status != computed.status:
                row.paid_amount, row.status = computed.paid, computed.status
        if state.status is PlanStatus.ACTIVE:
            continue
        if state.status is PlanStatus.DEFAULTED and state.held_by:
            continue  # a dispute on its invoices holds the default until it is resolved
        state.plan.status = state.status
        state.plan.closed_on = as_of
        changed.append(state.plan)
        if state.status is PlanStatus.DEFAULTED:
            _raise_defaulted_task(session, org_id, state, as_of)
    session.flush()
    return changed


def _raise_defaulted_task(session: Session, org_id: int, state: PlanState, as_of: date) -> None:
    plan = state.plan
    missed = [s for s in state.states if s.status is InstalmentStatus.MISSED]
    who = customer(session, org_id=org_id, customer_id=plan.customer_id)
    create_task(
        session,
        org_id=org_id,
        customer_id=plan.customer_id,
        title=f"Payment plan #{plan.id} defaulted",
        body=(
            f"Instalment {missed[0].seq} due {missed[0].due_on.isoformat()} was not paid "
            f"within {plan.grace_days} days; escalation has resumed for the remaining "
            f"{money.format_minor(state.remaining, plan.currency)} {plan.currency}."
        ),
        kind=TaskKind.REVIEW,
        assignee=plan.agreed_by or who.collector,
        due_on=as_of,
        key=f"plan:{plan.id}:defaulted",
    )


def cancel_plan(
    session: Session, *, org_id: int, plan_id: int, on: date | None = None, reason: str = ""
) -> PaymentPlan:
    """End an active plan by agreement (no default); the ladder resumes for its invoices."""
    plan: PaymentPlan = repository.require(session, PaymentPlan, org_id, plan_id, "payment plan")
    if plan.status != PlanStatus.ACTIVE:
        raise Conflict(f"payment plan #{plan_id} is {plan.status}, not active")
    plan.status = PlanStatus.CANCELLED
    plan.closed_on = on or clock.today()
    if reason:
        plan.note = f"{plan.note}\ncancelled: {reason}".strip()
    session.flush()
    return plan


def list_plans(
    session: Session,
    *,
    org_id: int,
    statuses: Sequence[str] | None = None,
    customer_id: int | None = None,
) -> list[PaymentPlan]:
    """Payment plans, oldest first; filtered by status and customer when given."""
    if customer_id is not None:
        found = repository.for_customer(session, PaymentPlan, org_id, customer_id)
        return [p for p in found if statuses is None or p.status in statuses]
    return repository.plans(session, org_id, statuses=statuses)


def plan_effects(session: Session, *, org_id: int, as_of: date, now: datetime) -> list[Effect]:
    """The instalment reminders and missed-instalment notices active plans call for on
    ``as_of``, as outbox effects for the daily run to enqueue (nothing is written here).

    Keys are ``plan:<id>:instalment:<n>:reminder`` and ``...:missed``, so planning the
    same day twice (or the next day) adds nothing. The recipient is the customer's
    billing contact; a customer without a usable email address, or one marked do not
    contact or on legal hold, gets a ``task`` effect for its collector instead.
    """
    active = [
        p
        for p in repository.plans(session, org_id, statuses=[PlanStatus.ACTIVE])
        if p.created_on <= as_of
    ]
    states = plan_states(session, org_id, active, as_of)
    customer_ids = sorted({p.customer_id for p in active})
    who = customers_by_id(session, org_id=org_id, ids=customer_ids)
    people = contacts(session, org_id=org_id, customer_ids=customer_ids)
    effects = []
    for state in states:
        if state.status is not PlanStatus.ACTIVE or state.held_by:
            # Closed by evaluate_plans (no more instalment messages), or held by a
            # dispute on its invoices: no reminder chases money in question.
            continue
        plan = state.plan
        account = who[plan.customer_id]
        recipient = email_contact(people.get(plan.customer_id, []))
        restricted = account.do_not_contact or account.legal_hold or recipient is None
        for notice in core.instalment_notices(
            state.states, as_of=as_of, reminder_days=plan.reminder_days
        ):
            template = "instalment_reminder" if notice.kind == "reminder" else "missed_instalment"
            payload = instalment_notice(
                notice,
                plan_id=plan.id,
                invoice_ids=state.invoice_ids,
                contact_id=recipient.id if recipient else None,
                as_of=as_of,
                count=len(state.states),
                currency=plan.currency,
                remaining=state.remaining,
                agreed_on=plan.created_on,
                pay_by=core.pay_by(notice.due_on, plan.grace_days, state.resumed_on),
                why_not_emailed=(
                    ""
                    if not restricted
                    else "no billing contact with an email address"
                    if recipient is None
                    else "the customer is marked do not contact or on legal hold"
                ),
            )
            effects.append(
                Effect(
                    key=f"plan:{plan.id}:instalment:{notice.seq}:{notice.kind}",
                    kind=OutboxKind.TASK if restricted else OutboxKind.EMAIL,
                    customer_id=plan.customer_id,
                    scheduled_at=now,
                    template=template,
                    recipient=account.collector if restricted else recipient.email,  # type: ignore[union-attr]
                    source="plan",
                    payload=payload.dump(),
                )
            )
    return effects


def active_plan_states(
    session: Session, *, org_id: int, as_of: date, customer_ids: Sequence[int] | None = None
) -> list[PlanState]:
    """The active plans (of ``customer_ids`` when given) with their instalments as paid
    on ``as_of``: what another domain needs to know which instalment is due next."""
    active = [
        p
        for p in repository.plans(session, org_id, statuses=[PlanStatus.ACTIVE])
        if p.created_on <= as_of and (customer_ids is None or p.customer_id in set(customer_ids))
    ]
    return plan_states(session, org_id, active, as_of)
