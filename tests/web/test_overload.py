"""While another connection holds SQLite's write lock (a long import, a daily run),
pages are still served — a read takes no lock — and a write that cannot get the lock in
time is answered 503 "busy" with ``Retry-After``, never 500."""

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text, update

from recoup.auth.models import UserSession
from recoup.db import make_engine, transaction
from recoup.db.base import utcnow
from recoup.web.app import create_app
from tests.web.support import AS_OF, PASSWORD, World, csrf_of, log_in


def test_pages_are_served_and_writes_say_busy_while_the_write_lock_is_held(
    world: World,
) -> None:
    if world.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL has no database-wide write lock")
    impatient = make_engine(world.url, busy_timeout=0.2)
    app = create_app(engine=impatient, clock=lambda: AS_OF, migrate=False)
    user = TestClient(app, follow_redirects=False)
    csrf = log_in(user, "viewer@alpha.example")
    login_csrf = csrf_of(TestClient(app).get("/login").text)
    with transaction(world.engine, actor="test") as session:
        # the session was last seen long ago: the next page would like to extend it
        session.execute(update(UserSession).values(last_seen_at=utcnow() - timedelta(hours=1)))
    holder = world.engine.connect()
    holder.execute(text("UPDATE organisations SET name = name"))  # BEGIN IMMEDIATE
    try:
        for page in ("/", "/worklist", "/invoices"):
            assert user.get(page).status_code == 200
        newcomer = TestClient(app, follow_redirects=False)
        newcomer.cookies.set("recoup_csrf", login_csrf)
        response = newcomer.post(
            "/login",
            data={"email": "viewer@alpha.example", "password": PASSWORD, "csrf_token": login_csrf},
        )
        assert response.status_code == 503
        assert response.headers["retry-after"] == "1"
        assert "busy" in response.text.lower()
        logout = user.post("/logout", data={"csrf_token": csrf})
        assert logout.status_code == 503
    finally:
        holder.rollback()
        holder.close()
    assert user.get("/").status_code == 200
    impatient.dispose()
