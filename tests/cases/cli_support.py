"""Setting up a database through the command line, and fingerprinting it to prove that
a failed command wrote nothing."""

from pathlib import Path

from sqlalchemy import func, select

from recoup.db import make_engine
from recoup.db.models import metadata
from tests.cli.conftest import Recoup

CUSTOMERS = (
    "external_id,name,currency,collector,sales_owner,email,contact_name,credit_limit\n"
    "C1,Alpha GmbH,EUR,kim@acme.example,sam@acme.example,ap@alpha.example,Ann Payable,1000\n"
    "C2,Beta Ltd,EUR,lee@acme.example,,,,\n"
)
INVOICES = (
    "number,customer,issue_date,due_date,total\n"
    "INV-1,C1,2026-01-01,2026-01-31,300.00\n"
    "INV-2,C1,2026-02-01,2026-03-03,200.00\n"
    "INV-3,C2,2026-02-01,2026-03-03,150.00\n"
)


def setup(recoup: Recoup, tmp_path: Path) -> None:
    """An organisation with an admin, a manager and a collector, two customers and three
    invoices."""
    for args in (
        (
            "init",
            "--org",
            "acme",
            "--admin-email",
            "ada@acme.example",
            "--admin-password",
            "correct horse battery",
        ),
        (
            "user",
            "add",
            "--email",
            "max@acme.example",
            "--role",
            "manager",
            "--password",
            "correct horse battery",
        ),
        (
            "user",
            "add",
            "--email",
            "kim@acme.example",
            "--role",
            "collector",
            "--password",
            "correct horse battery",
        ),
    ):
        result = recoup(*args)
        assert result.exit_code == 0, result.output
    for kind, text in (("customers", CUSTOMERS), ("invoices", INVOICES)):
        path = tmp_path / f"{kind}.csv"
        path.write_text(text)
        result = recoup("import", kind, str(path))
        assert result.exit_code == 0, result.output


def fingerprint(database_url: str) -> dict[str, int]:
    """Row counts of every table (the audit log included)."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return {
                name: int(connection.scalar(select(func.count()).select_from(table)) or 0)
                for name, table in metadata.tables.items()
                if name not in ("login_attempts",)
            }
    finally:
        engine.dispose()
