"""Every route × every role, and every route with another organisation's ids.

The table below must name every route of the app: a new route without an entry fails
``test_every_route_is_covered``, so its permissions and tenancy get tested too.
"""

import uuid
from dataclasses import dataclass, field

import pytest
from fastapi.testclient import TestClient

from recoup.api import service as api_tokens
from recoup.auth import service as auth
from recoup.db import transaction, utcnow
from recoup.inbound import service as inbound
from recoup.ledger import service as ledger
from recoup.web.app import create_app
from recoup.webhooks import service as webhooks
from tests.inbound.messages import eml
from tests.web.support import World, make_client


@dataclass(frozen=True)
class Case:
    """How to exercise one route: who may, and which ids it takes."""

    permission: str | None  # None: no login needed
    params: dict[str, str] = field(default_factory=dict)  # path param -> world key
    form: dict[str, str] = field(default_factory=dict)


ALL = {"admin", "manager", "collector", "viewer"}
WHO_MAY = {
    "view": ALL,
    "export": ALL,
    "work_accounts": {"admin", "manager", "collector"},
    "import_data": {"admin", "manager"},
    "manage_credit": {"admin", "manager"},
    "manage_users": {"admin"},
    "logged_in": ALL,
}

ROUTES: dict[tuple[str, str], Case] = {
    ("GET", "/login"): Case(None),
    ("POST", "/login"): Case(None),
    ("POST", "/logout"): Case("logged_in"),
    ("GET", "/"): Case("view"),
    ("GET", "/worklist"): Case("view"),
    ("GET", "/reports/management"): Case("manage_credit"),
    ("GET", "/customers/{customer_id}"): Case("view", {"customer_id": "customer"}),
    ("POST", "/customers/{customer_id}/portal-link"): Case(
        "work_accounts", {"customer_id": "customer"}, {"days": "30"}
    ),
    ("POST", "/customers/{customer_id}/portal-revoke"): Case(
        "work_accounts", {"customer_id": "customer"}
    ),
    ("POST", "/customers/{customer_id}/notes"): Case(
        "work_accounts", {"customer_id": "customer"}, {"text": "Called, no answer"}
    ),
    ("POST", "/customers/{customer_id}/calls"): Case(
        "work_accounts", {"customer_id": "customer"}, {"outcome": "reached"}
    ),
    ("POST", "/customers/{customer_id}/promises"): Case(
        "work_accounts", {"customer_id": "customer"}, {"promised_on": "2026-07-15"}
    ),
    ("POST", "/customers/{customer_id}/disputes"): Case(
        "work_accounts",
        {"customer_id": "customer"},
        {"invoice": "@invoice", "reason": "quality"},
    ),
    ("POST", "/customers/{customer_id}/disputes/{dispute_id}/resolve"): Case(
        "manage_credit",
        {"customer_id": "customer", "dispute_id": "dispute"},
        {"outcome": "invalid"},
    ),
    ("POST", "/customers/{customer_id}/plans"): Case(
        "work_accounts",
        {"customer_id": "customer"},
        {"invoice": "@invoice", "instalments": "3", "first_due": "2026-07-31"},
    ),
    ("POST", "/customers/{customer_id}/statement"): Case(
        "work_accounts", {"customer_id": "customer"}, {"contact": "0"}
    ),
    ("POST", "/customers/{customer_id}/hold"): Case(
        "manage_credit", {"customer_id": "customer"}, {"reason": "Over limit"}
    ),
    ("POST", "/customers/{customer_id}/hold/release"): Case(
        "manage_credit", {"customer_id": "customer"}, {"reason": "Paid"}
    ),
    ("POST", "/customers/{customer_id}/handoff"): Case(
        "work_accounts",
        {"customer_id": "customer"},
        {"invoice": "@invoice", "agency": "Acme Collect"},
    ),
    ("GET", "/customers/new"): Case("import_data"),
    ("POST", "/customers/new"): Case("import_data", form={"name": "Neu GmbH", "currency": "EUR"}),
    ("GET", "/customers/{customer_id}/edit"): Case("work_accounts", {"customer_id": "customer"}),
    ("POST", "/customers/{customer_id}/edit"): Case(
        "import_data", {"customer_id": "customer"}, {"name": "A C1 Kunde GmbH", "country": "DE"}
    ),
    ("POST", "/customers/{customer_id}/contacts"): Case(
        "work_accounts",
        {"customer_id": "customer"},
        {"name": "Jo Bloggs", "email": "jo@c1.example"},
    ),
    ("POST", "/customers/{customer_id}/contacts/{contact_id}"): Case(
        "work_accounts", {"customer_id": "customer", "contact_id": "contact"}, {"name": "Jo B"}
    ),
    ("POST", "/customers/{customer_id}/contacts/{contact_id}/remove"): Case(
        "work_accounts", {"customer_id": "customer", "contact_id": "contact"}
    ),
    ("GET", "/assignments"): Case("manage_credit"),
    ("POST", "/assignments"): Case(
        "manage_credit", form={"to": "collector@alpha.example", "customer": "@customer"}
    ),
    ("GET", "/invoices"): Case("view"),
    ("GET", "/invoices.csv"): Case("export"),
    ("GET", "/disputes"): Case("view"),
    ("GET", "/disputes.csv"): Case("export"),
    ("GET", "/promises"): Case("view"),
    ("GET", "/promises.csv"): Case("export"),
    ("GET", "/tasks"): Case("view"),
    ("GET", "/tasks.csv"): Case("export"),
    ("POST", "/tasks/{task_id}/done"): Case("work_accounts", {"task_id": "task"}),
    ("POST", "/tasks/{task_id}/assign"): Case(
        "work_accounts", {"task_id": "task"}, {"assignee": "manager@alpha.example"}
    ),
    ("POST", "/customers/{customer_id}/tasks"): Case(
        "work_accounts", {"customer_id": "customer"}, {"title": "Send a copy invoice"}
    ),
    ("GET", "/approvals"): Case("manage_credit"),
    ("POST", "/approvals/{kind}/{request_id}/approve"): Case(
        "manage_credit", {"kind": "handoff_kind", "request_id": "handoff"}, {"commission": "0.2"}
    ),
    ("POST", "/approvals/{kind}/{request_id}/reject"): Case(
        "manage_credit", {"kind": "handoff_kind", "request_id": "handoff"}, {"reason": "No"}
    ),
    ("POST", "/customers/{customer_id}/write-off"): Case(
        "work_accounts", {"customer_id": "customer"}, {"invoice": "@invoice", "reason": "Bad debt"}
    ),
    ("POST", "/customers/{customer_id}/credit-limit"): Case(
        "manage_credit", {"customer_id": "customer"}, {"limit": "5000", "reason": "Review"}
    ),
    ("GET", "/imports"): Case("import_data"),
    ("POST", "/imports"): Case("import_data", form={"kind": "invoices"}),
    ("POST", "/imports/{upload_id}/confirm"): Case(
        "import_data", {"upload_id": "upload"}, {"kind": "invoices"}
    ),
    ("GET", "/bank"): Case("view"),
    ("POST", "/bank"): Case("import_data", form={"format": "auto"}),
    ("GET", "/bank/lines"): Case("view"),
    ("GET", "/bank/statements/{statement_id}"): Case("view", {"statement_id": "statement"}),
    ("GET", "/bank/lines/{line_id}"): Case("view", {"line_id": "line"}),
    ("POST", "/bank/lines/{line_id}/accept"): Case(
        "manage_credit", {"line_id": "line"}, {"proposal": "1"}
    ),
    ("POST", "/bank/lines/{line_id}/apply"): Case(
        "manage_credit", {"line_id": "line"}, {"invoice": "NO-SUCH-INVOICE"}
    ),
    ("POST", "/bank/lines/{line_id}/on-account"): Case(
        "manage_credit", {"line_id": "line"}, {"customer": "C1"}
    ),
    ("POST", "/bank/lines/{line_id}/ignore"): Case("manage_credit", {"line_id": "second_line"}),
    ("POST", "/bank/lines/{line_id}/undo"): Case(
        "manage_credit", {"line_id": "line"}, {"reason": "applied by mistake"}
    ),
    ("GET", "/outbox"): Case("view"),
    ("GET", "/outbox/{message_id}"): Case("view", {"message_id": "message"}),
    ("GET", "/outbox/{message_id}/html"): Case("view", {"message_id": "message"}),
    ("GET", "/outbox/{message_id}/attachments/{number}"): Case(
        "view", {"message_id": "message", "number": "first"}
    ),
    ("POST", "/outbox/{message_id}/resend"): Case("manage_credit", {"message_id": "message"}),
    ("POST", "/outbox/{message_id}/cancel"): Case(
        "manage_credit", {"message_id": "message"}, {"reason": "Wrong address"}
    ),
    ("GET", "/policies"): Case("view"),
    ("POST", "/policies/dry-run"): Case("manage_credit", form={"as_of": "2026-07-15"}),
    ("POST", "/policies/{name}/change"): Case(
        "work_accounts", {"name": "policy"}, {"text": "name: default", "reason": "Test"}
    ),
    ("POST", "/policies/assign"): Case(
        "manage_credit", form={"policy": "strict", "customer": "C1"}
    ),
    ("POST", "/customers/{customer_id}/policy"): Case(
        "manage_credit", {"customer_id": "customer"}, {"policy": "strict"}
    ),
    ("GET", "/users"): Case("manage_users"),
    ("POST", "/users"): Case("manage_users", form={"email": "x@alpha.example"}),
    ("POST", "/users/{user_id}/active"): Case("manage_users", {"user_id": "user"}, {"active": "1"}),
    ("POST", "/users/{user_id}/reset"): Case("manage_users", {"user_id": "user"}),
    ("GET", "/settings"): Case("manage_users"),
    ("POST", "/settings/details"): Case("manage_users", form={"phone": "+49 30 1234567"}),
    ("POST", "/settings/bank"): Case(
        "manage_users",
        form={"currency": "GBP", "sort_code": "20-20-15", "account_number": "55779911"},
    ),
    ("POST", "/settings/bank/{currency}/remove"): Case("manage_users", {"currency": "currency"}),
    ("POST", "/settings/mail-test"): Case("manage_users", form={"to": ""}),
    ("GET", "/settings/api-tokens"): Case("manage_users"),
    ("POST", "/settings/api-tokens"): Case("manage_users", form={"scope": "read", "name": "x"}),
    ("POST", "/settings/api-tokens/{token_id}/revoke"): Case(
        "manage_users", {"token_id": "api_token"}
    ),
    ("GET", "/password"): Case("logged_in"),
    ("POST", "/password"): Case(
        "logged_in", form={"current_password": "not it", "password": "x", "confirm": "x"}
    ),
    ("GET", "/webhooks"): Case("manage_users"),
    ("POST", "/webhooks"): Case(
        "manage_users", form={"url": "https://hooks.example/r", "events": "promise.made"}
    ),
    ("GET", "/webhooks/{subscription_id}"): Case("manage_users", {"subscription_id": "webhook"}),
    ("POST", "/webhooks/{subscription_id}/enabled"): Case(
        "manage_users", {"subscription_id": "webhook"}, {"enabled": "0"}
    ),
    ("POST", "/webhooks/{subscription_id}/remove"): Case(
        "manage_users", {"subscription_id": "webhook"}
    ),
    ("POST", "/webhooks/deliveries/{delivery_id}/replay"): Case(
        "manage_users", {"delivery_id": "delivery"}
    ),
    ("GET", "/replies"): Case("view"),
    ("GET", "/replies/{reply_id}"): Case("view", {"reply_id": "reply"}),
    ("GET", "/replies/{reply_id}/attachments/{number}"): Case(
        "view", {"reply_id": "reply", "number": "first"}
    ),
    ("POST", "/replies/{reply_id}/confirm"): Case("work_accounts", {"reply_id": "reply"}),
    ("POST", "/replies/{reply_id}/handled"): Case("work_accounts", {"reply_id": "reply"}),
    ("GET", "/healthz"): Case(None),
    # The portal is reached by token, not by login; tests/portal covers it.
    ("GET", "/p/{token}"): Case(None, {"token": "token"}),
    ("POST", "/p/{token}/promise"): Case(None, {"token": "token"}),
    ("POST", "/p/{token}/dispute"): Case(None, {"token": "token"}),
    ("POST", "/p/{token}/feedback"): Case(None, {"token": "token"}),
    ("POST", "/p/{token}/pay"): Case(None, {"token": "token"}),
    ("GET", "/p/{token}/statement.pdf"): Case(None, {"token": "token"}),
    ("GET", "/p/{token}/invoices/{number}.pdf"): Case(None, {"token": "token"}),
    # A payment provider's events: signed by the provider, not by a browser (no CSRF);
    # tests/payments covers them.
    ("POST", "/payments/{provider}/webhook"): Case(None, {"provider": "provider"}),
}
SIGNED_BY_PROVIDER = {("POST", "/payments/{provider}/webhook")}


def app_routes() -> set[tuple[str, str]]:
    """Every (method, path) the app serves, from its OpenAPI description."""
    app = create_app(database_url="sqlite://", migrate=False)
    paths = app.openapi()["paths"]
    return {(method.upper(), path) for path, methods in paths.items() for method in methods}


def test_every_route_is_covered() -> None:
    assert app_routes() == set(ROUTES)


def _session(world: World, user_key: str) -> tuple[str, str]:
    """Log a user of ``alpha`` in directly: (cookie token, CSRF token)."""
    with transaction(world.engine, actor="test") as session:
        user = auth.get_user(session, org_id=world.a.id, user_id=world.a.users[user_key])
        token = auth.start_session(session, user=user)
        found = auth.resolve_session(session, token=token)
        assert found is not None
        return token, found[1].csrf_token


def _fresh_contact(world: World, customer_id: int, org_id: int) -> int:
    """A new contact of the customer (a removed one cannot be removed twice)."""
    with transaction(world.engine, actor="test") as session:
        contact = ledger.add_contact(
            session, org_id=org_id, customer_id=customer_id, name="Pat Example"
        )
        return contact.id


def _fresh_webhook(world: World, org_id: int) -> tuple[int, int]:
    """A new subscription of the organisation and a delivery of it (a removed or
    disabled one cannot be removed or replayed again)."""
    with transaction(world.engine, actor="test") as session:
        subscription = webhooks.add_subscription(
            session, org_id=org_id, url="https://hooks.example/r", events="promise.made"
        )
        webhooks.emit(session, org_id=org_id, type="promise.made", data={})
        (delivery,) = webhooks.deliveries(session, org_id=org_id, subscription_id=subscription.id)
        return subscription.id, delivery.id


def _fresh_reply(world: World, org_id: int, customer_id: int) -> int:
    """A new reply (a remittance PDF attached) from C1 to its own reply address."""
    with transaction(world.engine, actor="test") as session:
        inbound.set_address(session, org_id=org_id, address="ar@acme.example")
        address = inbound.reply_address(session, org_id=org_id, customer_id=customer_id)
        token = address.split("+")[1].split("@")[0]
        unique = f"<{uuid.uuid4().hex}@customer.example>".encode()
        raw = eml("paid_remittance", token=token)
        raw = raw.replace(b"<DB9PR01MB7262A1@customer.example>", unique)
        return inbound.receive(session, org_id=org_id, raw=raw, received_at=utcnow()).reply.id


def _fresh_api_token(world: World, org_id: int) -> int:
    """A new API token of the organisation (a revoked one is revoked again harmlessly)."""
    with transaction(world.engine, actor="test") as session:
        return api_tokens.create_token(session, org_id=org_id, scopes="read").token.id


def _ids(world: World, org: str) -> dict[str, str]:
    chosen = world.a if org == "a" else world.b
    webhook, delivery = _fresh_webhook(world, chosen.id)
    return {
        "webhook": str(webhook),
        "delivery": str(delivery),
        "contact": str(_fresh_contact(world, chosen.customers["C1"], chosen.id)),
        "customer": str(chosen.customers["C1"]),
        "user": str(chosen.users["spare" if org == "a" else "admin"]),
        "upload": "A" * 24,  # no such upload in either organisation
        "token": "not-a-token",
        "dispute": str(chosen.disputes[0]),
        "task": str(chosen.tasks[0]),
        "handoff": str(chosen.handoffs[0]),
        "handoff_kind": "handoff",
        "message": str(chosen.messages[0]),
        "first": "1",
        "currency": "EUR" if org == "a" else "CHF",
        "invoice": str(chosen.invoices[f"{org.upper()}-C1-2"]),
        "statement": str(chosen.statements[0]),
        "line": str(chosen.lines[0]),
        "second_line": str(chosen.lines[1]),
        "api_token": str(_fresh_api_token(world, chosen.id)),
        "reply": str(_fresh_reply(world, chosen.id, chosen.customers["C1"])),
        "policy": "default" if org == "a" else "beta-has-no-such-policy",
    }


def _url(path: str, case: Case, ids: dict[str, str]) -> str:
    for param, key in case.params.items():
        path = path.replace("{" + param + "}", ids[key])
    return path


def _request(  # type: ignore[no-untyped-def]
    client: TestClient, method: str, url: str, case: Case, csrf: str | None, ids: dict[str, str]
):
    if method == "GET":
        return client.get(url)
    data = {key: ids[value[1:]] if value.startswith("@") else value
            for key, value in case.form.items()}  # fmt: skip
    if csrf is not None:
        data["csrf_token"] = csrf
    return client.post(url, data=data)


LOGGED_IN_ROUTES = sorted(key for key, case in ROUTES.items() if case.permission)


@pytest.mark.parametrize("role", sorted(ALL))
@pytest.mark.parametrize(("method", "path"), LOGGED_IN_ROUTES)
def test_role_permissions(world: World, role: str, method: str, path: str) -> None:
    case = ROUTES[(method, path)]
    client = make_client(world)
    token, csrf = _session(world, role)
    client.cookies.set("recoup_session", token)
    ids = _ids(world, "a")
    response = _request(client, method, _url(path, case, ids), case, csrf, ids)
    allowed = role in WHO_MAY[case.permission or "logged_in"]
    if allowed:
        # Own records: the page or action works (a missing upload is a 404 of its own).
        expected_missing = "upload_id" in case.params
        assert response.status_code not in (401, 403, 500), response.text[:500]
        assert (response.status_code == 404) == expected_missing, response.text[:500]
    else:
        assert response.status_code == 403, response.text[:500]
        assert "Your role does not allow this" in response.text


@pytest.mark.parametrize(("method", "path"), LOGGED_IN_ROUTES)
def test_anonymous_is_sent_to_login(world: World, method: str, path: str) -> None:
    case = ROUTES[(method, path)]
    client = make_client(world)
    ids = _ids(world, "a")
    response = _request(client, method, _url(path, case, ids), case, None, ids)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


RECORD_ROUTES = sorted(key for key, case in ROUTES.items() if case.permission and case.params)


@pytest.mark.parametrize(("method", "path"), RECORD_ROUTES)
def test_another_organisations_records_are_not_found(world: World, method: str, path: str) -> None:
    """An admin of alpha (who may do everything) gets 404 for beta's ids."""
    case = ROUTES[(method, path)]
    client = make_client(world)
    token, csrf = _session(world, "admin")
    client.cookies.set("recoup_session", token)
    ids = _ids(world, "b")
    response = _request(client, method, _url(path, case, ids), case, csrf, ids)
    assert response.status_code == 404, response.text[:500]
    assert "B C1" not in response.text


POST_ROUTES = sorted(key for key in ROUTES if key[0] == "POST" and key not in SIGNED_BY_PROVIDER)


@pytest.mark.parametrize(("method", "path"), POST_ROUTES)
def test_posts_without_a_csrf_token_are_refused(world: World, method: str, path: str) -> None:
    case = ROUTES[(method, path)]
    client = make_client(world)
    token, _ = _session(world, "admin")
    client.cookies.set("recoup_session", token)
    ids = _ids(world, "a")
    response = client.post(_url(path, case, ids), data=dict(case.form) | {"csrf_token": "forged"})
    assert response.status_code == 403, response.text[:500]


def test_provider_events_without_a_signature_are_refused(world: World) -> None:
    client = make_client(world)
    response = client.post("/payments/stripe/webhook", content=b'{"id": "evt_1"}')
    assert response.status_code == 400
    assert client.post("/payments/nobody/webhook", content=b"{}").status_code == 404
    huge = client.post("/payments/stripe/webhook", content=b" " * 1_000_001)
    assert huge.status_code == 413


def test_ids_that_are_not_numbers_are_not_found(world: World) -> None:
    client = make_client(world)
    token, _ = _session(world, "admin")
    client.cookies.set("recoup_session", token)
    assert client.get("/customers/abc").status_code == 404
    assert client.get("/customers/99999999").status_code == 404
