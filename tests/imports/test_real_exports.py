"""Exports as Xero and QuickBooks write them: statuses, report titles and totals, ageing
sections, negative credit notes, contacts with names and postal addresses."""

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from recoup.errors import RowsRejected
from recoup.imports.columns import Kind
from recoup.imports.service import import_file
from recoup.ledger.models import Contact, CreditNote, Customer, Invoice, Organisation, Payment
from tests.imports.conftest import CUSTOMERS, Importer, ledger_counts

DATA = Path(__file__).parent / "data"


def invoices(session: Session) -> dict[str, tuple[str, int, int]]:
    return {
        i.number: (i.status, i.total_amount, i.open_amount)
        for i in session.scalars(select(Invoice)).all()
    }


@pytest.fixture
def customers(run_import: Importer) -> None:
    run_import("customers", CUSTOMERS)


@pytest.mark.usefixtures("customers")
def test_xero_statuses_open_paid_void_and_not_owed_yet(session: Session, org: Organisation) -> None:
    path = DATA / "xero_invoice_export.csv"
    result = import_file(session, org_id=org.id, kind=Kind.INVOICES, path=path)
    assert invoices(session) == {
        "INV-0041": ("open", 120000, 120000),  # two line items, one invoice
        "INV-0042": ("paid", 48000, 0),
        "INV-0043": ("void", 12000, 12000),
        "INV-0044": ("void", 6000, 6000),
    }
    assert (result.created, result.settlements) == (4, 1)
    assert result.skipped == [
        "row 7: invoice INV-0045 is Draft (not owed yet)",
        "row 9: invoice INV-0046 is Submitted (not owed yet)",
        "row 10: invoice INV-0047 is Awaiting Approval (not owed yet)",
    ]
    assert result.notes()[0].startswith("3 skipped: row 7: invoice INV-0045 is Draft")
    again = import_file(session, org_id=org.id, kind=Kind.INVOICES, path=path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)


@pytest.mark.usefixtures("customers")
def test_quickbooks_statuses(session: Session, run_import: Importer) -> None:
    run_import(
        "invoices",
        """
Invoice date,No.,Customer,Due date,Amount,Open balance,Status
15/10/2026,1001,Alpha GmbH,14/11/2026,"1,250.00","1,250.00",Overdue 8 days
20/11/2026,1002,Alpha GmbH,20/12/2026,99.99,99.99,Open
01/10/2026,1003,Beta Ltd,15/10/2026,300.00,0.00,Paid
02/10/2026,1004,Beta Ltd,16/10/2026,50.00,0.00,Voided
""",
    )
    assert invoices(session) == {
        "1001": ("open", 125000, 125000),
        "1002": ("open", 9999, 9999),
        "1003": ("paid", 30000, 0),
        "1004": ("void", 5000, 5000),
    }


@pytest.mark.usefixtures("customers")
def test_an_unknown_status_is_a_row_error_and_nothing_is_written(
    session: Session, run_import: Importer
) -> None:
    before = ledger_counts(session)
    with pytest.raises(RowsRejected) as caught:
        run_import(
            "invoices",
            """
number,customer,issue_date,total,status
INV-1,C1,2026-01-01,10.00,Awaiting Payment
INV-2,C1,2026-01-01,10.00,Pending
""",
        )
    (problem,) = caught.value.problems
    assert (problem.row, problem.column) == (3, "status")
    assert "unknown status 'Pending'" in problem.reason
    assert ledger_counts(session) == before


@pytest.mark.usefixtures("customers")
def test_quickbooks_ar_ageing_detail_report(session: Session, org: Organisation) -> None:
    path = DATA / "quickbooks_ar_ageing_detail.csv"
    before = ledger_counts(session)
    dry = import_file(session, org_id=org.id, kind=Kind.INVOICES, path=path, dry_run=True)
    assert ledger_counts(session) == before
    assert "row 7: create CM-7" in dry.changes
    result = import_file(session, org_id=org.id, kind=Kind.INVOICES, path=path)
    assert invoices(session) == {
        "1001": ("open", 125000, 125000),
        "1002": ("open", 340050, 140050),  # settled down to the report's open balance
        "1003": ("open", 9999, 9999),
    }
    (note,) = session.scalars(select(CreditNote)).all()
    assert (note.number, note.total_amount, note.open_amount, note.currency) == (
        "CM-7",
        5640,
        5640,
        "GBP",
    )
    assert (
        note.customer_id
        == session.scalars(select(Customer.id).where(Customer.name == "Beta Ltd")).one()
    )
    assert (result.rows, result.created, result.settlements, result.credit_notes) == (5, 4, 1, 1)
    assert result.skipped == ["row 12: Payment (payments come in with `recoup import payments`)"]
    again = import_file(session, org_id=org.id, kind=Kind.INVOICES, path=path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)


@pytest.mark.usefixtures("customers")
def test_bad_rows_in_a_report_are_still_errors(session: Session, run_import: Importer) -> None:
    before = ledger_counts(session)
    with pytest.raises(RowsRejected) as caught:
        run_import(
            "invoices",
            """
Open Invoices
,Date,Transaction type,No.,Customer,Due date,Amount,Open balance
,20/11/2026,Invoice,1003,Nobody Ltd,20/12/2026,99.99,99.99
,18/11/2026,Credit Memo,CM-7,Beta Ltd,18/11/2026,-5x.40,-56.40
TOTAL,,,,,,£43.59,£43.59
""",
        )
    assert [(p.row, p.column) for p in caught.value.problems] == [
        (3, "Customer"),
        (4, "Amount"),
    ]
    assert ledger_counts(session) == before


@pytest.mark.usefixtures("customers")
def test_a_negative_total_typed_invoice_is_an_error(session: Session, run_import: Importer) -> None:
    with pytest.raises(RowsRejected) as caught:
        run_import(
            "invoices",
            """
number,customer,issue_date,total,type
INV-1,C1,2026-01-01,-100.00,Invoice
""",
        )
    assert [str(p) for p in caught.value.problems] == [
        "row 2, total: must be zero or more, got -100.00"
    ]


@pytest.mark.usefixtures("customers")
def test_a_negative_total_is_a_credit_note_in_a_file_with_types(
    session: Session, run_import: Importer
) -> None:
    result = run_import(
        "invoices",
        """
number,customer,issue_date,total,type
INV-1,C1,2026-01-01,100.00,Invoice
CN-1,C1,2026-01-02,-10.00,
""",
    )
    assert (result.created, result.credit_notes) == (2, 1)
    assert "1 of them credit notes (negative or credit rows)" in result.notes()
    (note,) = session.scalars(select(CreditNote)).all()
    assert (note.number, note.total_amount) == ("CN-1", 1000)


def test_xero_contacts_export(session: Session, org: Organisation) -> None:
    org.country = "NL"  # names in the organisation's language are read too ("Nederland")
    path = DATA / "xero_contacts_export.csv"
    result = import_file(session, org_id=org.id, kind=Kind.CUSTOMERS, path=path)
    customers = {c.name: c for c in session.scalars(select(Customer)).all()}
    alpha, beta, gamma = customers["Alpha GmbH"], customers["Beta Ltd"], customers["Gamma B.V."]
    assert (alpha.external_id, beta.external_id, gamma.external_id) == (
        "ALPHA01",
        "Beta Ltd",
        "GAMMA",
    )
    assert (alpha.country, beta.country, gamma.country) == ("DE", "GB", "NL")
    assert alpha.registration_number == "HRB 123456"
    assert alpha.vat_number == "DE136695976"
    assert alpha.address == "Hauptstraße 5\n2. OG\n10115 Berlin\nGermany"
    assert beta.address == "1 High Street\nLeeds\nWest Yorkshire\nLS1 1AA\nUnited Kingdom"  # street
    assert gamma.address == "Postbus 12\n3500 AA Utrecht\nNederland"
    contacts = {c.email: c.name for c in session.scalars(select(Contact)).all()}
    assert contacts == {
        "ap@alpha.example": "Petra Schmidt",
        "ledger@beta.example": "James O'Neill",
        "finance@gamma.example": "finance@gamma.example",
    }
    phones = {c.email: c.phone for c in session.scalars(select(Contact)).all()}
    assert phones == {  # Xero's MobileNumber wins over PhoneNumber: texts go to it
        "ap@alpha.example": "+49 30 1234567",
        "ledger@beta.example": "0113 496 0000",
        "finance@gamma.example": "+31 6 12345678",
    }
    assert result.ignored_columns == [
        "POAttentionTo",
        "SAAttentionTo",
        "FaxNumber",
        "DDINumber",
        "SkypeName",
        "BankAccountName",
        "BankAccountNumber",
        "BankAccountParticulars",
        "AccountsReceivableTaxCodeName",
        "AccountsPayableTaxCodeName",
        "Website",
        "LegalName",
        "Discount",
        "DueDateBillDay",
        "DueDateBillTerm",
    ]


@pytest.mark.parametrize(
    ("country", "message"),
    [
        ("Narnia", "row 2, country: unknown country 'Narnia'"),
        ("XX", "row 2, country: unknown country code 'XX'"),
    ],
)
def test_an_unknown_country_name_is_a_row_error(
    session: Session, run_import: Importer, country: str, message: str
) -> None:
    before = ledger_counts(session)
    with pytest.raises(RowsRejected) as caught:
        run_import("customers", f"name,country\nAlpha GmbH,{country}\n")
    assert [str(p) for p in caught.value.problems] == [message]
    assert ledger_counts(session) == before


def test_a_country_named_in_its_own_language_is_read_whatever_the_organisation(
    session: Session, org: Organisation
) -> None:
    """Xero's export as a British firm writes it, with a Dutch customer's own
    'Nederland': read as NL (it was refused unless the organisation was Dutch)."""
    assert org.country == "GB"
    import_file(session, org_id=org.id, kind=Kind.CUSTOMERS, path=DATA / "xero_contacts_export.csv")
    gamma = session.scalars(select(Customer).where(Customer.external_id == "GAMMA")).one()
    assert gamma.country == "NL"


def test_a_refused_customer_row_is_not_reported_again_for_its_contact(
    session: Session, run_import: Importer
) -> None:
    with pytest.raises(RowsRejected) as caught:
        run_import("customers", "name,country,email\nAlpha GmbH,Narnia,ap@alpha.example\n")
    assert [str(p) for p in caught.value.problems] == ["row 2, country: unknown country 'Narnia'"]


def test_a_german_register_number_must_still_look_like_one(
    session: Session, run_import: Importer
) -> None:
    with pytest.raises(RowsRejected) as caught:
        run_import("customers", "name,country,CompanyNumber\nAlpha GmbH,Germany,HRX 12\n")
    (problem,) = caught.value.problems
    assert (problem.row, problem.column) == (2, "CompanyNumber")


@pytest.mark.usefixtures("customers")
def test_payment_methods_as_finance_teams_write_them(
    session: Session, run_import: Importer
) -> None:
    written = {
        "BACS": "bank_transfer",
        "CHAPS": "bank_transfer",
        "Faster Payments": "bank_transfer",
        "SEPA": "bank_transfer",
        "SWIFT": "bank_transfer",
        "Bank Transfer": "bank_transfer",
        "Cheque": "cheque",
        "check": "cheque",
        "Card": "card",
        "Credit Card": "card",
        "Direct Debit": "direct_debit",
        "SEPA Direct Debit": "direct_debit",
        "Cash": "cash",
    }
    rows = "\n".join(
        f"P{i},C1,2026-02-0{1 + i % 9},1.00,{method}" for i, method in enumerate(written)
    )
    run_import("payments", f"id,customer,date,amount,payment method\n{rows}\n")
    stored = {p.external_id: p.method for p in session.scalars(select(Payment)).all()}
    assert stored == {f"P{i}": method for i, method in enumerate(written.values())}


@pytest.mark.usefixtures("customers")
def test_an_unknown_payment_method_is_a_row_error(session: Session, run_import: Importer) -> None:
    before = ledger_counts(session)
    with pytest.raises(RowsRejected) as caught:
        run_import("payments", "id,customer,date,amount,method\nP1,C1,2026-02-01,1.00,barter\n")
    (problem,) = caught.value.problems
    assert (problem.row, problem.column) == (2, "method")
    assert problem.reason.startswith("unknown payment method 'barter' (bank transfer (BACS")
    assert ledger_counts(session) == before


@pytest.mark.usefixtures("customers")
def test_quickbooks_open_invoices_report_with_its_footer_in_the_date_column(
    session: Session, run_import: Importer
) -> None:
    result = run_import(
        "invoices",
        """
Acme Trading Ltd
Open Invoices
As of November 22, 2026
Date,Transaction Type,No.,Customer,Due Date,Amount,Open Balance,Phone Numbers,Full Name
10/03/2026,Invoice,1001,Alpha GmbH,11/02/2026,"1,250.00","1,250.00",,
11/20/2026,Invoice,1003,Alpha GmbH,12/20/2026,99.99,99.99,,
Total for Alpha GmbH,,,,,"1,349.99","1,349.99",,
TOTAL,,,,,"1,349.99","1,349.99",,

"Monday, November 23, 2026"
""",
    )
    assert invoices(session) == {"1001": ("open", 125000, 125000), "1003": ("open", 9999, 9999)}
    assert result.notes() == ["ignored columns: Phone Numbers, Full Name"]


@pytest.mark.usefixtures("customers")
def test_a_draft_with_unfinished_cells_is_skipped_not_rejected(
    session: Session, run_import: Importer
) -> None:
    result = run_import(
        "invoices",
        """
ContactName,InvoiceNumber,InvoiceDate,DueDate,Total,Status
Alpha GmbH,INV-0050,2026-11-20,TBC,1.2.3,Draft
Alpha GmbH,INV-0051,2026-11-20,2026-12-20,10.00,Awaiting Payment
""",
    )
    assert (result.rows, result.created) == (2, 1)
    assert result.skipped == ["row 2: invoice INV-0050 is Draft (not owed yet)"]


@pytest.mark.usefixtures("customers")
def test_xero_credit_note_lines_fold_into_one_credit_note(
    session: Session, run_import: Importer
) -> None:
    result = run_import(
        "invoices",
        """
ContactName,InvoiceNumber,InvoiceDate,Total,TaxTotal,Description,LineAmount,Currency,Type,Status
Beta Ltd,CN-0007,16/11/2026,60.00,10.00,Widgets returned,40.00,GBP,Sales credit note,Awaiting Payment
Beta Ltd,CN-0007,16/11/2026,60.00,10.00,Delivery refunded,10.00,GBP,Sales credit note,Awaiting Payment
""",
    )
    assert (result.rows, result.created, result.credit_notes) == (2, 1, 1)
    (note,) = session.scalars(select(CreditNote)).all()
    assert (note.number, note.total_amount, note.currency) == ("CN-0007", 6000, "GBP")


@pytest.mark.usefixtures("customers")
def test_applied_credit_memos_on_a_report(session: Session, run_import: Importer) -> None:
    report = """
,Date,Transaction type,No.,Customer full name,Due date,Amount,Open balance
,18/11/2026,Credit Memo,CM-8,Beta Ltd,18/11/2026,-56.40,0.00
,19/11/2026,Invoice,1010,Beta Ltd,19/12/2026,100.00,100.00
"""
    result = run_import("invoices", report)
    assert result.skipped == [
        "row 2: credit note CM-8 is fully applied in the accounting system "
        "(already in its invoices' open balances)"
    ]
    assert session.scalars(select(CreditNote)).all() == []
    # Partly applied: 36.40 is in some invoice's open balance already, 20.00 is still
    # there to apply.
    result = run_import("invoices", report.replace("-56.40,0.00", "-56.40,-20.00"))
    assert result.credit_notes == 1
    (note,) = session.scalars(select(CreditNote)).all()
    assert (note.number, note.total_amount, note.open_amount, note.status) == (
        "CM-8",
        5640,
        2000,
        "open",
    )


@pytest.mark.usefixtures("customers")
def test_contacts_named_by_first_and_last_name(session: Session, run_import: Importer) -> None:
    run_import(
        "contacts",
        """
Customer,FirstName,LastName,EmailAddress
C1,Petra,Schmidt,petra@alpha.example
C2,,,ap@beta.example
""",
    )
    names = {c.email: c.name for c in session.scalars(select(Contact)).all()}
    assert names["petra@alpha.example"] == "Petra Schmidt"
    assert names["ap@beta.example"] == "ap@beta.example"


def test_xero_sales_terms_set_the_customers_due_dates(
    session: Session, org: Organisation, run_import: Importer
) -> None:
    """Xero's DueDateSalesDay/DueDateSalesTerm: 30 days after the invoice date, the 20th
    of the following month, 10 days after the end of the invoice month."""
    run_import(
        "customers",
        """
*ContactName,AccountNumber,DueDateSalesDay,DueDateSalesTerm
Alpha GmbH,A1,30,DAYSAFTERBILLDATE
Beta Ltd,B1,20,OFFOLLOWINGMONTH
Gamma BV,G1,10,day(s) after the end of the invoice month
""",
    )
    terms = {
        c.external_id: (c.payment_terms_days, c.payment_terms_basis)
        for c in session.scalars(select(Customer).where(Customer.org_id == org.id))
    }
    assert terms == {"A1": (30, ""), "B1": (20, "following_month"), "G1": (10, "month_end")}
    run_import(
        "invoices",
        """
number,customer,issue_date,total
INV-1,A1,2026-01-15,100.00
INV-2,B1,2026-01-15,100.00
INV-3,G1,2026-01-15,100.00
""",
    )
    due = {
        i.number: i.due_date
        for i in session.scalars(select(Invoice).where(Invoice.org_id == org.id))
    }
    assert due == {
        "INV-1": date(2026, 2, 14),
        "INV-2": date(2026, 2, 20),
        "INV-3": date(2026, 2, 10),
    }


def test_unknown_sales_terms_are_refused(
    session: Session, org: Organisation, run_import: Importer
) -> None:
    with pytest.raises(RowsRejected) as caught:
        run_import(
            "customers",
            "*ContactName,DueDateSalesDay,DueDateSalesTerm\nAlpha GmbH,40,OFFOLLOWINGMONTH\n"
            "Beta Ltd,5,fortnightly\n",
        )
    assert [str(p) for p in caught.value.problems] == [
        "row 2, DueDateSalesDay: a day of the month is 1 to 31, got 40",
        "row 3, DueDateSalesTerm: unknown terms basis 'fortnightly' (days after the invoice "
        "date, days after the end of the invoice month, of the following month, of the "
        "current month)",
    ]


def test_quickbooks_customer_contact_list_names_the_contact(
    session: Session, run_import: Importer
) -> None:
    # QuickBooks Online's Customer Contact List: the customer, then its contact person
    # as "Full Name" (a letter is addressed to them, not to "accounts team").
    result = run_import(
        "customers",
        """
Customer,Phone Numbers,Email,Full Name,Billing Address,Shipping Address
Avonmouth Signs Ltd,Phone: 0117 496 0001,tom@avonmouth.example,Tom Hale,"1 Dock Rd, Bristol BS11 9AA",
""",
    )
    (contact,) = session.scalars(select(Contact)).all()
    assert (contact.name, contact.email) == ("Tom Hale", "tom@avonmouth.example")
    assert result.ignored_columns == ["Phone Numbers", "Shipping Address"]
    # Its one-cell address, on the lines a letter's window shows.
    (customer,) = session.scalars(select(Customer)).all()
    assert customer.address == "1 Dock Rd\nBristol BS11 9AA"


def test_a_report_grouped_by_customer_skips_its_headings_and_totals(
    session: Session, run_import: Importer
) -> None:
    # Xero's aged receivables, grouped by contact: the contact's name alone heads its
    # invoices and "Total <contact>" closes them; neither is an invoice.
    run_import(
        "customers", "external_id,name,currency,country\nB1,Beta Ltd,GBP,GB\nG1,Gamma Ltd,GBP,GB"
    )
    result = run_import(
        "invoices",
        """
Aged Receivables Detail
Acme Ltd
As at 1 December 2026

Invoice Date,Invoice Number,Due Date,Total,Contact
Beta Ltd
20 Jul 2026,INV-100,19 Aug 2026,"£1,560.00",Beta Ltd
20 Nov 2026,INV-101,20 Dec 2026,"£2,040.00",Beta Ltd
Total Beta Ltd,,,"£3,600.00",
Gamma Ltd
1 Oct 2026,INV-102,31 Oct 2026,£780.00,Gamma Ltd
Total Gamma Ltd,,,£780.00,
Total,,,"£4,380.00",
""",
    )
    numbers = sorted(i.number for i in session.scalars(select(Invoice)).all())
    assert numbers == ["INV-100", "INV-101", "INV-102"]
    assert result.created == 3


def test_a_lone_name_that_heads_no_group_is_still_an_error(
    session: Session, run_import: Importer
) -> None:
    run_import(
        "customers", "external_id,name,currency,country\nB1,Beta Ltd,GBP,GB\nG1,Gamma Ltd,GBP,GB"
    )
    with pytest.raises(RowsRejected) as refused:
        run_import(
            "invoices",
            """
Invoice Date,Invoice Number,Due Date,Total,Contact
Beta Ltd
20 Jul 2026,INV-100,19 Aug 2026,£1.00,Gamma Ltd
""",
        )
    assert [str(p) for p in refused.value.problems][:1] == [
        "row 2, Invoice Date: 'Beta Ltd' is not a date"
    ]


def test_a_payment_to_be_created_is_shown_by_amount_payer_and_day(
    session: Session, run_import: Importer
) -> None:
    # QuickBooks' "Ref no." is the payer's reference; a dry run names a payment as a
    # person would, not by its derived key.
    run_import("customers", CUSTOMERS)
    result = run_import(
        "payments",
        """
Date,Customer,Amount,Payment method,Ref no.
03/12/2026,Beta Ltd,"£1,000.00",BACS,BETA REMIT 7
""",
        dry_run=True,
    )
    assert result.changes == [
        "row 2: create payment of £1,000.00 from Beta Ltd on 3 Dec 2026 (reference BETA REMIT 7)"
    ]


def test_a_customer_without_a_time_zone_keeps_its_country_s(
    session: Session, run_import: Importer
) -> None:
    # Messages go out in the customer's sending hours: 08:00 in Leeds or New York, not
    # 08:00 UTC (3 a.m. in New York). A zone given in the file, or set since, stays; a
    # customer of no country (a QuickBooks contact list) keeps the organisation's (GB).
    run_import(
        "customers",
        "external_id,name,currency,country,timezone\n"
        "C1,Leeds Ltd,GBP,GB,\nC2,Bronx Inc,USD,US,\nC3,Perth Pty,AUD,AU,Australia/Perth\n"
        "C4,Nowhere Ltd,GBP,,\n",
    )
    zones = {c.external_id: c.timezone for c in session.scalars(select(Customer)).all()}
    assert zones == {"C1": "Europe/London", "C2": "America/New_York", "C3": "Australia/Perth",
                     "C4": "Europe/London"}  # fmt: skip
    again = run_import("customers", "external_id,name,currency,country\nC3,Perth Pty,AUD,AU\n")
    assert (again.updated, again.unchanged) == (0, 1)
