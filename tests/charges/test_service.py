"""Charges on the database: the invoice's jurisdiction, idempotent charges by key,
contract terms, imported rates, and invoices that never change."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from recoup.audit.models import AuditEvent
from recoup.charges import service as charges
from recoup.charges.core import LateFee, RateChange, RateTable
from recoup.charges.models import Charge, ChargeKind, ChargeStatus
from recoup.errors import Conflict, InvalidInput, NotFound
from tests.charges.factories import make_customer, make_invoice, make_org, pay

D = Decimal


def test_gov_uk_example_on_a_uk_organisation(session: Session) -> None:
    org = make_org(session, country="GB")
    customer = make_customer(session, org=org)
    invoice = make_invoice(session, customer=customer, total="1000.00", due_date=date(2018, 1, 31))
    explained = charges.explain_interest(
        session, org_id=org.id, invoice_id=invoice.id, as_of=date(2018, 3, 22)
    )
    assert explained.jurisdiction is not None
    assert explained.jurisdiction.code == "GB"
    assert [(p.days, p.rate_percent) for p in explained.periods] == [(50, D("8.50"))]
    assert explained.total == D("11.64")  # gov.uk's £11.50 rounds the daily 23p first


def test_german_organisation_charges_across_the_rate_change(session: Session) -> None:
    org = make_org(session, country="DE", currency="EUR")
    customer = make_customer(session, org=org, currency="EUR")
    invoice = make_invoice(session, customer=customer, total="10000.00", due_date=date(2023, 5, 31))
    result = charges.charge_interest(
        session, org_id=org.id, invoice_id=invoice.id, as_of=date(2023, 9, 30), key="int-1"
    )
    charge = result.charge
    assert result.created
    assert charge is not None
    assert (charge.kind, charge.currency, charge.amount) == (ChargeKind.INTEREST, "EUR", 39278)
    assert (charge.period_start, charge.period_end) == (date(2023, 6, 1), date(2023, 9, 30))
    assert charge.status is ChargeStatus.OPEN or charge.status == "open"
    assert [p["rate_percent"] for p in charge.details["periods"]] == ["10.62", "12.12"]
    assert charge.details["unrounded"].startswith("392.778082191780")
    assert charge.description.startswith("Late-payment interest on INV-1, 2023-06-01 to 2023-09-30")


@pytest.mark.parametrize(("country", "code"), [("IT", "EU"), ("BE", "BE"), ("FR", "FR")])
def test_eu_members_without_their_own_entry_get_the_eu_minimum(
    session: Session, country: str, code: str
) -> None:
    org = make_org(session, country=country, currency="EUR")
    invoice = make_invoice(
        session,
        customer=make_customer(session, org=org, currency="EUR"),
        due_date=date(2024, 1, 31),
    )
    found = charges.jurisdiction_of(session, org_id=org.id, invoice_id=invoice.id)
    assert found is not None
    assert found.code == code


def test_no_statute_outside_the_known_jurisdictions(session: Session) -> None:
    org = make_org(session, country="US", currency="USD")
    invoice = make_invoice(
        session,
        customer=make_customer(session, org=org, currency="USD"),
        due_date=date(2024, 1, 31),
    )
    result = charges.charge_interest(
        session, org_id=org.id, invoice_id=invoice.id, as_of=date(2024, 6, 30), key="k"
    )
    assert result.charge is None
    assert result.reason is not None
    assert result.reason.startswith("no statutory late-payment rules")


def test_same_key_twice_charges_once_and_a_new_key_charges_only_new_days(
    session: Session,
) -> None:
    org = make_org(session, country="DE", currency="EUR")
    customer = make_customer(session, org=org, currency="EUR")
    invoice = make_invoice(session, customer=customer, total="10000.00", due_date=date(2023, 5, 31))

    def run(as_of: date, key: str) -> charges.ChargeResult:
        return charges.charge_interest(
            session, org_id=org.id, invoice_id=invoice.id, as_of=as_of, key=key
        )

    june = run(date(2023, 6, 30), "interest:INV-1:2023-06")
    again = run(date(2023, 6, 30), "interest:INV-1:2023-06")
    assert june.created
    assert not again.created
    assert again.charge is june.charge
    # The next run starts the day after the last charge: 2023-07-01..09-30, €305.49.
    later = run(date(2023, 9, 30), "interest:INV-1:2023-09")
    assert later.charge is not None
    assert (later.charge.period_start, later.charge.amount) == (date(2023, 7, 1), 30549)
    assert june.charge is not None
    assert june.charge.amount == 8729  # 87.2876... → 87.29
    nothing = run(date(2023, 9, 30), "interest:INV-1:again")
    assert (nothing.charge, nothing.reason) == (None, "interest already charged through 2023-09-30")
    stored = session.scalars(select(Charge).where(Charge.invoice_id == invoice.id)).all()
    assert len(stored) == 2


def test_a_charge_never_edits_the_invoice(session: Session) -> None:
    org = make_org(session, country="GB")
    customer = make_customer(session, org=org)
    invoice = make_invoice(session, customer=customer, total="1000.00", due_date=date(2023, 8, 10))
    before = (invoice.total_amount, invoice.open_amount, invoice.status)
    as_of = date(2024, 1, 31)
    charges.charge_interest(session, org_id=org.id, invoice_id=invoice.id, as_of=as_of, key="i")
    charges.charge_compensation(session, org_id=org.id, invoice_id=invoice.id, key="c")
    charges.charge_late_fee(
        session,
        org_id=org.id,
        invoice_id=invoice.id,
        fee=LateFee(amount=D("10")),
        key="f",
        as_of=as_of,
    )
    session.expire_all()
    assert (invoice.total_amount, invoice.open_amount, invoice.status) == before
    events = session.execute(
        select(AuditEvent.entity, AuditEvent.action).where(AuditEvent.org_id == org.id)
    ).all()
    assert ("invoices", "update") not in {tuple(e) for e in events}
    assert len(charges.open_charges(session, org_id=org.id, customer_id=customer.id)) == 3


def test_charges_are_audited(session: Session) -> None:
    org = make_org(session, country="GB")
    customer = make_customer(session, org=org)
    invoice = make_invoice(session, customer=customer, total="1000.00", due_date=date(2023, 8, 10))
    result = charges.charge_compensation(session, org_id=org.id, invoice_id=invoice.id, key="c")
    assert result.charge is not None
    events = session.execute(
        select(AuditEvent.entity, AuditEvent.action).where(
            AuditEvent.org_id == org.id, AuditEvent.entity == "charges"
        )
    ).all()
    assert [tuple(e) for e in events] == [("charges", "create")]


def test_partial_payment_reduces_the_base(session: Session) -> None:
    # EU minimum (Italy): 12.5 % in H1 2024; €1,000 due 2024-01-31, €400 paid 2024-03-01:
    # 9.9315... + 6.3698... = 16.3013... → €16.30 (see test_core for the working).
    org = make_org(session, country="IT", currency="EUR")
    customer = make_customer(session, org=org, currency="EUR")
    invoice = make_invoice(session, customer=customer, total="1000.00", due_date=date(2024, 1, 31))
    pay(session, invoice=invoice, amount="400.00", on=date(2024, 3, 1), external_id="P1")
    explained = charges.explain_interest(
        session, org_id=org.id, invoice_id=invoice.id, as_of=date(2024, 3, 31)
    )
    assert [(p.days, p.base) for p in explained.periods] == [(29, D("1000.00")), (31, D("600.00"))]
    assert explained.total == D("16.30")


def test_contract_terms_win_invoice_over_customer(session: Session) -> None:
    org = make_org(session, country="GB")
    customer = make_customer(session, org=org)
    first = make_invoice(session, customer=customer, number="INV-1", due_date=date(2018, 1, 31))
    second = make_invoice(session, customer=customer, number="INV-2", due_date=date(2018, 1, 31))
    charges.set_terms(
        session, org_id=org.id, customer_id=customer.id, interest_rate_percent=D("12")
    )
    charges.set_terms(
        session,
        org_id=org.id,
        customer_id=customer.id,
        invoice_id=second.id,
        interest_rate_percent=D("4"),
    )

    def total(invoice_id: int) -> Decimal:
        return charges.explain_interest(
            session, org_id=org.id, invoice_id=invoice_id, as_of=date(2018, 3, 22)
        ).total

    # 50 days on £1,000: 12 % → 16.4383... → 16.44; 4 % → 5.4794... → 5.48
    assert (total(first.id), total(second.id)) == (D("16.44"), D("5.48"))


def test_terms_can_name_another_jurisdiction(session: Session) -> None:
    org = make_org(session, country="GB")
    customer = make_customer(session, org=org, currency="EUR")
    invoice = make_invoice(session, customer=customer, total="10000.00", due_date=date(2023, 5, 31))
    charges.set_terms(session, org_id=org.id, customer_id=customer.id, jurisdiction="de")
    explained = charges.explain_interest(
        session, org_id=org.id, invoice_id=invoice.id, as_of=date(2023, 9, 30)
    )
    assert explained.total == D("392.78")
    with pytest.raises(InvalidInput, match="unknown jurisdiction 'XX'"):
        charges.set_terms(session, org_id=org.id, customer_id=customer.id, jurisdiction="XX")


def test_consumer_gets_no_statutory_charges(session: Session) -> None:
    org = make_org(session, country="GB")
    consumer = make_customer(session, org=org, is_consumer=True)
    invoice = make_invoice(session, customer=consumer, total="1000.00", due_date=date(2024, 1, 31))
    as_of = date(2024, 6, 30)
    interest = charges.charge_interest(
        session, org_id=org.id, invoice_id=invoice.id, as_of=as_of, key="i"
    )
    compensation = charges.charge_compensation(
        session, org_id=org.id, invoice_id=invoice.id, key="c"
    )
    fee = charges.charge_late_fee(
        session,
        org_id=org.id,
        invoice_id=invoice.id,
        fee=LateFee(amount=D("10")),
        key="f",
        as_of=as_of,
    )
    assert (interest.charge, compensation.charge, fee.charge) == (None, None, None)
    assert all("consumer" in (r.reason or "") for r in (interest, compensation, fee))
    # After review, a contractual rate and fee apply; still no compensation.
    charges.set_terms(
        session,
        org_id=org.id,
        customer_id=consumer.id,
        interest_rate_percent=D("5"),
        late_fee=LateFee(amount=D("7.50")),
    )
    assert charges.charge_interest(
        session, org_id=org.id, invoice_id=invoice.id, as_of=as_of, key="i2"
    ).created
    agreed = charges.charge_late_fee(
        session,
        org_id=org.id,
        invoice_id=invoice.id,
        fee=LateFee(amount=D("10")),
        key="f2",
        as_of=as_of,
    )
    assert agreed.charge is not None
    assert agreed.charge.amount == 750


@pytest.mark.parametrize(
    ("total", "expected"),
    [("999.99", 4000), ("1000.00", 7000), ("9999.99", 7000), ("10000.00", 10000)],
)
def test_uk_compensation_at_the_edges(session: Session, total: str, expected: int) -> None:
    org = make_org(session, country="GB")
    invoice = make_invoice(
        session, customer=make_customer(session, org=org), total=total, due_date=date(2026, 1, 31)
    )
    result = charges.charge_compensation(
        session, org_id=org.id, invoice_id=invoice.id, key="comp", as_of=date(2026, 2, 1)
    )
    assert result.charge is not None
    assert (result.charge.amount, result.charge.currency) == (expected, "GBP")
    assert result.charge.period_start == date(2026, 2, 1)


def test_compensation_once_per_invoice_whatever_the_key(session: Session) -> None:
    org = make_org(session, country="FR", currency="EUR")
    customer = make_customer(session, org=org, currency="EUR")
    invoice = make_invoice(session, customer=customer, total="500.00", due_date=date(2026, 1, 31))
    first = charges.charge_compensation(session, org_id=org.id, invoice_id=invoice.id, key="a")
    second = charges.charge_compensation(session, org_id=org.id, invoice_id=invoice.id, key="b")
    assert first.created
    assert first.charge is not None
    assert first.charge.amount == 4000
    assert (second.created, second.charge, second.reason) == (
        False,
        first.charge,
        "compensation is charged once per invoice",
    )
    early = make_invoice(session, customer=customer, number="INV-2", due_date=date(2026, 3, 31))
    not_yet = charges.charge_compensation(
        session, org_id=org.id, invoice_id=early.id, key="c", as_of=date(2026, 3, 31)
    )
    assert not_yet.reason == "INV-2 is not overdue on 2026-03-31"


def test_the_database_refuses_a_second_interest_charge_for_the_same_period(
    session: Session,
) -> None:
    org = make_org(session, country="GB")
    customer = make_customer(session, org=org)
    invoice = make_invoice(session, customer=customer, due_date=date(2026, 1, 31))
    fields = {
        "org_id": org.id,
        "customer_id": customer.id,
        "invoice_id": invoice.id,
        "kind": ChargeKind.INTEREST,
        "currency": "GBP",
        "amount": 100,
        "period_start": date(2026, 2, 1),
        "period_end": date(2026, 2, 28),
        "description": "interest",
    }
    session.add(Charge(key="one", **fields))
    session.flush()
    savepoint = session.begin_nested()
    session.add(Charge(key="two", **fields))
    with pytest.raises(IntegrityError):
        session.flush()
    savepoint.rollback()


def test_late_fees_policy_fee_and_contract_fee(session: Session) -> None:
    org = make_org(session, country="NL", currency="EUR")
    customer = make_customer(session, org=org, currency="EUR")
    invoice = make_invoice(session, customer=customer, total="1234.56", due_date=date(2026, 1, 31))
    on = date(2026, 2, 15)
    percent = charges.charge_late_fee(
        session,
        org_id=org.id,
        invoice_id=invoice.id,
        fee=LateFee(percent=D("2.5")),
        key="f1",
        as_of=on,
    )
    assert percent.charge is not None
    assert percent.charge.amount == 3086  # 2.5 % of 1,234.56 = 30.864 → 30.86
    assert (percent.charge.period_start, percent.charge.period_end) == (on, on)
    charges.set_terms(
        session, org_id=org.id, customer_id=customer.id, late_fee=LateFee(amount=D("15"))
    )
    contract = charges.charge_late_fee(
        session,
        org_id=org.id,
        invoice_id=invoice.id,
        fee=LateFee(amount=D("40")),
        key="f2",
        as_of=on,
    )
    assert contract.charge is not None
    assert contract.charge.amount == 1500
    again = charges.charge_late_fee(
        session,
        org_id=org.id,
        invoice_id=invoice.id,
        fee=LateFee(amount=D("40")),
        key="f2",
        as_of=on,
    )
    assert (again.created, again.charge) == (False, contract.charge)


def test_a_key_belongs_to_one_invoice_and_kind(session: Session) -> None:
    org = make_org(session, country="GB")
    customer = make_customer(session, org=org)
    first = make_invoice(session, customer=customer, number="INV-1", due_date=date(2026, 1, 31))
    second = make_invoice(session, customer=customer, number="INV-2", due_date=date(2026, 1, 31))
    charges.charge_compensation(session, org_id=org.id, invoice_id=first.id, key="k")
    with pytest.raises(Conflict, match="key 'k' is already used"):
        charges.charge_compensation(session, org_id=org.id, invoice_id=second.id, key="k")
    with pytest.raises(InvalidInput, match="key: must be 1 to 200 characters"):
        charges.charge_compensation(session, org_id=org.id, invoice_id=second.id, key="")


def test_another_organisations_invoice_is_not_found(session: Session) -> None:
    ours = make_org(session, slug="ours", country="GB")
    theirs = make_org(session, slug="theirs", country="GB")
    invoice = make_invoice(
        session, customer=make_customer(session, org=theirs), due_date=date(2026, 1, 31)
    )
    with pytest.raises(NotFound):
        charges.charge_interest(
            session, org_id=ours.id, invoice_id=invoice.id, as_of=date(2026, 3, 1), key="x"
        )
    assert charges.open_charges(session, org_id=ours.id, customer_id=invoice.customer_id) == []


def test_void_invoice_and_waived_charge(session: Session) -> None:
    org = make_org(session, country="GB")
    customer = make_customer(session, org=org)
    invoice = make_invoice(session, customer=customer, due_date=date(2026, 1, 31))
    charge = charges.charge_compensation(session, org_id=org.id, invoice_id=invoice.id, key="c")
    assert charge.charge is not None
    charges.waive_charge(session, org_id=org.id, charge_id=charge.charge.id)
    assert charges.open_charges(session, org_id=org.id, customer_id=customer.id) == []
    with pytest.raises(Conflict, match="is waived, not open"):
        charges.waive_charge(session, org_id=org.id, charge_id=charge.charge.id)
    invoice.status = "void"  # type: ignore[assignment]
    session.flush()
    result = charges.charge_interest(
        session, org_id=org.id, invoice_id=invoice.id, as_of=date(2026, 3, 1), key="i"
    )
    assert result.reason == "invoice INV-1 is void"


def test_imported_rates_extend_and_override_the_shipped_table(session: Session) -> None:
    imported = RateTable(
        "ecb_mro",
        (RateChange(date(2024, 6, 12), D("4.30")), RateChange(date(2026, 1, 1), D("2.15"))),
    )
    outcome = charges.import_rates(session, table=imported, source="mine.csv")
    assert (outcome.new, outcome.changed, outcome.unchanged) == (1, 1, 0)
    table = charges.rate_table(session, name="ecb_mro")
    assert table.in_force_on(date(2024, 7, 1)).rate_percent == D("4.30")
    assert table.last == RateChange(date(2026, 1, 1), D("2.15"))
    again = charges.import_rates(session, table=imported, source="mine.csv")
    assert (again.new, again.changed, again.unchanged) == (0, 0, 2)
    listed = charges.list_rates(session, name="ecb_mro")
    assert [(r.effective_from, r.origin) for r in listed][-2:] == [
        (date(2025, 6, 11), "shipped"),
        (date(2026, 1, 1), "imported"),
    ]
    # The imported rate now governs: France, H2 2024 at 4.30 + 10 = 14.3 %.
    org = make_org(session, country="FR", currency="EUR")
    invoice = make_invoice(
        session,
        customer=make_customer(session, org=org, currency="EUR"),
        due_date=date(2024, 6, 30),
    )
    explained = charges.explain_interest(
        session, org_id=org.id, invoice_id=invoice.id, as_of=date(2024, 7, 31)
    )
    assert explained.periods[0].rate_percent == D("14.30")
    # A confirmed rate silences the "beyond the table" warning for 2026-01-01.
    assert (
        charges.explain_interest(
            session, org_id=org.id, invoice_id=invoice.id, as_of=date(2026, 1, 31)
        ).warnings
        == ()
    )
