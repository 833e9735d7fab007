"""Collectors open and act on their own customers and the unassigned ones; managers and
admins on all (``recoup.auth.scope``), on every customer route and in the services."""

import pytest
from sqlalchemy import func, select

from recoup.audit.models import AuditEvent
from recoup.auth.scope import Scope, bind
from recoup.cases import disputes, notes
from recoup.db import transaction
from recoup.errors import NotFound
from tests.web.support import World, make_client
from tests.web.test_routes import (
    ROUTES,
    WHO_MAY,
    _fresh_contact,
    _ids,
    _request,
    _session,
    _url,
)

CUSTOMER_ROUTES = sorted(key for key, case in ROUTES.items() if "customer_id" in case.params)


def events(world: World) -> int:
    with transaction(world.engine, actor="test") as session:
        return int(session.scalar(select(func.count()).select_from(AuditEvent)) or 0)


@pytest.mark.parametrize(("method", "path"), CUSTOMER_ROUTES)
def test_a_collector_cannot_open_or_act_on_another_collectors_customer(
    world: World, method: str, path: str
) -> None:
    """``spare`` is a collector; C1 is assigned to ``collector@alpha.example``."""
    case = ROUTES[(method, path)]
    client = make_client(world)
    token, csrf = _session(world, "spare")
    client.cookies.set("recoup_session", token)
    ids = _ids(world, "a")
    before = events(world)
    response = _request(client, method, _url(path, case, ids), case, csrf, ids)
    # A collector may not do a manager's action at all (403); every other route acts as
    # if the customer did not exist.
    expected = 404 if "collector" in WHO_MAY[case.permission or "logged_in"] else 403
    assert response.status_code == expected, response.text[:500]
    assert "A C1 Kunde GmbH" not in response.text
    assert events(world) == before


@pytest.mark.parametrize(("method", "path"), CUSTOMER_ROUTES)
@pytest.mark.parametrize("role", ["spare", "manager", "admin"])
def test_unassigned_customers_are_everyones_and_managers_see_all(
    world: World, role: str, method: str, path: str
) -> None:
    """C2 has no collector: any collector works it; managers and admins work C1 too."""
    case = ROUTES[(method, path)]
    if role == "spare" and "collector" not in WHO_MAY[case.permission or "logged_in"]:
        pytest.skip("a manager's action")
    client = make_client(world)
    token, csrf = _session(world, role)
    client.cookies.set("recoup_session", token)
    ids = _ids(world, "a")
    if role == "spare":
        ids["customer"] = str(world.a.customers["C2"])
        ids["invoice"] = str(world.a.invoices["A-C2-2"])
        ids["contact"] = str(_fresh_contact(world, world.a.customers["C2"], world.a.id))
    response = _request(client, method, _url(path, case, ids), case, csrf, ids)
    assert response.status_code not in (401, 403, 404, 500), response.text[:500]


def test_lists_show_a_collector_only_their_scope(world: World) -> None:
    for role, sees_c1 in (("spare", False), ("collector", True), ("manager", True)):
        client = make_client(world)
        token, _ = _session(world, role)
        client.cookies.set("recoup_session", token)
        worklist = client.get("/worklist?collector=").text
        assert ("A C1 Kunde GmbH" in worklist) is sees_c1, role
        assert "A C2 Kunde GmbH" in worklist
        other = client.get("/worklist?collector=collector%40alpha.example").text
        assert ("A C1 Kunde GmbH" in other) is sees_c1, role
        invoices = client.get("/invoices?status=all").text
        assert ("A-C1-1" in invoices) is sees_c1, role
        assert "A-C2-1" in invoices
        csv = client.get("/invoices.csv?status=all").text
        assert ("A-C1-1" in csv) is sees_c1, role
        assert "A-C2-1" in csv


def test_the_case_services_refuse_a_customer_outside_the_bound_scope(world: World) -> None:
    c1, c2 = world.a.customers["C1"], world.a.customers["C2"]
    with transaction(world.engine, actor="test") as session:
        bind(session, Scope("spare@alpha.example"))
        with pytest.raises(NotFound):
            notes.add_note(session, org_id=world.a.id, customer_id=c1, text="x")
        with pytest.raises(NotFound):
            disputes.open_dispute(
                session,
                org_id=world.a.id,
                customer_id=c1,
                invoice_ids=[world.a.invoices["A-C1-2"]],
                reason="quality",
            )
        with pytest.raises(NotFound):
            disputes.resolve_dispute(
                session, org_id=world.a.id, dispute_id=world.a.disputes[0], outcome="invalid"
            )
        assert notes.add_note(session, org_id=world.a.id, customer_id=c2, text="ok").id
        session.rollback()
