"""What the customer is told after promising on the portal: the truth, in their language
— noted, or passed to the team because a promise is already pending."""

from contextlib import suppress

import pytest

from recoup.cases import agency
from recoup.db import transaction
from recoup.errors import Conflict
from tests.portal.links import issue
from tests.web.support import World, csrf_of, make_client


@pytest.mark.parametrize(
    ("lang", "noted", "pending"),
    [
        (
            "en",
            "Thank you. We have noted your promise to pay on 10 Jul 2026.",
            "Thank you. You have already promised to pay on 10 Jul 2026, and that promise "
            "stands. We have passed your new date, 20 Jul 2026, to our credit team, who will "
            "contact you to agree it.",
        ),
        (
            "de",
            "Vielen Dank. Wir haben Ihre Zahlungszusage für den 10.07.2026 notiert.",
            "Vielen Dank. Sie haben bereits eine Zahlung zum 10.07.2026 zugesagt; diese "
            "Zusage bleibt bestehen. Ihren neuen Termin, den 20.07.2026, haben wir an unsere "
            "Buchhaltung weitergegeben, die sich mit Ihnen in Verbindung setzt, um ihn "
            "abzustimmen.",
        ),
    ],
)
def test_a_second_promise_is_answered_truthfully(
    world: World, lang: str, noted: str, pending: str
) -> None:
    client = make_client(world)
    # C1's pending hand-off turned down (once: the world is shared by the cases here).
    with transaction(world.engine, actor="test") as session, suppress(Conflict):
        agency.reject_handoff(
            session,
            org_id=world.a.id,
            handoff_id=world.a.handoffs[0],
            approver="manager@alpha.example",
            approver_role="manager",
        )
    token = issue(world, customer="C1" if lang == "de" else "C2")
    csrf = csrf_of(client.get(f"/p/{token}?lang={lang}").text)
    first = client.post(
        f"/p/{token}/promise",
        data={"promised_on": "2026-07-10", "csrf_token": csrf, "lang": lang},
    )
    assert first.status_code == 303
    assert "done=promise&" in first.headers["location"]
    assert noted in client.get(first.headers["location"]).text
    second = client.post(
        f"/p/{token}/promise",
        data={"promised_on": "2026-07-20", "csrf_token": csrf, "lang": lang},
    )
    assert second.status_code == 303
    assert "done=promise_pending&" in second.headers["location"]
    answer = client.get(second.headers["location"]).text
    assert pending in answer
    assert noted not in answer
