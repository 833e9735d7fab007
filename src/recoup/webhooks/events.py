"""What each event says: its ``data``, built from the record it is about.

Amounts are exact decimal strings beside their ISO 4217 currency (``"1250.00"``,
``"EUR"``); dates are ISO dates. Every event names the record and its customer by id.
"""

from collections.abc import Sequence
from datetime import date
from typing import Any

from recoup import money
from recoup.cases.models import Dispute, Handoff, Promise
from recoup.credit.models import CreditHold


def _amount(minor: int | None, currency: str) -> str | None:
    return None if minor is None else str(money.from_minor(minor, currency))


def promise(row: Promise) -> dict[str, Any]:
    """``promise.made`` / ``promise.broken``."""
    return {
        "promise_id": row.id,
        "customer_id": row.customer_id,
        "status": row.status,
        "made_on": row.made_on,
        "promised_on": row.promised_on,
        "currency": row.currency,
        "promised_amount": _amount(row.promised_amount, row.currency),
        "kept_amount": _amount(row.kept_amount, row.currency),
        "channel": row.channel,
    }


def dispute(row: Dispute, invoice_ids: Sequence[int] = ()) -> dict[str, Any]:
    """``dispute.opened`` / ``dispute.resolved``."""
    return {
        "dispute_id": row.id,
        "customer_id": row.customer_id,
        "status": row.status,
        "reason": row.reason,
        "currency": row.currency,
        "disputed_amount": _amount(row.disputed_amount, row.currency),
        "opened_on": row.opened_on,
        "resolved_on": row.resolved_on,
        "credit_note_id": row.credit_note_id,
        "invoice_ids": list(invoice_ids),
    }


def handoff(row: Handoff) -> dict[str, Any]:
    """``handoff.approved``."""
    return {
        "handoff_id": row.id,
        "customer_id": row.customer_id,
        "agency": row.agency,
        "status": row.status,
        "currency": row.currency,
        "placed_amount": _amount(row.placed_amount, row.currency),
        "approved_on": row.decided_on,
    }


def credit_hold(row: CreditHold) -> dict[str, Any]:
    """``credit_hold.placed`` / ``credit_hold.released``."""
    return {
        "hold_id": row.id,
        "customer_id": row.customer_id,
        "source": row.source,
        "status": row.status,
        "reason": row.reason,
        "placed_on": row.placed_on,
        "released_on": row.released_on,
        "release_reason": row.release_reason,
    }


def payments_applied(
    ids: Sequence[int], rows: Sequence[dict[str, Any]]
) -> list[tuple[str | None, dict[str, Any]]]:
    """``payment.applied``, one per allocation of a payment (not of a credit note), from
    the allocation rows the ledger wrote and their ids."""
    return [
        (
            f"allocation:{allocation_id}",
            {
                "allocation_id": allocation_id,
                "payment_id": row["payment_id"],
                "invoice_id": row["invoice_id"],
                "currency": row["currency"],
                "amount": _amount(row["amount"], row["currency"]),
                "allocated_on": row["allocated_on"],
            },
        )
        for allocation_id, row in zip(ids, rows, strict=True)
        if row.get("payment_id") is not None
    ]


def invoice_overdue(
    *,
    invoice_id: int,
    number: str,
    customer_id: int,
    currency: str,
    open_amount: int,
    due_date: date,
    as_of: date,
) -> dict[str, Any]:
    """``invoice.overdue``: an open invoice past its due date."""
    return {
        "invoice_id": invoice_id,
        "number": number,
        "customer_id": customer_id,
        "currency": currency,
        "open_amount": _amount(open_amount, currency),
        "due_date": due_date,
        "days_past_due": (as_of - due_date).days,
    }
