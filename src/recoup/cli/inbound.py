"""``recoup inbound`` (receive customers' replies over IMAP or on an SMTP port) and
``recoup replies address|list|confirm|handled`` (where replies go; working them)."""

import os
import signal
import threading
import time
from datetime import date
from decimal import Decimal
from typing import Annotated

import typer

from recoup.cli.app import Org, engine, fail, unit_of_work
from recoup.config import Settings
from recoup.errors import InvalidInput, RecoupError
from recoup.inbound import receivers
from recoup.inbound import service as inbound
from recoup.ledger import service as ledger

replies_app = typer.Typer(
    help="Customers' replies: where they go, and working them.", no_args_is_help=True
)
ReplyId = Annotated[int, typer.Argument(help="the reply's number (#)")]


def _org_id(org: str | None) -> int:
    with unit_of_work(org) as (_, organisation):
        return organisation.id


def receive(
    imap: Annotated[
        str | None, typer.Option("--imap", help="IMAP server, HOST or HOST:PORT")
    ] = None,
    user: Annotated[str, typer.Option("--user", help="IMAP user")] = "",
    password: Annotated[
        str,
        typer.Option("--password", envvar="RECOUP_IMAP_PASSWORD", help="IMAP password"),
    ] = "",
    folder: Annotated[str, typer.Option("--folder", help="IMAP folder to read")] = "INBOX",
    security: Annotated[
        str, typer.Option("--security", help="ssl (993), starttls or none (143)")
    ] = "ssl",
    once: Annotated[
        bool, typer.Option("--once", help="fetch what is there and exit (SMTP: after one message)")
    ] = False,
    smtp_listen: Annotated[
        str | None,
        typer.Option("--smtp-listen", help="receive on an SMTP port of our own, HOST:PORT"),
    ] = None,
    org: Org = None,
) -> None:
    """Receive customers' replies: read an IMAP mailbox (then wait for more with IDLE,
    unless --once) or listen on an SMTP port; each reply is matched, stored and acted on."""
    if bool(imap) == bool(smtp_listen):
        fail(InvalidInput("give either --imap HOST or --smtp-listen HOST:PORT", field="imap"))
    org_id = _org_id(org)
    db = engine()
    try:
        if smtp_listen:
            host, port = receivers.parse_listen(smtp_listen)
            with receivers.smtp_receiver(db, org_id=org_id, host=host, port=port) as tally:
                typer.echo(f"receiving replies on smtp://{host}:{port} (Ctrl-C stops)")
                stop = threading.Event()
                signal.signal(signal.SIGTERM, lambda *_: stop.set())
                try:
                    while not stop.is_set() and not (once and tally.stored + tally.again):
                        time.sleep(0.2)
                except KeyboardInterrupt:
                    pass
            _report(tally)
            return
        assert imap is not None
        host, _, port_text = imap.partition(":")
        if security not in ("ssl", "starttls", "none"):
            raise InvalidInput(
                f"unknown security {security!r} (ssl, starttls, none)", field="security"
            )
        if not user:
            raise InvalidInput("--user is needed with --imap", field="user")
        settings = receivers.ImapSettings(
            host=host,
            port=int(port_text) if port_text.isdigit() else 0,
            user=user,
            password=password or os.environ.get("RECOUP_IMAP_PASSWORD", ""),
            folder=folder,
            security=security,  # type: ignore[arg-type]
        )
        try:
            tally = receivers.read_mailbox(db, org_id=org_id, settings=settings, once=once)
        except KeyboardInterrupt:
            return
        except OSError as exc:
            raise InvalidInput(f"cannot read {host}: {exc}", field="imap") from None
        _report(tally)
    except RecoupError as error:
        fail(error)


def _report(tally: receivers.Tally) -> None:
    typer.echo(f"{tally.stored} replies stored, {tally.again} seen before, {tally.failed} failed")
    for error in tally.errors:
        typer.echo(f"  {error}", err=True)


@replies_app.command("address")
def address(
    mailbox: Annotated[str, typer.Argument(help="the address replies go to, e.g. ar@acme.example")],
    no_plus: Annotated[
        bool,
        typer.Option("--no-plus", help="the address as it is (no +token per customer)"),
    ] = False,
    org: Org = None,
) -> None:
    """Make messages to customers carry a reply address: ar+<token>@… per customer (the
    token is random and stays the customer's) or the address itself with --no-plus."""
    with unit_of_work(org) as (session, organisation):
        found = inbound.set_address(
            session, org_id=organisation.id, address=mailbox, plus_addressing=not no_plus
        )
        example = (
            found.address.replace("@", "+<token>@") if found.plus_addressing else found.address
        )
        typer.echo(f"replies go to {example}")


@replies_app.command("list")
def list_replies(
    waiting: Annotated[
        bool, typer.Option("--waiting", help="only those waiting for a person")
    ] = False,
    limit: Annotated[int, typer.Option("--limit", min=1)] = 50,
    org: Org = None,
) -> None:
    """The newest replies: number, status, what they read as, customer, sender, subject."""
    with unit_of_work(org) as (session, organisation):
        rows, total = inbound.list_replies(
            session, org_id=organisation.id, waiting_only=waiting, limit=limit
        )
        names = {}
        for row in rows:
            if row.customer_id is not None and row.customer_id not in names:
                names[row.customer_id] = ledger.customer_by_id(
                    session, org_id=organisation.id, customer_id=row.customer_id
                ).external_id
        for row in rows:
            who = names.get(row.customer_id or 0, "-")
            typer.echo(
                f"#{row.id}  {row.status:<8} {row.kind:<10} {who:<12} {row.from_address}  "
                f"{row.subject}"
            )
        typer.echo(f"{total} replies" + (" waiting" if waiting else ""))


@replies_app.command("confirm")
def confirm(
    reply_id: ReplyId,
    on: Annotated[str | None, typer.Option("--on", help="promised date YYYY-MM-DD")] = None,
    reason: Annotated[str | None, typer.Option("--reason", help="dispute reason")] = None,
    amount: Annotated[str | None, typer.Option("--amount")] = None,
    org: Org = None,
) -> None:
    """Confirm the dispute or promise drafted from a reply."""
    with unit_of_work(org) as (session, organisation):
        try:
            day = date.fromisoformat(on) if on else None
            money = Decimal(amount) if amount else None
        except (ValueError, ArithmeticError):
            raise InvalidInput("--on is YYYY-MM-DD and --amount a number", field="on") from None
        reply = inbound.confirm(
            session,
            org_id=organisation.id,
            reply_id=reply_id,
            by=Settings().actor,
            promised_on=day,
            reason=reason,
            amount=money,
        )
        typer.echo(f"reply #{reply.id}: {reply.outcome}")


@replies_app.command("handled")
def handled(
    reply_id: ReplyId,
    note: Annotated[str, typer.Option("--note", help="what was done")] = "",
    org: Org = None,
) -> None:
    """Mark a reply handled: its task is done and chasing the customer resumes."""
    with unit_of_work(org) as (session, organisation):
        reply = inbound.mark_handled(
            session, org_id=organisation.id, reply_id=reply_id, by=Settings().actor, note=note
        )
        typer.echo(f"reply #{reply.id}: {reply.outcome}")


def register(app: typer.Typer) -> None:
    """Add ``inbound`` and ``replies`` to the command line."""
    app.command("inbound")(receive)
    app.add_typer(replies_app, name="replies")
