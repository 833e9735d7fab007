"""``POST /payments/{provider}/webhook``: a payment provider's signed events.

The body is verified against each organisation's signing secret for that provider
before anything is read; a bad signature is 400 and writes nothing. A verified event is
acted on in its own transaction and answered 200 with what was done (an event seen
before is 200 too: the provider stops retrying).
"""

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy import Engine

from recoup.db import transaction
from recoup.errors import RecoupError
from recoup.payments import service

router = APIRouter(prefix="/payments")
MAX_EVENT_BYTES = 1_000_000  # Stripe's events are a few kilobytes


def _handle(engine: Engine, provider: str, payload: bytes, headers: dict[str, str]) -> str:
    with transaction(engine, actor=f"{provider} webhook") as session:
        return service.handle_event(session, provider=provider, payload=payload, headers=headers)


@router.post("/{provider}/webhook")
async def webhook(request: Request, provider: str) -> JSONResponse:
    """Verify and act on one provider event."""
    payload = await request.body()
    if len(payload) > MAX_EVENT_BYTES:
        return JSONResponse({"error": "the event is too large"}, status_code=413)
    headers = {name.lower(): value for name, value in request.headers.items()}
    try:
        outcome = await run_in_threadpool(
            _handle, request.app.state.engine, provider, payload, headers
        )
    except RecoupError as error:
        return JSONResponse({"error": error.message}, status_code=error.status_code)
    return JSONResponse({"received": True, "outcome": outcome})
