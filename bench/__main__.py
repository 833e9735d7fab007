"""``make bench``: import, aging, the daily run (the first and the next day's), dispatch,
the web pages and a bank statement's cash application at scale on SQLite and PostgreSQL.

Each step runs in its own process (its own peak memory); each time is printed with a
lower bound measured in the same run on the same database, and the ratio to it.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
from datetime import date
from pathlib import Path

import psycopg
from sqlalchemy import make_url

from bench.cashapp import write_statement
from bench.data import files
from recoup.db import make_engine, transaction
from recoup.db.migrate import upgrade
from recoup.ledger import service as ledger

OUT = Path(__file__).parent / "out"


def fresh_database(kind: str) -> str:
    """An empty, migrated database with the bench organisation; its URL."""
    if kind == "sqlite":
        path = OUT / "bench.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    else:
        base = make_url(os.environ["RECOUP_TEST_DATABASE_URL"])
        admin = base.set(drivername="postgresql", database="postgres").render_as_string(False)
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute("DROP DATABASE IF EXISTS recoup_bench WITH (FORCE)")
            connection.execute("CREATE DATABASE recoup_bench")
        url = base.set(database="recoup_bench").render_as_string(False)
    engine = make_engine(url)
    upgrade(engine)
    with transaction(engine, actor="bench") as session:
        ledger.create_organisation(session, slug="bench", name="Bench Ltd", base_currency="GBP")
    engine.dispose()
    return url


def run_step(*args: str) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.steps", *args], capture_output=True, text=True, check=False
    )
    if done.returncode:
        sys.exit(f"bench step {args[0]} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--dispatch-sample", type=int, default=1000)
    parser.add_argument("--bank-lines", type=int, default=10_000)
    args = parser.parse_args()
    customer_file, invoice_file = files(OUT / "data", args.customers, args.invoices)
    header = (
        f"{'database':<11} {'step':<16} {'rows':>10} {'seconds':>8} {'rows/s':>9} "
        f"{'peak MB':>8} {'reference s':>11} {'ratio':>6}"
    )
    lines = [
        f"Recoup benchmark, {date.today()}, {platform.python_implementation()} "
        f"{platform.python_version()}, {os.cpu_count()} cores",
        header,
        "-" * len(header),
    ]
    print("\n".join(lines), flush=True)
    for kind in args.databases.split(","):
        url = fresh_database(kind)
        statement = OUT / f"statement-{kind}.xml"
        for label, step_args in (
            ("import customers", ("customers", url, str(customer_file))),  # + their contacts
            ("import invoices", ("invoices", url, str(invoice_file))),
            ("aging report", ("aging", url)),
            ("KPIs for a month", ("kpis", url)),
            ("daily run: plan", ("plan", url)),  # the first run: every customer is due
            ("next day: plan", ("plan-next", url)),  # steady state: the ladder resumes
            ("dispatch (sample)", ("dispatch", url, str(args.dispatch_sample))),
            ("web (slowest)", ("web", url)),
            ("API (slowest)", ("api", url)),  # list endpoints: first and deep pages
            ("cash application", ("cashapp", url, str(statement))),  # read, match, apply
        ):
            if step_args[0] == "cashapp":  # a month of messy lines about the open invoices
                write_statement(url, statement, lines=args.bank_lines, seed=1)
            r = run_step(*step_args)
            ref = r.get("reference_seconds")
            line = (
                f"{kind:<11} {label:<16} {int(r['rows']):>10,} {r['seconds']:>8.2f} "
                f"{r['rows'] / r['seconds']:>9,.0f} {r['peak_mb']:>8.0f} "
                + (f"{ref:>11.3f} {r['seconds'] / ref:>5.1f}x" if ref else f"{'':>11} {'':>6}")
            )
            if "planned" in r:
                line += f"  {int(r['planned']):,} planned"
            if "auto_applied" in r:
                line += (
                    f"  {int(r['auto_applied']):,} of {int(r['credits']):,} credits auto-applied"
                )
            line += "".join(
                f"\n{'':<11}   {path:<40} {seconds:>6.3f} s"
                + ("  over target" if path in r.get("over_target", ()) else "")
                for path, seconds in r.get("pages", {}).items()
            )
            line += "".join(
                f"\n{'':<11}   {path + ' (after a change)':<40} {seconds:>6.3f} s"
                for path, seconds in r.get("cold", {}).items()
            )
            lines.append(line)
            print(line, flush=True)
    lines.append(
        "reference: import = the database bulk-loading the same file's text rows "
        "(COPY / executemany, no constraints); aging = the bare SQL aggregate of the same buckets; "
        "KPIs = the bare aging aggregate; "
        "plan = reading every open invoice; dispatch: no reference (rendering, PDFs, SMTP); "
        "web = the bare aging aggregate (targets: a list page 0.5 s, the customer page 0.1 s); "
        "API = the bare SQL of a deep keyset page of open invoices; "
        "cash application: no reference (a camt.053 file read, matched and applied)"
    )
    print(lines[-1])
    (OUT / "results.txt").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
