"""``recoup run``: the daily run (plan, then dispatch) and ``recoup policy``."""

import json
from datetime import UTC, datetime, time
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from recoup.approvals import service as approvals
from recoup.audit import verification as audit_verification
from recoup.cases.ledger_views import customer_by_external_id
from recoup.cli.app import engine, fail, parse_day, unit_of_work
from recoup.cli.cases.common import named_invoices
from recoup.comms.dispatcher import DispatchReport, dispatch, waiting
from recoup.config import Settings
from recoup.db.base import utcnow
from recoup.db.engine import is_overload
from recoup.errors import InvalidInput, Overloaded, RecoupError
from recoup.jobs import partitions
from recoup.jobs.daily import RunResult, run_day
from recoup.jobs.effects import LiveChannels
from recoup.jobs.readiness import blocking, sending_findings
from recoup.ledger.organisation import OrganisationDetails
from recoup.policy.definition import load_policy
from recoup.policy.service import assign_policy, available_policies
from recoup.policy.versions import policies_in_use
from recoup.portal.service import PortalSettings

policy_app = typer.Typer(help="Escalation policies.", no_args_is_help=True)


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"


def _policy_dir() -> Path | None:
    directory = Settings().policy_dir
    return Path(directory) if directory else None


def _report(result: RunResult, output: Format) -> None:
    rows = [
        {
            "customer": result.customers.get(a.customer_id, ("", ""))[0],
            "name": result.customers.get(a.customer_id, ("", ""))[1],
            "step": a.step,
            "action": a.kind,
            "template": a.template,
            "to": a.recipient,
            "at": a.scheduled_at.isoformat(timespec="minutes"),
            "reason": a.reason,
        }
        for a in result.actions
    ]
    rows += [
        {
            "customer": "",
            "name": "",
            "step": str(e.payload.get("plan_id") or e.payload.get("promise_id") or ""),
            "action": e.kind.value,
            "template": e.template,
            "to": e.recipient,
            "at": e.scheduled_at.isoformat(timespec="minutes"),
            "reason": str(e.payload.get("reason", e.source)),
        }
        for e in result.other_effects
    ]
    if output is Format.JSON:
        typer.echo(
            json.dumps(
                {"as_of": result.as_of.isoformat(), "dry_run": result.dry_run, "actions": rows},
                indent=2,
            )
        )
        return
    verb = "would plan" if result.dry_run else "planned"
    typer.echo(
        f"{result.as_of}: {verb} {_count(len(rows), 'action')} "
        f"({_count(result.planned, 'new outbox row')})"
    )
    for row in rows:
        to = ", ".join(str(row["to"]).splitlines())  # a letter's address on one line
        line = f"  {row['customer']:<10} {row['step']:<18} {row['action']:<11} {to:<32}"
        typer.echo(f"{line} {row['reason']}")
    if result.holds_placed or result.holds_released:
        typer.echo(f"credit holds: {result.holds_placed} placed, {result.holds_released} released")
    held = [note for _, note in result.notes if note.startswith("held")]
    if held:
        typer.echo(f"{_count(len(held), 'customer')} held back (weekend, holiday or frequency cap)")
    told = [(c, note) for c, note in result.notes if note.startswith("no message for")]
    for customer_id, note in told:  # the step acted; a recent message had said it all
        name = result.customers.get(customer_id, (str(customer_id), ""))[0]
        typer.echo(f"  {name:<10} {note}")


def _count(n: int, noun: str) -> str:
    """``1 action``, ``2 actions``."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _dispatched(report: DispatchReport, later: int, next_at: datetime | None) -> str:
    """The dispatch in a line, and what waits for its time (``later`` rows, the first at
    ``next_at``: a run for a later day plans messages the dispatcher sends only when
    their sending hours come)."""
    line = (
        f"dispatched: {report.sent} sent, {report.applied} applied, {report.retrying} to retry, "
        f"{report.failed} failed, {report.unknown} unknown"
    )
    if later and next_at is not None:
        line += (
            f"; {later} waiting for their time, the first at "
            f"{next_at:%Y-%m-%d %H:%M} UTC (`recoup run` or `recoup worker` sends them then)"
        )
    return line


def _stop_unless_ready(
    session: Session, organisation: OrganisationDetails, *, dry_run: bool
) -> None:
    """Stop before planning when messages would go out wrong (a dry run only warns)."""
    findings = blocking(
        sending_findings(
            session,
            org=organisation,
            smtp_url=Settings().smtp_url,
            public_url=PortalSettings().public_url,
        )
    )
    for finding in findings:
        typer.echo(str(finding), err=True)
    if findings and not dry_run:
        typer.echo(
            "error: nothing was planned or sent; fix the above (`recoup check`), "
            "or see the plan with --dry-run",
            err=True,
        )
        raise typer.Exit(1)


def run(
    as_of: Annotated[str | None, typer.Option("--as-of", help="YYYY-MM-DD; default today")] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="show the plan; change nothing")
    ] = False,
    output: Annotated[Format, typer.Option("--format")] = Format.TABLE,
    no_dispatch: Annotated[bool, typer.Option("--no-dispatch", help="plan only")] = False,
    org: Annotated[str | None, typer.Option("--org")] = None,
    partition_size: Annotated[
        int,
        typer.Option("--partition-size", min=1, help="customers planned per transaction"),
    ] = partitions.DEFAULT_SIZE,
) -> None:
    """The daily run: evaluate cases and credit, plan the day's actions, dispatch them.

    The plan is made in partitions of customers, each in its own transaction (see
    `recoup worker` to run it on a schedule with several processes); a dry run plans in
    one transaction and rolls it back.
    """
    day = parse_day(as_of)
    now = datetime.now(UTC) if as_of is None else datetime.combine(day, time(7), UTC)
    try:
        policies = available_policies(_policy_dir())
    except RecoupError as error:
        fail(error)
    try:
        with unit_of_work(org) as (session, organisation):
            org_id = organisation.id
            _stop_unless_ready(session, organisation, dry_run=dry_run)
            if dry_run:
                result = run_day(session, org_id=org_id, as_of=day, now=now, policies=policies)
                stale = partitions.flag_stale_rates(session, org_id=org_id, day=day)
                result.dry_run = True
                session.rollback()
        if not dry_run:
            result, stale = partitions.run_day(
                engine(),
                org_id=org_id,
                as_of=day,
                now=now,
                policies=policies,
                size=partition_size,
                actor=Settings().actor,
            )
    except RecoupError as error:
        fail(error)
    except OperationalError as error:
        if not is_overload(error):
            raise
        fail(
            Overloaded(
                "another run is in progress (the database stayed locked); nothing was done: "
                "run again when it has finished"
            )
        )
    _report(result, output)
    for message in stale:
        typer.echo(f"warning: {message}", err=output is Format.JSON)
    if dry_run:
        return
    if not no_dispatch:
        try:
            db = engine()
            report = dispatch(db, LiveChannels(Settings()), org_id=org_id)
            later, next_at = waiting(db, now=utcnow(), org_id=org_id)
        except RecoupError as error:
            fail(error)
        typer.echo(_dispatched(report, later, next_at), err=output is Format.JSON)
        for problem in report.errors:
            typer.echo(f"  {problem}", err=True)
    with unit_of_work(org) as (session, _):  # the day's audit trail, sealed outside the db
        written, path = audit_verification.checkpoint(session, org_id=org_id)
    typer.echo(f"audit checkpoint of event {written.seq}: {path}", err=output is Format.JSON)


@policy_app.command("list")
def list_policies() -> None:
    """The available policies and their steps."""
    try:
        policies = available_policies(_policy_dir())
    except RecoupError as error:
        fail(error)
    for name, policy in sorted(policies.items()):
        typer.echo(f"{name} ({policy.mode.value}): {policy.description}")
        for step in policy.steps:
            trigger = step.trigger
            when = (
                f"{trigger.days_from_due:+d} days from due"
                if trigger.days_from_due is not None
                else f"{trigger.days} days after '{trigger.after_step}'"
            )
            actions = ", ".join(
                a.kind.value + (f" {a.template}" if a.template else "") for a in step.actions
            )
            typer.echo(f"  {step.name:<18} {when:<34} {actions}")


@policy_app.command("check")
def check(file: Annotated[Path, typer.Argument(help="a policy YAML file")]) -> None:
    """Validate a policy file (errors name the line and the field)."""
    try:
        policy = load_policy(file)
    except RecoupError as error:
        fail(error)
    typer.echo(f"{file.name}: policy {policy.name!r} with {len(policy.steps)} steps is valid")


@policy_app.command("assign")
def assign(
    policy: Annotated[str, typer.Argument(help="the policy's name")],
    customer: Annotated[str | None, typer.Option("--customer", help="account number")] = None,
    invoice: Annotated[str | None, typer.Option("--invoice", help="invoice number")] = None,
    org: Annotated[str | None, typer.Option("--org")] = None,
) -> None:
    """Use a policy for the organisation (default), one customer or one invoice.

    The narrowest assignment wins: invoice, then customer, then organisation.
    """
    with unit_of_work(org) as (session, organisation):
        customer_id = invoice_id = None
        scope = f"organisation {organisation.slug!r}"
        if customer is not None:
            customer_id = customer_by_external_id(
                session, org_id=organisation.id, external_id=customer
            ).id
            scope = f"customer {customer}"
        if invoice is not None:
            (found,) = named_invoices(session, organisation.id, [invoice])
            invoice_id = found.id
            scope = f"invoice {invoice}"
        assign_policy(
            session,
            org_id=organisation.id,
            policy=policy,
            policies=policies_in_use(session, org_id=organisation.id, policy_dir=_policy_dir()),
            customer_id=customer_id,
            invoice_id=invoice_id,
        )
    typer.echo(f"{scope} now follows policy {policy!r}")


@policy_app.command("propose")
def propose(
    file: Annotated[Path, typer.Argument(help="the policy's new YAML (its name says which)")],
    by: Annotated[str, typer.Option("--by", help="the proposing user's email")],
    reason: Annotated[str, typer.Option("--reason", help="why it changes")],
    org: Annotated[str | None, typer.Option("--org")] = None,
) -> None:
    """Propose a change to a policy (or a new one) for the organisation; it takes effect
    when another manager or admin approves it (`recoup approval approve policy N`)."""
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as error:
        fail(InvalidInput(f"cannot read {file}: {error.strerror}", field="file"))
    with unit_of_work(org) as (session, organisation):
        request = approvals.request_policy_change(
            session,
            org_id=organisation.id,
            text=text,
            reason=reason,
            requested_by=by,
            policies=policies_in_use(session, org_id=organisation.id, policy_dir=_policy_dir()),
        )
        typer.echo(f"policy change #{request.id} proposed: {request.summary}")
        typer.echo(f"another manager or admin decides: recoup approval approve policy {request.id}")
