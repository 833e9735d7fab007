"""Customers and contacts made and changed in the web app: the ledger's checks (those of
the imports), the field named on a refusal with nothing written, audited changes, and
large credit-limit increases through the approvals queue."""

import json

from sqlalchemy import select

from recoup.approvals.models import ApprovalRequest
from recoup.audit.models import AuditEvent
from recoup.db import transaction
from recoup.ledger import service as ledger
from recoup.ledger.models import Contact, Customer
from tests.web.support import World, log_in, make_client


def _customer(world: World, external_id: str) -> Customer:
    with transaction(world.engine, actor="test") as session:
        found = ledger.get_customer(session, org_id=world.a.id, external_id=external_id)
        session.expunge(found)
        return found


def _events(world: World, entity: str, entity_id: int) -> list[tuple[str, str, dict[str, object]]]:
    with transaction(world.engine, actor="test") as session:
        rows = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.org_id == world.a.id, AuditEvent.entity == entity,
                   AuditEvent.entity_id == entity_id)
            .order_by(AuditEvent.seq)
        ).all()  # fmt: skip
        return [(e.actor, e.action, json.loads(e.after or "{}")) for e in rows]


def test_a_manager_adds_a_customer_checked_as_an_import_row(world: World) -> None:
    client = make_client(world)
    csrf = log_in(client, "manager@alpha.example")
    assert 'action="/customers/new"' in client.get("/customers/new").text
    assert 'href="/customers/new"' in client.get("/worklist").text
    form = {"external_id": "N-1", "name": "Neukunde AG", "currency": "eur", "country": "DE",
            "vat_number": "DE000", "tags": "retail, north,retail", "payment_terms_days": "14",
            "payment_terms_basis": "", "legal_hold": "1", "csrf_token": csrf}  # fmt: skip
    bad = client.post("/customers/new", data=form)
    assert bad.status_code == 422
    assert "vat_number:" in bad.text
    assert 'value="Neukunde AG"' in bad.text  # the form comes back filled in
    with transaction(world.engine, actor="test") as session:
        names = {c.name for c in ledger.customers(session, org_id=world.a.id)}
        assert "Neukunde AG" not in names  # nothing written
    good = client.post("/customers/new", data=form | {"vat_number": "DE136695976"})
    assert good.status_code == 303
    made = _customer(world, "N-1")
    assert good.headers["location"] == f"/customers/{made.id}"
    assert (made.currency, made.country, made.language, made.payment_terms_days) == (
        "EUR", "DE", "de", 14,  # the language of the country when none is given
    )  # fmt: skip
    assert (made.tags, made.legal_hold, made.do_not_contact) == (["north", "retail"], True, False)
    assert [(actor, action) for actor, action, _ in _events(world, "customers", made.id)] == [
        ("user:manager@alpha.example", "create")
    ]
    twice = client.post("/customers/new", data=form | {"vat_number": "DE136695976"})
    assert twice.status_code == 422
    assert "external_id: customer &#39;N-1&#39; already exists" in twice.text


def test_details_are_all_checked_before_any_is_saved(world: World) -> None:
    client = make_client(world)
    csrf = log_in(client, "admin@alpha.example")
    customer_id = world.a.customers["C2"]
    page = client.get(f"/customers/{customer_id}/edit")
    assert page.status_code == 200
    assert 'value="A C2 Kunde GmbH"' in page.text
    # Day 40 of the following month does not exist: the name change is not kept either.
    bad = client.post(
        f"/customers/{customer_id}/edit",
        data={"name": "Renamed Ltd", "payment_terms_days": "40",
              "payment_terms_basis": "following_month", "csrf_token": csrf},
    )  # fmt: skip
    assert bad.status_code == 422
    assert "payment_terms_days: a day of the month is 1 to 31, got 40" in bad.text
    assert _customer(world, "C2").name == "A C2 Kunde GmbH"
    good = client.post(
        f"/customers/{customer_id}/edit",
        data={"name": "Renamed Ltd", "country": "GB", "language": "", "payment_terms_days": "15",
              "payment_terms_basis": "following_month", "tags": "key account",
              "do_not_contact": "1", "status": "on_hold", "sales_owner": "sam@alpha.example",
              "collector": "spare@alpha.example", "csrf_token": csrf},
    )  # fmt: skip
    assert good.status_code == 303, good.text[:300]
    after = _customer(world, "C2")
    assert (after.name, after.country, after.language) == ("Renamed Ltd", "GB", "en")
    assert (after.payment_terms_days, after.payment_terms_basis) == (15, "following_month")
    assert (after.tags, after.do_not_contact, after.legal_hold, after.status) == (
        ["key account"], True, False, "on_hold",
    )  # fmt: skip
    assert (after.sales_owner, after.collector) == ("sam@alpha.example", "spare@alpha.example")
    updates = [e for e in _events(world, "customers", customer_id) if e[1] == "update"]
    assert updates[-1][0] == "user:admin@alpha.example"
    assert updates[-1][2]["name"] == "Renamed Ltd"


def test_a_large_credit_limit_increase_waits_for_a_second_person(world: World) -> None:
    client = make_client(world)
    csrf = log_in(client, "manager@alpha.example")
    customer_id = world.a.customers["C2"]
    base = {"name": "Renamed Ltd", "csrf_token": csrf}
    no_reason = client.post(f"/customers/{customer_id}/edit", data=base | {"credit_limit": "5000"})
    assert no_reason.status_code == 422
    assert "limit_reason: say why" in no_reason.text
    assert _customer(world, "C2").credit_limit_amount is None
    first = client.post(
        f"/customers/{customer_id}/edit",
        data=base | {"credit_limit": "5000", "limit_reason": "Annual review"},
    )
    assert first.status_code == 303
    assert _customer(world, "C2").credit_limit_amount == 500000  # first set: at once
    large = client.post(
        f"/customers/{customer_id}/edit",
        data=base | {"credit_limit": "20000", "limit_reason": "Big order"},
    )
    assert large.status_code == 303
    assert _customer(world, "C2").credit_limit_amount == 500000  # unchanged until approved
    with transaction(world.engine, actor="test") as session:
        request = session.scalars(
            select(ApprovalRequest).where(ApprovalRequest.customer_id == customer_id)
        ).one()
        assert (request.status, request.amount, request.requested_by) == (
            "pending", 2000000, "manager@alpha.example",
        )  # fmt: skip
    negative = client.post(
        f"/customers/{customer_id}/edit", data=base | {"credit_limit": "-1", "limit_reason": "x"}
    )
    assert negative.status_code == 422
    assert "credit_limit: must not be negative" in negative.text


def test_collectors_keep_contacts_but_not_the_details(world: World) -> None:
    client = make_client(world)
    csrf = log_in(client, "collector@alpha.example")
    customer_id = world.a.customers["C1"]
    page = client.get(f"/customers/{customer_id}/edit")
    assert page.status_code == 200
    assert f'action="/customers/{customer_id}/edit"' not in page.text  # no details form
    assert "Edit details and contacts" in client.get(f"/customers/{customer_id}").text
    refused = client.post(
        f"/customers/{customer_id}/edit", data={"name": "Mine now", "csrf_token": csrf}
    )
    assert refused.status_code == 403
    bad = client.post(
        f"/customers/{customer_id}/contacts",
        data={"name": "Ann Payable", "email": "ann@", "csrf_token": csrf},
    )
    assert bad.status_code == 422
    assert "email:" in bad.text
    odd = client.post(
        f"/customers/{customer_id}/contacts",
        data={"name": "Ann", "preferred_channel": "pigeon", "csrf_token": csrf},
    )
    assert odd.status_code == 422
    assert "preferred_channel: unknown preferred channel &#39;pigeon&#39;" in odd.text
    added = client.post(
        f"/customers/{customer_id}/contacts",
        data={"name": "Ann Payable", "email": "Ann@C1.example ", "role": "ap", "language": "fr",
              "preferred_channel": "phone", "opted_out": ["sms", "letter"], "csrf_token": csrf},
    )  # fmt: skip
    assert added.status_code == 303
    with transaction(world.engine, actor="test") as session:
        contact = session.scalars(
            select(Contact).where(Contact.customer_id == customer_id, Contact.name == "Ann Payable")
        ).one()
        contact_id = contact.id
        assert (contact.email, contact.role, contact.language, contact.preferred_channel,
                contact.opted_out) == ("Ann@C1.example", "ap", "fr", "phone", ["letter", "sms"])  # fmt: skip
    changed = client.post(
        f"/customers/{customer_id}/contacts/{contact_id}",
        data={"name": "Ann Payable", "email": "Ann@C1.example", "role": "ap",
              "preferred_channel": "email", "csrf_token": csrf},
    )  # fmt: skip
    assert changed.status_code == 303
    with transaction(world.engine, actor="test") as session:
        contact = session.get(Contact, contact_id)
        assert contact is not None
        assert (contact.preferred_channel, contact.opted_out, contact.language) == ("email", [], "")
    other = world.a.customers["C2"]
    wrong_customer = client.post(
        f"/customers/{other}/contacts/{contact_id}/remove", data={"csrf_token": csrf}
    )
    assert wrong_customer.status_code == 404
    removed = client.post(
        f"/customers/{customer_id}/contacts/{contact_id}/remove", data={"csrf_token": csrf}
    )
    assert removed.status_code == 303
    actions = [(a, act) for a, act, _ in _events(world, "contacts", contact_id)]
    assert actions == [("user:collector@alpha.example", "create"),
                       ("user:collector@alpha.example", "update"),
                       ("user:collector@alpha.example", "delete")]  # fmt: skip
