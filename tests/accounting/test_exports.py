"""Exports to the accounting system: a small ledger built by hand, exported in each
format, compared with the exact files Xero, QuickBooks Online and a spreadsheet get;
``--since-last`` writes each record once."""

import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from recoup.accounting import service
from recoup.cases import agency
from recoup.charges import service as charges
from recoup.charges.core import LateFee
from recoup.errors import InvalidInput
from recoup.ledger import service as ledger
from tests.factories import make_credit_note, make_customer, make_invoice, make_org


@dataclass
class Book:
    org_id: int
    payment: int
    allocations: list[int]
    note: int
    charge: int
    charge_text: str
    write_off: int
    write_off_note: int


def _book(session: Session) -> Book:
    """Kestrel Tools Ltd (C1): INV-1 100.00 and INV-2 50.00 (due 31 January); a bank
    payment of 120.00 on 3 February, 100.00 applied to INV-1 and 20.00 to INV-2; credit
    note CN-1 of 10.00 on 5 February applied to INV-2; a late fee of 40.00 on INV-2 on
    1 March; INV-3 (75.00) written off on 10 March."""
    org = make_org(session)
    customer = make_customer(session, org=org, name="Kestrel Tools Ltd")
    inv1 = make_invoice(session, customer=customer, number="INV-1", total="100.00")
    inv2 = make_invoice(session, customer=customer, number="INV-2", total="50.00")
    inv3 = make_invoice(session, customer=customer, number="INV-3", total="75.00")
    payment = ledger.record_payment(
        session,
        org_id=org.id,
        customer_id=customer.id,
        received_on=date(2026, 2, 3),
        amount=Decimal("120.00"),
        currency="EUR",
        external_id="P-100",
        reference="RF18 INV-1 INV-2",
    )
    for invoice, amount in ((inv1, "100.00"), (inv2, "20.00")):
        ledger.allocate(
            session,
            org_id=org.id,
            invoice_id=invoice.id,
            amount=Decimal(amount),
            on=date(2026, 2, 3),
            payment_id=payment.id,
        )
    note = make_credit_note(session, customer=customer, number="CN-1", issue_date=date(2026, 2, 5))
    note.reason = "Damaged goods"
    ledger.allocate(
        session,
        org_id=org.id,
        invoice_id=inv2.id,
        amount=Decimal("10.00"),
        on=date(2026, 2, 5),
        credit_note_id=note.id,
    )
    fee = charges.charge_late_fee(
        session,
        org_id=org.id,
        invoice_id=inv2.id,
        fee=LateFee(amount=Decimal("40.00")),
        key="fee:inv2",
        as_of=date(2026, 3, 1),
    ).charge
    assert fee is not None
    write_off = agency.request_write_off(
        session,
        org_id=org.id,
        invoice_id=inv3.id,
        reason="customer insolvent",
        requested_by="sam@acme.example",
        on=date(2026, 3, 9),
    )
    agency.approve_write_off(
        session,
        org_id=org.id,
        write_off_id=write_off.id,
        approver="boss@acme.example",
        approver_role="manager",
        on=date(2026, 3, 10),
    )
    allocations = sorted(a.id for a in ledger.allocation_records(session, org_id=org.id))
    assert write_off.credit_note_id is not None
    return Book(
        org.id,
        payment.id,
        allocations,
        note.id,
        fee.id,
        # The customer's words for the charge (it prints on their invoice), not the
        # rule the engine recorded ("Late fee on INV-2: 40.00 EUR (policy)").
        "Late payment fee (invoice INV-2)",
        write_off.id,
        write_off.credit_note_id,
    )


def _export(session: Session, book: Book, kind: str, fmt: str, **options: object) -> str:
    out = io.StringIO(newline="")
    if "since" not in options and "since_last" not in options:
        options["since"] = date(2026, 1, 1)
    service.export(session, org_id=book.org_id, kind=kind, fmt=fmt, out=out, **options)  # type: ignore[arg-type]
    return out.getvalue()


def test_payments_as_a_xero_bank_statement(session: Session) -> None:
    book = _book(session)
    assert _export(session, book, "payments", "xero") == (
        "*Date,*Amount,Payee,Description,Reference,Cheque Number\r\n"
        "03/02/2026,120.00,Kestrel Tools Ltd,bank transfer P-100,RF18 INV-1 INV-2,\r\n"
    )


def test_allocations_as_statement_lines_per_invoice(session: Session) -> None:
    book = _book(session)
    assert _export(session, book, "allocations", "xero") == (
        "*Date,*Amount,Payee,Description,Reference,Cheque Number\r\n"
        "03/02/2026,100.00,Kestrel Tools Ltd,Payment P-100 applied to INV-1,INV-1,\r\n"
        "03/02/2026,20.00,Kestrel Tools Ltd,Payment P-100 applied to INV-2,INV-2,\r\n"
    )
    assert _export(session, book, "allocations", "quickbooks", since=date(2026, 2, 1)) == (
        "Date,Description,Amount\r\n"
        "02/03/2026,Kestrel Tools Ltd: Payment P-100 applied to INV-1 (INV-1),100.00\r\n"
        "02/03/2026,Kestrel Tools Ltd: Payment P-100 applied to INV-2 (INV-2),20.00\r\n"
    )
    a1, a2, a3, a4 = book.allocations  # the payment's two, CN-1's, the write-off's
    assert _export(session, book, "allocations", "csv") == (
        "kind,id,date,customer,customer_name,number,invoice,source,currency,amount,reference,description\r\n"
        f"allocations,{a1},2026-02-03,C1,Kestrel Tools Ltd,ALLOC-{a1},INV-1,payment,EUR,100.00,Payment P-100,Payment P-100\r\n"
        f"allocations,{a2},2026-02-03,C1,Kestrel Tools Ltd,ALLOC-{a2},INV-2,payment,EUR,20.00,Payment P-100,Payment P-100\r\n"
        f"allocations,{a3},2026-02-05,C1,Kestrel Tools Ltd,ALLOC-{a3},INV-2,credit_note,EUR,10.00,Credit note CN-1,Credit note CN-1\r\n"
        f"allocations,{a4},2026-03-10,C1,Kestrel Tools Ltd,ALLOC-{a4},INV-3,credit_note,EUR,75.00,Credit note WO-{book.write_off},Credit note WO-{book.write_off}\r\n"
    )


def test_charges_as_sales_invoices(session: Session) -> None:
    book = _book(session)
    blank5, blank9 = ",,,,", ",,,,,,,,"
    assert _export(session, book, "charges", "xero") == (
        "*ContactName,EmailAddress,POAddressLine1,POAddressLine2,POAddressLine3,POAddressLine4,"
        "POCity,PORegion,POPostalCode,POCountry,*InvoiceNumber,Reference,*InvoiceDate,*DueDate,"
        "InventoryItemCode,*Description,*Quantity,*UnitAmount,Discount,*AccountCode,*TaxType,"
        "TrackingName1,TrackingOption1,TrackingName2,TrackingOption2,Currency,BrandingTheme\r\n"
        f"Kestrel Tools Ltd,{blank9},CHG-{book.charge},INV-2,01/03/2026,01/03/2026,,"
        f"{book.charge_text},1,40.00,,260,Tax Exempt,{blank5}EUR,\r\n"
    )
    assert _export(session, book, "charges", "quickbooks") == (
        "Invoice number,Customer,Invoice date,Due date,Terms,Memo,Item (Product/Service),"
        "Item Description,Item Quantity,Item Rate,Item Amount,Currency\r\n"
        f"CHG-{book.charge},Kestrel Tools Ltd,03/01/2026,03/01/2026,,Invoice INV-2,Services,"
        f"{book.charge_text},1,40.00,40.00,EUR\r\n"
    )


def test_credit_notes_and_write_offs_as_credit_notes(session: Session) -> None:
    book = _book(session)
    xero = _export(session, book, "credit-notes", "xero").splitlines()
    # CN-1 only: the write-off's credit note goes out as the write-off.
    assert xero[1:] == [
        "Kestrel Tools Ltd,,,,,,,,,,CN-1,,05/02/2026,05/02/2026,,Damaged goods,1,-10.00,,200,"
        "Tax Exempt,,,,,EUR,"
    ]
    assert _export(session, book, "write-offs", "quickbooks") == (
        "Credit note number,Customer,Credit note date,Memo,Item (Product/Service),"
        "Item Description,Item Quantity,Item Rate,Item Amount,Currency\r\n"
        f"WO-{book.write_off},Kestrel Tools Ltd,03/10/2026,Invoice INV-3,Services,"
        "Write-off: customer insolvent,1,75.00,75.00,EUR\r\n"
    )
    assert _export(
        session, book, "write-offs", "xero", accounts=service.Accounts(write_offs="684")
    ).splitlines()[1] == (
        f"Kestrel Tools Ltd,,,,,,,,,,WO-{book.write_off},INV-3,10/03/2026,10/03/2026,,"
        "Write-off: customer insolvent,1,-75.00,,684,Tax Exempt,,,,,EUR,"
    )


def test_since_last_writes_each_record_once(session: Session) -> None:
    book = _book(session)
    first = _export(session, book, "payments", "csv", since_last=True)
    assert first.count("\r\n") == 2
    assert _export(session, book, "payments", "csv", since_last=True) == (
        "kind,id,date,customer,customer_name,number,invoice,source,currency,amount,reference,description\r\n"
    )
    customer = ledger.get_customer(session, org_id=book.org_id, external_id="C1")
    later = ledger.record_payment(
        session,
        org_id=book.org_id,
        customer_id=customer.id,
        received_on=date(2026, 1, 20),  # dated before the first: still new
        amount=Decimal("5.00"),
        currency="EUR",
        external_id='=HYPERLINK("x")',
    )
    assert _export(session, book, "payments", "csv", since_last=True).splitlines()[1:] == [
        f'payments,{later.id},2026-01-20,C1,Kestrel Tools Ltd,"\'=HYPERLINK(""x"")",,,'
        'EUR,5.00,"\'=HYPERLINK(""x"")","bank transfer =HYPERLINK(""x"")"'
    ]
    # --since repeats what it covers, and remembers nothing twice.
    assert _export(session, book, "payments", "csv", since=date(2026, 1, 1)).count("\r\n") == 3
    assert _export(session, book, "payments", "csv", since_last=True).count("\r\n") == 1


def test_a_wrong_request_is_refused(session: Session) -> None:
    book = _book(session)
    with pytest.raises(InvalidInput, match="either --since DATE or --since-last"):
        _export(session, book, "payments", "csv", since=date(2026, 1, 1), since_last=True)
    with pytest.raises(InvalidInput, match="kind: choose one of payments"):
        _export(session, book, "invoices", "csv")
    with pytest.raises(InvalidInput, match="format: choose one of xero"):
        _export(session, book, "payments", "sage")
