"""The handler of outbox rows of kind ``charge`` (``charges.payloads.ChargeOrder``).
Registered with ``comms.payloads`` when imported."""

from sqlalchemy.orm import Session

from recoup.charges import service as charges
from recoup.charges.core import LateFee
from recoup.charges.payloads import ChargeOrder
from recoup.comms.models import OutboxKind, OutboxMessage
from recoup.comms.payloads import Handler, register
from recoup.errors import NotFound
from recoup.ledger import queries as ledger_queries


def charge_invoices(session: Session, row: OutboxMessage, payload: ChargeOrder) -> str:
    """Charge each listed invoice (compensation or a late fee) once per key. Interest is
    not charged here: it follows the debt (``charges.claim_statutory_charges``), accrues
    until payment and is recorded when the invoice is paid or handed off."""
    what = payload.params.charge
    if what == "interest":
        return "interest accrues until payment; recorded when the invoice is paid or handed off"
    as_of = payload.as_of
    charged = []
    for invoice_id in payload.invoice_ids:
        key = f"{row.key}:{invoice_id}"
        if what == charges.STATUTORY_INTEREST:
            assert as_of is not None
            result = charges.crystallise_interest(
                session, org_id=row.org_id, invoice_id=invoice_id, as_of=as_of, key=key
            )
        elif what == "compensation":
            result = charges.charge_compensation(
                session, org_id=row.org_id, invoice_id=invoice_id, key=key, as_of=as_of
            )
        else:
            invoice = ledger_queries.invoice(session, org_id=row.org_id, invoice_id=invoice_id)
            if invoice is None:
                raise NotFound(f"no invoice with id {invoice_id}")
            fixed, percent = payload.params.fixed, payload.params.percent
            fee = (
                LateFee(amount=fixed[invoice.currency])
                if invoice.currency in fixed
                else LateFee(percent=percent)
                if percent
                else None
            )
            result = charges.charge_late_fee(
                session, org_id=row.org_id, invoice_id=invoice_id, fee=fee, key=key, as_of=as_of
            )
        amount = result.charge.amount if result.charge else 0
        charged.append(f"{invoice_id}: {amount} ({result.reason or 'charged'})")
    return "; ".join(charged)[:500]


register([OutboxKind.CHARGE], Handler(ChargeOrder, apply=charge_invoices))
