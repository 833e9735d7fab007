"""Cash application use cases: import a statement, match and apply, people's decisions.

Payments and allocations are written through ``recoup.ledger.service`` (its one set of
allocation rules); disputes and promises through ``recoup.cases.disputes`` and
``recoup.cases.promises``. Services never commit.
"""

import hashlib
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from recoup import money
from recoup.audit.service import insert_audited
from recoup.cases import disputes, notes, plans, promises, tasks
from recoup.cases.models import OPEN_DISPUTE_STATUSES, TaskKind
from recoup.cashapp import core, repository
from recoup.cashapp.models import (
    BankCsvProfile,
    BankLine,
    BankStatement,
    DecisionAction,
    LearnedPayer,
    LineDecision,
    LineStatus,
    MatchSettings,
)
from recoup.cashapp.statement import Statement, StatementLine
from recoup.errors import Conflict, InvalidInput, NotFound
from recoup.ledger import core as ledger_core
from recoup.ledger import service as ledger
from recoup.ledger.enums import PaymentMethod
from recoup.ledger.validators import validate_iban

OPEN_STATUSES = (LineStatus.UNMATCHED, LineStatus.PROPOSED)


@dataclass
class ImportSummary:
    """What an import did (amounts in minor units per currency)."""

    statements: int = 0
    lines: int = 0
    credits: int = 0
    debits: int = 0
    auto_applied: int = 0
    auto_applied_amounts: dict[str, int] = field(default_factory=dict)
    proposed: int = 0
    unmatched: int = 0
    duplicates: int = 0
    returned: int = 0
    line_ids: list[int] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)


def dedupe_key(account: str, line: StatementLine, occurrence: int = 0) -> str:
    """What makes a movement the same movement in another file.

    The bank's own id (camt AcctSvcrRef / TxId, OFX FITID, MT940 bank reference) when
    the format gives one, else account + booking date + amount + reference; identical
    lines of one statement are told apart by their ``occurrence``.
    """
    direction = "C" if line.credit else "D"
    if line.bank_id:
        raw = f"id|{account}|{line.bank_id}|{direction}"
    else:
        reference = line.creditor_reference or line.end_to_end_id or line.remittance
        raw = (
            f"line|{account}|{line.booking_date.isoformat()}|{direction}{line.amount}"
            f"|{line.currency}|{' '.join(reference.split())}|{occurrence}"
        )
    return hashlib.sha256(raw.encode()).hexdigest()


def _account(statement: Statement) -> str:
    return (statement.account_iban or statement.account_number).replace(" ", "").upper()


def _minor(amount: Decimal | None, currency: str) -> int | None:
    return None if amount is None else money.to_minor(amount, currency)


# The matcher's view of the ledger


def book(session: Session, *, org_id: int, as_of: date | None = None) -> core.Book:
    """Customers, invoices, open disputes, learned payers, promises and instalments (as
    of ``as_of``; every payment counted when not given), indexed for matching."""
    disputed = _disputed(session, org_id)
    items = [_item(row, disputed) for row in ledger.invoice_rows(session, org_id=org_id)]
    return core.build_book(_parties(session, org_id, as_of=as_of or date.max), items)


def book_for(session: Session, *, org_id: int, lines: Sequence[core.Line]) -> core.Book:
    """The matcher's book for these lines: every customer, but only the invoices the
    lines can point to, read by index (the invoices their texts name, the open items
    of the customers they may be from, the open invoices of the amount of a line
    nothing else points to). It decides each of these lines as ``book`` would."""
    as_of = max((line.booking_date for line in lines), default=date.max)
    parties = _parties(session, org_id, as_of=as_of)
    disputed = _disputed(session, org_id)
    keys = list(
        dict.fromkeys(k for line in lines for k in core.invoice_mentions(core.line_text(line)))
    )
    rows = {
        row.id: row for row in ledger.invoice_rows_by_number_keys(session, org_id=org_id, keys=keys)
    }
    digits = [k for k in keys if k.isdigit() and len(k) >= 3]
    for row in ledger.invoice_rows_by_number_keys(session, org_id=org_id, keys=digits, digits=True):
        rows[row.id] = row
    numbered = sorted(rows)
    named = core.build_book(parties, (_item(rows[i], disputed) for i in numbered))
    customers: set[int] = set()
    amounts: set[int] = set()
    for line in lines:
        found = core.candidate_customers(named, line)
        customers.update(found)
        if not found and line.amount > 0:
            amounts.add(line.amount)
    for row in ledger.open_invoice_rows_for_amounts(
        session, org_id=org_id, amounts=sorted(amounts)
    ):
        rows[row.id] = row
        customers.add(row.customer_id)
    for row in ledger.open_invoice_rows_of_customers(
        session, org_id=org_id, customer_ids=sorted(customers)
    ):
        rows[row.id] = row
    items = (_item(rows[i], disputed) for i in sorted(rows))
    return core.with_items(named, items, numbered)


def _item(row: ledger.InvoiceRow, disputed: set[int]) -> core.Item:
    return core.Item(
        row.id,
        row.number,
        row.customer_id,
        row.currency,
        row.open_amount,
        row.issue_date,
        row.due_date,
        status=str(row.status),
        disputed=row.id in disputed,
    )


def _disputed(session: Session, org_id: int) -> set[int]:
    disputed: set[int] = set()
    for dispute in disputes.list_disputes(
        session, org_id=org_id, statuses=[str(s) for s in OPEN_DISPUTE_STATUSES]
    ):
        disputed.update(disputes.dispute_invoice_ids(session, org_id=org_id, dispute_id=dispute.id))
    return disputed


def _parties(
    session: Session, org_id: int, *, as_of: date, customer_ids: Sequence[int] | None = None
) -> list[core.Party]:
    """The customers (only ``customer_ids`` when given) as the matcher sees them: what
    people taught it, their pending promises and the next instalment of their active
    payment plans as of ``as_of``."""
    wanted = None if customer_ids is None else set(customer_ids)
    taught: dict[int, dict[str, set[str]]] = defaultdict(lambda: {"iban": set(), "name": set()})
    for kind, value, customer_id in repository.learned(session, org_id):
        taught[customer_id][kind].add(value)
    promised = _promised(session, org_id, as_of=as_of, wanted=wanted)
    rows = (
        ledger.customer_rows(session, org_id=org_id)
        if wanted is None
        else ledger.customer_rows_by_id(session, org_id=org_id, customer_ids=sorted(wanted))
    )
    return [
        core.Party(
            customer_id,
            account,
            name,
            promises=tuple(promised.get(customer_id, ())),
            ibans=frozenset(taught[customer_id]["iban"]) if customer_id in taught else frozenset(),
            payer_names=frozenset(taught[customer_id]["name"])
            if customer_id in taught
            else frozenset(),
        )
        for customer_id, account, name in rows
    ]


def _promised(
    session: Session, org_id: int, *, as_of: date, wanted: set[int] | None
) -> dict[int, list[core.Promised]]:
    """Amounts customers said they would pay: pending promises, and the next instalment
    of each active payment plan (its principal still due; with its interest too, the
    interest left on account), read through the cases service."""
    promised: dict[int, list[core.Promised]] = defaultdict(list)
    for promise in promises.list_promises(session, org_id=org_id, statuses=["pending"]):
        if wanted is not None and promise.customer_id not in wanted:
            continue
        amounts = promises.promise_invoice_amounts(session, org_id=org_id, promise_id=promise.id)
        promised[promise.customer_id].append(
            core.Promised(promise.promised_amount, promise.currency, tuple(amounts.items()))
        )
    states = plans.active_plan_states(
        session,
        org_id=org_id,
        as_of=as_of,
        customer_ids=None if wanted is None else sorted(wanted),
    )
    for state in states:
        plan = state.plan
        due = next((s for s in state.states if not s.settled), None)
        if due is None or due.outstanding <= 0:
            continue
        what = f"instalment {due.seq} of plan #{plan.id} (due {due.due_on.isoformat()})"
        invoices = tuple((i, due.outstanding) for i in state.invoice_ids)
        promised[plan.customer_id].append(
            core.Promised(due.outstanding, plan.currency, invoices, f": {what}, for")
        )
        if due.interest:
            promised[plan.customer_id].append(
                core.Promised(
                    due.outstanding + due.interest,
                    plan.currency,
                    invoices,
                    f": {what} with its interest, for",
                )
            )
    return dict(promised)


def _core_line(line: BankLine) -> core.Line:
    return core.Line(
        amount=line.amount,
        currency=line.currency,
        booking_date=line.booking_date,
        creditor_reference=line.creditor_reference,
        remittance=line.remittance,
        payer_name=line.payer_name,
        payer_iban=line.payer_iban,
    )


def _proposal_record(proposal: core.Proposal) -> dict[str, Any]:
    return {
        "customer_id": proposal.customer_id,
        "account": proposal.account,
        "shares": [[s.invoice_id, s.number, s.amount] for s in proposal.shares],
        "on_account": proposal.on_account,
        "confidence": proposal.confidence,
        "reason": proposal.reason,
        "disputed": list(proposal.disputed),
    }


# Import


def import_statements(
    session: Session,
    *,
    org_id: int,
    statements: Sequence[Statement],
    filename: str = "",
    settings: core.Settings | None = None,
    actor: str = "",
) -> ImportSummary:
    """Store the statements' new lines, match every credit and apply what is certain.

    A line already stored (same bank id, or same account, date, amount and reference)
    is skipped and counted as a duplicate: importing a file twice, or a day's camt.053
    after the intraday notifications, adds nothing twice.
    """
    settings = settings or match_settings(session, org_id=org_id)
    summary = ImportSummary()
    new_lines: list[BankLine] = []
    taken: set[str] = set()  # keys of this import's earlier statements
    for statement in statements:
        account = _account(statement)
        occurrences: Counter[str] = Counter()
        keyed = []
        for line in statement.lines:
            base = dedupe_key(account, line)
            keyed.append((dedupe_key(account, line, occurrences[base]), line))
            occurrences[base] += 1
        seen = repository.existing_keys(session, org_id, [k for k, _ in keyed]) | taken
        summary.statements += 1
        fresh = [(p, k, line) for p, (k, line) in enumerate(keyed) if k not in seen]
        summary.duplicates += len(keyed) - len(fresh)
        if keyed and not fresh:
            continue  # the same statement again: nothing to keep
        stored = BankStatement(
            org_id=org_id,
            format=statement.format,
            filename=filename[:255],
            statement_id=statement.statement_id[:100],
            account_iban=statement.account_iban[:34],
            account_number=statement.account_number[:40],
            currency=statement.currency,
            opening_balance_amount=_minor(statement.opening_balance, statement.currency),
            closing_balance_amount=_minor(statement.closing_balance, statement.currency),
            opening_date=statement.opening_date,
            closing_date=statement.closing_date,
            # Every line of the file, duplicates too: what its balances add up from.
            credits_amount=sum(
                money.to_minor(abs(x.amount), x.currency) for x in statement.lines if x.credit
            ),
            debits_amount=sum(
                money.to_minor(abs(x.amount), x.currency) for x in statement.lines if not x.credit
            ),
            line_count=len(fresh),
            duplicate_count=len(keyed) - len(fresh),
        )
        repository.add(session, stored)
        for position, key, line in fresh:
            taken.add(key)
            new_lines.append(_line(org_id, stored.id, position, key, line))
    # The lines are written in one bulk insert once decided and applied (below): an ORM
    # insert and then an update of ten thousand rows cost more than the matching.
    for new_line, line_id in zip(
        new_lines, repository.reserve_line_ids(session, len(new_lines)), strict=True
    ):
        new_line.id = line_id
    summary.lines = len(new_lines)
    summary.line_ids = [b.id for b in new_lines]
    credits = [b for b in new_lines if b.credit]
    summary.credits = len(credits)
    summary.debits = len(new_lines) - len(credits)
    matcher = (
        book_for(session, org_id=org_id, lines=[_core_line(c) for c in credits])
        if credits
        else None
    )
    applied_on: list[date] = []
    certain: list[tuple[BankLine, core.Proposal, dict[int, int]]] = []
    for credit in credits:
        assert matcher is not None
        decision = core.decide(matcher, _core_line(credit), settings)
        _store_decision(credit, decision)
        if decision.certain is not None:
            opens = {
                i.invoice_id: i.open_amount
                for i in matcher.by_customer.get(decision.certain.customer_id, [])
            }
            certain.append((credit, decision.certain, opens))
            summary.auto_applied += 1
            amounts = summary.auto_applied_amounts
            amounts[credit.currency] = amounts.get(credit.currency, 0) + credit.amount
            applied_on.append(credit.booking_date)
            _spend(matcher, decision.certain)
        elif decision.proposals:
            summary.proposed += 1
        else:
            summary.unmatched += 1
    decisions = _auto_apply(session, org_id, certain, actor or "matcher")
    repository.insert_lines(session, new_lines)
    if decisions:
        insert_audited(session, org_id=org_id, table=LineDecision.__table__, rows=decisions)
    for applied, proposal, _ in certain:
        _dispute_tasks(session, org_id, applied, proposal, applied.payment_id or 0)
    for debit in (b for b in new_lines if not b.credit and b.return_reason):
        if _return(session, org_id, get_line(session, org_id=org_id, line_id=debit.id), actor):
            summary.returned += 1
    if applied_on:
        _fulfil(session, org_id, max(applied_on))
    session.flush()
    return summary


def _fulfil(session: Session, org_id: int, as_of: date) -> None:
    """Close the promises and plan instalments that payments up to ``as_of`` fulfilled
    (the next ``recoup run`` stops chasing them)."""
    promises.evaluate_promises(session, org_id=org_id, as_of=as_of)
    plans.evaluate_plans(session, org_id=org_id, as_of=as_of)


def _line(org_id: int, statement_id: int, position: int, key: str, line: StatementLine) -> BankLine:
    return BankLine(
        org_id=org_id,
        statement_id=statement_id,
        position=position,
        dedupe_key=key,
        booking_date=line.booking_date,
        value_date=line.value_date,
        currency=line.currency,
        amount=money.to_minor(abs(line.amount), line.currency),
        credit=line.credit,
        bank_id=line.bank_id[:100],
        end_to_end_id=line.end_to_end_id[:100],
        creditor_reference=line.creditor_reference[:64],
        remittance=line.remittance,
        payer_name=line.payer_name[:200],
        payer_iban=line.payer_iban.replace(" ", "").upper()[:34],
        payer_bic=line.payer_bic[:11],
        bank_code=line.bank_code[:64],
        return_reason=line.return_reason[:16],
        returned_end_to_end_id=line.returned_end_to_end_id[:100],
        status=LineStatus.UNMATCHED if line.credit else LineStatus.DEBIT,
        customer_id=None,
        payment_id=None,
        applied_amount=0,
        confidence=0,
        reason="",
        proposals=[],
    )


def _store_decision(line: BankLine, decision: core.Decision) -> None:
    line.proposals = [_proposal_record(p) for p in decision.proposals]
    best = decision.proposals[0] if decision.proposals else None
    line.status = LineStatus.PROPOSED if best else LineStatus.UNMATCHED
    line.confidence = best.confidence if best else 0
    line.reason = best.reason if best else decision.note
    line.customer_id = None


def _spend(matcher: core.Book, proposal: core.Proposal) -> None:
    """Lower the open amounts the matcher sees by what was just applied, so the next
    line of the same statement is not matched to money already received."""
    paid = {s.invoice_id: s.amount for s in proposal.shares}
    updated = []
    for item in matcher.by_customer.get(proposal.customer_id, []):
        if item.invoice_id not in paid:
            updated.append(item)
            continue
        same = matcher.by_amount.get((item.currency, item.open_amount), [])
        if item in same:
            same.remove(item)
        left = item.open_amount - paid[item.invoice_id]
        item = replace(item, open_amount=left, status="open" if left > 0 else "paid")
        matcher.current[item.invoice_id] = item
        if left > 0:
            matcher.by_amount.setdefault((item.currency, left), []).append(item)
            updated.append(item)
    matcher.by_customer[proposal.customer_id] = updated


# Applying


def _payer_iban(line: BankLine) -> str:
    try:
        return validate_iban(line.payer_iban)
    except InvalidInput:
        return ""


def _auto_apply(
    session: Session,
    org_id: int,
    certain: Sequence[tuple[BankLine, core.Proposal, dict[int, int]]],
    actor: str,
) -> list[dict[str, Any]]:
    """Apply an import's certain matches in bulk through the ledger: the payments, then
    their allocations, each checked by the ledger's allocation rule against the open
    amounts the matcher planned from (``opens``: before this line). The lines (not yet
    stored) say so; the decisions to record once they are."""
    if not certain:
        return []
    payments = [
        ledger.NewPayment(
            external_id=f"bank-{line.id}",
            customer_id=proposal.customer_id,
            received_on=line.booking_date,
            currency=line.currency,
            amount=line.amount,
            method=PaymentMethod.BANK_TRANSFER,
            reference=(line.creditor_reference or line.remittance)[:200],
            payer_name=line.payer_name[:200],
            payer_iban=_payer_iban(line),
        )
        for line, proposal, _ in certain
    ]
    payment_ids = ledger.record_payments(session, org_id=org_id, payments=payments)
    planned = []
    decisions = []
    for (line, proposal, opens), payment_id in zip(certain, payment_ids, strict=True):
        left = line.amount
        for share in proposal.shares:
            ledger_core.check_allocation(
                amount=share.amount,
                currency=line.currency,
                invoice_number=share.number,
                invoice_currency=line.currency,
                invoice_open=opens[share.invoice_id],
                source=f"payment bank-{line.id}",
                source_currency=line.currency,
                source_open=left,
            )
            planned.append(
                ledger.PlannedAllocation(
                    invoice_id=share.invoice_id,
                    invoice_open=opens[share.invoice_id],
                    invoice_status="open",
                    currency=line.currency,
                    amount=share.amount,
                    on=line.booking_date,
                    payment_id=payment_id,
                    source_open=left,
                )
            )
            left -= share.amount
        line.status = LineStatus.APPLIED
        line.customer_id = proposal.customer_id
        line.payment_id = payment_id
        line.applied_amount = proposal.applied
        decisions.append(
            {
                "line_id": line.id,
                "action": str(DecisionAction.AUTO),
                "actor": actor,
                "customer_id": proposal.customer_id,
                "payment_id": payment_id,
                "detail": _detail(line, proposal),
            }
        )
    ledger.write_allocations(session, org_id=org_id, planned=planned)
    return decisions


def _detail(line: BankLine, proposal: core.Proposal) -> str:
    detail = proposal.reason
    if proposal.on_account:
        detail += f"; {money.format_minor(proposal.on_account, line.currency)} on account"
    return detail[:2000]


def _dispute_tasks(
    session: Session, org_id: int, line: BankLine, proposal: core.Proposal, payment_id: int
) -> None:
    for number in proposal.disputed:
        tasks.create_task(
            session,
            org_id=org_id,
            customer_id=proposal.customer_id,
            title=f"Payment received on disputed invoice {number}",
            body=(
                f"{money.format_minor(line.amount, line.currency)} {line.currency} received on "
                f"{line.booking_date.isoformat()} was applied to {number}, which is under "
                "dispute: check whether the dispute is settled."
            ),
            kind=TaskKind.REVIEW,
            due_on=line.booking_date,
            key=f"cashapp:{line.id}:{payment_id}:dispute:{number}",
        )


def _payment_external_id(session: Session, org_id: int, line: BankLine) -> str:
    earlier = [
        d
        for d in repository.decisions(session, org_id, line.id)
        if d.action in (DecisionAction.AUTO, DecisionAction.APPLY)
    ]
    return f"bank-{line.id}" + (f"-{len(earlier) + 1}" if earlier else "")


def _apply(
    session: Session,
    org_id: int,
    line: BankLine,
    proposal: core.Proposal,
    action: DecisionAction,
    actor: str,
) -> int:
    """Record the line as a payment of the proposal's customer and allocate its shares
    through the ledger; the rest stays unapplied on account. The payment's id."""
    payment = ledger.record_payment(
        session,
        org_id=org_id,
        customer_id=proposal.customer_id,
        received_on=line.booking_date,
        amount=money.from_minor(line.amount, line.currency),
        currency=line.currency,
        external_id=_payment_external_id(session, org_id, line),
        reference=(line.creditor_reference or line.remittance)[:200],
        payer_name=line.payer_name[:200],
        payer_iban=_payer_iban(line),
    )
    for share in proposal.shares:
        ledger.allocate(
            session,
            org_id=org_id,
            invoice_id=share.invoice_id,
            amount=money.from_minor(share.amount, line.currency),
            on=line.booking_date,
            payment_id=payment.id,
        )
    line.status = LineStatus.APPLIED
    line.customer_id = proposal.customer_id
    line.payment_id = payment.id
    line.applied_amount = proposal.applied
    repository.add(
        session,
        LineDecision(
            org_id=org_id,
            line_id=line.id,
            action=action,
            actor=actor,
            customer_id=proposal.customer_id,
            payment_id=payment.id,
            detail=_detail(line, proposal),
        ),
    )
    _dispute_tasks(session, org_id, line, proposal, payment.id)
    return payment.id


def _learn(session: Session, org_id: int, line: BankLine, customer_id: int) -> list[str]:
    """Teach the matcher that this line's payer pays for the customer; what it learned."""
    account = ledger.customer_by_id(session, org_id=org_id, customer_id=customer_id).external_id
    learned = []
    facts = [("iban", line.payer_iban, f"IBAN {line.payer_iban[:8]}…")]
    facts.append(("name", core.normal_name(line.payer_name), f"payer {line.payer_name!r}"))
    for kind, value, words in facts:
        if not value or repository.learned_exists(session, org_id, kind, value, customer_id):
            continue
        repository.add(
            session,
            LearnedPayer(
                org_id=org_id,
                kind=kind,
                value=value[:200],
                customer_id=customer_id,
                line_id=line.id,
            ),
        )
        learned.append(f"learned: {words} pays for {account}")
    return learned


def _open_line(session: Session, org_id: int, line_id: int) -> BankLine:
    line = repository.line(session, org_id, line_id)
    if line is None:
        raise NotFound(f"no bank line {line_id}")
    if not line.credit:
        raise Conflict(f"bank line {line_id} is a debit, not a customer payment")
    if line.status not in OPEN_STATUSES:
        raise Conflict(f"bank line {line_id} is already {line.status}")
    return line


@dataclass(frozen=True, slots=True)
class Applied:
    """A person's decision and what the matcher learned from it."""

    line_id: int
    payment_ids: tuple[int, ...]
    applied: int
    on_account: int
    learned: tuple[str, ...]


def accept_proposal(
    session: Session, *, org_id: int, line_id: int, rank: int = 0, actor: str = ""
) -> Applied:
    """Apply the line as its ``rank``-th proposal says (0: the best)."""
    line = _open_line(session, org_id, line_id)
    if not 0 <= rank < len(line.proposals):
        raise InvalidInput(f"bank line {line_id} has no proposal {rank + 1}", field="proposal")
    record = line.proposals[rank]
    proposal = core.Proposal(
        customer_id=int(record["customer_id"]),
        account=str(record["account"]),
        shares=tuple(core.Share(int(i), str(n), int(a)) for i, n, a in record["shares"]),
        on_account=int(record["on_account"]),
        confidence=int(record["confidence"]),
        reasons=(f"accepted proposal: {record['reason']}",),
        disputed=tuple(record.get("disputed", [])),
    )
    return _apply_by_person(session, org_id, line, [proposal], actor)


def apply_line(
    session: Session,
    *,
    org_id: int,
    line_id: int,
    invoices: Sequence[tuple[str, Decimal | None]] = (),
    customer: str | None = None,
    actor: str = "",
) -> Applied:
    """A person's split: the line over the named invoices (each its open amount or the
    amount given, in order, of one or several customers), the rest on account of the
    first one's customer; or, with only ``customer``, all of it on that account."""
    line = _open_line(session, org_id, line_id)
    if not invoices and customer is None:
        raise InvalidInput("name invoices or a customer", field="invoice")
    left = line.amount
    shares: dict[int, list[core.Share]] = {}
    for number, amount in invoices:
        invoice = ledger.invoice_by_number(session, org_id=org_id, number=number)
        if invoice.currency != line.currency:
            raise Conflict(
                f"invoice {number} is in {invoice.currency}, the bank line in {line.currency}"
            )
        if invoice.open_amount <= 0:
            raise Conflict(f"invoice {number} has nothing open")
        part = (
            min(left, invoice.open_amount)
            if amount is None
            else money.to_minor(amount, line.currency)
        )
        if part <= 0 or part > left:
            raise InvalidInput(
                f"{number}: the line has {money.format_minor(left, line.currency)} left",
                field="invoice",
            )
        shares.setdefault(invoice.customer_id, []).append(core.Share(invoice.id, number, part))
        left -= part
    # The rest goes on account of the customer named, else of the first invoice's.
    keeper = next(iter(shares), None)
    if customer is not None:
        keeper = ledger.get_customer(session, org_id=org_id, external_id=customer).id
        shares = {keeper: [], **shares} if keeper not in shares else shares
    proposals = []
    for customer_id, parts in shares.items():
        account = ledger.customer_by_id(session, org_id=org_id, customer_id=customer_id)
        proposals.append(
            core.Proposal(
                customer_id=customer_id,
                account=account.external_id,
                shares=tuple(parts),
                on_account=left if customer_id == keeper else 0,
                confidence=100,
                reasons=(
                    "applied by hand: " + (" + ".join(s.number for s in parts) or "on account"),
                ),
            )
        )
    return _apply_by_person(session, org_id, line, proposals, actor)


def _apply_by_person(
    session: Session,
    org_id: int,
    line: BankLine,
    proposals: Sequence[core.Proposal],
    actor: str,
) -> Applied:
    if len(proposals) == 1:
        payment_ids = [_apply(session, org_id, line, proposals[0], DecisionAction.APPLY, actor)]
    else:
        # One payment per customer: split the line's amount in parts.
        payment_ids = []
        total = line.amount
        for proposal in proposals:
            part = proposal.applied + proposal.on_account
            line.amount = part
            payment_ids.append(_apply(session, org_id, line, proposal, DecisionAction.APPLY, actor))
        line.amount = total
        line.customer_id = proposals[0].customer_id
        line.applied_amount = sum(p.applied for p in proposals)
    learned: list[str] = []
    for proposal in proposals:
        learned += _learn(session, org_id, line, proposal.customer_id)
    if learned:
        decisions = repository.decisions(session, org_id, line.id)
        decisions[-1].detail = (decisions[-1].detail + "; " + "; ".join(learned))[:2000]
    _fulfil(session, org_id, line.booking_date)
    session.flush()
    return Applied(
        line.id,
        tuple(payment_ids),
        sum(p.applied for p in proposals),
        sum(p.on_account for p in proposals),
        tuple(learned),
    )


def ignore_line(
    session: Session, *, org_id: int, line_id: int, reason: str = "", actor: str = ""
) -> BankLine:
    """Mark a credit "not a customer payment" (a transfer between own accounts, a loan)."""
    line = _open_line(session, org_id, line_id)
    line.status = LineStatus.IGNORED
    repository.add(
        session,
        LineDecision(
            org_id=org_id,
            line_id=line.id,
            action=DecisionAction.IGNORE,
            actor=actor,
            detail=reason or "not a customer payment",
        ),
    )
    return line


def _payments_of(session: Session, org_id: int, line: BankLine) -> list[int]:
    """The payments the line's current application wrote (several for a split)."""
    found: list[int] = []
    for decision in repository.decisions(session, org_id, line.id):
        if decision.action in (DecisionAction.UNDO, DecisionAction.RETURN):
            found = []
        elif decision.action in (DecisionAction.AUTO, DecisionAction.APPLY) and decision.payment_id:
            found.append(decision.payment_id)
    return found


def _withdraw(session: Session, org_id: int, line: BankLine, reason: str, actor: str) -> list[str]:
    """Take the line's payments off the ledger; the invoices opened again."""
    payment_ids = _payments_of(session, org_id, line)
    line.payment_id = None
    session.flush()
    reopened: list[int] = []
    for payment_id in payment_ids:
        for reversal in ledger.withdraw_payment(
            session, org_id=org_id, payment_id=payment_id, reason=reason, actor=actor or None
        ):
            reopened.append(reversal.invoice_id)
    invoices = ledger.invoices_by_id(session, org_id=org_id, invoice_ids=reopened)
    return sorted({i.number for i in invoices})


def _return(session: Session, org_id: int, debit: BankLine, actor: str) -> bool:
    """A returned payment: take back the payment it returns (when it was applied here),
    re-opening its invoices, and say why on the customer's account."""
    original_id = debit.returned_end_to_end_id or debit.end_to_end_id
    original = repository.line_by_end_to_end(session, org_id, original_id) if original_id else None
    if original is None:
        original = _returned_without_id(session, org_id, debit)
    if original is None or original.status != LineStatus.APPLIED:
        return False
    customer_id = original.customer_id
    amount = f"{money.format_minor(original.amount, original.currency)} {original.currency}"
    why = f"returned by the bank ({debit.return_reason}) on {debit.booking_date.isoformat()}"
    numbers = _withdraw(session, org_id, original, f"payment {why}", actor)
    original.status = LineStatus.RETURNED
    original.applied_amount = 0
    debit.status = LineStatus.RETURNED
    debit.customer_id = customer_id
    text = f"The payment of {amount} received on {original.booking_date.isoformat()} was {why}"
    text += f"; {', '.join(numbers)} open again." if numbers else "."
    for line in (original, debit):
        repository.add(
            session,
            LineDecision(
                org_id=org_id,
                line_id=line.id,
                action=DecisionAction.RETURN,
                actor=actor or "matcher",
                customer_id=customer_id,
                detail=text,
            ),
        )
    if customer_id is not None:
        notes.add_note(session, org_id=org_id, customer_id=customer_id, text=text, author="bank")
    # The promises and instalments its money kept are judged again.
    promises.evaluate_promises(session, org_id=org_id, as_of=debit.booking_date)
    plans.evaluate_plans(session, org_id=org_id, as_of=debit.booking_date)
    return True


def _returned_without_id(session: Session, org_id: int, debit: BankLine) -> BankLine | None:
    """The applied credit a return that names no end-to-end id gives back (MT940 ``RTI``
    lines): by amount, payer and the reference it quotes (``core.returned_payment``);
    None when none fits or payments of several customers do (the reason is kept)."""
    applied = repository.applied_credits_of_amount(
        session, org_id, amount=debit.amount, currency=debit.currency, until=debit.booking_date
    )
    by_id = {line.id: line for line in applied}
    chosen, why = core.returned_payment(
        _core_line(debit),
        [
            core.Received(
                line.id,
                line.customer_id,
                line.amount,
                line.currency,
                line.booking_date,
                line.payer_name,
                line.payer_iban,
                core.line_text(_core_line(line)),
            )
            for line in applied
        ],
    )
    if chosen is None:
        debit.reason = f"returned payment ({debit.return_reason}): {why}"[:2000]
        return None
    return by_id[chosen]


def undo_line(
    session: Session, *, org_id: int, line_id: int, reason: str = "", actor: str = ""
) -> list[str]:
    """Undo an application: its allocations are reversed (audited, not deleted), its
    payments withdrawn, what it taught the matcher forgotten; the line is open again.
    The numbers of the invoices opened again."""
    line = repository.line(session, org_id, line_id)
    if line is None:
        raise NotFound(f"no bank line {line_id}")
    if line.status not in (LineStatus.APPLIED, LineStatus.IGNORED):
        raise Conflict(f"bank line {line_id} is {line.status}: nothing to undo")
    reason = reason.strip() or "bank line applied by mistake"
    numbers: list[str] = []
    if line.status == LineStatus.APPLIED:
        numbers = _withdraw(session, org_id, line, reason, actor)
    for taught in repository.learned_from(session, org_id, line.id):
        session.delete(taught)
    line.status = LineStatus.PROPOSED if line.proposals else LineStatus.UNMATCHED
    line.customer_id = None
    line.applied_amount = 0
    detail = reason + (f"; {', '.join(numbers)} open again" if numbers else "")
    if numbers:  # the promises and instalments it kept are owed again
        promises.evaluate_promises(session, org_id=org_id, as_of=line.booking_date)
        plans.evaluate_plans(session, org_id=org_id, as_of=line.booking_date)
    repository.add(
        session,
        LineDecision(
            org_id=org_id, line_id=line.id, action=DecisionAction.UNDO, actor=actor, detail=detail
        ),
    )
    return numbers


# Reading


def list_lines(
    session: Session,
    *,
    org_id: int,
    statuses: Sequence[str] | None = None,
    statement_id: int | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[BankLine]:
    """Lines in statement order, by status and statement when given."""
    for status in statuses or ():
        if status not in set(LineStatus):
            raise InvalidInput(f"{status!r} is not one of {', '.join(LineStatus)}", field="status")
    return repository.lines(
        session, org_id, statuses=statuses, statement_id=statement_id, limit=limit, offset=offset
    )


def get_line(session: Session, *, org_id: int, line_id: int) -> BankLine:
    """One bank line of the organisation."""
    line = repository.line(session, org_id, line_id)
    if line is None:
        raise NotFound(f"no bank line {line_id}")
    return line


def line_decisions(session: Session, *, org_id: int, line_id: int) -> list[LineDecision]:
    """What was decided about a line, oldest first."""
    return repository.decisions(session, org_id, line_id)


@dataclass(frozen=True, slots=True)
class DayCash:
    """Credits of one booking day: applied to invoices, and not (on account or open)."""

    day: date
    currency: str
    credits: int
    applied: int
    unapplied: int


@dataclass(frozen=True, slots=True)
class StatementCheck:
    """A statement's balances against its lines (None where the file gives none)."""

    statement_id: int
    account: str
    currency: str
    opening: int | None
    closing: int | None
    credits: int
    debits: int
    difference: int | None  # closing - (opening + credits - debits); 0 when it adds up


@dataclass(frozen=True, slots=True)
class Reconciliation:
    statements: tuple[StatementCheck, ...]
    days: tuple[DayCash, ...]


def reconcile(session: Session, *, org_id: int, statement_id: int | None = None) -> Reconciliation:
    """Opening and closing balances against the lines of each statement's file (lines
    already known from an earlier file included), and cash applied per day."""
    checks = []
    days: dict[tuple[date, str], list[int]] = defaultdict(lambda: [0, 0])
    for statement in repository.statements(session, org_id, statement_id):
        lines = repository.lines(session, org_id, statement_id=statement.id)
        credits, debits = statement.credits_amount, statement.debits_amount
        difference = None
        if (
            statement.opening_balance_amount is not None
            and statement.closing_balance_amount is not None
        ):
            difference = statement.closing_balance_amount - (
                statement.opening_balance_amount + credits - debits
            )
        checks.append(
            StatementCheck(
                statement.id,
                statement.account_iban or statement.account_number,
                statement.currency,
                statement.opening_balance_amount,
                statement.closing_balance_amount,
                credits,
                debits,
                difference,
            )
        )
        for b in lines:
            if b.credit:
                day = days[(b.booking_date, b.currency)]
                day[0] += b.amount
                day[1] += b.applied_amount if b.status == LineStatus.APPLIED else 0
    return Reconciliation(
        tuple(checks),
        tuple(
            DayCash(d, c, total, applied, total - applied)
            for (d, c), (total, applied) in sorted(days.items())
        ),
    )


# CSV profiles


def save_profile(
    session: Session, *, org_id: int, name: str, settings: dict[str, Any]
) -> BankCsvProfile:
    """Save (or replace) a CSV column profile under ``name``."""
    name = name.strip()
    if not name:
        raise InvalidInput("a profile needs a name", field="name")
    profile = repository.profile(session, org_id, name)
    if profile is None:
        profile = BankCsvProfile(org_id=org_id, name=name, settings=settings)
        repository.add(session, profile)
    else:
        profile.settings = settings
        session.flush()
    return profile


def profile_settings(session: Session, *, org_id: int, name: str) -> dict[str, Any]:
    """The settings saved under ``name``."""
    profile = repository.profile(session, org_id, name)
    if profile is None:
        raise NotFound(f"no CSV profile named {name!r}")
    return dict(profile.settings)


# The organisation's matching settings


def match_settings(session: Session, *, org_id: int) -> core.Settings:
    """The organisation's threshold and short-payment tolerance (defaults when unset);
    the fixed amount is in its base currency (see ``core.Settings``)."""
    row = repository.match_settings(session, org_id)
    base = ledger.get_organisation(session, org_id=org_id).base_currency
    if row is None:
        return core.Settings(base_currency=base)
    return core.Settings(
        threshold=row.threshold,
        short_fixed=row.short_fixed_amount,
        short_percent=Decimal(row.short_percent_bp) / 100,
        base_currency=base,
    )


def set_match_settings(
    session: Session,
    *,
    org_id: int,
    threshold: int | None = None,
    short_fixed: Decimal | None = None,
    short_percent: Decimal | None = None,
) -> core.Settings:
    """Change what is given; the settings in force afterwards."""
    if threshold is None and short_fixed is None and short_percent is None:
        return match_settings(session, org_id=org_id)
    if threshold is not None and not 50 <= threshold <= 100:
        raise InvalidInput("must be between 50 and 100 (strict: 90)", field="threshold")
    if short_percent is not None and not 0 <= short_percent <= 10:
        raise InvalidInput("must be between 0 and 10 percent", field="short_percent")
    if short_fixed is not None and short_fixed < 0:
        raise InvalidInput("cannot be negative", field="short_fixed")
    row = repository.match_settings(session, org_id)
    if row is None:
        defaults = core.Settings()
        row = MatchSettings(
            org_id=org_id,
            threshold=defaults.threshold,
            short_fixed_amount=defaults.short_fixed,
            short_percent_bp=int(defaults.short_percent * 100),
        )
        repository.add(session, row)
    if threshold is not None:
        row.threshold = threshold
    if short_fixed is not None:
        currency = ledger.get_organisation(session, org_id=org_id).base_currency
        row.short_fixed_amount = money.to_minor(short_fixed, currency)
    if short_percent is not None:
        row.short_percent_bp = int(short_percent * 100)
    session.flush()
    return match_settings(session, org_id=org_id)


# The Bank page's reads


def statement_page(
    session: Session, *, org_id: int, limit: int, offset: int = 0
) -> tuple[list[BankStatement], int]:
    """One page of the statements, newest first, and how many there are in all."""
    return repository.statement_page(session, org_id, limit=limit, offset=offset)


def get_statement(session: Session, *, org_id: int, statement_id: int) -> BankStatement:
    """One statement of the organisation (``NotFound`` for another's)."""
    found = repository.statements(session, org_id, statement_id)
    if not found:
        raise NotFound(f"no bank statement {statement_id}")
    return found[0]


def line_counts(
    session: Session, *, org_id: int, statement_ids: Sequence[int] | None = None
) -> dict[int, Counter[str]]:
    """How many lines each statement has in each status (only ``statement_ids`` when
    given); a statement's counter sums to its stored lines."""
    counts: dict[int, Counter[str]] = defaultdict(Counter)
    for statement_id, status, lines in repository.status_counts(
        session, org_id, statement_ids=statement_ids
    ):
        counts[statement_id][status] += lines
    return dict(counts)


def read_line(session: Session, *, org_id: int, line_id: int) -> BankLine:
    """One bank line of the organisation, to show (no lock: pages read in a read-only
    transaction; a decision locks the line through its own service function)."""
    line = repository.line_unlocked(session, org_id, line_id)
    if line is None:
        raise NotFound(f"no bank line {line_id}")
    return line
