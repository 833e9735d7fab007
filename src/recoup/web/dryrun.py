"""``/policies/dry-run``: what the engine would do on a chosen day, each action with its
reason — the daily run (``recoup.jobs.daily.run_day``, as ``recoup run --dry-run``) in
the request's transaction, rolled back: nothing is stored and nothing is sent."""

from datetime import UTC, datetime, time
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse

from recoup.errors import RecoupError
from recoup.jobs.daily import run_day
from recoup.policy import versions
from recoup.web.deps import DB, CreditManager
from recoup.web.forms import DryRunForm, read_form
from recoup.web.policies import policies_context, policy_dir
from recoup.web.templating import render
from recoup.web.views import today

router = APIRouter()
SHOWN = 500  # actions listed on the page (the count says how many there are)


@router.post("/policies/dry-run", response_class=HTMLResponse)
def dry_run(
    request: Request, db: DB, actor: CreditManager, as_of: Annotated[str, Form()] = ""
) -> HTMLResponse:
    """Plan a chosen day (default: today) and show the actions; nothing is kept."""
    try:
        day = read_form(DryRunForm, {"as_of": as_of}).as_of or today(request)
        now = datetime.combine(day, time(7), UTC)
        files = versions.file_policies(policy_dir())  # run_day adds the org's versions
        result = run_day(db, org_id=actor.org_id, as_of=day, now=now, policies=dict(files))
    except RecoupError as error:
        db.rollback()
        context = policies_context(db, actor, as_of=as_of)
        context["dry_error"] = getattr(error, "reason", None) or error.message
        return render(request, "policies.html", context, status_code=error.status_code)
    db.rollback()  # a dry run: nothing the run wrote is kept
    context = policies_context(db, actor, as_of=as_of)
    rows = [
        {
            "customer_id": a.customer_id,
            "customer": result.customers.get(a.customer_id, ("", ""))[1],
            "step": a.step,
            "action": a.kind,
            "template": a.template,
            "to": ", ".join(a.recipient.splitlines()),
            "at": a.scheduled_at,
            "reason": a.reason,
        }
        for a in result.actions
    ]
    rows += [
        {
            "customer_id": e.customer_id,
            "customer": result.customers.get(e.customer_id or 0, ("", ""))[1],
            "step": "",
            "action": e.kind.value,
            "template": e.template,
            "to": ", ".join(e.recipient.splitlines()),
            "at": e.scheduled_at,
            "reason": str(e.payload.get("reason", e.source)),
        }
        for e in result.other_effects
    ]
    context.update(dry={"day": day, "rows": rows[:SHOWN], "total": len(rows)})
    return render(request, "policies.html", context)
