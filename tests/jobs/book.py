"""A committed book of many customers, loaded by the importer (fast enough for
thousands): each customer British, with an email contact and two invoices due on
2 March 2026, so that the run of 3 March plans one due notice per customer."""

import csv
from pathlib import Path

from sqlalchemy import Engine

from recoup.db import transaction
from recoup.demo.generator import CUSTOMER_HEADER, INVOICE_HEADER
from recoup.imports.columns import Kind
from recoup.imports.service import import_file
from recoup.ledger import service as ledger

RUN_DAY = "2026-03-03"


def create(engine: Engine, folder: Path, *, customers: int) -> int:
    """The organisation ``acme`` with ``customers`` customers; its id."""
    folder.mkdir(parents=True, exist_ok=True)
    customer_file, invoice_file = folder / "customers.csv", folder / "invoices.csv"
    with customer_file.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(CUSTOMER_HEADER)
        for n in range(1, customers + 1):
            writer.writerow(
                [
                    f"C{n:05d}", f"Customer {n} Ltd", "GB", "GBP", "en", "Europe/London",
                    "30", "", "", "sam@acme.example", "Accounts Payable",
                    f"ap{n}@customer.example", "", f"{n} High Street, Manchester",
                    "owner@acme.example",
                ]
            )  # fmt: skip
    with invoice_file.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(INVOICE_HEADER)
        for n in range(1, customers + 1):
            for number, total in ((f"INV-{n}-1", "1000.00"), (f"INV-{n}-2", "200.00")):
                writer.writerow(
                    [number, f"C{n:05d}", "2026-01-31", "2026-03-02", total, "", "GBP", ""]
                )
    with transaction(engine, actor="test") as session:
        org_id = ledger.create_organisation(
            session,
            slug="acme",
            name="Acme Supplies Ltd",
            country="GB",
            base_currency="GBP",
            address="1 Market Street\nLondon EC1A 1AA",
            email="credit@acme.example",
            phone="+44 20 7946 0000",
            bank_name="Example Bank plc",
            iban="GB33BUKB20201555555555",
            bic="BUKBGB22",
        ).id
    for kind, path in ((Kind.CUSTOMERS, customer_file), (Kind.INVOICES, invoice_file)):
        with transaction(engine, actor="test") as session:
            import_file(session, org_id=org_id, kind=kind, path=path)
    return org_id
