"""Credit holds: manual, by policy (idempotent by key) and by rule (released
automatically when the condition clears, manual holds staying)."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from recoup.comms.models import OutboxMessage
from recoup.credit import service as credit
from recoup.credit.models import CreditHold, HoldSource, HoldStatus
from recoup.errors import InvalidInput
from recoup.ledger import service as ledger
from recoup.ledger.models import CustomerStatus
from tests.cases.helpers import count, outbox_keys, pay
from tests.factories import make_customer, make_invoice, make_org


def _customer(session: Session):  # type: ignore[no-untyped-def]
    org = make_org(session)
    alpha = make_customer(session, org=org, external_id="C1")
    alpha.sales_owner = "sam@acme.example"
    return org, alpha


def test_manual_hold_and_release(session: Session) -> None:
    org, alpha = _customer(session)
    inv = make_invoice(
        session, customer=alpha, number="INV-1", total="100.00", due_date=date(2026, 2, 1)
    )
    hold = credit.place_hold(
        session,
        org_id=org.id,
        customer_id=alpha.id,
        reason="cheque bounced",
        by="kim",
        on=date(2026, 3, 1),
    )
    assert (hold.source, hold.status, hold.placed_by) == (
        HoldSource.MANUAL,
        HoldStatus.ACTIVE,
        "kim",
    )
    assert alpha.status == CustomerStatus.ON_HOLD
    (message,) = session.scalars(select(OutboxMessage).where(OutboxMessage.org_id == org.id))
    assert (message.key, message.template, message.recipient, message.kind) == (
        f"credit_hold:{hold.id}:owner",
        "owner_notification",
        "sam@acme.example",
        "email",
    )
    payload = dict(message.payload)
    assert payload.pop("portal_token")  # the link its text carries, issued when planned
    assert payload == {
        "event": "credit_hold",
        "note": "cheque bounced",
        "invoice_ids": [inv.id],
        "as_of": "2026-03-01",
    }
    assert message.to_customer is False  # the owner's note: outside the customer's caps
    # A second manual hold while one is active is the same hold.
    assert (
        credit.place_hold(session, org_id=org.id, customer_id=alpha.id, reason="again").id
        == hold.id
    )
    released = credit.release_hold(
        session,
        org_id=org.id,
        customer_id=alpha.id,
        reason="cleared",
        by="max",
        on=date(2026, 3, 5),
    )
    assert released == [hold]
    assert (hold.status, hold.released_on, hold.released_by) == (
        HoldStatus.RELEASED,
        date(2026, 3, 5),
        "max",
    )
    assert alpha.status == CustomerStatus.ACTIVE
    assert outbox_keys(session, org.id)[-1] == f"credit_hold:{hold.id}:released:owner"


def test_policy_hold_is_idempotent_by_key(session: Session) -> None:
    org, alpha = _customer(session)
    key = "policy:C1:cycle1:formal notice:credit_hold"
    first = credit.place_hold(
        session,
        org_id=org.id,
        customer_id=alpha.id,
        reason="formal notice",
        source="policy",
        key=key,
    )
    second = credit.place_hold(
        session,
        org_id=org.id,
        customer_id=alpha.id,
        reason="formal notice",
        source="policy",
        key=key,
    )
    assert first.id == second.id
    credit.release_hold(session, org_id=org.id, customer_id=alpha.id)
    # Re-planning the same step after a release does not put the hold back on.
    again = credit.place_hold(
        session,
        org_id=org.id,
        customer_id=alpha.id,
        reason="formal notice",
        source="policy",
        key=key,
    )
    assert again.id == first.id
    assert again.status == HoldStatus.RELEASED
    assert count(session, CreditHold) == 1
    with pytest.raises(InvalidInput, match="source"):
        credit.place_hold(session, org_id=org.id, customer_id=alpha.id, reason="x", source="robot")


def test_rule_holds_over_the_limit_and_releases_when_it_clears(session: Session) -> None:
    org, alpha = _customer(session)
    credit.set_credit_limit(session, org_id=org.id, customer_id=alpha.id, limit=Decimal("1000"))
    inv = make_invoice(
        session,
        customer=alpha,
        number="INV-1",
        total="900.00",
        issue_date=date(2026, 3, 1),
        due_date=date(2026, 3, 31),
    )
    as_of = date(2026, 3, 10)
    assert credit.evaluate_holds(session, org_id=org.id, as_of=as_of).placed == []
    # Open orders of 200.00 take the exposure to 1,100.00: over the limit.
    credit.report_open_orders(
        session, org_id=org.id, customer_id=alpha.id, amount=Decimal("200"), on=as_of
    )
    assert credit.exposure(session, org_id=org.id, customer_id=alpha.id).total == 110000
    (hold,) = credit.evaluate_holds(session, org_id=org.id, as_of=as_of).placed
    assert hold.source == HoldSource.RULE
    assert hold.reason == "exposure 1100.00 EUR is over the credit limit of 1000.00 EUR"
    assert alpha.status == CustomerStatus.ON_HOLD
    # Evaluating again the next day changes nothing.
    again = credit.evaluate_holds(session, org_id=org.id, as_of=date(2026, 3, 11))
    assert (again.placed, again.released) == ([], [])
    # A payment of 150.00 brings it to 950.00: released automatically.
    pay(session, invoice=inv, amount="150.00", on=date(2026, 3, 12), external_id="P1")
    changes = credit.evaluate_holds(session, org_id=org.id, as_of=date(2026, 3, 12))
    assert changes.released == [hold]
    assert hold.release_reason == "the credit rule's condition has cleared"
    assert alpha.status == CustomerStatus.ACTIVE


def test_manual_holds_stay_when_the_rule_releases(session: Session) -> None:
    org, alpha = _customer(session)
    inv = make_invoice(
        session,
        customer=alpha,
        number="INV-1",
        total="100.00",
        issue_date=date(2026, 1, 1),
        due_date=date(2026, 1, 31),
    )
    # 61 days past due on 2 April (more than 60).
    assert credit.evaluate_holds(session, org_id=org.id, as_of=date(2026, 4, 1)).placed == []
    (rule,) = credit.evaluate_holds(session, org_id=org.id, as_of=date(2026, 4, 2)).placed
    assert rule.reason == "an invoice is 61 days past due (more than 60)"
    manual = credit.place_hold(session, org_id=org.id, customer_id=alpha.id, reason="fraud check")
    pay(session, invoice=inv, amount="100.00", on=date(2026, 4, 3), external_id="P1")
    changes = credit.evaluate_holds(session, org_id=org.id, as_of=date(2026, 4, 3))
    assert changes.released == [rule]
    assert manual.status == HoldStatus.ACTIVE
    assert alpha.status == CustomerStatus.ON_HOLD
    # A configurable threshold: 30 days.
    make_invoice(
        session,
        customer=alpha,
        number="INV-2",
        total="10.00",
        issue_date=date(2026, 3, 1),
        due_date=date(2026, 3, 3),
    )
    (strict,) = credit.evaluate_holds(
        session, org_id=org.id, as_of=date(2026, 4, 3), max_days_past_due=30
    ).placed
    assert strict.reason == "an invoice is 31 days past due (more than 30)"


def test_closed_customers_are_left_alone(session: Session) -> None:
    org, alpha = _customer(session)
    make_invoice(
        session, customer=alpha, number="INV-1", total="100.00", due_date=date(2026, 1, 31)
    )
    ledger.set_customer_status(
        session, org_id=org.id, customer_id=alpha.id, status=CustomerStatus.CLOSED
    )
    assert credit.evaluate_holds(session, org_id=org.id, as_of=date(2026, 12, 1)).placed == []


def test_a_rule_hold_placed_again_the_day_it_was_released_gets_a_key_of_its_own(
    session: Session,
) -> None:
    # `recoup demo` run twice replayed days whose hold had been released since: the rule
    # placed it again under the same key, and the run failed on the unique key.
    org, alpha = _customer(session)
    credit.set_credit_limit(session, org_id=org.id, customer_id=alpha.id, limit=Decimal("1000"))
    inv = make_invoice(session, customer=alpha, number="INV-1", total="1200.00",
                       issue_date=date(2026, 3, 1), due_date=date(2026, 3, 31))  # fmt: skip
    day = date(2026, 3, 10)
    (first,) = credit.evaluate_holds(session, org_id=org.id, as_of=day).placed
    pay(session, invoice=inv, amount="300.00", on=day, external_id="P1")
    assert credit.evaluate_holds(session, org_id=org.id, as_of=day).released == [first]
    # Orders of 200.00 come in the same day: 1,100.00, over the limit again.
    credit.report_open_orders(
        session, org_id=org.id, customer_id=alpha.id, amount=Decimal("200"), on=day
    )
    (second,) = credit.evaluate_holds(session, org_id=org.id, as_of=day).placed
    assert (first.key, second.key) == (
        f"rule:{alpha.id}:2026-03-10",
        f"rule:{alpha.id}:2026-03-10:2",
    )
    assert second.status == HoldStatus.ACTIVE
