"""The escalation engine on a fixed portfolio, day by day, with hand-worked dates.

Calendar facts used (2026): Feb 27 is a Friday; Apr 3 Good Friday and Apr 6 Easter
Monday are public holidays in England and Germany, not in the US; Oct 3 (German Unity
Day) is a Saturday.
"""

from datetime import UTC, date, datetime, time

import pytest

from recoup.policy import core
from recoup.policy.core import ContactView, CustomerView, InvoiceView, RunContext
from recoup.policy.pauses import Pause, PauseScope
from tests.policy.simulate import POLICIES, days, fired, policy, simulate

BILLING = ContactView(id=1, name="Accounts", email="ap@alpha.example", phone="+44 20 7946 0001")


def customer(**overrides: object) -> CustomerView:
    values: dict[str, object] = {
        "id": 1,
        "external_id": "C1",
        "name": "Alpha Ltd",
        "invoices": (InvoiceView(11, "INV-1", date(2026, 3, 2), "GBP", 100_000),),
        "contacts": (BILLING,),
        "country": "GB",
        "timezone": "Europe/London",
        "address": "1 High Street, London",
        "collector": "sam@us.example",
        "sales_owner": "owner@us.example",
    }
    values.update(overrides)
    return CustomerView(**values)  # type: ignore[arg-type]


def test_default_policy_day_by_day() -> None:
    history = simulate([customer()], days(date(2026, 2, 20), date(2026, 7, 31)))
    assert fired(history) == [
        ("2026-02-27", "pre-due reminder"),  # 3 days before Monday 2 March
        ("2026-03-03", "due notice"),  # the day after the due date
        ("2026-04-01", "courtesy call"),  # 30 days past due
        ("2026-04-16", "formal notice"),  # 45 days
        ("2026-06-15", "final demand"),  # formal notice + 60
        ("2026-07-15", "agency hand-off"),  # formal notice + 90
    ]
    formal = next(d for d in history if d.as_of == date(2026, 4, 16)).actions
    assert [(a.kind, a.template, a.recipient) for a in formal] == [
        ("email", "formal_notice", "ap@alpha.example"),
        ("letter", "formal_notice", "1 High Street, London"),
        ("charge", "", ""),
        ("charge", "", ""),
        ("credit_hold", "", ""),
        ("email", "owner_notification", "owner@us.example"),
    ]
    assert formal[0].params["attach_statement"] is True
    assert [a.params["charge"] for a in formal if a.kind == "charge"] == [
        "interest",
        "compensation",
    ]
    assert formal[0].reason == "INV-1 is 45 days past due; step 'formal notice'"
    courtesy = next(d for d in history if d.as_of == date(2026, 4, 1)).actions
    assert [(a.kind, a.recipient) for a in courtesy] == [
        ("email", "ap@alpha.example"),
        ("task", "sam@us.example"),
    ]


def test_actions_have_deterministic_keys_and_nothing_fires_twice() -> None:
    history = simulate([customer()], days(date(2026, 2, 20), date(2026, 7, 31)))
    keys = [a.key for d in history for a in d.actions]
    assert len(keys) == len(set(keys))
    assert keys[0] == "policy:c1:default:2026-02-27:pre-due reminder:0:email"


def test_running_the_same_day_twice_plans_nothing_new() -> None:
    day = date(2026, 3, 3)
    context = RunContext(
        as_of=day,
        now=datetime.combine(day, time(7), UTC),
        policies=POLICIES,
        default_policy="default",
        cycles={},
    )
    first = core.plan([customer()], context)
    assert [a.step for a in first.actions] == ["due notice"]
    again = core.plan(
        [customer()],
        RunContext(
            as_of=day,
            now=context.now,
            policies=POLICIES,
            default_policy="default",
            cycles=core.apply({}, first, day),
        ),
    )
    assert again.actions == []
    assert again.steps == []


def test_catch_up_after_a_ten_day_outage() -> None:
    # Runs stop after 10 April and resume on 21 April: the formal notice (due on the
    # 16th) goes out then, once; nothing that was due during the outage fires twice.
    run_days = [
        d
        for d in days(date(2026, 2, 20), date(2026, 5, 31))
        if not date(2026, 4, 11) <= d <= date(2026, 4, 20)
    ]
    assert fired(simulate([customer()], run_days)) == [
        ("2026-02-27", "pre-due reminder"),
        ("2026-03-03", "due notice"),
        ("2026-04-01", "courtesy call"),
        ("2026-04-21", "formal notice"),
    ]


def test_catch_up_fires_only_the_step_now_due() -> None:
    # An invoice first seen 40 days past due (a late import): the courtesy call fires,
    # the pre-due reminder and the due notice are recorded as skipped, never sent.
    late = customer(invoices=(InvoiceView(11, "INV-1", date(2026, 3, 2), "GBP", 100_000),))
    history = simulate([late], days(date(2026, 4, 13), date(2026, 4, 30)))
    # The formal notice (due on the 16th: an email and a letter) waits for the frequency
    # cap: with the courtesy email of the 13th it would be three messages in seven days.
    assert fired(history) == [("2026-04-13", "courtesy call"), ("2026-04-20", "formal notice")]
    assert "caught up past 'pre-due reminder', 'due notice'" in history[0].actions[0].reason


def test_a_required_step_is_never_skipped() -> None:
    ladder = policy(
        """
name: legal
steps:
  - name: reminder
    trigger: {days_from_due: 1}
    actions: [{email: due_notice}]
  - name: formal notice
    trigger: {days_from_due: 10}
    required: true
    actions: [{email: formal_notice}]
  - name: legal action
    trigger: {days_from_due: 20}
    actions: [{call_task: {title: Instruct the solicitor}}]
"""
    )
    # First seen 25 days past due: the formal notice fires first, the legal step next day.
    history = simulate(
        [customer()],
        days(date(2026, 3, 27), date(2026, 3, 31)),
        policies={"legal": ladder},
        default="legal",
    )
    assert fired(history) == [("2026-03-27", "formal notice"), ("2026-03-30", "legal action")]


@pytest.mark.parametrize(
    ("country", "timezone", "fires_on"),
    [
        ("GB", "Europe/London", "2026-04-07"),  # Sat, Sun, Easter Monday: Tuesday
        ("DE", "Europe/Berlin", "2026-04-07"),
        ("US", "America/New_York", "2026-04-06"),  # no Easter Monday holiday
    ],
)
def test_weekends_and_public_holidays(country: str, timezone: str, fires_on: str) -> None:
    # Due on Good Friday 3 April: the due notice is due from Saturday the 4th.
    invoice = InvoiceView(11, "INV-1", date(2026, 4, 3), "EUR", 50_000)
    someone = customer(country=country, timezone=timezone, invoices=(invoice,))
    history = simulate([someone], days(date(2026, 4, 4), date(2026, 4, 8)))
    assert [d for d in fired(history) if d[1] == "due notice"] == [(fires_on, "due notice")]
    assert history[0].notes == [(1, "held: not a business day (Saturday)")]
    if country == "GB":
        assert history[2].notes == [(1, "held: not a business day (Easter Monday in GB)")]


def test_frequency_cap_holds_messages_back() -> None:
    chatty = policy(
        """
name: chatty
frequency_cap: {messages: 2, days: 7}
steps:
  - {name: one, trigger: {days_from_due: 1}, actions: [{email: due_notice}]}
  - {name: two, trigger: {days_from_due: 2}, actions: [{email: courtesy_reminder}]}
  - {name: three, trigger: {days_from_due: 3}, actions: [{email: formal_notice}]}
"""
    )
    # Due Friday 6 March: one on Mon 9th? No: Sat 7th is day 1 but a weekend, so the
    # first run that can fire is Mon 9 (day 3) -- catch-up fires 'three' only.
    # Use a Monday due date instead: due Mon 2 March -> Tue 3 (1), Wed 4 (2), Thu 5 (3).
    history = simulate(
        [customer()],
        days(date(2026, 3, 3), date(2026, 3, 12)),
        policies={"chatty": chatty},
        default="chatty",
    )
    assert fired(history) == [
        ("2026-03-03", "one"),
        ("2026-03-04", "two"),
        ("2026-03-10", "three"),  # the window (3-9 March) holds two already; the 10th frees one
    ]
    held = next(d for d in history if d.as_of == date(2026, 3, 5))
    assert held.notes == [(1, "held: step 'three': frequency cap of 2 messages in 7 days reached")]


def test_opted_out_email_falls_back_to_a_letter_then_to_a_task() -> None:
    no_email = ContactView(
        id=1, name="AP", email="ap@alpha.example", opted_out=frozenset({"email"})
    )
    with_address = customer(contacts=(no_email,))
    (day,) = simulate([with_address], [date(2026, 3, 3)])
    (letter,) = day.actions
    assert (letter.kind, letter.recipient) == ("letter", "1 High Street, London")
    assert letter.reason.endswith("email not possible, sent by letter")
    (day,) = simulate([customer(contacts=(no_email,), address="")], [date(2026, 3, 3)])
    (task,) = day.actions
    assert (task.kind, task.recipient) == ("task", "sam@us.example")
    assert task.reason.endswith("no contact reachable by email or a fallback")


def test_the_billing_contact_is_preferred() -> None:
    other = ContactView(id=5, name="Boss", email="boss@alpha.example", role="other")
    ap = ContactView(id=6, name="AP", email="ap2@alpha.example", role="ap")
    (day,) = simulate([customer(contacts=(other, ap))], [date(2026, 3, 3)])
    assert (day.actions[0].recipient, day.actions[0].contact_id) == ("ap2@alpha.example", 6)


def test_consolidated_one_message_listing_every_overdue_invoice() -> None:
    invoices = (
        InvoiceView(11, "INV-1", date(2026, 3, 2), "GBP", 100_000),
        InvoiceView(12, "INV-2", date(2026, 3, 20), "GBP", 20_000),
        InvoiceView(13, "INV-3", date(2026, 4, 20), "GBP", 5_000),  # not yet due on 1 April
    )
    (day,) = simulate([customer(invoices=invoices)], [date(2026, 4, 1)])
    email, _task = day.actions
    assert email.step == "courtesy call"  # level from the oldest, INV-1 at 30 days
    assert email.invoice_ids == (11, 12)
    assert (
        email.reason
        == "INV-1 is 30 days past due; step 'courtesy call' (caught up past 'pre-due reminder', 'due notice')"
    )


def test_per_invoice_mode_sends_one_message_per_invoice() -> None:
    each = policy(
        """
name: each
mode: per_invoice
steps:
  - {name: due notice, trigger: {days_from_due: 1}, actions: [{email: due_notice}]}
"""
    )
    invoices = (
        InvoiceView(11, "INV-1", date(2026, 3, 2), "GBP", 100_000),
        InvoiceView(12, "INV-2", date(2026, 3, 2), "GBP", 20_000),
    )
    (day,) = simulate(
        [customer(invoices=invoices)], [date(2026, 3, 3)], policies={"each": each}, default="each"
    )
    assert sorted(a.invoice_ids for a in day.actions) == [(11,), (12,)]


def test_thank_you_when_the_account_is_cleared() -> None:
    def portfolio(day: date) -> list[CustomerView]:
        paid = day >= date(2026, 3, 10)
        return [customer(invoices=() if paid else customer().invoices)]

    history = simulate(portfolio, days(date(2026, 2, 25), date(2026, 3, 12)))
    assert fired(history) == [
        ("2026-02-27", "pre-due reminder"),
        ("2026-03-03", "due notice"),
        ("2026-03-10", "thank you"),
    ]
    thanks = history[-3].actions[0]
    assert (thanks.kind, thanks.template, thanks.recipient) == (
        "email",
        "thank_you",
        "ap@alpha.example",
    )


def test_no_thank_you_for_an_account_paid_before_it_was_chased() -> None:
    def portfolio(day: date) -> list[CustomerView]:
        return [customer(invoices=() if day >= date(2026, 3, 1) else customer().invoices)]

    history = simulate(portfolio, days(date(2026, 2, 25), date(2026, 3, 12)))
    assert fired(history) == [("2026-02-27", "pre-due reminder")]


def test_a_disputed_invoice_leaves_the_ladder_the_rest_continues() -> None:
    invoices = (
        InvoiceView(11, "INV-1", date(2026, 3, 2), "GBP", 100_000),
        InvoiceView(12, "INV-2", date(2026, 3, 2), "GBP", 20_000),
    )
    dispute = Pause(
        PauseScope.INVOICE, 1, date(2026, 2, 1), None, "dispute #7 (quality)", invoice_id=11
    )
    (day,) = simulate([customer(invoices=invoices)], [date(2026, 3, 3)], pauses=[dispute])
    assert [a.invoice_ids for a in day.actions] == [(12,)]
    assert (1, "INV-1 paused: dispute #7 (quality)") in day.notes


def test_a_promise_pauses_until_its_date_then_the_ladder_resumes() -> None:
    promise = Pause(
        PauseScope.INVOICE,
        1,
        date(2026, 3, 10),
        date(2026, 4, 13),
        "promise to pay by 2026-04-10",
        invoice_id=11,
    )
    history = simulate([customer()], days(date(2026, 2, 25), date(2026, 4, 30)), pauses=[promise])
    assert fired(history) == [
        ("2026-02-27", "pre-due reminder"),
        ("2026-03-03", "due notice"),
        ("2026-04-14", "courtesy call"),  # due on 1 April, paused until the 13th
        ("2026-04-21", "formal notice"),  # due on the 16th; the frequency cap waits a week
    ]


def test_a_customer_wide_pause_stops_everything() -> None:
    plan = Pause(PauseScope.CUSTOMER, 1, date(2026, 1, 1), None, "agency placement")
    (day,) = simulate([customer()], [date(2026, 3, 3)], pauses=[plan])
    assert day.actions == []
    assert day.notes == [(1, "paused: agency placement")]


@pytest.mark.parametrize("restriction", ["do_not_contact", "legal_hold"])
def test_restricted_customers_get_only_tasks(restriction: str) -> None:
    (day,) = simulate([customer(**{restriction: True})], [date(2026, 4, 16)])
    (task,) = day.actions
    assert (task.kind, task.recipient) == ("task", "sam@us.example")
    assert restriction.replace("_", " ") in task.reason


def test_consumers_get_charges_holds_and_handoffs_only_as_review_tasks() -> None:
    late = customer(is_consumer=True)
    (day,) = simulate([late], [date(2026, 4, 16)])
    assert [a.kind for a in day.actions] == ["email", "letter", "task", "task", "task", "email"]
    assert "consumer account: interest needs a review" in day.actions[2].reason


def test_conditions_skip_a_step_below_the_minimum() -> None:
    small = customer(invoices=(InvoiceView(11, "INV-1", date(2026, 3, 2), "GBP", 5_000),))
    history = simulate(
        [small], days(date(2026, 4, 29), date(2026, 5, 4)), policies=POLICIES, default="gentle"
    )
    assert fired(history) == [("2026-04-29", "courtesy call")]
    assert (
        1,
        "skipped step 'formal notice': overdue below the minimum (50.00 GBP < 100.00)",
    ) in history[2].notes


def test_sending_hours_in_the_customers_time_zone() -> None:
    berlin = customer(country="DE", timezone="Europe/Berlin")
    early = simulate([berlin], [date(2026, 3, 3)], run_time=time(5, 0))[0].actions[0]
    assert early.scheduled_at == datetime(2026, 3, 3, 7, 0, tzinfo=UTC)  # 08:00 CET
    late = simulate([berlin], [date(2026, 3, 3)], run_time=time(19, 0))[0].actions[0]
    assert late.scheduled_at == datetime(2026, 3, 4, 7, 0, tzinfo=UTC)
    during = simulate([berlin], [date(2026, 3, 3)], run_time=time(9, 30))[0].actions[0]
    assert during.scheduled_at == datetime(2026, 3, 3, 9, 30, tzinfo=UTC)


def test_a_letter_without_an_address_never_repeats_the_steps_email() -> None:
    """Issue 15.1: the formal notice sends an email and a letter; with no postal address
    the letter falls back to email, to the very address the email goes to. One email."""
    (day,) = simulate([customer(address="")], [date(2026, 4, 16)])
    messages = [(a.kind, a.template, a.recipient) for a in day.actions if a.kind == "email"]
    assert messages == [
        ("email", "formal_notice", "ap@alpha.example"),
        ("email", "owner_notification", "owner@us.example"),
    ]
    assert day.actions[0].reason == (
        "INV-1 is 45 days past due; step 'formal notice' (caught up past 'pre-due reminder', "
        "'due notice', 'courtesy call'); letter not possible, already sent by email to ap@alpha.example"
    )


def test_an_invoice_joining_an_open_cycle_climbs_its_own_ladder() -> None:
    """Issue 15.2, hand-worked on the default policy (cap: 2 messages in 7 days).

    INV-1 is due Monday 2 March, INV-2 Monday 4 May (a bank holiday). Before, INV-2
    joined the cycle at INV-1's level and never had a reminder, a due notice or a formal
    notice of its own, and went to the agency with INV-1. Now it passes every step:
    pre-due reminder Fri 1 May (-3), due notice Tue 5 May, courtesy call Wed 3 June (30),
    formal notice due Thu 18 June (45) but held by the cap (INV-1's final demand of
    Mon 15 June was an email and a letter) until Mon 22 June. The hand-off of Wed 15 July
    (INV-1's formal notice + 90) takes INV-1 only; INV-2 stays in-house (its own hand-off
    would be 22 June + 90)."""
    invoices = (
        InvoiceView(11, "INV-1", date(2026, 3, 2), "GBP", 100_000),
        InvoiceView(12, "INV-2", date(2026, 5, 4), "GBP", 20_000),
    )
    history = simulate([customer(invoices=invoices)], days(date(2026, 2, 20), date(2026, 7, 31)))
    assert fired(history) == [
        ("2026-02-27", "pre-due reminder"),
        ("2026-03-03", "due notice"),
        ("2026-04-01", "courtesy call"),
        ("2026-04-16", "formal notice"),
        ("2026-05-01", "pre-due reminder"),
        ("2026-05-05", "due notice"),
        ("2026-06-03", "courtesy call"),
        ("2026-06-15", "final demand"),
        ("2026-06-22", "formal notice"),
        ("2026-07-15", "agency hand-off"),
    ]
    on = {d.as_of: d.actions for d in history}
    # One message per customer, listing both invoices, each at its own level.
    (final_email, _letter) = on[date(2026, 6, 15)]
    assert final_email.invoice_ids == (11, 12)
    assert final_email.params["invoice_steps"] == {"11": "final demand"}
    second_notice = on[date(2026, 6, 22)]
    assert second_notice[0].key == "policy:c1:default:2026-02-27:formal notice:2026-06-22:0:email"
    assert second_notice[0].params["invoice_steps"] == {"12": "formal notice"}
    assert [a.invoice_ids for a in second_notice if a.kind == "charge"] == [(12,), (12,)]
    (handoff,) = [a for a in on[date(2026, 7, 15)] if a.kind == "handoff"]
    assert handoff.invoice_ids == (11,)


def test_an_invoice_never_skips_a_required_step_in_a_consolidated_cycle() -> None:
    """INV-2 (due 2 March, like INV-1) is first seen on 15 July, the day INV-1 is handed
    off: it is 135 days past due, so the hand-off is the latest step due for it too, but
    it never had the formal notice, which is required: it gets its formal notice (a
    message of its own, with its charges) and stays in-house; INV-1 goes to the agency."""
    first = (InvoiceView(11, "INV-1", date(2026, 3, 2), "GBP", 100_000),)
    both = (*first, InvoiceView(12, "INV-2", date(2026, 3, 2), "GBP", 20_000))

    def portfolio(day: date) -> list[CustomerView]:
        return [customer(invoices=both if day >= date(2026, 7, 15) else first)]

    history = simulate(portfolio, days(date(2026, 2, 20), date(2026, 7, 15)))
    actions = history[-1].actions
    assert sorted({a.step for a in actions}) == ["agency hand-off", "formal notice"]
    (handoff,) = [a for a in actions if a.kind == "handoff"]
    assert handoff.invoice_ids == (11,)
    charges = [a for a in actions if a.kind == "charge"]
    assert [a.invoice_ids for a in charges] == [(12,), (12,)]
    (notice,) = [a for a in actions if a.template == "formal_notice" and a.kind == "email"]
    assert notice.params["invoice_steps"] == {"11": "agency hand-off", "12": "formal notice"}


def test_an_invoice_listed_in_last_week_s_formal_notice_gets_no_second_one() -> None:
    """INV-1 is due Monday 2 March, INV-2 Monday 9 March. INV-1's courtesy email and
    call (1 April) list INV-2 as overdue: INV-2's own on 8 April are not made. INV-1's
    formal notice (Thursday 16 April) asks for everything by the 23rd and lists INV-2:
    on the 23rd INV-2 reaches its formal notice, and no second notice goes (nor a
    letter); its charges, the hold and the note to the sales owner do."""
    invoices = (
        InvoiceView(11, "INV-1", date(2026, 3, 2), "GBP", 100_000),
        InvoiceView(12, "INV-2", date(2026, 3, 9), "GBP", 50_000),
    )
    history = simulate([customer(invoices=invoices)], days(date(2026, 2, 20), date(2026, 5, 10)))
    on = {d.as_of: d for d in history}
    assert on[date(2026, 4, 8)].actions == []
    assert on[date(2026, 4, 8)].notes == [
        (1, "no message for 'courtesy call': the one of 2026-04-01 listed its invoices")
    ]
    notice = on[date(2026, 4, 16)].actions
    assert [(a.kind, a.invoice_ids) for a in notice[:2]] == [
        ("email", (11, 12)),
        ("letter", (11, 12)),
    ]
    later = on[date(2026, 4, 23)]
    assert [(a.kind, a.params.get("charge"), a.invoice_ids) for a in later.actions] == [
        ("charge", "interest", (12,)),
        ("charge", "compensation", (12,)),
        ("credit_hold", None, (12,)),
        ("email", None, (12,)),  # the sales owner's note
    ]
    assert later.notes == [
        (1, "no message for 'formal notice': the one of 2026-04-16 listed its invoices")
    ]
