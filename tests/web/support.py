"""Shared set-up of the web, portal and browser tests: a database of their own with two
organisations, a user of every role, and a logged-in test client per role.

The data is committed (the app opens its own sessions), so it lives in a database made
for the test module, never in the shared test database.
"""

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from recoup.auth import service as auth
from recoup.auth.models import Role
from recoup.cases import agency
from recoup.cases import disputes as case_disputes
from recoup.cases import tasks as case_tasks
from recoup.cashapp import service as cashapp
from recoup.cashapp.statement import Statement, StatementLine
from recoup.comms.models import OutboxAttachment, OutboxKind, OutboxMessage, OutboxStatus
from recoup.db import make_engine, transaction
from recoup.db.migrate import upgrade
from recoup.ledger import service as ledger
from recoup.web.app import create_app

AS_OF = date(2026, 6, 30)
PASSWORD = "correct horse battery"


@contextmanager
def fresh_database(engine: Engine, directory: Path) -> Iterator[str]:
    """The URL of a new, empty database of the same kind as ``engine``."""
    if engine.dialect.name == "sqlite":
        yield f"sqlite:///{directory}/web-{uuid.uuid4().hex[:8]}.db"
        return
    schema = f"w_{uuid.uuid4().hex[:12]}"
    with engine.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    url = engine.url.set(query={"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))


@dataclass
class Org:
    """One organisation of the test world and the ids the tests need."""

    id: int
    slug: str
    users: dict[str, int] = field(default_factory=dict)  # role (or name) -> user id
    customers: dict[str, int] = field(default_factory=dict)  # external id -> id
    invoices: dict[str, int] = field(default_factory=dict)  # number -> id
    disputes: list[int] = field(default_factory=list)
    tasks: list[int] = field(default_factory=list)
    handoffs: list[int] = field(default_factory=list)  # pending approval
    messages: list[int] = field(default_factory=list)  # outbox: an email in doubt
    statements: list[int] = field(default_factory=list)  # imported bank statements
    lines: list[int] = field(default_factory=list)  # their lines, nothing matched


@dataclass
class World:
    """Two organisations with users of every role and a few customers each."""

    url: str
    engine: Engine
    a: Org
    b: Org


def build_world(url: str) -> World:
    """Migrate ``url`` and fill it: org ``alpha`` (users of all four roles, an extra
    collector, customers in GBP and EUR) and org ``beta`` (an admin, one customer)."""
    engine = make_engine(url)
    upgrade(engine)
    orgs = []
    with transaction(engine, actor="test") as session:
        for slug, prefix in (("alpha", "a"), ("beta", "b")):
            org = ledger.create_organisation(
                session,
                slug=slug,
                name=f"{slug.title()} Trading Ltd",
                country="DE",
                base_currency="EUR",
                iban="DE89370400440532013000",
                bic="COBADEFFXXX",
                bank_name="Commerzbank",
                email=f"ar@{slug}.example",
            )
            found = Org(org.id, slug)
            roles = list(Role) if slug == "alpha" else [Role.ADMIN]
            for role in roles:
                user = auth.create_user(
                    session,
                    org_id=org.id,
                    email=f"{role.value}@{slug}.example",
                    password=PASSWORD,
                    role=role,
                    name=f"{role.value.title()} {slug.title()}",
                )
                found.users[role.value] = user.id
            if slug == "alpha":
                spare = auth.create_user(
                    session,
                    org_id=org.id,
                    email="spare@alpha.example",
                    password=PASSWORD,
                    role=Role.COLLECTOR,
                )
                found.users["spare"] = spare.id
            specs = [("C1", "EUR", "de", "collector@alpha.example"), ("C2", "GBP", "en", "")]
            for external_id, currency, language, collector in specs[: 2 if slug == "alpha" else 1]:
                customer = ledger.create_customer(
                    session,
                    org_id=org.id,
                    external_id=external_id,
                    name=f"{prefix.upper()} {external_id} Kunde GmbH",
                    currency=currency,
                    language=language,
                    collector=collector,
                )
                found.customers[external_id] = customer.id
                for n, (days_late, total) in enumerate(((45, "1200.00"), (-10, "300.50")), 1):
                    number = f"{prefix.upper()}-{external_id}-{n}"
                    due = AS_OF - timedelta(days=days_late)
                    invoice = ledger.create_invoice(
                        session,
                        org_id=org.id,
                        customer_id=customer.id,
                        number=number,
                        issue_date=due - timedelta(days=30),
                        due_date=due,
                        total=Decimal(total),
                    )
                    found.invoices[number] = invoice.id
            dispute = case_disputes.open_dispute(
                session,
                org_id=org.id,
                customer_id=found.customers["C1"],
                invoice_ids=[found.invoices[f"{prefix.upper()}-C1-1"]],
                reason="pricing",
                opened_on=AS_OF,
            )
            found.disputes.append(dispute.id)
            task = case_tasks.create_task(
                session,
                org_id=org.id,
                customer_id=found.customers["C1"],
                title=f"Call {prefix.upper()} C1 about the overdue invoice",
                assignee=f"collector@{slug}.example" if slug == "alpha" else "",
                due_on=AS_OF - timedelta(days=2),
            )
            found.tasks.append(task.id)
            handoff = agency.request_handoff(
                session,
                org_id=org.id,
                customer_id=found.customers["C1"],
                invoice_ids=[found.invoices[f"{prefix.upper()}-C1-2"]],
                agency="Acme Collect",
                requested_by=f"collector@{slug}.example",
                on=AS_OF,
            )
            found.handoffs.append(handoff.id)
            message = OutboxMessage(
                org_id=org.id,
                key=f"test:{slug}:reminder",
                customer_id=found.customers["C1"],
                kind=OutboxKind.EMAIL,
                template="friendly_reminder",
                recipient=f"ap@{prefix}-c1.example",
                status=OutboxStatus.UNKNOWN,  # resent as stored: its HTML stays
                attempts=3,
                next_attempt_at=datetime(2026, 6, 29, 9, tzinfo=UTC),
                last_error="550 mailbox unavailable",
                subject=f"Reminder: invoice {prefix.upper()}-C1-1",
                body_text="Dear customer,\ninvoice is overdue.",
                body_html="<p>Dear customer,</p><p><b>invoice</b> is overdue.</p>",
                payload={},
            )
            session.add(message)
            session.flush()
            session.add(
                OutboxAttachment(
                    org_id=org.id,
                    outbox_id=message.id,
                    filename=f"{prefix.upper()}-C1-1.pdf",
                    mime="application/pdf",
                    content=b"%PDF-1.4 test",
                )
            )
            found.messages.append(message.id)
            _bank_statement(session, found)
            orgs.append(found)
    return World(url, engine, orgs[0], orgs[1])


def _bank_statement(session: Session, org: Org) -> None:
    """A bank statement of two credits nothing points to (the Bank page's lines)."""
    lines = tuple(
        StatementLine(
            booking_date=AS_OF,
            amount=Decimal(amount),
            currency="EUR",
            credit=True,
            bank_id=f"{org.slug}-{n}",
            payer_name="Unbekannt",
            remittance="Umbuchung",
        )
        for n, amount in enumerate(("77.77", "88.88"), 1)
    )
    statement = Statement(
        format="camt053", account_iban="DE02120300000000202051", account_number="",
        currency="EUR", statement_id=f"{org.slug}-1", lines=lines,
    )  # fmt: skip
    summary = cashapp.import_statements(session, org_id=org.id, statements=[statement])
    org.lines.extend(summary.line_ids)
    org.statements.extend(cashapp.line_counts(session, org_id=org.id))


def make_client(world: World, base_url: str = "http://testserver") -> TestClient:
    """A client of a fresh app on the world's database, its clock at ``AS_OF``."""
    app = create_app(engine=world.engine, clock=lambda: AS_OF, migrate=False)
    return TestClient(app, follow_redirects=False, base_url=base_url)


def csrf_of(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def log_in(client: TestClient, email: str, password: str = PASSWORD) -> str:
    """Log ``client`` in through the form; the session's CSRF token."""
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": csrf_of(page.text)},
    )
    assert response.status_code == 303, response.text
    return csrf_of(client.get("/").text)
