"""The customer timeline: one chronological list of everything on the account."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from recoup.cases import agency, disputes, notes, promises
from recoup.cases.timeline import timeline
from recoup.credit import service as credit
from recoup.errors import NotFound
from tests.cases.helpers import pay
from tests.factories import make_customer, make_invoice, make_org


def test_everything_in_order(session: Session) -> None:
    org = make_org(session)
    alpha = make_customer(session, org=org, external_id="C1")
    alpha.sales_owner = "sam@acme.example"
    inv1 = make_invoice(
        session,
        customer=alpha,
        number="INV-1",
        total="100.00",
        issue_date=date(2026, 1, 1),
        due_date=date(2026, 1, 31),
    )
    inv2 = make_invoice(
        session,
        customer=alpha,
        number="INV-2",
        total="60.00",
        issue_date=date(2026, 1, 10),
        due_date=date(2026, 2, 9),
    )
    pay(session, invoice=inv1, amount="100.00", on=date(2026, 2, 5), external_id="P1")
    dispute = disputes.open_dispute(
        session,
        org_id=org.id,
        customer_id=alpha.id,
        invoice_ids=[inv2.id],
        reason="quality",
        opened_on=date(2026, 2, 20),
    )
    disputes.resolve_dispute(
        session, org_id=org.id, dispute_id=dispute.id, outcome="invalid", on=date(2026, 2, 25)
    )
    promise = promises.add_promise(
        session,
        org_id=org.id,
        customer_id=alpha.id,
        items=[(inv2.id, None)],
        promised_on=date(2026, 3, 10),
        made_on=date(2026, 3, 1),
        contact="Ann",
    )
    promises.evaluate_promises(session, org_id=org.id, as_of=date(2026, 3, 14))
    credit.set_credit_limit(
        session,
        org_id=org.id,
        customer_id=alpha.id,
        limit=Decimal("5000"),
        reason="annual review",
        on=date(2026, 3, 15),
    )
    credit.place_hold(
        session, org_id=org.id, customer_id=alpha.id, reason="broken promise", on=date(2026, 3, 16)
    )
    written_off = agency.write_off(
        session,
        org_id=org.id,
        invoice_id=inv2.id,
        reason="not worth chasing",
        requested_by="kim",
        approver="max",
        approver_role="manager",
        on=date(2026, 3, 20),
    )
    notes.add_note(
        session, org_id=org.id, customer_id=alpha.id, text="Customer closing down", author="kim"
    )
    entries = timeline(session, org_id=org.id, customer_id=alpha.id)
    dated = [
        (e.at.date().isoformat(), e.kind, e.title)
        for e in entries
        if e.at.date() < date(2026, 3, 21)
    ]
    assert dated == [
        ("2026-01-01", "invoice", "Invoice INV-1 of €100.00 issued"),
        ("2026-01-10", "invoice", "Invoice INV-2 of €60.00 issued"),
        ("2026-02-05", "payment", "Payment of €100.00 received"),
        ("2026-02-05", "invoice_paid", "Invoice INV-1 paid"),
        ("2026-02-20", "dispute", f"Dispute #{dispute.id} opened on INV-2: quality"),
        ("2026-02-25", "dispute", f"Dispute #{dispute.id} found not valid"),
        ("2026-03-01", "promise", "Promise to pay €60.00 by 10 Mar 2026"),
        ("2026-03-14", "promise", f"Promise #{promise.id} broken"),
        ("2026-03-15", "credit_limit", "Credit limit set to €5,000.00"),
        ("2026-03-16", "credit_hold", "Credit hold placed"),
        ("2026-03-20", "credit_note", f"Credit note WO-{written_off.id} of €60.00 issued"),
        ("2026-03-20", "invoice_paid", "Invoice INV-2 written off"),
        ("2026-03-20", "write_off", "Write-off of €60.00 on INV-2 approved"),
    ]
    recent = {e.kind for e in entries if e.at.date() >= date(2026, 3, 21)}
    # Created today: the tasks (broken promise, write-off approval), the note, the
    # owner's notification of the hold.
    assert recent == {"task", "note", "message"}
    assert entries[0].link == f"/invoices/{inv1.id}"
    assert entries[3].detail == "5 days late"


def test_unknown_customer(session: Session) -> None:
    org = make_org(session)
    with pytest.raises(NotFound):
        timeline(session, org_id=org.id, customer_id=424242)
