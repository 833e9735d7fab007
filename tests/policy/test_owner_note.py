"""The sales owner hears what a step did to the invoices it reached: found by the
150-day scenario (tests/jobs/test_scenario_150_days.py), where the owner was told that
the debt "is being passed to a collection agency" with both open invoices listed,
although the hand-off took only the one whose formal notice was 90 days old."""

from datetime import date

from recoup.policy.core import InvoiceView
from tests.policy.simulate import days, simulate
from tests.policy.test_engine import customer


def test_the_hand_off_note_lists_only_the_invoices_handed_off() -> None:
    # INV-1 due 2 March: formal notice due 16 April, held by the frequency cap after
    # INV-2's pre-due reminder (12 April, a Sunday -> 13 April) until 20 April; hand-off
    # 90 days later, 19 July (a Sunday) -> 20 July. INV-2 due 15 April: formal notice
    # 30 May (a Saturday) -> 1 June; on 20 July it stays in-house.
    invoices = (
        InvoiceView(11, "INV-1", date(2026, 3, 2), "GBP", 100_000),
        InvoiceView(12, "INV-2", date(2026, 4, 15), "GBP", 50_000),
    )
    history = simulate([customer(invoices=invoices)], days(date(2026, 2, 20), date(2026, 7, 20)))
    handoff_day = [d for d in history if any(a.kind == "handoff" for a in d.actions)]
    assert [d.as_of for d in handoff_day] == [date(2026, 7, 20)]
    by_kind = {a.kind: a for a in handoff_day[0].actions}
    assert by_kind["handoff"].invoice_ids == (11,)
    assert by_kind["email"].params["to_owner"] is True
    assert by_kind["email"].invoice_ids == (11,)
