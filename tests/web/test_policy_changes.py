"""The policies page: a change proposed by one person takes effect only when another
manager or admin approves it (the proposer's own approval is refused and writes nothing);
policies assigned to a customer or an invoice from the policies and customer pages,
audited; every role, and another organisation's ids."""

from sqlalchemy import select

from recoup.approvals.models import ApprovalRequest, ApprovalStatus
from recoup.audit.models import AuditEvent
from recoup.db import transaction
from recoup.policy.definition import POLICY_DIR, shipped_policies
from recoup.policy.models import OrgPolicy, PolicyAssignment
from recoup.policy.versions import org_policies, policy_text
from tests.web.support import World, log_in, make_client


def _slower_default(days: int = 35) -> str:
    """The shipped default policy with its courtesy call ``days`` past due (not 30)."""
    text = (POLICY_DIR / "default.yaml").read_text(encoding="utf-8")
    assert "days_from_due: 30}" in text
    return text.replace("days_from_due: 30}", f"days_from_due: {days}}}")


def _requests(world: World) -> list[ApprovalRequest]:
    with transaction(world.engine, actor="test") as session:
        rows = session.scalars(
            select(ApprovalRequest).where(ApprovalRequest.kind == "policy")
        ).all()
        session.expunge_all()
        return list(rows)


def _default_of(world: World, org_id: int) -> int | None:
    with transaction(world.engine, actor="test") as session:
        policies = org_policies(session, org_id=org_id, base=shipped_policies())
        step = next(s for s in policies["default"].steps if s.name == "courtesy call")
        return step.trigger.days_from_due


def test_a_policy_change_waits_for_a_second_person(world: World) -> None:
    collector = make_client(world)
    csrf = log_in(collector, "collector@alpha.example")
    page = collector.get("/policies")
    assert 'action="/policies/default/change"' in page.text
    assert 'action="/policies/assign"' not in page.text  # assigning is a manager's
    proposed = collector.post(
        "/policies/default/change",
        data={
            "text": _slower_default(),
            "reason": "Customers pay late in August",
            "csrf_token": csrf,
        },
    )
    assert proposed.status_code == 303, proposed.text[:400]
    (request,) = _requests(world)
    assert request.status == ApprovalStatus.PENDING
    assert request.customer_id is None
    assert "'courtesy call': 30 days past due → 35 days past due" in request.summary
    assert _default_of(world, world.a.id) == 30  # nothing changed yet

    again = collector.post(
        "/policies/default/change",
        data={"text": _slower_default(), "reason": "again", "csrf_token": csrf},
    )
    assert again.status_code == 409  # one pending change per policy
    assert f"policy change #{request.id}" in again.text
    assert len(_requests(world)) == 1

    manager = make_client(world)
    csrf = log_in(manager, "manager@alpha.example")
    queue = manager.get("/approvals")
    assert "35 days past due" in queue.text
    assert f'action="/approvals/policy/{request.id}/approve"' in queue.text
    approved = manager.post(
        f"/approvals/policy/{request.id}/approve", data={"reason": "Fine", "csrf_token": csrf}
    )
    assert approved.status_code == 303
    assert _default_of(world, world.a.id) == 35
    assert _default_of(world, world.b.id) == 30  # beta keeps the file's policy
    with transaction(world.engine, actor="test") as session:
        stored = session.scalars(select(OrgPolicy)).one()
        assert (stored.org_id, stored.name, stored.requested_by, stored.approved_by) == (
            world.a.id,
            "default",
            "collector@alpha.example",
            "manager@alpha.example",
        )
        audited = session.scalars(
            select(AuditEvent).where(AuditEvent.entity == "org_policies")
        ).all()
        assert len(audited) == 1
    shown = manager.get("/policies")
    assert "35 days past due" in shown.text  # the page shows the version in use


def test_the_proposer_cannot_approve_their_own_policy_change(world: World) -> None:
    manager = make_client(world)
    csrf = log_in(manager, "manager@alpha.example")
    text = _slower_default(40)
    proposed = manager.post(
        "/policies/default/change",
        data={"text": text, "reason": "Slower still", "csrf_token": csrf},
    )
    assert proposed.status_code == 303
    pending = [r for r in _requests(world) if r.status == ApprovalStatus.PENDING]
    (request,) = pending
    queue = manager.get("/approvals")
    assert "You asked for this" in queue.text
    own = manager.post(
        f"/approvals/policy/{request.id}/approve", data={"reason": "", "csrf_token": csrf}
    )
    assert own.status_code == 403
    assert "another manager or admin must decide it" in own.text
    assert _default_of(world, world.a.id) == 35  # unchanged

    admin = make_client(world)
    csrf = log_in(admin, "admin@alpha.example")
    empty = admin.post(
        f"/approvals/policy/{request.id}/reject", data={"reason": " ", "csrf_token": csrf}
    )
    assert empty.status_code == 422
    rejected = admin.post(
        f"/approvals/policy/{request.id}/reject",
        data={"reason": "Too slow for the strict customers", "csrf_token": csrf},
    )
    assert rejected.status_code == 303
    assert _default_of(world, world.a.id) == 35
    assert [r.status for r in _requests(world) if r.id == request.id] == ["rejected"]


def test_a_proposed_policy_is_checked_before_it_waits(world: World) -> None:
    collector = make_client(world)
    csrf = log_in(collector, "collector@alpha.example")
    before = len(_requests(world))
    cases = [
        ("default", "name: default\nsteps: []\n", "reason", "steps"),
        ("default", _slower_default(41), " ", "say why the policy changes"),
        ("default", policy_text_of(world, "strict"), "why", "keep the name 'default'"),
        ("gentle", policy_text_of(world, "gentle"), "why", "changes nothing"),
    ]
    for name, text, reason, message in cases:
        refused = collector.post(
            f"/policies/{name}/change", data={"text": text, "reason": reason, "csrf_token": csrf}
        )
        assert refused.status_code == 422, message
        assert message in refused.text.replace("&#39;", "'"), refused.text[
            refused.text.find("field-error") : refused.text.find("field-error") + 300
        ]
    assert len(_requests(world)) == before  # nothing written
    missing = collector.post(
        "/policies/nosuch/change", data={"text": "x", "reason": "y", "csrf_token": csrf}
    )
    assert missing.status_code == 404


def policy_text_of(world: World, name: str) -> str:
    with transaction(world.engine, actor="test") as session:
        return policy_text(session, org_id=world.a.id, name=name)


def test_viewers_see_policies_but_neither_propose_nor_assign(world: World) -> None:
    viewer = make_client(world)
    csrf = log_in(viewer, "viewer@alpha.example")
    page = viewer.get("/policies")
    assert page.status_code == 200
    assert "/change" not in page.text
    assert "/policies/assign" not in page.text
    text = policy_text_of(world, "gentle")
    assert (
        viewer.post(
            "/policies/gentle/change", data={"text": text, "reason": "x", "csrf_token": csrf}
        ).status_code
        == 403
    )
    assert (
        viewer.post(
            "/policies/assign", data={"policy": "strict", "customer": "C1", "csrf_token": csrf}
        ).status_code
        == 403
    )
    customer_id = world.a.customers["C1"]
    assert (
        viewer.post(
            f"/customers/{customer_id}/policy", data={"policy": "strict", "csrf_token": csrf}
        ).status_code
        == 403
    )
    collector = make_client(world)
    csrf = log_in(collector, "collector@alpha.example")
    assert (
        collector.post(
            "/policies/assign", data={"policy": "strict", "customer": "C1", "csrf_token": csrf}
        ).status_code
        == 403
    )


def _assignments(world: World) -> list[tuple[int, int | None, int | None, str]]:
    with transaction(world.engine, actor="test") as session:
        rows = session.execute(
            select(
                PolicyAssignment.org_id,
                PolicyAssignment.customer_id,
                PolicyAssignment.invoice_id,
                PolicyAssignment.policy,
            ).order_by(PolicyAssignment.id)
        ).all()
        return [tuple(r) for r in rows]  # type: ignore[misc]


def test_a_manager_assigns_policies_to_a_customer_and_an_invoice(world: World) -> None:
    manager = make_client(world)
    csrf = log_in(manager, "manager@alpha.example")
    by_customer = manager.post(
        "/policies/assign", data={"policy": "strict", "customer": "C2", "csrf_token": csrf}
    )
    assert by_customer.status_code == 303
    by_invoice = manager.post(
        "/policies/assign", data={"policy": "gentle", "invoice": "A-C1-1", "csrf_token": csrf}
    )
    assert by_invoice.status_code == 303
    a = world.a
    assert _assignments(world) == [
        (a.id, a.customers["C2"], None, "strict"),
        (a.id, None, a.invoices["A-C1-1"], "gentle"),
    ]
    page = manager.get("/policies")
    assert "A C2 Kunde GmbH" in page.text
    assert "A-C1-1" in page.text
    customer_page = manager.get(f"/customers/{a.customers['C2']}")
    assert "Escalation policy: strict" in customer_page.text

    # The customer page: back to the organisation's policy, then gentle.
    back = manager.post(
        f"/customers/{a.customers['C2']}/policy", data={"policy": "", "csrf_token": csrf}
    )
    assert back.status_code == 303
    chosen = manager.post(
        f"/customers/{a.customers['C2']}/policy", data={"policy": "gentle", "csrf_token": csrf}
    )
    assert chosen.status_code == 303
    unknown = manager.post(
        f"/customers/{a.customers['C2']}/policy", data={"policy": "nosuch", "csrf_token": csrf}
    )
    assert unknown.status_code == 422
    assert "unknown policy" in unknown.text
    assert _assignments(world) == [
        (a.id, None, a.invoices["A-C1-1"], "gentle"),
        (a.id, a.customers["C2"], None, "gentle"),
    ]
    with transaction(world.engine, actor="test") as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.entity == "policy_assignments")
        ).all()
        assert len(events) == 4  # created, created, deleted, created
        assert {e.actor for e in events} == {"user:manager@alpha.example"}


def test_another_organisations_ids_are_not_found(world: World) -> None:
    before = _assignments(world)
    manager = make_client(world)
    csrf = log_in(manager, "manager@alpha.example")
    b = world.b
    elsewhere = manager.post(
        f"/customers/{b.customers['C1']}/policy", data={"policy": "strict", "csrf_token": csrf}
    )
    assert elsewhere.status_code == 404
    for field, value in (("customer", "C9"), ("invoice", "B-C1-1")):
        refused = manager.post(
            "/policies/assign", data={"policy": "strict", field: value, "csrf_token": csrf}
        )
        assert refused.status_code == 404
        assert "no invoice numbered" in refused.text or "C9" in refused.text
    assert _assignments(world) == before

    # Beta's admin cannot decide alpha's policy change, nor sees it.
    admin_b = make_client(world)
    csrf = log_in(admin_b, "admin@beta.example")
    alpha_request = _requests(world)[0].id
    assert "policy change" not in admin_b.get("/approvals").text.lower()
    assert admin_b.post(
        f"/approvals/policy/{alpha_request}/approve", data={"reason": "", "csrf_token": csrf}
    ).status_code in (404, 409)
