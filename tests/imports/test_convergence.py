"""The invoice list, credit notes, payments and the invoice list again, imported in any
order, end at the accounting system's open balances (issue 11).

A settlement (money the invoice list reports and Recoup has not seen) is replaced by the
real credit note or payment when it comes in, and taken back when the accounting system
reports more open again: nothing is counted twice.
"""

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from recoup.audit import verification
from recoup.imports.columns import Kind
from recoup.imports.service import ImportResult, import_rows
from recoup.ledger import service as ledger
from recoup.ledger.models import CreditNote, Invoice, Payment
from tests.factories import make_customer, make_org


def amount(minor: int) -> str:
    return str(Decimal(minor).scaleb(-2))


@dataclass(frozen=True)
class Source:
    """The accounting system's books for one customer, minor units."""

    totals: list[int]
    credited: list[int]  # of invoice i, by credit note CN-i
    remaining: list[int]  # of CN-i, not yet applied
    paid: list[int]  # of invoice i, by payment P1
    other: list[int]  # of invoice i, by money neither file shows (a discount, a refund)
    unapplied: int  # of P1
    names_invoice: bool  # the credit-notes file names each note's invoice
    report_credits: bool  # the invoice list also lists the credit notes (QuickBooks)

    def open(self, i: int) -> int:
        return self.totals[i] - self.credited[i] - self.paid[i] - self.other[i]

    def invoice_list(self) -> tuple[list[str], list[list[str]]]:
        header = ["Type", "No.", "Customer", "Date", "Due date", "Amount", "Open balance"]
        rows = [
            [
                "Invoice",
                f"INV-{i}",
                "C1",
                "2026-03-01",
                "2026-03-31",
                amount(t),
                amount(self.open(i)),
            ]
            for i, t in enumerate(self.totals)
        ]
        if self.report_credits:
            rows += [
                [
                    "Credit Memo",
                    f"CN-{i}",
                    "C1",
                    "2026-03-05",
                    "2026-03-05",
                    amount(-(c + r)),
                    amount(-r),
                ]
                for i, (c, r) in enumerate(zip(self.credited, self.remaining, strict=True))
                if c + r
            ]
        return header, rows

    def credit_notes(self) -> tuple[list[str], list[list[str]]]:
        header = ["number", "customer", "issue_date", "total", "remaining", "invoice"]
        return header, [
            [
                f"CN-{i}",
                "C1",
                "2026-03-05",
                amount(c + r),
                amount(r),
                f"INV-{i}" if self.names_invoice else "",
            ]
            for i, (c, r) in enumerate(zip(self.credited, self.remaining, strict=True))
            if c + r
        ]

    def payments(self) -> tuple[list[str], list[list[str]]]:
        header = ["external_id", "customer", "received_on", "amount", "invoices"]
        applied = ";".join(f"INV-{i}:{amount(p)}" for i, p in enumerate(self.paid) if p)
        total = sum(self.paid) + self.unapplied
        return header, [["P1", "C1", "2026-03-10", amount(total), applied]] if total else []


@st.composite
def sources(draw: st.DrawFn) -> Source:
    count = draw(st.integers(min_value=1, max_value=3))
    totals, credited, paid, other = [], [], [], []
    for _ in range(count):
        total = draw(st.integers(min_value=100, max_value=50_000))
        c = draw(st.integers(min_value=0, max_value=total))
        p = draw(st.integers(min_value=0, max_value=total - c))
        o = draw(st.sampled_from([0, 0, total - c - p, (total - c - p) // 2]))
        totals.append(total)
        credited.append(c)
        paid.append(p)
        other.append(o)
    remaining = [draw(st.sampled_from([0, 0, 150, 2_000])) for _ in range(count)]
    return Source(
        totals,
        credited,
        remaining,
        paid,
        other,
        draw(st.sampled_from([0, 500])),
        draw(st.booleans()),
        draw(st.booleans()),
    )


def run(session: Session, org_id: int, source: Source, step: str) -> ImportResult:
    kind, (header, rows) = {
        "L": (Kind.INVOICES, source.invoice_list()),
        "C": (Kind.CREDIT_NOTES, source.credit_notes()),
        "P": (Kind.PAYMENTS, source.payments()),
    }[step]
    return import_rows(session, org_id=org_id, kind=kind, header=header, rows=rows)


def balances(session: Session, org_id: int) -> dict[str, int]:
    found = {
        number: open_amount
        for number, open_amount in session.execute(
            select(Invoice.number, Invoice.open_amount).where(Invoice.org_id == org_id)
        )
    }
    found |= {
        number: open_amount
        for number, open_amount in session.execute(
            select(CreditNote.number, CreditNote.open_amount).where(CreditNote.org_id == org_id)
        )
    }
    found |= {
        external_id: left
        for external_id, left in session.execute(
            select(Payment.external_id, Payment.unallocated_amount).where(
                Payment.org_id == org_id, Payment.external_id == "P1"
            )
        )
    }
    return found


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    source=sources(),
    order=st.permutations(["C", "P", "L"]),
    again=st.lists(st.sampled_from(["C", "P", "L"]), max_size=2),
)
def test_any_order_ends_at_the_accounting_systems_balances(
    session: Session, source: Source, order: list[str], again: list[str]
) -> None:
    org = make_org(session, slug=f"conv-{uuid.uuid4().hex[:10]}")
    make_customer(session, org=org, external_id="C1", name="Calder Ltd")
    # The invoices come first (the other files name them); then any order, repeats too.
    for step in ["L", *order, *again]:
        run(session, org.id, source, step)
    session.expire_all()

    expected = {f"INV-{i}": source.open(i) for i in range(len(source.totals))}
    expected |= {
        f"CN-{i}": r
        for i, (c, r) in enumerate(zip(source.credited, source.remaining, strict=True))
        if c + r
    }
    if sum(source.paid) + source.unapplied:
        expected["P1"] = source.unapplied
    assert balances(session, org.id) == expected
    assert ledger.balance_mismatches(session, org_id=org.id) == []


def test_a_credit_note_in_the_invoice_list_is_not_counted_twice(session: Session) -> None:
    """The issue's case: INV-1 of 1,260.00 shows 1,200.00 open because CN-1 of 60.00 is
    applied to it. The invoice list settles 60.00; the credit note then replaces that
    settlement instead of taking 60.00 more; the invoice list imports again unchanged."""
    org = make_org(session, slug=f"conv-{uuid.uuid4().hex[:10]}")
    make_customer(session, org=org, external_id="C1", name="Calder Ltd")
    listing = (
        ["number", "customer", "issue_date", "total", "open_balance"],
        [["INV-1", "C1", "2026-03-01", "1260.00", "1200.00"]],
    )
    notes = (
        ["number", "customer", "issue_date", "total", "invoice"],
        [["CN-1", "C1", "2026-03-05", "60.00", "INV-1"]],
    )

    def load(kind: Kind, table: tuple[list[str], list[list[str]]], **kw: bool) -> ImportResult:
        return import_rows(session, org_id=org.id, kind=kind, header=table[0], rows=table[1], **kw)

    first = load(Kind.INVOICES, listing)
    assert first.settlements == 1
    invoice = session.scalars(select(Invoice).where(Invoice.org_id == org.id)).one()
    assert invoice.open_amount == 120000
    settled = session.scalars(select(Payment).where(Payment.org_id == org.id)).one()
    assert (settled.external_id, settled.amount) == ("settled-INV-1-to-1200.00", 6000)

    dry = load(Kind.CREDIT_NOTES, notes, dry_run=True)
    assert dry.changes == [
        "row 2: create CN-1",
        "take back €60.00 settled on invoice INV-1 (replaced by credit note CN-1)",
    ]
    load(Kind.CREDIT_NOTES, notes)
    session.expire_all()
    assert invoice.open_amount == 120000  # not 1,140.00
    note = session.scalars(select(CreditNote).where(CreditNote.org_id == org.id)).one()
    assert (note.open_amount, note.status) == (0, "applied")
    assert session.scalars(select(Payment).where(Payment.org_id == org.id)).all() == []

    again = load(Kind.INVOICES, listing)
    assert (again.created, again.updated, again.unchanged, again.settlements) == (0, 0, 1, 0)
    session.expire_all()
    assert invoice.open_amount == 120000


def test_a_partial_replacement_settles_the_rest_again(session: Session, tmp_path: Path) -> None:
    """INV-1 of 100.00 shows 20.00 open: 80.00 settled. A payment of 30.00 to it comes in:
    the 80.00 settlement goes, 50.00 is settled again, 20.00 stays open."""
    org = make_org(session, slug=f"conv-{uuid.uuid4().hex[:10]}")
    make_customer(session, org=org, external_id="C1", name="Calder Ltd")
    import_rows(
        session,
        org_id=org.id,
        kind=Kind.INVOICES,
        header=["number", "customer", "issue_date", "total", "open_balance"],
        rows=[["INV-1", "C1", "2026-03-01", "100.00", "20.00"]],
    )
    import_rows(
        session,
        org_id=org.id,
        kind=Kind.PAYMENTS,
        header=["external_id", "customer", "received_on", "amount", "invoices"],
        rows=[["P1", "C1", "2026-03-10", "30.00", "INV-1"]],
    )
    session.expire_all()
    payments = {
        p.external_id: (p.amount, p.unallocated_amount)
        for p in session.scalars(select(Payment).where(Payment.org_id == org.id))
    }
    assert payments == {"P1": (3000, 0), "settled-INV-1-to-20.00": (5000, 0)}
    invoice = session.scalars(select(Invoice).where(Invoice.org_id == org.id)).one()
    assert (invoice.open_amount, invoice.status) == (2000, "open")
    assert ledger.balance_mismatches(session, org_id=org.id) == []
    report = verification.verify(session, org_id=org.id, root=tmp_path)
    assert report.mismatches == []
    assert report.broken is None


def test_more_open_in_the_accounting_system_takes_a_settlement_back(session: Session) -> None:
    """The invoice list said 40.00 open of 100.00, then (a payment reversed there) 90.00:
    50.00 of the 60.00 settlement is taken back."""
    org = make_org(session, slug=f"conv-{uuid.uuid4().hex[:10]}")
    make_customer(session, org=org, external_id="C1", name="Calder Ltd")
    header = ["number", "customer", "issue_date", "total", "open_balance"]
    for balance in ("40.00", "90.00"):
        import_rows(
            session,
            org_id=org.id,
            kind=Kind.INVOICES,
            header=header,
            rows=[["INV-1", "C1", "2026-03-01", "100.00", balance]],
        )
    session.expire_all()
    invoice = session.scalars(select(Invoice).where(Invoice.org_id == org.id)).one()
    assert invoice.open_amount == 9000
    (settled,) = session.scalars(select(Payment).where(Payment.org_id == org.id))
    assert (settled.amount, settled.external_id) == (1000, "settled-INV-1-to-90.00")
    assert date(2026, 3, 1) == settled.received_on
