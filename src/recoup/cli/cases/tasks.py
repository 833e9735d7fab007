"""``recoup task list|add|done``, ``recoup note add``, ``recoup call log`` and
``recoup timeline``: working an account."""

import json
from typing import Annotated

import typer

from recoup.cases import notes, tasks
from recoup.cases.ledger_views import customers_by_id
from recoup.cases.timeline import timeline as customer_timeline
from recoup.cli.app import Org, option_day, unit_of_work
from recoup.cli.cases.common import named_customer
from recoup.errors import InvalidInput

task_app = typer.Typer(help="Tasks for people.", no_args_is_help=True)
note_app = typer.Typer(help="Notes on accounts.", no_args_is_help=True)
call_app = typer.Typer(help="Calls with customers.", no_args_is_help=True)


@task_app.command("list")
def task_list(
    assignee: Annotated[str | None, typer.Option(help="only this person's")] = None,
    org: Org = None,
) -> None:
    """Open tasks, soonest due first."""
    with unit_of_work(org) as (session, organisation):
        found = tasks.open_tasks(session, org_id=organisation.id, assignee=assignee)
        ids = [t.customer_id for t in found if t.customer_id is not None]
        names = customers_by_id(session, org_id=organisation.id, ids=ids)
        for t in found:
            account = names[t.customer_id].external_id if t.customer_id is not None else "-"
            typer.echo(
                f"#{t.id}  {t.due_on or '-'}  {t.kind}  {account}  {t.title}"
                + (f"  [{t.assignee}]" if t.assignee else "")
            )
        if not found:
            typer.echo("no open tasks")


@task_app.command("add")
def task_add(
    customer: Annotated[str, typer.Argument(help="account number")],
    title: Annotated[str, typer.Argument()],
    kind: Annotated[str, typer.Option(help="call, review, approval, delivery, other")] = "other",
    assignee: Annotated[str, typer.Option()] = "",
    due: Annotated[str | None, typer.Option(help="YYYY-MM-DD")] = None,
    body: Annotated[str, typer.Option()] = "",
    org: Org = None,
) -> None:
    """Add a task on an account."""
    with unit_of_work(org) as (session, organisation):
        who = named_customer(session, organisation.id, customer)
        task = tasks.create_task(
            session,
            org_id=organisation.id,
            customer_id=who.id,
            title=title,
            body=body,
            kind=kind,
            assignee=assignee,
            due_on=None if due is None else option_day(due, "due"),
        )
        typer.echo(f"task #{task.id} added")


@task_app.command("done")
def task_done(
    task_id: int,
    by: Annotated[str, typer.Option(help="who did it")] = "",
    org: Org = None,
) -> None:
    """Mark a task done."""
    with unit_of_work(org) as (session, organisation):
        tasks.complete_task(session, org_id=organisation.id, task_id=task_id, by=by)
        typer.echo(f"task #{task_id} done")


@note_app.command("add")
def note_add(
    customer: Annotated[str, typer.Argument(help="account number")],
    text: Annotated[str, typer.Argument()],
    author: Annotated[str, typer.Option()] = "",
    org: Org = None,
) -> None:
    """Add a note to an account."""
    with unit_of_work(org) as (session, organisation):
        who = named_customer(session, organisation.id, customer)
        note = notes.add_note(
            session, org_id=organisation.id, customer_id=who.id, text=text, author=author
        )
        typer.echo(f"note #{note.id} added to {who.external_id}")


@call_app.command("log")
def call_log(
    customer: Annotated[str, typer.Argument(help="account number")],
    outcome: Annotated[
        str,
        typer.Option(help="reached, no_answer, wrong_number, promised, disputed, refused"),
    ],
    contact: Annotated[str, typer.Option()] = "",
    note: Annotated[str, typer.Option()] = "",
    by: Annotated[str, typer.Option()] = "",
    org: Org = None,
) -> None:
    """Record a call and its outcome."""
    with unit_of_work(org) as (session, organisation):
        who = named_customer(session, organisation.id, customer)
        call = notes.log_call(
            session,
            org_id=organisation.id,
            customer_id=who.id,
            outcome=outcome,
            contact=contact,
            note=note,
            author=by,
        )
        typer.echo(f"call #{call.id} logged ({call.outcome})")


def timeline(
    customer: Annotated[str, typer.Argument(help="account number")],
    format_: Annotated[str, typer.Option("--format", help="table or json")] = "table",
    org: Org = None,
) -> None:
    """Everything on an account, oldest first."""
    with unit_of_work(org) as (session, organisation):
        if format_ not in ("table", "json"):
            raise InvalidInput("must be table or json", field="format")
        who = named_customer(session, organisation.id, customer)
        entries = customer_timeline(session, org_id=organisation.id, customer_id=who.id)
    if format_ == "json":
        typer.echo(
            json.dumps(
                [
                    {
                        "at": e.at.isoformat(),
                        "kind": e.kind,
                        "title": e.title,
                        "detail": e.detail,
                        "link": e.link,
                    }
                    for e in entries
                ],
                indent=2,
                ensure_ascii=False,
            )
        )
        return
    for e in entries:
        detail = f" — {e.detail}" if e.detail else ""
        typer.echo(f"{e.at:%Y-%m-%d %H:%M}  {e.kind:<12}  {e.title}{detail}")
