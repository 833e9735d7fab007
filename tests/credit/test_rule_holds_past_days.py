"""The credit rule judged on an earlier day (``recoup run --as-of`` a past date, a
replay) leaves alone the rule's holds placed on a later day: found by the 150-day
scenario (tests/jobs/test_scenario_150_days.py), where re-running 23 February on
5 June released four holds still due and told the owners their holds were lifted."""

from datetime import date

from sqlalchemy.orm import Session

from recoup.credit import service as credit
from recoup.credit.models import HoldStatus
from recoup.ledger.models import CustomerStatus
from tests.cases.helpers import pay
from tests.factories import make_customer, make_invoice, make_org


def test_a_past_day_does_not_release_a_hold_placed_later(session: Session) -> None:
    org = make_org(session)
    alpha = make_customer(session, org=org, external_id="C1")
    inv = make_invoice(session, customer=alpha, number="INV-1", total="500.00",
                       issue_date=date(2026, 1, 1), due_date=date(2026, 1, 9))  # fmt: skip
    # 9 Jan + 61 days = 11 Mar: more than 60 days past due, the rule holds.
    assert credit.evaluate_holds(session, org_id=org.id, as_of=date(2026, 3, 10)).placed == []
    (hold,) = credit.evaluate_holds(session, org_id=org.id, as_of=date(2026, 3, 11)).placed
    # 23 Feb judged again later: 45 days past due that day, but the hold of 11 Mar stands.
    again = credit.evaluate_holds(session, org_id=org.id, as_of=date(2026, 2, 23))
    assert (again.placed, again.released) == ([], [])
    assert (hold.status, alpha.status) == (HoldStatus.ACTIVE, CustomerStatus.ON_HOLD)
    # Paid on 20 Apr: the run of that day releases it.
    pay(session, invoice=inv, amount="500.00", on=date(2026, 4, 20), external_id="P1")
    assert credit.evaluate_holds(session, org_id=org.id, as_of=date(2026, 4, 20)).released == [hold]
    assert alpha.status == CustomerStatus.ACTIVE
