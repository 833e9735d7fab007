"""``recoup outbox list|show|resend|cancel``: what was sent, what failed, and a person's
decision to send a failed or unknown message again or never."""

from typing import Annotated

import typer

from recoup.cli.app import Org, unit_of_work
from recoup.comms import review
from recoup.comms.models import OutboxStatus

app = typer.Typer(help="The outbox: messages and effects, as sent.", no_args_is_help=True)
MessageId = Annotated[int, typer.Argument(help="the outbox message's number (#)")]


@app.command("list")
def list_outbox(
    status: Annotated[
        list[OutboxStatus] | None,
        typer.Option("--status", help="only these (repeat the option for several)"),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1)] = 50,
    org: Org = None,
) -> None:
    """The newest outbox rows: number, status, kind, template, recipient, last error."""
    with unit_of_work(org) as (session, organisation):
        rows = review.list_messages(
            session,
            org_id=organisation.id,
            statuses=frozenset(status) if status else None,
            limit=limit,
        )
        for row in rows:
            error = f"  {row.last_error}" if row.last_error else ""
            typer.echo(
                f"#{row.id}  {row.status:<9} {row.kind:<11} {row.template or '-':<20} "
                f"{row.recipient or '-'}{error}"
            )
        if not rows:
            typer.echo("nothing in the outbox" + (" with that status" if status else ""))


@app.command("show")
def show(message_id: MessageId, org: Org = None) -> None:
    """One message as it was (or will be) sent: headers, text, attachments, attempts."""
    with unit_of_work(org) as (session, organisation):
        row = review.get_message(session, org_id=organisation.id, message_id=message_id)
        typer.echo(f"#{row.id} {row.kind} '{row.template}' to {row.recipient or '-'}")
        typer.echo(f"status: {row.status}, attempts: {row.attempts}")
        if row.sent_at:
            typer.echo(f"sent at: {row.sent_at:%Y-%m-%d %H:%M} UTC ({row.result})")
        if row.last_error:
            typer.echo(f"last error: {row.last_error}")
        if row.subject:
            typer.echo(f"subject: {row.subject}")
        for attachment in review.attachments(session, row=row):
            typer.echo(
                f"attachment: {attachment.filename} ({attachment.mime}, {attachment.size} bytes)"
            )
        if row.body_text:
            typer.echo("")
            typer.echo(row.body_text)
        elif row.payload.get("body"):  # a webhook: signed afresh for each attempt
            typer.echo("")
            typer.echo(str(row.payload["body"]))


@app.command("resend")
def resend(message_id: MessageId, org: Org = None) -> None:
    """Send a failed or unknown message again at the next dispatch (`recoup run`)."""
    with unit_of_work(org) as (session, organisation):
        row = review.resend(session, org_id=organisation.id, message_id=message_id)
        typer.echo(f"#{row.id} queued again; the next dispatch sends it to {row.recipient}")


@app.command("cancel")
def cancel(
    message_id: MessageId,
    reason: Annotated[str, typer.Option("--reason", help="why (kept with the row)")] = "",
    org: Org = None,
) -> None:
    """Make sure a waiting, failed or unknown message is never sent."""
    with unit_of_work(org) as (session, organisation):
        row = review.cancel(session, org_id=organisation.id, message_id=message_id, reason=reason)
        typer.echo(f"#{row.id} cancelled")
