"""Running the pure engine day after day, as the daily run would, for tests."""

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from recoup.policy import core
from recoup.policy.core import CustomerView, Cycle, PlannedAction, RunContext
from recoup.policy.definition import Policy, parse_policy, shipped_policies
from recoup.policy.pauses import Pause

POLICIES = shipped_policies()


@dataclass
class Day:
    as_of: date
    actions: list[PlannedAction]
    notes: list[tuple[int, str]]


def days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def simulate(
    customers: Callable[[date], Iterable[CustomerView]] | Iterable[CustomerView],
    run_days: Iterable[date],
    *,
    policies: Mapping[str, Policy] = POLICIES,
    default: str = "default",
    pauses: Iterable[Pause] = (),
    run_time: time = time(7, 0),
) -> list[Day]:
    """Run the engine on each day, carrying cycles and sent messages forward."""
    cycles: dict[str, Cycle] = {}
    sent: dict[int, list[date]] = defaultdict(list)
    out = []
    for day in run_days:
        people = list(customers(day) if callable(customers) else customers)
        context = RunContext(
            as_of=day,
            now=datetime.combine(day, run_time, UTC),
            policies=policies,
            default_policy=default,
            cycles=cycles,
            pauses=tuple(pauses),
            recent_messages=sent,
        )
        result = core.plan(people, context)
        cycles = core.apply(cycles, result, day)
        for action in result.actions:
            if core.is_customer_message(action):
                sent[action.customer_id].append(day)
        out.append(Day(day, result.actions, result.notes))
    return out


def fired(history: list[Day]) -> list[tuple[str, str]]:
    """``(date, step)`` of every step that produced actions, once per step per day."""
    seen = []
    for day in history:
        for step in dict.fromkeys((a.customer_id, a.step) for a in day.actions):
            seen.append((day.as_of.isoformat(), step[1]))
    return seen


def policy(text: str) -> Policy:
    return parse_policy(text, "test.yaml")
