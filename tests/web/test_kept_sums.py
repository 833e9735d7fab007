"""The whole ledger's sums the pages keep per customer (``recoup.web.figures.summed``)
equal a full recompute after any run of ledger changes: invoices, payments applied and
unapplied, allocations undone, payments withdrawn (deleted), credit notes, write-offs,
outbox rows (the outbox's counts, what the engine did and plans); on SQLite and PostgreSQL. Each change commits on its own, as the web's
and the workers' transactions do, and the next visit sums again only the customers
changed (the look-back margin set to none, so that the window is exactly "since the
last visit")."""

import random
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from recoup.analytics import service as analytics
from recoup.comms.models import OutboxKind, OutboxMessage, OutboxStatus
from recoup.db import transaction
from recoup.ledger import queries
from recoup.ledger import service as ledger
from recoup.ledger.models import Allocation, Invoice, InvoiceStatus, Payment
from recoup.web import figures, repository, service
from recoup.web.assignments import _open_since
from tests.web.support import AS_OF, World

Change = Callable[[Session, int, random.Random, int], None]


def _customers(session: Session, org: int) -> list[int]:
    return sorted(r.id for r in queries.customer_refs(session, org_id=org))


def _open(session: Session, org: int) -> list[Invoice]:
    return list(
        session.scalars(
            select(Invoice)
            .where(Invoice.org_id == org, Invoice.status == InvoiceStatus.OPEN)
            .where(Invoice.open_amount > 0)
            .order_by(Invoice.id)
        )
    )


def _currency(session: Session, org: int, customer_id: int) -> str:
    record = queries.customer_record(session, org_id=org, customer_id=customer_id)
    assert record is not None
    return record.currency


def new_invoice(session: Session, org: int, rnd: random.Random, step: int) -> None:
    customers = _customers(session, org)
    if rnd.random() < 0.3:
        customer = ledger.create_customer(
            session, org_id=org, external_id=f"N{step}", name=f"New {step}",
            currency=rnd.choice(["EUR", "GBP"]),
        )  # fmt: skip
        customers = [customer.id]
    customer_id = rnd.choice(customers)
    due = AS_OF + timedelta(days=rnd.randint(-200, 40))
    ledger.create_invoice(
        session, org_id=org, customer_id=customer_id, number=f"K-{step}",
        issue_date=due - timedelta(days=30), due_date=due,
        total=Decimal(rnd.randint(1, 5000)), currency=_currency(session, org, customer_id),
    )  # fmt: skip


def pay(session: Session, org: int, rnd: random.Random, step: int) -> None:
    invoices = _open(session, org)
    if not invoices:
        return
    invoice = rnd.choice(invoices)
    amount = Decimal(rnd.randint(1, invoice.open_amount)) / 100
    payment = ledger.record_payment(
        session, org_id=org, customer_id=invoice.customer_id, received_on=AS_OF,
        amount=amount + Decimal(rnd.choice([0, 0, 5])), currency=invoice.currency,
        external_id=f"P-{step}",
    )  # fmt: skip
    ledger.allocate(
        session, org_id=org, invoice_id=invoice.id, amount=amount, on=AS_OF,
        payment_id=payment.id,
    )  # fmt: skip


def unapplied_payment(session: Session, org: int, rnd: random.Random, step: int) -> None:
    customer_id = rnd.choice(_customers(session, org))
    ledger.record_payment(
        session, org_id=org, customer_id=customer_id, received_on=AS_OF,
        amount=Decimal(rnd.randint(1, 900)), currency=_currency(session, org, customer_id),
        external_id=f"U-{step}",
    )  # fmt: skip


def undo_allocation(session: Session, org: int, rnd: random.Random, step: int) -> None:
    ids = list(session.scalars(select(Allocation.id).where(Allocation.org_id == org)))
    if ids:
        ledger.reverse_allocations(
            session, org_id=org, reason="test", allocation_ids=[rnd.choice(ids)]
        )


def withdraw(session: Session, org: int, rnd: random.Random, step: int) -> None:
    ids = list(session.scalars(select(Payment.id).where(Payment.org_id == org)))
    if ids:
        ledger.withdraw_payment(session, org_id=org, payment_id=rnd.choice(ids), reason="test")


def credit(session: Session, org: int, rnd: random.Random, step: int) -> None:
    invoices = _open(session, org)
    if not invoices:
        return
    invoice = rnd.choice(invoices)
    amount = Decimal(rnd.randint(1, invoice.open_amount)) / 100
    note = ledger.create_credit_note(
        session, org_id=org, customer_id=invoice.customer_id, number=f"CN-{step}",
        issue_date=AS_OF, total=amount + Decimal(rnd.choice([0, 3])), currency=invoice.currency,
    )  # fmt: skip
    ledger.allocate(
        session, org_id=org, invoice_id=invoice.id, amount=amount, on=AS_OF,
        credit_note_id=note.id,
    )  # fmt: skip


def write_off(session: Session, org: int, rnd: random.Random, step: int) -> None:
    invoices = _open(session, org)
    if not invoices:
        return
    invoice = rnd.choice(invoices)
    amount = Decimal(invoice.open_amount) / 100
    note = ledger.create_credit_note(
        session, org_id=org, customer_id=invoice.customer_id, number=f"WO-{step}",
        issue_date=AS_OF, total=amount, currency=invoice.currency, reason="write-off",
    )  # fmt: skip
    ledger.allocate(
        session, org_id=org, invoice_id=invoice.id, amount=amount, on=AS_OF,
        credit_note_id=note.id,
    )  # fmt: skip
    ledger.mark_written_off(session, org_id=org, invoice_id=invoice.id)


def outbox(session: Session, org: int, rnd: random.Random, step: int) -> None:
    rows = list(session.scalars(select(OutboxMessage).where(OutboxMessage.org_id == org)))
    sent = datetime(2026, 6, 29, 10, tzinfo=UTC)  # the day before AS_OF
    if rows and rnd.random() < 0.5:
        row = rnd.choice(rows)
        row.status = rnd.choice(list(OutboxStatus))
        row.sent_at = sent if row.status == OutboxStatus.SENT else None
        row.template = rnd.choice(["friendly_reminder", "final_notice"])
        session.flush()
        return
    session.add(
        OutboxMessage(
            org_id=org, key=f"kept:{step}",
            customer_id=rnd.choice([None, *_customers(session, org)]),
            kind=rnd.choice([OutboxKind.EMAIL, OutboxKind.LETTER]),
            template="friendly_reminder", recipient="ap@example.com", sent_at=sent,
            status=rnd.choice(list(OutboxStatus)), attempts=0,
            next_attempt_at=datetime(2026, 6, 29, 9, tzinfo=UTC), subject="s",
            body_text="t", body_html="", payload={},
        )
    )  # fmt: skip
    session.flush()


CHANGES: Sequence[Change] = (
    new_invoice, pay, unapplied_payment, undo_allocation, withdraw, credit, write_off, outbox,
)  # fmt: skip


def _kept(session: Session, org: int) -> dict[str, Any]:
    """The figures as the pages read them (kept, summed again per changed customer)."""
    labels, totals = service.aging_totals(session, org, AS_OF)
    return {
        "aging": (labels, totals),
        "sales": service.credit_sales(session, org, AS_OF),
        "accounts": list(service._accounts(session, org, AS_OF)),
        "open since": dict(_open_since(session, org)),
        "outbox": _outbox_counts(session, org),
        "planned": service._activity(session, org, AS_OF, planned=True),
        "done": service._activity(session, org, AS_OF - timedelta(days=1), planned=False),
    }


def _outbox_counts(session: Session, org: int) -> dict[str, int]:
    found = figures.summed(
        session, org, ("outbox counts",), figures.OUTBOX_ROWS,
        lambda customers: repository.outbox_count_rows(session, org, customers),
        figures.Totals,
    )  # fmt: skip
    return {status: sums[0] for status, sums in found.items()}


def _full(session: Session, org: int) -> dict[str, Any]:
    """The same figures summed over the whole ledger by their owners' own queries."""
    report = ledger.aging_report(session, org_id=org, as_of=AS_OF, by_customer=False)
    return {
        "aging": (
            report.labels,
            [line._replace(customer="TOTAL", customer_name="Total") for line in report.totals],
        ),
        "sales": analytics.credit_sales(
            session, org_id=org, start=AS_OF - timedelta(days=364), end=AS_OF
        ),
        "accounts": repository.account_totals(session, org, AS_OF),
        "open since": repository.oldest_open_due(session, org),
        "outbox": repository.outbox_counts(session, org),
        "planned": repository.engine_activity(
            session, org, _midnight(0), _midnight(1), planned=True
        ),
        "done": repository.engine_activity(
            session, org, _midnight(-1), _midnight(0), planned=False
        ),
    }


def _midnight(days: int) -> datetime:
    day = AS_OF + timedelta(days=days)
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_kept_sums_equal_a_full_recompute_after_any_changes(
    world: World, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(figures, "LOOKBACK", timedelta(0))
    monkeypatch.setattr(figures, "SQLITE_LOOKBACK", timedelta(0))
    figures.forget()
    rnd = random.Random(seed)
    org = world.a.id
    summed: list[Any] = []
    real = repository.aging_rows

    def spied(*args: Any) -> Any:
        summed.append(args[-1])  # the customers summed again (None: all)
        return real(*args)

    monkeypatch.setattr(repository, "aging_rows", spied)
    with transaction(world.engine, actor="test") as session:
        assert _kept(session, org) == _full(session, org)
    for step in range(14):
        change = rnd.choice(CHANGES)
        with transaction(world.engine, actor="test") as session:
            change(session, org, rnd, seed * 100 + step)
        with transaction(world.engine, actor="test") as session:
            assert _kept(session, org) == _full(session, org), (step, change.__name__)
    assert summed[0] is None  # the first visit sums every customer
    assert all(customers is not None for customers in summed[1:])  # then only the changed
    with transaction(world.engine, actor="test") as session:  # the other organisation
        assert _kept(session, world.b.id) == _full(session, world.b.id)


def test_sums_are_made_again_when_a_write_is_rolled_back(world: World) -> None:
    """A visit inside a transaction that writes and then rolls back (a failed request)
    kept what the rollback took away: the next visit sums all again."""
    figures.forget()
    org = world.a.id
    with transaction(world.engine, actor="test") as session:
        before = _full(session, org)
        assert _kept(session, org) == before
    session = Session(world.engine)
    try:
        new_invoice(session, org, random.Random(7), 99)
        assert _kept(session, org) == _full(session, org) != before
    finally:
        session.rollback()
        session.close()
    with transaction(world.engine, actor="test") as session:
        assert _kept(session, org) == _full(session, org) == before
