"""Charges use cases: load the invoice and its rules, decide in the core, store a charge.

Services never commit; the caller owns the transaction. Charging is idempotent by
``key``: a second call with the same key returns the first charge and creates nothing.
A charge is a receivable of its own; the invoice's total and open amount never change.

The escalation engine calls, for its ``interest`` / ``late_fee`` actions::

    charge_interest(session, org_id=..., invoice_id=..., as_of=run_date, key=...)
    charge_late_fee(session, org_id=..., invoice_id=..., fee=LateFee(amount=Decimal("25")),
                    key=..., as_of=run_date)
    charge_compensation(session, org_id=..., invoice_id=..., key=..., as_of=run_date)

Each returns a ``ChargeResult``: the charge (new or the one already made with that key),
whether it was created, and the reason when nothing was charged.
"""

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from sqlalchemy.orm import Session

from recoup import money
from recoup.charges import core, repository
from recoup.charges.core import (
    NO_CLAIM,
    BalanceHistory,
    ClaimRule,
    Debt,
    Decision,
    InterestExplanation,
    Jurisdiction,
    LateFee,
    RateChange,
    RateTable,
    Statute,
    Terms,
)
from recoup.charges.jurisdictions import (
    for_country,
    shipped_jurisdictions,
    unsupported_countries,
)
from recoup.charges.models import (
    Charge,
    ChargeKind,
    ChargeStatus,
    ChargeTerms,
    RateCheck,
    ReferenceRate,
)
from recoup.charges.payloads import ChargeOrder, ChargeParams
from recoup.charges.tables import IMPORT_ONLY, shipped_table, shipped_table_names
from recoup.charges.terms import TermsInput
from recoup.charges.words import ChargeFacts, facts_from_charge, facts_from_interest
from recoup.comms.models import OutboxKind
from recoup.comms.outbox import Effect, enqueue
from recoup.db.base import utcnow
from recoup.errors import Conflict, InvalidInput, NotFound
from recoup.ledger import queries as ledger_queries
from recoup.ledger import service as ledger
from recoup.ledger.enums import InvoiceStatus
from recoup.ledger.queries import InvoiceView

_RATE_CACHE = "recoup.charges.rate_tables"
_KEY_LENGTH = 200
_DESCRIPTION_LENGTH = 500


@dataclass(frozen=True, slots=True)
class ChargeResult:
    """What a ``charge_*`` call did.

    ``charge`` is the new charge, or the one an earlier call made with the same key (or,
    for compensation, for the same invoice); ``None`` when nothing is due, and then
    ``reason`` says why. ``created`` is true only when this call added the charge.
    ``warnings`` flag figures to check (a reference rate beyond the known table).
    """

    charge: Charge | None
    created: bool
    reason: str | None = None
    warnings: tuple[str, ...] = ()


# --- reference rates ------------------------------------------------------------------


def rate_table(session: Session, *, name: str) -> RateTable:
    """The rate table ``name``: the shipped CSV extended (and, on the same date,
    overridden) by the rates users imported."""
    cache: dict[str, RateTable] = session.info.setdefault(_RATE_CACHE, {})
    if name not in cache:
        imported = repository.imported_rates(session, name)
        changes = (RateChange(row.effective_from, row.rate_percent) for row in imported)
        check = repository.rate_check(session, name)
        known = check.checked_through if check is not None else None
        if name in IMPORT_ONLY:
            if not imported:
                raise core.RateNotFound(
                    f"rate table {name} is empty: run `recoup charges rates update`"
                )
            cache[name] = RateTable(name, tuple(changes), known_through=known)
        else:
            cache[name] = shipped_table(name).merged(changes, known_through=known)
    return cache[name]


def record_check(session: Session, *, table: str, checked_through: date, source: str) -> None:
    """Record that ``table`` is complete up to ``checked_through`` (a download of its
    publisher's series that day)."""
    row = repository.rate_check(session, table)
    if row is None:
        row = RateCheck(table_name=table, checked_through=checked_through)
        session.add(row)
    row.checked_through = max(row.checked_through, checked_through)
    row.source, row.checked_at = source[:300], utcnow()
    session.flush()
    session.info.get(_RATE_CACHE, {}).pop(table, None)


def stale_rates(session: Session, *, org_id: int, as_of: date) -> list[tuple[str, date, str]]:
    """The reference rates charges computed on ``as_of`` would take from beyond what
    their tables are known to hold: ``(table, fixing day, message)`` for each
    jurisdiction the organisation's country or its charge terms name."""
    country = ledger.get_organisation(session, org_id=org_id).country
    rules = shipped_jurisdictions()
    codes = repository.terms_jurisdictions(session, org_id)
    own = for_country(rules, country)
    found = [own] if own is not None else []
    found += [rules[code] for code in sorted(codes) if code in rules]
    stale: dict[str, tuple[str, date, str]] = {}
    for jurisdiction in found:
        table = rate_table(session, name=jurisdiction.reference)
        day = core.fixing_day(jurisdiction.fixing, as_of)
        if day > table.checked_through and table.name not in stale:
            stale[table.name] = (
                table.name,
                day,
                f"{table.name} is known through {table.checked_through}, but charges on "
                f"{as_of} ({jurisdiction.code}) need the rate of {day}: the last known rate "
                f"({table.in_force_on(day).rate_percent} %) is used until you run "
                "`recoup charges rates update`",
            )
    return list(stale.values())


@dataclass(frozen=True, slots=True)
class RatesImported:
    """The outcome of a rates import: rows new to the table, changed, already known."""

    table: str
    new: int
    changed: int
    unchanged: int


def import_rates(session: Session, *, table: RateTable, source: str) -> RatesImported:
    """Store the rates of a validated ``table`` (all of them, in the caller's transaction).

    A date the table already has with the same rate is left alone; a different rate on
    a known date overrides it; a new date extends the table.
    """
    try:
        known_changes = rate_table(session, name=table.name).changes
    except core.RateNotFound:  # an import-only table with nothing imported yet
        known_changes = ()
    current = {c.effective_from: c.rate_percent for c in known_changes}
    stored = {row.effective_from: row for row in repository.imported_rates(session, table.name)}
    new = changed = unchanged = 0
    added: list[ReferenceRate] = []
    for change in table.changes:
        known = current.get(change.effective_from)
        if known is not None and known == change.rate_percent:
            unchanged += 1
            continue
        if known is None:
            new += 1
        else:
            changed += 1
        row = stored.get(change.effective_from)
        if row is not None:
            row.rate_percent, row.source, row.imported_at = change.rate_percent, source, utcnow()
        else:
            added.append(
                ReferenceRate(
                    table_name=table.name,
                    effective_from=change.effective_from,
                    rate_percent=change.rate_percent,
                    source=source[:300],
                )
            )
    repository.add_rates(session, added)
    session.info.get(_RATE_CACHE, {}).pop(table.name, None)
    return RatesImported(table.name, new, changed, unchanged)


@dataclass(frozen=True, slots=True)
class ListedRate:
    """One row of a rate table, and whether it was shipped or imported."""

    table: str
    effective_from: date
    rate_percent: Decimal
    origin: str


def list_rates(session: Session, *, name: str | None = None) -> list[ListedRate]:
    """Every rate of every table (or of table ``name``), by table and date."""
    names = [name] if name else list(shipped_table_names())
    names += [n for n in IMPORT_ONLY if not name and repository.imported_rates(session, n)]
    rows: list[ListedRate] = []
    for table_name in names:
        imported = {row.effective_from for row in repository.imported_rates(session, table_name)}
        for change in rate_table(session, name=table_name).changes:
            origin = "imported" if change.effective_from in imported else "shipped"
            rows.append(ListedRate(table_name, change.effective_from, change.rate_percent, origin))
    return rows


# --- terms and jurisdiction ---------------------------------------------------------


def set_terms(
    session: Session,
    *,
    org_id: int,
    customer_id: int,
    invoice_id: int | None = None,
    jurisdiction: str | None = None,
    interest_rate_percent: Decimal | None = None,
    late_fee: LateFee | None = None,
    late_fee_currency: str | None = None,
    compensation: Decimal | None = None,
    note: str = "",
) -> ChargeTerms:
    """Set the contract terms of a customer (or of one of its invoices), replacing the
    ones set before. ``None`` leaves a term to the statute / the policy. A fixed late
    fee and a compensation are in the invoice's (or the customer's) currency."""
    if ledger_queries.customer(session, org_id=org_id, customer_id=customer_id) is None:
        raise NotFound(f"no customer with id {customer_id}")
    invoice = None
    if invoice_id is not None:
        invoice = ledger_queries.invoice(session, org_id=org_id, invoice_id=invoice_id)
        if invoice is None or invoice.customer_id != customer_id:
            raise NotFound(f"no invoice with id {invoice_id} for customer {customer_id}")
    code = (jurisdiction or "").strip().upper()
    if code and code not in shipped_jurisdictions():
        known = ", ".join(shipped_jurisdictions())
        raise InvalidInput(
            f"unknown jurisdiction {jurisdiction!r} (known: {known})", field="jurisdiction"
        )
    if interest_rate_percent is not None and not 0 <= interest_rate_percent <= 100:
        raise InvalidInput("must be between 0 and 100 (a percentage a year)", field="interest_rate")
    fee_amount = fee_currency = None
    if late_fee is not None and late_fee.amount is not None:
        customer = ledger_queries.customer(session, org_id=org_id, customer_id=customer_id)
        assert customer is not None
        fee_currency = money.validate_currency(
            late_fee_currency or (invoice.currency if invoice else customer.currency)
        )
        fee_amount = money.to_minor(late_fee.amount, fee_currency)
    existing_invoice, existing_customer = repository.terms(session, org_id, customer_id, invoice_id)
    row = existing_invoice if invoice_id is not None else existing_customer
    if row is None:
        row = ChargeTerms(org_id=org_id, customer_id=customer_id, invoice_id=invoice_id)
        session.add(row)
    row.jurisdiction = code
    row.interest_rate_percent = interest_rate_percent
    row.late_fee_amount = fee_amount
    row.late_fee_currency = fee_currency or ""
    row.late_fee_percent = late_fee.percent if late_fee is not None else None
    row.compensation_amount, row.compensation_currency = None, ""
    if compensation is not None:
        customer = ledger_queries.customer(session, org_id=org_id, customer_id=customer_id)
        assert customer is not None
        row.compensation_currency = invoice.currency if invoice else customer.currency
        row.compensation_amount = money.to_minor(compensation, row.compensation_currency)
    row.note = note
    session.flush()
    return row


def get_terms(
    session: Session, *, org_id: int, customer_id: int, invoice_id: int | None = None
) -> ChargeTerms | None:
    """The terms set on a customer (or, given ``invoice_id``, on that invoice), if any."""
    on_invoice, on_customer = repository.terms(session, org_id, customer_id, invoice_id)
    return on_invoice if invoice_id is not None else on_customer


def apply_terms(
    session: Session,
    *,
    org_id: int,
    customer_id: int,
    given: TermsInput,
    invoice_id: int | None = None,
    clear: bool = False,
) -> ChargeTerms:
    """Set the terms ``given`` holds on a customer (or one of its invoices) and keep
    the others as they were (``clear``: drop them first)."""
    row = (
        None
        if clear
        else get_terms(session, org_id=org_id, customer_id=customer_id, invoice_id=invoice_id)
    )
    fee = given.late_fee
    if fee is None and row is not None and row.late_fee_amount is not None:
        fee = LateFee(amount=money.from_minor(row.late_fee_amount, row.late_fee_currency))
    elif fee is None and row is not None and row.late_fee_percent is not None:
        fee = LateFee(percent=row.late_fee_percent)
    compensation = given.compensation
    if compensation is None and row is not None and row.compensation_amount is not None:
        compensation = money.from_minor(row.compensation_amount, row.compensation_currency)
    rate = given.interest_rate_percent
    if rate is None and row is not None:
        rate = row.interest_rate_percent
    return set_terms(
        session,
        org_id=org_id,
        customer_id=customer_id,
        invoice_id=invoice_id,
        jurisdiction=given.jurisdiction or (row.jurisdiction if row is not None else None),
        interest_rate_percent=rate,
        late_fee=fee,
        compensation=compensation,
        note=row.note if row is not None else "",
    )


@dataclass(frozen=True, slots=True)
class _Resolved:
    terms: Terms
    jurisdiction: Jurisdiction | None
    fee_currency: str  # currency of a fixed late fee in the terms ("" if none)
    refused: str | None = None  # why no statute applies (a country Recoup does not implement)
    compensation: tuple[int, str] | None = None  # contractual (minor units, currency)
    waived: str | None = None  # why statutory charges are waived for the customer


@dataclass(frozen=True, slots=True)
class _Loaded:
    """What the interest of several invoices of one customer reads, loaded at once (one
    query per kind): every terms row of the customer, each invoice's allocations."""

    terms: dict[int | None, ChargeTerms]  # invoice id (None: the customer's) -> terms
    reductions: dict[int, list[tuple[date, int]]]


def _resolve_terms(
    session: Session, org_id: int, invoice: InvoiceView, loaded: _Loaded | None = None
) -> _Resolved:
    if loaded is None:
        on_invoice, on_customer = repository.terms(session, org_id, invoice.customer_id, invoice.id)
    else:
        on_invoice, on_customer = loaded.terms.get(invoice.id), loaded.terms.get(None)
    levels = [t for t in (on_invoice, on_customer) if t is not None]

    def first(attribute: str) -> Any:
        return next((getattr(t, attribute) for t in levels if getattr(t, attribute)), None)

    fee, fee_currency = None, ""
    fee_level = next(
        (t for t in levels if t.late_fee_amount is not None or t.late_fee_percent is not None), None
    )
    if fee_level is not None and fee_level.late_fee_amount is not None:
        fee_currency = fee_level.late_fee_currency
        fee = LateFee(amount=money.from_minor(fee_level.late_fee_amount, fee_currency))
    elif fee_level is not None:
        fee = LateFee(percent=fee_level.late_fee_percent)
    rate = next(
        (t.interest_rate_percent for t in levels if t.interest_rate_percent is not None), None
    )
    code: str | None = first("jurisdiction")
    refused = None
    if code:
        jurisdiction = shipped_jurisdictions().get(code)
        if jurisdiction is None:
            raise NotFound(f"the charge terms name jurisdiction {code!r}, which is not defined")
    else:
        country = ledger.get_organisation(session, org_id=org_id).country
        jurisdiction = for_country(shipped_jurisdictions(), country)
        if jurisdiction is None and country.upper() in unsupported_countries():
            refused = (
                f"{unsupported_countries()[country.upper()]}: no statutory interest or "
                "compensation is charged (never another country's rule); set a contract "
                "rate on the customer's or the invoice's terms"
            )
    compensation = next(
        (
            (t.compensation_amount, t.compensation_currency)
            for t in levels
            if t.compensation_amount is not None
        ),
        None,
    )
    waived = None
    if on_customer is not None and on_customer.waive_statutory:
        waived = "statutory charges are waived for this customer" + (
            f" ({on_customer.waive_reason})" if on_customer.waive_reason else ""
        )
    return _Resolved(
        Terms(code, rate, fee),
        jurisdiction,
        fee_currency,
        refused=refused,
        compensation=compensation,
        waived=waived,
    )


def jurisdiction_of(session: Session, *, org_id: int, invoice_id: int) -> Jurisdiction | None:
    """The jurisdiction whose statute governs an invoice: its or its customer's terms,
    else the one of the organisation's country (an EU member without its own entry gets
    "EU"); ``None`` when no statute applies."""
    return _resolve_terms(session, org_id, _invoice(session, org_id, invoice_id)).jurisdiction


# --- loading a debt -------------------------------------------------------------------


def _invoice(session: Session, org_id: int, invoice_id: int, *, lock: bool = False) -> InvoiceView:
    invoice = ledger_queries.invoice(session, org_id=org_id, invoice_id=invoice_id, lock=lock)
    if invoice is None:
        raise NotFound(f"no invoice with id {invoice_id}")
    return invoice


def invoice_id_by_number(session: Session, *, org_id: int, number: str) -> int:
    """The id of the organisation's invoice numbered ``number``."""
    return invoice_by_number(session, org_id=org_id, number=number).id


def invoice_by_number(session: Session, *, org_id: int, number: str) -> InvoiceView:
    """The organisation's invoice numbered ``number``."""
    invoice = ledger_queries.invoice_by_number(session, org_id=org_id, number=number)
    if invoice is None:
        raise NotFound(f"no invoice {number!r}")
    return invoice


def _debt(
    session: Session, org_id: int, invoice: InvoiceView, loaded: _Loaded | None = None
) -> Debt:
    customer = ledger_queries.customer(session, org_id=org_id, customer_id=invoice.customer_id)
    assert customer is not None  # the foreign key guarantees it
    currency = invoice.currency
    history = BalanceHistory(
        total=money.from_minor(invoice.total_amount, currency),
        start=min(invoice.issue_date, invoice.due_date),
        reductions=tuple(
            (day, money.from_minor(minor, currency))
            for day, minor in (
                ledger_queries.allocations_to(session, org_id=org_id, invoice_id=invoice.id)
                if loaded is None
                else loaded.reductions.get(invoice.id, [])
            )
        ),
    )
    return Debt(
        number=invoice.number,
        currency=currency,
        due_date=invoice.due_date,
        balances=history.changes(),
        is_consumer=customer.is_consumer,
    )


def _closed(invoice: InvoiceView) -> str | None:
    if invoice.status == InvoiceStatus.VOID:
        return f"invoice {invoice.number} is void"
    if invoice.status == InvoiceStatus.WRITTEN_OFF:
        return f"invoice {invoice.number} is written off"
    return None


def _statute(session: Session, jurisdiction: Jurisdiction | None) -> Statute | None:
    if jurisdiction is None:
        return None
    return Statute(jurisdiction, rate_table(session, name=jurisdiction.reference))


# --- interest -------------------------------------------------------------------------


def _interest(
    session: Session,
    org_id: int,
    invoice: InvoiceView,
    as_of: date,
    since: date | None,
    loaded: _Loaded | None = None,
) -> InterestExplanation:
    closed = _closed(invoice)
    if closed:
        return InterestExplanation(
            currency=invoice.currency, rule="no interest", start=None, end=as_of, reason=closed
        )
    resolved = _resolve_terms(session, org_id, invoice, loaded)
    uses_statute = resolved.terms.interest_rate_percent is None
    no_statute = resolved.waived or resolved.refused
    if uses_statute and no_statute:
        return InterestExplanation(
            currency=invoice.currency,
            rule="no interest",
            start=None,
            end=as_of,
            reason=no_statute,
        )
    return core.interest_due(
        debt=_debt(session, org_id, invoice, loaded),
        as_of=as_of,
        terms=resolved.terms,
        statute=_statute(session, resolved.jurisdiction) if uses_statute else None,
        since=since,
    )


def explain_interest(
    session: Session, *, org_id: int, invoice_id: int, as_of: date
) -> InterestExplanation:
    """The interest an invoice has earned from the day after its due date to ``as_of``,
    period by period (whether charged yet or not), or the reason there is none."""
    return _interest(session, org_id, _invoice(session, org_id, invoice_id), as_of, None)


def _existing(
    session: Session, org_id: int, key: str, kind: ChargeKind, invoice_id: int
) -> Charge | None:
    if not key or len(key) > _KEY_LENGTH:
        raise InvalidInput(f"must be 1 to {_KEY_LENGTH} characters", field="key")
    charge = repository.charge_by_key(session, org_id, key)
    if charge is not None and (charge.kind != kind or charge.invoice_id != invoice_id):
        raise Conflict(
            f"key {key!r} is already used by a {charge.kind} charge on another invoice or kind"
        )
    return charge


def _store(
    session: Session,
    *,
    org_id: int,
    invoice: InvoiceView,
    kind: ChargeKind,
    amount: int,
    period: tuple[date, date],
    description: str,
    key: str,
    details: Mapping[str, Any],
) -> Charge:
    charge = Charge(
        org_id=org_id,
        customer_id=invoice.customer_id,
        invoice_id=invoice.id,
        kind=kind,
        currency=invoice.currency,
        amount=amount,
        period_start=period[0],
        period_end=period[1],
        description=description[:_DESCRIPTION_LENGTH],
        key=key,
        status=ChargeStatus.OPEN,
        details=dict(details),
    )
    session.add(charge)
    session.flush()
    return charge


def explanation_details(explanation: InterestExplanation) -> dict[str, Any]:
    """An interest explanation as plain JSON values (stored with the charge)."""
    return {
        "rule": explanation.rule,
        "periods": [
            {
                "from": p.start.isoformat(),
                "to": p.end.isoformat(),
                "days": p.days,
                "base": str(p.base),
                "rate_percent": str(p.rate_percent),
                "interest": str(p.interest),
                "basis": p.basis,
            }
            for p in explanation.periods
        ],
        "unrounded": str(explanation.unrounded),
        "rounded": "once, half up, to the minor unit",
        "warnings": list(explanation.warnings),
    }


def charge_interest(
    session: Session, *, org_id: int, invoice_id: int, as_of: date, key: str
) -> ChargeResult:
    """Charge the interest an invoice earned up to ``as_of`` and not yet charged.

    The charge covers the days after the last interest charge on the invoice (or from
    the day after the due date) to ``as_of``; its amount is that period's interest,
    rounded once. Nothing is charged when the amount rounds to zero: those days are
    charged with the next period instead.
    """
    invoice = _invoice(session, org_id, invoice_id, lock=True)
    existing = _existing(session, org_id, key, ChargeKind.INTEREST, invoice.id)
    if existing is not None:
        return ChargeResult(existing, created=False, reason="already charged with this key")
    last = repository.last_interest_day(session, org_id, invoice.id)
    since = last + core.ONE_DAY if last else None
    explanation = _interest(session, org_id, invoice, as_of, since)
    if explanation.reason:
        return ChargeResult(None, created=False, reason=explanation.reason)
    if explanation.total_minor <= 0 or explanation.start is None:
        return ChargeResult(
            None,
            created=False,
            reason=f"the interest rounds to {explanation.total} {invoice.currency}",
            warnings=explanation.warnings,
        )
    start, end = explanation.start, explanation.end
    charge = _store(
        session,
        org_id=org_id,
        invoice=invoice,
        kind=ChargeKind.INTEREST,
        amount=explanation.total_minor,
        period=(start, end),
        description=f"Late-payment interest on {invoice.number}, {start} to {end}: "
        f"{explanation.rule}",
        key=key,
        details=explanation_details(explanation),
    )
    return ChargeResult(charge, created=True, warnings=explanation.warnings)


# --- late fees and compensation -------------------------------------------------------


def _decided(
    session: Session,
    *,
    org_id: int,
    invoice: InvoiceView,
    kind: ChargeKind,
    decision: Decision,
    period: tuple[date, date],
    description: str,
    key: str,
) -> ChargeResult:
    if decision.reason:
        return ChargeResult(None, created=False, reason=decision.reason)
    if decision.amount_minor <= 0:
        return ChargeResult(None, created=False, reason=f"the {kind} is zero")
    charge = _store(
        session,
        org_id=org_id,
        invoice=invoice,
        kind=kind,
        amount=decision.amount_minor,
        period=period,
        description=f"{description}: {decision.rule}",
        key=key,
        details={"rule": decision.rule},
    )
    return ChargeResult(charge, created=True)


def charge_late_fee(
    session: Session,
    *,
    org_id: int,
    invoice_id: int,
    fee: LateFee | None,
    key: str,
    as_of: date | None = None,
) -> ChargeResult:
    """Charge a late fee on an overdue invoice: ``fee`` (a policy step's fixed amount in
    the invoice's currency or percentage of what is overdue), unless the contract terms
    set their own fee, which wins. ``as_of`` is the run's date (default today)."""
    day = as_of or utcnow().date()
    invoice = _invoice(session, org_id, invoice_id, lock=True)
    existing = _existing(session, org_id, key, ChargeKind.LATE_FEE, invoice.id)
    if existing is not None:
        return ChargeResult(existing, created=False, reason="already charged with this key")
    closed = _closed(invoice)
    if closed:
        return ChargeResult(None, created=False, reason=closed)
    resolved = _resolve_terms(session, org_id, invoice)
    if resolved.fee_currency and resolved.fee_currency != invoice.currency:
        return ChargeResult(
            None,
            created=False,
            reason=f"the contract's late fee is in {resolved.fee_currency}, "
            f"invoice {invoice.number} in {invoice.currency}",
        )
    decision = core.late_fee_due(
        debt=_debt(session, org_id, invoice), as_of=day, fee=fee, terms=resolved.terms
    )
    return _decided(
        session,
        org_id=org_id,
        invoice=invoice,
        kind=ChargeKind.LATE_FEE,
        decision=decision,
        period=(day, day),
        description=f"Late fee on {invoice.number}",
        key=key,
    )


def charge_compensation(
    session: Session, *, org_id: int, invoice_id: int, key: str, as_of: date | None = None
) -> ChargeResult:
    """Charge the statutory fixed compensation for a late invoice (once per invoice:
    a second call, whatever its key, returns the first charge). Given ``as_of``, an
    invoice not yet overdue on that day gets none."""
    invoice = _invoice(session, org_id, invoice_id, lock=True)
    existing = _existing(session, org_id, key, ChargeKind.COMPENSATION, invoice.id)
    if existing is not None:
        return ChargeResult(existing, created=False, reason="already charged with this key")
    earlier = repository.invoice_charges(session, org_id, invoice.id, ChargeKind.COMPENSATION)
    if earlier:
        return ChargeResult(
            earlier[0], created=False, reason="compensation is charged once per invoice"
        )
    closed = _closed(invoice)
    if closed:
        return ChargeResult(None, created=False, reason=closed)
    debt = _debt(session, org_id, invoice)
    resolved = _resolve_terms(session, org_id, invoice)
    if resolved.compensation is not None:
        return _contract_compensation(session, org_id, invoice, debt, resolved, key, as_of)
    if resolved.waived:
        return ChargeResult(None, created=False, reason=resolved.waived)
    if resolved.refused:
        return ChargeResult(None, created=False, reason=resolved.refused)
    decision = core.compensation_due(
        debt=debt,
        jurisdiction=resolved.jurisdiction,
        as_of=as_of,
        conversion=_conversion(session, resolved.jurisdiction, debt),
    )
    return _decided(
        session,
        org_id=org_id,
        invoice=invoice,
        kind=ChargeKind.COMPENSATION,
        decision=decision,
        period=(debt.late_from, debt.late_from),
        description=f"Fixed compensation for the late payment of {invoice.number}",
        key=key,
    )


def _contract_compensation(
    session: Session,
    org_id: int,
    invoice: InvoiceView,
    debt: Debt,
    resolved: _Resolved,
    key: str,
    as_of: date | None,
) -> ChargeResult:
    """The compensation the contract terms set (they win over the statute)."""
    assert resolved.compensation is not None
    minor, currency = resolved.compensation
    if as_of is not None and as_of < debt.late_from:
        return ChargeResult(None, created=False, reason=f"{debt.number} is not overdue on {as_of}")
    if currency != invoice.currency:
        return ChargeResult(
            None,
            created=False,
            reason=f"the contract's compensation is in {currency}, invoice {invoice.number} "
            f"in {invoice.currency}; set one in {invoice.currency} on the invoice's terms",
        )
    amount = money.from_minor(minor, currency)
    decision = Decision(
        currency, amount=amount, rule=f"{amount} {currency} per late invoice (contract terms)"
    )
    return _decided(
        session,
        org_id=org_id,
        invoice=invoice,
        kind=ChargeKind.COMPENSATION,
        decision=decision,
        period=(debt.late_from, debt.late_from),
        description=f"Fixed compensation for the late payment of {invoice.number}",
        key=key,
    )


def _conversion(
    session: Session, jurisdiction: Jurisdiction | None, debt: Debt
) -> core.Conversion | None:
    """The reference exchange rate that converts ``jurisdiction``'s compensation for
    ``debt`` (the newest on or before the conversion day, at most a week older: a
    month's last working day is never further back), if the law names one and it is
    known."""
    if jurisdiction is None or not jurisdiction.compensation_conversion:
        return None
    day = core.conversion_day(debt.due_date)
    try:
        change = rate_table(session, name=jurisdiction.compensation_conversion).in_force_on(day)
    except core.RateNotFound:
        return None
    if (day - change.effective_from).days > 6:
        return None
    return core.Conversion(
        change.rate_percent, change.effective_from, jurisdiction.compensation_conversion
    )


# --- reading and waiving --------------------------------------------------------------


def open_charges(session: Session, *, org_id: int, customer_id: int) -> list[Charge]:
    """A customer's open charges, oldest period first (for messages and statements)."""
    return repository.open_charges(session, org_id, customer_id)


def invoice_charges(session: Session, *, org_id: int, invoice_id: int) -> list[Charge]:
    """Every charge on an invoice, whatever its status, oldest period first."""
    return repository.invoice_charges(session, org_id, invoice_id)


def waive_charge(session: Session, *, org_id: int, charge_id: int) -> Charge:
    """Waive an open charge (it stays on record, with status ``waived``)."""
    return _close_charge(session, org_id, charge_id, ChargeStatus.WAIVED)


def mark_charge_paid(session: Session, *, org_id: int, charge_id: int) -> Charge:
    """Record that an open charge was paid (it stays on record, with status ``paid``)."""
    return _close_charge(session, org_id, charge_id, ChargeStatus.PAID)


def _close_charge(session: Session, org_id: int, charge_id: int, status: ChargeStatus) -> Charge:
    charge = repository.charge(session, org_id, charge_id)
    if charge is None:
        raise NotFound(f"no charge with id {charge_id}")
    if charge.status != ChargeStatus.OPEN:
        raise Conflict(f"charge {charge_id} is {charge.status}, not open")
    charge.status = status
    session.flush()
    return charge


# --- statutory charges follow the debt ------------------------------------------------


def waive_statutory_charges(
    session: Session, *, org_id: int, customer_id: int, reason: str | None
) -> ChargeTerms:
    """Waive statutory interest and fixed compensation for a customer (``reason`` says
    why and is required), or claim them again (``reason=None``). The change is audited;
    charges already recorded stay as they are (waive them one by one if need be)."""
    if ledger_queries.customer(session, org_id=org_id, customer_id=customer_id) is None:
        raise NotFound(f"no customer with id {customer_id}")
    if reason is not None and not reason.strip():
        raise InvalidInput("say why the statutory charges are waived", field="reason")
    row = repository.customer_terms(session, org_id, customer_id)
    if row is None:
        row = ChargeTerms(org_id=org_id, customer_id=customer_id, invoice_id=None)
        session.add(row)
    row.waive_statutory = reason is not None
    row.waive_reason = (reason or "").strip()[:_DESCRIPTION_LENGTH]
    session.flush()
    return row


def statutory_waiver(session: Session, *, org_id: int, customer_id: int) -> str | None:
    """Why statutory charges are waived for the customer, or None when they are claimed."""
    row = repository.customer_terms(session, org_id, customer_id)
    if row is None or not row.waive_statutory:
        return None
    return row.waive_reason or "waived"


@dataclass(frozen=True, slots=True)
class ClaimRules:
    """The claim rule of each policy and which policy governs an invoice."""

    by_policy: Mapping[str, ClaimRule]
    policy_of: Callable[[int, int], str]  # (customer id, invoice id) → policy name

    def for_invoice(self, customer_id: int, invoice_id: int) -> ClaimRule:
        """The rule of the policy that governs the invoice (no claim if it is unknown)."""
        return self.by_policy.get(self.policy_of(customer_id, invoice_id), NO_CLAIM)

    @property
    def earliest_days(self) -> int | None:
        """The fewest days past due at which any policy claims; None if none claims."""
        days = [rule.from_days for rule in self.by_policy.values() if rule.claims]
        return max(min(days), 1) if days else None


@dataclass
class StatutoryRun:
    """What ``claim_statutory_charges`` did on a day."""

    claimed: list[int] = field(default_factory=list)  # invoice ids whose claim started
    closed: dict[int, str] = field(default_factory=dict)  # invoice id → why its claim closed
    effects: list[Effect] = field(default_factory=list)  # the charges queued (new ones)
    # Customers whose interest is queued to be recorded today: not cleared yet.
    recording: set[int] = field(default_factory=set)


STATUTORY_INTEREST = "statutory_interest"  # the outbox's charge kind that crystallises


def claim_statutory_charges(
    session: Session,
    *,
    org_id: int,
    as_of: date,
    rules: ClaimRules,
    paused: Mapping[int, str] = MappingProxyType({}),
    handed_off: Collection[int] = (),
    customer_range: tuple[int, int] | None = None,
    now: datetime | None = None,
    first_runs: Mapping[int, date] | None = None,
    open_invoices: Sequence[Any] | None = None,
) -> StatutoryRun:
    """The daily run's statutory charges. A claim starts on every open invoice that has
    become as late as its policy claims from — not on ``paused`` invoices (in dispute or
    in a payment plan), nor for consumers or customers whose charges are waived — and its
    fixed compensation is queued. With ``first_runs`` (a gentle start: customer id → the
    day Recoup first chased it; absent, never yet, so today) nothing is back-dated: an
    invoice already as late as its policy claims from on its customer's first run is
    never claimed automatically, and one the first run started gently (``gentle_level``)
    is claimed when its ladder reaches the claiming step, that many days after the first
    run. A claim closes when its invoice is paid (its interest
    is queued, through the day of payment), handed off (``handed_off``: through
    ``as_of``) or voided / written off (no interest).

    The charges go through the outbox as ``charge`` rows (one per customer and day, each
    invoice charged once by key), like every other effect; a second run the same day
    queues nothing new. ``open_invoices``: the range's
    ``ledger.queries.dunning_open_invoices`` rows when the caller has read them already.
    """
    run = StatutoryRun()
    earliest = rules.earliest_days
    starts: list[dict[str, Any]] = []
    compensate: dict[int, list[int]] = {}
    if earliest is not None:
        due_by = as_of - timedelta(days=earliest)
        if open_invoices is None:
            open_invoices = ledger_queries.dunning_open_invoices(
                session, org_id=org_id, id_range=customer_range
            )
        candidates = repository.unclaimed_late_invoices(
            session, org_id, due_by, customer_range, open_invoices
        )
        for invoice_id, customer_id, due_date in candidates:
            rule = rules.for_invoice(customer_id, invoice_id)
            if invoice_id in paused or not rule.claims:
                continue
            start = core.claim_start_day(due_date, rule)
            if first_runs is not None:
                first_run = first_runs.get(customer_id, as_of)
                if start <= first_run:
                    continue
                # Started gently on its first run: the claim comes when its ladder
                # reaches the claiming step, not days after the first friendly notice.
                if rule.gentle_level is not None and (
                    (first_run - due_date).days >= rule.gentle_level
                ):
                    start = max(
                        start, first_run + timedelta(days=rule.from_days - rule.gentle_level)
                    )
            if start > as_of:
                continue
            starts.append(
                {
                    "org_id": org_id,
                    "customer_id": customer_id,
                    "invoice_id": invoice_id,
                    "claimed_on": as_of,
                    "close_reason": "",
                }
            )
            run.claimed.append(invoice_id)
            if rule.compensation:
                compensate.setdefault(customer_id, []).append(invoice_id)
    repository.insert_claims(session, starts)
    placed = set(handed_off)
    crystallise: dict[int, list[int]] = {}
    for invoice_id, customer_id, status in repository.claims_to_close(
        session, org_id, sorted(placed), customer_range
    ):
        if status == InvoiceStatus.PAID:
            why = "paid"
        elif status == InvoiceStatus.OPEN and invoice_id in placed:
            why = "handed off"
        else:
            why = f"invoice {status.replace('_', ' ')}"
        run.closed[invoice_id] = why
        rule = rules.for_invoice(customer_id, invoice_id)
        if why in ("paid", "handed off") and rule.interest:
            crystallise.setdefault(customer_id, []).append(invoice_id)
    repository.close_claims(session, org_id, run.closed, as_of)
    run.recording = set(crystallise)
    at = now or utcnow()
    effects = [
        _charge_effect(customer_id, invoice_ids, "compensation", as_of, at)
        for customer_id, invoice_ids in sorted(compensate.items())
    ] + [
        _charge_effect(customer_id, invoice_ids, STATUTORY_INTEREST, as_of, at)
        for customer_id, invoice_ids in sorted(crystallise.items())
    ]
    run.effects = enqueue(session, org_id=org_id, effects=effects)
    return run


def _charge_effect(
    customer_id: int, invoice_ids: list[int], kind: str, as_of: date, at: datetime
) -> Effect:
    what = {
        "compensation": "fixed compensation for each invoice now claimed",
        STATUTORY_INTEREST: "statutory interest until payment or hand-off",
    }[kind]
    return Effect(
        key=f"statutory:{as_of.isoformat()}:c{customer_id}:{kind}",
        kind=OutboxKind.CHARGE,
        customer_id=customer_id,
        scheduled_at=at,
        source="charges",
        to_customer=False,
        payload=ChargeOrder(
            reason=f"statutory charges follow the debt: {what}",
            invoice_ids=invoice_ids,
            as_of=as_of,
            params=ChargeParams(charge=kind),
        ).dump(),
    )


def crystallise_interest(
    session: Session, *, org_id: int, invoice_id: int, as_of: date, key: str
) -> ChargeResult:
    """Record the interest of a closed claim: through the day the invoice was paid in
    full, or through ``as_of`` when it is still open (handed off)."""
    invoice = _invoice(session, org_id, invoice_id)
    through = as_of
    if invoice.status == InvoiceStatus.PAID:
        through = core.paid_on(_debt(session, org_id, invoice)) or as_of
    return charge_interest(session, org_id=org_id, invoice_id=invoice_id, as_of=through, key=key)


@dataclass(frozen=True, slots=True)
class AccruedInterest:
    """Interest accruing on an open claim, not yet recorded as a charge."""

    invoice_id: int
    invoice_number: str
    currency: str
    amount: int  # minor units, rounded once
    start: date
    end: date
    explanation: InterestExplanation

    @property
    def description(self) -> str:
        """The line as a statement shows it."""
        return (
            f"Interest on {self.invoice_number} from {self.start:%d %B %Y} to "
            f"{self.end:%d %B %Y}, accruing until payment"
        )


def accrued_interest(
    session: Session, *, org_id: int, customer_id: int, as_of: date
) -> list[AccruedInterest]:
    """The interest accrued to ``as_of`` on the customer's open claims (beyond what is
    already charged), one line per invoice with something accrued. The terms, the last
    day charged and the allocations of every claim's invoice are read at once (one
    query per kind, not per invoice: a customer page lists every claim)."""
    lines: list[AccruedInterest] = []
    claims = repository.open_claims(session, org_id, customer_id)
    # The rows every claim reads, loaded once and held here: the session's identity map
    # keeps rows only while something refers to them, and then answers the look-ups
    # below without a query each (a customer page lists every claim).
    held = (
        (
            ledger.get_organisation(session, org_id=org_id),
            ledger_queries.customer(session, org_id=org_id, customer_id=customer_id),
            ledger.invoices_by_id(
                session, org_id=org_id, invoice_ids=[c.invoice_id for c in claims]
            ),
        )
        if claims
        else ()
    )
    ids = [c.invoice_id for c in claims]
    loaded = _Loaded(
        repository.terms_of_customer(session, org_id, customer_id) if claims else {},
        ledger_queries.allocations_to_each(session, org_id=org_id, invoice_ids=ids),
    )
    last_days = repository.last_interest_days(session, org_id, ids)
    for claim in claims:
        invoice = _invoice(session, org_id, claim.invoice_id)
        if invoice.status != InvoiceStatus.OPEN:
            continue
        last = last_days.get(invoice.id)
        explanation = _interest(
            session, org_id, invoice, as_of, last + core.ONE_DAY if last else None, loaded
        )
        if explanation.reason or explanation.start is None or explanation.total_minor <= 0:
            continue
        lines.append(
            AccruedInterest(
                invoice.id,
                invoice.number,
                invoice.currency,
                explanation.total_minor,
                explanation.start,
                explanation.end,
                explanation,
            )
        )
    del held
    return lines


@dataclass(frozen=True, slots=True)
class StatementCharge:
    """A charge as a statement, the portal or a message lists it: recorded (``charge_id``)
    or interest accrued to date (``accrued``; ``charge_id`` is None). ``facts`` are what
    ``charges.words`` writes in the customer's words."""

    charge_id: int | None
    description: str
    currency: str
    amount: int
    on: date
    invoice_number: str
    facts: ChargeFacts
    accrued: bool = False


def statement_charges(
    session: Session, *, org_id: int, customer_id: int, as_of: date
) -> list[StatementCharge]:
    """The customer's open charges, then the interest accrued to ``as_of`` and not yet
    charged: what a statement, the portal and a notice show."""
    rows = repository.open_charges(session, org_id, customer_id)
    invoice_ids = sorted({c.invoice_id for c in rows if c.invoice_id is not None})
    numbers = {
        invoice.id: invoice.number
        for invoice in ledger.invoices_by_id(session, org_id=org_id, invoice_ids=invoice_ids)
    }
    recorded = []
    for c in rows:
        number = numbers.get(c.invoice_id, "") if c.invoice_id is not None else ""
        facts = facts_from_charge(
            kind=str(c.kind),
            currency=c.currency,
            invoice_number=number,
            period_start=c.period_start,
            period_end=c.period_end,
            details=c.details,
        )
        recorded.append(
            StatementCharge(c.id, c.description, c.currency, c.amount, c.period_end, number, facts)
        )
    accrued = [
        StatementCharge(
            None,
            line.description,
            line.currency,
            line.amount,
            line.end,
            line.invoice_number,
            facts_from_interest(
                line.explanation, invoice_number=line.invoice_number, accruing=True
            ),
            True,
        )
        for line in accrued_interest(session, org_id=org_id, customer_id=customer_id, as_of=as_of)
    ]
    return recorded + accrued


def customers_with_open_charges(
    session: Session, *, org_id: int, customer_range: tuple[int, int] | None = None
) -> dict[int, int]:
    """``customer id → number of open charges`` for customers that owe charges."""
    return repository.customers_with_open_charges(session, org_id, customer_range)


@dataclass(frozen=True, slots=True)
class Claimable:
    """What can be claimed on one invoice on a day: interest (accrued in full), the fixed
    compensation, a late fee by contract, what is already charged, and the waiver."""

    interest: InterestExplanation
    compensation: Decision
    late_fee: Decision
    charged: tuple[Charge, ...]
    claimed_on: date | None
    waived: str | None


def what_can_be_claimed(
    session: Session, *, org_id: int, invoice_id: int, as_of: date
) -> Claimable:
    """Everything that can be claimed on an invoice as of ``as_of``: the interest from the
    day after its due date, the statutory compensation, the contract's late fee, and the
    charges already recorded on it (whatever their status)."""
    invoice = _invoice(session, org_id, invoice_id)
    resolved = _resolve_terms(session, org_id, invoice)
    debt = _debt(session, org_id, invoice)
    closed = _closed(invoice)
    if closed:
        compensation = Decision(invoice.currency, reason=closed)
    elif resolved.waived:
        compensation = Decision(invoice.currency, reason=resolved.waived)
    else:
        compensation = core.compensation_due(
            debt=debt, jurisdiction=resolved.jurisdiction, as_of=as_of
        )
    if resolved.terms.late_fee is None:
        late_fee = Decision(
            invoice.currency,
            reason="no late fee in the contract terms (a policy step may charge one)",
        )
    elif closed:
        late_fee = Decision(invoice.currency, reason=closed)
    else:
        late_fee = core.late_fee_due(debt=debt, as_of=as_of, fee=None, terms=resolved.terms)
    claim = repository.claim(session, org_id, invoice.id)
    return Claimable(
        interest=_interest(session, org_id, invoice, as_of, None),
        compensation=compensation,
        late_fee=late_fee,
        charged=tuple(repository.invoice_charges(session, org_id, invoice.id)),
        claimed_on=claim.claimed_on if claim else None,
        waived=resolved.waived,
    )


def customer_charges(session: Session, *, org_id: int, customer_id: int) -> list[Charge]:
    """Every charge of a customer, open, paid or waived, in the order they were made
    (for the account's timeline)."""
    return repository.customer_charges(session, org_id, customer_id)


def org_charges(session: Session, *, org_id: int) -> list[Charge]:
    """Every charge of the organisation, open, paid or waived, in the order they were
    made (for the exports to the accounting system)."""
    return repository.org_charges(session, org_id)
