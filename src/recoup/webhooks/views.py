"""``/webhooks`` (admins): the web twin of ``recoup webhook`` — subscriptions, a new one
(its secret shown once, in the response, never in a cookie), enable / disable / remove,
each subscription's delivery log and the replay of a delivery, through
``recoup.webhooks.service`` (audited with the admin as actor)."""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from recoup.errors import RecoupError
from recoup.web.deps import DB, Actor, Admin
from recoup.web.templating import render
from recoup.web.views import redirect
from recoup.webhooks import service
from recoup.webhooks.core import EVENT_TYPES

router = APIRouter(prefix="/webhooks")


def _list_context(db: Session, actor: Actor, **extra: Any) -> dict[str, Any]:
    return {
        "subscriptions": service.list_subscriptions(db, org_id=actor.org_id),
        "event_types": EVENT_TYPES,
        "errors": {},
        "values": {"events": [], "max_failures": 10},
        **extra,
    }


@router.get("", response_class=HTMLResponse)
def webhooks_page(request: Request, db: DB, actor: Admin) -> HTMLResponse:
    """The subscriptions and a form for a new one."""
    return render(request, "webhooks.html", _list_context(db, actor))


@router.post("", response_class=HTMLResponse)
def add(
    request: Request,
    db: DB,
    actor: Admin,
    url: Annotated[str, Form()] = "",
    events: Annotated[list[str] | None, Form()] = None,
    description: Annotated[str, Form()] = "",
    max_failures: Annotated[str, Form()] = "10",
) -> Response:
    """Subscribe an endpoint; its signing secret is shown in this response only."""
    values = {
        "url": url,
        "events": events or [],
        "description": description,
        "max_failures": max_failures,
    }
    try:
        limit = int(max_failures) if max_failures.strip().isdigit() else 0
        subscription = service.add_subscription(
            db,
            org_id=actor.org_id,
            url=url,
            events=events or [],
            description=description,
            max_failures=limit,
        )
    except RecoupError as error:
        db.rollback()
        field = getattr(error, "field", None) or "url"
        context = _list_context(
            db, actor, errors={field: getattr(error, "reason", error.message)}, values=values
        )
        return render(request, "webhooks.html", context, status_code=422)
    context = _list_context(db, actor, added=subscription, secret=subscription.secret)
    response = render(request, "webhooks.html", context, status_code=201)
    response.headers["cache-control"] = "no-store"
    return response


@router.post("/{subscription_id}/enabled")
def set_enabled(
    request: Request,
    db: DB,
    actor: Admin,
    subscription_id: int,
    enabled: Annotated[str, Form()] = "0",
) -> Response:
    """Enable or disable a subscription (disabling cancels what waits)."""
    on = enabled == "1"
    found = service.set_enabled(
        db,
        org_id=actor.org_id,
        subscription_id=subscription_id,
        enabled=on,
        reason=f"disabled by {actor.email}",
    )
    state = "enabled" if on else "disabled"
    return redirect("/webhooks", flash=f"Webhook #{found.id} to {found.url} {state}.")


@router.post("/{subscription_id}/remove")
def remove(request: Request, db: DB, actor: Admin, subscription_id: int) -> Response:
    """Delete a subscription and its delivery log."""
    url = service.remove_subscription(db, org_id=actor.org_id, subscription_id=subscription_id)
    return redirect("/webhooks", flash=f"Webhook #{subscription_id} to {url} removed.")


@router.get("/{subscription_id}", response_class=HTMLResponse)
def delivery_log(request: Request, db: DB, actor: Admin, subscription_id: int) -> HTMLResponse:
    """A subscription's newest deliveries with every attempt: status code, duration and
    what the endpoint answered."""
    subscription = service.get_subscription(
        db, org_id=actor.org_id, subscription_id=subscription_id
    )
    rows = service.deliveries(db, org_id=actor.org_id, subscription_id=subscription_id)
    attempts = service.attempts_of(db, org_id=actor.org_id, delivery_ids=[r.id for r in rows])
    context = {"subscription": subscription, "deliveries": rows, "attempts": attempts}
    return render(request, "webhook.html", context)


@router.post("/deliveries/{delivery_id}/replay")
def replay(request: Request, db: DB, actor: Admin, delivery_id: int) -> Response:
    """Send a delivery's event again at the next dispatch."""
    row = service.replay(db, org_id=actor.org_id, delivery_id=delivery_id, by=actor.email)
    subscription_id = row.payload["subscription_id"]
    return redirect(
        f"/webhooks/{subscription_id}",
        flash=f"Delivery #{delivery_id} replayed as #{row.id}; the next dispatch sends it.",
    )
