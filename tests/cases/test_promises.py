"""Promises to pay: kept, partially kept, broken; their pauses; kept rates."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from recoup.cases import pauses, tasks
from recoup.cases import promises as case_promises
from recoup.cases.models import PromiseStatus, TaskKind
from recoup.errors import Conflict, InvalidInput
from recoup.policy.pauses import Pause, PauseScope
from tests.cases.helpers import add_billing_contact, outbox_keys, pay
from tests.factories import make_customer, make_invoice, make_org

MADE = date(2026, 3, 2)
PROMISED = date(2026, 3, 10)  # + 3 days' grace: the pause lasts through 13 March


def _promise(session: Session, amount: str | None = "100.00"):  # type: ignore[no-untyped-def]
    org = make_org(session)
    alpha = make_customer(session, org=org, external_id="C1")
    alpha.collector = "kim@acme.example"
    inv1 = make_invoice(
        session, customer=alpha, number="INV-1", total="100.00", due_date=date(2026, 2, 1)
    )
    inv2 = make_invoice(
        session, customer=alpha, number="INV-2", total="50.00", due_date=date(2026, 2, 1)
    )
    promise = case_promises.add_promise(
        session,
        org_id=org.id,
        customer_id=alpha.id,
        items=[(inv1.id, None if amount is None else Decimal(amount))],
        promised_on=PROMISED,
        made_on=MADE,
        contact="Ann Payable",
        channel="phone",
    )
    return org, alpha, inv1, inv2, promise


def test_a_promise_pauses_its_invoices_until_the_date_plus_grace(session: Session) -> None:
    org, alpha, inv1, _, promise = _promise(session)
    assert promise.collector == "kim@acme.example"  # the customer's collector by default
    assert promise.promised_amount == 10000
    expected = Pause(
        scope=PauseScope.INVOICE,
        customer_id=alpha.id,
        starts_on=MADE,
        ends_on=date(2026, 3, 13),
        reason="promise to pay by 2026-03-10",
        invoice_id=inv1.id,
        kind="promise",
    )
    assert pauses.pauses(session, org_id=org.id, as_of=date(2026, 3, 13)) == [expected]
    assert pauses.pauses(session, org_id=org.id, as_of=date(2026, 3, 14)) == []


def test_kept_when_the_promised_amount_is_paid_in_time(session: Session) -> None:
    org, _, inv1, _, promise = _promise(session)
    pay(session, invoice=inv1, amount="100.00", on=date(2026, 3, 9), external_id="P1")
    assert case_promises.evaluate_promises(session, org_id=org.id, as_of=date(2026, 3, 9)) == [
        promise
    ]
    assert (promise.status, promise.kept_amount, promise.closed_on) == (
        PromiseStatus.KEPT,
        10000,
        date(2026, 3, 9),
    )
    assert pauses.pauses(session, org_id=org.id, as_of=date(2026, 3, 9)) == []
    assert tasks.open_tasks(session, org_id=org.id) == []


def test_a_payment_in_the_grace_days_does_not_keep_it(session: Session) -> None:
    """DOMAIN.md: kept = paid on or before the promised date (10 March). Paid in full on
    12 March, inside the 3 grace days: not kept (nothing by the date: broken), judged the
    day it was paid; the grace only delayed chasing, and as nothing is owed any more no
    task is raised."""
    org, _, inv1, _, promise = _promise(session)
    pay(session, invoice=inv1, amount="100.00", on=date(2026, 3, 12), external_id="P1")
    assert case_promises.evaluate_promises(session, org_id=org.id, as_of=date(2026, 3, 11)) == []
    assert case_promises.evaluate_promises(session, org_id=org.id, as_of=date(2026, 3, 12)) == [
        promise
    ]
    assert (promise.status, promise.kept_amount, promise.closed_on) == (
        PromiseStatus.BROKEN,
        0,
        date(2026, 3, 12),
    )
    assert tasks.open_tasks(session, org_id=org.id) == []


def test_paid_on_the_promised_date_is_kept(session: Session) -> None:
    org, _, inv1, _, promise = _promise(session)
    pay(session, invoice=inv1, amount="60.00", on=date(2026, 3, 9), external_id="P1")
    pay(session, invoice=inv1, amount="40.00", on=PROMISED, external_id="P2")
    case_promises.evaluate_promises(session, org_id=org.id, as_of=date(2026, 3, 20))
    assert (promise.status, promise.kept_amount) == (PromiseStatus.KEPT, 10000)


def test_part_by_the_date_and_the_rest_in_the_grace_days_is_partially_kept(
    session: Session,
) -> None:
    """40.00 by 10 March, 60.00 on 13 March (grace): 40.00 of 100.00 kept on time."""
    org, _, inv1, _, promise = _promise(session)
    pay(session, invoice=inv1, amount="40.00", on=date(2026, 3, 10), external_id="P1")
    pay(session, invoice=inv1, amount="60.00", on=date(2026, 3, 13), external_id="P2")
    case_promises.evaluate_promises(session, org_id=org.id, as_of=date(2026, 3, 13))
    assert (promise.status, promise.kept_amount) == (PromiseStatus.PARTIALLY_KEPT, 4000)
    assert tasks.open_tasks(session, org_id=org.id) == []  # nothing left to chase


def test_partially_kept_ends_the_pause_and_raises_a_task(session: Session) -> None:
    org, alpha, inv1, _, promise = _promise(session)
    pay(session, invoice=inv1, amount="40.00", on=date(2026, 3, 10), external_id="P1")
    # Through the deadline it stays pending (more may come).
    assert case_promises.evaluate_promises(session, org_id=org.id, as_of=date(2026, 3, 13)) == []
    assert promise.status == PromiseStatus.PENDING
    case_promises.evaluate_promises(session, org_id=org.id, as_of=date(2026, 3, 14))
    assert (promise.status, promise.kept_amount) == (PromiseStatus.PARTIALLY_KEPT, 4000)
    (task,) = tasks.open_tasks(session, org_id=org.id)
    assert task.key == f"promise:{promise.id}:broken"
    assert task.kind == TaskKind.BROKEN_PROMISE
    assert task.assignee == "kim@acme.example"
    assert task.customer_id == alpha.id
    assert task.title == f"Promise #{promise.id} to pay by 2026-03-10 partially kept"
    assert pauses.pauses(session, org_id=org.id, as_of=date(2026, 3, 14)) == []


def test_broken_when_nothing_is_paid(session: Session) -> None:
    org, _, inv1, _, promise = _promise(session)
    # A payment after the deadline does not keep the promise.
    pay(session, invoice=inv1, amount="100.00", on=date(2026, 3, 15), external_id="P1")
    case_promises.evaluate_promises(session, org_id=org.id, as_of=date(2026, 3, 16))
    assert (promise.status, promise.kept_amount) == (PromiseStatus.BROKEN, 0)
    (task,) = tasks.open_tasks(session, org_id=org.id)
    assert task.title.endswith(" broken")
    # Evaluating again changes nothing and raises no second task.
    assert case_promises.evaluate_promises(session, org_id=org.id, as_of=date(2026, 3, 17)) == []
    assert len(tasks.open_tasks(session, org_id=org.id)) == 1


def test_a_payment_before_the_promise_was_made_does_not_count(session: Session) -> None:
    org, _alpha, inv1, _, promise = _promise(session, amount="60.00")
    # 40.00 paid on 1 March, before the promise of 60.00 on 2 March (for what was left).
    pay(session, invoice=inv1, amount="40.00", on=date(2026, 3, 1), external_id="P0")
    case_promises.evaluate_promises(session, org_id=org.id, as_of=date(2026, 3, 14))
    assert promise.status == PromiseStatus.BROKEN


def test_promise_input_is_checked(session: Session) -> None:
    org, alpha, inv1, inv2, _ = _promise(session)
    with pytest.raises(Conflict, match="INV-1 already has a pending promise"):
        case_promises.add_promise(
            session,
            org_id=org.id,
            customer_id=alpha.id,
            items=[(inv1.id, None)],
            promised_on=PROMISED,
            made_on=MADE,
        )
    with pytest.raises(InvalidInput, match=r"more than the 50\.00 open on INV-2"):
        case_promises.add_promise(
            session,
            org_id=org.id,
            customer_id=alpha.id,
            items=[(inv2.id, Decimal("50.01"))],
            promised_on=PROMISED,
            made_on=MADE,
        )
    with pytest.raises(InvalidInput, match="before the day it was made"):
        case_promises.add_promise(
            session,
            org_id=org.id,
            customer_id=alpha.id,
            items=[(inv2.id, None)],
            promised_on=date(2026, 3, 1),
            made_on=MADE,
        )
    with pytest.raises(InvalidInput, match="channel"):
        case_promises.add_promise(
            session,
            org_id=org.id,
            customer_id=alpha.id,
            items=[(inv2.id, None)],
            promised_on=PROMISED,
            made_on=MADE,
            channel="pigeon",
        )


def test_cancelled_promise_ends_the_pause(session: Session) -> None:
    org, _, _, _, promise = _promise(session)
    case_promises.cancel_promise(session, org_id=org.id, promise_id=promise.id, on=date(2026, 3, 5))
    assert promise.status == PromiseStatus.CANCELLED
    assert pauses.pauses(session, org_id=org.id, as_of=date(2026, 3, 5)) == []
    assert len(pauses.pauses(session, org_id=org.id, as_of=date(2026, 3, 4))) == 1


def test_confirmation_is_planned_in_the_outbox(session: Session) -> None:
    org = make_org(session)
    alpha = make_customer(session, org=org, external_id="C1")
    add_billing_contact(session, customer=alpha)
    inv = make_invoice(session, customer=alpha, number="INV-1", total="100.00")
    promise = case_promises.add_promise(
        session,
        org_id=org.id,
        customer_id=alpha.id,
        items=[(inv.id, None)],
        promised_on=PROMISED,
        made_on=MADE,
        confirm=True,
    )
    assert outbox_keys(session, org.id) == [f"promise:{promise.id}:confirmation"]


def test_promise_kept_rate_per_customer_and_collector(session: Session) -> None:
    """Hand-worked: Alpha (kim) kept 1, partially kept 1, broken 1, pending 1 →
    1 / 3 = 0.3333; Beta (lee) kept 1, cancelled 1 → 1 / 1 = 1. By collector the same;
    overall 2 kept of 4 judged = 0.5."""
    org = make_org(session)
    alpha = make_customer(session, org=org, external_id="C1")
    beta = make_customer(session, org=org, external_id="C2")
    invoices = {
        n: make_invoice(session, customer=c, number=n, total="100.00", due_date=date(2026, 2, 1))
        for n, c in [
            ("A1", alpha),
            ("A2", alpha),
            ("A3", alpha),
            ("A4", alpha),
            ("B1", beta),
            ("B2", beta),
        ]
    }
    promises = {
        n: case_promises.add_promise(
            session,
            org_id=org.id,
            customer_id=invoices[n].customer_id,
            items=[(invoices[n].id, None)],
            promised_on=PROMISED if n != "A4" else date(2026, 4, 30),
            made_on=MADE,
            collector="kim" if n.startswith("A") else "lee",
        )
        for n in invoices
    }
    pay(session, invoice=invoices["A1"], amount="100.00", on=date(2026, 3, 5), external_id="P1")
    pay(session, invoice=invoices["A2"], amount="30.00", on=date(2026, 3, 5), external_id="P2")
    pay(session, invoice=invoices["B1"], amount="100.00", on=date(2026, 3, 5), external_id="P3")
    case_promises.cancel_promise(
        session, org_id=org.id, promise_id=promises["B2"].id, on=date(2026, 3, 3)
    )
    case_promises.evaluate_promises(session, org_id=org.id, as_of=date(2026, 3, 20))
    assert [promises[n].status for n in ("A1", "A2", "A3", "A4", "B1", "B2")] == [
        "kept",
        "partially_kept",
        "broken",
        "pending",
        "kept",
        "cancelled",
    ]
    rates = case_promises.promise_kept_rates(session, org_id=org.id)
    assert rates.by_customer[alpha.id].rate == Decimal("0.3333")
    assert (rates.by_customer[alpha.id].judged, rates.by_customer[alpha.id].pending) == (3, 1)
    assert rates.by_customer[beta.id].rate == Decimal("1.0000")
    assert rates.by_collector["kim"].rate == Decimal("0.3333")
    assert rates.by_collector["lee"].rate == Decimal("1.0000")
    assert rates.overall.rate == Decimal("0.5000")
    # Percentages as DOMAIN.md gives them, two decimals: 1 / 3 = 33.33 %, 2 / 4 = 50.00 %.
    assert rates.by_customer[alpha.id].percent == Decimal("33.33")
    assert rates.overall.percent == Decimal("50.00")
