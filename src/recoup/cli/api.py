"""``recoup api token create|list|revoke``: the organisation's API tokens.

A new token is printed once; only its SHA-256 is kept.
"""

from datetime import UTC, date, datetime
from typing import Annotated

import typer

from recoup.api import service as api
from recoup.cli.app import Org, unit_of_work
from recoup.config import Settings
from recoup.db.base import utcnow
from recoup.errors import InvalidInput

app = typer.Typer(help="The REST API (/api/v1).", no_args_is_help=True)
token_app = typer.Typer(help="API tokens: create, list, revoke.", no_args_is_help=True)
app.add_typer(token_app, name="token")


def expiry_days(text: str | None, *, today: date) -> int | None:
    """``--expires``: a number of days (``90`` or ``90d``) or a date (``2027-03-31``).

    >>> day = date(2026, 1, 1)
    >>> expiry_days("90d", today=day), expiry_days("2026-01-31", today=day)
    (90, 30)
    """
    if text is None or not text.strip():
        return None
    value = text.strip().lower().removesuffix("d")
    if value.isdigit():
        return int(value)
    try:
        return (date.fromisoformat(value) - today).days
    except ValueError:
        raise InvalidInput(
            f"{text!r} is neither a number of days nor a date (YYYY-MM-DD)", field="expires"
        ) from None


@token_app.command("create")
def create(
    scopes: Annotated[str, typer.Option("--scopes", help="read, write and/or admin")] = "read",
    expires: Annotated[
        str | None, typer.Option("--expires", help="days (90) or a date (2027-03-31)")
    ] = None,
    name: Annotated[str, typer.Option("--name", help="what the token is for")] = "",
    org: Org = None,
) -> None:
    """A new token; it is printed once, keep it safe."""
    with unit_of_work(org) as (session, organisation):
        made = api.create_token(
            session,
            org_id=organisation.id,
            scopes=scopes,
            name=name,
            expires_in_days=expiry_days(expires, today=date.today()),
            created_by=Settings().actor,
        )
        token = made.token
        until = f"{token.expires_at:%Y-%m-%d}" if token.expires_at else "never"
        typer.echo(f"token #{token.id} ({', '.join(token.scopes)}; expires {until})")
        typer.echo(made.secret)
        typer.echo("This is the only time the token is shown.", err=True)


@token_app.command("list")
def list_tokens(org: Org = None) -> None:
    """The organisation's tokens: number, state, scopes, expiry, name."""
    with unit_of_work(org) as (session, organisation):
        now = utcnow()
        rows = api.tokens(session, org_id=organisation.id)
        for token in rows:
            until = f"{token.expires_at:%Y-%m-%d}" if token.expires_at else "never"
            typer.echo(
                f"#{token.id}  {api.token_state(token, now=now):<8} {token.prefix}…  "
                f"{','.join(token.scopes):<16} expires {until:<10}  {token.name}"
            )
        if not rows:
            typer.echo("no API tokens")


@token_app.command("revoke")
def revoke(
    token_id: Annotated[int, typer.Argument(help="the token's number (#)")], org: Org = None
) -> None:
    """Revoke a token: from now on it opens nothing."""
    with unit_of_work(org) as (session, organisation):
        token = api.revoke_token(
            session, org_id=organisation.id, token_id=token_id, now=datetime.now(UTC)
        )
        typer.echo(f"token #{token.id} revoked")
