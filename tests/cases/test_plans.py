"""Payment plans: schedule, reminders and missed-instalment notices as outbox effects,
payments applied in order, default."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from recoup.cases import pauses, plans, promises, tasks
from recoup.cases.models import InstalmentStatus, PlanStatus, TaskKind
from recoup.comms.models import OutboxKind
from recoup.comms.outbox import enqueue
from recoup.errors import Conflict, InvalidInput
from tests.cases.helpers import add_billing_contact, pay
from tests.factories import make_customer, make_invoice, make_org

NOW = datetime(2026, 1, 29, 6, 0, tzinfo=UTC)


def _plan(session: Session, *, contact: bool = True):  # type: ignore[no-untyped-def]
    """300.00 over INV-1 (200.00) and INV-2 (100.00) in 3 monthly instalments from
    1 February 2026: 100.00 due 1 Feb, 1 Mar and 1 Apr."""
    org = make_org(session)
    alpha = make_customer(session, org=org, external_id="C1")
    alpha.collector = "kim@acme.example"
    if contact:
        add_billing_contact(session, customer=alpha)
    inv1 = make_invoice(
        session,
        customer=alpha,
        number="INV-1",
        total="200.00",
        issue_date=date(2025, 11, 1),
        due_date=date(2025, 12, 1),
    )
    inv2 = make_invoice(
        session,
        customer=alpha,
        number="INV-2",
        total="100.00",
        issue_date=date(2025, 11, 15),
        due_date=date(2025, 12, 15),
    )
    plan = plans.create_plan(
        session,
        org_id=org.id,
        customer_id=alpha.id,
        invoice_ids=[inv1.id, inv2.id],
        start_on=date(2026, 1, 10),
        first_due=date(2026, 2, 1),
        instalments=3,
        frequency="monthly",
    )
    return org, alpha, inv1, inv2, plan


def test_schedule_and_pauses(session: Session) -> None:
    org, _alpha, inv1, inv2, plan = _plan(session)
    detail = plans.plan_detail(session, org_id=org.id, plan_id=plan.id, as_of=date(2026, 1, 10))
    assert [(s.seq, s.due_on, s.principal, s.interest) for s in detail.states] == [
        (1, date(2026, 2, 1), 10000, 0),
        (2, date(2026, 3, 1), 10000, 0),
        (3, date(2026, 4, 1), 10000, 0),
    ]
    assert plan.principal_amount == 30000
    paused = pauses.pauses(session, org_id=org.id, as_of=date(2026, 1, 10))
    assert [(p.invoice_id, p.reason, p.ends_on) for p in paused] == [
        (inv1.id, f"payment plan #{plan.id}", None),
        (inv2.id, f"payment plan #{plan.id}", None),
    ]


def test_reminder_before_each_instalment(session: Session) -> None:
    org, alpha, inv1, inv2, plan = _plan(session)
    # Reminders go 3 days before: from 29 January for the 1 February instalment.
    assert plans.plan_effects(session, org_id=org.id, as_of=date(2026, 1, 28), now=NOW) == []
    (effect,) = plans.plan_effects(session, org_id=org.id, as_of=date(2026, 1, 29), now=NOW)
    assert effect.key == f"plan:{plan.id}:instalment:1:reminder"
    assert effect.kind is OutboxKind.EMAIL
    assert effect.template == "instalment_reminder"
    assert effect.recipient == "ap@alpha.example"
    assert effect.customer_id == alpha.id
    assert effect.scheduled_at == NOW
    assert effect.payload["invoice_ids"] == [inv1.id, inv2.id]
    assert effect.payload["instalment"] == {
        "sequence": 1,
        "count": 3,
        "due_date": "2026-02-01",
        "currency": "EUR",
        "amount": 10000,
        "paid_amount": 0,
        "plan_remaining_amount": 30000,
        "plan_agreed_on": "2026-01-10",
    }
    # Planning it again (re-run, next day) is recognised by its key.
    assert len(enqueue(session, org_id=org.id, effects=[effect])) == 1
    again = plans.plan_effects(session, org_id=org.id, as_of=date(2026, 1, 30), now=NOW)
    assert [e.key for e in again] == [effect.key]
    assert enqueue(session, org_id=org.id, effects=again) == []


def test_missed_instalment_then_default(session: Session) -> None:
    org, _alpha, inv1, _inv2, plan = _plan(session)
    # The first instalment is paid on time (to INV-1: payments apply in order).
    pay(session, invoice=inv1, amount="100.00", on=date(2026, 1, 31), external_id="P1")
    plans.evaluate_plans(session, org_id=org.id, as_of=date(2026, 2, 1))
    assert plans.plan_effects(session, org_id=org.id, as_of=date(2026, 2, 1), now=NOW) == []
    # The second (1 March) is not: reminded from 26 February, missed from 2 March.
    keys = [
        e.key for e in plans.plan_effects(session, org_id=org.id, as_of=date(2026, 2, 26), now=NOW)
    ]
    assert keys == [f"plan:{plan.id}:instalment:2:reminder"]
    pay(session, invoice=inv1, amount="30.00", on=date(2026, 3, 1), external_id="P2")
    (missed,) = plans.plan_effects(session, org_id=org.id, as_of=date(2026, 3, 2), now=NOW)
    assert missed.key == f"plan:{plan.id}:instalment:2:missed"
    assert missed.template == "missed_instalment"
    assert missed.payload["instalment"]["paid_amount"] == 3000
    assert missed.payload["instalment"]["plan_remaining_amount"] == 17000
    assert missed.payload["pay_by"] == "2026-03-08"  # 7 days' grace
    # Still within the grace period on 8 March; defaulted on the 9th.
    assert plans.evaluate_plans(session, org_id=org.id, as_of=date(2026, 3, 8)) == []
    detail = plans.plan_detail(session, org_id=org.id, plan_id=plan.id, as_of=date(2026, 3, 8))
    assert [s.status for s in detail.states] == [
        InstalmentStatus.PAID,
        InstalmentStatus.MISSED,
        InstalmentStatus.PENDING,
    ]
    assert plans.evaluate_plans(session, org_id=org.id, as_of=date(2026, 3, 9)) == [plan]
    assert (plan.status, plan.closed_on) == (PlanStatus.DEFAULTED, date(2026, 3, 9))
    (task,) = tasks.open_tasks(session, org_id=org.id)
    assert task.key == f"plan:{plan.id}:defaulted"
    assert task.kind == TaskKind.REVIEW
    assert task.assignee == "kim@acme.example"
    assert "remaining 170.00 EUR" in task.body
    # The pause ends (escalation resumes) and no more instalment messages are planned.
    assert pauses.pauses(session, org_id=org.id, as_of=date(2026, 3, 9)) == []
    assert len(pauses.pauses(session, org_id=org.id, as_of=date(2026, 3, 8))) == 2
    assert plans.plan_effects(session, org_id=org.id, as_of=date(2026, 3, 9), now=NOW) == []
    assert plans.evaluate_plans(session, org_id=org.id, as_of=date(2026, 3, 10)) == []


def test_a_plan_paid_in_full_completes(session: Session) -> None:
    org, _, inv1, inv2, plan = _plan(session)
    pay(session, invoice=inv1, amount="200.00", on=date(2026, 2, 1), external_id="P1")
    pay(session, invoice=inv2, amount="100.00", on=date(2026, 3, 1), external_id="P2")
    assert plans.evaluate_plans(session, org_id=org.id, as_of=date(2026, 3, 1)) == [plan]
    assert plan.status == PlanStatus.COMPLETED
    assert tasks.open_tasks(session, org_id=org.id) == []


def test_no_email_address_gives_a_task_for_the_collector(session: Session) -> None:
    org, _, _, _, plan = _plan(session, contact=False)
    (effect,) = plans.plan_effects(session, org_id=org.id, as_of=date(2026, 1, 30), now=NOW)
    assert effect.kind is OutboxKind.TASK
    assert effect.recipient == "kim@acme.example"
    assert effect.payload["reason"] == "no billing contact with an email address"
    assert effect.payload["params"] == {
        "title": f"Instalment 1 of payment plan #{plan.id} is due (2026-02-01): contact the customer",
        "kind": "call",
    }


def test_custom_amounts_dates_and_interest(session: Session) -> None:
    org = make_org(session)
    alpha = make_customer(session, org=org, external_id="C1")
    inv = make_invoice(session, customer=alpha, number="INV-1", total="300.00")
    plan = plans.create_plan(
        session,
        org_id=org.id,
        customer_id=alpha.id,
        invoice_ids=[inv.id],
        start_on=date(2026, 1, 1),
        amounts=[Decimal("50.00"), Decimal("250.00")],
        dates=[date(2026, 1, 15), date(2026, 2, 14)],
        interest_rate=Decimal("10"),
    )
    detail = plans.plan_detail(session, org_id=org.id, plan_id=plan.id, as_of=date(2026, 1, 1))
    # 300.00 × 10 % × 14/365 = 1.15; 250.00 × 10 % × 30/365 = 2.05.
    assert [(s.principal, s.interest) for s in detail.states] == [(5000, 115), (25000, 205)]
    assert (plan.interest_rate_bp, plan.interest_amount) == (1000, 320)


def test_plan_input_is_checked(session: Session) -> None:
    org, alpha, inv1, _, _ = _plan(session)
    with pytest.raises(Conflict, match="INV-1 is already in payment plan"):
        plans.create_plan(
            session,
            org_id=org.id,
            customer_id=alpha.id,
            invoice_ids=[inv1.id],
            first_due=date(2026, 2, 1),
            instalments=2,
        )
    inv3 = make_invoice(session, customer=alpha, number="INV-3", total="90.00")
    with pytest.raises(InvalidInput, match="add up to 8000 but the plan covers 9000"):
        plans.create_plan(
            session,
            org_id=org.id,
            customer_id=alpha.id,
            invoice_ids=[inv3.id],
            amounts=[Decimal("40"), Decimal("40")],
            first_due=date(2026, 2, 1),
        )
    with pytest.raises(InvalidInput, match="frequency"):
        plans.create_plan(
            session,
            org_id=org.id,
            customer_id=alpha.id,
            invoice_ids=[inv3.id],
            first_due=date(2026, 2, 1),
            instalments=2,
            frequency="daily",
        )
    with pytest.raises(InvalidInput, match="instalments: must be between 1 and 120"):
        plans.create_plan(
            session,
            org_id=org.id,
            customer_id=alpha.id,
            invoice_ids=[inv3.id],
            first_due=date(2026, 2, 1),
            instalments=0,
        )


@pytest.mark.parametrize(
    ("country", "timezone", "opens"),
    [
        ("GB", "Europe/London", datetime(2026, 3, 2, 8, 0, tzinfo=UTC)),  # 08:00 GMT
        ("DE", "Europe/Berlin", datetime(2026, 3, 2, 7, 0, tzinfo=UTC)),  # 08:00 CET
    ],
)
def test_plan_and_promise_messages_keep_the_calendar(
    session: Session, country: str, timezone: str, opens: datetime
) -> None:
    """Issue 15.8: the daily run of Saturday 28 February 2026 (07:00 UTC) plans the
    reminder of the 1 March instalment (3 days before); like a policy step it waits for
    Monday 2 March at 08:00 in the customer's time zone. A promise confirmed on Sunday
    1 March waits for the same moment."""
    from recoup.comms.models import OutboxMessage
    from recoup.jobs.daily import run_day
    from recoup.policy.service import available_policies

    org, alpha, inv1, _inv2, plan = _plan(session)
    alpha.country, alpha.timezone = country, timezone
    pay(session, invoice=inv1, amount="100.00", on=date(2026, 1, 31), external_id="P1")
    saturday = datetime(2026, 2, 28, 7, 0, tzinfo=UTC)
    run_day(
        session, org_id=org.id, as_of=saturday.date(), now=saturday, policies=available_policies()
    )
    reminder = session.scalars(
        select(OutboxMessage).where(OutboxMessage.key == f"plan:{plan.id}:instalment:2:reminder")
    ).one()
    assert reminder.next_attempt_at == opens
    extra = make_invoice(session, customer=alpha, number="INV-9", due_date=date(2026, 2, 20))
    promise = promises.add_promise(
        session,
        org_id=org.id,
        customer_id=alpha.id,
        items=[(extra.id, None)],
        promised_on=date(2026, 3, 10),
        made_on=date(2026, 3, 1),
        confirm=True,
        now=datetime(2026, 3, 1, 15, 0, tzinfo=UTC),
    )
    confirmation = session.scalars(
        select(OutboxMessage).where(OutboxMessage.key == f"promise:{promise.id}:confirmation")
    ).one()
    assert confirmation.next_attempt_at == opens
