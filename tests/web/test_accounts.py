"""Passwords and login throttling through the web: a user changes their password, an
admin resets one (shown once, never in a cookie), and the throttle counts the real
client — behind a trusted proxy the forwarded address, otherwise the connecting one."""

import re

import pytest
from fastapi.testclient import TestClient

from recoup.auth import service as auth
from recoup.db import transaction
from recoup.web.app import create_app
from tests.web.support import AS_OF, PASSWORD, World, csrf_of, log_in, make_client


def add_user(world: World, email: str) -> int:
    with transaction(world.engine, actor="test") as session:
        return auth.create_user(
            session, org_id=world.a.id, email=email, password=PASSWORD, role="collector"
        ).id


def test_a_user_changes_their_password(world: World) -> None:
    add_user(world, "changer@alpha.example")
    client, elsewhere = make_client(world), make_client(world)
    csrf = log_in(client, "changer@alpha.example")
    log_in(elsewhere, "changer@alpha.example")
    form = {"csrf_token": csrf, "current_password": PASSWORD}
    weak = client.post("/password", data=form | {"password": "alpha12345", "confirm": "alpha12345"})
    assert weak.status_code == 422
    assert "is made of your own name, email or organisation" in weak.text
    common = client.post(
        "/password", data=form | {"password": "password123", "confirm": "password123"}
    )
    assert common.status_code == 422
    assert "too common" in common.text
    differ = client.post("/password", data=form | {"password": "x" * 12, "confirm": "y" * 12})
    assert "the two new passwords differ" in differ.text
    new = "otter quarry lamplight"
    done = client.post("/password", data=form | {"password": new, "confirm": new})
    assert done.status_code == 303
    assert client.get("/").status_code == 200  # this session stays
    assert elsewhere.get("/").status_code == 303  # the other one ended
    log_in(make_client(world), "changer@alpha.example", new)


def test_an_admin_resets_a_password_shown_once_and_never_in_a_cookie(world: World) -> None:
    user_id = add_user(world, "forgetful@alpha.example")
    victim = make_client(world)
    log_in(victim, "forgetful@alpha.example")
    admin = make_client(world)
    csrf = log_in(admin, "admin@alpha.example")
    response = admin.post(f"/users/{user_id}/reset", data={"csrf_token": csrf})
    assert response.status_code == 200
    match = re.search(
        r"The new password of forgetful@alpha.example is <code>([^<]+)</code>", response.text
    )
    assert match
    password = match.group(1)
    assert password not in str(response.headers)
    assert response.headers["cache-control"] == "no-store"
    assert victim.get("/").status_code == 303  # their session ended
    log_in(make_client(world), "forgetful@alpha.example", password)
    collector = make_client(world)
    forbidden = collector.post(
        f"/users/{user_id}/reset", data={"csrf_token": log_in(collector, "collector@alpha.example")}
    )
    assert forbidden.status_code == 403
    other_org = admin.post(f"/users/{world.b.users['admin']}/reset", data={"csrf_token": csrf})
    assert other_org.status_code == 404


def fail_logins(client: TestClient, email: str, times: int, forwarded: list[str]) -> list[int]:
    csrf = csrf_of(client.get("/login").text)
    return [
        client.post(
            "/login",
            data={"email": email, "password": "wrong password", "csrf_token": csrf},
            headers={"x-forwarded-for": forwarded[n % len(forwarded)]},
        ).status_code
        for n in range(times)
    ]


@pytest.mark.parametrize("trusted", [False, True])
def test_forwarded_addresses_count_only_from_trusted_proxies(
    world: World, monkeypatch: pytest.MonkeyPatch, trusted: bool
) -> None:
    if trusted:
        monkeypatch.setenv("RECOUP_TRUSTED_PROXIES", "10.9.0.0/16")
    app = create_app(engine=world.engine, clock=lambda: AS_OF, migrate=False)
    client = TestClient(app, follow_redirects=False, client=("10.9.0.7", 40000))
    email = f"sprayed-{trusted}@alpha.example"
    add_user(world, email)
    # Twenty guesses at twenty addresses (rotating the header): from an untrusted peer
    # they are one client, locked at the fifth failure on this account; forwarded by a
    # trusted proxy they are twenty clients, and only the account's own ten-failure
    # rule applies.
    forged = [f"203.0.113.{n}" for n in range(20)]
    statuses = fail_logins(client, email, 12, forged)
    if trusted:
        assert statuses == [401] * 9 + [429] * 3
    else:
        assert statuses == [401] * 4 + [429] * 8
    # and a forged header in front of the proxy's own entry changes nothing
    spoofed = fail_logins(client, email, 1, ["1.2.3.4, 203.0.113.0"])
    assert spoofed == [429]
