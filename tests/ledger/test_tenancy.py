"""Tenant isolation: organisation A's queries never return or touch B's rows."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from recoup.audit import service as audit
from recoup.errors import NotFound
from recoup.ledger import queries, repository
from recoup.ledger import service as ledger
from recoup.ledger.models import Customer, Invoice
from tests.factories import make_customer, make_invoice, make_org, make_payment

AS_OF = date(2026, 6, 30)


@pytest.fixture
def two_orgs(session: Session) -> tuple[int, int, Invoice, Invoice]:
    """Two organisations with the same customer ids and invoice numbers."""
    ids = []
    invoices = []
    for slug, total in (("a", "100.00"), ("b", "999.00")):
        org = make_org(session, slug=slug)
        customer = make_customer(session, org=org, external_id="C1")
        invoices.append(make_invoice(session, customer=customer, number="INV-1", total=total))
        make_payment(session, customer=customer, amount="1.00", external_id="P1")
        ids.append(org.id)
    return ids[0], ids[1], invoices[0], invoices[1]


def test_aging_sees_only_its_organisation(
    session: Session, two_orgs: tuple[int, int, Invoice, Invoice]
) -> None:
    a, b, _, _ = two_orgs
    report_a = ledger.aging_report(session, org_id=a, as_of=AS_OF)
    report_b = ledger.aging_report(session, org_id=b, as_of=AS_OF)
    assert [line.total for line in report_a.lines] == [10000]
    assert [line.total for line in report_b.lines] == [99900]
    assert [line.unapplied_payments for line in report_a.lines] == [100]


def test_lookups_by_id_and_key_stay_inside(
    session: Session, two_orgs: tuple[int, int, Invoice, Invoice]
) -> None:
    a, b, invoice_a, invoice_b = two_orgs
    assert repository.get(session, Invoice, a, invoice_b.id) is None
    assert repository.get(session, Invoice, b, invoice_b.id) is invoice_b
    assert repository.by_key(session, Invoice, a, number="INV-1") is invoice_a
    assert queries.all_invoice_numbers(session, org_id=a) == {invoice_a.id: "INV-1"}
    assert ledger.get_customer(session, org_id=a, external_id="C1").org_id == a
    assert [c.org_id for c in repository.customers(session, b)] == [b]
    assert [
        i.id for i in ledger.open_invoices(session, org_id=a, customer_id=invoice_b.customer_id)
    ] == []


def test_cannot_allocate_to_another_organisations_invoice(
    session: Session, two_orgs: tuple[int, int, Invoice, Invoice]
) -> None:
    a, _, _, invoice_b = two_orgs
    payment = make_payment(
        session, customer=ledger.get_customer(session, org_id=a, external_id="C1"), external_id="P2"
    )
    with pytest.raises(NotFound):
        ledger.allocate(
            session,
            org_id=a,
            invoice_id=invoice_b.id,
            payment_id=payment.id,
            amount=Decimal("1.00"),
            on=AS_OF,
        )


def test_cannot_create_an_invoice_for_another_organisations_customer(
    session: Session, two_orgs: tuple[int, int, Invoice, Invoice]
) -> None:
    a, _, _, invoice_b = two_orgs
    with pytest.raises(NotFound):
        ledger.create_invoice(
            session,
            org_id=a,
            customer_id=invoice_b.customer_id,
            number="X",
            issue_date=AS_OF,
            total=Decimal(1),
        )


def test_the_database_refuses_cross_organisation_references(
    session: Session, two_orgs: tuple[int, int, Invoice, Invoice]
) -> None:
    a, _, _, invoice_b = two_orgs
    sneak = Invoice(
        org_id=a,
        customer_id=invoice_b.customer_id,
        number="SNEAK",
        external_id="SNEAK",
        issue_date=AS_OF,
        due_date=AS_OF,
        currency="EUR",
        total_amount=1,
        open_amount=1,
    )
    with session.begin_nested():
        session.add(sneak)
        with pytest.raises(IntegrityError):
            session.flush()


def test_audit_chains_are_per_organisation(
    session: Session, two_orgs: tuple[int, int, Invoice, Invoice]
) -> None:
    a, b, invoice_a, _ = two_orgs
    assert audit.history(session, org_id=b, entity="invoices", entity_id=invoice_a.id) == []
    assert audit.verify(session, org_id=a) == (3, None)


def test_resolving_organisations(
    session: Session, two_orgs: tuple[int, int, Invoice, Invoice]
) -> None:
    a, _, _, _ = two_orgs
    assert ledger.resolve_organisation(session, slug="a").id == a
    with pytest.raises(NotFound, match="no organisation 'c'"):
        ledger.resolve_organisation(session, slug="c")
    with pytest.raises(Exception, match="several organisations"):
        ledger.resolve_organisation(session, slug=None)


def test_customer_ids_are_unique_only_per_organisation(
    session: Session, two_orgs: tuple[int, int, Invoice, Invoice]
) -> None:
    a, b, _, _ = two_orgs
    assert {c.org_id for c in session.query(Customer).filter(Customer.external_id == "C1")} == {
        a,
        b,
    }
