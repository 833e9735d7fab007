"""Response models of the charges: late-payment interest and fees."""

from datetime import date
from typing import Any

from pydantic import BaseModel

from recoup.schemas import amount_text


class Charge(BaseModel):
    id: int
    customer_id: int
    invoice_id: int | None
    kind: str
    currency: str
    amount: str
    period_start: date
    period_end: date
    description: str
    status: str

    @classmethod
    def of(cls, row: Any) -> "Charge":
        return cls(
            id=row.id, customer_id=row.customer_id, invoice_id=row.invoice_id, kind=row.kind,
            currency=row.currency, amount=amount_text(row.amount, row.currency),
            period_start=row.period_start, period_end=row.period_end,
            description=row.description, status=row.status,
        )  # fmt: skip
