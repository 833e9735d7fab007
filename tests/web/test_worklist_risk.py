"""With a trained late-payment model the worklist ranks accounts by the expected amount
at risk (open amount × probability of paying late) and shows it as a column; without
one, today's order and no column."""

import re
from datetime import UTC, date, datetime, time

from sqlalchemy import delete
from sqlalchemy.orm import Session

from recoup.analytics.prediction import service as prediction
from recoup.analytics.prediction.models import PredictionModel
from recoup.db import transaction
from recoup.ledger import service as ledger
from recoup.ledger.models import Invoice
from recoup.web import service
from recoup.web.formatting import format_money
from recoup.web.repository import WorklistFilter
from tests.analytics.prediction.test_service import NOW, book  # noqa: F401 - the fixture
from tests.factories import make_invoice
from tests.web.support import AS_OF, World, log_in, make_client

ROW = re.compile(
    r'<a class="strong" href="/customers/(\d+)">.*?<span class="muted small">[^<]*· (\w{3})</span>',
    re.S,
)


def test_the_worklist_ranks_by_expected_amount_at_risk(world: World) -> None:
    client = make_client(world)
    log_in(client, "manager@alpha.example")
    before = client.get("/worklist").text
    assert "At risk</th>" not in before
    with transaction(world.engine, actor="test") as session:
        prediction.train(session, org_id=world.a.id, now=datetime.combine(AS_OF, time(9), UTC))
        at_risk = prediction.amounts_at_risk(session, org_id=world.a.id, as_of=AS_OF)
    try:
        page = client.get("/worklist").text
        assert "At risk</th>" in page
        shown = [(int(c), cur) for c, cur in ROW.findall(page)]
        assert len(shown) >= 2
        amounts = [at_risk.get(account, 0) for account in shown]
        assert amounts == sorted(amounts, reverse=True)
        cells = re.findall(r'<td class="num hide-sm at-risk">([^<]*)</td>', page)
        assert cells == [format_money(at_risk.get((c, cur), 0), cur) for c, cur in shown]
    finally:
        with transaction(world.engine, actor="test") as session:
            session.execute(delete(PredictionModel).where(PredictionModel.org_id == world.a.id))


def test_the_expected_amount_at_risk_overrides_todays_order(
    session: Session,
    book: dict[str, Invoice],  # noqa: F811
) -> None:
    a4, b2 = book["A4"], book["B2"]
    org_id = a4.org_id
    a = ledger.customer_by_id(session, org_id=org_id, customer_id=a4.customer_id)
    b = ledger.customer_by_id(session, org_id=org_id, customer_id=b2.customer_id)
    make_invoice(session, customer=b, number="B3", total="300.00", issue_date=date(2026, 4, 1))
    make_invoice(session, customer=a, number="A5", total="1000.00", issue_date=date(2026, 4, 20))
    day = date(2026, 5, 5)  # A4, B2, B3 (due 1 May) overdue; A5 due 20 May

    def order() -> list[tuple[str, int]]:
        found = service.worklist(
            session,
            org_id=org_id,
            as_of=day,
            where=WorklistFilter(),
            page=1,
            fmt=format_money,
        )
        return [
            (r.external_id, found.at_risk.get((r.customer_id, r.currency), -1)) for r in found.rows
        ]

    # Today's order: B's 500.00 overdue before A's 400.00; no amounts at risk.
    assert order() == [("B", -1), ("A", -1)]
    prediction.train(session, org_id=org_id, now=NOW)
    prediction.store_scores(session, org_id=org_id, as_of=day)  # that day's run scores
    # A: A4 overdue (certain) + A5 at A's 100 % = 1,400.00; B: its overdue 500.00.
    assert order() == [("A", 1_400_00), ("B", 500_00)]
