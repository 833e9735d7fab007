"""The payment-provider interface: what Recoup needs of any provider.

A provider creates a hosted checkout for an amount in one currency and reads its own
signed events into ``PaymentEvent``. Everything that touches the ledger (recording,
allocating, reversing) is in ``recoup.payments.service`` and is the same for every
provider; a second one (GoCardless for direct debit, Mollie) is a new module with a
class of this shape and an entry in ``PROVIDERS``, nothing more.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from recoup.errors import RecoupError
from recoup.payments.core import PaymentEvent


class BadSignature(RecoupError):
    """An event whose signature does not verify with the secret tried (or is malformed)."""

    status_code = 400


class ProviderFailed(RecoupError):
    """The provider refused or could not be reached; nothing was stored."""

    status_code = 502


@dataclass(frozen=True, slots=True)
class CheckoutLine:
    """One invoice on the provider's page."""

    description: str
    amount: int  # ISO 4217 minor units


@dataclass(frozen=True, slots=True)
class CheckoutRequest:
    """What a checkout asks for: the lines of one currency, where to return, and the ids
    that come back in the provider's events (``metadata``)."""

    currency: str
    lines: tuple[CheckoutLine, ...]
    success_url: str
    cancel_url: str
    metadata: Mapping[str, str]
    reference: str  # the provider's client reference (org:customer)
    idempotency_key: str
    email: str = ""
    locale: str = ""


@dataclass(frozen=True, slots=True)
class CreatedCheckout:
    """The provider's checkout: its id and the page to send the customer to."""

    session_id: str
    url: str


class PaymentProvider(Protocol):
    """A payment provider: hosted checkouts out, signed events in."""

    name: str

    def create_checkout(self, request: CheckoutRequest) -> CreatedCheckout:
        """Create a hosted checkout; raises ``ProviderFailed``."""
        ...

    def read_event(self, payload: bytes, headers: Mapping[str, str]) -> PaymentEvent:
        """Verify the event's signature and read it; raises ``BadSignature``."""
        ...


#: ``secret key, webhook secret -> provider`` by provider name.
ProviderFactory = Callable[[str, str], PaymentProvider]


def providers() -> dict[str, ProviderFactory]:
    """The providers Recoup knows, by name."""
    from recoup.payments.stripe_provider import StripeProvider

    return {"stripe": StripeProvider}
