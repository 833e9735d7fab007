"""A run for an earlier day (``recoup run --as-of`` a past date) leaves alone the cycles
opened after it: found by the 150-day scenario (tests/jobs/test_scenario_150_days.py),
where re-running 5 January on 5 June closed a consumer's cycle opened on 16 January
(closed before it was opened) and re-running 16 January opened a second cycle that sent
the whole ladder again: pre-due reminder, due notice, formal notice, final demand."""

from datetime import UTC, date, datetime, time

from recoup.policy import core
from recoup.policy.core import RunContext
from tests.policy.simulate import POLICIES
from tests.policy.test_engine import customer


def _context(day: date, cycles: dict[str, core.Cycle]) -> RunContext:
    return RunContext(
        as_of=day,
        now=datetime.combine(day, time(7), UTC),
        policies=POLICIES,
        default_policy="default",
        cycles=cycles,
    )


def test_a_past_day_leaves_a_later_cycle_alone() -> None:
    # INV-1 is due Monday 2 March: the pre-due reminder opens the cycle on Friday 27 Feb.
    opening = date(2026, 2, 27)
    first = core.plan([customer()], _context(opening, {}))
    assert [a.step for a in first.actions] == ["pre-due reminder"]
    cycles = core.apply({}, first, opening)
    # 20 February judged again later: nothing is in reach that day, but the cycle of
    # 27 February is not closed (nor thanked), and no new one is opened.
    past = core.plan([customer()], _context(date(2026, 2, 20), cycles))
    assert (past.closed, past.opened, past.actions, past.steps) == ([], [], [], [])
    # 27 February judged again: nothing new either.
    again = core.plan([customer()], _context(opening, cycles))
    assert (again.closed, again.opened, again.actions) == ([], [], [])
    # The ladder goes on in the same cycle.
    due = core.plan([customer()], _context(date(2026, 3, 3), cycles))
    assert [(a.step, a.cycle_key) for a in due.actions] == [("due notice", "c1:default:2026-02-27")]
