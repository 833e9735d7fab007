"""Fixtures of the API tests: the web tests' world of two organisations, with API
tokens of every scope (and an expired and a revoked one) in each."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update

from recoup.api import service as api
from recoup.api.models import ApiToken
from recoup.db import transaction
from recoup.web.app import create_app
from tests.web.support import AS_OF, World, build_world, fresh_database


@dataclass
class ApiWorld:
    """The world and a token per (organisation slug, scope name)."""

    world: World
    tokens: dict[tuple[str, str], str] = field(default_factory=dict)
    token_ids: dict[tuple[str, str], int] = field(default_factory=dict)

    def headers(self, slug: str = "alpha", scope: str = "write") -> dict[str, str]:
        """The Authorization header of that token."""
        return {"authorization": f"Bearer {self.tokens[(slug, scope)]}"}


@pytest.fixture(scope="module")
def api_world(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiWorld]:
    """Two organisations with data and tokens, committed in a database of their own."""
    with fresh_database(engine, tmp_path_factory.mktemp("api")) as url:
        built = ApiWorld(build_world(url))
        with transaction(built.world.engine, actor="test") as session:
            for org in (built.world.a, built.world.b):
                for name, scopes in (
                    ("read", "read"), ("write", "read,write"), ("admin", "admin"),
                    ("expired", "read,write"), ("revoked", "read,write"),
                ):  # fmt: skip
                    made = api.create_token(session, org_id=org.id, scopes=scopes, name=name)
                    built.tokens[(org.slug, name)] = made.secret
                    built.token_ids[(org.slug, name)] = made.token.id
                    if name == "revoked":
                        api.revoke_token(session, org_id=org.id, token_id=made.token.id)
            expired = [i for (_, name), i in built.token_ids.items() if name == "expired"]
            session.execute(
                update(ApiToken)
                .where(ApiToken.id.in_(expired))
                .values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
            )
        yield built
        built.world.engine.dispose()


@pytest.fixture(scope="module")
def client(api_world: ApiWorld) -> Iterator[TestClient]:
    """A client of the whole web app (the API is mounted at /api/v1)."""
    app = create_app(engine=api_world.world.engine, clock=lambda: AS_OF, migrate=False)
    with TestClient(app) as test_client:
        yield test_client
