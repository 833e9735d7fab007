"""``invoice.overdue``: told once per invoice, by the daily run, when it falls overdue."""

from datetime import date, timedelta

from sqlalchemy.orm import Session

from recoup.ledger import service as ledger
from recoup.webhooks import events, repository
from recoup.webhooks.service import emit_many

# A run missed for a few days (a weekend, a holiday) still tells of the invoices that
# fell overdue meanwhile; each is told once (its key), never again on a later run.
LOOKBACK_DAYS = 7


def emit_overdue(
    session: Session,
    *,
    org_id: int,
    as_of: date,
    customer_range: tuple[int, int] | None = None,
) -> list[str]:
    """Plan ``invoice.overdue`` for the open invoices that fell due in the week before
    ``as_of`` (of the customers in ``customer_range``, inclusive, when given); the
    deliveries' keys. Costs one query when no subscription wants the event."""
    wanted = any(
        "invoice.overdue" in types
        for _, _, types in repository.enabled_subscriptions(session, org_id)
    )
    if not wanted:
        return []
    days = [as_of - timedelta(days=n) for n in range(1, LOOKBACK_DAYS + 1)]
    rows = ledger.open_invoice_rows_due_on(session, org_id=org_id, days=days)
    if customer_range is not None:
        low, high = customer_range
        rows = [r for r in rows if low <= r.customer_id <= high]
    return emit_many(
        session,
        org_id=org_id,
        type="invoice.overdue",
        events=[
            (
                f"invoice:{r.id}:overdue:{r.due_date.isoformat()}",
                events.invoice_overdue(
                    invoice_id=r.id,
                    number=r.number,
                    customer_id=r.customer_id,
                    currency=r.currency,
                    open_amount=r.open_amount,
                    due_date=r.due_date,
                    as_of=as_of,
                ),
            )
            for r in rows
        ],
    )
