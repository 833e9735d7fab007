"""Cases for the demo portfolio: a few disputes, promises, a payment plan, notes, calls
and tasks on accounts with overdue invoices, so the timeline and the worklist have
something to show. Deterministic for a seed and date; a second call changes nothing.
"""

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from recoup.cases import disputes as case_disputes
from recoup.cases import notes as case_notes
from recoup.cases import plans as case_plans
from recoup.cases import promises as case_promises
from recoup.cases import repository
from recoup.cases import tasks as case_tasks
from recoup.cases.ledger_views import InvoiceView, all_invoices, customers_by_id


@dataclass(frozen=True, slots=True)
class CasesSeeded:
    """What ``seed_cases`` created."""

    disputes: int = 0
    promises: int = 0
    plans: int = 0
    notes: int = 0
    calls: int = 0
    tasks: int = 0


def seed_cases(session: Session, *, org_id: int, as_of: date, seed: int) -> CasesSeeded:
    """Record demo cases on accounts with overdue invoices on ``as_of`` (nothing when the
    organisation already has disputes, so that loading the demo again adds nothing)."""
    if repository.disputes(session, org_id):
        return CasesSeeded()
    overdue: dict[int, list[InvoiceView]] = defaultdict(list)
    for invoice in all_invoices(session, org_id=org_id):
        if invoice.status == "open" and invoice.open_amount > 0 and invoice.due_date < as_of:
            overdue[invoice.customer_id].append(invoice)
    names = customers_by_id(session, org_id=org_id, ids=list(overdue))
    accounts = sorted(overdue, key=lambda c: names[c].external_id)
    random.Random(seed).shuffle(accounts)
    for invoices in overdue.values():
        invoices.sort(key=lambda i: (i.due_date, i.number))
    picks = iter(accounts)
    counts: dict[str, int] = defaultdict(int)

    def oldest(customer_id: int, n: int = 1) -> list[int]:
        return [i.id for i in overdue[customer_id][:n]]

    disputes = ((20, "quality", False), (5, "not_received", False), (30, "pricing", True))
    for age, reason, resolve in disputes:
        customer_id = next(picks, None)
        if customer_id is None:
            break
        dispute = case_disputes.open_dispute(
            session,
            org_id=org_id,
            customer_id=customer_id,
            invoice_ids=oldest(customer_id),
            reason=reason,
            owner=names[customer_id].collector,
            opened_on=as_of - timedelta(days=age),
            description="raised by the customer on the phone",
        )
        counts["disputes"] += 1
        if resolve:
            case_disputes.resolve_dispute(
                session,
                org_id=org_id,
                dispute_id=dispute.id,
                outcome="invalid",
                on=as_of - timedelta(days=10),
                note="signed delivery note on file",
            )
    for made, promised in ((3, 7), (20, -10), (12, -5)):
        customer_id = next(picks, None)
        if customer_id is None:
            break
        case_promises.add_promise(
            session,
            org_id=org_id,
            customer_id=customer_id,
            items=[(invoice_id, None) for invoice_id in oldest(customer_id, 2)],
            promised_on=as_of + timedelta(days=promised),
            made_on=as_of - timedelta(days=made),
            contact="Accounts Payable",
        )
        counts["promises"] += 1
    case_promises.evaluate_promises(session, org_id=org_id, as_of=as_of)
    customer_id = next(picks, None)
    if customer_id is not None:
        case_plans.create_plan(
            session,
            org_id=org_id,
            customer_id=customer_id,
            invoice_ids=oldest(customer_id, 3),
            start_on=as_of - timedelta(days=2),
            first_due=as_of + timedelta(days=5),
            instalments=3,
            agreed_by=names[customer_id].collector,
        )
        counts["plans"] += 1
    for text, outcome in (
        ("Asked for a copy of the invoice; sent by email.", "reached"),
        ("Left a voicemail for accounts payable.", "no_answer"),
    ):
        customer_id = next(picks, None)
        if customer_id is None:
            break
        collector = names[customer_id].collector
        case_notes.add_note(
            session, org_id=org_id, customer_id=customer_id, text=text, author=collector
        )
        case_notes.log_call(
            session,
            org_id=org_id,
            customer_id=customer_id,
            outcome=outcome,
            contact="Accounts Payable",
            author=collector,
        )
        case_tasks.create_task(
            session,
            org_id=org_id,
            customer_id=customer_id,
            title="Call back about the overdue invoices",
            kind="call",
            assignee=collector,
            due_on=as_of + timedelta(days=1),
            key=f"demo:{customer_id}:call-back",
        )
        counts["notes"] += 1
        counts["calls"] += 1
        counts["tasks"] += 1
    case_disputes.evaluate_disputes(session, org_id=org_id, as_of=as_of)
    return CasesSeeded(**counts)
