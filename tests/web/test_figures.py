"""Figures kept between visits (``recoup.web.figures``) follow the ledger at once: a
payment applied a moment ago shows on the next visit of the dashboard and worklist."""

from datetime import timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from recoup.db import transaction
from recoup.ledger import service as ledger
from recoup.web import figures
from recoup.web.repository import account_totals
from tests.web.support import AS_OF, World, log_in, make_client


def _overdue(world: World) -> int:
    with transaction(world.engine, actor="test") as session:
        (account,) = [
            a for a in account_totals(session, world.a.id, AS_OF)
            if a.customer_id == world.a.customers["C2"]
        ]  # fmt: skip
        return account.overdue


def test_a_payment_shows_on_the_next_visit(world: World) -> None:
    manager = make_client(world)
    log_in(manager, "manager@alpha.example")
    before = manager.get("/worklist?collector=")
    assert "1,200.00" in before.text  # C2's invoice 45 days late
    assert manager.get("/").status_code == 200
    with transaction(world.engine, actor="test") as session:
        _pay(session, world, "200.00")
    after = manager.get("/worklist?collector=")
    assert "1,000.00" in after.text
    assert _overdue(world) == 100_000
    # Nothing kept: the same figures.
    figures.forget()
    assert "1,000.00" in manager.get("/worklist?collector=").text


def test_a_figure_is_kept_while_its_tables_do_not_change(world: World) -> None:
    with transaction(world.engine, actor="test") as session:
        calls: list[int] = []

        def compute() -> int:
            calls.append(1)
            return len(calls)

        key = ("test figure",)
        first = figures.cached(session, world.a.id, key, figures.LEDGER, compute)
        again = figures.cached(session, world.a.id, key, figures.LEDGER, compute)
        other = figures.cached(session, world.b.id, key, figures.LEDGER, compute)
        assert (first, again, other) == (1, 1, 2)  # per organisation
        _pay(session, world, "1.00")  # the same transaction sees its own change
        assert figures.cached(session, world.a.id, key, figures.LEDGER, compute) == 3


def _pay(session: Session, world: World, amount: str) -> None:
    customer_id = world.a.customers["C2"]
    payment = ledger.record_payment(
        session, org_id=world.a.id, customer_id=customer_id, received_on=AS_OF,
        amount=Decimal(amount), currency="GBP", external_id=f"PAY-{amount}",
    )  # fmt: skip
    ledger.allocate(
        session, org_id=world.a.id, invoice_id=world.a.invoices["A-C2-1"],
        amount=Decimal(amount), on=AS_OF - timedelta(days=0), payment_id=payment.id,
    )  # fmt: skip
