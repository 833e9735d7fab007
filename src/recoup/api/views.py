"""``/settings/api-tokens`` (admins): the web twin of ``recoup api token
create|list|revoke``, through ``recoup.api.service``.

A new token is shown once, in the answer to the form (never in a cookie or a redirect).
"""

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from recoup.api import service as api
from recoup.api.enums import Scope
from recoup.errors import InvalidInput, RecoupError
from recoup.web.deps import DB, Actor, Admin
from recoup.web.templating import render
from recoup.web.views import redirect

router = APIRouter(prefix="/settings/api-tokens")
EXPIRY_CHOICES = (("30", "30 days"), ("90", "90 days"), ("365", "a year"), ("", "never"))


def _context(db: Session, actor: Actor, **extra: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    rows = [(t, api.token_state(t, now=now)) for t in api.tokens(db, org_id=actor.org_id)]
    return {
        "rows": rows,
        "scopes": [s.value for s in Scope],
        "expiries": EXPIRY_CHOICES,
        "errors": {},
        "values": {},
        "secret": "",
        **extra,
    }


@router.get("", response_class=HTMLResponse)
def tokens_page(request: Request, db: DB, actor: Admin) -> HTMLResponse:
    """The organisation's API tokens and a form to make one."""
    return render(request, "api_tokens.html", _context(db, actor))


@router.post("", response_class=HTMLResponse)
def create_token(
    request: Request,
    db: DB,
    actor: Admin,
    name: Annotated[str, Form()] = "",
    scope: Annotated[list[str] | None, Form()] = None,
    expires: Annotated[str, Form()] = "90",
) -> Response:
    """Make a token; the answer shows it this once."""
    values = {"name": name, "scope": scope or [], "expires": expires}
    try:
        days = int(expires) if expires.strip() else None
    except ValueError:
        days = -1
    try:
        if days == -1:
            raise InvalidInput("choose how long the token lives", field="expires")
        made = api.create_token(
            db,
            org_id=actor.org_id,
            scopes=scope or [],
            name=name,
            expires_in_days=days,
            created_by=f"user:{actor.email}",
        )
    except RecoupError as error:
        db.rollback()
        field = getattr(error, "field", None) or "name"
        text = getattr(error, "reason", error.message)
        context = _context(db, actor, errors={field: text}, values=values)
        return render(request, "api_tokens.html", context, status_code=error.status_code)
    context = _context(db, actor, secret=made.secret, made=made.token)
    return render(request, "api_tokens.html", context, status_code=201)


@router.post("/{token_id}/revoke")
def revoke_token(request: Request, db: DB, actor: Admin, token_id: int) -> Response:
    """Revoke a token (it opens nothing from now on)."""
    token = api.revoke_token(db, org_id=actor.org_id, token_id=token_id)
    return redirect("/settings/api-tokens", flash=f"Token #{token.id} revoked.")
