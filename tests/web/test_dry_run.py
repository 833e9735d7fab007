"""The policies page's dry run: what the engine would do on a chosen day, each action
with its reason; nothing is stored."""

from sqlalchemy import func, select

from recoup.comms.models import OutboxMessage
from recoup.db import transaction
from tests.web.support import World, log_in, make_client


def _outbox_rows(world: World) -> int:
    with transaction(world.engine, actor="test") as session:
        return int(session.scalar(select(func.count()).select_from(OutboxMessage)) or 0)


def test_a_dry_run_shows_the_plan_and_keeps_nothing(world: World) -> None:
    client = make_client(world)
    csrf = log_in(client, "manager@alpha.example")
    assert 'action="/policies/dry-run"' in client.get("/policies").text
    before = _outbox_rows(world)
    page = client.post("/policies/dry-run", data={"as_of": "2026-07-15", "csrf_token": csrf})
    assert page.status_code == 200, page.text[:500]
    assert "15 Jul 2026" in page.text
    table = page.text.split('id="dry-run-actions"', 1)[1].split("</table>", 1)[0]
    # C2 (unassigned, nothing paused) has A-C2-1 overdue since 16 May: the engine acts.
    assert "A C2 Kunde GmbH" in table
    assert _outbox_rows(world) == before
    bad = client.post("/policies/dry-run", data={"as_of": "someday", "csrf_token": csrf})
    assert bad.status_code == 422
    assert "enter a date" in bad.text


def test_viewers_and_collectors_see_no_dry_run_form(world: World) -> None:
    client = make_client(world)
    log_in(client, "collector@alpha.example")
    assert 'action="/policies/dry-run"' not in client.get("/policies").text
