"""``recoup init`` and ``recoup demo``."""

import sys
from collections import Counter
from typing import Annotated

import typer

from recoup.cases.demo import seed_cases
from recoup.cli import web
from recoup.cli.app import engine, parse_day, session_scope
from recoup.cli.reports import aging
from recoup.config import Settings
from recoup.demo import service as demo
from recoup.imports.service import ImportResult
from recoup.jobs.effects import LiveChannels
from recoup.ledger import queries as ledger_queries
from recoup.ledger import service as ledger
from recoup.ledger.organisation import (
    BankDetails,
    check_first_run,
    set_bank_account,
    update_details,
)
from recoup.policy.business_days import is_business_day, previous_business_day
from recoup.policy.service import available_policies


def register(app: typer.Typer) -> None:
    """Add the set-up commands to ``app``."""
    app.command("init")(init)
    app.command("demo")(run_demo)


def _asked(value: str | None, question: str, default: str = "") -> str:
    """``value`` as given; else asked at a terminal; else ``default``."""
    if value is not None:
        return value
    if sys.stdin.isatty():
        return str(typer.prompt(question, default=default, show_default=bool(default)))
    return default


def init(
    org: Annotated[str, typer.Option("--org", help="short name (slug)")] = "default",
    name: Annotated[str | None, typer.Option("--name", help="trading name")] = None,
    country: Annotated[str | None, typer.Option("--country")] = None,
    currency: Annotated[str | None, typer.Option("--currency", help="base currency")] = None,
    email: Annotated[str | None, typer.Option("--email", help="sender of every email")] = None,
    address: Annotated[
        str | None, typer.Option("--address", help="postal address; commas separate lines")
    ] = None,
    phone: Annotated[str | None, typer.Option("--phone")] = None,
    iban: Annotated[str | None, typer.Option("--iban", help="base currency's account")] = None,
    bic: Annotated[str | None, typer.Option("--bic")] = None,
    sort_code: Annotated[str | None, typer.Option("--sort-code", help="UK account")] = None,
    account_number: Annotated[str | None, typer.Option("--account-number")] = None,
    admin_email: Annotated[str | None, typer.Option("--admin-email")] = None,
    admin_password: Annotated[str | None, typer.Option("--admin-password")] = None,
    first_run: Annotated[
        str,
        typer.Option(
            "--first-run",
            help="gentle (default): customers never chased before start at the first "
            "friendly notice, no back-dated charges; policy: the policy as if it had always run",
        ),
    ] = "gentle",
) -> None:
    """Create the database (or bring it up to date), an organisation and its first admin.

    On a terminal it asks for what is not given; `recoup org set` changes it later. When
    the organisation exists already, only the database is brought up to date.
    """
    with session_scope(create=True) as session:
        first_run = check_first_run(first_run)  # refused before any question is asked
        if ledger_queries.organisation_by_slug(session, org) is not None:
            typer.echo(f"database up to date; organisation {org!r} exists (`recoup org show`)")
            return
    name = _asked(name, "Company name (as customers know it)", "My Company")
    country = _asked(country, "Country (ISO code)", "GB")
    currency = _asked(currency, "Base currency", "GBP")
    details = {
        "email": _asked(email, "Sender email address (answers come here)"),
        "address": _asked(address, "Postal address (commas between lines)"),
        "phone": _asked(phone, "Phone number for customers"),
    }
    bank = BankDetails(
        iban=_asked(iban, f"IBAN of the {currency.upper()} account (empty: none yet)"),
        bic=bic or "",
        sort_code=sort_code or "",
        account_number=account_number or "",
    )
    user = web.admin_email(org, admin_email)
    with session_scope() as session:
        created = ledger.create_organisation(
            session,
            slug=org,
            name=name,
            country=country,
            base_currency=currency,
            first_run=first_run,
        )
        update_details(
            session, org=created, changes={key: value for key, value in details.items() if value}
        )
        if any((bank.iban, bank.sort_code, bank.account_number)):
            set_bank_account(session, org=created, currency=created.base_currency, details=bank)
        password = web.create_admin(session, org_id=created.id, email=user, password=admin_password)
    typer.echo(f"database ready; organisation {org!r} created")
    typer.echo(f"admin {user}" + ("" if admin_password else f", password {password}"))
    typer.echo("next: `recoup check` says what is still missing before anything is sent")


def _summary(result: ImportResult) -> str:
    return f"{result.created} new, {result.updated} updated, {result.unchanged} unchanged"


def run_demo(
    customers: Annotated[int, typer.Option("--customers", min=1)] = 200,
    seed: Annotated[int, typer.Option("--seed")] = 7,
    as_of: Annotated[str | None, typer.Option("--as-of", help="YYYY-MM-DD; default today")] = None,
    days: Annotated[int, typer.Option("--days", min=0, help="days of the daily run")] = 3,
) -> None:
    """Load a demo portfolio (organisation 'demo'), run a few days of collections on it,
    and print what was sent and the aging."""
    day = parse_day(as_of)
    run_days = [day] if days and is_business_day("GB", day) else []
    while len(run_days) < days:  # the last business days up to as_of
        run_days.insert(0, previous_business_day("GB", run_days[0] if run_days else day))
    start = previous_business_day("GB", run_days[0]) if run_days else day
    with session_scope(create=True) as session:
        org = demo.demo_organisation(session)
        org_id = org.id
        loaded = demo.load(session, org_id=org_id, customers=customers, seed=seed, as_of=start)
        seeded = seed_cases(session, org_id=org_id, as_of=start, seed=seed)
        login = web.demo_login(session, org_id=org_id, email=f"admin@{demo.DEMO_ORG}.example")
    typer.echo(f"Demo portfolio ({customers} customers, seed {seed}, history to {start}):")
    typer.echo(f"  customers and contacts: {_summary(loaded.customers)}")
    typer.echo(f"  invoices: {_summary(loaded.invoices)}")
    typer.echo(
        f"  payments: {_summary(loaded.payments)}; {loaded.payments.allocations} allocations"
    )
    typer.echo(
        f"  cases: {seeded.disputes} disputes, {seeded.promises} promises, {seeded.plans} plans"
    )
    settings = demo.file_sinks(Settings())
    simulated = demo.simulate(
        engine(),
        org_id=org_id,
        days=run_days,
        channels=LiveChannels(settings),
        policies=available_policies(),
    )
    for demo_day in simulated:
        _print_day(demo_day)
    if days:
        mail, letters, sms = demo.sink_directories(settings)
        typer.echo(
            f"  (email as .eml files in {mail}/, letters in {letters}/, text messages in {sms}/)"
        )
    typer.echo("")
    aging(as_of=day.isoformat(), org=demo.DEMO_ORG)
    typer.echo(f"\n{login}")


def _print_day(day: demo.DemoDay) -> None:
    """One line per day, then a few of its actions with their reasons."""
    kinds = Counter(a.kind for a in day.run.actions) + Counter(
        e.kind.value for e in day.run.other_effects
    )
    paused = sum(1 for _, note in day.run.notes if "paused" in note)
    held = sum(1 for _, note in day.run.notes if note.startswith("held"))
    done = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items())) or "nothing"
    report = day.dispatch
    holds = f", {day.run.holds_placed} credit holds by rule" if day.run.holds_placed else ""
    typer.echo(f"{day.as_of:%a %d %b}: {done}{holds}; {paused} paused, {held} held back")
    typer.echo(
        f"  delivered: {report.sent} sent, {report.applied} applied, {report.failed} failed, "
        f"{report.retrying} to retry (the rest goes out in the customer's sending hours)"
    )
    for action in day.run.actions[:4]:
        who = day.run.customers.get(action.customer_id, ("", ""))[1]
        typer.echo(f"    {who[:24]:<24} {action.kind:<11} {action.reason}")
