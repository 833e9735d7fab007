"""The customer page: markers of the open cases on each open invoice, and a balance that
reconciles on screen (open invoices + charges − credits = balance, charges on their own
lines)."""

import re
from datetime import UTC, datetime, time
from decimal import Decimal

from sqlalchemy import delete

from recoup.analytics.prediction import service as prediction
from recoup.analytics.prediction.models import PredictionModel
from recoup.cases import promises
from recoup.charges import service as charges
from recoup.charges.core import LateFee
from recoup.db import transaction
from recoup.web.formatting import format_day
from tests.web.support import AS_OF, World, log_in, make_client


def _row(html: str, number: str) -> str:
    start = html.index(f'<td class="nowrap">{number}')
    return html[start : html.index("</tr>", start)]


def test_open_invoices_carry_markers_of_their_cases(world: World) -> None:
    with transaction(world.engine, actor="test") as session:
        promise = promises.add_promise(
            session,
            org_id=world.a.id,
            customer_id=world.a.customers["C2"],
            items=[(world.a.invoices["A-C2-1"], None)],
            promised_on=AS_OF,
            made_on=AS_OF,
        )
        promise_id = promise.id
    try:
        client = make_client(world)
        log_in(client, "manager@alpha.example")
        c1 = client.get(f"/customers/{world.a.customers['C1']}").text
        # A-C1-1 is disputed; A-C1-2 awaits a hand-off's approval.
        assert re.findall(r"marker-([a-z-]+)", _row(c1, "A-C1-1")) == ["dispute"]
        assert re.findall(r"marker-([a-z-]+)", _row(c1, "A-C1-2")) == ["hand-off"]
        c2 = client.get(f"/customers/{world.a.customers['C2']}").text
        assert re.findall(r"marker-([a-z-]+)", _row(c2, "A-C2-1")) == ["promise"]
        assert re.findall(r"marker-([a-z-]+)", _row(c2, "A-C2-2")) == []
    finally:
        with transaction(world.engine, actor="test") as session:
            promises.cancel_promise(session, org_id=world.a.id, promise_id=promise_id)


def test_the_balance_reconciles_with_charges_on_their_own_lines(world: World) -> None:
    with transaction(world.engine, actor="test") as session:
        result = charges.charge_late_fee(
            session,
            org_id=world.a.id,
            invoice_id=world.a.invoices["A-C2-1"],
            fee=LateFee(amount=Decimal("25")),
            key="test:late-fee",
            as_of=AS_OF,
        )
        assert result.created, result.reason
    client = make_client(world)
    log_in(client, "viewer@alpha.example")
    page = client.get(f"/customers/{world.a.customers['C2']}").text
    charges_table = page.split('id="charges"', 1)[1].split("</table>", 1)[0]
    assert "£25.00" in charges_table  # the late fee, in the invoice's currency
    line = page.split('id="reconcile"', 1)[1].split("</p>", 1)[0]
    amounts = [a.replace(",", "") for a in re.findall(r"£([\d,]+\.\d\d)", line)]
    invoices, charged, credits, balance = (int(a.replace(".", "")) for a in amounts)
    # 1,200.00 + 300.50 open; the fee is its own line and part of the balance.
    assert invoices == 150_050
    assert charged == 2_500
    assert credits == 0
    assert balance == invoices + charged - credits


def test_the_outlook_line_shows_once_a_model_is_trained(world: World) -> None:
    client = make_client(world)
    log_in(client, "manager@alpha.example")
    c2 = world.a.customers["C2"]
    assert "likely to pay around" not in client.get(f"/customers/{c2}").text
    with transaction(world.engine, actor="test") as session:
        prediction.train(session, org_id=world.a.id, now=datetime.combine(AS_OF, time(9), UTC))
        outlook = prediction.customer_outlook(
            session, org_id=world.a.id, customer_id=c2, as_of=AS_OF
        )
    try:
        page = client.get(f"/customers/{c2}").text
        line = page.split('class="muted outlook">', 1)[1].split("</p>", 1)[0]
        first = outlook[0]
        percent = round(first.probability_late * 100)
        assert line.startswith(
            f"{first.currency}: likely to pay around {format_day(first.expected_on)}, "
            f"{percent} % chance of paying late"
        )
        assert all(reason in line for reason in first.reasons)
    finally:
        with transaction(world.engine, actor="test") as session:
            session.execute(delete(PredictionModel).where(PredictionModel.org_id == world.a.id))
