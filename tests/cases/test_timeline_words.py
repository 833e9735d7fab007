"""Every kind of timeline entry reads as a sentence: "Formal notice emailed to ap@…",
"Interest of £12.40 charged on 1007", "Credit hold placed", "Call task done by Anna" —
never an internal name or a status code ("Task: task (sent)")."""

import re
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import update
from sqlalchemy.orm import Session

from recoup.cases import agency, disputes, notes, plans, promises, tasks
from recoup.cases.timeline import timeline
from recoup.charges.models import Charge
from recoup.comms.models import OutboxKind, OutboxMessage
from recoup.comms.outbox import Effect, enqueue
from recoup.credit import service as credit
from tests.cases.helpers import pay
from tests.factories import make_customer, make_invoice, make_org

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _account(session: Session):  # type: ignore[no-untyped-def]
    org = make_org(session, currency="GBP")
    alpha = make_customer(session, org=org, external_id="C1", currency="GBP")
    inv1 = make_invoice(session, customer=alpha, number="1007", total="1200.00",
                        issue_date=date(2026, 1, 2), due_date=date(2026, 2, 1),
                        currency="GBP")  # fmt: skip
    inv2 = make_invoice(session, customer=alpha, number="1008", total="300.00",
                        issue_date=date(2026, 1, 5), due_date=date(2026, 2, 4),
                        currency="GBP")  # fmt: skip
    return org, alpha, inv1, inv2


def _outbox(session: Session, org_id: int, customer_id: int, key: str, kind: OutboxKind,
            template: str, recipient: str, status: str, error: str = "") -> None:  # fmt: skip
    enqueue(
        session,
        org_id=org_id,
        effects=[Effect(key, kind, customer_id, AT, {}, template=template, recipient=recipient)],
    )
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.org_id == org_id, OutboxMessage.key == key)
        .values(status=status, last_error=error, sent_at=AT if status == "sent" else None)
    )


def _titles(session: Session, org_id: int, customer_id: int) -> list[tuple[str, str, str]]:
    session.expire_all()
    return [(e.kind, e.title, e.detail) for e in timeline(session, org_id=org_id, customer_id=customer_id)]  # fmt: skip


def test_messages_and_planned_actions(session: Session) -> None:
    org, alpha, _inv1, _inv2 = _account(session)
    args = (session, org.id, alpha.id)
    _outbox(*args, "k1", OutboxKind.EMAIL, "formal_notice", "ap@alpha.example", "sent")
    _outbox(*args, "k2", OutboxKind.LETTER, "final_demand", "Alpha Ltd, 1 High St", "pending")
    _outbox(*args, "k3", OutboxKind.EMAIL, "statement", "ap@alpha.example", "failed",
            "550 mailbox unavailable")  # fmt: skip
    _outbox(*args, "k4", OutboxKind.SMS, "courtesy_reminder", "+447700900123", "unknown")
    _outbox(*args, "k5", OutboxKind.CREDIT_HOLD, "", "", "sent")  # the hold has its own entry
    _outbox(*args, "k6", OutboxKind.TASK, "call_script", "kim@acme.example", "pending")
    _outbox(*args, "k7", OutboxKind.CHARGE, "", "", "failed", "rates are out of date")
    _outbox(*args, "k8", OutboxKind.HANDOFF, "", "", "cancelled")
    messages = [t for kind, t, _ in _titles(session, org.id, alpha.id) if kind == "message"]
    assert messages == [
        "Formal notice emailed to ap@alpha.example",
        "Final demand to be sent by post to Alpha Ltd, 1 High St",
        "Statement to ap@alpha.example could not be emailed: 550 mailbox unavailable",
        "Courtesy reminder to +447700900123: not known whether it was texted",
        "Call task for kim@acme.example planned",
        "Interest or fee charge could not be made: rates are out of date",
        "Hand-off to an agency cancelled",
    ]


def test_ledger_charges_calls_tasks_and_credit(session: Session) -> None:
    org, alpha, inv1, inv2 = _account(session)
    pay(session, invoice=inv2, amount="300.00", on=date(2026, 2, 9), external_id="P-77")
    session.add_all(
        [
            Charge(org_id=org.id, customer_id=alpha.id, invoice_id=inv1.id, kind="interest",
                   currency="GBP", amount=1240, period_start=date(2026, 2, 2),
                   period_end=date(2026, 2, 28), description="GB statutory interest",
                   key="i1"),
            Charge(org_id=org.id, customer_id=alpha.id, invoice_id=inv1.id, kind="late_fee",
                   currency="GBP", amount=4000, period_start=date(2026, 2, 2),
                   period_end=date(2026, 2, 2), description="late fee", key="f1",
                   status="waived"),
        ]
    )  # fmt: skip
    session.flush()
    notes.log_call(session, org_id=org.id, customer_id=alpha.id, outcome="no_answer",
                   contact="Ann Payable", author="kim@acme.example", at=AT)  # fmt: skip
    task = tasks.create_task(session, org_id=org.id, customer_id=alpha.id, kind="call",
                             title="Call about 1007", assignee="Anna", due_on=date(2026, 3, 3))  # fmt: skip
    tasks.complete_task(session, org_id=org.id, task_id=task.id, by="Anna", at=AT)
    credit.set_credit_limit(session, org_id=org.id, customer_id=alpha.id, limit=Decimal("5000"),
                            reason="annual review", on=date(2026, 3, 1))  # fmt: skip
    credit.place_hold(session, org_id=org.id, customer_id=alpha.id, reason="over limit",
                      on=date(2026, 3, 2))  # fmt: skip
    credit.place_hold(session, org_id=org.id, customer_id=alpha.id, reason="formal notice",
                      source="policy", on=date(2026, 3, 2))  # fmt: skip
    credit.release_hold(session, org_id=org.id, customer_id=alpha.id, reason="paid",
                        by="max@acme.example", on=date(2026, 3, 5))  # fmt: skip
    found = _titles(session, org.id, alpha.id)
    titles = [(k, t) for k, t, _ in found]
    for expected in [
        ("invoice", "Invoice 1007 of £1,200.00 issued"),
        ("payment", "Payment of £300.00 received"),
        ("invoice_paid", "Invoice 1008 paid"),
        ("charge", "Interest of £12.40 charged on 1007"),
        ("charge", "Late fee of £40.00 charged on 1007"),
        ("charge", "Late fee of £40.00 on 1007 waived"),
        ("call", "Call with Ann Payable: no answer (called by kim@acme.example)"),
        ("task", "Call task for Anna: Call about 1007"),
        ("task", "Call task done by Anna"),
        ("credit_limit", "Credit limit set to £5,000.00"),
        ("credit_hold", "Credit hold placed"),
        ("credit_hold", "Credit hold placed by the escalation policy"),
        ("credit_hold", "Credit hold released by max@acme.example"),
    ]:
        assert expected in titles, (expected, titles)
    details = {t: d for _, t, d in found}
    assert details["Invoice 1007 of £1,200.00 issued"] == "due 1 Feb 2026"
    assert details["Payment of £300.00 received"] == "payment P-77"
    assert details["Invoice 1008 paid"] == "5 days late"
    assert details["Call task done by Anna"] == "Call about 1007"
    assert details["Credit limit set to £5,000.00"] == "was none; annual review"


def test_cases_and_agency(session: Session) -> None:
    org, alpha, inv1, inv2 = _account(session)
    dispute = disputes.open_dispute(session, org_id=org.id, customer_id=alpha.id,
                                 invoice_ids=[inv2.id], reason="not_received",
                                 opened_on=date(2026, 2, 10))  # fmt: skip
    disputes.resolve_dispute(session, org_id=org.id, dispute_id=dispute.id, outcome="credited",
                          credit_amount=Decimal("50"), on=date(2026, 2, 12))  # fmt: skip
    promise = promises.add_promise(session, org_id=org.id, customer_id=alpha.id,
                                items=[(inv1.id, None)], promised_on=date(2026, 2, 20),
                                made_on=date(2026, 2, 12), contact="Ann", collector="kim")  # fmt: skip
    plan = plans.create_plan(session, org_id=org.id, customer_id=alpha.id, invoice_ids=[inv1.id],
                             start_on=date(2026, 2, 14), first_due=date(2026, 3, 1),
                             instalments=3, agreed_by="kim")  # fmt: skip
    handoff = agency.request_handoff(session, org_id=org.id, customer_id=alpha.id,
                                     invoice_ids=[inv1.id, inv2.id], agency="Debt Hunters",
                                     requested_by="", on=date(2026, 3, 1),
                                     commission_rate=Decimal("0.25"))  # fmt: skip
    agency.approve_handoff(session, org_id=org.id, handoff_id=handoff.id, approver="max",
                           approver_role="manager", on=date(2026, 3, 2))  # fmt: skip
    agency.record_recovery(session, org_id=org.id, handoff_id=handoff.id,
                           amount=Decimal("100"), received_on=date(2026, 3, 10))  # fmt: skip
    agency.recall_handoff(session, org_id=org.id, handoff_id=handoff.id, on=date(2026, 3, 12))
    agency.request_write_off(session, org_id=org.id, invoice_id=inv2.id, reason="small balance",
                             requested_by="kim", on=date(2026, 3, 13))  # fmt: skip
    found = _titles(session, org.id, alpha.id)
    titles = [(k, t) for k, t, _ in found]
    handed = f"handed off to agency Debt Hunters (hand-off #{handoff.id})"
    for expected in [
        ("dispute", f"Dispute #{dispute.id} opened on 1008: not received"),
        ("dispute", f"Dispute #{dispute.id} settled with a credit note"),
        ("credit_note", f"Credit note CN-DSP-{dispute.id} of £50.00 issued"),
        ("promise", "Promise to pay £1,200.00 by 20 Feb 2026"),
        ("promise", f"Promise #{promise.id} cancelled"),
        ("plan", f"Payment plan #{plan.id} agreed: £1,200.00 in 3 monthly instalments"),
        ("plan", f"Payment plan #{plan.id} cancelled"),
        ("handoff", f"Hand-off #{handoff.id} to Debt Hunters requested by the escalation policy"),
        ("handoff", f"Invoices placed with Debt Hunters (hand-off #{handoff.id}), approved by max"),
        ("recovery", "Agency recovered £100.00"),
        ("handoff", f"Invoices recalled from Debt Hunters (hand-off #{handoff.id})"),
        ("write_off", "Write-off of £250.00 on 1008 requested"),
        ("task", f"Approval task for the team: Approve hand-off #{handoff.id} of Customer C1 to "
         "Debt Hunters"),
    ]:  # fmt: skip
        assert expected in titles, (expected, titles)
    details = {t: d for _, t, d in found}
    assert details[f"Promise #{promise.id} cancelled"] == f"absorbed by payment plan #{plan.id}"
    assert details[f"Payment plan #{plan.id} cancelled"] == handed
    assert details["Promise to pay £1,200.00 by 20 Feb 2026"] == "Ann, by phone; taken by kim"
    assert details[f"Dispute #{dispute.id} opened on 1008: not received"] == "£300.00 in dispute"


def test_no_entry_reads_as_code(session: Session) -> None:
    """Whatever happened, no title shows an underscore name, a status in brackets or
    minor units."""
    org, alpha, _inv1, _inv2 = _account(session)
    _outbox(session, org.id, alpha.id, "t", OutboxKind.TASK, "", "kim", "sent")
    _outbox(session, org.id, alpha.id, "h", OutboxKind.CREDIT_HOLD, "", "", "sent")
    tasks.create_task(session, org_id=org.id, customer_id=alpha.id, kind="broken_promise",
                      title="Chase", assignee="kim")  # fmt: skip
    credit.place_hold(session, org_id=org.id, customer_id=alpha.id, reason="x",
                      source="policy", on=date(2026, 3, 2))  # fmt: skip
    notes.log_call(session, org_id=org.id, customer_id=alpha.id, outcome="wrong_number", at=AT)
    for _kind, title, _detail in _titles(session, org.id, alpha.id):
        assert "_" not in title, title
        assert not re.search(r"\((sent|pending|failed|manual|policy)\)", title), title
        assert not re.match(r"^(Task|Credit_hold|Email): ", title), title
        assert "120000" not in title, title
