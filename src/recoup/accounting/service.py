"""Exports to the accounting system: load what Recoup recorded through the owning
domains' services, lay it out (``core.layout``) and remember what went out.

``since`` exports every record of the kind dated on or after it; ``since_last`` every
record never exported before. Either way the records written are remembered, so the
next ``since_last`` starts after them. Services never commit.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from recoup import csvout
from recoup.accounting import core, repository
from recoup.accounting.core import Accounts, Entry, Format, Kind
from recoup.cases import queue
from recoup.charges import service as charges
from recoup.charges.words import describe_charge, facts_from_charge
from recoup.errors import InvalidInput
from recoup.languages import choose_language, locale_of
from recoup.ledger import queries as ledger_queries
from recoup.ledger import service as ledger


@dataclass(frozen=True, slots=True)
class ExportResult:
    """What an export wrote."""

    kind: Kind
    format: Format
    count: int
    skipped: int  # entries the format cannot carry (credit-note allocations)


def _write_off_notes(session: Session, org_id: int) -> set[int]:
    return {
        w.credit_note_id
        for w in queue.write_offs(session, org_id=org_id)
        if w.credit_note_id is not None
    }


def entries(session: Session, *, org_id: int, kind: Kind) -> list[Entry]:
    """Every record of ``kind`` the organisation holds, oldest first."""
    customers = ledger_queries.customer_labels(session, org_id=org_id)

    def who(customer_id: int | None, fallback: str = "") -> tuple[str, str]:
        return customers.get(customer_id or 0, ("", fallback))

    found: list[Entry] = []
    if kind == "payments":
        for p in ledger_queries.all_payments(session, org_id=org_id):
            account, name = who(p.customer_id, p.payer_name)
            found.append(
                Entry(
                    kind,
                    p.id,
                    p.received_on,
                    account,
                    name,
                    p.external_id,
                    p.currency,
                    p.amount,
                    description=f"{str(p.method).replace('_', ' ')} {p.external_id}".strip(),
                    reference=p.reference or p.external_id,
                )
            )
    elif kind == "allocations":
        numbers = ledger_queries.all_invoice_numbers(session, org_id=org_id)
        payments = ledger_queries.payment_external_ids(session, org_id=org_id)
        notes = ledger_queries.credit_note_numbers(session, org_id=org_id)
        invoice_customers = ledger_queries.invoice_customers(session, org_id=org_id)
        for allocation in ledger.allocation_records(session, org_id=org_id):
            aid, iid, pid, nid = (
                allocation.id,
                allocation.invoice_id,
                allocation.payment_id,
                allocation.credit_note_id,
            )
            cur, amount, on = allocation.currency, allocation.amount, allocation.allocated_on
            account, name = who(invoice_customers.get(iid))
            source = "payment" if pid is not None else "credit_note"
            label = (
                f"Payment {payments.get(pid, pid)}"
                if pid is not None
                else f"Credit note {notes.get(nid or 0, nid)}"
            )
            found.append(
                Entry(
                    kind,
                    aid,
                    on,
                    account,
                    name,
                    f"ALLOC-{aid}",
                    cur,
                    amount,
                    invoice=numbers.get(iid, ""),
                    description=label,
                    reference=label,
                    source=source,
                )
            )
    elif kind == "charges":
        numbers = ledger_queries.all_invoice_numbers(session, org_id=org_id)
        country = ledger.get_organisation(session, org_id=org_id).country
        # The line prints on the customer's invoice: the words a notice uses for the
        # charge, in the organisation's language (not the rule the engine recorded).
        locale = locale_of(choose_language(country=country), country or "GB")
        for charge in charges.org_charges(session, org_id=org_id):
            if charge.status == "waived":
                continue
            account, name = who(charge.customer_id)
            number = numbers.get(charge.invoice_id or 0, "")
            facts = facts_from_charge(
                kind=str(charge.kind), currency=charge.currency, invoice_number=number,
                period_start=charge.period_start, period_end=charge.period_end,
                details=charge.details,
            )  # fmt: skip
            found.append(
                Entry(
                    kind,
                    charge.id,
                    charge.period_end,
                    account,
                    name,
                    f"CHG-{charge.id}",
                    charge.currency,
                    charge.amount,
                    invoice=number,
                    description=describe_charge(facts, locale),
                    source=str(charge.kind),
                    due_on=charge.period_end,
                )
            )
    elif kind == "credit-notes":
        skip = _write_off_notes(session, org_id)  # exported as write-offs
        for nid, cid, number, on, cur, amount, reason in ledger_queries.all_credit_notes(
            session, org_id=org_id
        ):
            if nid in skip:
                continue
            account, name = who(cid)
            found.append(
                Entry(kind, nid, on, account, name, number, cur, amount, description=reason)
            )
    else:
        numbers = ledger_queries.all_invoice_numbers(session, org_id=org_id)
        for w in queue.write_offs(session, org_id=org_id, statuses=["approved"]):
            account, name = who(w.customer_id)
            found.append(
                Entry(
                    kind,
                    w.id,
                    w.decided_on or w.requested_on,
                    account,
                    name,
                    f"WO-{w.id}",
                    w.currency,
                    w.amount,
                    invoice=numbers.get(w.invoice_id, ""),
                    description=f"Write-off: {w.reason}",
                )
            )
    return sorted(found, key=lambda e: (e.on, e.record_id))


def export(
    session: Session,
    *,
    org_id: int,
    kind: str,
    fmt: str,
    out: csvout.TextOut,
    since: date | None = None,
    since_last: bool = False,
    accounts: Accounts = Accounts(),
) -> ExportResult:
    """Write the records of ``kind`` in ``fmt`` to ``out`` and remember them."""
    if kind not in core.KINDS:
        raise InvalidInput(f"choose one of {', '.join(core.KINDS)}", field="kind")
    if fmt not in core.FORMATS:
        raise InvalidInput(f"choose one of {', '.join(core.FORMATS)}", field="format")
    if (since is None) == (not since_last):
        raise InvalidInput("give either --since DATE or --since-last", field="since")
    chosen: Kind = kind
    layout_format: Format = fmt
    everything = entries(session, org_id=org_id, kind=chosen)
    if since_last:
        done = repository.exported_ids(session, org_id, kind)
        picked = [e for e in everything if e.record_id not in done]
    else:
        assert since is not None
        picked = [e for e in everything if e.on >= since]
    written = core.exportable(picked, layout_format)
    header, rows = core.layout(chosen, layout_format, written, accounts)
    writer = csvout.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    done = repository.exported_ids(session, org_id, kind)
    repository.remember(session, org_id, kind, fmt, sorted({e.record_id for e in written} - done))
    return ExportResult(chosen, layout_format, len(written), len(picked) - len(written))


def kinds() -> Sequence[str]:
    """The kinds of records that can be exported."""
    return core.KINDS
