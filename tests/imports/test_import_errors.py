"""Every kind of bad input: a clear message naming row and column, and nothing written."""

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from recoup.errors import Problem, RowsRejected
from recoup.ledger.models import Invoice, Organisation
from tests.imports.conftest import CUSTOMERS, Importer, ledger_counts

INVOICE_HEADER = "number,customer,issue_date,due_date,total,currency"


def rejected(
    session: Session, run_import: Importer, kind: str, text: str, **options: object
) -> list[str]:
    """Import ``text`` expecting a rejection; the problems, after checking nothing changed."""
    before = ledger_counts(session)
    with pytest.raises(RowsRejected) as caught:
        run_import(kind, text, **options)
    assert ledger_counts(session) == before
    return [str(problem) for problem in caught.value.problems]


@pytest.fixture
def customers(run_import: Importer) -> None:
    run_import("customers", CUSTOMERS)


@pytest.mark.usefixtures("customers")
@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ("INV-1,C9,2026-01-01,2026-01-31,100.00,EUR", "row 2, customer: unknown customer 'C9'"),
        ("INV-1,C1,2026-02-30,2026-03-31,100.00,EUR", "row 2, issue_date: '2026-02-30' is not a date"),
        ("INV-1,C1,yesterday,2026-03-31,100.00,EUR", "row 2, issue_date: 'yesterday' is not a date"),
        ("INV-1,C1,2026-01-01,2026-01-31,-100.00,EUR", "row 2, total: must be zero or more, got -100.00"),
        ("INV-1,C1,2026-01-01,2026-01-31,100.00,EUX", "row 2, currency: unknown currency 'EUX'"),
        ("INV-1,C1,2026-01-01,2026-01-31,100.001,EUR", "row 2, total: 100.001 has more decimals than EUR allows (2)"),
        ("INV-1,C1,2026-01-01,2026-01-31,ten,EUR", "row 2, total: 'ten' is not an amount"),
        ("INV-1,C1,2026-03-01,2026-02-01,100.00,EUR", "row 2, due_date: due date 2026-02-01 is before the issue date 2026-03-01"),
        (",C1,2026-01-01,2026-01-31,100.00,EUR", "row 2, number: an invoice needs a number"),
        ("INV-1,C1,2026-01-01,2026-01-31,£100.00,EUR", "row 2, total: '£100.00' is not in EUR"),
        ('INV-1,C1,2026-01-01,2026-01-31,"$1,000.00",EUR', "row 2, total: '$1,000.00' is not in EUR"),
    ],
    ids=["unknown-customer", "impossible-date", "not-a-date", "negative-total", "unknown-currency",
         "too-many-decimals", "not-an-amount", "due-before-issue", "missing-number",
         "pounds-for-euros", "dollars-for-euros"],
)  # fmt: skip
def test_bad_invoice_row(session: Session, run_import: Importer, rows: str, message: str) -> None:
    problems = rejected(session, run_import, "invoices", f"{INVOICE_HEADER}\n{rows}")
    assert problems == [message]


@pytest.mark.usefixtures("customers")
def test_duplicate_number_in_the_file(session: Session, run_import: Importer) -> None:
    text = f"""{INVOICE_HEADER}
INV-1,C1,2026-01-01,2026-01-31,100.00,EUR
INV-2,C1,2026-01-01,2026-01-31,100.00,EUR
INV-1,C1,2026-01-02,2026-01-31,5.00,EUR"""
    assert rejected(session, run_import, "invoices", text) == [
        "row 4, number: duplicate invoice number 'INV-1' in the file (also on row 2)"
    ]


@pytest.mark.usefixtures("customers")
def test_every_bad_row_is_reported_not_just_the_first(
    session: Session, run_import: Importer
) -> None:
    text = f"""{INVOICE_HEADER}
INV-1,C9,2026-01-01,2026-01-31,100.00,EUR
INV-2,C1,2026-01-01,2026-01-31,100.00,EUR
INV-3,C1,2026-13-01,2026-01-31,100.00,EUR
INV-4,C1,2026-01-01,2026-01-31,-1,EUR"""
    assert [p.split(",")[0] for p in rejected(session, run_import, "invoices", text)] == [
        "row 2",
        "row 4",
        "row 5",
    ]


@pytest.mark.usefixtures("customers")
def test_missing_required_column(session: Session, run_import: Importer) -> None:
    text = "number,customer,due_date,total\nINV-1,C1,2026-01-31,100.00"
    assert rejected(session, run_import, "invoices", text) == [
        "file, issue_date: required column is missing (named one of: issue_date, date, "
        "invoicedate, invoice date, issued, txn date)"
    ]


@pytest.mark.usefixtures("customers")
def test_a_report_whose_header_lacks_a_column_is_told_which(
    session: Session, run_import: Importer
) -> None:
    # Title lines above the header: the header row is still the one judged (not the
    # title), and the message says what the missing column may be called.
    text = (
        "Aged Receivables Detail\nAcme Ltd\n\n"
        "Invoice Date,Invoice Number,Due Date,Total,Debtor\n"
        "20 Jul 2026,INV-1,19 Aug 2026,100.00,C1"
    )
    (problem,) = rejected(session, run_import, "invoices", text)
    assert problem.startswith("file, customer: required column is missing (named one of: customer,")


@pytest.mark.usefixtures("customers")
@pytest.mark.parametrize(
    ("country", "issued", "due"),
    [("GB", date(2026, 2, 1), date(2026, 4, 3)), ("US", date(2026, 1, 2), date(2026, 3, 4))],
)
def test_ambiguous_dates_are_read_in_the_organisations_order(
    session: Session,
    run_import: Importer,
    org: Organisation,
    country: str,
    issued: date,
    due: date,
) -> None:
    org.country = country
    text = f"{INVOICE_HEADER}\nINV-1,C1,01/02/2026,03/04/2026,100.00,EUR"
    result = run_import("invoices", text)
    invoice = session.scalars(select(Invoice).where(Invoice.org_id == org.id)).one()
    assert (invoice.issue_date, invoice.due_date) == (issued, due)
    first, example = ("day", "1 February") if country == "GB" else ("month", "January 2")
    assert result.notes() == [
        f"dates read {first}-first (01/02/2026 is {example}), the organisation's order: "
        "no date in the file says (choose the date order to read them otherwise: "
        "--date-order, or Date order on the import page)"
    ]


@pytest.mark.usefixtures("customers")
def test_ambiguous_day_month_order(
    session: Session, run_import: Importer, org: Organisation
) -> None:
    org.country = "JP"  # writes the year first: no day/month order to fall back on
    text = f"{INVOICE_HEADER}\nINV-1,C1,01/02/2026,03/04/2026,100.00,EUR"
    assert rejected(session, run_import, "invoices", text) == [
        "file, dates: no date shows whether day or month comes first (e.g. '01/02/2026'); "
        "pass --date-order dmy or mdy"
    ]


@pytest.mark.usefixtures("customers")
def test_contradictory_day_month_order(session: Session, run_import: Importer) -> None:
    text = f"{INVOICE_HEADER}\nINV-1,C1,25/01/2026,03/04/2026,1,EUR\nINV-2,C1,01/25/2026,03/04/2026,1,EUR"
    assert rejected(session, run_import, "invoices", text) == [
        "file, dates: dates are written both day-first and month-first (e.g. '01/25/2026')"
    ]


@pytest.mark.usefixtures("customers")
def test_number_used_by_another_invoice(session: Session, run_import: Importer) -> None:
    run_import(
        "invoices", "number,external_id,customer,issue_date,total\nINV-1,X-1,C1,2026-01-01,5"
    )
    text = "number,external_id,customer,issue_date,total\nINV-1,X-2,C1,2026-01-01,5"
    assert rejected(session, run_import, "invoices", text) == [
        "row 2, number: number 'INV-1' belongs to another invoice (external id 'X-1')"
    ]


@pytest.mark.usefixtures("customers")
def test_open_balance_above_total(session: Session, run_import: Importer) -> None:
    text = "number,customer,issue_date,total,open_balance\nINV-1,C1,2026-01-01,100,120"
    assert rejected(session, run_import, "invoices", text) == [
        "row 2, open_balance: open balance is more than the total"
    ]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("C1,Alpha,EUR,DE,DE136695977", "row 2, vat_number: invalid VAT number 'DE136695977': The number's checksum or check digit is invalid."),
        ("C1,Alpha,EUR,XX,", "row 2, country: unknown country code 'XX'"),
        ("C1,,EUR,DE,", "row 2, name: a customer needs a name"),
        ("C1,Alpha,EURO,DE,", "row 2, currency: unknown currency 'EURO'"),
    ],
    ids=["bad-vat", "unknown-country", "no-name", "bad-currency"],
)  # fmt: skip
def test_bad_customer_row(session: Session, run_import: Importer, row: str, message: str) -> None:
    problems = rejected(
        session, run_import, "customers", f"external_id,name,currency,country,vat_number\n{row}"
    )
    assert problems == [message]


def test_bad_contact_email(session: Session, run_import: Importer) -> None:
    text = "external_id,name,email\nC1,Alpha,not-an-address"
    assert rejected(session, run_import, "customers", text) == [
        "row 2, email: invalid email address 'not-an-address'"
    ]


@pytest.mark.usefixtures("customers")
@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("P1,C1,2026-02-01,50.00,INV-9", "row 2, invoices: unknown invoice 'INV-9'"),
        ("P1,C1,2026-02-01,0,INV-1", "row 2, amount: must be positive, got 0"),
        ("P1,C1,2026-02-01,500.00,INV-1:150.00", "row 2, invoices: 150.00 is more than the 100.00 open on invoice INV-1"),
        ("P1,C1,2026-02-01,50.00,INV-1:60.00", "row 2, invoices: the allocations add up to more than the payment"),
        ("P1,C2,2026-02-01,50.00,INV-1", "row 2, invoices: invoice INV-1 is in EUR, the payment in GBP"),
    ],
    ids=["unknown-invoice", "zero-amount", "over-open-amount", "over-payment", "currency-mismatch"],
)  # fmt: skip
def test_bad_payment_row(session: Session, run_import: Importer, row: str, message: str) -> None:
    run_import("invoices", f"{INVOICE_HEADER}\nINV-1,C1,2026-01-01,2026-01-31,100.00,EUR")
    problems = rejected(
        session, run_import, "payments", f"external_id,customer,received_on,amount,invoices\n{row}"
    )
    assert problems == [message]


@pytest.mark.usefixtures("customers")
def test_payments_over_allocating_across_rows(session: Session, run_import: Importer) -> None:
    run_import("invoices", f"{INVOICE_HEADER}\nINV-1,C1,2026-01-01,2026-01-31,100.00,EUR")
    text = """external_id,customer,received_on,amount,invoices
P1,C1,2026-02-01,80.00,INV-1:80.00
P2,C1,2026-02-02,80.00,INV-1:80.00"""
    assert rejected(session, run_import, "payments", text) == [
        "row 3, invoices: 80.00 is more than the 20.00 open on invoice INV-1"
    ]


def test_problem_without_row_reads_as_file() -> None:
    assert str(Problem(0, "issue_date", "required column is missing")) == (
        "file, issue_date: required column is missing"
    )


@pytest.mark.usefixtures("customers")
def test_an_unreadable_total_is_the_rows_only_problem(
    session: Session, run_import: Importer
) -> None:
    # Not also "open balance is more than the total": the total was never read.
    text = "number,customer,issue_date,due_date,total,open_balance,currency\n"
    text += "INV-1,C1,2026-01-01,2026-01-31,1O00.00,1000.00,EUR"
    assert rejected(session, run_import, "invoices", text) == [
        "row 2, total: '1O00.00' is not an amount"
    ]
