"""Importing statements, applying through the ledger, and people's decisions."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from recoup.cases import disputes, promises, tasks
from recoup.cases.timeline import timeline
from recoup.cashapp import core, service
from recoup.cashapp.reference import customer_reference
from recoup.cashapp.statement import Statement, StatementLine
from recoup.errors import Conflict, InvalidInput
from recoup.ledger import service as ledger
from recoup.ledger.models import Customer, Invoice, Organisation
from tests.factories import make_customer, make_invoice, make_org

IBAN = "DE89370400440532013000"
DAY = date(2026, 3, 2)


def credit(amount: str, **kw: object) -> StatementLine:
    return StatementLine(
        booking_date=kw.pop("booking_date", DAY),  # type: ignore[arg-type]
        amount=Decimal(amount),
        currency="EUR",
        credit=True,
        **kw,  # type: ignore[arg-type]
    )


def statement(
    *lines: StatementLine, opening: str | None = None, closing: str | None = None
) -> Statement:
    return Statement(
        format="camt053",
        account_iban="DE02120300000000202051",
        account_number="",
        currency="EUR",
        statement_id="S1",
        opening_balance=Decimal(opening) if opening else None,
        closing_balance=Decimal(closing) if closing else None,
        lines=lines,
    )


@pytest.fixture
def setup(session: Session) -> tuple[Organisation, Customer, Customer, Invoice, Invoice, Invoice]:
    org = make_org(session)
    nordwind = make_customer(session, org=org, external_id="C1042", name="Nordwind Logistik GmbH")
    harbour = make_customer(session, org=org, external_id="C2001", name="Blue Harbour Ltd")
    a = make_invoice(
        session, customer=nordwind, number="INV-1042", total="500.00", due_date=date(2026, 1, 31)
    )
    b = make_invoice(
        session, customer=nordwind, number="INV-1057", total="250.00", due_date=date(2026, 2, 28)
    )
    c = make_invoice(session, customer=harbour, number="INV-2001", total="300.00")
    return org, nordwind, harbour, a, b, c


def lines_by_status(session: Session, org: Organisation) -> dict[str, int]:
    found: dict[str, int] = {}
    for line in service.list_lines(session, org_id=org.id):
        found[line.status] = found.get(line.status, 0) + 1
    return found


def test_import_applies_certain_lines_and_keeps_the_rest(session: Session, setup: tuple) -> None:
    org, nordwind, _harbour, a, b, _c = setup
    s = statement(
        credit("750.00", creditor_reference=customer_reference(nordwind.id), bank_id="T1"),
        credit("300.00", payer_name="Blue Harbour", bank_id="T2"),  # a name only: proposed
        credit("12.34", remittance="who knows", bank_id="T3"),
        StatementLine(
            booking_date=DAY, amount=Decimal("9.50"), currency="EUR", credit=False, bank_id="T4"
        ),
    )
    summary = service.import_statements(session, org_id=org.id, statements=[s])
    assert (summary.lines, summary.credits, summary.debits) == (4, 3, 1)
    assert (summary.auto_applied, summary.proposed, summary.unmatched) == (1, 1, 1)
    assert summary.auto_applied_amounts == {"EUR": 75000}
    session.refresh(a)
    session.refresh(b)
    assert (a.open_amount, a.status, b.open_amount, b.status) == (0, "paid", 0, "paid")
    applied = service.list_lines(session, org_id=org.id, statuses=["applied"])
    assert len(applied) == 1
    assert applied[0].applied_amount == 75000
    assert applied[0].customer_id == nordwind.id
    (decision,) = service.line_decisions(session, org_id=org.id, line_id=applied[0].id)
    assert decision.action == "auto"
    assert decision.detail.startswith("reference RF")
    assert lines_by_status(session, org) == {
        "applied": 1,
        "proposed": 1,
        "unmatched": 1,
        "debit": 1,
    }

    again = service.import_statements(session, org_id=org.id, statements=[s])
    assert (again.lines, again.duplicates, again.auto_applied) == (0, 4, 0)


def test_lines_without_bank_id_dedupe_on_account_date_amount_reference(
    session: Session, setup: tuple
) -> None:
    org, *_ = setup
    twice = credit("10.00", remittance="coffee")
    s = statement(twice, twice, credit("10.00", remittance="tea"))
    assert service.import_statements(session, org_id=org.id, statements=[s]).lines == 3
    overlap = statement(
        twice, credit("10.00", remittance="tea"), credit("10.00", remittance="milk")
    )
    summary = service.import_statements(session, org_id=org.id, statements=[overlap])
    assert (summary.lines, summary.duplicates) == (1, 2)


def test_overpayment_rest_stays_on_account(session: Session, setup: tuple) -> None:
    org, nordwind, _, _a, _b, _ = setup
    s = statement(credit("800.00", creditor_reference=customer_reference(nordwind.id)))
    service.import_statements(session, org_id=org.id, statements=[s])
    (payment,) = ledger.unapplied_payments(session, org_id=org.id, customer_id=nordwind.id)
    assert (payment.amount, payment.unallocated_amount) == (80000, 5000)
    report = ledger.aging_report(session, org_id=org.id, as_of=DAY)
    line = next(x for x in report.lines if x.customer == "C1042")
    assert line.unapplied_payments == 5000


def test_two_lines_of_one_statement_do_not_pay_the_same_invoice(
    session: Session, setup: tuple
) -> None:
    org, nordwind, _, _a, b, _ = setup
    ref = customer_reference(nordwind.id)
    s = statement(
        credit("500.00", creditor_reference=ref, bank_id="1"),
        credit("500.00", creditor_reference=ref, bank_id="2"),
    )
    summary = service.import_statements(session, org_id=org.id, statements=[s])
    assert summary.auto_applied == 2
    session.refresh(b)
    assert b.open_amount == 0  # the second paid INV-1057 (250) and left 250 on account
    payments = ledger.unapplied_payments(session, org_id=org.id, customer_id=nordwind.id)
    assert [p.unallocated_amount for p in payments] == [25000]


def test_accepting_a_proposal_teaches_the_matcher(session: Session, setup: tuple) -> None:
    org, _, harbour, _, _, c = setup
    first = statement(credit("300.00", payer_name="Blue Harbour", payer_iban=IBAN, bank_id="A"))
    service.import_statements(session, org_id=org.id, statements=[first])
    (line,) = service.list_lines(session, org_id=org.id, statuses=["proposed"])
    applied = service.accept_proposal(
        session, org_id=org.id, line_id=line.id, actor="anna@example.com"
    )
    assert applied.learned == (
        "learned: IBAN DE893704… pays for C2001",
        "learned: payer 'Blue Harbour' pays for C2001",
    )
    session.refresh(c)
    assert c.status == "paid"
    c2 = make_invoice(
        session, customer=harbour, number="INV-2002", total="120.00", issue_date=date(2026, 2, 1)
    )
    second = statement(credit("120.00", payer_name="BH", payer_iban=IBAN, bank_id="B"))
    summary = service.import_statements(session, org_id=org.id, statements=[second])
    assert summary.auto_applied == 1
    session.refresh(c2)
    assert c2.status == "paid"
    with pytest.raises(Conflict, match="already applied"):
        service.accept_proposal(session, org_id=org.id, line_id=line.id)


def test_split_over_invoices_of_two_customers(session: Session, setup: tuple) -> None:
    org, nordwind, harbour, a, _, c = setup
    s = statement(credit("700.00", remittance="group payment", bank_id="G"))
    service.import_statements(session, org_id=org.id, statements=[s])
    (line,) = service.list_lines(session, org_id=org.id)
    applied = service.apply_line(
        session,
        org_id=org.id,
        line_id=line.id,
        invoices=[("INV-1042", Decimal("350.00")), ("INV-2001", None)],
    )
    assert (applied.applied, applied.on_account) == (65000, 5000)
    session.refresh(a)
    session.refresh(c)
    assert (a.open_amount, c.open_amount) == (15000, 0)
    (on_account,) = ledger.unapplied_payments(session, org_id=org.id, customer_id=nordwind.id)
    assert (on_account.amount, on_account.unallocated_amount) == (40000, 5000)
    assert ledger.unapplied_payments(session, org_id=org.id, customer_id=harbour.id) == []
    session.refresh(line)
    assert line.status == "applied"


def test_on_account_and_ignore(session: Session, setup: tuple) -> None:
    org, nordwind, *_ = setup
    s = statement(credit("40.00", bank_id="X"), credit("5000.00", remittance="loan", bank_id="Y"))
    service.import_statements(session, org_id=org.id, statements=[s])
    x, y = service.list_lines(session, org_id=org.id)
    service.apply_line(session, org_id=org.id, line_id=x.id, customer="C1042")
    (payment,) = ledger.unapplied_payments(session, org_id=org.id, customer_id=nordwind.id)
    assert payment.unallocated_amount == 4000
    service.ignore_line(session, org_id=org.id, line_id=y.id)
    assert lines_by_status(session, org) == {"applied": 1, "ignored": 1}


def test_payment_on_disputed_invoice_is_applied_and_raises_a_task(
    session: Session, setup: tuple
) -> None:
    org, nordwind, _, a, _, _ = setup
    disputes.open_dispute(
        session, org_id=org.id, customer_id=nordwind.id, invoice_ids=[a.id], reason="pricing"
    )
    s = statement(
        credit("500.00", creditor_reference=customer_reference(nordwind.id), remittance="INV-1042")
    )
    assert service.import_statements(session, org_id=org.id, statements=[s]).auto_applied == 1
    session.refresh(a)
    assert a.status == "paid"
    (task,) = [t for t in tasks.open_tasks(session, org_id=org.id) if "disputed" in t.title]
    assert task.title == "Payment received on disputed invoice INV-1042"


def test_a_payment_fulfilling_a_promise_closes_it(session: Session, setup: tuple) -> None:
    org, nordwind, _, a, _, _ = setup
    promise = promises.add_promise(
        session,
        org_id=org.id,
        customer_id=nordwind.id,
        items=[(a.id, None)],
        promised_on=date(2026, 3, 5),
        made_on=date(2026, 2, 20),
    )
    s = statement(credit("500.00", remittance="INV-1042", payer_name="Nordwind Logistik"))
    assert service.import_statements(session, org_id=org.id, statements=[s]).auto_applied == 1
    session.refresh(promise)
    assert promise.status == "kept"


def test_reconcile_balances_and_days(session: Session, setup: tuple) -> None:
    org, nordwind, *_ = setup
    s = statement(
        credit("800.00", creditor_reference=customer_reference(nordwind.id), bank_id="1"),
        credit("20.00", bank_id="2", booking_date=date(2026, 3, 3)),
        StatementLine(
            booking_date=DAY, amount=Decimal("9.50"), currency="EUR", credit=False, bank_id="3"
        ),
        opening="1000.00",
        closing="1810.50",
    )
    service.import_statements(session, org_id=org.id, statements=[s])
    result = service.reconcile(session, org_id=org.id)
    (check,) = result.statements
    assert (check.opening, check.closing, check.credits, check.debits) == (
        100000,
        181050,
        82000,
        950,
    )
    assert check.difference == 0
    assert [(d.day, d.credits, d.applied, d.unapplied) for d in result.days] == [
        (DAY, 80000, 75000, 5000),
        (date(2026, 3, 3), 2000, 0, 2000),
    ]


def test_undo_reverses_the_allocations_and_forgets_what_it_taught(
    session: Session, setup: tuple
) -> None:
    org, _, harbour, _, _, c = setup
    s = statement(credit("300.00", payer_name="Blue Harbour", payer_iban=IBAN, bank_id="A"))
    service.import_statements(session, org_id=org.id, statements=[s])
    (line,) = service.list_lines(session, org_id=org.id)
    service.accept_proposal(session, org_id=org.id, line_id=line.id, actor="anna@example.com")
    reopened = service.undo_line(
        session, org_id=org.id, line_id=line.id, reason="wrong customer", actor="anna@example.com"
    )
    assert reopened == ["INV-2001"]
    session.refresh(c)
    assert (c.status, c.open_amount) == ("open", 30000)
    assert ledger.unapplied_payments(session, org_id=org.id, customer_id=harbour.id) == []
    session.refresh(line)
    assert (line.status, line.payment_id, line.applied_amount) == ("proposed", None, 0)
    actions = [d.action for d in service.line_decisions(session, org_id=org.id, line_id=line.id)]
    assert actions == ["apply", "undo"]
    # Nothing learned survives: the same payer is only proposed again.
    c2 = make_invoice(session, customer=harbour, number="INV-2002", total="120.00")
    again = statement(credit("120.00", payer_name="BH", payer_iban=IBAN, bank_id="B"))
    assert service.import_statements(session, org_id=org.id, statements=[again]).auto_applied == 0
    # Applied again by hand, then the allocations are the new payment's.
    service.apply_line(session, org_id=org.id, line_id=line.id, invoices=[("INV-2001", None)])
    session.refresh(c)
    session.refresh(c2)
    assert (c.status, c2.status) == ("paid", "open")
    with pytest.raises(Conflict, match="nothing to undo"):
        service.undo_line(
            session, org_id=org.id, line_id=service.list_lines(session, org_id=org.id)[-1].id
        )


def test_returned_payment_reopens_its_invoices(session: Session, setup: tuple) -> None:
    org, nordwind, _, a, b, _ = setup
    paid = statement(
        credit("750.00", creditor_reference=customer_reference(nordwind.id), end_to_end_id="E2E-77")
    )
    service.import_statements(session, org_id=org.id, statements=[paid])
    returned = StatementLine(
        booking_date=date(2026, 3, 6),
        amount=Decimal("750.00"),
        currency="EUR",
        credit=False,
        return_reason="AC04",
        returned_end_to_end_id="E2E-77",
    )
    summary = service.import_statements(session, org_id=org.id, statements=[statement(returned)])
    assert summary.returned == 1
    session.refresh(a)
    session.refresh(b)
    assert (a.status, a.open_amount, b.status, b.open_amount) == ("open", 50000, "open", 25000)
    assert ledger.unapplied_payments(session, org_id=org.id, customer_id=nordwind.id) == []
    assert lines_by_status(session, org) == {"returned": 2}
    notes = timeline(session, org_id=org.id, customer_id=nordwind.id)
    (note,) = [n for n in notes if "returned" in n.title + n.detail]
    assert (
        (note.title + " " + note.detail)
        .strip()
        .endswith(
            "The payment of 750.00 EUR received on 2026-03-02 was returned by the bank (AC04) on "
            "2026-03-06; INV-1042, INV-1057 open again."
        )
    )


def test_an_invoice_paid_earlier_in_the_statement_counts_as_paid(
    session: Session, setup: tuple
) -> None:
    org, nordwind, *_ = setup
    s = statement(
        credit("500.00", creditor_reference=customer_reference(nordwind.id), bank_id="1"),
        credit("500.00", remittance="INV-1042", bank_id="2"),
    )
    summary = service.import_statements(session, org_id=org.id, statements=[s])
    assert (summary.auto_applied, summary.proposed) == (1, 1)
    second = service.list_lines(session, org_id=org.id, statuses=["proposed"])[0]
    assert second.reason.startswith("text names INV-1042 of C1042, already paid")


def test_the_organisation_sets_its_threshold_and_tolerance(session: Session, setup: tuple) -> None:
    org, _, _, _, _, c = setup
    assert service.match_settings(session, org_id=org.id) == core.Settings(base_currency="EUR")
    with pytest.raises(InvalidInput, match="between 50 and 100"):
        service.set_match_settings(session, org_id=org.id, threshold=20)
    lenient = service.set_match_settings(
        session,
        org_id=org.id,
        threshold=70,
        short_fixed=Decimal("5.00"),
        short_percent=Decimal("1.5"),
    )
    assert (lenient.threshold, lenient.short_fixed, lenient.short_percent) == (
        70,
        500,
        Decimal("1.5"),
    )
    # A name and the exact amount make 70: applied under this organisation's threshold.
    s = statement(credit("300.00", payer_name="Blue Harbour Ltd", bank_id="N"))
    assert service.import_statements(session, org_id=org.id, statements=[s]).auto_applied == 1
    session.refresh(c)
    assert c.status == "paid"


def test_a_line_for_the_amount_promised_pays_what_was_promised(
    session: Session, setup: tuple
) -> None:
    org, nordwind, _, a, b, _ = setup
    promise = promises.add_promise(
        session,
        org_id=org.id,
        customer_id=nordwind.id,
        items=[(b.id, Decimal("100.00"))],
        promised_on=date(2026, 3, 5),
        made_on=date(2026, 2, 20),
    )
    s = statement(credit("100.00", creditor_reference=customer_reference(nordwind.id)))
    assert service.import_statements(session, org_id=org.id, statements=[s]).auto_applied == 1
    session.refresh(a)
    session.refresh(b)
    session.refresh(promise)
    assert (a.open_amount, b.open_amount, promise.status) == (50000, 15000, "kept")


def test_a_days_statement_after_its_notifications_adds_the_rest_and_adds_up(
    session: Session, setup: tuple
) -> None:
    org, *_ = setup
    early = credit("300.00", bank_id="N1", remittance="INV-2001")
    notification = Statement(
        format="camt054", account_iban="DE02120300000000202051", account_number="",
        currency="EUR", lines=(early,),
    )  # fmt: skip
    service.import_statements(session, org_id=org.id, statements=[notification])
    day = statement(early, credit("20.00", bank_id="N2"), opening="100.00", closing="420.00")
    summary = service.import_statements(session, org_id=org.id, statements=[day])
    assert (summary.lines, summary.duplicates) == (1, 1)
    assert service.import_statements(session, org_id=org.id, statements=[day]).duplicates == 2
    checks = service.reconcile(session, org_id=org.id).statements
    assert [(c.credits, c.difference) for c in checks] == [(30000, None), (32000, 0)]
