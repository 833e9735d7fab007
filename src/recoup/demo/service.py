"""The demo: a portfolio loaded through the real import path, then a few days of the
daily run."""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from functools import partial

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from recoup.comms.dispatcher import Channels, DispatchReport, dispatch
from recoup.config import Settings
from recoup.db import transaction
from recoup.demo import generator
from recoup.imports.columns import Kind
from recoup.imports.service import ImportResult, import_rows
from recoup.jobs.daily import RunResult, run_day
from recoup.ledger import queries as ledger_queries
from recoup.ledger import service as ledger
from recoup.ledger.models import Organisation
from recoup.ledger.organisation import BankDetails, set_bank_account
from recoup.policy.definition import Policy

DEMO_ORG = "demo"
#: The delivery settings the demo always overrides: whatever the environment says, the
#: demo's mail, letters and text messages go to the development file sinks.
SINK_SETTINGS = ("smtp_url", "sms_url", "letters_dir")


def file_sinks(settings: Settings) -> Settings:
    """``settings`` with every delivery channel on its development file sink
    (``mail-outbox/``, ``sms-outbox/``, ``letters/``): a demo never reaches a real SMTP
    server, SMS provider or print room, and what it prints about them holds no secret."""
    defaults = {name: Settings.model_fields[name].default for name in SINK_SETTINGS}
    return settings.model_copy(update=defaults)


def sink_directories(settings: Settings) -> tuple[str, str, str]:
    """The directories of the file sinks: mail, letters, text messages.

    >>> sink_directories(file_sinks(Settings(smtp_url="smtp://u:secret@mail.example")))
    ('mail-outbox', 'letters', 'sms-outbox')
    """
    return (
        settings.smtp_url.removeprefix("file://"),
        settings.letters_dir,
        settings.sms_url.removeprefix("file://"),
    )


@dataclass(frozen=True, slots=True)
class DemoLoad:
    """What loading the demo portfolio wrote."""

    customers: ImportResult
    invoices: ImportResult
    payments: ImportResult


def demo_organisation(session: Session) -> Organisation:
    """The demo organisation, created on first use, with a bank account per currency."""
    org = ledger_queries.organisation_by_slug(session, DEMO_ORG)
    if org is not None:
        return org
    org = ledger.create_organisation(
        session,
        slug=DEMO_ORG,
        name="Demo Trading Ltd",
        country="GB",
        base_currency="GBP",
        address="1 Demo Street\nLondon EC1A 1AA",
        email="credit.control@demo.example",
        phone="+44 20 7946 0000",
        legal_name="Demo Trading Limited",
        sender_name="Demo Trading credit control",
        signature_name="Alex Morgan",
        signature_title="Credit Controller",
        website="demo.example",
    )
    for currency, details in _DEMO_ACCOUNTS.items():
        set_bank_account(session, org=org, currency=currency, details=details)
    return org


_DEMO_ACCOUNTS = {
    "GBP": BankDetails(bank_name="Demo Bank plc", iban="GB33BUKB20201555555555", bic="BUKBGB22"),
    "EUR": BankDetails(bank_name="Demo Bank plc", iban="DE89370400440532013000", bic="COBADEFFXXX"),
    "USD": BankDetails(
        bank_name="Demo Bank NA", routing_number="111000025", account_number="000123456789"
    ),
}


def load(session: Session, *, org_id: int, customers: int, seed: int, as_of: date) -> DemoLoad:
    """Generate and import a portfolio (idempotent: the same arguments change nothing)."""
    rows = generator.portfolio(customers, seed, as_of)
    return DemoLoad(
        customers=import_rows(
            session,
            org_id=org_id,
            kind=Kind.CUSTOMERS,
            header=generator.CUSTOMER_HEADER,
            rows=rows.customers,
        ),
        invoices=import_rows(
            session,
            org_id=org_id,
            kind=Kind.INVOICES,
            header=generator.INVOICE_HEADER,
            rows=rows.invoices,
        ),
        payments=import_rows(
            session,
            org_id=org_id,
            kind=Kind.PAYMENTS,
            header=generator.PAYMENT_HEADER,
            rows=rows.payments,
        ),
    )


@dataclass(frozen=True, slots=True)
class DemoDay:
    """One simulated day of the daily run: what was planned and how delivery went."""

    as_of: date
    run: RunResult
    dispatch: DispatchReport


def _fixed(moment: datetime) -> datetime:
    return moment


def simulate(
    engine: Engine,
    *,
    org_id: int,
    days: Sequence[date],
    channels: Channels,
    policies: dict[str, Policy],
) -> Iterator[DemoDay]:
    """Run the daily run on each of ``days``, dispatching each day's outbox at 09:00 UTC
    (the demo's simulated clock)."""
    for day in days:
        now = datetime.combine(day, time(9), UTC)
        with transaction(engine, actor="demo") as session:
            result = run_day(session, org_id=org_id, as_of=day, now=now, policies=policies)
        report = dispatch(engine, channels, clock=partial(_fixed, now), org_id=org_id)
        yield DemoDay(day, result, report)
