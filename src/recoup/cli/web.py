"""``recoup serve`` and ``recoup user add|list|password|reset``."""

import sys
from typing import Annotated

import typer
from sqlalchemy.orm import Session

from recoup.auth import service as auth
from recoup.auth.models import Role
from recoup.cli.app import require_database, unit_of_work

app = typer.Typer(help="The collections team's users.", no_args_is_help=True)


def register(root: typer.Typer) -> None:
    """Add ``serve`` and ``user`` to the root command."""
    root.command("serve")(serve)
    root.add_typer(app, name="user")


def serve(
    host: Annotated[str, typer.Option("--host", help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535)] = 8000,
) -> None:
    """Run the team's web app and the customer portal (migrates the database first)."""
    import uvicorn

    from recoup.web import warmup
    from recoup.web.app import create_app
    from recoup.web.logs import server_log_config

    require_database()  # create_app migrates it; a missing SQLite file is not made
    web_app = create_app()
    warmup.start(web_app.state.engine, web_app.state.clock)  # the first visit of a day is fast
    typer.echo(f"Recoup on http://{host}:{port}/ (customer portal under /p/)")
    # Forwarded headers are read by the app, from RECOUP_TRUSTED_PROXIES only.
    uvicorn.run(
        web_app,
        host=host,
        port=port,
        log_level="info",
        log_config=server_log_config(),  # portal tokens redacted in the access log
        proxy_headers=False,
    )


def new_password() -> str:
    """A random password for a new account (printed once)."""
    return auth.new_password()


def admin_email(org: str, given: str | None) -> str:
    """The first admin's email: as given, asked for at a terminal, or a placeholder."""
    if given:
        return given
    default = f"admin@{org}.local"
    if sys.stdin.isatty():
        return str(typer.prompt("Email of the first admin", default=default))
    return default


def create_admin(session: Session, *, org_id: int, email: str, password: str | None) -> str:
    """The first admin of a new organisation (``recoup init``); the password used.

    Audited like every user: ``recoup audit verify`` reports a user with no event."""
    secret = password or new_password()
    auth.create_user(session, org_id=org_id, email=email, password=secret, role=Role.ADMIN)
    return secret


def demo_login(session: Session, *, org_id: int, email: str) -> str:
    """How to open the web app on the demo; its admin is created on the first demo."""
    if auth.list_users(session, org_id=org_id):
        return f"web app: `recoup serve`, then log in as {email}"
    password = create_admin(session, org_id=org_id, email=email, password=None)
    return f"web app: `recoup serve`, then log in as {email} with the password {password}"


@app.command("add")
def add(
    email: Annotated[str, typer.Option("--email", help="the login")],
    role: Annotated[Role, typer.Option("--role")] = Role.COLLECTOR,
    name: Annotated[str, typer.Option("--name")] = "",
    password: Annotated[
        str | None, typer.Option("--password", help="default: generate one and print it")
    ] = None,
    org: Annotated[str | None, typer.Option("--org")] = None,
) -> None:
    """Add a user to an organisation."""
    secret = password or new_password()
    with unit_of_work(org) as (session, organisation):
        user = auth.create_user(
            session, org_id=organisation.id, email=email, password=secret, role=role, name=name
        )
        summary = f"user {user.email} ({user.role}) added to {organisation.slug!r}"
    typer.echo(summary)
    if password is None:
        typer.echo(f"password: {secret}")


@app.command("list")
def list_users(org: Annotated[str | None, typer.Option("--org")] = None) -> None:
    """The organisation's users."""
    with unit_of_work(org) as (session, organisation):
        users = auth.list_users(session, org_id=organisation.id)
        lines = [
            f"{u.email:<40} {u.role:<10} {'active' if u.active else 'inactive':<9} {u.name}"
            for u in users
        ]
    if not lines:
        typer.echo("no users yet: `recoup user add --email ... --role admin`", err=True)
        sys.exit(0)
    for line in lines:
        typer.echo(line.rstrip())


@app.command("password")
def change_password(
    email: Annotated[str, typer.Option("--email", help="the login")],
    org: Annotated[str | None, typer.Option("--org")] = None,
) -> None:
    """Change a user's password: the current one and the new one (twice) are asked for
    at the terminal, never taken from the command line. Other sessions end."""
    current = typer.prompt("Current password", hide_input=True)
    new = typer.prompt("New password", hide_input=True, confirmation_prompt=True)
    with unit_of_work(org) as (session, organisation):
        user = auth.user_by_email(session, org_id=organisation.id, email=email)
        auth.change_password(
            session, org_id=organisation.id, user_id=user.id, current=current, new=new
        )
        summary = f"password of {user.email} changed; their other sessions ended"
    typer.echo(summary)


@app.command("reset")
def reset_password(
    email: Annotated[str, typer.Option("--email", help="the login")],
    org: Annotated[str | None, typer.Option("--org")] = None,
) -> None:
    """Give a user a new random password (printed once, to pass on securely); every
    session of theirs ends."""
    with unit_of_work(org) as (session, organisation):
        user = auth.user_by_email(session, org_id=organisation.id, email=email)
        password = auth.reset_password(
            session, org_id=organisation.id, user_id=user.id, by_user_id=0
        )
        summary = f"password of {user.email} reset; every session of theirs ended"
    typer.echo(summary)
    typer.echo(f"password: {password}")
