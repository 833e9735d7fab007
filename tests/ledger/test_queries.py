"""The ledger's typed reads for other domains (``recoup.ledger.queries``): frozen views,
and the statements that take the other domain's side of a join as a select."""

import dataclasses
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from recoup.ledger import queries
from recoup.ledger import service as ledger
from recoup.ledger.enums import Channel, ContactRole, CustomerStatus
from recoup.ledger.models import Invoice
from tests.factories import (
    make_credit_note,
    make_customer,
    make_invoice,
    make_org,
    make_payment,
)


def test_an_invoice_is_read_as_a_frozen_view_of_its_organisation(session: Session) -> None:
    org, other = make_org(session), make_org(session, slug="other")
    customer = make_customer(session, org=org)
    invoice = make_invoice(session, customer=customer, number="A-1", total="120.00")
    view = queries.invoice(session, org_id=org.id, invoice_id=invoice.id)
    assert view is not None
    assert (view.number, view.customer_id, view.status) == ("A-1", customer.id, "open")
    assert (view.total_amount, view.open_amount, view.currency) == (12000, 12000, "EUR")
    with pytest.raises(dataclasses.FrozenInstanceError):
        view.open_amount = 0  # type: ignore[misc]
    assert queries.invoice(session, org_id=other.id, invoice_id=invoice.id) is None
    locked = queries.invoice(session, org_id=org.id, invoice_id=invoice.id, lock=True)
    assert locked == view
    assert queries.invoice_by_number(session, org_id=org.id, number="A-1") == view
    assert queries.invoice_by_number(session, org_id=other.id, number="A-1") is None


def test_a_customer_is_read_as_a_view_and_allocations_by_invoice(session: Session) -> None:
    org = make_org(session)
    customer = make_customer(session, org=org, external_id="C7", name="Seven SA")
    paid, unpaid = (
        make_invoice(session, customer=customer, number=n, total="100.00") for n in ("A", "B")
    )
    payment = make_payment(session, customer=customer, amount="30.00")
    ledger.allocate(
        session,
        org_id=org.id,
        invoice_id=paid.id,
        amount=Decimal("30.00"),
        on=date(2026, 2, 3),
        payment_id=payment.id,
    )
    assert queries.customer(session, org_id=org.id, customer_id=customer.id) == (
        queries.CustomerView(customer.id, "C7", "Seven SA", "EUR", False)
    )
    assert queries.allocations_to(session, org_id=org.id, invoice_id=paid.id) == [
        (date(2026, 2, 3), 3000)
    ]
    assert queries.allocations_to_each(
        session, org_id=org.id, invoice_ids=[paid.id, unpaid.id]
    ) == {paid.id: [(date(2026, 2, 3), 3000)], unpaid.id: []}


def test_late_among_a_partitions_open_invoices_by_customer_due_date_and_id(
    session: Session,
) -> None:
    org = make_org(session)
    first = make_customer(session, org=org, external_id="C1")
    second = make_customer(session, org=org, external_id="C2")
    second.is_consumer = True
    due = {"A-1": date(2026, 1, 31), "A-2": date(2026, 1, 10), "A-3": date(2026, 3, 1)}
    made = {
        number: make_invoice(session, customer=first, number=number, due_date=day)
        for number, day in due.items()
    }
    made["B-1"] = make_invoice(session, customer=second, number="B-1", due_date=date(2026, 1, 5))
    rows = queries.dunning_open_invoices(session, org_id=org.id)
    by_day = date(2026, 2, 1)
    assert queries.late_among(rows, by_day) == [
        (made["A-2"].id, first.id, date(2026, 1, 10)),  # by customer, then due date
        (made["A-1"].id, first.id, date(2026, 1, 31)),
        (made["B-1"].id, second.id, date(2026, 1, 5)),  # A-3 is not due by then
    ]
    assert queries.late_among(rows, by_day, without={made["A-2"].id, made["B-1"].id}) == [
        (made["A-1"].id, first.id, date(2026, 1, 31))
    ]
    assert queries.late_among(rows, date(2026, 1, 4)) == []
    assert queries.consumers_among(session, org_id=org.id, customer_ids=[first.id, second.id]) == {
        second.id
    }
    assert queries.consumers_among(session, org_id=org.id, customer_ids=[first.id]) == set()


def test_invoices_no_longer_open_among_the_callers_in_its_order(session: Session) -> None:
    org = make_org(session)
    customer = make_customer(session, org=org)
    a, b, c = (make_invoice(session, customer=customer, number=n) for n in ("A", "B", "C"))
    payment = make_payment(session, customer=customer, amount="100.00")
    ledger.allocate(
        session,
        org_id=org.id,
        invoice_id=b.id,
        amount=Decimal("100.00"),
        on=date(2026, 2, 1),
        payment_id=payment.id,
    )
    other = aliased(Invoice)
    among = select(other.id, -other.id)  # newest first
    assert queries.invoices_no_longer_open(session, org_id=org.id, among=among) == [
        (b.id, customer.id, "paid")
    ]
    found = queries.invoices_no_longer_open(session, org_id=org.id, among=among, also=[a.id])
    assert found == [(b.id, customer.id, "paid"), (a.id, customer.id, "open")]
    assert c.id not in {row[0] for row in found}


def test_the_customers_whose_rows_changed_since_a_moment(session: Session) -> None:
    org = make_org(session)
    customer = make_customer(session, org=org)
    make_invoice(session, customer=customer)
    session.flush()
    before, after = datetime.now(UTC) - timedelta(hours=1), datetime.now(UTC) + timedelta(hours=1)
    invoices = queries.Followed.INVOICES
    assert queries.customers_changed_since(
        session, org_id=org.id, table=invoices, since=before
    ) == [customer.id]
    assert (
        queries.customers_changed_since(session, org_id=org.id, table=invoices, since=after) == []
    )
    assert queries.customers_changed_since(
        session, org_id=org.id, table=queries.Followed.CUSTOMERS, since=before
    ) == [customer.id]
    assert queries.last_change(session, org_id=org.id, table=invoices) is not None
    assert queries.last_change(session, org_id=org.id, table=queries.Followed.PAYMENTS) is None


def test_a_customers_open_invoices_oldest_due_first_and_invoices_by_id(session: Session) -> None:
    org, other = make_org(session), make_org(session, slug="other")
    customer = make_customer(session, org=org)
    later, sooner, gone = (
        make_invoice(session, customer=customer, number=number, due_date=due)
        for number, due in (
            ("B", date(2026, 3, 1)),
            ("A", date(2026, 2, 1)),
            ("C", date(2026, 1, 15)),
        )
    )
    payment = make_payment(session, customer=customer, amount="100.00")
    ledger.allocate(
        session,
        org_id=org.id,
        invoice_id=gone.id,
        amount=Decimal("100.00"),
        on=date(2026, 2, 3),
        payment_id=payment.id,
    )
    found = queries.open_invoices(session, org_id=org.id, customer_id=customer.id)
    assert [(view.number, view.status) for view in found] == [("A", "open"), ("B", "open")]
    assert found[0] == queries.invoice(session, org_id=org.id, invoice_id=sooner.id)
    assert queries.open_invoices(session, org_id=other.id, customer_id=customer.id) == []

    by_id = queries.invoices_among(session, org_id=org.id, invoice_ids=[gone.id, later.id])
    assert sorted((view.number, view.status) for view in by_id) == [
        ("B", "open"),
        ("C", "paid"),
    ]
    assert queries.invoices_among(session, org_id=other.id, invoice_ids=[later.id]) == []
    assert queries.invoices_among(session, org_id=org.id, invoice_ids=[]) == []


def test_the_overdue_accounts_sums_worked_by_hand(session: Session) -> None:
    org = make_org(session)
    late = make_customer(session, org=org, external_id="C1")
    early = make_customer(session, org=org, external_id="C2")
    make_invoice(session, customer=late, number="A", total="100.00", due_date=date(2026, 3, 1))
    make_invoice(
        session, customer=late, number="B", total="50.00", issue_date=date(2025, 11, 1),
        due_date=date(2025, 12, 1),
    )  # fmt: skip
    make_invoice(session, customer=late, number="C", total="20.00", due_date=date(2026, 4, 15))
    make_invoice(session, customer=early, number="D", total="70.00", due_date=date(2026, 5, 1))
    weights = [(None, date(2025, 12, 31), 3), (date(2026, 1, 1), date(2026, 3, 30), 1)]
    found = queries.overdue_accounts(
        session, org_id=org.id, as_of=date(2026, 3, 31), weights=weights
    )
    # open 170, overdue A + B = 150, over 90 days (due by 30 Dec) B = 50, two overdue,
    # the oldest due 1 Dec; score 100 x 1 + 50 x 3 = 250. C2 owes nothing overdue.
    assert found == [(late.id, "EUR", 17000, 15000, 5000, 2, date(2025, 12, 1), 25000)]
    assert queries.oldest_open_due(session, org_id=org.id, customers=[early.id]) == [
        (early.id, date(2026, 5, 1))
    ]


def test_the_invoice_list_searches_scopes_and_sorts_by_customer(session: Session) -> None:
    org = make_org(session)
    alpha = make_customer(session, org=org, external_id="C1", name="Alpha")
    beta = make_customer(session, org=org, external_id="C2", name="Beta")
    alpha.collector, beta.collector = " Ann ", "bob"
    alpha.tags = ["key"]
    a = make_invoice(session, customer=alpha, number="A-1", due_date=date(2026, 2, 1))
    make_invoice(session, customer=beta, number="B-1", due_date=date(2026, 1, 1))
    session.flush()

    def numbers(**match: object) -> list[str]:
        found = queries.invoice_list(
            session, org_id=org.id, match=queries.InvoiceMatch(**match), limit=10, offset=0
        )
        return [r.number for r in found]

    assert numbers() == ["B-1", "A-1"]  # by due date
    assert numbers(search="bet") == ["B-1"]
    assert numbers(assignees=("ANN",)) == ["A-1"]
    assert numbers(sort="number", descending=True) == ["B-1", "A-1"]
    assert numbers(sort="customer", descending=True) == ["B-1", "A-1"]
    assert numbers(overdue_on=date(2026, 1, 15)) == ["B-1"]
    counted = queries.invoice_list_count(
        session, org_id=org.id, match=queries.InvoiceMatch(search="c1")
    )
    assert counted == 1
    streamed = queries.stream_invoice_list(
        session, org_id=org.id, match=queries.InvoiceMatch(customer_id=alpha.id)
    )
    assert [(r.id, r.name, r.external_id) for r in streamed] == [(a.id, "Alpha", "C1")]
    assert queries.customer_ids_matching(session, org_id=org.id, tag="key") == {alpha.id}
    assert queries.customer_ids_matching(session, org_id=org.id, assignees=["Bob"]) == {beta.id}
    assert queries.collectors(session, org_id=org.id) == [" Ann ", "bob"]
    assert queries.customer_tags(session, org_id=org.id) == ["key"]
    summaries = queries.customer_summaries(session, org_id=org.id, customer_ids=[beta.id])
    assert [(r.name, r.collector, r.status) for r in summaries.values()] == [
        ("Beta", "bob", "active")
    ]


def test_the_callers_rows_beside_their_customers_in_one_statement(session: Session) -> None:
    org = make_org(session)
    alpha = make_customer(session, org=org, external_id="C1", name="Alpha")
    beta = make_customer(session, org=org, external_id="C2", name="Beta")
    beta.collector = "bob"
    a = make_invoice(session, customer=alpha, number="A-1")
    b = make_invoice(session, customer=beta, number="B-1")
    session.flush()
    other = aliased(Invoice)  # a table of the caller's, here the invoices again
    rows = select(other.id, other.number).where(other.org_id == org.id)

    def found(match: queries.CustomerMatch, order: queries.NameOrder) -> list[tuple[object, ...]]:
        beside = queries.rows_beside_customers(
            session, org_id=org.id, rows=rows, customer_id=other.customer_id, match=match,
            order=order,
        )  # fmt: skip
        return [tuple(r) for r in beside]

    by_name = queries.NameOrder(by_name=True, descending=True, then=(other.id,))
    assert found(queries.CustomerMatch(), by_name) == [
        (b.id, "B-1", "Beta", "C2"),
        (a.id, "A-1", "Alpha", "C1"),
    ]
    in_number = queries.CustomerMatch(search="a-1", also_searched=(other.number,))
    assert found(in_number, queries.NameOrder()) == [(a.id, "A-1", "Alpha", "C1")]
    scoped = queries.CustomerMatch(assignees=("BOB",))
    assert found(scoped, queries.NameOrder()) == [(b.id, "B-1", "Beta", "C2")]
    anyway = queries.CustomerMatch(assignees=("bob",), or_in_scope=other.number == "A-1")
    assert len(found(anyway, queries.NameOrder())) == 2
    counted = queries.count_beside_customers(
        session,
        org_id=org.id,
        rows=select(func.count()).select_from(other).where(other.org_id == org.id),
        customer_id=other.customer_id,
        match=queries.CustomerMatch(search="beta"),
    )
    assert counted == 1


def test_invoices_are_read_by_id_number_customer_or_all_of_an_organisation(
    session: Session,
) -> None:
    org, other = make_org(session), make_org(session, slug="other")
    first = make_customer(session, org=org, external_id="C1")
    second = make_customer(session, org=org, external_id="C2")
    a1 = make_invoice(session, customer=first, number="A-1", total="50.00")
    a2 = make_invoice(session, customer=first, number="A-2")
    b1 = make_invoice(session, customer=second, number="B-1")
    stranger = make_invoice(session, customer=make_customer(session, org=other), number="A-1")
    view = queries.InvoiceView(
        a1.id, first.id, "A-1", "open", "EUR", a1.issue_date, a1.due_date, 5000, 5000
    )
    among = queries.invoices_among(session, org_id=org.id, invoice_ids=[a1.id, stranger.id])
    assert among == [view]  # not the other organisation's
    assert queries.invoices_numbered(session, org_id=org.id, numbers=["A-1", "X"]) == [view]
    of_first = queries.customer_invoices(session, org_id=org.id, customer_id=first.id)
    assert {i.id for i in of_first} == {a1.id, a2.id}
    assert {i.id for i in queries.all_invoices(session, org_id=org.id)} == {a1.id, a2.id, b1.id}
    assert queries.invoice_numbers(session, org_id=org.id, customer_id=first.id) == {
        a1.id: "A-1",
        a2.id: "A-2",
    }


def test_customers_and_their_contacts_as_cases_and_the_web_read_them(session: Session) -> None:
    org, other = make_org(session), make_org(session, slug="other")
    customer = make_customer(session, org=org, external_id="C7", name="Seven SA", terms=45)
    stranger = make_customer(session, org=other, external_id="C8", name="Eight")
    ap = ledger.add_contact(
        session, org_id=org.id, customer_id=customer.id, name="Ann",
        email="ann@seven.example", role=ContactRole.AP, opted_out=(Channel.SMS,),
    )  # fmt: skip
    billing = ledger.add_contact(session, org_id=org.id, customer_id=customer.id, name="Bob")
    ids = [customer.id, stranger.id]
    assert queries.case_customers(session, org_id=org.id, customer_ids=ids) == [
        queries.CaseCustomerView(customer.id, "C7", "Seven SA", "EUR", "", "", False, False, 45)
    ]
    assert queries.customer_names(session, org_id=org.id, customer_ids=ids) == {
        customer.id: "Seven SA"
    }
    record = queries.customer_record(session, org_id=org.id, customer_id=customer.id)
    assert record is not None
    assert (record.external_id, record.payment_terms_days, record.status) == ("C7", 45, "active")
    assert queries.customer_record(session, org_id=org.id, customer_id=stranger.id) is None
    assert queries.contacts_of(session, org_id=org.id, customer_ids=ids) == [
        queries.ContactView(ap.id, customer.id, "Ann", "ann@seven.example", "", "ap", ("sms",)),
        queries.ContactView(billing.id, customer.id, "Bob", "", "", "billing", ()),
    ]
    records = queries.contact_records(session, org_id=org.id, customer_id=customer.id)
    assert sorted((c.name, c.preferred_channel, c.opted_out) for c in records) == [
        ("Ann", "email", ["sms"]),
        ("Bob", "email", []),
    ]


def test_a_customers_payments_and_credit_notes_for_its_timeline(session: Session) -> None:
    org = make_org(session)
    customer = make_customer(session, org=org)
    someone_else = make_customer(session, org=org, external_id="C2")
    payment = make_payment(session, customer=customer, amount="30.00", external_id="P9")
    make_payment(session, customer=someone_else, external_id="P2")
    note = make_credit_note(session, customer=customer, number="CN-7", total="12.50")
    assert queries.customer_payments(session, org_id=org.id, customer_id=customer.id) == [
        queries.PaymentView(payment.id, date(2026, 2, 1), 3000, "EUR", "P9", "", 3000)
    ]
    assert queries.customer_credit_notes(session, org_id=org.id, customer_id=customer.id) == [
        queries.CreditNoteView(note.id, date(2026, 2, 1), 1250, "EUR", "CN-7", "", 1250, "open")
    ]


def test_payments_and_credit_notes_among_their_ids(session: Session) -> None:
    org, other = make_org(session), make_org(session, slug="other")
    customer = make_customer(session, org=org)
    payment = make_payment(session, customer=customer, amount="30.00", external_id="P9")
    make_payment(session, customer=customer, external_id="P2")
    stranger = make_payment(session, customer=make_customer(session, org=other), external_id="X")
    note = make_credit_note(session, customer=customer, number="CN-7", total="12.50")
    make_credit_note(session, customer=customer, number="CN-8")
    assert queries.payments_among(
        session, org_id=org.id, payment_ids=[payment.id, stranger.id]
    ) == [queries.PaymentView(payment.id, date(2026, 2, 1), 3000, "EUR", "P9", "", 3000)]
    assert queries.credit_notes_among(session, org_id=org.id, credit_note_ids=[note.id]) == [
        queries.CreditNoteView(note.id, date(2026, 2, 1), 1250, "EUR", "CN-7", "", 1250, "open")
    ]
    assert queries.payments_among(session, org_id=org.id, payment_ids=[]) == []
    assert queries.credit_notes_among(session, org_id=org.id, credit_note_ids=[]) == []


def test_every_customers_credit_limit_and_status(session: Session) -> None:
    org, other = make_org(session), make_org(session, slug="other")
    limited = make_customer(session, org=org, external_id="C1")
    closed = make_customer(session, org=org, external_id="C2", currency="USD")
    make_customer(session, org=other, external_id="C3")
    ledger.set_credit_limit(session, org_id=org.id, customer_id=limited.id, limit=Decimal("500"))
    ledger.set_customer_status(
        session, org_id=org.id, customer_id=closed.id, status=CustomerStatus.CLOSED
    )
    assert sorted(queries.customer_limits(session, org_id=org.id)) == [
        (limited.id, "EUR", 50000, "active"),
        (closed.id, "USD", None, "closed"),
    ]


def test_some_customers_sales_owners_and_status(session: Session) -> None:
    org = make_org(session)
    owned = make_customer(session, org=org, external_id="C1")
    held = make_customer(session, org=org, external_id="C2")
    unasked = make_customer(session, org=org, external_id="C3")
    ledger.update_customer(
        session, org_id=org.id, customer_id=owned.id, changes={"sales_owner": "sam@acme.example"}
    )
    ledger.set_customer_status(
        session, org_id=org.id, customer_id=held.id, status=CustomerStatus.ON_HOLD
    )
    found = queries.customer_owners(session, org_id=org.id, customer_ids=[owned.id, held.id])
    assert sorted(found) == [
        queries.CustomerOwner(owned.id, "active", "sam@acme.example"),
        queries.CustomerOwner(held.id, "on_hold", ""),
    ]
    assert unasked.id not in {row.id for row in found}


def test_overdue_invoice_ids_of_some_customers_oldest_due_first(session: Session) -> None:
    org = make_org(session)
    first = make_customer(session, org=org, external_id="C1")
    second = make_customer(session, org=org, external_id="C2")
    unasked = make_customer(session, org=org, external_id="C3")
    day = date(2026, 2, 1)
    late = make_invoice(session, customer=first, number="A-1", due_date=date(2026, 1, 31))
    later = make_invoice(session, customer=first, number="A-2", due_date=date(2026, 1, 10))
    make_invoice(session, customer=first, number="A-3", due_date=day)  # due that day: not late
    paid = make_invoice(session, customer=first, number="A-4", due_date=date(2026, 1, 5))
    payment = make_payment(session, customer=first)
    ledger.allocate(
        session, org_id=org.id, invoice_id=paid.id, amount=Decimal("100.00"), on=day,
        payment_id=payment.id,
    )  # fmt: skip
    make_invoice(session, customer=second, number="B-1", due_date=date(2026, 3, 1))
    make_invoice(session, customer=unasked, number="C-1", due_date=date(2026, 1, 2))
    asked = [first.id, second.id]
    # A-2 (due 10 Jan) before A-1 (31 Jan); A-4 is paid, B-1 not yet due, C3 not asked.
    assert queries.overdue_invoice_ids(session, org_id=org.id, customer_ids=asked, before=day) == {
        first.id: [later.id, late.id]
    }


def test_every_customer_and_invoice_named_for_the_books(session: Session) -> None:
    org, other = make_org(session), make_org(session, slug="other")
    first = make_customer(session, org=org, external_id="C1", name="One SA")
    second = make_customer(session, org=org, external_id="C2", name="Two SA")
    a1 = make_invoice(session, customer=first, number="A-1")
    b1 = make_invoice(session, customer=second, number="B-1")
    make_invoice(session, customer=make_customer(session, org=other), number="X-1")
    assert queries.customer_labels(session, org_id=org.id) == {
        first.id: ("C1", "One SA"),
        second.id: ("C2", "Two SA"),
    }
    assert queries.all_invoice_numbers(session, org_id=org.id) == {a1.id: "A-1", b1.id: "B-1"}
    assert queries.invoice_customers(session, org_id=org.id) == {
        a1.id: first.id,
        b1.id: second.id,
    }


def test_every_payment_for_the_books(session: Session) -> None:
    org, other = make_org(session), make_org(session, slug="other")
    customer = make_customer(session, org=org)
    matched = make_payment(session, customer=customer, amount="30.00", external_id="P9")
    unmatched = make_payment(session, customer=None, org=org, external_id="P2")
    make_payment(session, customer=None, org=other, external_id="X")
    assert sorted(queries.all_payments(session, org_id=org.id)) == [
        (matched.id, customer.id, "P9", date(2026, 2, 1), "EUR", 3000, "bank_transfer", "", ""),
        (unmatched.id, None, "P2", date(2026, 2, 1), "EUR", 10000, "bank_transfer", "", ""),
    ]
    assert queries.payment_external_ids(session, org_id=org.id) == {
        matched.id: "P9",
        unmatched.id: "P2",
    }


def test_every_credit_note_for_the_books(session: Session) -> None:
    org, other = make_org(session), make_org(session, slug="other")
    customer = make_customer(session, org=org)
    note = make_credit_note(session, customer=customer, number="CN-7", total="12.50")
    make_credit_note(session, customer=make_customer(session, org=other), number="CN-X")
    assert queries.all_credit_notes(session, org_id=org.id) == [
        queries.CreditNoteRow(note.id, customer.id, "CN-7", date(2026, 2, 1), "EUR", 1250, "")
    ]
    assert queries.credit_note_numbers(session, org_id=org.id) == {note.id: "CN-7"}


# --- for imports: each read of the organisation's own rows only


def test_customer_refs_name_every_customer_of_the_organisation(session: Session) -> None:
    org, other = make_org(session), make_org(session, slug="other")
    customer = make_customer(session, org=org, external_id="C7", name="Seven SA", terms=45)
    make_customer(session, org=other, external_id="C8")
    assert queries.customer_refs(session, org_id=org.id) == [
        queries.CustomerRef(customer.id, "C7", "Seven SA", "EUR", 45, "")
    ]


def test_customer_snaps_hold_every_field_a_customers_file_may_change(session: Session) -> None:
    org, other = make_org(session), make_org(session, slug="other")
    customer = make_customer(session, org=org, external_id="C7", name="Seven SA", terms=45)
    make_customer(session, org=other, external_id="C8")
    [snap] = queries.customer_snaps(session, org_id=org.id)
    assert snap._asdict() == {
        "id": customer.id, "external_id": "C7", "name": "Seven SA", "currency": "EUR",
        "country": "", "vat_number": "", "registration_number": "", "language": "en",
        "timezone": "UTC", "payment_terms_days": 45, "payment_terms_basis": "",
        "credit_limit_amount": None, "tags": [], "collector": "", "status": "active",
        "is_consumer": False, "address": "", "sales_owner": "", "do_not_contact": False,
        "legal_hold": False,
    }  # fmt: skip


def test_contact_snaps_are_the_contacts_of_every_customer(session: Session) -> None:
    org, other = make_org(session), make_org(session, slug="other")
    customer = make_customer(session, org=org)
    ann = ledger.add_contact(
        session, org_id=org.id, customer_id=customer.id, name="Ann",
        email="ann@seven.example", role=ContactRole.AP, opted_out=(Channel.SMS,),
    )  # fmt: skip
    stranger = make_customer(session, org=other)
    ledger.add_contact(session, org_id=other.id, customer_id=stranger.id, name="Bob")
    assert queries.contact_snaps(session, org_id=org.id) == [
        queries.ContactSnap(
            ann.id, customer.id, "Ann", "ann@seven.example", "", "ap", "", "email", ["sms"]
        )
    ]


def test_invoice_snaps_by_external_id_or_by_number(session: Session) -> None:
    org, other = make_org(session), make_org(session, slug="other")
    customer = make_customer(session, org=org)
    a1 = make_invoice(session, customer=customer, number="A-1", total="50.00")
    make_invoice(session, customer=customer, number="A-2")
    make_invoice(session, customer=make_customer(session, org=other), number="A-1")
    snap = queries.InvoiceSnap(
        a1.id, "A-1", "A-1", customer.id, date(2026, 1, 1), date(2026, 1, 31), "EUR",
        5000, 0, 5000, "", "open",
    )  # fmt: skip
    assert queries.invoice_snaps_with_external_ids(
        session, org_id=org.id, external_ids=["A-1", "X"]
    ) == [snap]
    assert queries.invoice_snaps_numbered(session, org_id=org.id, numbers=["A-1", "X"]) == [snap]


def test_invoice_external_ids_tell_which_invoice_holds_a_number(session: Session) -> None:
    org, other = make_org(session), make_org(session, slug="other")
    customer = make_customer(session, org=org)
    ledger.create_invoice(
        session, org_id=org.id, customer_id=customer.id, number="A-1",
        issue_date=date(2026, 1, 1), total=Decimal("10.00"), external_id="ERP-9",
    )  # fmt: skip
    make_invoice(session, customer=customer, number="A-2")
    make_invoice(session, customer=make_customer(session, org=other), number="A-3")
    found = queries.invoice_external_ids(session, org_id=org.id, numbers=["A-1", "A-3", "X"])
    assert found == {"A-1": "ERP-9"}


def test_invoice_balances_are_open_amounts_and_statuses_by_id(session: Session) -> None:
    org, other = make_org(session), make_org(session, slug="other")
    customer = make_customer(session, org=org)
    paid = make_invoice(session, customer=customer, number="A-1", total="30.00")
    part = make_invoice(session, customer=customer, number="A-2", total="100.00")
    stranger = make_invoice(session, customer=make_customer(session, org=other))
    payment = make_payment(session, customer=customer, amount="50.00")
    for invoice, amount in ((paid, "30.00"), (part, "20.00")):
        ledger.allocate(
            session,
            org_id=org.id,
            invoice_id=invoice.id,
            amount=Decimal(amount),
            on=date(2026, 2, 3),
            payment_id=payment.id,
        )
    ids = [paid.id, part.id, stranger.id]
    assert queries.invoice_balances(session, org_id=org.id, invoice_ids=ids) == {
        paid.id: (0, "paid"),
        part.id: (8000, "open"),
    }


def test_payment_snaps_hold_every_field_a_payments_file_may_change(session: Session) -> None:
    org, other = make_org(session), make_org(session, slug="other")
    customer = make_customer(session, org=org)
    payment = make_payment(session, customer=customer, amount="30.00", external_id="P9")
    make_payment(session, customer=make_customer(session, org=other), external_id="P2")
    assert queries.payment_snaps(session, org_id=org.id) == [
        queries.PaymentSnap(
            payment.id, "P9", customer.id, date(2026, 2, 1), "EUR", 3000, 3000,
            "bank_transfer", "", "", "",
        )
    ]  # fmt: skip


def test_payment_external_ids_in_use_among_those_asked(session: Session) -> None:
    org, other = make_org(session), make_org(session, slug="other")
    make_payment(session, customer=make_customer(session, org=org), external_id="P1")
    make_payment(session, customer=make_customer(session, org=other), external_id="P2")
    found = queries.payment_external_ids_in_use(
        session, org_id=org.id, external_ids=["P1", "P2", "P3"]
    )
    assert found == {"P1"}


def test_credit_note_snaps_hold_every_field_a_credit_notes_file_may_change(
    session: Session,
) -> None:
    org, other = make_org(session), make_org(session, slug="other")
    customer = make_customer(session, org=org)
    note = make_credit_note(session, customer=customer, number="CN-7", total="12.50")
    make_credit_note(session, customer=make_customer(session, org=other), number="CN-8")
    snap = queries.CreditNoteSnap(
        note.id, "CN-7", "CN-7", customer.id, date(2026, 2, 1), "EUR", 1250, 1250, "", "open"
    )
    assert queries.credit_note_snaps(session, org_id=org.id) == [snap]
    some = queries.credit_note_snaps(session, org_id=org.id, external_ids=["CN-7", "CN-8"])
    assert some == [snap]
    owners = queries.credit_note_external_ids(session, org_id=org.id, numbers=["CN-7", "CN-8"])
    assert owners == {"CN-7": "CN-7"}


def test_open_balances_summed_from_a_partitions_rows_equal_the_databases(
    session: Session,
) -> None:
    """A daily run's partition reads its open invoices once (``dunning_open_invoices``)
    and the credit rule sums them in Python: the same balances as the database's sums,
    for every customer and currency, paid and partly paid invoices included."""
    org = make_org(session)
    first = make_customer(session, org=org, external_id="C1")
    second = make_customer(session, org=org, external_id="C2")
    make_invoice(session, customer=first, number="A-1", total="100.00", due_date=date(2026, 3, 1))
    make_invoice(session, customer=first, number="A-2", total="50.25", due_date=date(2026, 1, 9))
    make_invoice(
        session, customer=first, number="A-3", total="70.00", currency="USD",
        due_date=date(2026, 2, 2),
    )  # fmt: skip
    paid = make_invoice(session, customer=second, number="B-1", total="40.00")
    partly = make_invoice(
        session, customer=second, number="B-2", total="80.00", due_date=date(2026, 4, 4)
    )
    payment = make_payment(session, customer=second, amount="70.00")
    for invoice, amount in ((paid, "40.00"), (partly, "30.00")):
        ledger.allocate(
            session, org_id=org.id, invoice_id=invoice.id, amount=Decimal(amount),
            on=date(2026, 2, 3), payment_id=payment.id,
        )  # fmt: skip
    rows = queries.dunning_open_invoices(session, org_id=org.id)
    summed = ledger.open_balances(session, org_id=org.id, open_invoices=rows)
    expected = [
        ledger.OpenBalance(first.id, "EUR", 15025, date(2026, 1, 9)),
        ledger.OpenBalance(first.id, "USD", 7000, date(2026, 2, 2)),
        ledger.OpenBalance(second.id, "EUR", 5000, date(2026, 4, 4)),
    ]
    assert sorted(summed, key=str) == sorted(ledger.open_balances(session, org_id=org.id), key=str)
    assert sorted(summed, key=lambda b: (b.customer_id, b.currency)) == expected
