"""Ledger use cases: load through the repository, decide in the core, store.

Services never commit; the caller owns the transaction (see ``recoup.db.transaction``).
Amounts come in as ``Decimal`` and are stored as integer minor units.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session

from recoup import money
from recoup.audit.service import Change, append, insert_audited
from recoup.errors import Conflict, InvalidInput, NotFound
from recoup.ledger import core, queries, repository
from recoup.ledger.core import AgingBasis, AgingLine
from recoup.ledger.models import (
    Allocation,
    Channel,
    Contact,
    ContactRole,
    CreditNote,
    Customer,
    CustomerStatus,
    Invoice,
    InvoiceStatus,
    Organisation,
    Payment,
    PaymentMethod,
)
from recoup.ledger.organisation import BankDetails, set_bank_account
from recoup.ledger.validators import (
    timezone_of_country,
    validate_country,
    validate_email,
    validate_iban,
    validate_language,
    validate_registration,
    validate_timezone,
    validate_vat,
)
from recoup.webhooks import events as hook
from recoup.webhooks.service import emit_many


def create_organisation(
    session: Session,
    *,
    slug: str,
    name: str,
    country: str = "GB",
    base_currency: str = "EUR",
    **details: str,
) -> Organisation:
    """A new organisation (tenant); ``details`` are its address, email, ... and, with
    ``bank_name``, ``iban``, ``bic``, the bank account of its base currency."""
    if repository.organisation_by_slug(session, slug):
        raise Conflict(f"organisation {slug!r} already exists")
    bank = {key: details.pop(key) for key in ("bank_name", "iban", "bic") if key in details}
    org = Organisation(
        slug=slug,
        name=name,
        country=validate_country(country),
        base_currency=money.validate_currency(base_currency),
        **details,
    )
    session.add(org)
    session.flush()
    if bank.get("iban"):
        set_bank_account(session, org=org, currency=org.base_currency, details=BankDetails(**bank))
    return org


def resolve_organisation(session: Session, *, slug: str | None) -> Organisation:
    """The organisation named ``slug``, or the only one there is when none is named."""
    if slug:
        org = repository.organisation_by_slug(session, slug)
        if org is None:
            raise NotFound(f"no organisation {slug!r}")
        return org
    orgs = repository.organisations(session)
    if not orgs:
        raise NotFound("no organisation yet: run `recoup init` or `recoup demo` first")
    if len(orgs) > 1:
        names = ", ".join(o.slug for o in orgs)
        raise InvalidInput(f"several organisations ({names}): name one with --org")
    return orgs[0]


def create_customer(
    session: Session,
    *,
    org_id: int,
    external_id: str,
    name: str,
    currency: str,
    country: str = "",
    vat_number: str = "",
    registration_number: str = "",
    language: str = "en",
    timezone: str = "",
    payment_terms_days: int = 30,
    credit_limit: Decimal | None = None,
    tags: Sequence[str] = (),
    collector: str = "",
    is_consumer: bool = False,
) -> Customer:
    """A new customer, its identifiers checked for its country."""
    if repository.by_key(session, Customer, org_id, external_id=external_id):
        raise Conflict(f"customer {external_id!r} already exists")
    if not name.strip():
        raise InvalidInput("a customer needs a name", field="name")
    country = validate_country(country) if country else ""
    currency = money.validate_currency(currency)
    if payment_terms_days < 0:
        raise InvalidInput("must not be negative", field="payment_terms_days")
    customer = Customer(
        org_id=org_id,
        external_id=external_id,
        name=name.strip(),
        currency=currency,
        country=country,
        vat_number=validate_vat(vat_number, country),
        registration_number=validate_registration(registration_number, country),
        language=validate_language(language),
        timezone=validate_timezone(timezone or timezone_of_country(country)),
        payment_terms_days=payment_terms_days,
        credit_limit_amount=None
        if credit_limit is None
        else money.to_minor(credit_limit, currency),
        tags=sorted(set(tags)),
        collector=collector,
        is_consumer=is_consumer,
    )
    session.add(customer)
    session.flush()
    return customer


def get_customer(session: Session, *, org_id: int, external_id: str) -> Customer:
    """The customer a person names: by account number (``external_id``), else by its
    exact name (case aside), as imports find them; a name several customers share is
    refused with their account numbers."""
    customer = repository.by_key(session, Customer, org_id, external_id=external_id)
    if customer is not None:
        return customer  # type: ignore[no-any-return]
    named = repository.customers_named(session, org_id, external_id.strip())
    if len(named) > 1:
        numbers = ", ".join(c.external_id for c in named)
        raise InvalidInput(
            f"several customers are called {external_id!r} (account numbers {numbers}): "
            "name one by its account number",
            field="customer",
        )
    if not named:
        raise NotFound(f"no customer {external_id!r} (by account number or name)")
    return named[0]


def add_contact(
    session: Session,
    *,
    org_id: int,
    customer_id: int,
    name: str,
    email: str = "",
    phone: str = "",
    role: ContactRole = ContactRole.BILLING,
    language: str = "",
    preferred_channel: Channel = Channel.EMAIL,
    opted_out: Sequence[Channel] = (),
) -> Contact:
    """A new contact person at a customer."""
    if repository.get(session, Customer, org_id, customer_id) is None:
        raise NotFound(f"no customer with id {customer_id}")
    contact = Contact(
        org_id=org_id,
        customer_id=customer_id,
        name=name.strip(),
        email=validate_email(email),
        phone=phone.strip(),
        role=role,
        language=validate_language(language) if language else "",
        preferred_channel=preferred_channel,
        opted_out=sorted(str(c) for c in set(opted_out)),
    )
    session.add(contact)
    session.flush()
    return contact


def create_invoice(
    session: Session,
    *,
    org_id: int,
    customer_id: int,
    number: str,
    issue_date: date,
    total: Decimal,
    due_date: date | None = None,
    currency: str | None = None,
    tax: Decimal = Decimal(0),
    po_number: str = "",
    external_id: str | None = None,
) -> Invoice:
    """A new open invoice; the due date defaults to the customer's payment terms."""
    customer = repository.get(session, Customer, org_id, customer_id)
    if customer is None:
        raise NotFound(f"no customer with id {customer_id}")
    if repository.by_key(session, Invoice, org_id, number=number):
        raise Conflict(f"invoice {number!r} already exists")
    currency = money.validate_currency(currency or customer.currency)
    due = due_date or core.due_date(
        issue_date, customer.payment_terms_days, customer.payment_terms_basis
    )
    total_minor = money.to_minor(total, currency)
    for field, reason in core.invoice_problems(
        issue_date=issue_date, due_date=due, total=total_minor, tax=money.to_minor(tax, currency)
    ):
        raise InvalidInput(reason, field=field)
    invoice = Invoice(
        org_id=org_id,
        customer_id=customer_id,
        number=number,
        external_id=external_id or number,
        issue_date=issue_date,
        due_date=due,
        currency=currency,
        total_amount=total_minor,
        tax_amount=money.to_minor(tax, currency),
        open_amount=total_minor,
        po_number=po_number,
    )
    session.add(invoice)
    session.flush()
    return invoice


def create_credit_note(
    session: Session,
    *,
    org_id: int,
    customer_id: int,
    number: str,
    issue_date: date,
    total: Decimal,
    currency: str | None = None,
    reason: str = "",
    external_id: str | None = None,
) -> CreditNote:
    """A new credit note, open until applied to invoices."""
    customer = repository.get(session, Customer, org_id, customer_id)
    if customer is None:
        raise NotFound(f"no customer with id {customer_id}")
    if repository.by_key(session, CreditNote, org_id, number=number):
        raise Conflict(f"credit note {number!r} already exists")
    currency = money.validate_currency(currency or customer.currency)
    if total <= 0:
        raise InvalidInput("must be positive", field="total")
    total_minor = money.to_minor(total, currency)
    note = CreditNote(
        org_id=org_id,
        customer_id=customer_id,
        number=number,
        external_id=external_id or number,
        issue_date=issue_date,
        currency=currency,
        total_amount=total_minor,
        open_amount=total_minor,
        reason=reason,
    )
    session.add(note)
    session.flush()
    return note


def record_payment(
    session: Session,
    *,
    org_id: int,
    customer_id: int | None,
    received_on: date,
    amount: Decimal,
    currency: str,
    external_id: str,
    method: PaymentMethod = PaymentMethod.BANK_TRANSFER,
    reference: str = "",
    payer_name: str = "",
    payer_iban: str = "",
) -> Payment:
    """Money received, unallocated until applied to invoices."""
    if customer_id is not None and repository.get(session, Customer, org_id, customer_id) is None:
        raise NotFound(f"no customer with id {customer_id}")
    if repository.by_key(session, Payment, org_id, external_id=external_id):
        raise Conflict(f"payment {external_id!r} already exists")
    currency = money.validate_currency(currency)
    if amount <= 0:
        raise InvalidInput("must be positive", field="amount")
    minor = money.to_minor(amount, currency)
    payment = Payment(
        org_id=org_id,
        customer_id=customer_id,
        external_id=external_id,
        received_on=received_on,
        currency=currency,
        amount=minor,
        unallocated_amount=minor,
        method=method,
        reference=reference,
        payer_name=payer_name,
        payer_iban=validate_iban(payer_iban),
    )
    session.add(payment)
    session.flush()
    return payment


@dataclass(frozen=True, slots=True)
class NewPayment:
    """A payment to record in bulk (``record_payments``), already checked by the caller:
    ``amount`` in minor units of ``currency``, positive; ``payer_iban`` normalised."""

    external_id: str
    customer_id: int | None
    received_on: date
    currency: str
    amount: int
    method: PaymentMethod
    reference: str = ""
    payer_name: str = ""
    payer_iban: str = ""


def record_payments(session: Session, *, org_id: int, payments: Sequence[NewPayment]) -> list[int]:
    """Record ``payments`` (unallocated until applied), audited each; their ids, in
    order. One insert for all: cash application books a statement's lines at once."""
    return write_records(
        session,
        org_id=org_id,
        entity="payments",
        creates=[
            {
                "external_id": p.external_id,
                "customer_id": p.customer_id,
                "received_on": p.received_on,
                "currency": p.currency,
                "amount": p.amount,
                "unallocated_amount": p.amount,
                "method": p.method.value,
                "reference": p.reference,
                "payer_name": p.payer_name,
                "payer_iban": p.payer_iban,
            }
            for p in payments
        ],
    )


@dataclass(frozen=True, slots=True)
class PlannedAllocation:
    """An allocation already checked against the balances it was planned from."""

    invoice_id: int
    invoice_open: int
    invoice_status: str
    currency: str
    amount: int
    on: date
    payment_id: int | None = None
    source_open: int = 0
    credit_note_id: int | None = None
    source_status: str = "open"  # a credit note's status (it becomes applied when used up)


def _expire(session: Session, *models: type[Any]) -> None:
    """Expire loaded records of ``models``: bulk SQL changed rows behind the ORM's back."""
    for record in list(session.identity_map.values()):
        if isinstance(record, models):
            session.expire(record)


def write_allocations(
    session: Session, *, org_id: int, planned: Sequence[PlannedAllocation]
) -> None:
    """Store checked allocations, move the balances and audit every change.

    Several allocations may hit the same invoice or source; the audit events show each
    step of the balance.
    """
    rows = [
        {
            "org_id": org_id,
            "invoice_id": p.invoice_id,
            "payment_id": p.payment_id,
            "credit_note_id": p.credit_note_id,
            "currency": p.currency,
            "amount": p.amount,
            "allocated_on": p.on,
        }
        for p in planned
    ]
    ids = repository.write_allocations(session, rows)
    changes: list[Change] = []
    invoice_open: dict[int, int] = {}
    source_open: dict[tuple[str, int], int] = {}
    for allocation_id, p, row in zip(ids, planned, rows, strict=True):
        after = {k: v for k, v in row.items() if k != "org_id"}
        after["allocated_on"] = p.on.isoformat()
        changes.append(Change(org_id, "create", "allocations", allocation_id, None, after))
        before_open = invoice_open.get(p.invoice_id, p.invoice_open)
        invoice_open[p.invoice_id] = before_open - p.amount
        before: dict[str, Any] = {"open_amount": before_open}
        now: dict[str, Any] = {"open_amount": before_open - p.amount}
        if before_open == p.amount:
            before["status"], now["status"] = p.invoice_status, "paid"
        changes.append(Change(org_id, "update", "invoices", p.invoice_id, before, now))
        entity, source_id, column = (
            ("payments", p.payment_id, "unallocated_amount")
            if p.payment_id is not None
            else ("credit_notes", p.credit_note_id, "open_amount")
        )
        assert source_id is not None
        left = source_open.get((entity, source_id), p.source_open)
        source_open[(entity, source_id)] = left - p.amount
        source_before: dict[str, Any] = {column: left}
        source_after: dict[str, Any] = {column: left - p.amount}
        if entity == "credit_notes" and left == p.amount and p.source_status != "applied":
            # The repository marks a used-up credit note applied in the same statement.
            source_before["status"], source_after["status"] = p.source_status, "applied"
        changes.append(Change(org_id, "update", entity, source_id, source_before, source_after))
    append(session, changes)
    emit_many(
        session, org_id=org_id, type="payment.applied", events=hook.payments_applied(ids, rows)
    )
    _expire(session, Invoice, Payment, CreditNote)


def allocate(
    session: Session,
    *,
    org_id: int,
    invoice_id: int,
    amount: Decimal,
    on: date,
    payment_id: int | None = None,
    credit_note_id: int | None = None,
) -> None:
    """Apply part of a payment or a credit note to an invoice.

    Refuses (and writes nothing) when the amount exceeds the invoice's open amount or
    what is left of the payment or credit note, or when currencies differ.
    """
    if (payment_id is None) == (credit_note_id is None):
        raise InvalidInput("name exactly one of a payment or a credit note")
    invoice = repository.get_for_update(session, Invoice, org_id, invoice_id)
    if invoice is None:
        raise NotFound(f"no invoice with id {invoice_id}")
    if invoice.status != "open":
        raise Conflict(f"invoice {invoice.number} is {invoice.status}, not open")
    if payment_id is not None:
        payment: Payment | None = repository.get_for_update(session, Payment, org_id, payment_id)
        if payment is None:
            raise NotFound(f"no payment with id {payment_id}")
        source: Payment | CreditNote = payment
        label, source_open = f"payment {payment.external_id}", payment.unallocated_amount
    else:
        note: CreditNote | None = repository.get_for_update(
            session, CreditNote, org_id, credit_note_id or 0
        )
        if note is None:
            raise NotFound(f"no credit note with id {credit_note_id}")
        source, label, source_open = note, f"credit note {note.number}", note.open_amount
    if source.customer_id not in (None, invoice.customer_id):
        raise Conflict(f"{label} belongs to another customer than invoice {invoice.number}")
    minor = money.to_minor(amount, invoice.currency)
    core.check_allocation(
        amount=minor,
        currency=invoice.currency,
        invoice_number=invoice.number,
        invoice_currency=invoice.currency,
        invoice_open=invoice.open_amount,
        source=label,
        source_currency=source.currency,
        source_open=source_open,
    )
    planned = PlannedAllocation(
        invoice_id=invoice.id,
        invoice_open=invoice.open_amount,
        invoice_status=invoice.status,
        currency=invoice.currency,
        amount=minor,
        on=on,
        payment_id=payment_id,
        credit_note_id=credit_note_id,
        source_open=source_open,
        source_status=str(source.status) if isinstance(source, CreditNote) else "open",
    )
    write_allocations(session, org_id=org_id, planned=[planned])


@dataclass(frozen=True, slots=True)
class AgingReport:
    """Aging lines (per customer or total) and the bucket labels they are split into."""

    as_of: date
    basis: AgingBasis
    labels: tuple[str, ...]
    lines: list[AgingLine]
    totals: list[AgingLine]


def aging_report(
    session: Session,
    *,
    org_id: int,
    as_of: date,
    by_customer: bool = True,
    basis: AgingBasis = AgingBasis.DUE,
    edges: Sequence[int] = core.DEFAULT_EDGES,
) -> AgingReport:
    """Open receivables per customer and currency, split into age buckets on ``as_of``.

    Customers with only unapplied payments or open credit notes get a line too.
    """
    buckets = core.aging_buckets(edges)
    query = repository.aging_query(org_id, as_of, buckets, basis, by_customer=by_customer)
    unapplied = repository.unapplied_by_customer(session, org_id)
    credits = repository.open_credits_by_customer(session, org_id)
    if not by_customer:
        unapplied, credits = _by_currency(unapplied), _by_currency(credits)
    labels = repository.customer_labels(session, org_id) if by_customer else {}
    unknown = ("", "(unidentified payer)")
    lines = []
    for row in session.execute(query):
        key = (row[0], row[1])
        external_id, name = labels.get(row[0], unknown)
        lines.append(
            AgingLine(
                external_id,
                name,
                row[1],
                tuple(row[2:]),
                unapplied.pop(key, 0),
                credits.pop(key, 0),
            )
        )
    empty = (0,) * len(buckets)
    for key in unapplied.keys() | credits.keys():  # money but no open invoice
        external_id, name = labels.get(key[0] or 0, unknown)
        lines.append(
            AgingLine(external_id, name, key[1], empty, unapplied.get(key, 0), credits.get(key, 0))
        )
    lines.sort(key=lambda line: (line.customer_name.casefold(), line.customer, line.currency))
    return AgingReport(
        as_of=as_of,
        basis=basis,
        labels=tuple(b.label for b in buckets),
        lines=lines if by_customer else [],
        totals=core.total_lines(lines, len(buckets)),
    )


def _by_currency(amounts: dict[tuple[int | None, str], int]) -> dict[tuple[int | None, str], int]:
    totals: dict[tuple[int | None, str], int] = {}
    for (_, currency), amount in amounts.items():
        totals[(None, currency)] = totals.get((None, currency), 0) + amount
    return totals


#: The ledger's records another domain may write in bulk (``write_records``) or find by
#: key (``record_id_by_key``), by table name.
Entity = Literal["customers", "contacts", "invoices", "credit_notes", "payments"]
Allocated = Literal["invoices", "payments", "credit_notes"]  # the records allocations join
ENTITIES: dict[Entity, type[Any]] = {
    "customers": Customer,
    "contacts": Contact,
    "invoices": Invoice,
    "credit_notes": CreditNote,
    "payments": Payment,
}


@dataclass(frozen=True, slots=True)
class RecordUpdate:
    """A change to one record: its id and the values before and after."""

    id: int
    before: dict[str, Any]
    after: dict[str, Any]


def write_records(
    session: Session,
    *,
    org_id: int,
    entity: Entity,
    creates: Sequence[dict[str, Any]] = (),
    updates: Sequence[RecordUpdate] = (),
) -> list[int]:
    """Bulk-create and update records of ``entity`` and audit each; the new ids, in order.

    The values must already be validated (the import planner does that).
    """
    model = ENTITIES[entity]
    ids = insert_audited(session, org_id=org_id, table=model.__table__, rows=creates)
    repository.bulk_update(session, model, [{"id": u.id, **u.after} for u in updates])
    append(session, [Change(org_id, "update", entity, u.id, u.before, u.after) for u in updates])
    _expire(session, model)
    return ids


def begin_bulk_load(session: Session, *, entity: Entity) -> list[str]:
    """Prepare a large first load into ``entity``'s table, empty of every organisation's
    records: its read indexes, foreign keys and the unique constraints no other table
    relies on are dropped (PostgreSQL; the table stays locked until the transaction
    ends) and made again, checking every row, by ``end_bulk_load`` with the statements
    returned. No statement (nothing dropped) when the table holds records: a load into
    a table in use keeps them."""
    model = ENTITIES[entity]
    if not repository.is_empty(session, model):
        return []
    return repository.drop_upkeep(session, model)


def end_bulk_load(session: Session, *, entity: Entity, statements: Sequence[str]) -> None:
    """Make what ``begin_bulk_load`` dropped again."""
    repository.restore_upkeep(session, ENTITIES[entity], statements)


def get_organisation(session: Session, *, org_id: int) -> Organisation:
    """The organisation with ``org_id``."""
    org = session.get(Organisation, org_id)
    if org is None:
        raise NotFound(f"no organisation with id {org_id}")
    return org


def balance_mismatches(session: Session, *, org_id: int) -> list[tuple[str, int, int]]:
    """Invoices whose stored open amount differs from total minus allocations."""
    return repository.balance_mismatches(session, org_id)


def open_invoices(session: Session, *, org_id: int, customer_id: int) -> list[Invoice]:
    """A customer's open invoices, oldest due first."""
    return repository.open_invoices(session, org_id, customer_id)


# Used by recoup.comms to build what a message about a customer says.


def invoices_by_id(session: Session, *, org_id: int, invoice_ids: Sequence[int]) -> list[Invoice]:
    """The organisation's invoices among ``invoice_ids``."""
    return repository.invoices_by_id(session, org_id, invoice_ids)


def contact_by_id(session: Session, *, org_id: int, contact_id: int) -> Contact | None:
    """The organisation's contact with ``contact_id``, if there is one."""
    contact: Contact | None = repository.get(session, Contact, org_id, contact_id)
    return contact


def open_credit_notes(session: Session, *, org_id: int, customer_id: int) -> list[CreditNote]:
    """A customer's credit notes with an amount still to apply."""
    return repository.open_credit_notes(session, org_id, customer_id)


def unapplied_payments(session: Session, *, org_id: int, customer_id: int) -> list[Payment]:
    """A customer's payments with an amount not yet applied to invoices."""
    return repository.unapplied_payments(session, org_id, customer_id)


# Used by recoup.cases and recoup.credit: customer status and credit limit, write-offs,
# and read-only views of allocations and open balances.


def customer_by_id(session: Session, *, org_id: int, customer_id: int) -> Customer:
    """The organisation's customer with ``customer_id``."""
    customer = repository.get(session, Customer, org_id, customer_id)
    if customer is None:
        raise NotFound(f"no customer with id {customer_id}")
    return customer  # type: ignore[no-any-return]


def set_credit_limit(
    session: Session, *, org_id: int, customer_id: int, limit: Decimal | None
) -> Customer:
    """Set a customer's credit limit in its currency (None: no limit)."""
    customer = customer_by_id(session, org_id=org_id, customer_id=customer_id)
    if limit is not None and limit < 0:
        raise InvalidInput("must not be negative", field="credit_limit")
    minor = None if limit is None else money.to_minor(limit, customer.currency)
    if customer.credit_limit_amount != minor:
        customer.credit_limit_amount = minor
        session.flush()
    return customer


def set_customer_status(
    session: Session, *, org_id: int, customer_id: int, status: CustomerStatus
) -> Customer:
    """Set a customer's status (active, on_hold, closed)."""
    customer = customer_by_id(session, org_id=org_id, customer_id=customer_id)
    if customer.status != status:
        customer.status = status
        session.flush()
    return customer


def change_customer_statuses(
    session: Session,
    *,
    org_id: int,
    customer_ids: Sequence[int],
    before: CustomerStatus,
    after: CustomerStatus,
) -> None:
    """Move the customers of ``customer_ids`` (each in status ``before``, as the caller
    read it in this transaction) to ``after``, audited each, in one statement: the
    credit rule holds a day's accounts at once."""
    write_records(
        session,
        org_id=org_id,
        entity="customers",
        updates=[
            RecordUpdate(customer_id, {"status": before.value}, {"status": after.value})
            for customer_id in sorted(customer_ids)
        ],
    )


def mark_written_off(session: Session, *, org_id: int, invoice_id: int) -> Invoice:
    """Mark an invoice whose balance a write-off credit note has settled as written off."""
    invoice = repository.get_for_update(session, Invoice, org_id, invoice_id)
    if invoice is None:
        raise NotFound(f"no invoice with id {invoice_id}")
    if invoice.open_amount != 0:
        raise Conflict(f"invoice {invoice.number} still has an open amount")
    invoice.status = InvoiceStatus.WRITTEN_OFF
    session.flush()
    return invoice  # type: ignore[no-any-return]


@dataclass(frozen=True, slots=True)
class AllocationLine:
    """One allocation to an invoice, from a payment or a credit note."""

    invoice_id: int
    payment_id: int | None
    credit_note_id: int | None
    currency: str
    amount: int
    allocated_on: date


def allocation_lines(
    session: Session, *, org_id: int, invoice_ids: Sequence[int] | None = None
) -> list[AllocationLine]:
    """Allocations to the organisation's invoices (only to ``invoice_ids`` when given)."""
    fields = ("invoice_id", "payment_id", "credit_note_id", "currency", "amount", "allocated_on")
    where = None if invoice_ids is None else ("invoice_id", invoice_ids)
    rows = repository.field_rows(session, Allocation, org_id, fields, where)
    return [AllocationLine(*row) for row in rows]


@dataclass(frozen=True, slots=True)
class OpenBalance:
    """What a customer owes in one currency, and the oldest due date among it."""

    customer_id: int
    currency: str
    open_amount: int
    oldest_due: date


def open_balances(
    session: Session,
    *,
    org_id: int,
    customer_range: tuple[int, int] | None = None,
    open_invoices: Sequence[Any] | None = None,
) -> list[OpenBalance]:
    """Open invoice amounts per customer and currency (summed in the database), of the
    customers with ids in ``customer_range`` (both ends in) when given. ``open_invoices``:
    the rows of ``queries.dunning_open_invoices`` for the same customers, when the caller
    has read them already (a daily run's partition): summed from those instead."""
    if open_invoices is not None:
        return _balances_of(open_invoices)
    return [OpenBalance(*row) for row in repository.open_balances(session, org_id, customer_range)]


def _balances_of(open_invoices: Sequence[Any]) -> list[OpenBalance]:
    """``open_balances`` from the rows of ``queries.dunning_open_invoices`` (read by
    position: due date 2, currency 3, open amount 4, the customer where that module
    says)."""
    customer_of = queries.DUNNING_INVOICE_CUSTOMER
    sums: dict[tuple[int, str], list[Any]] = {}
    for row in open_invoices:
        key = (row[customer_of], row[3])
        found = sums.get(key)
        if found is None:
            sums[key] = [row[4], row[2]]
        else:
            found[0] += row[4]
            if row[2] < found[1]:
                found[1] = row[2]
    return [
        OpenBalance(customer_id, currency, amount, oldest)
        for (customer_id, currency), (amount, oldest) in sums.items()
    ]


# Read by recoup.analytics.prediction: each invoice with the day it was settled in full.


@dataclass(frozen=True, slots=True)
class InvoiceSettlement:
    """An invoice and, once nothing is open on it, the day of its last allocation."""

    id: int
    customer_id: int
    issue_date: date
    due_date: date
    currency: str
    total_amount: int
    open_amount: int
    status: InvoiceStatus
    settled_on: date | None


def invoice_settlements(session: Session, *, org_id: int) -> list[InvoiceSettlement]:
    """Every invoice of the organisation with the day it was settled in full (None while
    open, void or written off)."""
    return [
        InvoiceSettlement(
            *row[:7],
            InvoiceStatus(row[7]),
            row[8] if row[7] == InvoiceStatus.PAID and row[6] == 0 else None,
        )
        for row in repository.invoice_settlements(session, org_id)
    ]


@dataclass(frozen=True, slots=True)
class SettlementColumns:
    """``invoice_settlements`` as columns, one tuple per field in invoice id order (a
    reader of every invoice wants no object per invoice), as the database driver gives
    them: days as their numbers (``date.toordinal()``), amounts as integers;
    ``last_allocated_on`` is the day of the invoice's last allocation (the settlement
    day once it is paid in full; None before any)."""

    id: tuple[int, ...]
    customer_id: tuple[int, ...]
    issue_date: tuple[int, ...]
    due_date: tuple[int, ...]
    currency: tuple[str, ...]
    total_amount: tuple[int, ...]
    open_amount: tuple[int, ...]
    status: tuple[str, ...]
    last_allocated_on: tuple[int | None, ...]

    def __len__(self) -> int:
        return len(self.id)


def invoice_settlement_columns(
    session: Session, *, org_id: int, open_customers_only: bool = False
) -> SettlementColumns:
    """What ``invoice_settlements`` reads, by one plain select, as columns (with
    ``open_customers_only``, only the invoices of customers with an open invoice)."""
    return SettlementColumns(
        *repository.invoice_settlement_columns(
            session, org_id, open_customers_only=open_customers_only
        )
    )


def customer_places(
    session: Session, *, org_id: int, owing_only: bool = False
) -> list[tuple[int, str, list[str]]]:
    """``(id, country, tags)`` of every customer (with ``owing_only``, of those with an
    open invoice), by id, without loading customers."""
    return repository.customer_places(session, org_id, owing_only=owing_only)


def customers(session: Session, *, org_id: int) -> list[Customer]:
    """The organisation's customers."""
    return repository.customers(session, org_id)


def set_risk_bands(session: Session, *, org_id: int, bands: dict[int, str]) -> None:
    """Set the ``risk_band`` of customers (``customer id -> band``) that policies read;
    audited as updates."""
    known = {c.id: c.risk_band for c in repository.customers(session, org_id)}
    changed = {cid: band for cid, band in bands.items() if known.get(cid, band) != band}
    repository.set_risk_bands(session, org_id, changed)
    append(
        session,
        [
            Change(org_id, "update", "customers", cid, {"risk_band": known[cid]}, {"risk_band": b})
            for cid, b in changed.items()
        ],
    )
    _expire(session, Customer)


# Used by recoup.cashapp: every invoice and customer as the bank-statement matcher reads
# them, and invoices by number for a person's decisions.


@dataclass(frozen=True, slots=True)
class InvoiceRow:
    """An invoice's matching facts (minor units)."""

    id: int
    number: str
    customer_id: int
    currency: str
    open_amount: int
    issue_date: date
    due_date: date
    status: str


def invoice_rows(session: Session, *, org_id: int) -> list[InvoiceRow]:
    """Every invoice of the organisation, open or not."""
    fields = (
        "id",
        "number",
        "customer_id",
        "currency",
        "open_amount",
        "issue_date",
        "due_date",
        "status",
    )
    return [InvoiceRow(*row) for row in repository.field_rows(session, Invoice, org_id, fields)]


def customer_rows(session: Session, *, org_id: int) -> list[tuple[int, str, str]]:
    """``(id, account number, name)`` of every customer of the organisation."""
    rows = repository.field_rows(session, Customer, org_id, ("id", "external_id", "name"))
    return [(int(r[0]), str(r[1]), str(r[2])) for r in rows]


def invoice_by_number(session: Session, *, org_id: int, number: str) -> Invoice:
    """The organisation's invoice numbered ``number``."""
    invoice: Invoice | None = repository.by_key(session, Invoice, org_id, number=number)
    if invoice is None:
        raise NotFound(f"no invoice numbered {number!r}")
    return invoice


# Un-allocation: taking back what was applied (a wrong match, a returned payment, a
# credit note the accounting system counted in the invoice's balance already).


@dataclass(frozen=True, slots=True)
class ReversedAllocation:
    """An allocation that was removed, with what it had moved."""

    id: int
    invoice_id: int
    payment_id: int | None
    credit_note_id: int | None
    currency: str
    amount: int
    allocated_on: date


def reverse_allocations(
    session: Session,
    *,
    org_id: int,
    reason: str,
    actor: str | None = None,
    allocation_ids: Sequence[int] | None = None,
    invoice_id: int | None = None,
    payment_id: int | None = None,
    credit_note_id: int | None = None,
) -> list[ReversedAllocation]:
    """Remove the chosen allocations and give their amounts back: to the invoices' open
    amounts (a paid or written-off invoice is open again), the payments' unallocated
    amounts and the credit notes' open amounts (an applied one is open again).

    Choose either ``allocation_ids``, or an invoice, a payment or a credit note (all of
    its allocations), or an invoice with one of its sources (the allocations between
    the two). Every removal and balance change is audited with ``reason`` and ``actor``
    (default: the transaction's). Refuses, writing nothing, when the choice is
    ambiguous or matches no allocation.
    """
    reason = reason.strip()
    if not reason:
        raise InvalidInput("say why the allocations are reversed", field="reason")
    by_record = (invoice_id, payment_id, credit_note_id)
    if allocation_ids is not None and any(x is not None for x in by_record):
        raise InvalidInput("name either allocations or an invoice, payment or credit note")
    if allocation_ids is None and all(x is None for x in by_record):
        raise InvalidInput("name the allocations, an invoice, a payment or a credit note")
    if payment_id is not None and credit_note_id is not None:
        raise InvalidInput("name a payment or a credit note, not both")
    if allocation_ids is not None and not allocation_ids:
        raise InvalidInput("no allocation named")
    labels = _labels(session, org_id, by_record)
    found = repository.allocations_for_update(
        session,
        org_id,
        ids=allocation_ids,
        invoice_id=invoice_id,
        payment_id=payment_id,
        credit_note_id=credit_note_id,
    )
    if allocation_ids is not None:
        missing = sorted(set(allocation_ids) - {a.id for a in found})
        if missing:
            raise NotFound(f"no allocation with id {', '.join(map(str, missing))}")
    if not found:
        verb = "have" if len(labels) > 1 else "has"
        raise NotFound(f"nothing to reverse: {' and '.join(labels)} {verb} no allocations")
    reversed_ = [
        ReversedAllocation(
            a.id, a.invoice_id, a.payment_id, a.credit_note_id, a.currency, a.amount, a.allocated_on
        )
        for a in found
    ]
    _give_back(session, org_id=org_id, reversed_=reversed_, reason=reason, actor=actor)
    return reversed_


def _labels(session: Session, org_id: int, by_record: tuple[int | None, ...]) -> list[str]:
    """``invoice INV-1``, ``payment P1``...: what was named, each checked to exist."""
    labels = []
    for model, record_id, label, attr in (
        (Invoice, by_record[0], "invoice", "number"),
        (Payment, by_record[1], "payment", "external_id"),
        (CreditNote, by_record[2], "credit note", "number"),
    ):
        if record_id is None:
            continue
        record = repository.get(session, model, org_id, record_id)
        if record is None:
            raise NotFound(f"no {label} with id {record_id}")
        labels.append(f"{label} {getattr(record, attr)}")
    return labels


_REOPENED: dict[str, tuple[str, ...]] = {
    "invoices": (InvoiceStatus.PAID, InvoiceStatus.WRITTEN_OFF),
    "credit_notes": ("applied",),
}


def _give_back(
    session: Session,
    *,
    org_id: int,
    reversed_: Sequence[ReversedAllocation],
    reason: str,
    actor: str | None,
) -> None:
    """Delete the allocations, restore the balances they took and audit every step."""
    changes = [
        Change(
            org_id,
            "delete",
            "allocations",
            r.id,
            {
                "invoice_id": r.invoice_id,
                "payment_id": r.payment_id,
                "credit_note_id": r.credit_note_id,
                "currency": r.currency,
                "amount": r.amount,
                "allocated_on": r.allocated_on.isoformat(),
            },
            {"reason": reason},
        )
        for r in reversed_
    ]
    repository.delete_rows(session, Allocation, org_id, [r.id for r in reversed_])
    back: dict[tuple[str, int], int] = {}
    for r in reversed_:
        for entity, record_id in (
            ("invoices", r.invoice_id),
            ("payments", r.payment_id),
            ("credit_notes", r.credit_note_id),
        ):
            if record_id is not None:
                back[(entity, record_id)] = back.get((entity, record_id), 0) + r.amount
    allocated: tuple[Allocated, ...] = ("invoices", "payments", "credit_notes")
    for entity in allocated:
        amounts = {key[1]: amount for key, amount in back.items() if key[0] == entity}
        if not amounts:
            continue
        model = ENTITIES[entity]
        column = "unallocated_amount" if entity == "payments" else "open_amount"
        fields = ("id", column) if entity == "payments" else ("id", column, "status")
        rows = repository.rows_for_update(session, model, org_id, fields, sorted(amounts))
        updates = []
        for row in sorted(rows):
            record_id = row[0]
            before: dict[str, Any] = {column: row[1]}
            after: dict[str, Any] = {column: row[1] + amounts[record_id]}
            if entity in _REOPENED and row[2] in _REOPENED[entity]:
                before["status"], after["status"] = str(row[2]), "open"
            updates.append({"id": record_id, **after})
            changes.append(Change(org_id, "update", entity, record_id, before, after))
        repository.bulk_update(session, model, updates)
    append(session, changes, actor=actor)
    _expire(session, Invoice, Payment, CreditNote, Allocation)


def withdraw_payment(
    session: Session, *, org_id: int, payment_id: int, reason: str, actor: str | None = None
) -> list[ReversedAllocation]:
    """Take a payment off the ledger (a returned payment, an undone match): reverse its
    allocations, then delete it; both audited with ``reason`` and ``actor``. The
    allocations reversed (none if it was unapplied)."""
    return withdraw_payments(
        session, org_id=org_id, payment_ids=[payment_id], reason=reason, actor=actor
    )


def withdraw_payments(
    session: Session,
    *,
    org_id: int,
    payment_ids: Sequence[int],
    reason: str,
    actor: str | None = None,
) -> list[ReversedAllocation]:
    """``withdraw_payment`` for several payments at once (a few statements, not a few
    per payment)."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput("say why the payment is withdrawn", field="reason")
    wanted = sorted(set(payment_ids))
    fields = (
        "id",
        "customer_id",
        "external_id",
        "received_on",
        "currency",
        "amount",
        "unallocated_amount",
        "method",
        "reference",
        "payer_name",
        "payer_iban",
    )
    found = {
        row[0]: row for row in repository.rows_for_update(session, Payment, org_id, fields, wanted)
    }
    missing = [str(i) for i in wanted if i not in found]
    if missing:
        raise NotFound(f"no payment with id {', '.join(missing)}")
    allocations = repository.allocations_of_payments(session, org_id, wanted)
    reversed_: list[ReversedAllocation] = []
    if allocations:
        reversed_ = reverse_allocations(
            session, org_id=org_id, reason=reason, actor=actor, allocation_ids=allocations
        )
    given_back: dict[int | None, int] = {}
    for r in reversed_:
        given_back[r.payment_id] = given_back.get(r.payment_id, 0) + r.amount
    changes = []
    for payment_id in wanted:
        row = found[payment_id]
        before = dict(zip(fields[1:], row[1:], strict=True))
        before["received_on"] = row[3].isoformat()
        before["method"] = str(row[7])
        before["unallocated_amount"] = row[6] + given_back.get(payment_id, 0)
        changes.append(Change(org_id, "delete", "payments", payment_id, before, {"reason": reason}))
    if not repository.delete_rows(session, Payment, org_id, wanted, savepoint=True):
        labels = ", ".join(str(found[i][2]) for i in wanted)
        raise Conflict(f"payment {labels} is still referenced (an agency recovery?); not withdrawn")
    append(session, changes, actor=actor)
    gone = set(wanted)
    for record in list(session.identity_map.values()):
        identity = sa_inspect(record).identity if isinstance(record, Payment) else None
        if identity and identity[0] in gone:
            session.expunge(record)  # its row is deleted
    _expire(session, Payment)
    return reversed_


def record_id_by_key(
    session: Session,
    *,
    org_id: int,
    entity: Allocated,
    key: str,
) -> int:
    """The id of the organisation's invoice or credit note numbered ``key``, or of its
    payment with reference (external id) ``key``."""
    column, label = {
        "invoices": ("number", "invoice"),
        "credit_notes": ("number", "credit note"),
        "payments": ("external_id", "payment"),
    }[entity]
    record = repository.by_key(session, ENTITIES[entity], org_id, **{column: key.strip()})
    if record is None:
        raise NotFound(f"no {label} {key.strip()!r}")
    return int(record.id)


@dataclass(frozen=True, slots=True)
class SettlementAllocation:
    """An allocation by a payment that stands for money only the accounting system saw."""

    allocation_id: int
    invoice_id: int
    payment_id: int
    amount: int


def settlement_allocations(
    session: Session, *, org_id: int, prefix: str, invoice_ids: Sequence[int] | None = None
) -> list[SettlementAllocation]:
    """The allocations of the payments whose external id starts with ``prefix`` (to
    ``invoice_ids`` only, when given), newest first."""
    return [
        SettlementAllocation(*row)
        for row in repository.settlement_allocations(session, org_id, prefix, invoice_ids)
    ]


# Read models of the analytics domain (see ``repository.receivables_on`` and neighbours).
# ``by`` groups by a customer attribute: None (everyone), "collector", "country" or
# "customer" (its id); the group is the second item of every row.


def receivables_on(
    session: Session,
    *,
    org_id: int,
    as_of: date,
    by: str | None = None,
    edges: Sequence[int] = core.DEFAULT_EDGES,
) -> list[tuple[str, Any, int, int, int]]:
    """``(currency, group, bucket index, open amount, open invoices)`` as the ledger stood
    at the end of ``as_of`` (due-date buckets of ``core.aging_buckets(edges)``)."""
    buckets = core.aging_buckets(edges)
    return repository.receivables_on(session, org_id, as_of, buckets, by)


def sales_by_day(
    session: Session, *, org_id: int, start: date, end: date, by: str | None = None
) -> list[tuple[str, Any, date, int, int]]:
    """``(currency, group, issue date, amount, invoices)`` invoiced in ``start``..``end``."""
    return repository.sales_by_day(session, org_id, start, end, by)


def payment_parts(
    session: Session, *, org_id: int, start: date, end: date, by: str | None = None
) -> list[tuple[str, Any, date, date, date, int]]:
    """``(currency, group, paid on, issue date, due date, amount)`` paid in the period."""
    return repository.payment_parts(session, org_id, start, end, by)


def customer_attributes(session: Session, *, org_id: int) -> dict[int, tuple[str, str, list[str]]]:
    """``id -> (collector, country, tags)`` of every customer."""
    return repository.customer_attributes(session, org_id)


def customer_currencies(session: Session, *, org_id: int) -> dict[int, str]:
    """``id -> currency`` (the account's own currency) of every customer."""
    rows = repository.field_rows(session, Customer, org_id, ("id", "currency"))
    return {int(r[0]): str(r[1]) for r in rows}


# Cash application at scale (recoup.cashapp): the invoices a bank line can point to,
# read by index instead of every invoice of the organisation.

_INVOICE_ROW_FIELDS = (
    "id",
    "number",
    "customer_id",
    "currency",
    "open_amount",
    "issue_date",
    "due_date",
    "status",
)


def invoice_rows_by_number_keys(
    session: Session, *, org_id: int, keys: Sequence[str], digits: bool = False
) -> list[InvoiceRow]:
    """Invoices (open or not) whose number, upper case without separators, is one of
    ``keys`` ("INV-1042" has key "INV1042"); with ``digits``, whose digits without
    leading zeros are ("INV-001042": "1042"). By id."""
    key_sql = repository.DIGITS_KEY_SQL if digits else repository.NUMBER_KEY_SQL
    rows = repository.invoice_fields_by_key(session, org_id, key_sql, keys, _INVOICE_ROW_FIELDS)
    return [InvoiceRow(*row) for row in rows]


def open_invoice_rows_of(
    session: Session, *, org_id: int, customer_ids: Sequence[int]
) -> list[InvoiceRow]:
    """The open invoices (something still open) of these customers, by id."""
    rows = repository.open_invoice_fields(
        session, org_id, "customer_id", customer_ids, _INVOICE_ROW_FIELDS
    )
    return [InvoiceRow(*row) for row in rows]


def open_invoice_rows_for_amounts(
    session: Session, *, org_id: int, amounts: Sequence[int]
) -> list[InvoiceRow]:
    """The open invoices whose open amount (minor units) is one of ``amounts``, by id."""
    rows = repository.open_invoice_fields(
        session, org_id, "open_amount", amounts, _INVOICE_ROW_FIELDS
    )
    return [InvoiceRow(*row) for row in rows]


def count_paid_invoices(session: Session, *, org_id: int) -> int:
    """How many of the organisation's invoices are paid in full (a cheap count, e.g. to
    see whether there is enough history to learn from)."""
    return repository.count_invoices(session, org_id, InvoiceStatus.PAID)


# Customers and contacts edited by a person (the web app): the checks of the imports
# (``recoup.imports.core.plan_customers`` / ``plan_contacts``), every value checked
# before anything is written; the first wrong one raises ``InvalidInput`` naming it.

from recoup.ledger.validators import language_of_country  # noqa: E402

CUSTOMER_EDITABLE = (
    "name",
    "country",
    "vat_number",
    "registration_number",
    "language",
    "timezone",
    "payment_terms_days",
    "payment_terms_basis",
    "tags",
    "collector",
    "status",
    "is_consumer",
    "address",
    "sales_owner",
    "do_not_contact",
    "legal_hold",
)


def _as_field(field: str, check: Any, *args: Any) -> Any:
    """``check(*args)``, its refusal naming ``field``."""
    try:
        return check(*args)
    except InvalidInput as error:
        raise InvalidInput(error.reason, field=field) from None


def _terms_days(value: Any, basis: str) -> int:
    try:
        days = int(str(value).strip())
    except ValueError:
        raise InvalidInput("enter a whole number of days", field="payment_terms_days") from None
    if days < 0:
        raise InvalidInput("must not be negative", field="payment_terms_days")
    if basis != core.TermsBasis.INVOICE_DATE and not 1 <= days <= 31:
        raise InvalidInput(f"a day of the month is 1 to 31, got {days}", field="payment_terms_days")
    return days


def check_customer_fields(values: dict[str, Any], *, current: Customer | None) -> dict[str, Any]:
    """The given editable ``values`` checked and normalised (unknown keys refused);
    identifiers are checked for the country given, else the customer's."""
    unknown = sorted(set(values) - set(CUSTOMER_EDITABLE))
    if unknown:
        raise InvalidInput(f"cannot be changed here: {', '.join(unknown)}", field=unknown[0])
    out: dict[str, Any] = {}
    if "name" in values:
        if not str(values["name"]).strip():
            raise InvalidInput("a customer needs a name", field="name")
        out["name"] = str(values["name"]).strip()
    country = current.country if current is not None else ""
    if "country" in values:
        given = str(values["country"]).strip()
        country = _as_field("country", validate_country, given) if given else ""
        out["country"] = country
    for field, check in (("vat_number", validate_vat), ("registration_number",
                         validate_registration)):  # fmt: skip
        if field in values or ("country" in values and current is not None):
            text = str(values[field]) if field in values else getattr(current, field)
            out[field] = _as_field(field, check, text, country)
    if "language" in values:
        given = str(values["language"]).strip()
        out["language"] = _as_field(
            "language", validate_language, given or language_of_country(country)
        )
    if "timezone" in values:
        out["timezone"] = _as_field(
            "timezone",
            validate_timezone,
            str(values["timezone"]).strip() or timezone_of_country(country),
        )
    basis = current.payment_terms_basis if current is not None else ""
    if "payment_terms_basis" in values:
        given = str(values["payment_terms_basis"])
        if given not in {str(b) for b in core.TermsBasis}:
            raise InvalidInput(f"unknown terms basis {given!r}", field="payment_terms_basis")
        basis = out["payment_terms_basis"] = given
    if "payment_terms_days" in values or "payment_terms_basis" in values:
        days = values.get("payment_terms_days", current.payment_terms_days if current else 30)
        out["payment_terms_days"] = _terms_days(days, basis)
    if "tags" in values:
        tags = values["tags"]
        if isinstance(tags, str):
            tags = tags.replace(";", ",").split(",")
        out["tags"] = sorted({str(t).strip() for t in tags if str(t).strip()})
    if "collector" in values:
        out["collector"] = str(values["collector"]).strip()
    if "status" in values:
        status = str(values["status"]).strip().lower().replace(" ", "_")
        if status not in {str(s) for s in CustomerStatus}:
            raise InvalidInput(
                f"unknown status {values['status']!r} (active, on_hold or closed)", field="status"
            )
        out["status"] = status
    if "address" in values:
        address = str(values["address"]).replace("\r\n", "\n").strip()
        if len(address) > 500:
            raise InvalidInput(
                f"the address has {len(address)} characters; at most 500", field="address"
            )
        out["address"] = address
    if "sales_owner" in values:
        out["sales_owner"] = _as_field("sales_owner", validate_email, str(values["sales_owner"]))
    for flag in ("is_consumer", "do_not_contact", "legal_hold"):
        if flag in values:
            out[flag] = bool(values[flag])
    return out


def update_customer(
    session: Session, *, org_id: int, customer_id: int, changes: dict[str, Any]
) -> list[str]:
    """Change a customer's details (all checked first, as imports check them); the names
    of the fields that changed (audited)."""
    customer = customer_by_id(session, org_id=org_id, customer_id=customer_id)
    checked = check_customer_fields(changes, current=customer)
    changed = [f for f, value in checked.items() if getattr(customer, f) != value]
    for field in changed:
        setattr(customer, field, checked[field])
    if changed:
        session.flush()
    return changed


def new_customer(
    session: Session, *, org_id: int, external_id: str, currency: str, values: dict[str, Any]
) -> Customer:
    """A customer made by a person: account number (default: the name), currency and the
    editable ``values``, all checked before anything is written."""
    checked = check_customer_fields({"language": "", **values}, current=None)
    if "name" not in checked:
        raise InvalidInput("a customer needs a name", field="name")
    external_id = external_id.strip() or checked["name"]
    if repository.by_key(session, Customer, org_id, external_id=external_id):
        raise InvalidInput(f"customer {external_id!r} already exists", field="external_id")
    checked_currency = _as_field("currency", money.validate_currency, currency)
    customer = Customer(
        org_id=org_id, external_id=external_id, currency=checked_currency, **checked
    )
    session.add(customer)
    session.flush()
    return customer


def _contact_choice(value: str, allowed: type[Any], field: str) -> str:
    chosen = value.strip().lower().replace(" ", "_")
    if chosen not in {str(m) for m in allowed}:
        options = ", ".join(str(m) for m in allowed)
        raise InvalidInput(f"unknown {field.replace('_', ' ')} {value!r} ({options})", field=field)
    return chosen


def save_contact(
    session: Session,
    *,
    org_id: int,
    customer_id: int,
    contact_id: int | None,
    name: str,
    email: str = "",
    phone: str = "",
    role: str = "billing",
    language: str = "",
    preferred_channel: str = "email",
    opted_out: Sequence[str] = (),
) -> Contact:
    """Add a contact (``contact_id`` None) or change one of the customer's, checked as
    contact imports are (a name or an email address, known role and channels)."""
    customer_by_id(session, org_id=org_id, customer_id=customer_id)
    contact = None
    if contact_id is not None:
        contact = repository.get(session, Contact, org_id, contact_id)
        if contact is None or contact.customer_id != customer_id:
            raise NotFound(f"no contact #{contact_id} of this customer")
    address = _as_field("email", validate_email, email)
    if not name.strip() and not address:
        raise InvalidInput("a contact needs a name or an email address", field="name")
    wanted: dict[str, Any] = {
        "name": name.strip() or address,
        "email": address,
        "phone": phone.strip(),
        "role": _contact_choice(role or "billing", ContactRole, "role"),
        "language": _as_field("language", validate_language, language.strip())
        if language.strip()
        else "",
        "preferred_channel": _contact_choice(
            preferred_channel or "email", Channel, "preferred_channel"
        ),
        "opted_out": sorted({_contact_choice(c, Channel, "opted_out") for c in opted_out}),
    }
    if contact is None:
        contact = Contact(org_id=org_id, customer_id=customer_id, **wanted)
        session.add(contact)
    else:
        for field, value in wanted.items():
            if getattr(contact, field) != value:
                setattr(contact, field, value)
    session.flush()
    return contact


def remove_contact(session: Session, *, org_id: int, customer_id: int, contact_id: int) -> str:
    """Remove one of the customer's contacts (audited); its name."""
    contact = repository.get(session, Contact, org_id, contact_id)
    if contact is None or contact.customer_id != customer_id:
        raise NotFound(f"no contact #{contact_id} of this customer")
    name = str(contact.name or contact.email)
    session.delete(contact)
    session.flush()
    return name


def contacts_of(session: Session, *, org_id: int, customer_id: int) -> list[Contact]:
    """The customer's contacts, in the order they were added."""
    return repository.contacts_of(session, org_id, customer_id)


# Assigning customers to collectors (one by one or many at once; audited).


def customers_to_assign(
    session: Session,
    *,
    org_id: int,
    tag: str = "",
    country: str = "",
    collector: str | None = None,
    oldest_due: tuple[date | None, date] | None = None,
    limit: int = 500,
) -> tuple[list[Customer], int]:
    """Customers with something open matching the filters (``collector=""``: those
    nobody is assigned); at most ``limit`` of them by name, and how many in all."""
    return repository.customers_to_assign(
        session, org_id, tag=tag.strip(), country=country.strip(), collector=collector,
        oldest_due=oldest_due, limit=limit,
    )  # fmt: skip


def assign_collector(
    session: Session, *, org_id: int, customer_ids: Sequence[int], collector: str
) -> int:
    """Make ``collector`` ("" nobody) the collector of the customers; how many changed.
    Every id must be one of the organisation's customers (else nothing changes)."""
    chosen = [customer_by_id(session, org_id=org_id, customer_id=i) for i in set(customer_ids)]
    changed = [c for c in chosen if c.collector != collector.strip()]
    for customer in changed:
        customer.collector = collector.strip()
    if changed:
        session.flush()
    return len(changed)


def assigned_count(session: Session, *, org_id: int, collector: str) -> int:
    """How many customers ``collector`` is assigned."""
    return repository.assigned_count(session, org_id, collector)


def open_invoice_rows_due_on(
    session: Session, *, org_id: int, days: Sequence[date]
) -> list[InvoiceRow]:
    """The open invoices (something still open) falling due on one of ``days``, by id."""
    rows = repository.open_invoice_fields(session, org_id, "due_date", days, _INVOICE_ROW_FIELDS)
    return [InvoiceRow(*row) for row in rows]


@dataclass(frozen=True, slots=True)
class AllocationRecord:
    """An allocation with its id (for the exports to the accounting system)."""

    id: int
    invoice_id: int
    payment_id: int | None
    credit_note_id: int | None
    currency: str
    amount: int
    allocated_on: date


def allocation_records(session: Session, *, org_id: int) -> list[AllocationRecord]:
    """Every allocation of the organisation, with its id."""
    fields = (
        "id",
        "invoice_id",
        "payment_id",
        "credit_note_id",
        "currency",
        "amount",
        "allocated_on",
    )
    rows = repository.field_rows(session, Allocation, org_id, fields, None)
    return [AllocationRecord(*row) for row in rows]


def contacts_with_email(session: Session, *, org_id: int, email: str) -> list[Contact]:
    """The organisation's contacts with this email address (case aside), oldest first:
    who a message from ``email`` may be from."""
    address = email.strip()
    wanted = list(dict.fromkeys([address, address.lower()]))
    return [
        c
        for c in repository.contacts_with_email(session, org_id, wanted)
        if c.email.lower() == address.lower()
    ]


def customer_rows_by_id(
    session: Session, *, org_id: int, customer_ids: Sequence[int]
) -> list[tuple[int, str, str]]:
    """``(id, account number, name)`` of these customers of the organisation."""
    rows = repository.field_rows(
        session, Customer, org_id, ("id", "external_id", "name"), where=("id", customer_ids)
    )
    return [(int(r[0]), str(r[1]), str(r[2])) for r in rows]


def open_invoice_rows_of_customers(
    session: Session, *, org_id: int, customer_ids: Sequence[int]
) -> list[InvoiceRow]:
    """The open invoices (something still open) of these customers, by id, read through
    the customer index however many there are (``open_invoice_rows_of`` for a few)."""
    rows = repository.open_invoice_fields_of_customers(
        session, org_id, customer_ids, _INVOICE_ROW_FIELDS
    )
    return [InvoiceRow(*row) for row in rows]


def owed_and_collected(
    session: Session, *, org_id: int, start: date, end: date, by: str | None = None
) -> list[tuple[str, Any, int, int]]:
    """``(currency, group, owed, collected)``: of the invoices due by ``end``, what was
    owed on them at ``start`` less the period's credit notes, and what payments of the
    period settled of them (recoup.analytics' "collected of due")."""
    return repository.owed_and_collected(session, org_id, start, end, by)


def invoice_numbers(session: Session, *, org_id: int, invoice_ids: Sequence[int]) -> dict[int, str]:
    """``invoice id -> number`` of these invoices (one light query per thousands)."""
    return repository.invoice_numbers(session, org_id, invoice_ids)


def customer_invoice_settlements(
    session: Session, *, org_id: int, customer_id: int
) -> list[InvoiceSettlement]:
    """``invoice_settlements`` of one customer's invoices (its features need no other)."""
    return [
        InvoiceSettlement(
            *row[:7],
            InvoiceStatus(row[7]),
            row[8] if row[7] == InvoiceStatus.PAID and row[6] == 0 else None,
        )
        for row in repository.customer_invoice_settlements(session, org_id, customer_id)
    ]


def period_balances(
    session: Session,
    *,
    org_id: int,
    start: date,
    end: date,
    by: str | None = None,
    edges: Sequence[int] = core.DEFAULT_EDGES,
) -> list[tuple[str, Any, int, int, int, int, int, int]]:
    """``(currency, group, bucket index on end, ending AR, ending open invoices,
    beginning AR, owed, collected of owed)``: ``receivables_on`` of ``end`` and of the
    day before ``start`` and ``owed_and_collected`` of the period, in two reads."""
    return repository.period_balances(session, org_id, start, end, core.aging_buckets(edges), by)


def organisations(session: Session) -> list[Organisation]:
    """Every organisation, by slug (``recoup worker`` runs each one's day)."""
    return repository.organisations(session)
