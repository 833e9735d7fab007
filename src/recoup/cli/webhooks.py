"""``recoup webhook add|list|enable|disable|remove|deliveries|replay``: subscriptions to
Recoup's events and their delivery log, through ``recoup.webhooks.service``."""

from typing import Annotated

import typer

from recoup.cli.app import Org, unit_of_work
from recoup.webhooks import service
from recoup.webhooks.core import EVENT_TYPES

app = typer.Typer(
    help="Webhooks: signed notifications of events to your endpoints.", no_args_is_help=True
)
SubscriptionId = Annotated[int, typer.Argument(help="the subscription's number (#)")]


@app.command("add")
def add(
    url: Annotated[str, typer.Argument(help="the endpoint (http:// or https://)")],
    events: Annotated[
        str, typer.Option("--events", help=f"comma-separated, of: {', '.join(EVENT_TYPES)}")
    ],
    description: Annotated[str, typer.Option("--description")] = "",
    max_failures: Annotated[
        int, typer.Option("--max-failures", min=1, help="disable after this many in a row")
    ] = 10,
    org: Org = None,
) -> None:
    """Subscribe an endpoint to events; prints the signing secret (shown only now)."""
    with unit_of_work(org) as (session, organisation):
        subscription = service.add_subscription(
            session,
            org_id=organisation.id,
            url=url,
            events=events,
            description=description,
            max_failures=max_failures,
        )
        typer.echo(
            f"webhook #{subscription.id} -> {subscription.url} ({', '.join(subscription.events)})"
        )
        typer.echo(f"signing secret: {subscription.secret}")
        typer.echo("keep it safe: it is not shown again", err=True)


@app.command("list")
def list_subscriptions(org: Org = None) -> None:
    """The subscriptions: number, state, failures in a row, URL, events."""
    with unit_of_work(org) as (session, organisation):
        found = service.list_subscriptions(session, org_id=organisation.id)
        for s in found:
            state = "enabled" if s.enabled else f"disabled ({s.disabled_reason})"
            typer.echo(
                f"#{s.id}  {s.url}  {', '.join(s.events)}  {state}  "
                f"failures in a row: {s.consecutive_failures}/{s.max_failures}"
            )
        if not found:
            typer.echo("no webhook subscriptions")


@app.command("enable")
def enable(subscription_id: SubscriptionId, org: Org = None) -> None:
    """Deliver to a disabled subscription again (its failure count starts afresh)."""
    with unit_of_work(org) as (session, organisation):
        s = service.set_enabled(
            session, org_id=organisation.id, subscription_id=subscription_id, enabled=True
        )
        typer.echo(f"webhook #{s.id} enabled")


@app.command("disable")
def disable(
    subscription_id: SubscriptionId,
    reason: Annotated[str, typer.Option("--reason")] = "",
    org: Org = None,
) -> None:
    """Stop delivering to a subscription; what was waiting is cancelled."""
    with unit_of_work(org) as (session, organisation):
        s = service.set_enabled(
            session,
            org_id=organisation.id,
            subscription_id=subscription_id,
            enabled=False,
            reason=reason or "disabled by hand",
        )
        typer.echo(f"webhook #{s.id} disabled")


@app.command("remove")
def remove(subscription_id: SubscriptionId, org: Org = None) -> None:
    """Delete a subscription and its delivery log."""
    with unit_of_work(org) as (session, organisation):
        url = service.remove_subscription(
            session, org_id=organisation.id, subscription_id=subscription_id
        )
        typer.echo(f"webhook #{subscription_id} ({url}) removed")


@app.command("deliveries")
def deliveries(
    subscription: Annotated[
        int | None, typer.Option("--subscription", help="only this subscription's")
    ] = None,
    status: Annotated[str | None, typer.Option("--status", help="e.g. failed")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1)] = 50,
    org: Org = None,
) -> None:
    """The newest deliveries and their attempts (status code, duration, answer)."""
    with unit_of_work(org) as (session, organisation):
        rows = service.deliveries(
            session,
            org_id=organisation.id,
            subscription_id=subscription,
            status=status,
            limit=limit,
        )
        log = service.attempts_of(
            session, org_id=organisation.id, delivery_ids=[r.id for r in rows]
        )
        for row in rows:
            replay = (
                f" (replay of #{row.payload['replay_of']})" if "replay_of" in row.payload else ""
            )
            typer.echo(
                f"#{row.id}  {row.status:<9} {row.template:<22} {row.payload.get('event_id')}  "
                f"-> {row.recipient}{replay}"
            )
            for a in log[row.id]:
                answer = f"HTTP {a.status_code}" if a.status_code is not None else a.error
                excerpt = f"  {a.response_excerpt[:60]!r}" if a.response_excerpt else ""
                typer.echo(
                    f"    attempt {a.attempt} at {a.created_at:%Y-%m-%d %H:%M:%S}: {answer} "
                    f"in {a.duration_ms} ms{excerpt}"
                )
            if row.last_error and not log[row.id]:
                typer.echo(f"    {row.last_error}")
        if not rows:
            typer.echo("no webhook deliveries")


@app.command("replay")
def replay(
    delivery: Annotated[int, typer.Argument(help="the delivery's number (#)")], org: Org = None
) -> None:
    """Send a delivery's event again (a new delivery, at the next dispatch)."""
    with unit_of_work(org) as (session, organisation):
        row = service.replay(session, org_id=organisation.id, delivery_id=delivery, by="cli")
        typer.echo(
            f"#{row.id} replays #{delivery} ({row.template}) to {row.recipient}; "
            "the next dispatch (`recoup run`) sends it"
        )


def register(root: typer.Typer) -> None:
    """Add ``webhook`` to the command line."""
    root.add_typer(app, name="webhook")
