"""``recoup init`` and ``recoup demo``."""

from typing import Annotated

import typer

from recoup.cli import web
from recoup.cli.app import parse_day, session_scope
from recoup.cli.reports import aging
from recoup.demo import service as demo
from recoup.imports.service import ImportResult
from recoup.ledger import service as ledger


def register(app: typer.Typer) -> None:
    """Add the set-up commands to ``app``."""
    app.command("init")(init)
    app.command("demo")(run_demo)


def init(
    org: Annotated[str, typer.Option("--org", help="short name (slug)")] = "default",
    name: Annotated[str, typer.Option("--name", help="legal name")] = "My Company",
    country: Annotated[str, typer.Option("--country")] = "GB",
    currency: Annotated[str, typer.Option("--currency", help="base currency")] = "GBP",
    admin_email: Annotated[str | None, typer.Option("--admin-email")] = None,
    admin_password: Annotated[str | None, typer.Option("--admin-password")] = None,
) -> None:
    """Create the database (or bring it up to date), an organisation and its first admin."""
    email = web.admin_email(org, admin_email)
    with session_scope() as session:
        created = ledger.create_organisation(
            session, slug=org, name=name, country=country, base_currency=currency
        )
        password = web.create_admin(
            session, org_id=created.id, email=email, password=admin_password
        )
    typer.echo(f"database ready; organisation {org!r} created")
    typer.echo(f"admin {email}" + ("" if admin_password else f", password {password}"))


def _summary(result: ImportResult) -> str:
    return f"{result.created} new, {result.updated} updated, {result.unchanged} unchanged"


def run_demo(
    customers: Annotated[int, typer.Option("--customers", min=1)] = 200,
    seed: Annotated[int, typer.Option("--seed")] = 7,
    as_of: Annotated[str | None, typer.Option("--as-of", help="YYYY-MM-DD; default today")] = None,
) -> None:
    """Load a realistic demo portfolio (organisation 'demo') and print its aging."""
    day = parse_day(as_of)
    with session_scope() as session:
        org = demo.demo_organisation(session)
        loaded = demo.load(session, org_id=org.id, customers=customers, seed=seed, as_of=day)
    typer.echo(f"Demo portfolio ({customers} customers, seed {seed}, as of {day}):")
    typer.echo(f"  customers and contacts: {_summary(loaded.customers)}")
    typer.echo(f"  invoices: {_summary(loaded.invoices)}")
    typer.echo(
        f"  payments: {_summary(loaded.payments)}; {loaded.payments.allocations} allocations"
    )
    typer.echo("")
    aging(as_of=day.isoformat(), org=demo.DEMO_ORG)
