"""The ledger's typed bulk writers: what other domains write through, audited each."""

import json
from datetime import date

from sqlalchemy.orm import Session

from recoup.audit import service as audit
from recoup.ledger import queries
from recoup.ledger import service as ledger
from recoup.ledger.enums import CustomerStatus, PaymentMethod
from tests.factories import make_customer, make_org


def test_payments_recorded_in_one_call_with_their_audit_events(session: Session) -> None:
    org = make_org(session)
    customer = make_customer(session, org=org, external_id="C1")
    ids = ledger.record_payments(
        session,
        org_id=org.id,
        payments=[
            ledger.NewPayment(
                external_id="bank-1",
                customer_id=customer.id,
                received_on=date(2026, 5, 4),
                currency="EUR",
                amount=12_345,
                method=PaymentMethod.BANK_TRANSFER,
                reference="RF18 539",
                payer_name="Acme GmbH",
                payer_iban="DE89370400440532013000",
            ),
            ledger.NewPayment(
                external_id="bank-2",
                customer_id=None,
                received_on=date(2026, 5, 5),
                currency="EUR",
                amount=50,
                method=PaymentMethod.BANK_TRANSFER,
            ),
        ],
    )
    assert len(ids) == 2
    first, second = sorted(
        queries.payments_among(session, org_id=org.id, payment_ids=ids), key=lambda p: p.external_id
    )
    assert (first.external_id, first.amount, first.unallocated_amount) == ("bank-1", 12_345, 12_345)
    assert (second.external_id, second.amount, second.reference) == ("bank-2", 50, "")
    assert [p.id for p in queries.customer_payments(
        session, org_id=org.id, customer_id=customer.id
    )] == [first.id]  # fmt: skip
    for payment_id in ids:
        (event,) = audit.history(session, org_id=org.id, entity="payments", entity_id=payment_id)
        assert event.action == "create"


def test_customer_statuses_change_together_and_each_is_audited(session: Session) -> None:
    org = make_org(session)
    one, two, other = (make_customer(session, org=org, external_id=f"C{i}") for i in range(3))
    ledger.change_customer_statuses(
        session,
        org_id=org.id,
        customer_ids=[two.id, one.id],
        before=CustomerStatus.ACTIVE,
        after=CustomerStatus.ON_HOLD,
    )
    statuses = {c.id: c.status for c in ledger.customers(session, org_id=org.id)}
    assert statuses == {one.id: "on_hold", two.id: "on_hold", other.id: "active"}
    (*_, held) = audit.history(session, org_id=org.id, entity="customers", entity_id=one.id)
    assert held.action == "update"
    assert (json.loads(held.before or ""), json.loads(held.after or "")) == (
        {"status": "active"},
        {"status": "on_hold"},
    )
    assert [e.action for e in audit.history(
        session, org_id=org.id, entity="customers", entity_id=other.id
    )] == ["create"]  # fmt: skip
