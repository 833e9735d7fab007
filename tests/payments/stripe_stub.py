"""A real HTTP server on 127.0.0.1 standing in for api.stripe.com, and Stripe's webhook
signature scheme, for the online-payment tests.

The server records every request (method, path, headers, form fields as Stripe's
clients encode them: ``line_items[0][price_data][currency]=eur``) and answers
``POST /v1/checkout/sessions`` with a Checkout Session object as documented in Stripe's
API reference (https://docs.stripe.com/api/checkout/sessions/object); anything else is
Stripe's documented 404 error object.
"""

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

import stripe

SECRET_KEY = "sk_test_51RecoupExampleKey0000000000000000abcd"
WEBHOOK_SECRET = "whsec_test_recoup_example_signing_secret"


@dataclass
class Recorded:
    """One request the stand-in received."""

    method: str
    path: str
    headers: dict[str, str]
    form: dict[str, str]


@dataclass
class StripeStub:
    """The stand-in's address and what it received."""

    url: str
    requests: list[Recorded] = field(default_factory=list)
    fail_with: int | None = None  # answer every request with this status (an error)


def checkout_session(number: int, form: dict[str, str]) -> dict[str, Any]:
    """A Checkout Session object for a create request, as Stripe documents it."""
    session_id = f"cs_test_a1{number:026d}"
    items = sorted({k.split("]")[0] for k in form if k.startswith("line_items[")})
    total = sum(
        int(form[f"{item}][price_data][unit_amount]"]) * int(form.get(f"{item}][quantity]", "1"))
        for item in items
    )
    metadata = {k[len("metadata[") : -1]: v for k, v in form.items() if k.startswith("metadata[")}
    return {
        "id": session_id,
        "object": "checkout.session",
        "amount_subtotal": total,
        "amount_total": total,
        "cancel_url": form.get("cancel_url"),
        "client_reference_id": form.get("client_reference_id"),
        "created": 1_780_000_000,
        "currency": form.get("line_items[0][price_data][currency]"),
        "customer": None,
        "customer_details": None,
        "customer_email": form.get("customer_email"),
        "expires_at": 1_780_086_400,
        "livemode": False,
        "locale": form.get("locale"),
        "metadata": metadata,
        "mode": form.get("mode"),
        "payment_intent": None,
        "payment_method_types": ["card"],
        "payment_status": "unpaid",
        "status": "open",
        "success_url": form.get("success_url"),
        "url": f"https://checkout.stripe.com/c/pay/{session_id}#fidkdWxOYHwnPyd1blpxYHZxWjA0",
    }


@contextmanager
def stripe_stub() -> Iterator[StripeStub]:
    """Start the stand-in and point ``stripe.api_base`` at it for the block."""
    stub = StripeStub(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length).decode()
            form = dict(parse_qsl(body, keep_blank_values=True))
            headers = {k.lower(): v for k, v in self.headers.items()}
            stub.requests.append(Recorded("POST", self.path, headers, form))
            if stub.fail_with is not None:
                self._answer(
                    stub.fail_with,
                    {"error": {"type": "api_error", "message": "Something went wrong."}},
                )
            elif self.path == "/v1/checkout/sessions":
                self._answer(200, checkout_session(len(stub.requests), form))
            else:
                self._answer(
                    404,
                    {
                        "error": {
                            "type": "invalid_request_error",
                            "message": f"Unrecognized request URL (POST: {self.path}).",
                        }
                    },
                )

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("request-id", f"req_{len(stub.requests)}")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    stub.url = f"http://127.0.0.1:{server.server_address[1]}"
    before = stripe.api_base, stripe.max_network_retries
    stripe.api_base, stripe.max_network_retries = stub.url, 0
    try:
        yield stub
    finally:
        stripe.api_base, stripe.max_network_retries = before
        server.shutdown()
        server.server_close()


def signed(
    event: dict[str, Any], secret: str = WEBHOOK_SECRET, at: int | None = None
) -> tuple[bytes, dict[str, str]]:
    """The body and ``Stripe-Signature`` header Stripe would send: ``t=<unix time>,
    v1=<hex HMAC-SHA256 of "<t>.<body>" keyed with the endpoint's secret>``
    (https://docs.stripe.com/webhooks#verify-manually)."""
    payload = json.dumps(event).encode()
    timestamp = int(time.time()) if at is None else at
    digest = hmac.new(
        secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256
    ).hexdigest()
    return payload, {"stripe-signature": f"t={timestamp},v1={digest}"}


def event(
    event_id: str, kind: str, data: dict[str, Any], *, created: int = 1_780_000_000
) -> dict[str, Any]:
    """A Stripe Event object (https://docs.stripe.com/api/events/object)."""
    return {
        "id": event_id,
        "object": "event",
        "api_version": "2025-09-30.clover",
        "created": created,
        "data": {"object": data},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": kind,
    }


def completed(
    session_id: str,
    *,
    amount: int,
    currency: str,
    metadata: dict[str, str],
    intent: str = "pi_3RecoupPaymentIntent0001",
    payment_status: str = "paid",
    email: str = "ap@customer.example",
) -> dict[str, Any]:
    """The Checkout Session of a ``checkout.session.completed`` event."""
    return {
        "id": session_id,
        "object": "checkout.session",
        "amount_subtotal": amount,
        "amount_total": amount,
        "currency": currency.lower(),
        "customer_details": {"email": email, "name": "Jane Payer"},
        "metadata": metadata,
        "mode": "payment",
        "payment_intent": intent,
        "payment_status": payment_status,
        "status": "complete",
    }


def refunded_charge(
    *, amount: int, refunded: int, currency: str, intent: str = "pi_3RecoupPaymentIntent0001"
) -> dict[str, Any]:
    """The Charge of a ``charge.refunded`` event (``amount_refunded`` is the total so far)."""
    return {
        "id": "ch_3RecoupCharge0001",
        "object": "charge",
        "amount": amount,
        "amount_refunded": refunded,
        "currency": currency.lower(),
        "payment_intent": intent,
        "refunded": refunded >= amount,
        "metadata": {},
    }


def dispute(
    *,
    amount: int,
    currency: str,
    reason: str = "fraudulent",
    intent: str = "pi_3RecoupPaymentIntent0001",
) -> dict[str, Any]:
    """The Dispute of a ``charge.dispute.created`` event."""
    return {
        "id": "dp_1RecoupDispute0001",
        "object": "dispute",
        "amount": amount,
        "charge": "ch_3RecoupCharge0001",
        "currency": currency.lower(),
        "payment_intent": intent,
        "reason": reason,
        "status": "needs_response",
        "metadata": {},
    }
