"""Benchmark input files, made by the demo generator at scale and cached by size."""

import csv
import itertools
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from recoup.demo import generator

AS_OF = date(2026, 11, 22)


def _round_robin(customers: list[generator.DemoCustomer], seed: int) -> Iterator[list[str]]:
    """Invoices taken one per customer in turn, so every customer gets its share."""
    histories = [
        (invoice for invoice, _ in generator.history(c, seed, AS_OF, months=24)) for c in customers
    ]
    while histories:
        alive = []
        for history in histories:
            invoice = next(history, None)
            if invoice is not None:
                yield invoice
                alive.append(history)
        histories = alive


def files(folder: Path, customers: int, invoices: int, seed: int = 1) -> tuple[Path, Path]:
    """``(customers.csv, invoices.csv)`` of the given sizes, generated once."""
    folder.mkdir(parents=True, exist_ok=True)
    customer_file = folder / f"customers-{customers}-{seed}.csv"
    invoice_file = folder / f"invoices-{customers}-{invoices}-{seed}.csv"
    people = list(generator.customers(customers, seed))
    if not customer_file.exists():
        with customer_file.open("w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(generator.CUSTOMER_HEADER)
            for i, customer in enumerate(people):
                writer.writerow(customer.row(generator.COLLECTORS[i % len(generator.COLLECTORS)]))
    if not invoice_file.exists():
        partial = invoice_file.with_suffix(".partial")
        with partial.open("w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(generator.INVOICE_HEADER)
            writer.writerows(itertools.islice(_round_robin(people, seed), invoices))
        partial.rename(invoice_file)
    return customer_file, invoice_file
