"""Pure decisions of online payments: which checkouts a selection of invoices makes (one
per currency), how a provider's amounts relate to ISO 4217 minor units, and how a paid
amount is spread over the invoices it was meant for.

No database, clock or network here: the provider and the ledger are the shell's.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from recoup.errors import InvalidInput
from recoup.ledger.core import split_in_order


class EventKind(StrEnum):
    """What a provider event means for the ledger, whoever the provider."""

    PAID = "paid"  # money received for a checkout: record and allocate it
    REFUNDED = "refunded"  # (part of) it was given back: reverse it
    DISPUTED = "disputed"  # a chargeback was opened: reverse it
    DISPUTE_WON = "dispute_won"  # the chargeback was decided for us: the money is back
    IGNORED = "ignored"  # nothing for the ledger (another event type, not paid yet)


@dataclass(frozen=True, slots=True)
class PaymentEvent:
    """A provider's event, verified and read into the terms Recoup acts on.

    ``amount`` is in ISO 4217 minor units of ``currency``: what was paid (PAID), refunded
    so far in total (REFUNDED) or disputed (DISPUTED). ``refunded_in_full`` says whether
    nothing of the payment is kept."""

    provider: str
    event_id: str
    kind: EventKind
    type: str  # the provider's own name of the event (``checkout.session.completed``)
    occurred_at: datetime  # when it happened at the provider (UTC)
    session_id: str = ""
    payment_intent: str = ""
    amount: int = 0
    currency: str = ""
    org_id: int | None = None  # from the checkout's metadata
    customer_id: int | None = None
    refunded_in_full: bool = False
    reason: str = ""
    payer_name: str = ""
    payer_email: str = ""

    @property
    def occurred_on(self) -> date:
        """The business date of the event (UTC): the payment's received date."""
        return self.occurred_at.date()


@dataclass(frozen=True, slots=True)
class OpenItem:
    """An open invoice the customer may pay online."""

    invoice_id: int
    number: str
    currency: str
    open_amount: int


@dataclass(frozen=True, slots=True)
class CheckoutPlan:
    """One checkout: the chosen invoices of one currency, in the order to pay them."""

    currency: str
    items: tuple[OpenItem, ...]

    @property
    def amount(self) -> int:
        """What the checkout asks for (minor units)."""
        return sum(item.open_amount for item in self.items)


def plan_checkouts(open_items: Sequence[OpenItem], chosen: Sequence[int]) -> list[CheckoutPlan]:
    """One checkout per currency for the ``chosen`` invoices, which must be among the
    customer's ``open_items`` (kept in their order: oldest due first).

    >>> items = [OpenItem(1, "A-1", "EUR", 1000), OpenItem(2, "A-2", "GBP", 500),
    ...          OpenItem(3, "A-3", "EUR", 250)]
    >>> plans = plan_checkouts(items, [3, 1, 2])
    >>> [(p.currency, p.amount, [i.number for i in p.items]) for p in plans]
    [('EUR', 1250, ['A-1', 'A-3']), ('GBP', 500, ['A-2'])]
    >>> plan_checkouts(items, [4])
    Traceback (most recent call last):
    ...
    recoup.errors.InvalidInput: invoice: not one of your open invoices
    """
    wanted = set(chosen)
    if not wanted:
        raise InvalidInput("choose at least one invoice", field="invoice")
    known = {item.invoice_id for item in open_items if item.open_amount > 0}
    if wanted - known:
        raise InvalidInput("not one of your open invoices", field="invoice")
    by_currency: dict[str, list[OpenItem]] = {}
    for item in open_items:
        if item.invoice_id in wanted:
            by_currency.setdefault(item.currency, []).append(item)
    return [CheckoutPlan(currency, tuple(items)) for currency, items in sorted(by_currency.items())]


def spread(amount: int, open_amounts: Sequence[int]) -> list[int]:
    """How a paid ``amount`` covers invoices with these open amounts, in order; what is
    left over stays on the customer's account.

    >>> spread(1250, [1000, 250])
    [1000, 250]
    >>> spread(1100, [1000, 250])  # one invoice was partly paid by transfer meanwhile
    [1000, 100]
    """
    return split_in_order(amount, list(open_amounts))


# Stripe's amounts are in the currency's smallest unit, except for a few currencies where
# Stripe keeps two decimals that ISO 4217 does not have (https://docs.stripe.com/currencies
# "Special cases"): ISK is zero-decimal in ISO 4217 but sent to Stripe times 100.
STRIPE_EXTRA_DIGITS = {"ISK": 2}


def to_stripe_amount(minor: int, currency: str) -> int:
    """An ISO 4217 minor-unit amount in Stripe's unit.

    >>> to_stripe_amount(12345, "EUR"), to_stripe_amount(500, "JPY"), to_stripe_amount(500, "ISK")
    (12345, 500, 50000)
    """
    factor: int = 10 ** STRIPE_EXTRA_DIGITS.get(currency.upper(), 0)
    return minor * factor


def from_stripe_amount(amount: int, currency: str) -> int:
    """A Stripe amount in ISO 4217 minor units (the inverse of ``to_stripe_amount``).

    >>> from_stripe_amount(50000, "isk"), from_stripe_amount(12345, "eur")
    (500, 12345)
    """
    factor: int = 10 ** STRIPE_EXTRA_DIGITS.get(currency.upper(), 0)
    return amount // factor
