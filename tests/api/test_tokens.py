"""API tokens: made with scopes and expiry, stored hashed, shown once; revoked and
listed by an admin on the web page and with ``recoup api token``."""

import hashlib
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from recoup.api import service as api
from recoup.api.enums import Scope
from recoup.api.models import ApiToken
from recoup.cli import app
from recoup.errors import InvalidInput, NotFound
from tests.api.conftest import ApiWorld
from tests.factories import make_org
from tests.web.support import log_in, make_client


def test_a_token_is_stored_as_its_hash_and_resolves_until_revoked(session: Session) -> None:
    org = make_org(session)
    now = datetime(2026, 6, 30, 12, tzinfo=UTC)
    made = api.create_token(
        session, org_id=org.id, scopes="write,read", expires_in_days=30, now=now
    )
    assert made.secret.startswith("rcp_")
    assert len(made.secret) == 47
    stored = session.scalars(select(ApiToken).where(ApiToken.id == made.token.id)).one()
    assert stored.token_hash == hashlib.sha256(made.secret.encode()).hexdigest()
    assert made.secret not in (stored.token_hash, stored.prefix)
    assert stored.scopes == ["read", "write"]
    assert stored.expires_at == now + timedelta(days=30)
    assert api.resolve_token(session, secret=made.secret, now=now) is stored
    assert api.resolve_token(session, secret=made.secret, now=now + timedelta(days=30)) is None
    api.revoke_token(session, org_id=org.id, token_id=stored.id, now=now)
    assert api.resolve_token(session, secret=made.secret, now=now) is None
    assert api.token_state(stored, now=now) == "revoked"


def test_scopes_and_expiry_are_checked(session: Session) -> None:
    org = make_org(session)
    with pytest.raises(InvalidInput, match="unknown scope 'owner'"):
        api.create_token(session, org_id=org.id, scopes="read,owner")
    with pytest.raises(InvalidInput, match="at least one scope"):
        api.create_token(session, org_id=org.id, scopes="")
    with pytest.raises(InvalidInput, match="at least one day"):
        api.create_token(session, org_id=org.id, scopes="read", expires_in_days=0)
    other = make_org(session, slug="other")
    made = api.create_token(session, org_id=org.id, scopes="admin")
    assert api.has_scope(made.token, Scope.WRITE)
    with pytest.raises(NotFound):
        api.revoke_token(session, org_id=other.id, token_id=made.token.id)


def test_the_command_line_makes_lists_and_revokes_tokens(
    database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("RECOUP_DATABASE_URL", database_url)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def recoup(*args: str) -> tuple[int, str]:
        result = runner.invoke(app, list(args), catch_exceptions=False)
        return result.exit_code, result.output

    assert recoup("init", "--org", "acme", "--admin-email", "ar@acme.example")[0] == 0
    code, out = recoup("api", "token", "create", "--scopes", "read,write", "--expires", "90",
                       "--name", "ERP")  # fmt: skip
    assert code == 0, out
    assert re.search(r"token #1 \(read, write; expires \d{4}-\d\d-\d\d\)", out)
    secret = re.search(r"rcp_[A-Za-z0-9_-]{43}", out)
    assert secret is not None
    code, out = recoup("api", "token", "list")
    assert re.search(r"#1  active .*read,write .*ERP", out)
    assert secret.group(0) not in out
    code, out = recoup("api", "token", "create", "--scopes", "root")
    assert code == 1
    assert "scopes: unknown scope 'root'" in out
    code, out = recoup("api", "token", "revoke", "1")
    assert (code, out.strip()) == (0, "token #1 revoked")
    assert "#1  revoked" in recoup("api", "token", "list")[1]
    code, out = recoup("api", "token", "revoke", "7")
    assert code == 1
    assert "no API token with id 7" in out


def test_an_admin_makes_and_revokes_a_token_on_the_web(api_world: ApiWorld) -> None:
    browser = make_client(api_world.world)
    csrf = log_in(browser, "admin@alpha.example")
    page = browser.get("/settings/api-tokens")
    assert page.status_code == 200
    made = browser.post(
        "/settings/api-tokens",
        data={"csrf_token": csrf, "name": "Web made", "scope": ["read"], "expires": "30"},
    )
    assert made.status_code == 201, made.text
    secret = re.search(r'<code class="secret">(rcp_[^<]+)</code>', made.text)
    assert secret is not None
    api_client = TestClient(browser.app)
    headers = {"authorization": f"Bearer {secret.group(1)}"}
    assert api_client.get("/api/v1/customers", headers=headers).status_code == 200
    assert secret.group(1) not in browser.get("/settings/api-tokens").text  # shown once
    token_id = int(re.search(r"Token #(\d+) made", made.text).group(1))  # type: ignore[union-attr]
    revoked = browser.post(f"/settings/api-tokens/{token_id}/revoke", data={"csrf_token": csrf})
    assert revoked.status_code == 303
    assert api_client.get("/api/v1/customers", headers=headers).status_code == 401
    refused = browser.post(
        "/settings/api-tokens", data={"csrf_token": csrf, "name": "none", "expires": "30"}
    )
    assert refused.status_code == 422
    assert "name at least one scope" in refused.text


def test_only_admins_manage_tokens(api_world: ApiWorld) -> None:
    browser = make_client(api_world.world)
    csrf = log_in(browser, "manager@alpha.example")
    assert browser.get("/settings/api-tokens").status_code == 403
    theirs = api_world.token_ids[("beta", "write")]
    admin = make_client(api_world.world)
    admin_csrf = log_in(admin, "admin@alpha.example")
    other = admin.post(f"/settings/api-tokens/{theirs}/revoke", data={"csrf_token": admin_csrf})
    assert other.status_code == 404
    assert csrf
