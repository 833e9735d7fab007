"""The pause interface: what takes invoices or a whole customer off the ladder.

Disputes, promises to pay, payment plans and agency placements (``recoup.cases``) each
produce pauses; the engine only reads them. A pause has a scope (one invoice or the
whole customer), a start and an optional end, and a reason shown in the plan.
"""

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class PauseScope(StrEnum):
    INVOICE = "invoice"
    CUSTOMER = "customer"


@dataclass(frozen=True, slots=True)
class Pause:
    """Escalation is paused for ``invoice_id`` (or the whole customer) from ``starts_on``
    through ``ends_on`` inclusive (open-ended when None)."""

    scope: PauseScope
    customer_id: int
    starts_on: date
    ends_on: date | None
    reason: str
    invoice_id: int | None = None
    kind: str = ""  # what pauses: "dispute", "promise", "plan", "placement" (or "")

    def active_on(self, day: date) -> bool:
        """Whether the pause holds on ``day``."""
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)

    def covers(self, customer_id: int, invoice_id: int | None, day: date) -> bool:
        """Whether the pause takes this invoice (or, with None, the customer) off the ladder."""
        if self.customer_id != customer_id or not self.active_on(day):
            return False
        return self.scope is PauseScope.CUSTOMER or self.invoice_id == invoice_id
