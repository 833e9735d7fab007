"""A change to an escalation policy: validated when asked, in force for the organisation
only once a second person (a manager or an admin, not the requester) approves it, and
then used by the daily run."""

from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy.orm import Session

from recoup.approvals import service as approvals
from recoup.approvals.models import ApprovalStatus
from recoup.approvals.service import OwnRequest
from recoup.cases.core import NotAllowed
from recoup.errors import Conflict, InvalidInput, RowsRejected
from recoup.jobs.daily import run_day
from recoup.policy.definition import POLICY_DIR, shipped_policies
from recoup.policy.versions import org_policies
from tests.factories import make_customer, make_invoice, make_org

DAY = date(2026, 3, 2)


def _default_text(pre_due_days: int) -> str:
    text = (POLICY_DIR / "default.yaml").read_text(encoding="utf-8")
    return text.replace("days_from_due: -3}", f"days_from_due: -{pre_due_days}}}")


def _pre_due(session: Session, org_id: int) -> int | None:
    policies = org_policies(session, org_id=org_id, base=shipped_policies())
    return policies["default"].steps[0].trigger.days_from_due


def test_a_policy_change_takes_effect_when_another_manager_approves(session: Session) -> None:
    org = make_org(session)
    other = make_org(session, slug="other")
    customer = make_customer(session, org=org)
    make_invoice(
        session, customer=customer, total="100.00", issue_date=date(2026, 2, 1),
        due_date=DAY + date.resolution * 5,
    )  # fmt: skip
    request = approvals.request_policy_change(
        session, org_id=org.id, text=_default_text(5), reason="Remind earlier",
        requested_by="kim@example.com", policies=shipped_policies(), on=DAY,
    )  # fmt: skip
    assert request.summary == (
        "Change policy default: step 'pre-due reminder': 3 days before due → 5 days before due"
    )
    assert _pre_due(session, org.id) == -3
    now = datetime.combine(DAY, time(7), UTC)
    before = run_day(session, org_id=org.id, as_of=DAY, now=now, policies=shipped_policies())
    assert before.actions == []  # due in 5 days: the reminder comes 3 days before

    with pytest.raises(OwnRequest):
        approvals.approve(
            session, org_id=org.id, kind="policy", request_id=request.id,
            by="KIM@example.com", role="manager",
        )  # fmt: skip
    with pytest.raises(NotAllowed):
        approvals.approve(
            session, org_id=org.id, kind="policy", request_id=request.id,
            by="sam@example.com", role="collector",
        )  # fmt: skip
    with pytest.raises(Conflict):  # one pending change per policy
        approvals.request_policy_change(
            session, org_id=org.id, text=_default_text(6), reason="Even earlier",
            requested_by="sam@example.com", policies=shipped_policies(), on=DAY,
        )  # fmt: skip
    decision = approvals.approve(
        session, org_id=org.id, kind="policy", request_id=request.id, by="lee@example.com",
        role="manager", on=DAY,
    )  # fmt: skip
    assert decision.status == ApprovalStatus.APPROVED
    assert _pre_due(session, org.id) == -5
    assert _pre_due(session, other.id) == -3  # the other organisation keeps the file's
    after = run_day(
        session, org_id=org.id, as_of=DAY + date.resolution, now=now + date.resolution,
        policies=shipped_policies(),
    )  # fmt: skip
    assert [a.step for a in after.actions] == ["pre-due reminder"]


def test_a_policy_change_that_changes_nothing_or_is_invalid_is_refused(session: Session) -> None:
    org = make_org(session)
    for text, reason, field in (
        (_default_text(3), "same", "text"),
        (_default_text(4), " ", "reason"),
    ):
        with pytest.raises(InvalidInput) as raised:
            approvals.request_policy_change(
                session, org_id=org.id, text=text, reason=reason, requested_by="kim@example.com",
                policies=shipped_policies(),
            )  # fmt: skip
        assert raised.value.field == field
    with pytest.raises(RowsRejected):
        approvals.request_policy_change(
            session, org_id=org.id, text="name: default\nsteps: nope\n", reason="broken",
            requested_by="kim@example.com", policies=shipped_policies(),
        )  # fmt: skip
    assert approvals.pending(session, org_id=org.id) == []
