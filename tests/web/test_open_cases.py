"""Cases that contradict each other are refused on the customer page in the cases
service's words, and every open case (plans and hand-offs too) shows under "Open cases"."""

import re

from sqlalchemy import func, select

from recoup.cases import agency
from recoup.cases.models import Handoff, PaymentPlan, Promise
from recoup.db import transaction
from tests.web.support import World, log_in, make_client


def count(world: World, model: type) -> int:  # type: ignore[type-arg]
    with transaction(world.engine, actor="test") as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def open_cases(html: str) -> str:
    found = re.search(r'<section class="card" id="open-cases">(.*?)</section>', html, re.S)
    assert found is not None
    return found.group(1)


def test_a_plan_shows_and_what_contradicts_it_is_refused(world: World) -> None:
    client = make_client(world)
    csrf = log_in(client, "collector@alpha.example")
    url = f"/customers/{world.a.customers['C1']}"
    disputed, other = world.a.invoices["A-C1-1"], world.a.invoices["A-C1-2"]
    dispute_id = world.a.disputes[0]
    with transaction(world.engine, actor="test") as session:  # the world's pending hand-off
        agency.reject_handoff(
            session,
            org_id=world.a.id,
            handoff_id=world.a.handoffs[0],
            approver="manager@alpha.example",
            approver_role="manager",
        )
    agreed = client.post(
        f"{url}/plans",
        data={"invoice": [str(disputed), str(other)], "instalments": "3",
              "first_due": "2026-07-15", "csrf_token": csrf},
    )  # fmt: skip
    assert agreed.status_code == 303
    with transaction(world.engine, actor="test") as session:
        (plan_id,) = session.scalars(select(PaymentPlan.id)).all()
    shown = open_cases(client.get(url).text)
    # 1200.00 + 300.50 in three: 500.16, 500.16, 500.18; A-C1-1 is in dispute (pricing).
    assert f"payment plan #{plan_id}</span> €1,500.50 left, next €500.16 due 15 Jul 2026" in shown
    assert f"(messages held while dispute #{dispute_id} open)" in shown
    assert f"dispute #{dispute_id}" in shown

    # A promise on the same invoices (a call with a date) is refused, and says why.
    promises = count(world, Promise)
    refused = client.post(
        f"{url}/calls",
        data={"outcome": "promised", "promised_on": "2026-07-10", "csrf_token": csrf},
    )
    assert refused.status_code == 422
    assert (
        f"invoice A-C1-1 is in payment plan #{plan_id}: "
        "its instalments are the customer&#39;s promise" in refused.text
    )
    assert count(world, Promise) == promises

    # So is a hand-off of the disputed invoice.
    handoffs = count(world, Handoff)
    asked = client.post(
        f"{url}/handoff", data={"invoice": str(disputed), "agency": "DH", "csrf_token": csrf}
    )
    assert asked.status_code == 422
    assert (
        f"invoice A-C1-1 is in open dispute #{dispute_id} (pricing): resolve the dispute "
        "before handing the invoice to an agency" in asked.text
    )
    assert count(world, Handoff) == handoffs


def test_the_plan_form_takes_the_plan_rules_number_of_instalments(world: World) -> None:
    # One rule for the page and the API (``cases.core.MAX_INSTALMENTS``): the form
    # offers 1 to 120 and the rule's own words refuse more.
    client = make_client(world)
    csrf = log_in(client, "manager@alpha.example")
    url = f"/customers/{world.a.customers['C2']}"
    assert 'name="instalments" min="1" max="120"' in client.get(url).text
    form = {"invoice": [str(world.a.invoices["A-C2-1"])], "first_due": "2026-07-15",
            "csrf_token": csrf}  # fmt: skip
    plans = count(world, PaymentPlan)
    refused = client.post(f"{url}/plans", data=form | {"instalments": "121"})
    assert refused.status_code == 422
    assert "must be between 1 and 120" in refused.text
    assert count(world, PaymentPlan) == plans
    agreed = client.post(f"{url}/plans", data=form | {"instalments": "1"})
    assert agreed.status_code == 303
    assert count(world, PaymentPlan) == plans + 1
