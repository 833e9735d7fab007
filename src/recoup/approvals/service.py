"""Approvals by a second person (maker-checker), enforced here for every caller.

Four kinds of request wait for a manager or an admin: a hand-off to an agency and a
write-off (their pending rows live in ``recoup.cases``), a credit-limit increase of more
than ``core.CREDIT_INCREASE_THRESHOLD`` and any change to an escalation policy (pending
``ApprovalRequest`` rows; an approved policy becomes the organisation's version,
``recoup.policy.versions``). Whoever
decides must be a manager or an admin and must not be the person who asked; a rejection
needs a reason. Each decision is an ``ApprovalRequest`` row (audited) saying who decided,
in which role, when and why. Services never commit.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from recoup import clock, money
from recoup.approvals import core
from recoup.approvals.models import ApprovalKind, ApprovalRequest, ApprovalStatus
from recoup.cases import agency, queue, tasks
from recoup.cases.core import check_approver
from recoup.cases.models import Handoff, HandoffStatus, TaskKind, WriteOff, WriteOffStatus
from recoup.credit import service as credit
from recoup.credit.models import CreditLimitChange
from recoup.errors import Conflict, InvalidInput, NotFound, RecoupError
from recoup.ledger import service as ledger
from recoup.policy import versions as policy_versions
from recoup.policy.changes import describe_change
from recoup.policy.definition import Policy, parse_policy

WHAT = {
    ApprovalKind.HANDOFF: "hand-off",
    ApprovalKind.WRITE_OFF: "write-off",
    ApprovalKind.CREDIT_LIMIT: "credit-limit increase",
    ApprovalKind.POLICY: "policy change",
}


class OwnRequest(RecoupError):
    """The person deciding a request is the one who asked for it (maker-checker)."""

    status_code = 403


@dataclass(frozen=True, slots=True)
class Pending:
    """A request awaiting a decision, whatever its kind."""

    kind: ApprovalKind
    id: int  # the hand-off's, the write-off's or the request's id
    customer_id: int | None  # None: a policy change
    summary: str
    requested_by: str
    requested_on: date
    currency: str
    amount: int | None
    reason: str = ""
    detail: str = ""  # a policy change: the proposed YAML


def _kind(value: str) -> ApprovalKind:
    try:
        return ApprovalKind(value.strip().lower().replace("-", "_"))
    except ValueError:
        choices = ", ".join(k.value for k in ApprovalKind)
        raise InvalidInput(f"{value!r} is not one of {choices}", field="kind") from None


def _limit_text(amount: int | None, currency: str) -> str:
    return "no limit" if amount is None else f"{money.format_minor(amount, currency)} {currency}"


# Requests


def request_handoff(
    session: Session,
    *,
    org_id: int,
    customer_id: int,
    invoice_ids: Sequence[int],
    agency_name: str,
    requested_by: str,
    on: date | None = None,
    commission_rate: Decimal | None = None,
) -> Handoff:
    """Ask to hand invoices to an agency; pending until a second person approves."""
    return agency.request_handoff(
        session,
        org_id=org_id,
        customer_id=customer_id,
        invoice_ids=invoice_ids,
        agency=agency_name,
        requested_by=requested_by,
        on=on,
        commission_rate=commission_rate,
    )


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
    """Ask to write off (part of) an invoice; pending until a second person approves."""
    return agency.request_write_off(
        session,
        org_id=org_id,
        invoice_id=invoice_id,
        reason=reason,
        requested_by=requested_by,
        amount=amount,
        on=on,
    )


def change_credit_limit(
    session: Session,
    *,
    org_id: int,
    customer_id: int,
    limit: Decimal | None,
    reason: str,
    requested_by: str,
    on: date | None = None,
    threshold: Decimal = core.CREDIT_INCREASE_THRESHOLD,
) -> CreditLimitChange | ApprovalRequest:
    """Change a customer's credit limit (None: no limit): at once when it is lowered,
    first set, or raised by at most ``threshold``; otherwise a pending request for a
    second person (with an ``approval`` task), returned instead of the change."""
    if not reason.strip():
        raise InvalidInput("say why the limit changes", field="reason")
    customer = ledger.customer_by_id(session, org_id=org_id, customer_id=customer_id)
    currency = customer.currency
    new = None if limit is None else money.to_minor(limit, currency)
    if new is not None and new < 0:
        raise InvalidInput("must not be negative", field="limit")
    previous = customer.credit_limit_amount
    if not core.limit_needs_approval(previous, new, money.to_minor(threshold, currency)):
        return credit.set_credit_limit(
            session, org_id=org_id, customer_id=customer_id, limit=limit, reason=reason.strip(),
            by=requested_by, on=on,
        )  # fmt: skip
    summary = (
        f"Raise the credit limit of {customer.name} from {_limit_text(previous, currency)} "
        f"to {_limit_text(new, currency)}"
    )
    request = ApprovalRequest(
        org_id=org_id,
        kind=ApprovalKind.CREDIT_LIMIT,
        customer_id=customer_id,
        status=ApprovalStatus.PENDING,
        summary=summary[:500],
        currency=currency,
        previous_amount=previous,
        amount=new,
        requested_by=requested_by,
        requested_on=on or clock.today(),
        reason=reason.strip(),
    )
    session.add(request)
    session.flush()
    request.key = f"credit_limit:{request.id}"
    tasks.create_task(
        session,
        org_id=org_id,
        customer_id=customer_id,
        title=f"Approve credit-limit request #{request.id}: {summary}"[:200],
        body=f"Reason: {request.reason}. Requested by {requested_by or 'someone'}.",
        kind=TaskKind.APPROVAL,
        due_on=request.requested_on,
        key=f"credit_limit:{request.id}:approval",
    )
    session.flush()
    return request


def request_policy_change(
    session: Session,
    *,
    org_id: int,
    text: str,
    reason: str,
    requested_by: str,
    policies: dict[str, Policy],
    name: str | None = None,
    on: date | None = None,
) -> ApprovalRequest:
    """Ask to change a policy (or add one) to ``text`` (its YAML): validated now, stored
    as the organisation's version only when a second person approves. ``policies`` are
    the ones in use (``recoup.policy.versions.org_policies``); ``name``, when given, is
    the policy the text must keep. Every change waits, the requester's role aside: a
    policy decides how every customer is chased."""
    if not requested_by.strip():
        raise InvalidInput("name who asks", field="by")
    if not reason.strip():
        raise InvalidInput("say why the policy changes", field="reason")
    new = parse_policy(text, source="the proposed policy")
    if name is not None and new.name != name:
        raise InvalidInput(
            f"the text names policy {new.name!r}; keep the name {name!r}", field="text"
        )
    current = policies.get(new.name)
    changes = describe_change(current, new)
    if not changes:
        raise InvalidInput(f"the text changes nothing in policy {new.name!r}", field="text")
    waiting = session.scalar(
        select(ApprovalRequest.id).where(
            ApprovalRequest.org_id == org_id,
            ApprovalRequest.kind == ApprovalKind.POLICY,
            ApprovalRequest.status == ApprovalStatus.PENDING,
            ApprovalRequest.subject == new.name,
        )
    )
    if waiting is not None:
        raise Conflict(
            f"policy change #{waiting} to {new.name!r} awaits a decision; decide it first"
        )
    request = ApprovalRequest(
        org_id=org_id,
        kind=ApprovalKind.POLICY,
        customer_id=None,
        status=ApprovalStatus.PENDING,
        summary=f"Change policy {new.name}: {'; '.join(changes)}"[:500],
        currency="",
        requested_by=requested_by.strip(),
        requested_on=on or clock.today(),
        reason=reason.strip(),
        subject=new.name,
        detail=text,
    )
    session.add(request)
    session.flush()
    request.key = f"policy:{request.id}"
    session.flush()
    return request


# The queue


def _from_handoff(h: Handoff) -> Pending:
    return Pending(
        ApprovalKind.HANDOFF, h.id, h.customer_id, f"Hand invoices to {h.agency}",
        h.requested_by, h.requested_on, h.currency, h.placed_amount,
    )  # fmt: skip


def _from_write_off(w: WriteOff) -> Pending:
    return Pending(
        ApprovalKind.WRITE_OFF, w.id, w.customer_id, "Write off part of an invoice",
        w.requested_by, w.requested_on, w.currency, w.amount, w.reason,
    )  # fmt: skip


def _from_request(r: ApprovalRequest) -> Pending:
    return Pending(
        ApprovalKind(r.kind), r.id, r.customer_id, r.summary, r.requested_by,
        r.requested_on, r.currency, r.amount, r.reason, r.detail,
    )  # fmt: skip


def pending(session: Session, *, org_id: int, customer_id: int | None = None) -> list[Pending]:
    """Every request awaiting a decision, oldest first (of one customer when given)."""
    found = [
        _from_handoff(h)
        for h in agency.list_handoffs(session, org_id=org_id, statuses=[HandoffStatus.PENDING])
        if customer_id is None or h.customer_id == customer_id
    ]
    found += [
        _from_write_off(w)
        for w in queue.write_offs(
            session, org_id=org_id, statuses=[WriteOffStatus.PENDING], customer_id=customer_id
        )
    ]
    query = select(ApprovalRequest).where(
        ApprovalRequest.org_id == org_id,
        ApprovalRequest.status == ApprovalStatus.PENDING,
        ApprovalRequest.kind.in_([ApprovalKind.CREDIT_LIMIT, ApprovalKind.POLICY]),
    )
    if customer_id is not None:
        query = query.where(ApprovalRequest.customer_id == customer_id)
    found += [_from_request(r) for r in session.scalars(query)]
    found.sort(key=lambda p: (p.requested_on, p.kind.value, p.id))
    return found


def decided(session: Session, *, org_id: int, limit: int = 50) -> list[ApprovalRequest]:
    """The latest decisions, newest first."""
    query = (
        select(ApprovalRequest)
        .where(
            ApprovalRequest.org_id == org_id,
            ApprovalRequest.status != ApprovalStatus.PENDING,
        )
        .order_by(ApprovalRequest.decided_on.desc(), ApprovalRequest.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def find(session: Session, *, org_id: int, kind: str, request_id: int) -> Pending:
    """One pending request (``NotFound`` for another organisation's or an unknown id;
    ``Conflict`` when it is already decided)."""
    chosen = _kind(kind)
    if chosen is ApprovalKind.HANDOFF:
        handoff = queue.get_handoff(session, org_id=org_id, handoff_id=request_id)
        if handoff.status != HandoffStatus.PENDING:
            raise Conflict(f"hand-off #{request_id} is {handoff.status}, not pending approval")
        return _from_handoff(handoff)
    if chosen is ApprovalKind.WRITE_OFF:
        write_off = queue.get_write_off(session, org_id=org_id, write_off_id=request_id)
        if write_off.status != WriteOffStatus.PENDING:
            raise Conflict(f"write-off #{request_id} is {write_off.status}, not pending")
        return _from_write_off(write_off)
    return _from_request(_own_request(session, org_id, request_id, chosen))


def _own_request(
    session: Session, org_id: int, request_id: int, kind: ApprovalKind
) -> ApprovalRequest:
    """A pending request kept in ``approval_requests`` (credit limit, policy change)."""
    request = session.scalar(
        select(ApprovalRequest).where(
            ApprovalRequest.org_id == org_id,
            ApprovalRequest.id == request_id,
            ApprovalRequest.kind == kind,
        )
    )
    if request is None:
        raise NotFound(f"no {WHAT[kind]} request #{request_id}")
    if request.status != ApprovalStatus.PENDING:
        raise Conflict(f"{WHAT[kind]} request #{request_id} is {request.status}, not pending")
    return request


def _credit_request(session: Session, org_id: int, request_id: int) -> ApprovalRequest:
    return _own_request(session, org_id, request_id, ApprovalKind.CREDIT_LIMIT)


# Decisions


def _check_decider(item: Pending, by: str, role: str) -> str:
    """The decider's role, if they may decide ``item``: a manager or an admin who did not
    ask for it."""
    what = (
        "a hand-off to an agency" if item.kind is ApprovalKind.HANDOFF else f"a {WHAT[item.kind]}"
    )
    checked = check_approver(role, action=what)
    if not by.strip():
        raise InvalidInput("name who decides", field="by")
    if core.same_person(item.requested_by, by):
        raise OwnRequest(
            f"{by.strip()} asked for {WHAT[item.kind]} #{item.id}; another manager or admin "
            "must decide it"
        )
    return checked


def _record(
    session: Session,
    org_id: int,
    item: Pending,
    status: ApprovalStatus,
    by: str,
    role: str,
    day: date,
    reason: str,
) -> ApprovalRequest:
    if item.kind in (ApprovalKind.CREDIT_LIMIT, ApprovalKind.POLICY):
        request = _own_request(session, org_id, item.id, item.kind)
    else:
        request = ApprovalRequest(
            org_id=org_id,
            kind=item.kind,
            subject_id=item.id,
            key=f"{item.kind.value}:{item.id}",
            customer_id=item.customer_id,
            summary=item.summary,
            currency=item.currency,
            amount=item.amount,
            requested_by=item.requested_by,
            requested_on=item.requested_on,
            reason=item.reason,
        )
        session.add(request)
    request.status = status
    request.decided_by = by.strip()
    request.decided_role = role
    request.decided_on = day
    request.decision_reason = reason.strip()
    session.flush()
    return request


def approve(
    session: Session,
    *,
    org_id: int,
    kind: str,
    request_id: int,
    by: str,
    role: str,
    reason: str = "",
    on: date | None = None,
    commission_rate: Decimal | None = None,
    processor_agreement: str = "",
) -> ApprovalRequest:
    """Approve a pending request as ``by`` (a manager or an admin other than the
    requester) and carry it out: the hand-off is placed, the write-off booked, the
    credit limit set."""
    item = find(session, org_id=org_id, kind=kind, request_id=request_id)
    checked = _check_decider(item, by, role)
    day = on or clock.today()
    if item.kind is ApprovalKind.HANDOFF:
        agency.approve_handoff(
            session, org_id=org_id, handoff_id=item.id, approver=by.strip(),
            approver_role=checked, on=day, commission_rate=commission_rate,
            processor_agreement=processor_agreement,
        )  # fmt: skip
    elif item.kind is ApprovalKind.WRITE_OFF:
        agency.approve_write_off(
            session, org_id=org_id, write_off_id=item.id, approver=by.strip(),
            approver_role=checked, on=day,
        )  # fmt: skip
    elif item.kind is ApprovalKind.POLICY:
        policy_versions.store_version(
            session, org_id=org_id, text=item.detail, requested_by=item.requested_by,
            approved_by=by.strip(), on=day,
        )  # fmt: skip
    else:
        request = _credit_request(session, org_id, item.id)
        assert item.customer_id is not None  # a credit limit is a customer's
        limit = None if request.amount is None else money.from_minor(request.amount, item.currency)
        credit.set_credit_limit(
            session, org_id=org_id, customer_id=item.customer_id, limit=limit,
            reason=f"{request.reason} (approved by {by.strip()})", by=request.requested_by,
            on=day,
        )  # fmt: skip
        tasks.complete_task_by_key(
            session, org_id=org_id, key=f"credit_limit:{item.id}:approval", by=by.strip()
        )
    return _record(session, org_id, item, ApprovalStatus.APPROVED, by, checked, day, reason)


def reject(
    session: Session,
    *,
    org_id: int,
    kind: str,
    request_id: int,
    by: str,
    role: str,
    reason: str,
    on: date | None = None,
) -> ApprovalRequest:
    """Turn down a pending request as ``by`` (a manager or an admin other than the
    requester), saying why; nothing else changes."""
    item = find(session, org_id=org_id, kind=kind, request_id=request_id)
    checked = _check_decider(item, by, role)
    if not reason.strip():
        raise InvalidInput("say why it is rejected", field="reason")
    day = on or clock.today()
    if item.kind is ApprovalKind.HANDOFF:
        agency.reject_handoff(
            session, org_id=org_id, handoff_id=item.id, approver=by.strip(),
            approver_role=checked, on=day,
        )  # fmt: skip
    elif item.kind is ApprovalKind.WRITE_OFF:
        agency.reject_write_off(
            session, org_id=org_id, write_off_id=item.id, approver=by.strip(),
            approver_role=checked, on=day,
        )  # fmt: skip
    elif item.kind is ApprovalKind.CREDIT_LIMIT:
        tasks.complete_task_by_key(
            session, org_id=org_id, key=f"credit_limit:{item.id}:approval", by=by.strip()
        )
    return _record(session, org_id, item, ApprovalStatus.REJECTED, by, checked, day, reason)
