"""Tasks, notes, calls and disputes: pauses of the disputed invoices only, resolutions,
the SLA task."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from recoup.cases import disputes, notes, pauses, tasks
from recoup.cases.models import DisputeStatus, TaskKind, TaskStatus
from recoup.errors import Conflict, InvalidInput, NotFound
from recoup.ledger import queries
from recoup.ledger import service as ledger
from recoup.policy.pauses import Pause, PauseScope
from tests.factories import make_customer, make_invoice, make_org


def _portfolio(session: Session):  # type: ignore[no-untyped-def]
    org = make_org(session)
    alpha = make_customer(session, org=org, external_id="C1")
    inv1 = make_invoice(
        session, customer=alpha, number="INV-1", total="300.00", due_date=date(2026, 2, 1)
    )
    inv2 = make_invoice(
        session, customer=alpha, number="INV-2", total="200.00", due_date=date(2026, 2, 1)
    )
    return org, alpha, inv1, inv2


def test_create_task_with_a_key_twice_creates_one(session: Session) -> None:
    org, alpha, _, _ = _portfolio(session)
    first = tasks.create_task(
        session,
        org_id=org.id,
        customer_id=alpha.id,
        title="Call Alpha",
        kind="call",
        assignee="kim@acme.example",
        due_on=date(2026, 3, 2),
        key="k1",
    )
    again = tasks.create_task(
        session, org_id=org.id, customer_id=alpha.id, title="Something else", key="k1"
    )
    assert again.id == first.id
    assert again.title == "Call Alpha"
    assert [t.id for t in tasks.open_tasks(session, org_id=org.id)] == [first.id]


def test_open_tasks_by_assignee_and_completion(session: Session) -> None:
    org, alpha, _, _ = _portfolio(session)
    kim = tasks.create_task(session, org_id=org.id, customer_id=alpha.id, title="A", assignee="kim")
    tasks.create_task(session, org_id=org.id, customer_id=alpha.id, title="B", assignee="lee")
    assert [t.title for t in tasks.open_tasks(session, org_id=org.id, assignee="kim")] == ["A"]
    done = tasks.complete_task(session, org_id=org.id, task_id=kim.id, by="kim")
    assert done.status == TaskStatus.DONE
    assert done.completed_by == "kim"
    assert done.completed_at is not None
    assert tasks.open_tasks(session, org_id=org.id, assignee="kim") == []
    with pytest.raises(Conflict, match="already done"):
        tasks.complete_task(session, org_id=org.id, task_id=kim.id, by="kim")


def test_task_kind_is_checked(session: Session) -> None:
    org, alpha, _, _ = _portfolio(session)
    with pytest.raises(InvalidInput, match="kind: 'chat' is not one of call, review"):
        tasks.create_task(session, org_id=org.id, customer_id=alpha.id, title="x", kind="chat")


def test_notes_and_calls(session: Session) -> None:
    org, alpha, _, _ = _portfolio(session)
    note = notes.add_note(
        session, org_id=org.id, customer_id=alpha.id, text=" Asked for POD ", author="kim"
    )
    assert note.text == "Asked for POD"
    call = notes.log_call(
        session, org_id=org.id, customer_id=alpha.id, outcome="no_answer", contact="Ann"
    )
    assert call.outcome == "no_answer"
    with pytest.raises(InvalidInput, match="outcome"):
        notes.log_call(session, org_id=org.id, customer_id=alpha.id, outcome="maybe")
    with pytest.raises(InvalidInput, match="text"):
        notes.add_note(session, org_id=org.id, customer_id=alpha.id, text="  ")


def test_a_dispute_pauses_only_the_disputed_invoice(session: Session) -> None:
    org, alpha, inv1, inv2 = _portfolio(session)
    dispute = disputes.open_dispute(
        session,
        org_id=org.id,
        customer_id=alpha.id,
        invoice_ids=[inv1.id],
        reason="quality",
        amount=Decimal("120.00"),
        owner="kim@acme.example",
        lines="line 3: 4 chairs scratched",
        opened_on=date(2026, 3, 1),
    )
    assert dispute.disputed_amount == 12000
    assert dispute.currency == "EUR"
    assert pauses.pauses(session, org_id=org.id, as_of=date(2026, 3, 10)) == [
        Pause(
            scope=PauseScope.INVOICE,
            customer_id=alpha.id,
            starts_on=date(2026, 3, 1),
            ends_on=None,
            reason=f"dispute #{dispute.id} (quality)",
            invoice_id=inv1.id,
            kind="dispute",
        )
    ]
    paused = pauses.pauses(session, org_id=org.id, as_of=date(2026, 3, 10))[0]
    assert paused.covers(alpha.id, inv1.id, date(2026, 3, 10))
    assert not paused.covers(alpha.id, inv2.id, date(2026, 3, 10))
    # Before the dispute was opened nothing was paused (a replay of an earlier day).
    assert pauses.pauses(session, org_id=org.id, as_of=date(2026, 2, 28)) == []


def test_an_invalid_resolution_ends_the_pause(session: Session) -> None:
    org, alpha, inv1, _ = _portfolio(session)
    dispute = disputes.open_dispute(
        session,
        org_id=org.id,
        customer_id=alpha.id,
        invoice_ids=[inv1.id],
        reason="not_received",
        opened_on=date(2026, 3, 1),
    )
    disputes.investigate_dispute(session, org_id=org.id, dispute_id=dispute.id)
    assert dispute.status == DisputeStatus.INVESTIGATING
    assert len(pauses.pauses(session, org_id=org.id, as_of=date(2026, 3, 5))) == 1
    resolved = disputes.resolve_dispute(
        session,
        org_id=org.id,
        dispute_id=dispute.id,
        outcome="invalid",
        on=date(2026, 3, 6),
        note="signed delivery note on file",
    )
    assert resolved.status == DisputeStatus.RESOLVED_INVALID
    assert pauses.pauses(session, org_id=org.id, as_of=date(2026, 3, 6)) == []
    # Replaying the day before still sees the pause, which ended then.
    (before,) = pauses.pauses(session, org_id=org.id, as_of=date(2026, 3, 5))
    assert before.ends_on == date(2026, 3, 5)
    assert inv1.open_amount == 30000  # nothing credited
    with pytest.raises(Conflict, match="already closed"):
        disputes.resolve_dispute(session, org_id=org.id, dispute_id=dispute.id, outcome="valid")


def test_a_credited_resolution_issues_and_applies_a_credit_note(session: Session) -> None:
    org, alpha, inv1, inv2 = _portfolio(session)
    dispute = disputes.open_dispute(
        session,
        org_id=org.id,
        customer_id=alpha.id,
        invoice_ids=[inv1.id, inv2.id],
        reason="pricing",
        amount=Decimal("350.00"),
        opened_on=date(2026, 3, 1),
    )
    disputes.resolve_dispute(
        session, org_id=org.id, dispute_id=dispute.id, outcome="credited", on=date(2026, 3, 4)
    )
    assert dispute.status == DisputeStatus.CREDITED
    assert dispute.credit_note_id is not None
    session.refresh(inv1)
    session.refresh(inv2)
    # 350.00 applied in order: all 300.00 of INV-1, then 50.00 of INV-2.
    assert (inv1.open_amount, inv1.status) == (0, "paid")
    assert (inv2.open_amount, inv2.status) == (15000, "open")
    (row,) = queries.credit_note_snaps(session, org_id=org.id)
    assert (row.number, row.total_amount, row.open_amount) == (
        "CN-DSP-" + str(dispute.id),
        35000,
        0,
    )
    assert ledger.balance_mismatches(session, org_id=org.id) == []
    assert pauses.pauses(session, org_id=org.id, as_of=date(2026, 3, 4)) == []


def test_dispute_input_is_checked(session: Session) -> None:
    org, alpha, inv1, _ = _portfolio(session)
    beta = make_customer(session, org=org, external_id="C2")
    other = make_invoice(session, customer=beta, number="INV-9")
    with pytest.raises(InvalidInput, match="INV-9 belongs to another customer"):
        disputes.open_dispute(
            session, org_id=org.id, customer_id=alpha.id, invoice_ids=[other.id], reason="quality"
        )
    with pytest.raises(InvalidInput, match="reason: 'late' is not one of pricing"):
        disputes.open_dispute(
            session, org_id=org.id, customer_id=alpha.id, invoice_ids=[inv1.id], reason="late"
        )
    with pytest.raises(InvalidInput, match=r"more than the 300\.00 open"):
        disputes.open_dispute(
            session,
            org_id=org.id,
            customer_id=alpha.id,
            invoice_ids=[inv1.id],
            reason="quality",
            amount=Decimal("300.01"),
        )
    with pytest.raises(NotFound):
        disputes.open_dispute(
            session, org_id=org.id, customer_id=alpha.id, invoice_ids=[999999], reason="quality"
        )
    with pytest.raises(InvalidInput, match="needs at least one invoice"):
        disputes.open_dispute(
            session, org_id=org.id, customer_id=alpha.id, invoice_ids=[], reason="quality"
        )
    assert disputes.list_disputes(session, org_id=org.id) == []


def test_dispute_sla_task_is_raised_once(session: Session) -> None:
    org, alpha, inv1, _ = _portfolio(session)
    dispute = disputes.open_dispute(
        session,
        org_id=org.id,
        customer_id=alpha.id,
        invoice_ids=[inv1.id],
        reason="quantity",
        owner="kim@acme.example",
        opened_on=date(2026, 3, 1),
    )
    # 14 days old on 15 March: within the SLA. 15 days on the 16th: over it.
    assert disputes.evaluate_disputes(session, org_id=org.id, as_of=date(2026, 3, 15)) == []
    (task,) = disputes.evaluate_disputes(session, org_id=org.id, as_of=date(2026, 3, 16))
    assert task.key == f"dispute:{dispute.id}:sla"
    assert task.kind == TaskKind.DISPUTE_SLA
    assert task.assignee == "kim@acme.example"
    assert task.title == f"Dispute #{dispute.id} (quantity) open for 15 days"
    assert disputes.evaluate_disputes(session, org_id=org.id, as_of=date(2026, 3, 17)) == []
    assert len(tasks.open_tasks(session, org_id=org.id)) == 1
    # A shorter SLA, configured by the caller, does not raise a second one either.
    assert (
        disputes.evaluate_disputes(session, org_id=org.id, as_of=date(2026, 3, 17), sla_days=3)
        == []
    )
    # Resolving the dispute completes its SLA task.
    disputes.resolve_dispute(
        session, org_id=org.id, dispute_id=dispute.id, outcome="valid", by="kim"
    )
    assert tasks.open_tasks(session, org_id=org.id) == []
