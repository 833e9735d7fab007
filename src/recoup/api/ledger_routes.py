"""Customers, contacts, invoices (one, and in bulk), credit notes, payments and
allocations — every write through ``recoup.ledger.service`` or, for invoices, the
invoices import (the same checks and all-or-nothing rule as a file)."""

from datetime import date
from decimal import Decimal
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response

from recoup.api.answers import write
from recoup.api.deps import Context
from recoup.api.listing import Listing, equal, listed, one, page
from recoup.api.params import CursorParam, IdempotencyKey, IdFilter, Limit, RecordId, Short, Text
from recoup.api.problems import ApiProblem
from recoup.api.schemas import FieldProblem, Page
from recoup.errors import RowsRejected
from recoup.imports import service as imports
from recoup.imports.columns import Kind
from recoup.ledger import schemas
from recoup.ledger import service as ledger
from recoup.ledger.enums import PaymentMethod
from recoup.ledger.models import (
    Allocation,
    Contact,
    CreditNote,
    Customer,
    Invoice,
    Payment,
)

router = APIRouter()

CUSTOMERS = Listing(Customer, {"name": Customer.name, "external_id": Customer.external_id})
CONTACTS = Listing(Contact, {"name": Contact.name})
INVOICES = Listing(
    Invoice,
    {"due_date": Invoice.due_date, "issue_date": Invoice.issue_date, "number": Invoice.number},
)
CREDIT_NOTES = Listing(CreditNote, {"issue_date": CreditNote.issue_date})
PAYMENTS = Listing(Payment, {"received_on": Payment.received_on})
ALLOCATIONS = Listing(Allocation, {"allocated_on": Allocation.allocated_on})

CustomerSort = Literal["id", "-id", "name", "-name", "external_id", "-external_id"]
InvoiceSort = Literal[
    "id", "-id", "due_date", "-due_date", "issue_date", "-issue_date", "number", "-number"
]


# Customers -------------------------------------------------------------------------------


@router.get("/customers", tags=["customers"])
def list_customers(
    ctx: Context,
    status: Short = None,
    currency: Short = None,
    collector: Text = None,
    country: Short = None,
    sort: CustomerSort = "id",
    cursor: CursorParam = None,
    limit: Limit = 50,
) -> Page[schemas.Customer]:
    """The organisation's customers."""
    where = equal(
        (Customer.status, status),
        (Customer.currency, currency),
        (Customer.collector, collector),
        (Customer.country, country),
    )
    return listed(
        ctx, CUSTOMERS, schemas.Customer.of, where=where, sort=sort, cursor=cursor, limit=limit
    )


@router.get("/customers/{customer_id}", tags=["customers"])
def get_customer(ctx: Context, customer_id: RecordId) -> schemas.Customer:
    """One customer."""
    return schemas.Customer.of(
        ledger.customer_by_id(ctx.session, org_id=ctx.org_id, customer_id=customer_id)
    )


@router.post("/customers", tags=["customers"], status_code=201, response_model=schemas.Customer)
def create_customer(
    ctx: Context,
    request: Request,
    body: schemas.CustomerCreate,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """A new customer, checked as the customer form checks it."""

    def act() -> tuple[int, schemas.Customer]:
        values = body.given()
        values.pop("currency", None)
        values.pop("external_id", None)
        customer = ledger.new_customer(
            ctx.session, org_id=ctx.org_id, external_id=body.external_id,
            currency=body.currency, values=values,
        )  # fmt: skip
        return 201, schemas.Customer.of(customer)

    return write(ctx, request, body=body, key=idempotency_key, act=act)


@router.patch("/customers/{customer_id}", tags=["customers"])
def update_customer(
    ctx: Context, customer_id: RecordId, body: schemas.CustomerUpdate
) -> schemas.Customer:
    """Change some of a customer's fields (those given)."""
    ledger.update_customer(
        ctx.session, org_id=ctx.org_id, customer_id=customer_id, changes=body.given()
    )
    return get_customer(ctx, customer_id)


# Contacts --------------------------------------------------------------------------------


@router.get("/contacts", tags=["contacts"])
def list_contacts(
    ctx: Context,
    customer_id: IdFilter = None,
    sort: Literal["id", "-id", "name", "-name"] = "id",
    cursor: CursorParam = None,
    limit: Limit = 50,
) -> Page[schemas.Contact]:
    """The organisation's contacts (of one customer with ``customer_id``)."""
    where = equal((Contact.customer_id, customer_id))
    return listed(
        ctx, CONTACTS, schemas.Contact.of, where=where, sort=sort, cursor=cursor, limit=limit
    )


@router.get("/contacts/{contact_id}", tags=["contacts"])
def get_contact(ctx: Context, contact_id: RecordId) -> schemas.Contact:
    """One contact."""
    row = one(ctx.session, Contact, org_id=ctx.org_id, record_id=contact_id, what="contact")
    return schemas.Contact.of(row)


@router.post("/contacts", tags=["contacts"], status_code=201, response_model=schemas.Contact)
def create_contact(
    ctx: Context,
    request: Request,
    body: schemas.ContactCreate,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """A new contact of a customer, checked as contact imports are."""

    def act() -> tuple[int, schemas.Contact]:
        contact = ledger.save_contact(
            ctx.session, org_id=ctx.org_id, contact_id=None,
            **body.model_dump(),
        )  # fmt: skip
        return 201, schemas.Contact.of(contact)

    return write(ctx, request, body=body, key=idempotency_key, act=act)


@router.patch("/contacts/{contact_id}", tags=["contacts"])
def update_contact(
    ctx: Context, contact_id: RecordId, body: schemas.ContactUpdate
) -> schemas.Contact:
    """Change some of a contact's fields (those given)."""
    current = one(ctx.session, Contact, org_id=ctx.org_id, record_id=contact_id, what="contact")
    values = {
        "name": current.name, "email": current.email, "phone": current.phone,
        "role": current.role, "language": current.language,
        "preferred_channel": current.preferred_channel, "opted_out": current.opted_out,
        **body.model_dump(exclude_unset=True, exclude_none=True),
    }  # fmt: skip
    contact = ledger.save_contact(
        ctx.session, org_id=ctx.org_id, customer_id=current.customer_id,
        contact_id=contact_id, **values,
    )  # fmt: skip
    return schemas.Contact.of(contact)


# Invoices --------------------------------------------------------------------------------

_INVOICE_COLUMNS = [
    "number", "customer", "issue_date", "due_date", "total", "tax", "currency",
    "open_balance", "po_number", "external_id",
]  # fmt: skip
_FIRST_ROW = 2  # imports number rows as a file's lines: the header is line 1


def _invoice_row(invoice: schemas.InvoiceCreate) -> list[str]:
    values = invoice.model_dump()
    return ["" if values[c] is None else str(values[c]) for c in _INVOICE_COLUMNS]


def _import_invoices(ctx: Context, invoices: list[schemas.InvoiceCreate]) -> imports.ImportResult:
    """Write ``invoices`` through the invoices import; its problems become row errors
    (``row`` is the item's index in the request)."""
    try:
        return imports.import_rows(
            ctx.session,
            org_id=ctx.org_id,
            kind=Kind.INVOICES,
            header=list(_INVOICE_COLUMNS),
            rows=[_invoice_row(i) for i in invoices],
        )
    except RowsRejected as rejected:
        raise _rejected(
            [(p.row - _FIRST_ROW if p.row else None, p.column, p.reason) for p in rejected.problems]
        ) from None


def _rejected(problems: list[tuple[int | None, str, str]]) -> ApiProblem:
    """A 422 listing every problem by item (``row``: its index) and field."""
    count = len(problems)
    return ApiProblem(
        422,
        f"{count} problem{'s' if count != 1 else ''} found; nothing was written",
        errors=[
            FieldProblem(field=field, reason=reason, row=row) for row, field, reason in problems
        ],
    )


@router.get("/invoices", tags=["invoices"])
def list_invoices(
    ctx: Context,
    status: Short = None,
    customer_id: IdFilter = None,
    currency: Short = None,
    due_before: date | None = None,
    due_after: date | None = None,
    sort: InvoiceSort = "id",
    cursor: CursorParam = None,
    limit: Limit = 50,
) -> Page[schemas.Invoice]:
    """The organisation's invoices; ``due_before`` / ``due_after`` are inclusive."""
    where = equal(
        (Invoice.status, status), (Invoice.customer_id, customer_id), (Invoice.currency, currency)
    )
    if due_before is not None:
        where.append(Invoice.due_date <= due_before)
    if due_after is not None:
        where.append(Invoice.due_date >= due_after)
    return listed(
        ctx, INVOICES, schemas.Invoice.of, where=where, sort=sort, cursor=cursor, limit=limit
    )


@router.get("/invoices/{invoice_id}", tags=["invoices"])
def get_invoice(ctx: Context, invoice_id: RecordId) -> schemas.Invoice:
    """One invoice."""
    row = one(ctx.session, Invoice, org_id=ctx.org_id, record_id=invoice_id, what="invoice")
    return schemas.Invoice.of(row)


@router.post(
    "/invoices",
    tags=["invoices"],
    status_code=201,
    response_model=schemas.Invoice,
    responses={200: {"model": schemas.Invoice, "description": "An invoice updated"}},
)
def create_invoice(
    ctx: Context,
    request: Request,
    body: schemas.InvoiceCreate,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """An invoice, checked as a row of an invoices import; an invoice of the same number
    is updated (200) as an import would."""

    def act() -> tuple[int, schemas.Invoice]:
        result = _import_invoices(ctx, [body])
        invoice = ledger.invoice_by_number(ctx.session, org_id=ctx.org_id, number=body.number)
        return (201 if result.created else 200), schemas.Invoice.of(invoice)

    return write(ctx, request, body=body, key=idempotency_key, act=act)


@router.post("/invoices/bulk", tags=["invoices"], response_model=schemas.BulkResult)
def bulk_invoices(
    ctx: Context,
    request: Request,
    body: schemas.InvoiceBulk,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Many invoices at once, all or none: any bad item rejects the request with one
    error per problem, each naming the item (``row``, its index) and the field."""

    def act() -> tuple[int, schemas.BulkResult]:
        numbers = [i.number for i in body.invoices]
        repeated = sorted({n for n in numbers if numbers.count(n) > 1})
        if repeated:
            raise _rejected(
                [
                    (index, "number", f"{n!r} appears more than once in the request")
                    for index, n in enumerate(numbers)
                    if n in repeated
                ]
            )
        result = _import_invoices(ctx, body.invoices)
        return 200, schemas.BulkResult(
            created=result.created, updated=result.updated, unchanged=result.unchanged
        )

    return write(ctx, request, body=body, key=idempotency_key, act=act)


# Credit notes, payments, allocations -----------------------------------------------------


@router.get("/credit-notes", tags=["credit notes"])
def list_credit_notes(
    ctx: Context,
    customer_id: IdFilter = None,
    status: Short = None,
    sort: Literal["id", "-id", "issue_date", "-issue_date"] = "id",
    cursor: CursorParam = None,
    limit: Limit = 50,
) -> Page[schemas.CreditNote]:
    """The organisation's credit notes."""
    where = equal((CreditNote.customer_id, customer_id), (CreditNote.status, status))
    return listed(
        ctx, CREDIT_NOTES, schemas.CreditNote.of, where=where, sort=sort, cursor=cursor, limit=limit
    )


@router.get("/credit-notes/{credit_note_id}", tags=["credit notes"])
def get_credit_note(ctx: Context, credit_note_id: RecordId) -> schemas.CreditNote:
    """One credit note."""
    row = one(
        ctx.session, CreditNote, org_id=ctx.org_id, record_id=credit_note_id, what="credit note"
    )
    return schemas.CreditNote.of(row)


@router.get("/payments", tags=["payments"])
def list_payments(
    ctx: Context,
    customer_id: IdFilter = None,
    currency: Short = None,
    sort: Literal["id", "-id", "received_on", "-received_on"] = "id",
    cursor: CursorParam = None,
    limit: Limit = 50,
) -> Page[schemas.Payment]:
    """The organisation's payments."""
    where = equal((Payment.customer_id, customer_id), (Payment.currency, currency))
    return listed(
        ctx, PAYMENTS, schemas.Payment.of, where=where, sort=sort, cursor=cursor, limit=limit
    )


@router.get("/payments/{payment_id}", tags=["payments"])
def get_payment(ctx: Context, payment_id: RecordId) -> schemas.Payment:
    """One payment."""
    row = one(ctx.session, Payment, org_id=ctx.org_id, record_id=payment_id, what="payment")
    return schemas.Payment.of(row)


@router.post("/payments", tags=["payments"], status_code=201, response_model=schemas.Payment)
def create_payment(
    ctx: Context,
    request: Request,
    body: schemas.PaymentCreate,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Money received, unallocated until applied (``POST /allocations``)."""

    def act() -> tuple[int, schemas.Payment]:
        try:
            method = PaymentMethod(body.method)
        except ValueError:
            options = ", ".join(m.value for m in PaymentMethod)
            raise ApiProblem(422, f"unknown method ({options})", field="method") from None
        payment = ledger.record_payment(
            ctx.session, org_id=ctx.org_id, customer_id=body.customer_id,
            received_on=body.received_on, amount=Decimal(body.amount), currency=body.currency,
            external_id=body.external_id, method=method, reference=body.reference,
            payer_name=body.payer_name, payer_iban=body.payer_iban,
        )  # fmt: skip
        return 201, schemas.Payment.of(payment)

    return write(ctx, request, body=body, key=idempotency_key, act=act)


@router.get("/allocations", tags=["payments"])
def list_allocations(
    ctx: Context,
    invoice_id: IdFilter = None,
    payment_id: IdFilter = None,
    credit_note_id: IdFilter = None,
    sort: Literal["id", "-id", "allocated_on", "-allocated_on"] = "id",
    cursor: CursorParam = None,
    limit: Limit = 50,
) -> Page[schemas.Allocation]:
    """What was applied to which invoice."""
    where = equal(
        (Allocation.invoice_id, invoice_id),
        (Allocation.payment_id, payment_id),
        (Allocation.credit_note_id, credit_note_id),
    )
    return listed(
        ctx, ALLOCATIONS, schemas.Allocation.of, where=where, sort=sort, cursor=cursor, limit=limit
    )


@router.get("/allocations/{allocation_id}", tags=["payments"])
def get_allocation(ctx: Context, allocation_id: RecordId) -> schemas.Allocation:
    """One allocation."""
    row = one(
        ctx.session, Allocation, org_id=ctx.org_id, record_id=allocation_id, what="allocation"
    )
    return schemas.Allocation.of(row)


@router.post("/allocations", tags=["payments"], status_code=201, response_model=schemas.Allocation)
def create_allocation(
    ctx: Context,
    request: Request,
    body: schemas.AllocationCreate,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Apply part of a payment or a credit note to an invoice (the ledger's checks: not
    more than is open or left, the same currency)."""

    def act() -> tuple[int, schemas.Allocation]:
        ledger.allocate(
            ctx.session, org_id=ctx.org_id, invoice_id=body.invoice_id,
            amount=Decimal(body.amount), on=body.allocated_on or ctx.today,
            payment_id=body.payment_id, credit_note_id=body.credit_note_id,
        )  # fmt: skip
        row = page(
            ctx.session, listing=ALLOCATIONS, org_id=ctx.org_id,
            where=[Allocation.invoice_id == body.invoice_id], sort="-id", limit=1,
        )[0][0]  # fmt: skip
        return 201, schemas.Allocation.of(row)

    return write(ctx, request, body=body, key=idempotency_key, act=act)
