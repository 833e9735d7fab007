"""``recoup dispute|promise|plan|handoff|task|note|call``, ``recoup writeoff``,
``recoup timeline`` and ``recoup feasibility``: working accounts from the terminal.

Every command runs in one transaction (``unit_of_work``): a bad argument or a refused
action prints ``error: ...``, exits with status 1 and writes nothing. Customers are named
by account number (external id), invoices by number.
"""

import json
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy.orm import Session

from recoup import money
from recoup.approvals import service as approvals
from recoup.cases import agency, disputes, feasibility, notes, plans, promises, queue, tasks
from recoup.cases.core import check_approver
from recoup.cases.ledger_views import (
    CustomerView,
    InvoiceView,
    customer_by_external_id,
    customers_by_id,
    invoices_by_id,
    invoices_by_number,
)
from recoup.cases.timeline import timeline as customer_timeline
from recoup.cli import credit
from recoup.cli.app import On, Org, money_text, option_day, unit_of_work
from recoup.errors import InvalidInput, NotFound
from recoup.ledger import service as ledger

Invoices = Annotated[
    list[str] | None,
    typer.Option("--invoice", "-i", help="invoice number (repeat for several)"),
]

dispute_app = typer.Typer(help="Disputes: open, investigate, resolve, list.", no_args_is_help=True)
promise_app = typer.Typer(help="Promises to pay.", no_args_is_help=True)
plan_app = typer.Typer(help="Payment plans.", no_args_is_help=True)
handoff_app = typer.Typer(help="Hand-offs to a collection agency.", no_args_is_help=True)
task_app = typer.Typer(help="Tasks for people.", no_args_is_help=True)
note_app = typer.Typer(help="Notes on accounts.", no_args_is_help=True)
call_app = typer.Typer(help="Calls with customers.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add the case and credit commands to ``app``."""
    app.add_typer(dispute_app, name="dispute")
    app.add_typer(promise_app, name="promise")
    app.add_typer(plan_app, name="plan")
    app.add_typer(handoff_app, name="handoff")
    app.add_typer(task_app, name="task")
    app.add_typer(note_app, name="note")
    app.add_typer(call_app, name="call")
    app.add_typer(credit.app, name="credit")
    app.command("writeoff")(writeoff)
    app.command("timeline")(timeline)
    app.command("feasibility")(feasibility_command)


def amount(value: str, field: str = "amount") -> Decimal:
    """An amount as people write it ("1,234.50")."""
    try:
        return money.parse_amount(value)
    except InvalidInput:
        raise InvalidInput(f"{value!r} is not an amount", field=field) from None


def _customer(session: Session, org_id: int, external_id: str) -> CustomerView:
    return customer_by_external_id(session, org_id=org_id, external_id=external_id)


def named_invoices(
    session: Session, org_id: int, numbers: Sequence[str] | None
) -> list[InvoiceView]:
    """The invoices a user names by number, in that order; any unknown one is an error."""
    if not numbers:
        raise InvalidInput("name at least one --invoice", field="invoice")
    found = invoices_by_number(session, org_id=org_id, numbers=list(numbers))
    missing = [n for n in numbers if n not in found]
    if missing:
        raise NotFound(f"no invoice {', '.join(repr(n) for n in missing)}")
    return [found[n] for n in numbers]


def approver_role(session: Session, org_id: int, approver: str, role: str | None) -> str:
    """The role of ``approver``: the user's, from ``recoup.auth``; ``--role`` only while
    the organisation has no users yet (a fresh command-line-only installation)."""
    from recoup.auth import service as auth  # the web app's users, when there are any

    if not approver.strip():
        raise InvalidInput("name the approver", field="approver")
    users = {u.email: u for u in auth.list_users(session, org_id=org_id)}
    user = users.get(approver.strip().lower())
    if user is not None:
        if not user.active:
            raise InvalidInput(f"{user.email} is deactivated", field="approver")
        if role is not None and role.strip().lower() != user.role:
            raise InvalidInput(f"{user.email} is a {user.role}, not a {role}", field="role")
        return str(user.role)
    if users:
        raise NotFound(f"no user {approver!r} in this organisation")
    if role is None:
        raise InvalidInput(
            "there are no users yet to look the approver up in: give --role", field="role"
        )
    return role


# Disputes


@dispute_app.command("open")
def dispute_open(
    customer: Annotated[str, typer.Argument(help="account number")],
    invoice: Invoices = None,
    reason: Annotated[
        str,
        typer.Option(
            help="pricing, quantity, quality, not_received, duplicate, already_paid, other"
        ),
    ] = "other",
    amount_: Annotated[
        str | None, typer.Option("--amount", help="in dispute; default all open")
    ] = None,
    owner: Annotated[str, typer.Option(help="who resolves it (email)")] = "",
    lines: Annotated[str, typer.Option(help="the disputed invoice lines, as text")] = "",
    description: Annotated[str, typer.Option()] = "",
    on: On = None,
    org: Org = None,
) -> None:
    """Open a dispute on invoices: they leave the escalation ladder until it is resolved."""
    with unit_of_work(org) as (session, organisation):
        who = _customer(session, organisation.id, customer)
        invoices = named_invoices(session, organisation.id, invoice)
        dispute = disputes.open_dispute(
            session,
            org_id=organisation.id,
            customer_id=who.id,
            invoice_ids=[i.id for i in invoices],
            reason=reason,
            amount=None if amount_ is None else amount(amount_),
            owner=owner,
            lines=lines,
            description=description,
            opened_on=option_day(on),
        )
        typer.echo(
            f"dispute #{dispute.id} opened ({dispute.reason}, "
            f"{money_text(dispute.disputed_amount, dispute.currency)}) on "
            f"{', '.join(i.number for i in invoices)}: paused until resolved"
        )


@dispute_app.command("investigate")
def dispute_investigate(dispute_id: int, org: Org = None) -> None:
    """Mark a dispute as under investigation."""
    with unit_of_work(org) as (session, organisation):
        disputes.investigate_dispute(session, org_id=organisation.id, dispute_id=dispute_id)
        typer.echo(f"dispute #{dispute_id} is under investigation")


@dispute_app.command("resolve")
def dispute_resolve(
    dispute_id: int,
    outcome: Annotated[str, typer.Option(help="valid, invalid or credited")],
    amount_: Annotated[
        str | None,
        typer.Option("--amount", help="credit (credited only); default the amount in dispute"),
    ] = None,
    note: Annotated[str, typer.Option()] = "",
    by: Annotated[str, typer.Option(help="who resolved it")] = "",
    on: On = None,
    org: Org = None,
) -> None:
    """Resolve a dispute; ``credited`` issues and applies a credit note."""
    with unit_of_work(org) as (session, organisation):
        dispute = disputes.resolve_dispute(
            session,
            org_id=organisation.id,
            dispute_id=dispute_id,
            outcome=outcome,
            on=option_day(on),
            note=note,
            credit_amount=None if amount_ is None else amount(amount_),
            by=by,
        )
        extra = f", credit note CN-DSP-{dispute.id}" if dispute.credit_note_id else ""
        typer.echo(f"dispute #{dispute.id} {dispute.status}{extra}; escalation resumes")


@dispute_app.command("list")
def dispute_list(
    status: Annotated[list[str] | None, typer.Option(help="only these statuses")] = None,
    customer: Annotated[str | None, typer.Option(help="account number")] = None,
    org: Org = None,
) -> None:
    """Disputes, oldest first."""
    with unit_of_work(org) as (session, organisation):
        customer_id = _customer(session, organisation.id, customer).id if customer else None
        found = disputes.list_disputes(
            session, org_id=organisation.id, statuses=status or None, customer_id=customer_id
        )
        names = customers_by_id(session, org_id=organisation.id, ids=[d.customer_id for d in found])
        for d in found:
            ids = disputes.dispute_invoice_ids(session, org_id=organisation.id, dispute_id=d.id)
            numbers = invoices_by_id(session, org_id=organisation.id, ids=ids)
            typer.echo(
                f"#{d.id}  {d.opened_on}  {names[d.customer_id].external_id}  {d.reason}  "
                f"{money_text(d.disputed_amount, d.currency)}  {d.status}  "
                f"{','.join(numbers[i].number for i in ids)}  {d.owner}"
            )
        if not found:
            typer.echo("no disputes")


# Promises


@promise_app.command("add")
def promise_add(
    customer: Annotated[str, typer.Argument(help="account number or name")],
    promised: Annotated[str, typer.Option("--date", help="promised payment date")],
    invoice: Annotated[
        list[str] | None,
        typer.Option("--invoice", "-i", help="INV-1 (all open) or INV-1:100.00; repeatable"),
    ] = None,
    contact: Annotated[str, typer.Option(help="who promised")] = "",
    channel: Annotated[str, typer.Option(help="phone, email, letter, portal, ...")] = "phone",
    by: Annotated[str | None, typer.Option(help="collector; default the account's")] = None,
    grace: Annotated[int, typer.Option(help="days after the date")] = 3,
    confirm: Annotated[bool, typer.Option(help="email a confirmation")] = False,
    note: Annotated[str, typer.Option()] = "",
    on: On = None,
    org: Org = None,
) -> None:
    """Record a promise to pay: the invoices are paused until the date + grace days."""
    with unit_of_work(org) as (session, organisation):
        who = _customer(session, organisation.id, customer)
        specs = [s.rpartition(":") if ":" in s else ("", "", s) for s in invoice or []]
        numbers = [number if sep else rest for number, sep, rest in specs]
        items: list[tuple[int, Decimal | None]] = [
            (i.id, None)  # no --invoice: everything the customer has open
            for i in ledger.open_invoices(session, org_id=organisation.id, customer_id=who.id)
        ]
        if invoice:
            invoices = named_invoices(session, organisation.id, numbers)
            items = [
                (i.id, amount(rest) if sep else None)
                for i, (_, sep, rest) in zip(invoices, specs, strict=True)
            ]
        promise = promises.add_promise(
            session,
            org_id=organisation.id,
            customer_id=who.id,
            items=items,
            promised_on=option_day(promised, "date"),
            made_on=option_day(on),
            contact=contact,
            channel=channel,
            collector=by,
            grace_days=grace,
            note=note,
            confirm=confirm,
        )
        typer.echo(
            f"promise #{promise.id}: {money_text(promise.promised_amount, promise.currency)} by "
            f"{promise.promised_on}; paused through "
            f"{promise.promised_on + timedelta(days=promise.grace_days)}"
        )


@promise_app.command("list")
def promise_list(
    status: Annotated[list[str] | None, typer.Option(help="only these statuses")] = None,
    customer: Annotated[str | None, typer.Option(help="account number")] = None,
    org: Org = None,
) -> None:
    """Promises to pay, oldest first."""
    with unit_of_work(org) as (session, organisation):
        customer_id = _customer(session, organisation.id, customer).id if customer else None
        found = promises.list_promises(
            session, org_id=organisation.id, statuses=status or None, customer_id=customer_id
        )
        names = customers_by_id(session, org_id=organisation.id, ids=[p.customer_id for p in found])
        for p in found:
            typer.echo(
                f"#{p.id}  {p.made_on}  {names[p.customer_id].external_id}  "
                f"{money_text(p.promised_amount, p.currency)} by {p.promised_on}  {p.status}  "
                f"kept {money_text(p.kept_amount, p.currency)}  {p.collector}"
            )
        if not found:
            typer.echo("no promises")


@promise_app.command("rate")
def promise_rate(
    since: Annotated[str | None, typer.Option(help="promises made on or after")] = None,
    org: Org = None,
) -> None:
    """Promise-kept rates: kept / (kept + partially kept + broken), per collector and
    per customer."""
    with unit_of_work(org) as (session, organisation):
        rates = promises.promise_kept_rates(
            session,
            org_id=organisation.id,
            since=None if since is None else option_day(since, "since"),
        )
        names = customers_by_id(session, org_id=organisation.id, ids=list(rates.by_customer))

        def line(label: str, r: Any) -> str:
            shown = "n/a" if r.percent is None else f"{r.percent} %"
            return (
                f"{label}: {shown}  (kept {r.kept}, partially kept {r.partially_kept}, "
                f"broken {r.broken}; pending {r.pending}, cancelled {r.cancelled})"
            )

        typer.echo(line("all", rates.overall))
        for collector, r in sorted(rates.by_collector.items()):
            typer.echo(line(f"collector {collector or '(none)'}", r))
        for customer_id, r in sorted(
            rates.by_customer.items(), key=lambda kv: names[kv[0]].external_id
        ):
            typer.echo(line(f"customer {names[customer_id].external_id}", r))


@promise_app.command("cancel")
def promise_cancel(
    promise_id: int,
    reason: Annotated[str, typer.Option()] = "",
    on: On = None,
    org: Org = None,
) -> None:
    """Withdraw a pending promise (it ends the pause and counts in no rate)."""
    with unit_of_work(org) as (session, organisation):
        promises.cancel_promise(
            session, org_id=organisation.id, promise_id=promise_id, on=option_day(on), reason=reason
        )
        typer.echo(f"promise #{promise_id} cancelled")


# Payment plans


def _split(value: str | None) -> list[str] | None:
    return None if value is None else [part.strip() for part in value.split(",") if part.strip()]


@plan_app.command("create")
def plan_create(
    customer: Annotated[str, typer.Argument(help="account number")],
    invoice: Invoices = None,
    instalments: Annotated[int | None, typer.Option(help="equal instalments")] = None,
    first: Annotated[str | None, typer.Option(help="first due date")] = None,
    frequency: Annotated[str, typer.Option(help="weekly, fortnightly, monthly")] = "monthly",
    amounts: Annotated[str | None, typer.Option(help="custom amounts: 100,100,50.50")] = None,
    dates: Annotated[str | None, typer.Option(help="custom dates: 2026-02-01,...")] = None,
    interest: Annotated[str, typer.Option(help="annual interest in percent")] = "0",
    reminder_days: Annotated[int, typer.Option(help="reminder this many days before")] = 3,
    grace: Annotated[int, typer.Option(help="days late before the plan defaults")] = 7,
    by: Annotated[str, typer.Option(help="collector who agreed it")] = "",
    contact: Annotated[str, typer.Option()] = "",
    start: Annotated[str | None, typer.Option(help="YYYY-MM-DD; default today")] = None,
    org: Org = None,
) -> None:
    """Agree a payment plan over invoices: instalment reminders replace the ladder."""
    with unit_of_work(org) as (session, organisation):
        who = _customer(session, organisation.id, customer)
        invoices = named_invoices(session, organisation.id, invoice)
        custom_dates = _split(dates)
        plan = plans.create_plan(
            session,
            org_id=organisation.id,
            customer_id=who.id,
            invoice_ids=[i.id for i in invoices],
            start_on=option_day(start, "start"),
            first_due=None if first is None else option_day(first, "first"),
            instalments=instalments,
            frequency=frequency,
            amounts=None
            if amounts is None
            else [amount(a, "amounts") for a in _split(amounts) or []],
            dates=None if custom_dates is None else [option_day(d, "dates") for d in custom_dates],
            interest_rate=amount(interest, "interest"),
            reminder_days=reminder_days,
            grace_days=grace,
            agreed_by=by,
            contact=contact,
        )
        _show_plan(session, organisation.id, plan.id, plan.created_on)


def _show_plan(session: Session, org_id: int, plan_id: int, as_of: date) -> None:
    state = plans.plan_detail(session, org_id=org_id, plan_id=plan_id, as_of=as_of)
    plan = state.plan
    numbers = invoices_by_id(session, org_id=org_id, ids=state.invoice_ids)
    principal = money_text(plan.principal_amount, plan.currency)
    typer.echo(
        f"payment plan #{plan.id} ({plan.status}): {principal}"
        f" over {', '.join(numbers[i].number for i in state.invoice_ids)}"
        + (
            f", interest {Decimal(plan.interest_rate_bp) / 100} % a year"
            if plan.interest_rate_bp
            else ""
        )
    )
    for s in state.states:
        interest = f" + {money_text(s.interest, plan.currency)} interest" if s.interest else ""
        typer.echo(
            f"  {s.seq}. {s.due_on}  {money_text(s.principal, plan.currency)}{interest}  "
            f"paid {money_text(s.paid, plan.currency)}  {s.status}"
        )


@plan_app.command("show")
def plan_show(
    plan_id: int,
    as_of: Annotated[str | None, typer.Option("--as-of", help="YYYY-MM-DD; default today")] = None,
    org: Org = None,
) -> None:
    """A plan's instalments and what has been paid."""
    with unit_of_work(org) as (session, organisation):
        _show_plan(session, organisation.id, plan_id, option_day(as_of, "as_of"))


# Hand-offs


@handoff_app.command("request")
def handoff_request(
    customer: Annotated[str, typer.Argument(help="account number")],
    agency_name: Annotated[str, typer.Option("--agency", help="the collection agency")],
    by: Annotated[str, typer.Option(help="who asks (email)")],
    invoice: Invoices = None,
    commission: Annotated[str | None, typer.Option(help="agency's rate, e.g. 0.25")] = None,
    on: On = None,
    org: Org = None,
) -> None:
    """Ask to hand invoices to an agency (a manager or an admin must approve)."""
    with unit_of_work(org) as (session, organisation):
        who = _customer(session, organisation.id, customer)
        invoices = named_invoices(session, organisation.id, invoice)
        handoff = agency.request_handoff(
            session,
            org_id=organisation.id,
            customer_id=who.id,
            invoice_ids=[i.id for i in invoices],
            agency=agency_name,
            requested_by=by,
            on=option_day(on),
            commission_rate=None if commission is None else amount(commission, "commission"),
        )
        typer.echo(
            f"hand-off #{handoff.id} to {handoff.agency} requested "
            f"({money_text(handoff.placed_amount, handoff.currency)}); awaiting approval"
        )


@handoff_app.command("approve")
def handoff_approve(
    handoff_id: int,
    approver: Annotated[str, typer.Option(help="the approving user's email")],
    role: Annotated[
        str | None, typer.Option(help="manager or admin; only while there are no users")
    ] = None,
    commission: Annotated[str | None, typer.Option(help="agency's rate, e.g. 0.25")] = None,
    dpa: Annotated[str, typer.Option(help="data processing agreement reference")] = "",
    out: Annotated[Path | None, typer.Option(help="write the placement CSV here")] = None,
    on: On = None,
    org: Org = None,
) -> None:
    """Approve a hand-off: the invoices are placed and the placement file is written.
    The approver must not be the person who asked (``recoup.approvals``)."""
    with unit_of_work(org) as (session, organisation):
        approvals.approve(
            session,
            org_id=organisation.id,
            kind="handoff",
            request_id=handoff_id,
            by=approver,
            role=approver_role(session, organisation.id, approver, role),
            on=option_day(on),
            commission_rate=None if commission is None else amount(commission, "commission"),
            processor_agreement=dpa,
        )
        handoff = queue.get_handoff(session, org_id=organisation.id, handoff_id=handoff_id)
        target = out or Path(f"placement-{handoff.id}.csv")
        try:
            target.write_text(handoff.placement_csv, encoding="utf-8")
        except OSError as error:
            raise InvalidInput(f"cannot write {target}: {error.strerror}", field="out") from None
        typer.echo(
            f"hand-off #{handoff.id} placed with {handoff.agency} "
            f"(commission {Decimal(handoff.commission_bp or 0) / 100} %); "
            f"placement file {target}"
        )


@handoff_app.command("reject")
def handoff_reject(
    handoff_id: int,
    approver: Annotated[str, typer.Option(help="the deciding user's email")],
    reason: Annotated[str, typer.Option(help="why not")] = "",
    role: Annotated[str | None, typer.Option(help="only while there are no users")] = None,
    on: On = None,
    org: Org = None,
) -> None:
    """Turn down a hand-off request, saying why (not one's own: ``recoup.approvals``)."""
    with unit_of_work(org) as (session, organisation):
        approvals.reject(
            session,
            org_id=organisation.id,
            kind="handoff",
            request_id=handoff_id,
            by=approver,
            role=approver_role(session, organisation.id, approver, role),
            reason=reason,
            on=option_day(on),
        )
        typer.echo(f"hand-off #{handoff_id} rejected")


@handoff_app.command("list")
def handoff_list(org: Org = None) -> None:
    """Hand-offs, oldest first."""
    with unit_of_work(org) as (session, organisation):
        found = agency.list_handoffs(session, org_id=organisation.id)
        names = customers_by_id(session, org_id=organisation.id, ids=[h.customer_id for h in found])
        for h in found:
            typer.echo(
                f"#{h.id}  {h.requested_on}  {names[h.customer_id].external_id}  {h.agency}  "
                f"{money_text(h.placed_amount, h.currency)}  {h.status}"
            )
        if not found:
            typer.echo("no hand-offs")


@handoff_app.command("recovery")
def handoff_recovery(
    handoff_id: int,
    amount_: Annotated[str, typer.Argument(metavar="AMOUNT", help="gross, as the debtor paid")],
    on: On = None,
    reference: Annotated[str, typer.Option()] = "",
    org: Org = None,
) -> None:
    """Record money an agency recovered: the commission and the net are worked out."""
    with unit_of_work(org) as (session, organisation):
        recovery = agency.record_recovery(
            session,
            org_id=organisation.id,
            handoff_id=handoff_id,
            amount=amount(amount_),
            received_on=option_day(on),
            reference=reference,
        )
        typer.echo(
            f"recovered {money_text(recovery.gross_amount, recovery.currency)}: commission "
            f"{money_text(recovery.commission_amount, recovery.currency)}, net "
            f"{money_text(recovery.net_amount, recovery.currency)}"
        )


# Write-offs


def writeoff(
    invoice: Annotated[str, typer.Argument(help="invoice number")],
    reason: Annotated[str, typer.Option(help="why it is written off")],
    approver: Annotated[str, typer.Option(help="the approving user's email")],
    role: Annotated[
        str | None, typer.Option(help="manager or admin; only while there are no users")
    ] = None,
    amount_: Annotated[
        str | None, typer.Option("--amount", help="default: all that is open")
    ] = None,
    by: Annotated[str, typer.Option(help="who asks (not the approver)")] = "",
    on: On = None,
    org: Org = None,
) -> None:
    """Write off an invoice's balance (a write-off credit note): requested by ``--by`` and
    approved by another person, a manager or an admin (``recoup.approvals``)."""
    with unit_of_work(org) as (session, organisation):
        (found,) = named_invoices(session, organisation.id, [invoice])
        checked_role = approver_role(session, organisation.id, approver, role)
        check_approver(checked_role, action="a write-off")
        request = approvals.request_write_off(
            session,
            org_id=organisation.id,
            invoice_id=found.id,
            reason=reason,
            requested_by=by or approver,
            amount=None if amount_ is None else amount(amount_),
            on=option_day(on),
        )
        approvals.approve(
            session,
            org_id=organisation.id,
            kind="write_off",
            request_id=request.id,
            by=approver,
            role=checked_role,
            on=option_day(on),
        )
        done = queue.get_write_off(session, org_id=organisation.id, write_off_id=request.id)
        typer.echo(
            f"written off {money_text(done.amount, done.currency)} of {found.number} "
            f"(credit note WO-{done.id})"
        )


# Tasks, notes, calls


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
        who = _customer(session, organisation.id, customer)
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
        who = _customer(session, organisation.id, customer)
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
        who = _customer(session, organisation.id, customer)
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


# Timeline and feasibility


def timeline(
    customer: Annotated[str, typer.Argument(help="account number")],
    format_: Annotated[str, typer.Option("--format", help="table or json")] = "table",
    org: Org = None,
) -> None:
    """Everything on an account, oldest first."""
    with unit_of_work(org) as (session, organisation):
        if format_ not in ("table", "json"):
            raise InvalidInput("must be table or json", field="format")
        who = _customer(session, organisation.id, customer)
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


def feasibility_command(
    as_of: Annotated[str | None, typer.Option("--as-of", help="YYYY-MM-DD; default today")] = None,
    currency: Annotated[
        str | None, typer.Option(help="invoices in this currency; default the base one")
    ] = None,
    staff_cost_per_hour: Annotated[str, typer.Option()] = "35",
    hours_per_account: Annotated[str, typer.Option()] = "2",
    tool_cost: Annotated[str, typer.Option(help="in-house tool cost per account")] = "0",
    agency_contingency: Annotated[str, typer.Option(help="agency's share, 0.25")] = "0.25",
    agency_fee: Annotated[str, typer.Option(help="agency's fee per account")] = "0",
    agency_uplift: Annotated[
        str, typer.Option(help="agency recovery relative to ours, 1.2 = 20 % better")
    ] = "1",
    bands: Annotated[str, typer.Option(help="band edges in days past due")] = "30,60,90,180,365",
    min_history: Annotated[int, typer.Option(help="invoices needed to recommend")] = 5,
    org: Org = None,
) -> None:
    """In-house or agency? Expected net recovery of each, per age band, from the
    ledger's overdue accounts and Recoup's own recovery history."""
    with unit_of_work(org) as (session, organisation):
        try:
            edges = [int(part) for part in bands.split(",") if part.strip()]
        except ValueError:
            raise InvalidInput(f"{bands!r} is not a list of days", field="bands") from None
        costs = feasibility.Costs(
            staff_cost_per_hour=amount(staff_cost_per_hour, "staff-cost-per-hour"),
            hours_per_account=amount(hours_per_account, "hours-per-account"),
            tool_cost_per_account=amount(tool_cost, "tool-cost"),
            agency_contingency=amount(agency_contingency, "agency-contingency"),
            agency_fee_per_account=amount(agency_fee, "agency-fee"),
            agency_uplift=amount(agency_uplift, "agency-uplift"),
        )
        report = agency.feasibility_report(
            session,
            org_id=organisation.id,
            as_of=option_day(as_of, "as_of"),
            currency=currency or organisation.base_currency,
            costs=costs,
            edges=edges,
            min_history=min_history,
        )
    _print_feasibility(report)


def _print_feasibility(report: feasibility.Feasibility) -> None:
    c = report.costs
    typer.echo(
        f"In-house or agency? {report.currency} accounts overdue on {report.as_of}.\n"
        f"In-house: {c.hours_per_account} h × {c.staff_cost_per_hour} per hour + "
        f"{c.tool_cost_per_account} tools per account. Agency: {c.agency_contingency * 100:.1f}"
        f" % contingency + {c.agency_fee_per_account} per account, recovery × {c.agency_uplift}."
    )
    headers = (
        "band", "accounts", "value", "rate", "history", "in-house net", "agency net", "recommend"
    )  # fmt: skip
    rows = [
        (
            b.band,
            str(b.accounts),
            str(b.value),
            "n/a" if b.recovery_rate is None else f"{b.recovery_rate * 100:.1f} %",
            f"{b.history_paid}/{b.history_reached}",
            f"{b.in_house_net} ({b.in_house_recovery} − {b.in_house_cost})",
            f"{b.agency_net} ({b.agency_recovery} − {b.agency_cost})",
            b.recommendation,
        )
        for b in report.bands
    ]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    typer.echo("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
    for row in rows:
        typer.echo("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)))
    typer.echo(f"Expected net recovery following the recommendations: {report.best_net}")
