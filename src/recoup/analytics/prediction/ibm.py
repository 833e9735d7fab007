"""The public IBM accounts-receivable sample (2,466 paid invoices of 100 customers,
2012-2013) loaded through Recoup's own imports, for the model's benchmark.

The file's columns and where they go:

* ``customerID`` -> a customer (external id and name, currency USD), with
  ``countryCode`` (a numeric code, not ISO 3166, so not the customer's country) as
  its tag ``country-<code>``, which the model reads as the customer's segment;
* ``invoiceNumber``, ``InvoiceDate``, ``DueDate``, ``InvoiceAmount`` -> an invoice
  (``recoup import invoices``: number, issue_date, due_date, total);
* ``SettledDate`` -> a payment of the whole ``InvoiceAmount`` received that day and
  applied to the invoice (``recoup import payments``: received_on, amount, invoices);
* ``Disputed`` = Yes -> a dispute on the invoice opened on its issue date (the column
  stands for the invoice's dispute state at scoring time);
* ``DaysToSettle`` and ``DaysLate`` are not imported: Recoup computes them from the
  dates; ``PaperlessDate`` / ``PaperlessBill`` are not imported: Recoup keeps a
  contact's channel as it is now, not its history, so the model could not know which
  applied when an invoice was issued.
"""

import csv
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from recoup.cases import disputes as case_disputes
from recoup.imports.columns import Kind
from recoup.imports.service import import_rows
from recoup.ledger import service as ledger


@dataclass(frozen=True, slots=True)
class Loaded:
    """What the load wrote."""

    customers: int
    invoices: int
    payments: int
    disputes: int


def _day(text: str) -> date:
    return datetime.strptime(text, "%m/%d/%Y").date()


def load(session: Session, *, org_id: int, path: Path, disputes: bool = True) -> Loaded:
    """Import the IBM file at ``path`` into the organisation (without its disputes
    when ``disputes`` is false)."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    countries: dict[str, str] = {}
    for row in rows:
        countries.setdefault(row["customerID"], row["countryCode"])
    customers = import_rows(
        session,
        org_id=org_id,
        kind=Kind.CUSTOMERS,
        header=["external_id", "name", "currency", "tags", "payment_terms_days"],
        rows=[[c, c, "USD", f"country-{code}", "30"] for c, code in countries.items()],
    )
    invoices = import_rows(
        session,
        org_id=org_id,
        kind=Kind.INVOICES,
        header=["number", "customer", "issue_date", "due_date", "total"],
        rows=[
            [
                r["invoiceNumber"],
                r["customerID"],
                r["InvoiceDate"],
                r["DueDate"],
                r["InvoiceAmount"],
            ]
            for r in rows
        ],
        date_order="mdy",
    )
    opened = 0
    if disputes:
        by_number = {
            i.number: i
            for c in ledger.customers(session, org_id=org_id)
            for i in ledger.open_invoices(session, org_id=org_id, customer_id=c.id)
        }
        for r in rows:
            if r["Disputed"].strip().lower() != "yes":
                continue
            invoice = by_number[r["invoiceNumber"]]
            case_disputes.open_dispute(
                session,
                org_id=org_id,
                customer_id=invoice.customer_id,
                invoice_ids=[invoice.id],
                reason="other",
                opened_on=_day(r["InvoiceDate"]),
            )
            opened += 1
    payments = import_rows(
        session,
        org_id=org_id,
        kind=Kind.PAYMENTS,
        header=["external_id", "customer", "received_on", "amount", "invoices"],
        rows=[
            [
                f"settled-{r['invoiceNumber']}",
                r["customerID"],
                r["SettledDate"],
                r["InvoiceAmount"],
                r["invoiceNumber"],
            ]
            for r in rows
        ],
        date_order="mdy",
    )
    return Loaded(customers.created, invoices.created, payments.created, opened)
