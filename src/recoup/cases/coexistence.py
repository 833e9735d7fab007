"""Which cases may coexist on an invoice: ``core.admit`` decides; these read the open
cases on some invoices (in words) and ask it. Closing what a new case supersedes is
``plans.close_cases``."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from recoup.cases import core, repository
from recoup.cases.ledger_views import invoices_by_id


def _label(kind: str, case: Any) -> tuple[core.Case, str]:
    if kind == "promise":
        return core.Case.PROMISE, (
            f"a pending promise (#{case.id}, to pay by {case.promised_on.isoformat()})"
        )
    if kind == "dispute":
        return core.Case.DISPUTE, f"open dispute #{case.id} ({case.reason.replace('_', ' ')})"
    if kind == "plan":
        return core.Case.PLAN, f"payment plan #{case.id}"
    if case.status == "placed":
        return core.Case.PLACEMENT, f"placed with agency {case.agency} (hand-off #{case.id})"
    return core.Case.HANDOFF, f"hand-off #{case.id} to agency {case.agency}, awaiting approval"


def cases_on_invoices(
    session: Session, *, org_id: int, invoice_ids: Sequence[int]
) -> list[core.CaseOnInvoice]:
    """Every open case holding one of ``invoice_ids`` (pending promises, open disputes,
    active plans, hand-offs asked for or placed), each named in words."""
    rows = repository.open_cases_on(session, org_id, invoice_ids)
    numbers = invoices_by_id(session, org_id=org_id, ids=sorted({r[2] for r in rows}))
    found = []
    for kind, case, invoice_id in rows:
        case_kind, label = _label(kind, case)
        found.append(
            core.CaseOnInvoice(case_kind, case.id, invoice_id, numbers[invoice_id].number, label)
        )
    return found


def admit_case(
    session: Session,
    *,
    org_id: int,
    new: core.Case,
    invoice_ids: Sequence[int],
    ignore: tuple[core.Case, int] | None = None,
) -> core.Admission:
    """``core.admit`` over the open cases on ``invoice_ids`` (but ``ignore``, the case
    itself when it is being decided): a ``Conflict`` in words when the new case may not
    go on them, else what it closes and leaves out."""
    found = [
        c
        for c in cases_on_invoices(session, org_id=org_id, invoice_ids=invoice_ids)
        if (c.kind, c.case_id) != ignore
    ]
    return core.admit(new, found)
