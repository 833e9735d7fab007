"""The credit rule and the escalation policy never give a customer two active holds:
the second reason joins the hold in force, which is then the policy's (released when
the account is cleared, not when the rule's condition clears). A person's hold stays
apart."""

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from recoup.credit import service as credit
from recoup.credit.models import CreditHold, HoldSource, HoldStatus
from tests.cases.helpers import pay
from tests.factories import make_customer, make_invoice, make_org

# INV-1 falls due on 1 February: 61 days past due on 3 April (the rule holds past 60).
DUE = date(2026, 2, 1)
RULE_DAY = date(2026, 4, 3)


def _holds(session: Session) -> list[tuple[str, str, str]]:
    return [
        (h.source, h.status, h.reason)
        for h in session.scalars(select(CreditHold).order_by(CreditHold.id))
    ]


def test_the_policy_joins_the_rule_hold(session: Session) -> None:
    org = make_org(session)
    alpha = make_customer(session, org=org, external_id="C1")
    invoice = make_invoice(session, customer=alpha, number="INV-1", total="100.00", due_date=DUE)
    (placed,) = credit.evaluate_holds(session, org_id=org.id, as_of=RULE_DAY).placed

    joined = credit.place_hold(
        session,
        org_id=org.id,
        customer_id=alpha.id,
        reason="INV-1 is 61 days past due; step 'formal notice'",
        source="policy",
        key="policy:c1:default:2026-04-03:formal notice:4:credit_hold",
        on=RULE_DAY,
    )

    assert joined.id == placed.id
    assert _holds(session) == [
        (
            HoldSource.POLICY,
            HoldStatus.ACTIVE,
            "credit rule: an invoice is 61 days past due (more than 60); "
            "escalation policy: INV-1 is 61 days past due; step 'formal notice'",
        )
    ]
    # The next days: the rule sees its reason on the hold and adds no second one.
    assert credit.evaluate_holds(session, org_id=org.id, as_of=date(2026, 4, 6)).placed == []
    assert len(_holds(session)) == 1
    # Paid in full: the rule has nothing to release (the hold is the policy's); the
    # account is cleared, so the policy's hold is released, once.
    pay(session, invoice=invoice, amount="100.00", on=date(2026, 4, 7), external_id="P1")
    assert credit.evaluate_holds(session, org_id=org.id, as_of=date(2026, 4, 7)).released == []
    released = credit.release_holds_of_cleared_accounts(
        session, org_id=org.id, as_of=date(2026, 4, 7), still_owing={}
    )
    assert [h.id for h in released] == [placed.id]
    assert [status for _, status, _ in _holds(session)] == [HoldStatus.RELEASED]


def test_the_rule_joins_the_policy_hold_and_a_person_s_hold_stays_apart(
    session: Session,
) -> None:
    org = make_org(session)
    alpha = make_customer(session, org=org, external_id="C1")
    make_invoice(session, customer=alpha, number="INV-1", total="100.00", due_date=DUE)
    policy = credit.place_hold(
        session,
        org_id=org.id,
        customer_id=alpha.id,
        reason="INV-1 is 45 days past due; step 'formal notice'",
        source="policy",
        on=date(2026, 3, 18),
    )

    assert credit.evaluate_holds(session, org_id=org.id, as_of=RULE_DAY).placed == []
    manual = credit.place_hold(
        session, org_id=org.id, customer_id=alpha.id, reason="order desk: stop", by="kim"
    )

    assert manual.id != policy.id
    assert _holds(session) == [
        (
            HoldSource.POLICY,
            HoldStatus.ACTIVE,
            "escalation policy: INV-1 is 45 days past due; step 'formal notice'; "
            "credit rule: an invoice is 61 days past due (more than 60)",
        ),
        (HoldSource.MANUAL, HoldStatus.ACTIVE, "order desk: stop"),
    ]
