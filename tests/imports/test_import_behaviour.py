"""What imports do with good files: create, update, leave alone, allocate, settle."""

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from recoup.audit import service as audit
from recoup.audit.models import AuditEvent
from recoup.errors import RowsRejected
from recoup.imports.columns import Kind
from recoup.imports.service import import_file
from recoup.ledger.models import (
    Allocation,
    Contact,
    CreditNote,
    Customer,
    Invoice,
    Organisation,
    Payment,
)
from tests.factories import make_org
from tests.imports.conftest import CUSTOMERS, Importer, ledger_counts

DATA = Path(__file__).parent / "data"
INVOICES = """
number,customer,issue_date,due_date,total,tax,currency,po_number
INV-1,C1,2026-01-01,2026-01-31,"1,190.00",190.00,EUR,PO-1
INV-2,C1,2026-02-01,,500.00,,EUR,
INV-3,C2,2026-02-01,2026-02-15,£250.00,,GBP,
"""


def invoice(session: Session, number: str) -> Invoice:
    return session.scalars(select(Invoice).where(Invoice.number == number)).one()


@pytest.fixture
def customers(run_import: Importer) -> None:
    run_import("customers", CUSTOMERS)


def test_customers_and_their_contacts(session: Session, run_import: Importer) -> None:
    result = run_import("customers", CUSTOMERS)
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)  # 2 customers, 1 contact
    alpha = session.scalars(select(Customer).where(Customer.external_id == "C1")).one()
    assert (alpha.name, alpha.country, alpha.vat_number, alpha.language) == (
        "Alpha GmbH",
        "DE",
        "DE136695976",
        "de",
    )
    (contact,) = session.scalars(select(Contact)).all()
    assert (contact.customer_id, contact.email, contact.name) == (
        alpha.id,
        "ap@alpha.example",
        "ap@alpha.example",
    )


@pytest.mark.usefixtures("customers")
def test_invoices_are_created_with_defaults(session: Session, run_import: Importer) -> None:
    result = run_import("invoices", INVOICES)
    assert (result.rows, result.created) == (3, 3)
    first, second, third = (invoice(session, n) for n in ("INV-1", "INV-2", "INV-3"))
    assert (first.total_amount, first.tax_amount, first.open_amount, first.po_number) == (
        119000,
        19000,
        119000,
        "PO-1",
    )
    assert second.due_date == date(2026, 3, 3)  # 30 days' terms from the customer
    assert (third.currency, third.total_amount) == ("GBP", 25000)


@pytest.mark.usefixtures("customers")
def test_reimporting_the_same_file_changes_nothing(session: Session, run_import: Importer) -> None:
    run_import("invoices", INVOICES)
    before = ledger_counts(session)
    result = run_import("invoices", INVOICES)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 3)
    assert ledger_counts(session) == before
    assert run_import("customers", CUSTOMERS).unchanged == 3


@pytest.mark.usefixtures("customers")
def test_a_changed_row_updates_the_record_and_leaves_an_audit_event(
    session: Session, run_import: Importer, org: Organisation
) -> None:
    run_import("invoices", INVOICES)
    changed = INVOICES.replace(
        "INV-2,C1,2026-02-01,,500.00", "INV-2,C1,2026-02-01,2026-04-30,550.00"
    )
    result = run_import("invoices", changed)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 2)
    second = invoice(session, "INV-2")
    assert (second.due_date, second.total_amount, second.open_amount) == (
        date(2026, 4, 30),
        55000,
        55000,
    )
    last = audit.history(session, org_id=org.id, entity="invoices", entity_id=second.id)[-1]
    assert last.action == "update"
    assert json.loads(last.before) == {
        "due_date": "2026-03-03",
        "total_amount": 50000,
        "open_amount": 50000,
    }
    assert json.loads(last.after) == {
        "due_date": "2026-04-30",
        "total_amount": 55000,
        "open_amount": 55000,
    }
    assert audit.verify(session, org_id=org.id)[1] is None


@pytest.mark.usefixtures("customers")
def test_dry_run_reports_changes_and_writes_nothing(session: Session, run_import: Importer) -> None:
    run_import("invoices", INVOICES)
    before = ledger_counts(session)
    changed = INVOICES.replace("PO-1", "PO-9") + "INV-4,C2,2026-03-01,,10.00,,GBP,\n"
    result = run_import("invoices", changed, dry_run=True)
    assert (result.created, result.updated, result.unchanged, result.dry_run) == (1, 1, 2, True)
    assert result.changes[0] == "row 5: create INV-4"
    assert result.changes[1] == "row 2: update invoice INV-1: po number PO-1 → PO-9"
    assert ledger_counts(session) == before


@pytest.mark.usefixtures("customers")
def test_dry_run_changes_are_in_words(session: Session, run_import: Importer) -> None:
    """Customer names and amounts as a person writes them, not ids and minor units."""
    run_import("invoices", INVOICES)
    run_import("customers", "external_id,name,currency\nC3,Brampton Ltd,GBP\n")
    moved = INVOICES.replace(
        "INV-3,C2,2026-02-01,2026-02-15,£250.00", "INV-3,C3,2026-02-01,2026-02-15,£240.00"
    )
    result = run_import("invoices", moved, dry_run=True)
    assert result.changes == [
        "row 4: update invoice INV-3: customer Beta Ltd → Brampton Ltd, "
        "total £250.00 → £240.00, open balance £250.00 → £240.00"
    ]


@pytest.mark.usefixtures("customers")
def test_payments_name_the_invoices_they_settle(session: Session, run_import: Importer) -> None:
    run_import("invoices", INVOICES)
    result = run_import(
        "payments",
        """
external_id,customer,received_on,amount,currency,reference,invoices
P1,C1,2026-02-20,"1,400.00",EUR,INV-1 INV-2,INV-1;INV-2
P2,,2026-02-21,100.00,GBP,part,INV-3:100.00
P3,C1,2026-02-22,5.00,EUR,no invoice,
""",
    )
    assert (result.created, result.allocations) == (3, 3)
    assert invoice(session, "INV-1").open_amount == 0
    assert invoice(session, "INV-1").status == "paid"
    assert invoice(session, "INV-2").open_amount == 50000 - 21000
    third = invoice(session, "INV-3")
    assert third.open_amount == 15000
    p2 = session.scalars(select(Payment).where(Payment.external_id == "P2")).one()
    assert p2.customer_id == third.customer_id  # taken from the invoice it names
    p3 = session.scalars(select(Payment).where(Payment.external_id == "P3")).one()
    assert p3.unallocated_amount == 500
    again = run_import(
        "payments",
        """
external_id,customer,received_on,amount,currency,reference,invoices
P1,C1,2026-02-20,"1,400.00",EUR,INV-1 INV-2,INV-1;INV-2
""",
    )
    assert (again.unchanged, again.allocations) == (1, 0)


@pytest.mark.usefixtures("customers")
def test_payments_without_an_id_are_recognised_on_reimport(
    session: Session, run_import: Importer
) -> None:
    run_import("invoices", INVOICES)
    text = "customer,received_on,amount,reference,invoices\nC1,2026-02-20,100.00,x,INV-2\n"
    assert run_import("payments", text).created == 1
    assert run_import("payments", text).unchanged == 1
    assert len(session.scalars(select(Allocation)).all()) == 1


@pytest.mark.usefixtures("customers")
def test_credit_notes_apply_to_the_invoice_they_name(
    session: Session, run_import: Importer
) -> None:
    run_import("invoices", INVOICES)
    result = run_import(
        "credit-notes",
        "number,customer,issue_date,total,invoice,reason\nCN-1,C1,2026-02-10,600.00,INV-2,damaged goods",
    )
    assert (result.created, result.allocations) == (1, 1)
    note = session.scalars(select(CreditNote)).one()
    assert (note.open_amount, note.status) == (10000, "open")
    assert (invoice(session, "INV-2").open_amount, invoice(session, "INV-2").status) == (0, "paid")


@pytest.mark.usefixtures("customers")
def test_open_balance_below_total_records_a_settlement(
    session: Session, run_import: Importer, org: Organisation
) -> None:
    text = "number,customer,issue_date,total,open_balance\nINV-1,C1,2026-01-01,100.00,40.00"
    result = run_import("invoices", text)
    assert (result.created, result.settlements) == (1, 1)
    first = invoice(session, "INV-1")
    assert first.open_amount == 4000
    payment = session.scalars(select(Payment)).one()
    assert (payment.amount, payment.unallocated_amount, payment.method) == (6000, 0, "other")
    assert run_import("invoices", text).unchanged == 1
    lower = run_import("invoices", text.replace("40.00", "0"))
    assert lower.settlements == 1
    assert invoice(session, "INV-1").status == "paid"
    assert audit.verify(session, org_id=org.id)[1] is None


def test_quickbooks_open_invoices_report(
    session: Session, org: Organisation, run_import: Importer
) -> None:
    run_import("customers", "name,currency\nAlpha GmbH,EUR\nBeta Ltd,GBP")
    result = import_file(
        session, org_id=org.id, kind=Kind.INVOICES, path=DATA / "quickbooks_open_invoices.csv"
    )
    assert (result.rows, result.created, result.settlements) == (3, 3, 1)
    second = invoice(session, "1002")
    assert (second.issue_date, second.due_date, second.total_amount, second.open_amount) == (
        date(2026, 10, 15),
        date(2026, 11, 14),
        340050,
        140050,
    )
    assert invoice(session, "1001").customer_id != second.customer_id


def test_xero_invoice_export(session: Session, org: Organisation, run_import: Importer) -> None:
    run_import("customers", "name,currency\nAlpha GmbH,EUR\nBeta Ltd,GBP")
    result = import_file(
        session, org_id=org.id, kind=Kind.INVOICES, path=DATA / "xero_invoices.csv"
    )
    assert (result.rows, result.created, result.settlements) == (
        3,
        2,
        1,
    )  # two line items, one invoice
    first, second = invoice(session, "INV-0041"), invoice(session, "INV-0042")
    assert (
        first.issue_date,
        first.due_date,
        first.total_amount,
        first.tax_amount,
        first.po_number,
    ) == (
        date(2026, 9, 25),
        date(2026, 10, 25),
        120000,
        20000,
        "PO-77",
    )
    assert (second.currency, second.open_amount) == ("GBP", 30000)


def test_xlsx(session: Session, org: Organisation, tmp_path: Path, run_import: Importer) -> None:
    run_import("customers", CUSTOMERS)
    book = Workbook()
    sheet = book.active
    sheet.append(["Invoice Number", "Customer", "Invoice Date", "Due Date", "Amount"])
    sheet.append(["X-1", "C1", date(2026, 3, 1), date(2026, 3, 31), 1234.5])
    sheet.append(["X-2", "Alpha GmbH", date(2026, 3, 2), date(2026, 4, 1), 10])
    path = tmp_path / "invoices.xlsx"
    book.save(path)
    result = import_file(session, org_id=org.id, kind=Kind.INVOICES, path=path)
    assert result.created == 2
    assert invoice(session, "X-1").total_amount == 123450
    assert invoice(session, "X-2").issue_date == date(2026, 3, 2)


def test_imports_stay_inside_their_organisation(
    session: Session, run_import: Importer, write_csv: Callable[[str, str], Path]
) -> None:
    run_import("customers", CUSTOMERS)
    other = make_org(session, slug="other")
    with pytest.raises(RowsRejected) as caught:
        import_file(
            session, org_id=other.id, kind=Kind.INVOICES, path=write_csv(INVOICES, "inv.csv")
        )
    assert [p.reason for p in caught.value.problems] == [
        "unknown customer 'C1'",
        "unknown customer 'C1'",
        "unknown customer 'C2'",
    ]
    assert session.scalars(select(AuditEvent).where(AuditEvent.org_id == other.id)).all() == []
