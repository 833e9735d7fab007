"""Planning a day: load the state, ask the engine, store what it decided.

The plan, its outbox rows and the record of steps done are written in the caller's one
transaction, so a crash leaves either all of a day's decisions or none.
"""

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any

import orjson
from sqlalchemy.orm import Session

from recoup.cases.payloads import HandoffOrder, TaskOrder
from recoup.charges.payloads import ChargeOrder
from recoup.comms import scheduling
from recoup.comms.models import OutboxKind
from recoup.comms.outbox import Effect, enqueue
from recoup.comms.payloads import Message, Planned
from recoup.credit.payloads import HoldOrder
from recoup.errors import InvalidInput
from recoup.ledger import queries as ledger_queries
from recoup.policy import core, repository
from recoup.policy.core import ContactView, CustomerView, Cycle, EnginePlan, InvoiceView, StepDone
from recoup.policy.definition import Policy, load_policy, shipped_policies
from recoup.policy.models import PolicyAssignment
from recoup.policy.pauses import Pause

DEFAULT_POLICY = "default"
CustomerRange = repository.CustomerRange


def available_policies(policy_dir: Path | None = None) -> dict[str, Policy]:
    """The shipped policies, plus (overriding by name) those in ``policy_dir``."""
    policies = shipped_policies()
    if policy_dir is not None and policy_dir.is_dir():
        for path in sorted(policy_dir.glob("*.yaml")):
            policy = load_policy(path)
            policies[policy.name] = policy
    return policies


def assign_policy(
    session: Session,
    *,
    org_id: int,
    policy: str,
    policies: dict[str, Policy],
    customer_id: int | None = None,
    invoice_id: int | None = None,
) -> PolicyAssignment:
    """Make ``policy`` apply to the organisation, a customer or an invoice.

    The narrowest assignment wins (invoice, then customer, then organisation); assigning
    a scope again replaces its policy.
    """
    if policy not in policies:
        raise InvalidInput(
            f"unknown policy {policy!r} ({', '.join(sorted(policies))})", field="policy"
        )
    if customer_id is not None and invoice_id is not None:
        raise InvalidInput("assign to a customer or to an invoice, not both", field="invoice")
    assignment = repository.assignment_for(session, org_id, customer_id, invoice_id)
    if assignment is None:
        assignment = PolicyAssignment(org_id=org_id, customer_id=customer_id, invoice_id=invoice_id)
        session.add(assignment)
    assignment.policy = policy
    session.flush()
    return assignment


@dataclass(frozen=True, slots=True)
class _Assigned:
    """The organisation's policy assignments: its default, per customer, per invoice."""

    default: str
    by_customer: dict[int, str]
    by_invoice: dict[int, str]


def _assigned(session: Session, org_id: int) -> _Assigned:
    default = DEFAULT_POLICY
    by_customer: dict[int, str] = {}
    by_invoice: dict[int, str] = {}
    for customer_id, invoice_id, policy in repository.assignments(session, org_id):
        if invoice_id is not None:
            by_invoice[invoice_id] = policy
        elif customer_id is not None:
            by_customer[customer_id] = policy
        else:
            default = policy
    return _Assigned(default, by_customer, by_invoice)


def policy_of_invoices(session: Session, *, org_id: int) -> Callable[[int, int], str]:
    """``policy_of(customer_id, invoice_id)``: the name of the policy that governs an
    invoice — its own, else its customer's, else the organisation's default."""
    assigned = _assigned(session, org_id)

    def policy_of(customer_id: int, invoice_id: int) -> str:
        return (
            assigned.by_invoice.get(invoice_id)
            or assigned.by_customer.get(customer_id)
            or assigned.default
        )

    return policy_of


def sending_hours(
    session: Session, *, org_id: int, policies: dict[str, Policy]
) -> Callable[[int], tuple[time, time]]:
    """The sending hours that apply to each customer: those of the customer's policy,
    else the organisation's (for messages outside the ladder: plans, promises)."""
    assigned = _assigned(session, org_id)
    default = policies.get(assigned.default) or policies.get(DEFAULT_POLICY)

    def hours(customer_id: int) -> tuple[time, time]:
        chosen = policies.get(assigned.by_customer.get(customer_id, ""), default)
        if chosen is None:
            return scheduling.DEFAULT_START, scheduling.DEFAULT_END
        return chosen.sending_hours.start, chosen.sending_hours.end

    return hours


@dataclass(frozen=True, slots=True)
class DayPlan:
    """The engine's plan and the customers it concerns (for display)."""

    as_of: date
    plan: EnginePlan
    customers: dict[int, tuple[str, str]]


def first_runs(
    session: Session, *, org_id: int, customer_range: CustomerRange = None
) -> dict[int, date]:
    """Customer id → the day Recoup first chased it (its first dunning cycle opened);
    customers never chased are absent: their first run is still to come."""
    return repository.first_cycle_days(session, org_id, customer_range)


def _views(
    session: Session,
    org_id: int,
    id_range: CustomerRange,
    owing: Mapping[int, str],
    chased: Mapping[int, date] | None = None,
    open_invoices: Sequence[Any] | None = None,
) -> tuple[list[CustomerView], str]:
    assigned = _assigned(session, org_id)
    default, by_customer, by_invoice = (
        assigned.default,
        assigned.by_customer,
        assigned.by_invoice,
    )
    invoices: dict[int, list[InvoiceView]] = defaultdict(list)
    # The rows' first fields are InvoiceView's, by position. Each becomes a view of its
    # own: the engine reads an invoice's fields a dozen times, and a database row's
    # attributes cost several times a named tuple's.
    rows: Sequence[Any] = (
        ledger_queries.dunning_open_invoices(session, org_id=org_id, id_range=id_range)
        if open_invoices is None
        else open_invoices
    )
    view = InvoiceView._make
    customer_of = ledger_queries.DUNNING_INVOICE_CUSTOMER
    if by_invoice:
        for row in rows:
            policy = by_invoice.get(row[0])
            invoices[row[customer_of]].append(
                view(row[:6]) if policy is None else view((*row[:5], policy))
            )
    else:  # the usual case, a million times: no invoice has a policy of its own
        for row in rows:
            invoices[row[customer_of]].append(view(row[:6]))
    contacts: dict[int, list[ContactView]] = defaultdict(list)
    contact_rows: Sequence[Any] = ledger_queries.dunning_contacts(
        session, org_id=org_id, id_range=id_range
    )
    for contact_id, customer_id, name, email, phone, role, opted_out in contact_rows:
        contacts[customer_id].append(
            ContactView(contact_id, name, email, phone, role, frozenset(opted_out or ()))
        )
    # Unpacked by position, as the ledger's query lists them (``dunning_customers``).
    customer_rows: Sequence[Any] = ledger_queries.dunning_customers(
        session, org_id=org_id, id_range=id_range
    )
    views = [
        CustomerView(
            id=customer_id,
            external_id=external_id,
            name=name,
            invoices=tuple(invoices.get(customer_id, ())),
            contacts=tuple(contacts.get(customer_id, ())),
            country=country,
            timezone=timezone,
            tags=frozenset(tags or ()),
            risk_band=risk_band,
            address=address,
            collector=collector,
            sales_owner=sales_owner,
            do_not_contact=do_not_contact,
            legal_hold=legal_hold,
            is_consumer=is_consumer,
            policy=by_customer.get(customer_id),
            still_owes=owing.get(customer_id, ""),
            first_chased=chased.get(customer_id) if chased is not None else None,
        )
        for (
            customer_id,
            external_id,
            name,
            country,
            timezone,
            tags,
            risk_band,
            address,
            collector,
            sales_owner,
            do_not_contact,
            legal_hold,
            is_consumer,
        ) in customer_rows
    ]
    return views, default


def _cycles(session: Session, org_id: int, id_range: CustomerRange) -> dict[str, Cycle]:
    steps: dict[str, list[StepDone]] = defaultdict(list)
    rows = repository.cycle_steps(session, org_id, id_range)
    # The steps' invoice ids decoded in one call (one JSON array), not one call per step:
    # tens of thousands of steps per partition. Each distinct list once: a cycle's steps
    # mostly name the same invoices, and then share one tuple.
    texts = list(dict.fromkeys(row[3] for row in rows if row[3]))
    decoded = orjson.loads(f"[{','.join(texts)}]") if texts else ()
    ids_of = {text: tuple(ids) for text, ids in zip(texts, decoded, strict=True)}
    for step, on, fired, invoice_ids, cycle_key in rows:
        steps[cycle_key].append(
            StepDone(step, on, fired, ids_of[invoice_ids] if invoice_ids else ())
        )
    return {
        key: Cycle(key, customer_id, policy, opened_on, invoice_id, tuple(steps[key]))
        for key, customer_id, policy, opened_on, invoice_id in repository.open_cycles(
            session, org_id, id_range
        )
    }


def _recent(
    session: Session, org_id: int, as_of: date, policies: dict[str, Policy], id_range: CustomerRange
) -> dict[int, list[date]]:
    window = max(p.frequency_cap.days for p in policies.values())
    since = datetime.combine(as_of - timedelta(days=window), time(0), UTC)
    recent: dict[int, list[date]] = defaultdict(list)
    for customer_id, at, count in repository.recent_messages(session, org_id, since, id_range):
        recent[customer_id] += [at.date()] * count
    return recent


def plan_day(
    session: Session,
    *,
    org_id: int,
    as_of: date,
    now: datetime,
    policies: dict[str, Policy],
    pauses: Sequence[Pause] = (),
    customer_range: CustomerRange = None,
    owing: Mapping[int, str] = MappingProxyType({}),
    gentle_start: Mapping[int, date] | None = None,
    open_invoices: Sequence[Any] | None = None,
) -> DayPlan:
    """What the engine would do on ``as_of`` (nothing is written). ``owing`` says, per
    customer, what it still owes besides invoices (charges, plan instalments).
    ``gentle_start`` (the organisation starts gently): ``first_runs``, the day each
    customer was first chased; those absent start gently (``core``). ``open_invoices``:
    the range's ``dunning_open_invoices`` rows when the caller has read them already."""
    views, default = _views(session, org_id, customer_range, owing, gentle_start, open_invoices)
    if default not in policies:
        raise InvalidInput(
            f"the organisation's policy {default!r} is not available", field="policy"
        )
    context = core.RunContext(
        as_of=as_of,
        now=now,
        policies=policies,
        default_policy=default,
        cycles=_cycles(session, org_id, customer_range),
        closed_today=repository.cycles_closed_on_their_first_day(
            session, org_id, as_of, customer_range
        ),
        pauses=pauses,
        recent_messages=_recent(session, org_id, as_of, policies, customer_range),
        gentle_start=gentle_start is not None,
    )
    result = core.plan(views, context)
    names = {v.id: (v.external_id, v.name) for v in views}
    return DayPlan(as_of, result, names)


_KINDS = {
    "email": OutboxKind.EMAIL,
    "letter": OutboxKind.LETTER,
    "sms": OutboxKind.SMS,
    "task": OutboxKind.TASK,
    "charge": OutboxKind.CHARGE,
    "credit_hold": OutboxKind.CREDIT_HOLD,
    "handoff": OutboxKind.HANDOFF,
}


# Each action kind's payload: the model of the domain that carries it out.
_PAYLOADS: dict[str, type[Planned]] = {
    "email": Message,
    "letter": Message,
    "sms": Message,
    "task": TaskOrder,
    "charge": ChargeOrder,
    "credit_hold": HoldOrder,
    "handoff": HandoffOrder,
}


def effects(day: DayPlan) -> list[Effect]:
    """The outbox rows for a plan's actions."""
    return [
        Effect(
            key=action.key,
            kind=_KINDS[action.kind],
            customer_id=action.customer_id,
            scheduled_at=action.scheduled_at,
            template=action.template,
            recipient=action.recipient,
            source="policy",
            to_customer=not action.params.get("to_owner"),
            payload=_PAYLOADS[action.kind](
                step=action.step,
                reason=action.reason,
                cycle=action.cycle_key,
                invoice_ids=list(action.invoice_ids),
                contact_id=action.contact_id,
                as_of=day.as_of,
                params=dict(action.params),
            ).dump(),
        )
        for action in day.plan.actions
    ]


def record_plan(session: Session, *, org_id: int, day: DayPlan) -> list[Effect]:
    """Store the plan: cycles opened and closed, steps done, outbox rows (new ones)."""
    plan = day.plan
    repository.insert_cycles(
        session,
        [
            {
                "org_id": org_id,
                "key": c.key,
                "customer_id": c.customer_id,
                "invoice_id": c.invoice_id,
                "policy": c.policy,
                "opened_on": c.opened_on,
            }
            for c in plan.opened
        ],
    )
    repository.close_cycles(session, org_id, plan.closed, day.as_of)
    repository.insert_steps(
        session,
        [
            {
                "org_id": org_id,
                "cycle_key": s.cycle_key,
                "customer_id": s.customer_id,
                "step": s.step,
                "done_on": day.as_of,
                "fired": s.fired,
                "reason": s.reason,
                "invoice_ids": list(s.invoice_ids) or None,
            }
            for s in plan.steps
        ],
    )
    return enqueue(session, org_id=org_id, effects=effects(day))
