"""Outbox messages and charges (read; a charge can be waived through
``recoup.charges.service``) and the KPIs of ``recoup.analytics``."""

from datetime import date, timedelta
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response

from recoup.analytics import schemas as analytics_schemas
from recoup.analytics import service as analytics
from recoup.api.answers import write
from recoup.api.deps import Context
from recoup.api.listing import Listing, equal, listed, one
from recoup.api.params import CursorParam, IdempotencyKey, IdFilter, Limit, RecordId, Short
from recoup.api.schemas import Page
from recoup.charges import schemas as charges_schemas
from recoup.charges import service as charges
from recoup.charges.models import Charge
from recoup.comms import schemas as comms_schemas
from recoup.comms.models import OutboxMessage
from recoup.errors import InvalidInput

router = APIRouter()

OUTBOX = Listing(OutboxMessage, {"created_at": OutboxMessage.created_at})
CHARGES = Listing(Charge, {"period_end": Charge.period_end})


@router.get("/outbox-messages", tags=["outbox"])
def list_messages(
    ctx: Context,
    customer_id: IdFilter = None,
    status: Short = None,
    kind: Short = None,
    sort: Literal["id", "-id", "created_at", "-created_at"] = "id",
    cursor: CursorParam = None,
    limit: Limit = 50,
) -> Page[comms_schemas.OutboxMessage]:
    """Messages planned, sent or failed (without their bodies and attachments)."""
    where = equal(
        (OutboxMessage.customer_id, customer_id), (OutboxMessage.status, status),
        (OutboxMessage.kind, kind),
    )  # fmt: skip
    return listed(
        ctx,
        OUTBOX,
        comms_schemas.OutboxMessage.of,
        where=where,
        sort=sort,
        cursor=cursor,
        limit=limit,
    )


@router.get("/outbox-messages/{message_id}", tags=["outbox"])
def get_message(ctx: Context, message_id: RecordId) -> comms_schemas.OutboxMessage:
    """One outbox message."""
    row = one(ctx.session, OutboxMessage, org_id=ctx.org_id, record_id=message_id, what="message")
    return comms_schemas.OutboxMessage.of(row)


@router.get("/charges", tags=["charges"])
def list_charges(
    ctx: Context,
    customer_id: IdFilter = None,
    invoice_id: IdFilter = None,
    status: Short = None,
    kind: Short = None,
    sort: Literal["id", "-id", "period_end", "-period_end"] = "id",
    cursor: CursorParam = None,
    limit: Limit = 50,
) -> Page[charges_schemas.Charge]:
    """Interest, late fees and compensation charged."""
    where = equal(
        (Charge.customer_id, customer_id), (Charge.invoice_id, invoice_id),
        (Charge.status, status), (Charge.kind, kind),
    )  # fmt: skip
    return listed(
        ctx, CHARGES, charges_schemas.Charge.of, where=where, sort=sort, cursor=cursor, limit=limit
    )


@router.get("/charges/{charge_id}", tags=["charges"])
def get_charge(ctx: Context, charge_id: RecordId) -> charges_schemas.Charge:
    """One charge."""
    row = one(ctx.session, Charge, org_id=ctx.org_id, record_id=charge_id, what="charge")
    return charges_schemas.Charge.of(row)


@router.post("/charges/{charge_id}/waive", tags=["charges"], response_model=charges_schemas.Charge)
def waive_charge(
    ctx: Context, request: Request, charge_id: RecordId, idempotency_key: IdempotencyKey = None
) -> Response:
    """Waive an open charge (it stays on record as waived)."""

    def act() -> tuple[int, charges_schemas.Charge]:
        charge = charges.waive_charge(ctx.session, org_id=ctx.org_id, charge_id=charge_id)
        return 200, charges_schemas.Charge.of(charge)

    return write(ctx, request, body=None, key=idempotency_key, act=act)


@router.get("/kpis", tags=["kpis"])
def kpis(
    ctx: Context,
    start: date | None = None,
    end: date | None = None,
    by: analytics.By = analytics.By.CURRENCY,
) -> analytics_schemas.KpiReport:
    """The KPIs (DSO, CEI, overdue %, …) of ``start``..``end`` (default: the last 90
    days), per currency and, with ``by``, per collector, segment or country."""
    last = end or ctx.today
    first = start or last - timedelta(days=89)
    if first > last:
        raise InvalidInput("the start is after the end", field="start")
    if (last - first).days > 3660:
        raise InvalidInput("at most ten years at a time", field="start")
    rows = analytics.kpi_rows(ctx.session, org_id=ctx.org_id, start=first, end=last, by=by)
    return analytics_schemas.KpiReport(
        start=first,
        end=last,
        by=by.value,
        rows=[
            analytics_schemas.Kpis(
                currency=r.currency,
                group=r.group,
                values={k.value: None if v is None else str(v) for k, v in r.values.items()},
            )
            for r in rows
        ],
    )
