"""The ledger's receivables on a past date, its snapshots and their backfill against a
plain-Python reckoning of random books: what was issued by then less what was allocated
by then, in due-date buckets, per currency."""

import random
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from recoup.analytics import core, service
from recoup.analytics.core import Kpi
from recoup.ledger import service as ledger
from tests.factories import make_invoice, make_org, make_payment

START = date(2026, 1, 1)


def _bucket(days_past_due: int) -> int:
    """current, 1-30, 31-60, 61-90, 90+."""
    for index, high in enumerate((0, 30, 60, 90)):
        if days_past_due <= high:
            return index
    return 4


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_receivables_on_any_day_match_a_plain_reckoning(session: Session, seed: int) -> None:
    rng = random.Random(seed)
    org = make_org(session)
    customers = {
        currency: ledger.create_customer(
            session, org_id=org.id, external_id=currency, name=currency, currency=currency
        )
        for currency in ("EUR", "GBP")
    }
    # (currency, issued, due, total, [(paid on, amount)]) in minor units.
    book: list[tuple[str, date, date, int, list[tuple[date, int]]]] = []
    for n in range(12):
        currency = rng.choice(["EUR", "GBP"])
        issued = START + timedelta(days=rng.randrange(0, 120))
        due = issued + timedelta(days=rng.choice([0, 14, 30, 60]))
        total = rng.randrange(1, 500) * 100
        invoice = make_invoice(
            session,
            customer=customers[currency],
            number=f"I{n}",
            total=str(Decimal(total) / 100),
            issue_date=issued,
            due_date=due,
        )
        paid: list[tuple[date, int]] = []
        left = total
        for k in range(rng.randrange(0, 3)):
            if left == 0:
                break
            amount = left if rng.random() < 0.5 else rng.randrange(1, left + 1)
            on = issued + timedelta(days=rng.randrange(0, 150))
            payment = make_payment(
                session,
                customer=customers[currency],
                amount=str(Decimal(amount) / 100),
                currency=currency,
                external_id=f"P{n}-{k}",
                received_on=on,
            )
            ledger.allocate(
                session,
                org_id=org.id,
                invoice_id=invoice.id,
                amount=Decimal(amount) / 100,
                on=on,
                payment_id=payment.id,
            )
            paid.append((on, amount))
            left -= amount
        book.append((currency, issued, due, total, paid))

    def reckoned(as_of: date) -> dict[tuple[str, int], list[int]]:
        out: dict[tuple[str, int], list[int]] = {}
        for currency, issued, due, total, paid in book:
            open_then = total - sum(a for on, a in paid if on <= as_of)
            if issued > as_of or open_then == 0:
                continue
            slot = out.setdefault((currency, _bucket((as_of - due).days)), [0, 0])
            slot[0] += open_then
            slot[1] += 1
        return out

    days = [START + timedelta(days=d) for d in range(0, 300, 7)]
    for as_of in days:
        found = {
            (currency, bucket): [amount, count]
            for currency, _, bucket, amount, count in ledger.receivables_on(
                session, org_id=org.id, as_of=as_of
            )
        }
        assert found == reckoned(as_of), as_of

    # Backfilled snapshots read back as the same month-end balances.
    service.backfill(session, org_id=org.id, start=date(2026, 3, 1), end=date(2026, 4, 30))
    stored = service.month_figures_from_snapshots(
        session, org_id=org.id, end=date(2026, 4, 30), months=1
    )
    for currency, points in stored.items():
        month, figures, complete = points[-1]
        expected = reckoned(date(2026, 4, 30))
        assert (month, complete) == ("2026-04", True)
        assert figures.ending_ar == sum(v[0] for (c, _), v in expected.items() if c == currency)
        assert figures.ending_current_ar == expected.get((currency, 0), [0])[0]
        from_ledger = service.kpi_rows(
            session, org_id=org.id, start=date(2026, 4, 1), end=date(2026, 4, 30)
        )
        row = next(r for r in from_ledger if r.currency == currency)
        assert core.kpis(figures)[Kpi.DSO] == row.values[Kpi.DSO]
        assert core.kpis(figures)[Kpi.CEI] == row.values[Kpi.CEI]
