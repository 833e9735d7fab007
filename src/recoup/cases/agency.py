"""Agency hand-offs, recoveries, write-offs and the in-house-or-agency comparison.

A hand-off is requested (by a collector or the engine's ``agency_handoff`` action) and
waits for a manager's or an admin's approval; approving it writes the placement file for
the agency and takes the invoices off the ladder for good (a pause while placed). A
write-off is booked as a write-off credit note applied to the invoice through the ledger,
so that open = total − allocations still holds, and also needs a manager or an admin.
Services never commit.
"""

import io
from collections.abc import Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy.orm import Session

from recoup import clock, csvout, money
from recoup.cases import core, feasibility, repository
from recoup.cases.coexistence import admit_case
from recoup.cases.ledger_views import (
    all_invoices,
    checked_invoices,
    contacts,
    customer,
    invoices_by_id,
)
from recoup.cases.models import (
    Handoff,
    HandoffInvoice,
    HandoffStatus,
    Recovery,
    TaskKind,
    WriteOff,
    WriteOffStatus,
)
from recoup.cases.plans import close_cases
from recoup.cases.tasks import complete_task_by_key, create_task
from recoup.cases.timeline import history_summary, timeline
from recoup.errors import Conflict, InvalidInput, NotFound
from recoup.ledger import core as ledger_core
from recoup.ledger import service as ledger
from recoup.webhooks import events as hook
from recoup.webhooks.service import emit

PLACEMENT_COLUMNS = (
    "agency",
    "placement",
    "placed_on",
    "account",
    "customer_name",
    "registration_number",
    "vat_number",
    "country",
    "address",
    "contact_name",
    "contact_email",
    "contact_phone",
    "other_contacts",
    "invoice",
    "issue_date",
    "due_date",
    "currency",
    "total",
    "open_amount",
    "days_past_due",
    "history",
)


def _commission_bp(rate: Decimal) -> int:
    """A commission as a fraction (0.25) in basis points (2500)."""
    if not 0 <= rate <= 1:
        raise InvalidInput("must be a fraction between 0 and 1 (0.25 is 25 %)", field="commission")
    bp = rate * 10_000
    if bp != bp.to_integral_value():
        raise InvalidInput("at most four decimals (0.2525)", field="commission")
    return int(bp)


# Hand-offs


def request_handoff(
    session: Session,
    *,
    org_id: int,
    customer_id: int,
    invoice_ids: Sequence[int],
    agency: str,
    requested_by: str,
    key: str | None = None,
    on: date | None = None,
    commission_rate: Decimal | None = None,
) -> Handoff:
    """Ask to place invoices with ``agency``; pending until a manager or an admin
    approves (an ``approval`` task is raised).

    Idempotent: the same ``key`` returns the hand-off it created; invoices already in a
    pending or placed hand-off are left out, and when none is left the hand-off holding
    the first of them is returned (so the engine can ask every day without doubling).
    An invoice in open dispute is refused (``core.admit``); open promises and plans on
    the invoices stay until the hand-off is approved.
    """
    if key is not None:
        existing = repository.by_key(session, Handoff, org_id, key)
        if existing is not None:
            return existing
    if not agency.strip():
        raise InvalidInput("name the agency", field="agency")
    admission = admit_case(
        session, org_id=org_id, new=core.Case.HANDOFF, invoice_ids=list(invoice_ids)
    )
    fresh = [i for i in invoice_ids if i not in admission.leave_out]
    if invoice_ids and not fresh:
        held = repository.children(session, HandoffInvoice, org_id, "invoice_id", [invoice_ids[0]])
        live = [
            h
            for h in repository.children(
                session, Handoff, org_id, "id", [row.handoff_id for row in held]
            )
            if h.status in (HandoffStatus.PENDING, HandoffStatus.PLACED)
        ]
        return live[0]
    invoices = checked_invoices(
        session, org_id=org_id, customer_id=customer_id, invoice_ids=fresh, what="a hand-off"
    )
    handoff = Handoff(
        org_id=org_id,
        customer_id=customer_id,
        agency=agency.strip(),
        status=HandoffStatus.PENDING,
        requested_by=requested_by,
        requested_on=on or clock.today(),
        key=key,
        commission_bp=None if commission_rate is None else _commission_bp(commission_rate),
        currency=invoices[0].currency,
        placed_amount=sum(i.open_amount for i in invoices),
    )
    repository.add(session, handoff)
    repository.add(
        session,
        *(
            HandoffInvoice(
                org_id=org_id, handoff_id=handoff.id, invoice_id=i.id, open_amount=i.open_amount
            )
            for i in invoices
        ),
    )
    who = customer(session, org_id=org_id, customer_id=customer_id)
    create_task(
        session,
        org_id=org_id,
        customer_id=customer_id,
        title=f"Approve hand-off #{handoff.id} of {who.name} to {handoff.agency}",
        body=(
            f"{len(invoices)} invoice{'s' if len(invoices) != 1 else ''}, "
            f"{money.format_minor(handoff.placed_amount, handoff.currency)} {handoff.currency}; "
            f"requested by {requested_by or 'the escalation policy'}. Needs a manager or an "
            "admin."
        ),
        kind=TaskKind.APPROVAL,
        due_on=handoff.requested_on,
        key=f"handoff:{handoff.id}:approval",
    )
    return handoff


def handoff_invoice_ids(session: Session, *, org_id: int, handoff_id: int) -> list[int]:
    """The invoices of a hand-off."""
    repository.require(session, Handoff, org_id, handoff_id, "hand-off")
    rows = repository.handoff_invoices(session, org_id, [handoff_id])[handoff_id]
    return [row.invoice_id for row in rows]


def _pending_handoff(session: Session, org_id: int, handoff_id: int) -> Handoff:
    handoff: Handoff = repository.require(session, Handoff, org_id, handoff_id, "hand-off")
    if handoff.status != HandoffStatus.PENDING:
        raise Conflict(f"hand-off #{handoff_id} is {handoff.status}, not pending approval")
    return handoff


def approve_handoff(
    session: Session,
    *,
    org_id: int,
    handoff_id: int,
    approver: str,
    approver_role: str,
    on: date | None = None,
    commission_rate: Decimal | None = None,
    processor_agreement: str = "",
) -> Handoff:
    """Approve a pending hand-off (``approver_role`` must be manager or admin): records
    the agency's commission (needed here unless given with the request) and the data
    processing agreement, writes the placement file (``Handoff.placement_csv``) and
    places the invoices — a permanent pause while placed. Placing closes the pending
    promises and active plans on its invoices (cancelled, "handed off to agency ...");
    an invoice in open dispute is refused (``core.admit``)."""
    role = core.check_approver(approver_role, action="a hand-off to an agency")
    handoff = _pending_handoff(session, org_id, handoff_id)
    if commission_rate is not None:
        handoff.commission_bp = _commission_bp(commission_rate)
    if handoff.commission_bp is None:
        raise InvalidInput("give the agency's commission rate (e.g. 0.25)", field="commission")
    day = on or clock.today()
    if day < handoff.requested_on:
        raise InvalidInput("approved before it was requested", field="on")
    rows = repository.handoff_invoices(session, org_id, [handoff.id])[handoff.id]
    invoices = invoices_by_id(session, org_id=org_id, ids=[r.invoice_id for r in rows])
    still_open = [r for r in rows if invoices[r.invoice_id].status == "open"]
    if not still_open:
        raise Conflict(f"hand-off #{handoff_id}: none of its invoices is open any more")
    admission = admit_case(
        session,
        org_id=org_id,
        new=core.Case.PLACEMENT,
        invoice_ids=[r.invoice_id for r in still_open],
        ignore=(core.Case.HANDOFF, handoff.id),
    )
    for row in rows:
        row.open_amount = invoices[row.invoice_id].open_amount
    handoff.placed_amount = sum(invoices[r.invoice_id].open_amount for r in still_open)
    handoff.status = HandoffStatus.PLACED
    handoff.approver = approver
    handoff.approver_role = role
    handoff.decided_on = day
    handoff.processor_agreement = processor_agreement.strip()
    handoff.placement_csv = placement_csv(
        session, org_id=org_id, handoff=handoff, invoice_ids=[r.invoice_id for r in still_open]
    )
    session.flush()
    close_cases(
        session,
        org_id=org_id,
        admission=admission,
        new=core.Case.PLACEMENT,
        new_id=handoff.id,
        on=day,
        agency=handoff.agency,
    )
    complete_task_by_key(session, org_id=org_id, key=f"handoff:{handoff.id}:approval", by=approver)
    emit(
        session,
        org_id=org_id,
        type="handoff.approved",
        data=hook.handoff(handoff),
        key=f"handoff:{handoff.id}:approved",
    )
    return handoff


def reject_handoff(
    session: Session,
    *,
    org_id: int,
    handoff_id: int,
    approver: str,
    approver_role: str,
    on: date | None = None,
) -> Handoff:
    """Turn down a pending hand-off (manager or admin); the invoices stay on the ladder."""
    role = core.check_approver(approver_role, action="a hand-off to an agency")
    handoff = _pending_handoff(session, org_id, handoff_id)
    handoff.status = HandoffStatus.REJECTED
    handoff.approver, handoff.approver_role = approver, role
    handoff.decided_on = on or clock.today()
    session.flush()
    complete_task_by_key(session, org_id=org_id, key=f"handoff:{handoff.id}:approval", by=approver)
    return handoff


def recall_handoff(
    session: Session, *, org_id: int, handoff_id: int, on: date | None = None
) -> Handoff:
    """Take placed invoices back from the agency; the ladder resumes for them."""
    handoff: Handoff = repository.require(session, Handoff, org_id, handoff_id, "hand-off")
    if handoff.status != HandoffStatus.PLACED:
        raise Conflict(f"hand-off #{handoff_id} is {handoff.status}, not placed")
    handoff.status = HandoffStatus.RECALLED
    handoff.ended_on = on or clock.today()
    session.flush()
    return handoff


def list_handoffs(
    session: Session, *, org_id: int, statuses: Sequence[str] | None = None
) -> list[Handoff]:
    """Hand-offs, oldest first (only in ``statuses`` when given)."""
    return repository.handoffs(session, org_id, statuses=statuses)


def placement_csv(
    session: Session, *, org_id: int, handoff: Handoff, invoice_ids: Sequence[int]
) -> str:
    """The placement file for the agency: one row per invoice with the debtor, its
    contacts, the amounts and a summary of the collection history."""
    debtor = ledger.customer_by_id(session, org_id=org_id, customer_id=handoff.customer_id)
    people = contacts(session, org_id=org_id, customer_ids=[debtor.id])[debtor.id]
    main = next((c for c in people if c.role == "billing"), people[0] if people else None)
    others = "; ".join(
        " ".join(p for p in (c.name, f"<{c.email}>" if c.email else "", c.phone) if p)
        for c in people
        if c is not main
    )
    history = history_summary(timeline(session, org_id=org_id, customer_id=debtor.id))
    invoices = invoices_by_id(session, org_id=org_id, ids=invoice_ids)
    placed_on = handoff.decided_on or handoff.requested_on
    out = io.StringIO()
    writer = csvout.writer(out, lineterminator="\n")  # the agency opens it in a spreadsheet
    writer.writerow(PLACEMENT_COLUMNS)
    for invoice_id in invoice_ids:
        invoice = invoices[invoice_id]
        writer.writerow(
            (
                handoff.agency,
                handoff.id,
                placed_on.isoformat(),
                debtor.external_id,
                debtor.name,
                debtor.registration_number,
                debtor.vat_number,
                debtor.country,
                debtor.address.replace("\n", ", "),
                main.name if main else "",
                main.email if main else "",
                main.phone if main else "",
                others,
                invoice.number,
                invoice.issue_date.isoformat(),
                invoice.due_date.isoformat(),
                invoice.currency,
                money.format_minor(invoice.total_amount, invoice.currency),
                money.format_minor(invoice.open_amount, invoice.currency),
                max(0, (placed_on - invoice.due_date).days),
                history,
            )
        )
    return out.getvalue()


def record_recovery(
    session: Session,
    *,
    org_id: int,
    handoff_id: int,
    amount: Decimal,
    received_on: date,
    reference: str = "",
) -> Recovery:
    """Money an agency recovered on a placement (gross, as the debtor paid it).

    The commission is the gross × the agency's rate (rounded half up to the minor unit);
    net = gross − commission. The gross amount is recorded as a payment from the agency
    and allocated to the placed invoices in order, so the ledger shows the debt settled.
    """
    handoff: Handoff = repository.require(session, Handoff, org_id, handoff_id, "hand-off")
    if handoff.status not in (HandoffStatus.PLACED, HandoffStatus.RECALLED):
        raise Conflict(f"hand-off #{handoff_id} is {handoff.status}, not placed")
    assert handoff.commission_bp is not None  # set on approval
    if amount <= 0:
        raise InvalidInput("must be positive", field="amount")
    gross = money.to_minor(amount, handoff.currency)
    rows = repository.handoff_invoices(session, org_id, [handoff.id])[handoff.id]
    invoices = invoices_by_id(session, org_id=org_id, ids=[r.invoice_id for r in rows])
    open_rows = [r for r in rows if invoices[r.invoice_id].status == "open"]
    still_open = sum(invoices[r.invoice_id].open_amount for r in open_rows)
    if gross > still_open:
        raise InvalidInput(
            f"{money.format_minor(gross, handoff.currency)} is more than the "
            f"{money.format_minor(still_open, handoff.currency)} still open on the placement",
            field="amount",
        )
    count = len(repository.children(session, Recovery, org_id, "handoff_id", [handoff.id]))
    payment = ledger.record_payment(
        session,
        org_id=org_id,
        customer_id=handoff.customer_id,
        received_on=received_on,
        amount=amount,
        currency=handoff.currency,
        external_id=f"AGENCY-{handoff.id}-{count + 1}",
        reference=reference or f"recovered by {handoff.agency} (hand-off #{handoff.id})",
        payer_name=handoff.agency,
    )
    left = gross
    for row in open_rows:
        part = min(left, invoices[row.invoice_id].open_amount)
        if part > 0:
            ledger.allocate(
                session,
                org_id=org_id,
                invoice_id=row.invoice_id,
                amount=money.from_minor(part, handoff.currency),
                on=received_on,
                payment_id=payment.id,
            )
            left -= part
    commission = int(
        (Decimal(gross) * handoff.commission_bp / 10_000).quantize(Decimal(1), ROUND_HALF_UP)
    )
    recovery = Recovery(
        org_id=org_id,
        handoff_id=handoff.id,
        received_on=received_on,
        currency=handoff.currency,
        gross_amount=gross,
        commission_amount=commission,
        net_amount=gross - commission,
        payment_id=payment.id,
    )
    repository.add(session, recovery)
    return recovery


# Write-offs


def request_write_off(
    session: Session,
    *,
    org_id: int,
    invoice_id: int,
    reason: str,
    requested_by: str,
    amount: Decimal | None = None,
    on: date | None = None,
) -> WriteOff:
    """Ask to write off ``amount`` of an open invoice (default: all that is open);
    pending until a manager or an admin approves (an ``approval`` task is raised)."""
    if not reason.strip():
        raise InvalidInput("a write-off needs a reason", field="reason")
    found = invoices_by_id(session, org_id=org_id, ids=[invoice_id])
    if invoice_id not in found:
        raise NotFound(f"no invoice with id {invoice_id}")
    invoice = checked_invoices(
        session,
        org_id=org_id,
        customer_id=found[invoice_id].customer_id,
        invoice_ids=[invoice_id],
        what="a write-off",
    )[0]
    minor = invoice.open_amount if amount is None else money.to_minor(amount, invoice.currency)
    if minor <= 0:
        raise InvalidInput("must be positive", field="amount")
    if minor > invoice.open_amount:
        raise InvalidInput(
            f"{money.format_minor(minor, invoice.currency)} is more than the "
            f"{money.format_minor(invoice.open_amount, invoice.currency)} open on "
            f"{invoice.number}",
            field="amount",
        )
    write_off = WriteOff(
        org_id=org_id,
        customer_id=invoice.customer_id,
        invoice_id=invoice.id,
        currency=invoice.currency,
        amount=minor,
        reason=reason.strip(),
        status=WriteOffStatus.PENDING,
        requested_by=requested_by,
        requested_on=on or clock.today(),
    )
    repository.add(session, write_off)
    create_task(
        session,
        org_id=org_id,
        customer_id=invoice.customer_id,
        title=f"Approve write-off #{write_off.id} of "
        f"{money.format_minor(minor, invoice.currency)} {invoice.currency} on {invoice.number}",
        body=f"Reason: {write_off.reason}. Requested by {requested_by or 'someone'}.",
        kind=TaskKind.APPROVAL,
        due_on=write_off.requested_on,
        key=f"writeoff:{write_off.id}:approval",
    )
    return write_off


def approve_write_off(
    session: Session,
    *,
    org_id: int,
    write_off_id: int,
    approver: str,
    approver_role: str,
    on: date | None = None,
) -> WriteOff:
    """Approve a pending write-off (manager or admin) and book it: a credit note
    ``WO-<id>`` through the ledger, applied to the invoice; when that settles the
    invoice, its status becomes ``written_off``."""
    role = core.check_approver(approver_role, action="a write-off")
    write_off: WriteOff = repository.require(session, WriteOff, org_id, write_off_id, "write-off")
    if write_off.status != WriteOffStatus.PENDING:
        raise Conflict(f"write-off #{write_off_id} is {write_off.status}, not pending")
    day = on or clock.today()
    invoice = invoices_by_id(session, org_id=org_id, ids=[write_off.invoice_id])[
        write_off.invoice_id
    ]
    if invoice.status != "open" or write_off.amount > invoice.open_amount:
        raise Conflict(
            f"invoice {invoice.number} has only "
            f"{money.format_minor(invoice.open_amount, invoice.currency)} open now; "
            "request the write-off again"
        )
    amount = money.from_minor(write_off.amount, write_off.currency)
    note = ledger.create_credit_note(
        session,
        org_id=org_id,
        customer_id=write_off.customer_id,
        number=f"WO-{write_off.id}",
        issue_date=day,
        total=amount,
        currency=write_off.currency,
        reason=f"write-off of {invoice.number}: {write_off.reason}",
    )
    ledger.allocate(
        session,
        org_id=org_id,
        invoice_id=invoice.id,
        amount=amount,
        on=day,
        credit_note_id=note.id,
    )
    if write_off.amount == invoice.open_amount:
        ledger.mark_written_off(session, org_id=org_id, invoice_id=invoice.id)
    write_off.status = WriteOffStatus.APPROVED
    write_off.approver, write_off.approver_role = approver, role
    write_off.decided_on = day
    write_off.credit_note_id = note.id
    session.flush()
    complete_task_by_key(
        session, org_id=org_id, key=f"writeoff:{write_off.id}:approval", by=approver
    )
    return write_off


def reject_write_off(
    session: Session,
    *,
    org_id: int,
    write_off_id: int,
    approver: str,
    approver_role: str,
    on: date | None = None,
) -> WriteOff:
    """Turn down a pending write-off (manager or admin)."""
    role = core.check_approver(approver_role, action="a write-off")
    write_off: WriteOff = repository.require(session, WriteOff, org_id, write_off_id, "write-off")
    if write_off.status != WriteOffStatus.PENDING:
        raise Conflict(f"write-off #{write_off_id} is {write_off.status}, not pending")
    write_off.status = WriteOffStatus.REJECTED
    write_off.approver, write_off.approver_role = approver, role
    write_off.decided_on = on or clock.today()
    session.flush()
    complete_task_by_key(
        session, org_id=org_id, key=f"writeoff:{write_off.id}:approval", by=approver
    )
    return write_off


def write_off(
    session: Session,
    *,
    org_id: int,
    invoice_id: int,
    reason: str,
    requested_by: str,
    approver: str,
    approver_role: str,
    amount: Decimal | None = None,
    on: date | None = None,
) -> WriteOff:
    """Request and approve a write-off at once (the approver being a manager or an
    admin); nothing is written when the approver may not approve."""
    core.check_approver(approver_role, action="a write-off")
    request = request_write_off(
        session,
        org_id=org_id,
        invoice_id=invoice_id,
        reason=reason,
        requested_by=requested_by,
        amount=amount,
        on=on,
    )
    return approve_write_off(
        session,
        org_id=org_id,
        write_off_id=request.id,
        approver=approver,
        approver_role=approver_role,
        on=on,
    )


# In-house or agency?


def feasibility_report(
    session: Session,
    *,
    org_id: int,
    as_of: date,
    currency: str,
    costs: feasibility.Costs,
    edges: Sequence[int] = feasibility.DEFAULT_BAND_EDGES,
    min_history: int = 5,
) -> feasibility.Feasibility:
    """Compare collecting in-house with an agency per age band, for the organisation's
    invoices in ``currency`` (see ``recoup.cases.feasibility``)."""
    currency = money.validate_currency(currency)
    invoices = [
        i
        for i in all_invoices(session, org_id=org_id)
        if i.currency == currency and i.status != "void"
    ]
    settled: dict[int, date] = {}
    for line in ledger.allocation_lines(
        session, org_id=org_id, invoice_ids=[i.id for i in invoices]
    ):
        if line.allocated_on > settled.get(line.invoice_id, date.min):
            settled[line.invoice_id] = line.allocated_on
    history = [
        feasibility.InvoiceHistory(i.due_date, settled.get(i.id) if i.status == "paid" else None)
        for i in invoices
        if i.issue_date <= as_of
    ]
    overdue: dict[int, tuple[int, int]] = {}
    for invoice in invoices:
        days = ledger_core.days_past_due(invoice.due_date, as_of)
        if invoice.status != "open" or invoice.open_amount <= 0 or days <= 0:
            continue
        oldest, total = overdue.get(invoice.customer_id, (0, 0))
        overdue[invoice.customer_id] = (max(oldest, days), total + invoice.open_amount)
    accounts = [
        feasibility.OverdueAccount(customer_id, days, amount)
        for customer_id, (days, amount) in sorted(overdue.items())
    ]
    return feasibility.compare(
        accounts=accounts,
        history=history,
        as_of=as_of,
        currency=currency,
        exponent=money.exponent(currency),
        costs=costs,
        edges=edges,
        min_history=min_history,
    )


def write_offs_decided(
    session: Session, *, org_id: int, start: date, end: date
) -> list[tuple[int, str, int]]:
    """``(customer id, currency, amount)`` of write-offs approved in ``start``..``end``."""
    return repository.write_offs_decided(session, org_id, start, end)


def recoveries_received(
    session: Session, *, org_id: int, start: date, end: date
) -> list[tuple[int, str, int]]:
    """``(customer id, currency, gross amount)`` agencies recovered in the period."""
    return repository.recoveries_received(session, org_id, start, end)
