"""The export files, as pure functions: what Recoup recorded, as entries, laid out in the
columns each accounting product imports.

Which file each product takes for each kind of record:

* **Xero** has no CSV import of receipts; payments and their allocations go in as a
  bank statement (Xero's statement CSV template: ``*Date``, ``*Amount``, ``Payee``,
  ``Description``, ``Reference``, ``Cheque Number``; dates DD/MM/YYYY, money in
  positive — Xero help "Import a bank statement", template ``StatementImportTemplate.csv``),
  where Xero's bank reconciliation matches each line to the invoice named in
  ``Reference``. Charges are sales invoices and credit notes and write-offs are credit
  notes, both in Xero's sales invoice template (``SalesInvoiceTemplate.csv``: the
  starred columns are required; a negative ``*UnitAmount`` makes a credit note — Xero
  help "Import invoices and credit notes").
* **QuickBooks Online** likewise takes payments as a bank upload (the three-column
  ``Date``, ``Description``, ``Amount`` CSV of "Upload bank transactions"); charges
  through Settings › Import Data › Invoices (``Invoice number``, ``Customer``,
  ``Invoice date``, ``Due date``, ``Terms``, ``Memo``, ``Item (Product/Service)``,
  ``Item Description``, ``Item Quantity``, ``Item Rate``, ``Item Amount``: the headings it
  maps by itself — Intuit, "Import invoices in batches",
  https://quickbooks.intuit.com/learn-support/en-ca/help-articles/import-invoices-in-batches/01/338729,
  and the QuickBooks community answer listing them); credit notes and write-offs
  through Import Data › Credit notes (Intuit, "How to import credit notes",
  https://quickbooks.intuit.com/learn-support/en-us/help-articles/how-to-import-credit-notes/00/332855).
* **csv**: every field, ISO dates, for anything else.

Amounts are plain decimals (``1234.50``) in the entry's currency; an allocation of a
credit note is not a bank movement and appears only in the csv format.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from recoup import money

Kind = Literal["payments", "allocations", "charges", "credit-notes", "write-offs"]
Format = Literal["xero", "quickbooks", "csv"]
KINDS: tuple[Kind, ...] = ("payments", "allocations", "charges", "credit-notes", "write-offs")
FORMATS: tuple[Format, ...] = ("xero", "quickbooks", "csv")


@dataclass(frozen=True, slots=True)
class Entry:
    """One record to export, in the terms every format needs.

    ``number`` is the record's own number (a payment's reference, ``CHG-12`` for a
    charge, a credit note's number, ``WO-3`` for a write-off, ``ALLOC-7``);
    ``invoice`` the invoice it concerns; ``source`` what an allocation applied
    (``payment`` or ``credit_note``)."""

    kind: Kind
    record_id: int
    on: date
    customer: str  # the customer's external id (the accounting system's key)
    customer_name: str
    number: str
    currency: str
    amount: int  # minor units, positive
    invoice: str = ""
    description: str = ""
    reference: str = ""
    source: str = ""
    due_on: date | None = None


@dataclass(frozen=True, slots=True)
class Accounts:
    """Account codes and tax code the product books to (its chart of accounts): the
    defaults are Xero's demo chart (200 Sales, 260 Other Revenue)."""

    charges: str = "260"
    credit_notes: str = "200"
    write_offs: str = "200"
    tax_type: str = "Tax Exempt"
    item: str = "Services"  # QuickBooks' product/service for the lines


def _dmy(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _mdy(day: date) -> str:
    return day.strftime("%m/%d/%Y")


def _amount(entry: Entry, sign: int = 1) -> str:
    return money.format_minor(sign * entry.amount, entry.currency)


XERO_STATEMENT = ("*Date", "*Amount", "Payee", "Description", "Reference", "Cheque Number")
XERO_INVOICES = (
    "*ContactName",
    "EmailAddress",
    "POAddressLine1",
    "POAddressLine2",
    "POAddressLine3",
    "POAddressLine4",
    "POCity",
    "PORegion",
    "POPostalCode",
    "POCountry",
    "*InvoiceNumber",
    "Reference",
    "*InvoiceDate",
    "*DueDate",
    "InventoryItemCode",
    "*Description",
    "*Quantity",
    "*UnitAmount",
    "Discount",
    "*AccountCode",
    "*TaxType",
    "TrackingName1",
    "TrackingOption1",
    "TrackingName2",
    "TrackingOption2",
    "Currency",
    "BrandingTheme",
)
QBO_BANK = ("Date", "Description", "Amount")
# The headings QuickBooks maps by itself (Intuit: "the fields marked with * are
# mandatory ... mapped automatically if the following column headers are used").
QBO_INVOICES = (
    "Invoice number",
    "Customer",
    "Invoice date",
    "Due date",
    "Terms",
    "Memo",
    "Item (Product/Service)",
    "Item Description",
    "Item Quantity",
    "Item Rate",
    "Item Amount",
    "Currency",
)
# The credit-note import asks to map each heading ("Map column headings"); these name
# the same fields as the invoice import's.
QBO_CREDIT_NOTES = (
    "Credit note number",
    "Customer",
    "Credit note date",
    "Memo",
    "Item (Product/Service)",
    "Item Description",
    "Item Quantity",
    "Item Rate",
    "Item Amount",
    "Currency",
)
CSV_COLUMNS = (
    "kind",
    "id",
    "date",
    "customer",
    "customer_name",
    "number",
    "invoice",
    "source",
    "currency",
    "amount",
    "reference",
    "description",
)


def exportable(entries: Sequence[Entry], fmt: Format) -> list[Entry]:
    """The entries a format can carry: allocations of credit notes are not bank lines,
    so only the csv format has them."""
    if fmt == "csv":
        return list(entries)
    return [e for e in entries if not (e.kind == "allocations" and e.source != "payment")]


def _statement_line(entry: Entry) -> str:
    if entry.kind == "allocations":
        return f"{entry.reference} applied to {entry.invoice}"
    return entry.description


def layout(
    kind: Kind, fmt: Format, entries: Sequence[Entry], accounts: Accounts = Accounts()
) -> tuple[tuple[str, ...], list[list[str]]]:
    """The header and rows of the file for ``entries`` of ``kind`` in ``fmt``.

    >>> entry = Entry("payments", 1, date(2026, 5, 4), "C1", "Kestrel Ltd", "P-1", "EUR",
    ...               12050, description="card payment", reference="INV-1")
    >>> layout("payments", "xero", [entry])[1]
    [['04/05/2026', '120.50', 'Kestrel Ltd', 'card payment', 'INV-1', '']]
    >>> layout("payments", "quickbooks", [entry])[1]
    [['05/04/2026', 'Kestrel Ltd: card payment (INV-1)', '120.50']]
    """
    if fmt == "csv":
        return CSV_COLUMNS, [
            [
                e.kind,
                str(e.record_id),
                e.on.isoformat(),
                e.customer,
                e.customer_name,
                e.number,
                e.invoice,
                e.source,
                e.currency,
                _amount(e),
                e.reference,
                e.description,
            ]
            for e in entries
        ]
    if kind in ("payments", "allocations"):
        if fmt == "xero":
            return XERO_STATEMENT, [
                [
                    _dmy(e.on),
                    _amount(e),
                    e.customer_name,
                    _statement_line(e),
                    e.invoice or e.reference,
                    "",
                ]
                for e in entries
            ]
        return QBO_BANK, [
            [
                _mdy(e.on),
                f"{e.customer_name}: {_statement_line(e)} ({e.invoice or e.reference})",
                _amount(e),
            ]
            for e in entries
        ]
    credit = kind != "charges"
    code = {
        "charges": accounts.charges,
        "credit-notes": accounts.credit_notes,
        "write-offs": accounts.write_offs,
    }[kind]
    if fmt == "xero":
        rows = []
        for e in entries:
            row = dict.fromkeys(XERO_INVOICES, "")
            row.update(
                {
                    "*ContactName": e.customer_name,
                    "*InvoiceNumber": e.number,
                    "Reference": e.invoice,
                    "*InvoiceDate": _dmy(e.on),
                    "*DueDate": _dmy(e.due_on or e.on),
                    "*Description": e.description,
                    "*Quantity": "1",
                    "*UnitAmount": _amount(e, -1 if credit else 1),
                    "*AccountCode": code,
                    "*TaxType": accounts.tax_type,
                    "Currency": e.currency,
                }
            )
            rows.append(list(row.values()))
        return XERO_INVOICES, rows
    if not credit:
        return QBO_INVOICES, [
            [
                e.number,
                e.customer_name,
                _mdy(e.on),
                _mdy(e.due_on or e.on),
                "",
                e.invoice and f"Invoice {e.invoice}",
                accounts.item,
                e.description,
                "1",
                _amount(e),
                _amount(e),
                e.currency,
            ]
            for e in entries
        ]
    return QBO_CREDIT_NOTES, [
        [
            e.number,
            e.customer_name,
            _mdy(e.on),
            e.invoice and f"Invoice {e.invoice}",
            accounts.item,
            e.description,
            "1",
            _amount(e),
            _amount(e),
            e.currency,
        ]
        for e in entries
    ]
