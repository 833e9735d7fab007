"""Demo cases: deterministic, and loading them twice adds nothing."""

from datetime import date

from sqlalchemy.orm import Session

from recoup.cases import disputes, pauses, promises, tasks
from recoup.cases.demo import CasesSeeded, seed_cases
from recoup.demo import service as demo

AS_OF = date(2026, 11, 22)


def _load(session: Session) -> int:
    org = demo.demo_organisation(session)
    demo.load(session, org_id=org.id, customers=40, seed=7, as_of=AS_OF)
    return org.id


def test_seed_cases_once(session: Session) -> None:
    org_id = _load(session)
    seeded = seed_cases(session, org_id=org_id, as_of=AS_OF, seed=7)
    assert seeded == CasesSeeded(disputes=3, promises=3, plans=1, notes=2, calls=2, tasks=2)
    statuses = sorted(p.status for p in promises.list_promises(session, org_id=org_id))
    assert statuses == ["broken", "broken", "pending"]
    assert {d.status for d in disputes.list_disputes(session, org_id=org_id)} == {
        "open",
        "resolved_invalid",
    }
    # The 20-day-old dispute is over the 14-day SLA: a task for its owner.
    kinds = sorted(t.kind for t in tasks.open_tasks(session, org_id=org_id))
    assert kinds == ["broken_promise", "broken_promise", "call", "call", "dispute_sla"]
    assert pauses.pauses(session, org_id=org_id, as_of=AS_OF)
    assert seed_cases(session, org_id=org_id, as_of=AS_OF, seed=7) == CasesSeeded()
