"""``recoup handoff request|approve|reject|list|recovery``, ``recoup writeoff`` and
``recoup feasibility``: agency hand-offs, write-offs and the in-house-or-agency comparison."""

from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer

from recoup.approvals import service as approvals
from recoup.cases import agency, feasibility, queue
from recoup.cases.core import check_approver
from recoup.cases.ledger_views import customers_by_id
from recoup.cli.app import On, Org, money_text, option_day, unit_of_work
from recoup.cli.cases.common import Invoices, amount, approver_role, named_customer, named_invoices
from recoup.errors import InvalidInput

handoff_app = typer.Typer(help="Hand-offs to a collection agency.", no_args_is_help=True)


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
        who = named_customer(session, organisation.id, customer)
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
