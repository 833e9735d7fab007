"""Portal submissions are rate-limited per link and per client address: a flood of
messages does not become a flood of tasks for the collector."""

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from recoup.cases.models import Task
from recoup.db import transaction
from recoup.portal.core import SUBMISSIONS_PER_CLIENT, SUBMISSIONS_PER_LINK
from recoup.web.app import create_app
from tests.portal.links import issue
from tests.web.support import AS_OF, World, csrf_of


def tasks(world: World) -> int:
    with transaction(world.engine, actor="test") as session:
        return int(session.scalar(select(func.count()).select_from(Task)) or 0)


def client_at(world: World, address: str) -> TestClient:
    app = create_app(engine=world.engine, clock=lambda: AS_OF, migrate=False)
    return TestClient(app, follow_redirects=False, client=(address, 50000))


def post_feedback(client: TestClient, token: str, n: int, **headers: str) -> int:
    csrf = csrf_of(client.get(f"/p/{token}").text)
    response = client.post(
        f"/p/{token}/feedback",
        data={"comment": f"message {n}", "csrf_token": csrf},
        headers=headers,
    )
    return response.status_code


def test_a_link_sends_ten_messages_an_hour_then_is_told_to_wait(world: World) -> None:
    client = client_at(world, "192.0.2.10")
    token = issue(world)
    statuses = [post_feedback(client, token, n) for n in range(SUBMISSIONS_PER_LINK)]
    assert statuses == [303] * SUBMISSIONS_PER_LINK
    before = tasks(world)
    assert [post_feedback(client, token, n) for n in range(2)] == [429, 429]
    assert tasks(world) == before  # refused messages make no task
    csrf = csrf_of(client.get(f"/p/{token}").text)
    page = client.post(f"/p/{token}/feedback", data={"comment": "again", "csrf_token": csrf})
    assert "viele Nachrichten" in page.text  # the customer's language (German)
    # another link of the same customer, from another address, is not affected
    other = client_at(world, "192.0.2.11")
    assert post_feedback(other, issue(world), 0) == 303


def test_one_address_sends_thirty_messages_an_hour_through_all_its_links(world: World) -> None:
    client = client_at(world, "192.0.2.20")
    links = [issue(world) for _ in range(4)]
    statuses = [
        post_feedback(client, links[n // SUBMISSIONS_PER_LINK], n)
        for n in range(SUBMISSIONS_PER_CLIENT)
    ]
    assert statuses == [303] * SUBMISSIONS_PER_CLIENT
    assert post_feedback(client, links[3], 99) == 429
    assert post_feedback(client_at(world, "192.0.2.21"), links[3], 100) == 303
