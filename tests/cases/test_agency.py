"""Agency hand-offs (approval, pause, placement file, recoveries) and write-offs."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from recoup.cases import agency, notes, pauses, tasks
from recoup.cases.core import NotAllowed
from recoup.cases.models import Handoff, HandoffStatus, TaskKind, WriteOff, WriteOffStatus
from recoup.errors import Conflict, InvalidInput
from recoup.ledger import queries
from recoup.ledger import service as ledger
from recoup.ledger.models import CreditNote
from tests.cases.helpers import count, pay
from tests.factories import make_invoice, make_org


def _account(session: Session):  # type: ignore[no-untyped-def]
    org = make_org(session)
    alpha = ledger.create_customer(
        session,
        org_id=org.id,
        external_id="C1",
        name="Alpha Trading Ltd",
        currency="EUR",
        country="GB",
        registration_number="01234567",
    )
    alpha.address = "1 High Street\nLeeds LS1 1AA"
    ledger.add_contact(
        session,
        org_id=org.id,
        customer_id=alpha.id,
        name="Ann Payable",
        email="ap@alpha.example",
        phone="+44 113 000 0001",
    )
    ledger.add_contact(
        session, org_id=org.id, customer_id=alpha.id, name="Bob Boss", email="bob@alpha.example"
    )
    inv1 = make_invoice(
        session,
        customer=alpha,
        number="INV-1",
        total="300.00",
        issue_date=date(2025, 10, 1),
        due_date=date(2025, 10, 31),
    )
    inv2 = make_invoice(
        session,
        customer=alpha,
        number="INV-2",
        total="200.00",
        issue_date=date(2025, 11, 1),
        due_date=date(2025, 11, 30),
    )
    pay(session, invoice=inv2, amount="50.00", on=date(2025, 12, 1), external_id="P1")
    session.refresh(inv2)
    return org, alpha, inv1, inv2


def test_a_handoff_waits_for_a_manager(session: Session) -> None:
    org, alpha, inv1, inv2 = _account(session)
    handoff = agency.request_handoff(
        session,
        org_id=org.id,
        customer_id=alpha.id,
        invoice_ids=[inv1.id, inv2.id],
        agency="Debt Hunters Ltd",
        requested_by="policy",
        key="policy:C1:cycle1:handoff",
        on=date(2026, 3, 1),
    )
    assert handoff.status == HandoffStatus.PENDING
    assert handoff.placed_amount == 45000
    (task,) = tasks.open_tasks(session, org_id=org.id)
    assert (task.kind, task.key) == (TaskKind.APPROVAL, f"handoff:{handoff.id}:approval")
    # Not yet placed: no pause.
    assert pauses.pauses(session, org_id=org.id, as_of=date(2026, 3, 2)) == []
    # Asking again with the same key, or for the same invoices, adds nothing.
    again = agency.request_handoff(
        session,
        org_id=org.id,
        customer_id=alpha.id,
        invoice_ids=[inv1.id],
        agency="Debt Hunters Ltd",
        requested_by="policy",
        key="policy:C1:cycle1:handoff",
    )
    other_key = agency.request_handoff(
        session,
        org_id=org.id,
        customer_id=alpha.id,
        invoice_ids=[inv1.id, inv2.id],
        agency="Debt Hunters Ltd",
        requested_by="policy",
        key="policy:C1:cycle2:handoff",
    )
    assert again.id == other_key.id == handoff.id
    assert count(session, Handoff) == 1


def test_a_collector_may_not_approve(session: Session) -> None:
    org, alpha, inv1, _ = _account(session)
    handoff = agency.request_handoff(
        session,
        org_id=org.id,
        customer_id=alpha.id,
        invoice_ids=[inv1.id],
        agency="Debt Hunters Ltd",
        requested_by="kim",
        on=date(2026, 3, 1),
    )
    with pytest.raises(
        NotAllowed, match="needs approval by a manager or an admin, not a collector"
    ):
        agency.approve_handoff(
            session,
            org_id=org.id,
            handoff_id=handoff.id,
            approver="kim",
            approver_role="collector",
            commission_rate=Decimal("0.25"),
        )
    assert handoff.status == HandoffStatus.PENDING
    with pytest.raises(InvalidInput, match="commission"):
        agency.approve_handoff(
            session,
            org_id=org.id,
            handoff_id=handoff.id,
            approver="max",
            approver_role="manager",
        )


def test_approval_places_the_invoices_and_writes_the_placement_file(session: Session) -> None:
    org, alpha, inv1, inv2 = _account(session)
    notes.log_call(session, org_id=org.id, customer_id=alpha.id, outcome="refused")
    handoff = agency.request_handoff(
        session,
        org_id=org.id,
        customer_id=alpha.id,
        invoice_ids=[inv1.id, inv2.id],
        agency="Debt Hunters Ltd",
        requested_by="kim",
        on=date(2026, 3, 1),
    )
    agency.approve_handoff(
        session,
        org_id=org.id,
        handoff_id=handoff.id,
        approver="max@acme.example",
        approver_role="Manager",
        on=date(2026, 3, 2),
        commission_rate=Decimal("0.25"),
        processor_agreement="DPA-2026-07",
    )
    assert (handoff.status, handoff.approver_role, handoff.commission_bp) == (
        HandoffStatus.PLACED,
        "manager",
        2500,
    )
    assert tasks.open_tasks(session, org_id=org.id) == []  # the approval task is done
    paused = pauses.pauses(session, org_id=org.id, as_of=date(2027, 1, 1))
    assert [(p.invoice_id, p.ends_on, p.reason) for p in paused] == [
        (inv1.id, None, f"placed with agency Debt Hunters Ltd (hand-off #{handoff.id})"),
        (inv2.id, None, f"placed with agency Debt Hunters Ltd (hand-off #{handoff.id})"),
    ]
    lines = handoff.placement_csv.splitlines()
    assert lines[0] == (
        "agency,placement,placed_on,account,customer_name,registration_number,vat_number,"
        "country,address,contact_name,contact_email,contact_phone,other_contacts,invoice,"
        "issue_date,due_date,currency,total,open_amount,days_past_due,history"
    )
    prefix = (
        f"Debt Hunters Ltd,{handoff.id},2026-03-02,C1,Alpha Trading Ltd,01234567,,GB,"
        '"1 High Street, Leeds LS1 1AA",Ann Payable,ap@alpha.example,+44 113 000 0001,'
        "Bob Boss <bob@alpha.example>,"
    )
    assert lines[1] == prefix + "INV-1,2025-10-01,2025-10-31,EUR,300.00,300.00,122,1 call"
    assert lines[2] == prefix + "INV-2,2025-11-01,2025-11-30,EUR,200.00,150.00,92,1 call"
    with pytest.raises(Conflict, match="not pending approval"):
        agency.approve_handoff(
            session,
            org_id=org.id,
            handoff_id=handoff.id,
            approver="max",
            approver_role="admin",
        )


def test_recovery_nets_the_commission_and_settles_the_invoices(session: Session) -> None:
    org, alpha, inv1, inv2 = _account(session)
    handoff = agency.request_handoff(
        session,
        org_id=org.id,
        customer_id=alpha.id,
        invoice_ids=[inv1.id, inv2.id],
        agency="Debt Hunters Ltd",
        requested_by="kim",
        on=date(2026, 3, 1),
        commission_rate=Decimal("0.15"),
    )
    agency.approve_handoff(
        session,
        org_id=org.id,
        handoff_id=handoff.id,
        approver="ada",
        approver_role="admin",
        on=date(2026, 3, 1),
    )
    recovery = agency.record_recovery(
        session,
        org_id=org.id,
        handoff_id=handoff.id,
        amount=Decimal("333.33"),
        received_on=date(2026, 4, 1),
    )
    # 333.33 × 15 % = 49.9995 → 50.00 commission, 283.33 net.
    assert (recovery.gross_amount, recovery.commission_amount, recovery.net_amount) == (
        33333,
        5000,
        28333,
    )
    session.refresh(inv1)
    session.refresh(inv2)
    assert (inv1.open_amount, inv2.open_amount) == (0, 11667)
    assert ledger.balance_mismatches(session, org_id=org.id) == []
    with pytest.raises(InvalidInput, match=r"more than the 116\.67 still open"):
        agency.record_recovery(
            session,
            org_id=org.id,
            handoff_id=handoff.id,
            amount=Decimal("116.68"),
            received_on=date(2026, 4, 2),
        )


def test_write_off_needs_a_manager_and_keeps_the_balances(session: Session) -> None:
    org, _alpha, _inv1, inv2 = _account(session)
    request = agency.request_write_off(
        session,
        org_id=org.id,
        invoice_id=inv2.id,
        reason="insolvent",
        requested_by="kim",
        on=date(2026, 3, 1),
    )
    assert (request.status, request.amount) == (WriteOffStatus.PENDING, 15000)
    with pytest.raises(NotAllowed):
        agency.approve_write_off(
            session,
            org_id=org.id,
            write_off_id=request.id,
            approver="kim",
            approver_role="collector",
        )
    assert count(session, CreditNote) == 0
    agency.approve_write_off(
        session,
        org_id=org.id,
        write_off_id=request.id,
        approver="max",
        approver_role="manager",
        on=date(2026, 3, 2),
    )
    session.refresh(inv2)
    # open = total − allocations: 200.00 − 50.00 paid − 150.00 written off.
    assert (inv2.open_amount, inv2.status) == (0, "written_off")
    assert ledger.balance_mismatches(session, org_id=org.id) == []
    (note,) = queries.credit_note_snaps(session, org_id=org.id)
    assert (note.number, note.total_amount, note.open_amount, note.reason) == (
        f"WO-{request.id}",
        15000,
        0,
        "write-off of INV-2: insolvent",
    )
    assert tasks.open_tasks(session, org_id=org.id) == []


def test_partial_write_off_of_a_small_balance(session: Session) -> None:
    org, alpha, inv1, _ = _account(session)
    pay(session, invoice=inv1, amount="299.63", on=date(2026, 1, 5), external_id="P2")
    agency.write_off(
        session,
        org_id=org.id,
        invoice_id=inv1.id,
        reason="short payment",
        requested_by="kim",
        approver="max",
        approver_role="admin",
        on=date(2026, 1, 6),
    )
    session.refresh(inv1)
    assert (inv1.open_amount, inv1.status) == (0, "written_off")
    inv3 = make_invoice(session, customer=alpha, number="INV-3", total="100.00")
    agency.write_off(
        session,
        org_id=org.id,
        invoice_id=inv3.id,
        reason="goodwill",
        requested_by="kim",
        approver="max",
        approver_role="admin",
        amount=Decimal("10.00"),
    )
    session.refresh(inv3)
    assert (inv3.open_amount, inv3.status) == (9000, "open")
    assert ledger.balance_mismatches(session, org_id=org.id) == []


def test_one_step_write_off_by_a_collector_writes_nothing(session: Session) -> None:
    org, _, inv1, _ = _account(session)
    with pytest.raises(NotAllowed):
        agency.write_off(
            session,
            org_id=org.id,
            invoice_id=inv1.id,
            reason="x",
            requested_by="kim",
            approver="kim",
            approver_role="collector",
        )
    assert count(session, WriteOff) == 0
    with pytest.raises(InvalidInput, match=r"more than the 300\.00 open on INV-1"):
        agency.request_write_off(
            session,
            org_id=org.id,
            invoice_id=inv1.id,
            reason="x",
            requested_by="kim",
            amount=Decimal("301"),
        )
