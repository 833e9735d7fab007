"""``recoup org show|set|bank``, ``recoup check`` and ``recoup mail test``: the
organisation's own details, where its customers pay, and whether it is ready to send."""

from typing import Annotated

import typer
from sqlalchemy.orm import Session

from recoup.cli.app import Org, fail, parse_day, unit_of_work
from recoup.comms.channels.email import OutgoingEmail, mail_channel_from_url
from recoup.comms.channels.errors import PermanentFailure, TemporaryFailure
from recoup.config import Settings
from recoup.errors import InvalidInput
from recoup.jobs.readiness import sending_findings
from recoup.ledger.organisation import (
    DETAILS,
    BankAccountDetails,
    BankDetails,
    OrganisationDetails,
    bank_account_for,
    bank_accounts,
    remove_bank_account,
    set_bank_account,
    update_details,
)
from recoup.portal.service import PortalSettings

app = typer.Typer(help="The organisation's details and bank accounts.", no_args_is_help=True)
bank_app = typer.Typer(help="Bank accounts, one per currency.", no_args_is_help=True)
app.add_typer(bank_app, name="bank")
mail_app = typer.Typer(help="The mail server.", no_args_is_help=True)

Text = Annotated[str | None, typer.Option()]


def _account_line(account: BankAccountDetails) -> str:
    parts = [account.currency + ":"]
    if account.bank_name:
        parts.append(account.bank_name)
    if account.iban:
        parts.append(f"IBAN {account.iban}")
    if account.bic:
        parts.append(f"BIC {account.bic}")
    if account.sort_code:
        code = account.sort_code
        parts.append(f"sort code {code[:2]}-{code[2:4]}-{code[4:]}")
    if account.routing_number:
        parts.append(f"routing {account.routing_number}")
    if account.account_number:
        parts.append(f"account {account.account_number}")
    if account.account_name:
        parts.append(f"payee {account.account_name}")
    return " ".join(parts)


def _show(session: Session, org: OrganisationDetails) -> None:
    typer.echo(
        f"organisation {org.slug} (country {org.country}, base currency {org.base_currency})"
    )
    for field in DETAILS:
        value = str(getattr(org, field)).replace("\n", ", ")
        typer.echo(f"  {field.replace('_', ' ')}: {value or '-'}")
    accounts = bank_accounts(session, org_id=org.id)
    typer.echo("  bank accounts:" + ("" if accounts else " none"))
    for account in accounts:
        typer.echo(f"    {_account_line(account)}")


@app.command("show")
def show(org: Org = None) -> None:
    """The organisation's details and bank accounts."""
    with unit_of_work(org) as (session, organisation):
        _show(session, organisation)


def _bank_details(
    bank_name: str | None,
    account_name: str | None,
    iban: str | None,
    bic: str | None,
    sort_code: str | None,
    account_number: str | None,
    routing_number: str | None,
) -> BankDetails | None:
    values = {
        "bank_name": bank_name,
        "account_name": account_name,
        "iban": iban,
        "bic": bic,
        "sort_code": sort_code,
        "account_number": account_number,
        "routing_number": routing_number,
    }
    if all(value is None for value in values.values()):
        return None
    return BankDetails(**{name: value or "" for name, value in values.items()})


_ACCOUNT_IDENTITY = ("iban", "bic", "sort_code", "account_number", "routing_number")


def _updated_account(
    account: BankAccountDetails | None, given: dict[str, str | None]
) -> BankDetails:
    """The options ``given`` (None: not given) over what ``account`` already holds; a new
    account number (IBAN, sort code, ...) replaces the whole of the old one."""
    new_number = any(given[name] is not None for name in _ACCOUNT_IDENTITY)
    kept = {
        name: getattr(account, name) or ""
        for name in given
        if account is not None and not (new_number and name in _ACCOUNT_IDENTITY)
    }
    return BankDetails(
        **{
            name: value or "" if value is not None else kept.get(name, "")
            for name, value in given.items()
        }
    )


BankName = Annotated[str | None, typer.Option("--bank-name", help="the bank's name")]
AccountName = Annotated[
    str | None, typer.Option("--account-name", help="payee, if not the organisation's name")
]
Iban = Annotated[str | None, typer.Option("--iban")]
Bic = Annotated[str | None, typer.Option("--bic")]
SortCode = Annotated[str | None, typer.Option("--sort-code", help="UK, e.g. 20-20-15")]
AccountNumber = Annotated[str | None, typer.Option("--account-number", help="UK or US")]
Routing = Annotated[str | None, typer.Option("--routing-number", help="US ABA routing number")]
FirstRun = Annotated[
    str | None,
    typer.Option(
        "--first-run",
        help="gentle: a customer never chased before starts at the first friendly notice of "
        "what is overdue, with no back-dated charges; policy: the policy as if it had always run",
    ),
]


@app.command("set")
def set_details(
    name: Annotated[str | None, typer.Option(help="trading name (letterhead, messages)")] = None,
    legal_name: Annotated[str | None, typer.Option(help="registered name")] = None,
    address: Annotated[
        str | None, typer.Option(help="postal address; commas or \\n separate lines")
    ] = None,
    email: Annotated[str | None, typer.Option(help="sender address of every email")] = None,
    reply_to: Annotated[str | None, typer.Option(help="where answers go, if not --email")] = None,
    phone: Text = None,
    website: Text = None,
    registration_number: Annotated[
        str | None, typer.Option(help="company number (checked for the country)")
    ] = None,
    vat_number: Annotated[str | None, typer.Option(help="checked with python-stdnum")] = None,
    sender_name: Annotated[
        str | None, typer.Option(help='display name of the sender, e.g. "Acme credit control"')
    ] = None,
    signature_name: Annotated[str | None, typer.Option(help="who signs letters")] = None,
    signature_title: Annotated[str | None, typer.Option(help="their title")] = None,
    first_run: FirstRun = None,
    bank_name: BankName = None,
    account_name: AccountName = None,
    iban: Iban = None,
    bic: Bic = None,
    sort_code: SortCode = None,
    account_number: AccountNumber = None,
    routing_number: Routing = None,
    org: Org = None,
) -> None:
    """Set the organisation's details; bank options set the base currency's account.

    Every value is checked before anything is written; an empty value clears a detail.
    """
    changes = {
        field: value
        for field, value in {
            "name": name,
            "legal_name": legal_name,
            "address": address,
            "email": email,
            "reply_to": reply_to,
            "phone": phone,
            "website": website,
            "registration_number": registration_number,
            "vat_number": vat_number,
            "sender_name": sender_name,
            "signature_name": signature_name,
            "signature_title": signature_title,
            "first_run": first_run,
        }.items()
        if value is not None
    }
    bank = _bank_details(
        bank_name, account_name, iban, bic, sort_code, account_number, routing_number
    )
    if not changes and bank is None:
        fail(InvalidInput("nothing to set: see `recoup org set --help`"))
    with unit_of_work(org) as (session, organisation):
        changed = update_details(session, org=organisation, changes=changes)
        for field, (before, after) in changed.items():
            typer.echo(f"{field.replace('_', ' ')}: {before or '-'} -> {after or '-'}")
        if bank is not None:
            # Only the bank options given change: --bank-name alone names the bank of
            # the account already there.
            current = bank_account_for(
                session, org_id=organisation.id, currency=organisation.base_currency
            )
            values = (bank_name, account_name, iban, bic, sort_code, account_number, routing_number)
            details = _updated_account(
                current, dict(zip(BankDetails.__slots__, values, strict=True))
            )
            account = set_bank_account(
                session, org=organisation, currency=organisation.base_currency, details=details
            )
            typer.echo(f"bank account {_account_line(account)}")
        if not changed and bank is None:
            typer.echo("nothing changed")


@bank_app.command("add")
def bank_add(
    currency: Annotated[str, typer.Option("--currency", help="the invoices it is for")],
    bank_name: BankName = None,
    account_name: AccountName = None,
    iban: Iban = None,
    bic: Bic = None,
    sort_code: SortCode = None,
    account_number: AccountNumber = None,
    routing_number: Routing = None,
    org: Org = None,
) -> None:
    """Add (or replace) the account customers pay invoices in CURRENCY into."""
    bank = _bank_details(
        bank_name, account_name, iban, bic, sort_code, account_number, routing_number
    )
    with unit_of_work(org) as (session, organisation):
        account = set_bank_account(
            session, org=organisation, currency=currency, details=bank or BankDetails()
        )
        typer.echo(f"bank account {_account_line(account)}")


@bank_app.command("list")
def bank_list(org: Org = None) -> None:
    """The organisation's bank accounts."""
    with unit_of_work(org) as (session, organisation):
        accounts = bank_accounts(session, org_id=organisation.id)
        for account in accounts:
            typer.echo(_account_line(account))
        if not accounts:
            typer.echo("no bank account: recoup org bank add --currency CUR --iban ...")


@bank_app.command("remove")
def bank_remove(
    currency: Annotated[str, typer.Option("--currency")],
    org: Org = None,
) -> None:
    """Forget the account for CURRENCY."""
    with unit_of_work(org) as (session, organisation):
        remove_bank_account(session, org=organisation, currency=currency)
        typer.echo(f"{currency.upper()} bank account removed")


def check(
    org: Org = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of", help="YYYY-MM-DD: the day whose charge rates to check; default today"
        ),
    ] = None,
) -> None:
    """What is missing before Recoup can send: sender, addresses, bank accounts, mail
    server, the portal's public address, reference rates out of date. Exits 1 when
    something would go out wrong."""
    day = parse_day(as_of)
    settings = Settings()
    with unit_of_work(org) as (session, organisation):
        findings = sending_findings(
            session,
            org=organisation,
            smtp_url=settings.smtp_url,
            public_url=PortalSettings().public_url,
            audit_key_set=bool(settings.audit_key.get_secret_value()),
            as_of=day,
        )
    for finding in findings:
        typer.echo(str(finding))
    if not findings:
        typer.echo("ready to send")
    if any(finding.level == "error" for finding in findings):
        raise typer.Exit(1)


@mail_app.command("test")
def mail_test(
    to: Annotated[str, typer.Option("--to", help="who receives the test message")],
    org: Org = None,
) -> None:
    """Send one real message through the configured mail server (RECOUP_SMTP_URL)."""
    settings = Settings()
    with unit_of_work(org) as (_, organisation):
        sender, name = organisation.email, organisation.sender_name or organisation.name
    try:
        channel = mail_channel_from_url(settings.smtp_url)
        message_id = channel.send(
            OutgoingEmail(
                to=to,
                subject=f"Recoup test message from {name}",
                text=(
                    f"This is a test message from Recoup for {name}.\n\n"
                    "If you can read it, collections email from Recoup reaches this address.\n"
                ),
                from_=channel.from_address or sender,
            )
        )
    except (TemporaryFailure, PermanentFailure) as error:
        typer.echo(f"error: the mail server refused the test message: {error}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"sent to {to} (Message-ID {message_id})")


def register(root: typer.Typer) -> None:
    """Add ``org``, ``check`` and ``mail`` to the command line."""
    root.add_typer(app, name="org")
    root.add_typer(mail_app, name="mail")
    root.command("check")(check)
