"""A gentle start, in the pure engine, with hand-worked dates.

The first run is Thursday 16 April 2026. Calendar facts (England, 2026): 30 May is a
Saturday, 25 May and 31 August are bank holidays, 30 August is a Sunday.
"""

from collections import defaultdict
from collections.abc import Mapping
from datetime import UTC, date, datetime, time

from recoup.policy import core
from recoup.policy.core import (
    GENTLE_START,
    ContactView,
    CustomerView,
    Cycle,
    InvoiceView,
    RunContext,
)
from recoup.policy.definition import ActionKind, Policy
from tests.policy.simulate import POLICIES, Day, days, fired, policy

FIRST_RUN = date(2026, 4, 16)
BILLING = ContactView(id=1, name="Accounts", email="ap@alpha.example")


def customer(customer_id: int, due: date) -> CustomerView:
    return CustomerView(
        id=customer_id,
        external_id=f"C{customer_id}",
        name=f"Customer {customer_id} Ltd",
        invoices=(InvoiceView(customer_id * 10, f"INV-{customer_id}", due, "GBP", 100_000),),
        contacts=(BILLING._replace(id=customer_id),),
        country="GB",
        timezone="Europe/London",
        address=f"{customer_id} High Street, Leeds",
        collector="sam@us.example",
        sales_owner="owner@us.example",
    )


def run(
    customers: list[CustomerView],
    run_days: list[date],
    *,
    gentle: bool,
    policies: Mapping[str, Policy] = POLICIES,
) -> list[Day]:
    """The engine day after day; a customer is on its first run until a cycle opens."""
    cycles: dict[str, Cycle] = {}
    chased: dict[int, date] = {}
    sent: dict[int, list[date]] = defaultdict(list)
    out = []
    for day in run_days:
        context = RunContext(
            as_of=day,
            now=datetime.combine(day, time(7), UTC),
            policies=policies,
            default_policy="default",
            cycles=cycles,
            recent_messages=sent,
            gentle_start=gentle,
        )
        views = [c._replace(first_chased=chased.get(c.id) or c.first_chased) for c in customers]
        result = core.plan(views, context)
        cycles = core.apply(cycles, result, day)
        for cycle in result.opened:
            chased.setdefault(cycle.customer_id, day)
        for action in result.actions:
            if core.is_customer_message(action):
                sent[action.customer_id].append(day)
        out.append(Day(day, result.actions, result.notes))
    return out


def first_run_context(*, gentle: bool) -> RunContext:
    """The first run's context, with no cycle yet."""
    return RunContext(
        as_of=FIRST_RUN,
        now=datetime.combine(FIRST_RUN, time(7), UTC),
        policies=POLICIES,
        default_policy="default",
        cycles={},
        gentle_start=gentle,
    )


def on(history: list[Day], day: date, customer_id: int) -> list[tuple[str, str]]:
    actions = next(d for d in history if d.as_of == day).actions
    return [
        (a.kind, a.params.get("charge", a.template))
        for a in actions
        if a.customer_id == customer_id
    ]


def test_a_customer_120_days_late_starts_at_the_due_notice_and_climbs_from_there() -> None:
    history = run(
        [customer(3, date(2025, 12, 17))], days(FIRST_RUN, date(2026, 9, 30)), gentle=True
    )

    assert fired(history) == [
        ("2026-04-16", "due notice"),  # the first run: a friendly notice, nothing else
        ("2026-05-15", "courtesy call"),  # 29 days later, as from day 1 to day 30
        ("2026-06-01", "formal notice"),  # 44 days later is Saturday 30 May
        ("2026-07-31", "final demand"),  # formal notice + 60
        ("2026-09-01", "agency hand-off"),  # + 90 is a Sunday, then a bank holiday
    ]
    first = next(d for d in history if d.as_of == FIRST_RUN).actions
    assert [(a.kind, a.template, a.recipient) for a in first] == [
        ("email", "due_notice", "ap@alpha.example")
    ]
    assert (
        first[0].reason == "INV-3 is 120 days past due; step 'due notice' (first run: gentle start)"
    )
    # The formal notice holds credit, but claims no charge: the invoice was already as
    # late as the step before its first run.
    assert on(history, date(2026, 6, 1), 3) == [
        ("email", "formal_notice"),
        ("letter", "formal_notice"),
        ("credit_hold", ""),
        ("email", "owner_notification"),
    ]


def test_a_customer_10_days_late_keeps_its_charges_at_the_formal_notice() -> None:
    history = run([customer(1, date(2026, 4, 6))], days(FIRST_RUN, date(2026, 6, 5)), gentle=True)

    assert fired(history) == [
        ("2026-04-16", "due notice"),
        ("2026-05-15", "courtesy call"),
        ("2026-06-01", "formal notice"),
    ]
    # 10 days late on its first run, not yet 45: its interest and compensation are not
    # back-dated, so the formal notice claims them.
    assert on(history, date(2026, 6, 1), 1) == [
        ("email", "formal_notice"),
        ("letter", "formal_notice"),
        ("charge", "interest"),
        ("charge", "compensation"),
        ("credit_hold", ""),
        ("email", "owner_notification"),
    ]


def test_the_gentle_start_is_recorded_and_skips_the_earlier_steps() -> None:
    context = first_run_context(gentle=True)
    result = core.plan([customer(2, date(2026, 2, 27))], context)

    assert [(s.step, s.fired, s.invoice_ids) for s in result.steps] == [
        ("pre-due reminder", False, (20,)),
        (GENTLE_START, False, (20,)),
        ("due notice", True, (20,)),
    ]
    assert [a.template for a in result.actions] == ["due_notice"]


def test_the_policy_choice_gets_the_policy() -> None:
    late = customer(2, date(2026, 2, 27))  # 48 days late
    context = first_run_context(gentle=False)
    result = core.plan([late], context)
    assert {a.step for a in result.actions} == {"formal notice"}
    assert ActionKind.COMPENSATION.value in [a.params.get("charge") for a in result.actions]


def test_an_invoice_first_seen_late_starts_gently_for_a_customer_chased_before() -> None:
    """A customer first chased in January (that cycle since closed): an invoice 48 days
    late that Recoup has never chased (imported since) gets the friendly due notice, not
    a formal notice; it climbs from that day, and its formal notice (44 days later,
    Saturday 30 May, so Monday 1 June) claims nothing back-dated: it was already that
    late when Recoup first saw it."""
    late = customer(2, date(2026, 2, 27))._replace(first_chased=date(2026, 1, 10))
    history = run([late], days(FIRST_RUN, date(2026, 6, 5)), gentle=True)
    assert fired(history) == [
        ("2026-04-16", "due notice"),
        ("2026-05-15", "courtesy call"),
        ("2026-06-01", "formal notice"),
    ]
    (first,) = history[0].actions
    assert first.reason == (
        "INV-2 is 48 days past due; step 'due notice' (first seen overdue: gentle start)"
    )
    assert on(history, date(2026, 6, 1), 2) == [
        ("email", "formal_notice"),
        ("letter", "formal_notice"),
        ("credit_hold", ""),
        ("email", "owner_notification"),
    ]


def test_invoices_not_yet_overdue_follow_the_ladder_on_a_gentle_first_run() -> None:
    context = first_run_context(gentle=True)
    soon = customer(4, date(2026, 4, 18))  # due in 2 days
    result = core.plan([soon], context)
    assert [(a.step, a.template) for a in result.actions] == [
        ("pre-due reminder", "pre_due_reminder")
    ]
    assert GENTLE_START not in [s.step for s in result.steps]


def test_a_gentle_start_held_by_a_condition_still_starts_the_ladder_there() -> None:
    # A policy whose first notice of overdue money asks for at least £500.00 overdue: a
    # customer owing £100.00, 48 days late, is not sent it, and the formal notice does not
    # follow the next day: the ladder still counts from the first run.
    custom = policy(
        """
name: default
steps:
  - name: due notice
    trigger: {days_from_due: 1}
    conditions: {min_overdue: {GBP: "500.00"}}
    actions: [{email: due_notice}]
  - name: formal notice
    trigger: {days_from_due: 45}
    actions: [{email: formal_notice}, compensation]
"""
    )
    small = customer(2, date(2026, 2, 27))._replace(
        invoices=(InvoiceView(20, "INV-2", date(2026, 2, 27), "GBP", 10_000),)
    )
    history = run(
        [small], days(FIRST_RUN, date(2026, 6, 5)), gentle=True, policies={"default": custom}
    )
    assert fired(history) == [("2026-06-01", "formal notice")]  # 16 April + 44 days, Monday
    assert on(history, date(2026, 6, 1), 2) == [("email", "formal_notice")]  # no compensation


def test_an_invoice_listed_as_due_today_gets_no_second_notice_the_next_day() -> None:
    """INV-A is 20 days late and INV-B due on the first run (Thursday 16 April). That
    day's gentle due notice lists both (INV-B "due today": it reached its pre-due
    reminder). On Friday INV-B reaches its own due notice: the customer was told
    yesterday, so no second "payment due" mail goes, and the step is recorded. Its
    courtesy call falls on Monday 18 May (30 days: Saturday 16 May), three days after
    INV-A's courtesy email and call of Friday 15 May, which listed it: neither is made
    again. The formal notice (required) of both goes on Monday 1 June."""
    a = InvoiceView(51, "INV-A", date(2026, 3, 27), "GBP", 100_000)
    b = InvoiceView(52, "INV-B", FIRST_RUN, "GBP", 50_000)
    both = customer(5, FIRST_RUN)._replace(invoices=(a, b))
    history = run([both], days(FIRST_RUN, date(2026, 6, 5)), gentle=True)

    assert fired(history) == [
        ("2026-04-16", "due notice"),
        ("2026-05-15", "courtesy call"),
        ("2026-06-01", "formal notice"),
    ]
    (first,) = next(d for d in history if d.as_of == FIRST_RUN).actions
    assert first.invoice_ids == (51, 52)
    assert first.params["invoice_steps"] == {"51": "due notice", "52": "pre-due reminder"}
    friday = next(d for d in history if d.as_of == date(2026, 4, 17))
    assert friday.notes == [
        (5, "no message for 'due notice': the one of 2026-04-16 listed its invoices")
    ]
    monday = next(d for d in history if d.as_of == date(2026, 5, 18))
    assert monday.notes == [
        (5, "no message for 'courtesy call': the one of 2026-05-15 listed its invoices")
    ]
    assert on(history, date(2026, 6, 1), 5)[:2] == [
        ("email", "formal_notice"),
        ("letter", "formal_notice"),
    ]


def test_an_invoice_listed_before_it_was_due_gets_its_due_notice() -> None:
    # INV-B is due Saturday 18 April: the first run's due notice lists it "due in 2 days"
    # (it reached its pre-due reminder). Its own due notice (Sunday 19 April, so Monday
    # 20 April) is the first to tell the customer it is overdue, and goes.
    a = InvoiceView(61, "INV-A", date(2026, 3, 27), "GBP", 100_000)
    b = InvoiceView(62, "INV-B", date(2026, 4, 18), "GBP", 50_000)
    both = customer(6, FIRST_RUN)._replace(invoices=(a, b))
    history = run([both], days(FIRST_RUN, date(2026, 4, 24)), gentle=True)
    assert fired(history) == [("2026-04-16", "due notice"), ("2026-04-20", "due notice")]
    (first,) = history[0].actions
    assert first.params["invoice_steps"] == {"61": "due notice", "62": "pre-due reminder"}
