"""Matching at scale reads only the invoices a line can point to, and decides exactly as
with every invoice in memory."""

from datetime import date
from itertools import combinations

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from recoup.cashapp import core, service
from recoup.cashapp.reference import customer_reference
from recoup.ledger import service as ledger
from tests.factories import make_customer, make_invoice, make_org

DAY = date(2026, 3, 2)


def _reference_alnum(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch.isalnum())


@given(st.text())
def test_invoice_number_keys_are_those_of_the_plain_definition(text: str) -> None:
    assert core._alnum(text) == _reference_alnum(text)
    assert core._digits_key(text) == "".join(ch for ch in text if ch.isdigit()).lstrip("0")


def _item(n: int, amount: int) -> core.Item:
    return core.Item(n, f"INV-{n}", 1, "EUR", amount, DAY, DAY)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(1, 2000), min_size=0, max_size=18),
    st.integers(1, 6000),
    st.integers(0, 300),
)
def test_combinations_of_open_items_are_those_itertools_finds(
    amounts: list[int], amount: int, slack: int
) -> None:
    items = [_item(n, a) for n, a in enumerate(amounts)]
    expected: list[tuple[core.Item, ...]] = []
    pool = items[: core.SUBSET_ITEMS]
    for size in range(2, min(core.SUBSET_SIZE, len(pool)) + 1):
        for combo in combinations(pool, size):
            if amount - slack <= sum(i.open_amount for i in combo) <= amount:
                expected.append(combo)
        if len(expected) > 50:
            break
    assert core._subsets(items, amount, amount - slack) == expected


def test_the_sql_keys_find_invoices_as_payers_write_their_numbers(session: Session) -> None:
    org = make_org(session)
    customer = make_customer(session, org=org, external_id="C1", name="Nordwind GmbH")
    numbers = ["INV-001042", "2026/0042", "re 7.1", "AB_12:3#4,5", "X-0099-Y"]
    for number in numbers:
        make_invoice(session, customer=customer, number=number, total="10.00")
    by_key = ledger.invoice_rows_by_number_keys(
        session, org_id=org.id, keys=["INV001042", "20260042", "RE71", "AB12345", "X0099Y", "1042"]
    )
    assert [r.number for r in by_key] == numbers
    by_digits = ledger.invoice_rows_by_number_keys(
        session, org_id=org.id, keys=["1042", "20260042", "99", "12345"], digits=True
    )
    # "AB_12:3#4,5" has its letters before the digits; "X-0099-Y" around them.
    assert [r.number for r in by_digits] == ["INV-001042", "2026/0042", "AB_12:3#4,5", "X-0099-Y"]


def test_a_book_of_the_lines_candidates_decides_as_the_book_of_every_invoice(
    session: Session,
) -> None:
    org = make_org(session)
    nordwind = make_customer(session, org=org, external_id="C1042", name="Nordwind Logistik GmbH")
    harbour = make_customer(session, org=org, external_id="C2001", name="Blue Harbour Ltd")
    other = make_customer(session, org=org, external_id="C3001", name="Quiet Customer AG")
    make_invoice(session, customer=nordwind, number="INV-1042", total="500.00")
    make_invoice(session, customer=nordwind, number="INV-1057", total="250.00")
    make_invoice(session, customer=harbour, number="INV-2001", total="300.00")
    make_invoice(session, customer=harbour, number="INV-2002", total="120.00")
    make_invoice(session, customer=other, number="INV-3001", total="120.00")
    make_invoice(session, customer=other, number="INV-3002", total="999.00")
    silent = make_customer(session, org=org, external_id="C4001", name="Zebra Silent Ltd")
    unread = make_invoice(session, customer=silent, number="INV-4001", total="777.00")
    lines = [
        core.Line(75000, "EUR", DAY, remittance="INV 1042/1057"),
        core.Line(30000, "EUR", DAY, creditor_reference=customer_reference(harbour.id)),
        core.Line(12000, "EUR", DAY, remittance="payment"),  # the amount only: two fit
        core.Line(50000, "EUR", DAY, payer_name="NORDWIND LOGISTIK"),
        core.Line(20000, "EUR", DAY, remittance="C3001"),
        core.Line(1000, "EUR", DAY, remittance="nothing"),
    ]
    full = service.book(session, org_id=org.id)
    partial = service.book_for(session, org_id=org.id, lines=lines)
    # Nothing points to the fourth customer: its invoice is not read.
    assert {i.invoice_id for i in full.items} - {i.invoice_id for i in partial.items} == {unread.id}
    for line in lines:
        assert core.decide(partial, line) == core.decide(full, line)
