"""``recoup payments setup|show|remove``: the organisation's online payment provider."""

from typing import Annotated

import typer

from recoup.cli.app import Org, unit_of_work
from recoup.payments import service
from recoup.payments.stripe_provider import EVENTS
from recoup.portal.service import PortalSettings

app = typer.Typer(help="Online payments through a payment provider.", no_args_is_help=True)
setup_app = typer.Typer(help="Take payments online with a provider.", no_args_is_help=True)
app.add_typer(setup_app, name="setup")


@setup_app.command("stripe")
def setup_stripe(
    secret_key: Annotated[
        str,
        typer.Option(
            "--secret-key",
            envvar="STRIPE_SECRET_KEY",
            help="the API secret key (sk_… or a restricted rk_…); or STRIPE_SECRET_KEY",
        ),
    ],
    webhook_secret: Annotated[
        str,
        typer.Option(
            "--webhook-secret",
            envvar="STRIPE_WEBHOOK_SECRET",
            help="the endpoint's signing secret (whsec_…); or STRIPE_WEBHOOK_SECRET",
        ),
    ],
    org: Org = None,
) -> None:
    """Take card payments on the portal with Stripe Checkout."""
    with unit_of_work(org) as (session, organisation):
        service.setup_provider(
            session,
            org_id=organisation.id,
            provider="stripe",
            secret_key=secret_key,
            webhook_secret=webhook_secret,
        )
        endpoint = f"{PortalSettings().public_url.rstrip('/')}/payments/stripe/webhook"
        typer.echo(f"Stripe set up for {organisation.slug}.")
        typer.echo(f"In Stripe, send these events to {endpoint}: {', '.join(EVENTS)}")


@app.command("show")
def show(org: Org = None) -> None:
    """The provider the portal takes payments with (keys masked)."""
    with unit_of_work(org) as (session, organisation):
        found = service.provider_status(session, org_id=organisation.id)
        for status in found:
            typer.echo(f"{status.provider}: key {status.key_hint} (set {status.updated_on})")
        if not found:
            typer.echo("no payment provider: the portal shows bank details only")


@app.command("remove")
def remove(provider: Annotated[str, typer.Argument(help="stripe")], org: Org = None) -> None:
    """Stop taking payments online with a provider."""
    with unit_of_work(org) as (session, organisation):
        service.remove_provider(session, org_id=organisation.id, provider=provider)
        typer.echo(f"{provider} removed.")
