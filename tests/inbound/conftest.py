"""A customer with a contact and two open invoices, a reply address, and a reminder that
went out to them (the thread a reply answers)."""

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from sqlalchemy.orm import Session

from recoup.comms.models import OutboxKind, OutboxMessage, OutboxStatus
from recoup.inbound import service as inbound
from recoup.inbound.models import ReplyToken
from recoup.ledger import service as ledger
from recoup.ledger.models import Customer, Invoice, Organisation
from tests.cli.conftest import recoup  # noqa: F401 (the command line, for the CLI tests)
from tests.factories import make_customer, make_invoice, make_org
from tests.inbound.dovecot import dovecot  # noqa: F401 (a fixture for the IMAP tests)
from tests.inbound.messages import SENT_ID, TOKEN

RECEIVED = datetime(2026, 12, 3, 9, 15, tzinfo=UTC)


@dataclass
class Book:
    org: Organisation
    customer: Customer
    other: Customer
    invoices: dict[str, Invoice]


def make_book(session: Session) -> Book:
    """Acme, whose customer C1 (contact ap1@customer.example, INV-1-1 and INV-1-2 open,
    reply token ``TOKEN``) got a reminder with Message-ID ``SENT_ID``; and C2, whose
    contact is buchhaltung@kunde.example."""
    org = make_org(session)
    customer = make_customer(session, org=org, external_id="C1", name="Customer 1 Ltd")
    other = make_customer(session, org=org, external_id="C2", name="Kunde GmbH")
    ledger.add_contact(
        session, org_id=org.id, customer_id=customer.id, name="Priya", email="ap1@customer.example"
    )
    ledger.add_contact(
        session, org_id=org.id, customer_id=other.id, name="Jens", email="buchhaltung@kunde.example"
    )
    invoices = {
        number: make_invoice(
            session, customer=customer, number=number, total=total, due_date=date(2026, 11, 1)
        )
        for number, total in (("INV-1-1", "1000.00"), ("INV-1-2", "200.00"))
    }
    inbound.set_address(session, org_id=org.id, address="ar@acme.example")
    session.add(ReplyToken(org_id=org.id, customer_id=customer.id, token=TOKEN))
    session.add(
        OutboxMessage(
            org_id=org.id,
            key="policy:C1:courtesy reminder",
            customer_id=customer.id,
            kind=OutboxKind.EMAIL,
            template="courtesy_reminder",
            recipient="ap1@customer.example",
            status=OutboxStatus.SENT,
            next_attempt_at=RECEIVED,
            sent_at=RECEIVED,
            result=SENT_ID,
        )
    )
    session.flush()
    return Book(org, customer, other, invoices)


@pytest.fixture
def book(session: Session) -> Book:
    return make_book(session)
