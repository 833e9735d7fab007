"""The outbox payload charges carries out: charge a customer's invoices.

Planned by the escalation policy (a late fee, compensation, interest) and by
``charges.service`` itself (statutory charges following the debt); applied by
``charges.effects``.
"""

from decimal import Decimal

from pydantic import Field

from recoup.comms.payloads import Params, Planned


class ChargeParams(Params):
    charge: str = ""  # compensation, interest, statutory_interest; else a late fee
    fixed: dict[str, Decimal] = Field(default_factory=dict)  # a fixed fee per currency
    percent: Decimal | None = None  # else a percentage of the open amount


class ChargeOrder(Planned):
    """Charge each listed invoice once (the row's key and the invoice's id)."""

    params: ChargeParams = Field(default_factory=ChargeParams)
