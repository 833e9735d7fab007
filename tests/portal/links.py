"""Portal links for the tests: live ones, and the kinds that must be refused."""

from datetime import UTC, datetime

from sqlalchemy import update

from recoup.db import transaction
from recoup.portal import service as portal
from recoup.portal.models import PortalToken
from tests.web.support import World


def issue(world: World, org: str = "a", customer: str = "C1") -> str:
    """A live link token of one of the world's customers."""
    chosen = world.a if org == "a" else world.b
    with transaction(world.engine, actor="test") as session:
        return portal.issue_token(session, org_id=chosen.id, customer_id=chosen.customers[customer])


def bad_tokens(world: World) -> list[str]:
    """Tokens to refuse: forged, expired (C1's), revoked (C2's) and absurdly long."""
    expired, revoked = issue(world), issue(world, customer="C2")
    with transaction(world.engine, actor="test") as session:
        session.execute(
            update(PortalToken)
            .where(PortalToken.customer_id == world.a.customers["C1"])
            .values(expires_at=datetime(2020, 1, 1, tzinfo=UTC))
        )
        portal.revoke_tokens(session, org_id=world.a.id, customer_id=world.a.customers["C2"])
    return ["forged-token", expired, revoked, "x" * 300]
