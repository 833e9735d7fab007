"""Which law applies and the contract terms, set by users: ``recoup customer terms`` and
the customers import's columns; the charges follow them."""

from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy.orm import Session

from recoup.charges import service as charges
from recoup.charges.terms import TermsInput
from tests.charges.conftest import Recoup
from tests.charges.factories import make_customer, make_invoice, make_org


def write(tmp: Path, name: str, text: str) -> str:
    path = tmp / name
    path.write_text(text)
    return str(path)


def setup(recoup: Recoup, tmp_path: Path) -> None:
    assert recoup("init", "--org", "acme", "--country", "GB", "--currency", "GBP").exit_code == 0
    recoup(
        "import",
        "customers",
        write(tmp_path, "c.csv", "external_id,name,currency\nC1,Alpha GmbH,EUR\nC2,Beta,GBP\n"),
    )
    recoup(
        "import",
        "invoices",
        write(
            tmp_path,
            "i.csv",
            "number,customer,issue_date,due_date,total\n"
            "INV-1,C1,2025-01-01,2025-01-31,1000.00\nINV-2,C1,2025-01-01,2025-01-31,500.00\n",
        ),
    )


def test_customer_terms_set_keep_and_show(recoup: Recoup, tmp_path: Path) -> None:
    setup(recoup, tmp_path)
    shown = recoup("customer", "terms", "C1")
    assert shown.stdout.splitlines() == [
        "Terms of C1:",
        "  law: GB (the organisation's)",
        "  no contract terms: the statute applies",
    ]
    done = recoup(
        "customer", "terms", "C1", "--law", "de", "--rate", "9.5", "--late-fee", "25.00",
        "--compensation", "50.00",
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    assert done.stdout.splitlines() == [
        "Terms of C1:",
        "  law: DE",
        "  interest: 9.5 % a year",
        "  late fee: 25.00 EUR",
        "  compensation: 50.00 EUR per late invoice",
    ]
    # One option changes one term; the others stay.
    percent = recoup("customer", "terms", "C1", "--late-fee", "2.5%")
    assert percent.stdout.splitlines()[1:] == [
        "  law: DE",
        "  interest: 9.5 % a year",
        "  late fee: 2.5 % of the overdue amount",
        "  compensation: 50.00 EUR per late invoice",
    ]
    one_invoice = recoup("customer", "terms", "C1", "--invoice", "INV-2", "--rate", "12")
    assert one_invoice.stdout.splitlines()[:3] == [
        "Terms of C1, invoice INV-2:",
        "  law: GB (the organisation's)",
        "  interest: 12 % a year",
    ]
    cleared = recoup("customer", "terms", "C1", "--clear")
    assert cleared.stdout.splitlines()[1:] == [
        "  law: GB (the organisation's)",
        "  interest: statutory",
        "  late fee: policy",
        "  compensation: statutory",
    ]


def test_customer_terms_refuse_bad_values(recoup: Recoup, tmp_path: Path) -> None:
    setup(recoup, tmp_path)
    cases = {
        ("--law", "SE"): "error: law: the Swedish statutory late-payment rate (on the "
        "Riksbank's reference rate, compensation in SEK) is not implemented; set a contract "
        "rate\n",
        ("--law", "XX"): "error: law: unknown law 'XX' (known: GB, EU, DE, FR, AT, BE, NL, PL)\n",
        ("--rate", "101"): "error: interest_rate: must be between 0 and 100 (a percentage a "
        "year)\n",
        ("--late-fee", "ten"): "error: late_fee: 'ten' is not a number\n",
        ("--compensation", "40.001"): "error: compensation: 40.001 has more decimals than "
        "EUR allows (2)\n",
    }
    for args, message in cases.items():
        result = recoup("customer", "terms", "C1", *args)
        assert (result.exit_code, result.stderr) == (1, message), args
    assert recoup("customer", "terms", "C9").stderr.startswith("error: ")
    other = recoup("customer", "terms", "C2", "--invoice", "INV-1", "--rate", "5")
    assert other.stderr == "error: no invoice 'INV-1' of customer C2\n"


def test_customers_import_sets_terms_and_names_bad_rows(recoup: Recoup, tmp_path: Path) -> None:
    setup(recoup, tmp_path)
    bad = write(
        tmp_path,
        "terms.csv",
        "external_id,name,Governing Law,interest_rate,late_fee,compensation\n"
        "C1,Alpha GmbH,DE,9.5,25.00,50.00\n"
        "C2,Beta,CZ,,,\n"
        "C3,Gamma,,eight,,\n",
    )
    rejected = recoup("import", "customers", bad)
    assert rejected.exit_code == 1
    assert "row 3, Governing Law: the Czech statutory late-payment rate" in rejected.stderr
    assert "row 4, interest_rate: 'eight' is not a number" in rejected.stderr
    good = write(
        tmp_path,
        "terms.csv",
        "external_id,name,law,interest_rate,late_fee,compensation\n"
        "C1,Alpha GmbH,DE,9.5,25.00,50.00\n"
        "C3,Gamma,FR,,2%,\n",
    )
    assert recoup("import", "customers", good).exit_code == 0
    assert recoup("customer", "terms", "C3").stdout.splitlines()[1:3] == [
        "  law: FR",
        "  interest: statutory",
    ]
    # An empty cell leaves that term as it was.
    again = write(tmp_path, "again.csv", "external_id,name,interest_rate\nC1,Alpha GmbH,8\n")
    assert recoup("import", "customers", again).exit_code == 0
    assert recoup("customer", "terms", "C1").stdout.splitlines()[1:] == [
        "  law: DE",
        "  interest: 8 % a year",
        "  late fee: 25.00 EUR",
        "  compensation: 50.00 EUR per late invoice",
    ]
    # The rejected file stored nothing: C2 has no terms.
    assert recoup("customer", "terms", "C2").stdout.splitlines()[2] == (
        "  no contract terms: the statute applies"
    )


def test_contract_compensation_wins_and_other_currencies_are_refused(session: Session) -> None:
    org = make_org(session, country="GB", currency="GBP")
    customer = make_customer(session, org=org, currency="GBP")
    invoice = make_invoice(session, customer=customer, total="999.99", due_date=date(2025, 1, 31))
    euro = make_invoice(session, customer=customer, number="INV-E", total="100.00",
                        due_date=date(2025, 1, 31))  # fmt: skip
    euro.currency = "EUR"
    charges.apply_terms(
        session,
        org_id=org.id,
        customer_id=customer.id,
        given=TermsInput(compensation=Decimal("55.00")),
    )
    # The statute would give £40 on a debt under £1,000; the contract says £55.
    result = charges.charge_compensation(
        session, org_id=org.id, invoice_id=invoice.id, key="c1", as_of=date(2025, 2, 1)
    )
    assert result.charge is not None
    assert (result.charge.amount, result.charge.currency) == (5500, "GBP")
    assert "(contract terms)" in result.charge.description
    refused = charges.charge_compensation(
        session, org_id=org.id, invoice_id=euro.id, key="c2", as_of=date(2025, 2, 1)
    )
    assert refused.charge is None
    assert refused.reason == (
        "the contract's compensation is in GBP, invoice INV-E in EUR; set one in EUR on the "
        "invoice's terms"
    )


def test_invoice_law_overrides_the_customers_and_the_organisations(session: Session) -> None:
    org = make_org(session, country="GB", currency="GBP")
    customer = make_customer(session, org=org, currency="EUR")
    invoice = make_invoice(session, customer=customer, total="100.00", due_date=date(2025, 1, 31))
    found = charges.jurisdiction_of(session, org_id=org.id, invoice_id=invoice.id)
    assert found is not None
    assert found.code == "GB"
    charges.apply_terms(
        session, org_id=org.id, customer_id=customer.id, given=TermsInput(jurisdiction="DE")
    )
    found = charges.jurisdiction_of(session, org_id=org.id, invoice_id=invoice.id)
    assert found is not None
    assert found.code == "DE"
    charges.apply_terms(
        session,
        org_id=org.id,
        customer_id=customer.id,
        invoice_id=invoice.id,
        given=TermsInput(jurisdiction="NL"),
    )
    found = charges.jurisdiction_of(session, org_id=org.id, invoice_id=invoice.id)
    assert found is not None
    assert found.code == "NL"
