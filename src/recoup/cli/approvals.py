"""``recoup approval list|approve|reject``: the approvals queue on the command line.

The same service as the web app's ``/approvals``: the decider must be a manager or an
admin and must not be the person who asked (maker-checker).
"""

from pathlib import Path
from typing import Annotated

import typer

from recoup.approvals import service as approvals
from recoup.approvals.models import ApprovalKind
from recoup.cases import queue
from recoup.cli.app import On, Org, money_text, option_day, unit_of_work
from recoup.cli.cases.common import amount, approver_role
from recoup.errors import InvalidInput

app = typer.Typer(help="Approvals by a second person.", no_args_is_help=True)
Kind = Annotated[str, typer.Argument(help="handoff, write_off, credit_limit or policy")]
RequestId = Annotated[int, typer.Argument(help="the request's number (#)")]
Approver = Annotated[str, typer.Option(help="the deciding user's email")]
Role = Annotated[str | None, typer.Option(help="manager or admin; only while there are no users")]


@app.command("list")
def list_approvals(org: Org = None) -> None:
    """What waits for a decision, oldest first."""
    with unit_of_work(org) as (session, organisation):
        waiting = approvals.pending(session, org_id=organisation.id)
        for p in waiting:
            value = "no limit" if p.amount is None else money_text(p.amount, p.currency)
            typer.echo(
                f"{p.kind.value} #{p.id}  {p.requested_on}  {value}  {p.summary}  "
                f"(asked by {p.requested_by or 'the escalation policy'})"
            )
        if not waiting:
            typer.echo("nothing waits for approval")


def write_placement(handoff_id: int, content: str, out: Path | None) -> Path:
    """Write a placed hand-off's file for the agency (``placement-<id>.csv`` by default)."""
    target = out or Path(f"placement-{handoff_id}.csv")
    try:
        target.write_text(content, encoding="utf-8")
    except OSError as error:
        raise InvalidInput(f"cannot write {target}: {error.strerror}", field="out") from None
    return target


@app.command("approve")
def approve(
    kind: Kind,
    request_id: RequestId,
    approver: Approver,
    role: Role = None,
    reason: Annotated[str, typer.Option(help="a note on the decision")] = "",
    commission: Annotated[str | None, typer.Option(help="hand-off: rate, e.g. 0.25")] = None,
    dpa: Annotated[str, typer.Option(help="hand-off: data processing agreement")] = "",
    out: Annotated[Path | None, typer.Option(help="hand-off: the placement CSV")] = None,
    on: On = None,
    org: Org = None,
) -> None:
    """Approve a request and carry it out (never one's own)."""
    with unit_of_work(org) as (session, organisation):
        decision = approvals.approve(
            session,
            org_id=organisation.id,
            kind=kind,
            request_id=request_id,
            by=approver,
            role=approver_role(session, organisation.id, approver, role),
            reason=reason,
            on=option_day(on),
            commission_rate=None if commission is None else amount(commission, "commission"),
            processor_agreement=dpa,
        )
        message = f"{approvals.WHAT[decision.kind]} #{request_id} approved"
        if decision.kind == ApprovalKind.HANDOFF:
            handoff = queue.get_handoff(session, org_id=organisation.id, handoff_id=request_id)
            target = write_placement(handoff.id, handoff.placement_csv, out)
            message += f"; placement file {target}"
        typer.echo(message)


@app.command("reject")
def reject(
    kind: Kind,
    request_id: RequestId,
    approver: Approver,
    reason: Annotated[str, typer.Option(help="why not")],
    role: Role = None,
    on: On = None,
    org: Org = None,
) -> None:
    """Turn a request down, saying why (never one's own)."""
    with unit_of_work(org) as (session, organisation):
        decision = approvals.reject(
            session,
            org_id=organisation.id,
            kind=kind,
            request_id=request_id,
            by=approver,
            role=approver_role(session, organisation.id, approver, role),
            reason=reason,
            on=option_day(on),
        )
        typer.echo(f"{approvals.WHAT[decision.kind]} #{request_id} rejected")
