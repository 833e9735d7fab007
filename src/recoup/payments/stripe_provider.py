"""Stripe: Checkout Sessions (https://docs.stripe.com/api/checkout/sessions/create) and
webhook events verified with ``stripe.Webhook.construct_event``.

The API base is ``stripe.api_base`` (tests point it at a local server standing in for
api.stripe.com). Amounts go to Stripe in its units (``core.to_stripe_amount``).
"""

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import stripe

from recoup.payments.core import EventKind, PaymentEvent, from_stripe_amount, to_stripe_amount
from recoup.payments.provider import (
    BadSignature,
    CheckoutRequest,
    CreatedCheckout,
    ProviderFailed,
)

SIGNATURE_HEADER = "stripe-signature"
# The events Recoup asks Stripe to send (the endpoint's "events to send").
EVENTS = (
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "charge.refunded",
    "charge.dispute.created",
    "charge.dispute.closed",
)
# Checkout's page languages (https://docs.stripe.com/api/checkout/sessions/create#locale).
LOCALES = frozenset({"de", "en", "es", "fr", "it", "nl"})


class StripeProvider:
    """Stripe with one account's secret key and one endpoint's signing secret."""

    name = "stripe"

    def __init__(self, secret_key: str, webhook_secret: str) -> None:
        self.secret_key = secret_key
        self.webhook_secret = webhook_secret

    def create_checkout(self, request: CheckoutRequest) -> CreatedCheckout:
        """A Checkout Session in ``payment`` mode, one line per invoice."""
        currency = request.currency.lower()
        params: dict[str, Any] = {
            "mode": "payment",
            "line_items": [
                {
                    "price_data": {
                        "currency": currency,
                        "unit_amount": to_stripe_amount(line.amount, request.currency),
                        "product_data": {"name": line.description},
                    },
                    "quantity": 1,
                }
                for line in request.lines
            ],
            "success_url": request.success_url,
            "cancel_url": request.cancel_url,
            "client_reference_id": request.reference,
            "metadata": dict(request.metadata),
            # The charge's refunds and disputes carry the same ids.
            "payment_intent_data": {"metadata": dict(request.metadata)},
        }
        if request.email:
            params["customer_email"] = request.email
        if request.locale in LOCALES:
            params["locale"] = request.locale
        try:
            session = stripe.checkout.Session.create(
                api_key=self.secret_key, idempotency_key=request.idempotency_key, **params
            )
        except stripe.StripeError as error:
            message = error.user_message or str(error) or type(error).__name__
            raise ProviderFailed(f"Stripe refused the checkout: {message}") from None
        return CreatedCheckout(session_id=str(session.id), url=str(session.url or ""))

    def read_event(self, payload: bytes, headers: Mapping[str, str]) -> PaymentEvent:
        """Verify the ``Stripe-Signature`` header (HMAC-SHA256 of ``t.payload``, within
        Stripe's default tolerance of five minutes) and read the event."""
        signature = headers.get(SIGNATURE_HEADER, "")
        try:
            event = stripe.Webhook.construct_event(payload, signature, self.webhook_secret)
        except stripe.SignatureVerificationError:
            raise BadSignature("the Stripe-Signature does not verify") from None
        except ValueError:
            raise BadSignature("the event is not JSON") from None
        return read_event(event.to_dict())


def _metadata_id(metadata: Mapping[str, Any], key: str) -> int | None:
    value = str(metadata.get(key) or "")
    return int(value) if value.isdigit() else None


def read_event(event: Mapping[str, Any]) -> PaymentEvent:
    """A verified Stripe event (as a dict) in Recoup's terms."""
    data: Mapping[str, Any] = event["data"]["object"]
    kind = str(event["type"])
    occurred_at = datetime.fromtimestamp(int(event["created"]), UTC)
    metadata: Mapping[str, Any] = data.get("metadata") or {}
    currency = str(data.get("currency") or "").upper()
    common: dict[str, Any] = {
        "provider": "stripe",
        "event_id": str(event["id"]),
        "type": kind,
        "occurred_at": occurred_at,
        "currency": currency,
        "org_id": _metadata_id(metadata, "org_id"),
        "customer_id": _metadata_id(metadata, "customer_id"),
    }
    intent = data.get("payment_intent")
    intent_id = str(intent.get("id") if isinstance(intent, Mapping) else intent or "")
    if kind in ("checkout.session.completed", "checkout.session.async_payment_succeeded"):
        if data.get("payment_status") != "paid":  # a bank debit still on its way
            return PaymentEvent(kind=EventKind.IGNORED, reason="not paid yet", **common)
        details: Mapping[str, Any] = data.get("customer_details") or {}
        return PaymentEvent(
            kind=EventKind.PAID,
            session_id=str(data["id"]),
            payment_intent=intent_id,
            amount=from_stripe_amount(int(data.get("amount_total") or 0), currency),
            payer_name=str(details.get("name") or ""),
            payer_email=str(details.get("email") or ""),
            **common,
        )
    if kind == "charge.refunded":
        return PaymentEvent(
            kind=EventKind.REFUNDED,
            payment_intent=intent_id,
            amount=from_stripe_amount(int(data.get("amount_refunded") or 0), currency),
            refunded_in_full=bool(data.get("refunded")),
            **common,
        )
    if kind == "charge.dispute.created":
        return PaymentEvent(
            kind=EventKind.DISPUTED,
            payment_intent=intent_id,
            amount=from_stripe_amount(int(data.get("amount") or 0), currency),
            reason=str(data.get("reason") or ""),
            **common,
        )
    if kind == "charge.dispute.closed":
        status = str(data.get("status") or "")
        return PaymentEvent(
            kind=EventKind.DISPUTE_WON if status == "won" else EventKind.IGNORED,
            payment_intent=intent_id,
            amount=from_stripe_amount(int(data.get("amount") or 0), currency),
            reason=f"the dispute was closed: {status}",
            **common,
        )
    return PaymentEvent(kind=EventKind.IGNORED, reason="not an event Recoup acts on", **common)
