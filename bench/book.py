"""The prebuilt 1,000,000-invoice books that the workers and analytics benchmarks copy.

``python -m bench.book sqlite|postgresql [--customers N --invoices M] [--template NAME]``
imports the bench files (100,000 customers, 1,000,000 invoices by default) into a fresh
database through Recoup's own import, then makes the first daily run over it. The SQLite
book is ``bench/out/book-1m.db``; the PostgreSQL book is the database ``recoup_1m_tpl``
(or ``NAME``), which
``python -m bench.workers --template recoup_1m_tpl`` and ``bench.analytics`` copy. It
takes some 15-25 minutes per database on two cores.
"""

import argparse
import os
import shutil
import sys

import psycopg
from sqlalchemy import make_url

from bench.__main__ import OUT, fresh_database, run_step
from bench.data import files

TEMPLATE = "recoup_1m_tpl"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("database", choices=("sqlite", "postgresql"))
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument("--template", default=TEMPLATE, help="the PostgreSQL book's name")
    args = parser.parse_args()
    customer_file, invoice_file = files(OUT / "data", args.customers, args.invoices)
    url = fresh_database(args.database)
    for step in (("customers", url, str(customer_file)), ("invoices", url, str(invoice_file))):
        print(step[0], run_step(*step), flush=True)
    print("first run", run_step("plan", url), flush=True)
    if args.database == "sqlite":
        target = OUT / "book-1m.db"
        shutil.copyfile(OUT / "bench.db", target)
        print(f"book: {target}")
        return
    base = make_url(os.environ["RECOUP_TEST_DATABASE_URL"])
    admin = base.set(drivername="postgresql", database="postgres").render_as_string(False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {args.template} WITH (FORCE)")
        connection.execute(f"ALTER DATABASE recoup_bench RENAME TO {args.template}")
    print(f"book: database {args.template}", file=sys.stderr)


if __name__ == "__main__":
    main()
