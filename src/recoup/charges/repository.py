"""All SQL of the charges domain. Every business query is scoped to one organisation.

The ledger's invoices, customers and allocations are read through
``recoup.ledger.queries`` (the daily run's anti-join and join pass their claims and terms
side in, so each stays one statement); nothing here selects or writes the ledger's tables.
"""

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from recoup.charges.models import (
    Charge,
    ChargeKind,
    ChargeStatus,
    ChargeTerms,
    RateCheck,
    ReferenceRate,
    StatutoryClaim,
)
from recoup.db import bulk
from recoup.ledger import queries as ledger_queries

CustomerRange = ledger_queries.IdRange


def _in_range(column: Any, id_range: CustomerRange) -> Any:
    return True if id_range is None else column.between(*id_range)


def charge(session: Session, org_id: int, charge_id: int) -> Charge | None:
    """The organisation's charge ``charge_id``."""
    return session.scalars(
        select(Charge).where(Charge.org_id == org_id, Charge.id == charge_id)
    ).one_or_none()


def charge_by_key(session: Session, org_id: int, key: str) -> Charge | None:
    """The organisation's charge with idempotency key ``key``."""
    return session.scalars(
        select(Charge).where(Charge.org_id == org_id, Charge.key == key)
    ).one_or_none()


def invoice_charges(
    session: Session, org_id: int, invoice_id: int, kind: ChargeKind | None = None
) -> list[Charge]:
    """The charges on one invoice (of one ``kind``), oldest period first."""
    query = select(Charge).where(Charge.org_id == org_id, Charge.invoice_id == invoice_id)
    if kind is not None:
        query = query.where(Charge.kind == kind)
    return list(session.scalars(query.order_by(Charge.period_start, Charge.id)))


def last_interest_days(
    session: Session, org_id: int, invoice_ids: Sequence[int]
) -> dict[int, date]:
    """``last_interest_day`` of several invoices at once (those with one)."""
    if not invoice_ids:
        return {}
    rows = session.execute(
        select(Charge.invoice_id, func.max(Charge.period_end))
        .where(
            Charge.org_id == org_id,
            Charge.invoice_id.in_(list(invoice_ids)),
            Charge.kind == ChargeKind.INTEREST,
        )
        .group_by(Charge.invoice_id)
    )
    return {row[0]: row[1] for row in rows if row[0] is not None and row[1] is not None}


def terms_of_customer(
    session: Session, org_id: int, customer_id: int
) -> dict[int | None, ChargeTerms]:
    """Every terms row of a customer: ``invoice id -> terms`` (None: the customer's)."""
    rows = session.scalars(
        select(ChargeTerms).where(
            ChargeTerms.org_id == org_id, ChargeTerms.customer_id == customer_id
        )
    )
    return {row.invoice_id: row for row in rows}


def last_interest_day(session: Session, org_id: int, invoice_id: int) -> date | None:
    """The last day already covered by an interest charge on the invoice (any status)."""
    return session.scalar(
        select(func.max(Charge.period_end)).where(
            Charge.org_id == org_id,
            Charge.invoice_id == invoice_id,
            Charge.kind == ChargeKind.INTEREST,
        )
    )


def open_charges(session: Session, org_id: int, customer_id: int) -> list[Charge]:
    """A customer's open charges, oldest period first."""
    return list(
        session.scalars(
            select(Charge)
            .where(
                Charge.org_id == org_id,
                Charge.customer_id == customer_id,
                Charge.status == ChargeStatus.OPEN,
            )
            .order_by(Charge.period_start, Charge.id)
        )
    )


def terms(
    session: Session, org_id: int, customer_id: int, invoice_id: int | None
) -> tuple[ChargeTerms | None, ChargeTerms | None]:
    """``(invoice terms, customer terms)`` that apply to an invoice, each if set."""
    rows = session.scalars(
        select(ChargeTerms).where(
            ChargeTerms.org_id == org_id,
            ChargeTerms.customer_id == customer_id,
            (ChargeTerms.invoice_id.is_(None))
            if invoice_id is None
            else (ChargeTerms.invoice_id.is_(None) | (ChargeTerms.invoice_id == invoice_id)),
        )
    )
    by_level = {row.invoice_id is None: row for row in rows}
    return by_level.get(False), by_level.get(True)


def imported_rates(session: Session, table_name: str | None = None) -> list[ReferenceRate]:
    """Imported reference rates (of one table), by table and date."""
    query = select(ReferenceRate)
    if table_name is not None:
        query = query.where(ReferenceRate.table_name == table_name)
    return list(
        session.scalars(query.order_by(ReferenceRate.table_name, ReferenceRate.effective_from))
    )


def add_rates(session: Session, rates: Sequence[ReferenceRate]) -> None:
    """Store new imported rates."""
    session.add_all(rates)
    session.flush()


def rate_check(session: Session, table_name: str) -> RateCheck | None:
    """The day up to which ``table_name`` was last checked, if recorded."""
    return session.scalars(
        select(RateCheck).where(RateCheck.table_name == table_name)
    ).one_or_none()


def terms_jurisdictions(session: Session, org_id: int) -> set[str]:
    """The jurisdictions the organisation's charge terms name."""
    return {
        code
        for code in session.scalars(
            select(ChargeTerms.jurisdiction)
            .where(ChargeTerms.org_id == org_id, ChargeTerms.jurisdiction != "")
            .distinct()
        )
    }


def customer_terms(session: Session, org_id: int, customer_id: int) -> ChargeTerms | None:
    """The customer-level terms row (where the statutory waiver is kept), if any."""
    _, on_customer = terms(session, org_id, customer_id, None)
    return on_customer


def unclaimed_late_invoices(
    session: Session,
    org_id: int,
    due_by: date,
    id_range: CustomerRange,
    open_invoices: Sequence[Any],
) -> list[tuple[int, int, date]]:
    """``(invoice id, customer id, due date)`` of the open invoices (``open_invoices``:
    the range's ``ledger.queries.dunning_open_invoices`` rows) due on or before
    ``due_by`` with no statutory claim yet, of business customers (not consumers) whose
    statutory charges are not waived, by customer, due date and id. The invoices are
    those the caller read; the claims of the range are read as their invoice ids (a
    partition's: tens of thousands of small numbers, where an anti-join read the
    invoices a second time)."""
    claimed = {
        row[0]
        for row in bulk.plain_rows(
            session,
            select(StatutoryClaim.invoice_id).where(
                StatutoryClaim.org_id == org_id,
                # A claim is its invoice's customer's: a partition reads its own.
                _in_range(StatutoryClaim.customer_id, id_range),
            ),
        )
    }
    late = ledger_queries.late_among(open_invoices, due_by, without=claimed)
    if not late:
        return late
    waived = session.scalars(
        select(ChargeTerms.customer_id).where(
            ChargeTerms.org_id == org_id,
            ChargeTerms.invoice_id.is_(None),
            ChargeTerms.waive_statutory.is_(True),
        )
    )
    excluded = set(waived) | ledger_queries.consumers_among(
        session, org_id=org_id, customer_ids=sorted({customer_id for _, customer_id, _ in late})
    )
    return [found for found in late if found[1] not in excluded]


def insert_claims(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Store new statutory claims (in bulk: a first run may start many)."""
    bulk.insert_with_ids(session, StatutoryClaim.__table__, rows)


def close_claims(session: Session, org_id: int, closed: Mapping[int, str], on: date) -> None:
    """Close the claims on the invoices of ``closed`` (invoice id → why) on ``on``."""
    by_reason: dict[str, list[int]] = {}
    for invoice_id, reason in closed.items():
        by_reason.setdefault(reason, []).append(invoice_id)
    for reason, invoice_ids in sorted(by_reason.items()):
        for condition in bulk.among(session, StatutoryClaim.invoice_id, invoice_ids):
            session.execute(
                update(StatutoryClaim)
                .where(StatutoryClaim.org_id == org_id, condition)
                .values(closed_on=on, close_reason=reason)
            )


def claims_to_close(
    session: Session, org_id: int, handed_off: Sequence[int], id_range: CustomerRange
) -> list[tuple[int, int, str]]:
    """``(invoice id, customer id, invoice status)`` of open claims whose invoice is no
    longer open (paid, void, written off) or is with an agency (``handed_off``), oldest
    claim first: the open claims joined with their invoices in one statement."""
    open_claims = select(StatutoryClaim.invoice_id, StatutoryClaim.id).where(
        StatutoryClaim.org_id == org_id,
        StatutoryClaim.closed_on.is_(None),
        _in_range(StatutoryClaim.customer_id, id_range),
    )
    return ledger_queries.invoices_no_longer_open(
        session, org_id=org_id, among=open_claims, id_range=id_range, also=handed_off
    )


def open_claims(session: Session, org_id: int, customer_id: int) -> list[StatutoryClaim]:
    """A customer's open claims (interest still accruing), oldest first."""
    return list(
        session.scalars(
            select(StatutoryClaim)
            .where(
                StatutoryClaim.org_id == org_id,
                StatutoryClaim.customer_id == customer_id,
                StatutoryClaim.closed_on.is_(None),
            )
            .order_by(StatutoryClaim.claimed_on, StatutoryClaim.id)
        )
    )


def claim(session: Session, org_id: int, invoice_id: int) -> StatutoryClaim | None:
    """The statutory claim on an invoice, if one was started."""
    return session.scalars(
        select(StatutoryClaim).where(
            StatutoryClaim.org_id == org_id, StatutoryClaim.invoice_id == invoice_id
        )
    ).one_or_none()


def customers_with_open_charges(
    session: Session, org_id: int, id_range: CustomerRange
) -> dict[int, int]:
    """``customer id → number of open charges``, for customers that have any."""
    rows = session.execute(
        select(Charge.customer_id, func.count())
        .where(
            Charge.org_id == org_id,
            Charge.status == ChargeStatus.OPEN,
            _in_range(Charge.customer_id, id_range),
        )
        .group_by(Charge.customer_id)
    )
    return {int(row[0]): int(row[1]) for row in rows}


def customer_charges(session: Session, org_id: int, customer_id: int) -> list[Charge]:
    """Every charge of a customer, whatever its status, in the order they were made."""
    return list(
        session.scalars(
            select(Charge)
            .where(Charge.org_id == org_id, Charge.customer_id == customer_id)
            .order_by(Charge.id)
        )
    )


def org_charges(session: Session, org_id: int) -> list[Charge]:
    """Every charge of the organisation, whatever its status, in the order made."""
    return list(session.scalars(select(Charge).where(Charge.org_id == org_id).order_by(Charge.id)))
