"""Portal links, the statement and what customers submit."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from pydantic import ValidationError
from sqlalchemy import update
from sqlalchemy.orm import Session

from recoup.cases import disputes, pauses, plans, promises, tasks
from recoup.errors import InvalidInput, NotFound
from recoup.ledger import service as ledger
from recoup.ledger.organisation import BankDetails, bank_accounts, set_bank_account
from recoup.portal import service as portal
from recoup.portal.core import epc_payload
from recoup.portal.models import PortalToken
from tests.factories import make_credit_note, make_customer, make_invoice, make_org, make_payment

TODAY = date(2026, 3, 1)


@pytest.fixture
def customer(session: Session):  # type: ignore[no-untyped-def]
    org = ledger.create_organisation(
        session,
        slug="acme",
        name="Acme GmbH",
        country="DE",
        base_currency="EUR",
        iban="DE89 3704 0044 0532 0130 00",
        bic="COBADEFFXXX",
    )
    customer = make_customer(session, org=org, external_id="C1")
    make_invoice(session, customer=customer, number="INV-1", total="1000.00",
                 issue_date=date(2026, 1, 1), due_date=date(2026, 1, 31))  # fmt: skip
    make_invoice(session, customer=customer, number="INV-2", total="250.00",
                 issue_date=date(2026, 2, 15), due_date=date(2026, 3, 17))  # fmt: skip
    make_credit_note(session, customer=customer, number="CN-1", total="50.00")
    make_payment(session, customer=customer, amount="20.00", external_id="P1")
    return customer


def test_a_token_opens_its_customer_until_it_expires_or_is_revoked(
    session: Session, customer
) -> None:  # type: ignore[no-untyped-def]
    token = portal.issue_token(session, org_id=customer.org_id, customer_id=customer.id, days=30)
    access = portal.open_portal(session, token=token)
    assert access is not None
    assert access.customer_id == customer.id
    assert (
        portal.open_portal(session, token=token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    )
    assert portal.open_portal(session, token="") is None
    session.execute(update(PortalToken).values(expires_at=access.expires_at - timedelta(days=31)))
    assert portal.open_portal(session, token=token) is None

    second = portal.issue_token(session, org_id=customer.org_id, customer_id=customer.id)
    assert portal.revoke_tokens(session, org_id=customer.org_id, customer_id=customer.id) == 2
    assert portal.open_portal(session, token=second) is None


def test_tokens_only_for_the_organisations_own_customers(session: Session, customer) -> None:  # type: ignore[no-untyped-def]
    other = make_org(session, slug="other")
    with pytest.raises(NotFound):
        portal.issue_token(session, org_id=other.id, customer_id=customer.id)


def test_portal_url_uses_the_public_address(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECOUP_PUBLIC_URL", "https://pay.acme.example/")
    assert portal.portal_url("abc") == "https://pay.acme.example/p/abc"


def test_statement_and_payment_instructions(session: Session, customer) -> None:  # type: ignore[no-untyped-def]
    statement = portal.customer_statement(
        session, org_id=customer.org_id, customer_id=customer.id, as_of=TODAY
    )
    assert [(line.number, line.days_past_due) for line in statement.invoices] == [
        ("INV-1", 29),
        ("INV-2", -16),
    ]
    assert [line.number for line in statement.credits] == ["CN-1", "P1"]
    (eur,) = statement.balances
    # The open credits count against the overdue INV-1 first.
    assert (eur.invoiced, eur.credits, eur.overdue, eur.balance) == (125000, 7000, 93000, 118000)
    org = ledger.get_organisation(session, org_id=customer.org_id)
    page_customer = {"external_id": "C1"}
    accounts = bank_accounts(session, org_id=org.id)
    (instructions,) = portal.payment_instructions(org, accounts, page_customer, statement)
    assert (instructions.currency, instructions.iban) == ("EUR", "DE89370400440532013000")
    assert instructions.reference == "C1 INV-1 INV-2"
    assert instructions.qr_amount == 118000
    assert instructions.qr_svg is not None
    assert instructions.qr_svg.startswith("<svg")


def test_epc_payload_follows_the_guideline() -> None:
    payload = epc_payload(
        name="Acme GmbH", iban="DE89 3704 0044 0532 0130 00", bic="COBADEFFXXX",
        amount=Decimal("1180.00"), text="C1 INV-1 INV-2",
    )  # fmt: skip
    assert payload.split("\n") == [
        "BCD", "002", "1", "SCT", "COBADEFFXXX", "Acme GmbH", "DE89370400440532013000",
        "EUR1180.00", "", "", "C1 INV-1 INV-2",
    ]  # fmt: skip
    with pytest.raises(InvalidInput):
        epc_payload(name="A", iban="GB33BUKB20201555555555", amount=Decimal(1), text="",
                    currency="GBP")  # fmt: skip
    with pytest.raises(InvalidInput):
        epc_payload(name="A", iban="DE89370400440532013000", amount=Decimal(0), text="")


def test_no_qr_code_without_a_euro_balance(session: Session) -> None:
    org = make_org(session, currency="GBP")
    set_bank_account(
        session, org=org, currency="GBP", details=BankDetails(iban="GB33BUKB20201555555555")
    )
    customer = make_customer(session, org=org, currency="GBP")
    make_invoice(session, customer=customer, total="10.00")
    statement = portal.customer_statement(
        session, org_id=org.id, customer_id=customer.id, as_of=TODAY
    )
    accounts = bank_accounts(session, org_id=org.id)
    (instructions,) = portal.payment_instructions(org, accounts, {"external_id": "C1"}, statement)
    assert instructions.qr_svg is None
    assert instructions.iban == "GB33BUKB20201555555555"
    # UK payers type a sort code and account number: the UK IBAN carries both.
    assert (instructions.sort_code, instructions.account_number) == ("202015", "55555555")


def test_each_currency_is_paid_into_its_own_account(session: Session) -> None:
    org = make_org(session, currency="GBP")
    set_bank_account(
        session,
        org=org,
        currency="GBP",
        details=BankDetails(sort_code="20-20-15", account_number="55555555"),
    )
    set_bank_account(
        session,
        org=org,
        currency="EUR",
        details=BankDetails(iban="DE89370400440532013000", bic="COBADEFFXXX"),
    )
    gbp = make_customer(session, org=org, currency="GBP", external_id="C1")
    make_invoice(session, customer=gbp, number="G-1", total="10.00")
    make_invoice(session, customer=gbp, number="E-1", total="20.00", currency="EUR")
    statement = portal.customer_statement(session, org_id=org.id, customer_id=gbp.id, as_of=TODAY)
    accounts = bank_accounts(session, org_id=org.id)
    eur, pounds = sorted(
        portal.payment_instructions(org, accounts, {"external_id": "C1"}, statement),
        key=lambda p: p.currency,
    )
    assert (pounds.currency, pounds.sort_code, pounds.account_number, pounds.iban) == (
        "GBP",
        "202015",
        "55555555",
        "",
    )
    assert pounds.reference == "C1 G-1"
    assert pounds.qr_svg is None
    assert (eur.currency, eur.iban, eur.reference, eur.qr_amount) == (
        "EUR",
        "DE89370400440532013000",
        "C1 E-1",
        2000,
    )


def _access(session: Session, customer):  # type: ignore[no-untyped-def]
    token = portal.issue_token(session, org_id=customer.org_id, customer_id=customer.id)
    access = portal.open_portal(session, token=token)
    assert access is not None
    return access


def test_promise_defaults_to_the_balance_and_checks_date_and_amount(
    session: Session, customer
) -> None:  # type: ignore[no-untyped-def]
    access = _access(session, customer)
    promise = portal.submit_promise(
        session, access=access, promised_on=date(2026, 3, 10), today=TODAY
    ).submission
    assert (promise.promised_amount, promise.currency) == (118000, "EUR")
    part = portal.submit_promise(
        session, access=access, promised_on=TODAY, amount="500,00", today=TODAY
    ).submission
    assert part.promised_amount == 50000
    for day, amount, field in [
        (date(2026, 2, 28), "", "promised_on"),
        (date(2026, 9, 1), "", "promised_on"),
        (TODAY, "2000.00", "amount"),
        (TODAY, "abc", "amount"),
        (TODAY, "-1", "amount"),
        (TODAY, "1e30", "amount"),  # was read as 130.00
        (TODAY, "1O0", "amount"),
    ]:
        with pytest.raises(InvalidInput) as error:
            portal.submit_promise(
                session, access=access, promised_on=day, amount=amount, today=TODAY
            )
        assert error.value.field == field


def test_disputes_only_of_the_customers_own_open_invoices(session: Session, customer) -> None:  # type: ignore[no-untyped-def]
    access = _access(session, customer)
    (invoice, _) = ledger.open_invoices(session, org_id=customer.org_id, customer_id=customer.id)
    dispute = portal.submit_dispute(
        session,
        access=access,
        invoice_id=invoice.id,
        reason="wrong_amount",
        comment="Price",
        today=TODAY,
    )
    assert dispute.collector == customer.collector
    assert dispute.reason == "wrong_amount"
    other = make_customer(session, org=make_org(session, slug="other"), external_id="X")
    foreign = make_invoice(session, customer=other, number="X-1")
    with pytest.raises(InvalidInput):
        portal.submit_dispute(session, access=access, invoice_id=foreign.id, reason="other",
                              comment="not mine", today=TODAY)  # fmt: skip
    with pytest.raises(InvalidInput):
        portal.submit_dispute(session, access=access, invoice_id=invoice.id, reason="bored",
                              comment="", today=TODAY)  # fmt: skip
    with pytest.raises(InvalidInput):  # "other" needs an explanation
        portal.submit_dispute(session, access=access, invoice_id=invoice.id, reason="other",
                              comment="  ", today=TODAY)  # fmt: skip


def test_feedback_and_what_the_team_sees(session: Session, customer) -> None:  # type: ignore[no-untyped-def]
    access = _access(session, customer)
    with pytest.raises(InvalidInput):
        portal.submit_feedback(session, access=access, comment=" ", today=TODAY)
    portal.submit_feedback(session, access=access, comment="Please call me", today=TODAY)
    unseen = portal.unseen_submissions(session, org_id=customer.org_id)
    assert [s.comment for s in unseen] == ["Please call me"]
    portal.mark_seen(session, org_id=customer.org_id, customer_id=customer.id)
    session.expire_all()
    assert portal.unseen_submissions(session, org_id=customer.org_id) == []
    assert len(portal.submissions(session, org_id=customer.org_id, customer_id=customer.id)) == 1


def test_submissions_become_cases_and_a_task_for_the_collector(session: Session, customer) -> None:  # type: ignore[no-untyped-def]
    access = _access(session, customer)
    first, second = ledger.open_invoices(session, org_id=customer.org_id, customer_id=customer.id)
    portal.submit_promise(
        session, access=access, promised_on=date(2026, 3, 10), amount="1000.00", today=TODAY
    )
    (promise,) = promises.list_promises(session, org_id=customer.org_id, customer_id=customer.id)
    assert (promise.channel, promise.promised_amount) == ("portal", 100000)
    paused = pauses.pauses(session, org_id=customer.org_id, as_of=TODAY)
    assert {p.invoice_id for p in paused} == {first.id}  # 1,000.00 pays the oldest invoice

    portal.submit_dispute(
        session, access=access, invoice_id=second.id, reason="wrong_amount", comment="-10%",
        today=TODAY,
    )  # fmt: skip
    (dispute,) = disputes.list_disputes(session, org_id=customer.org_id, customer_id=customer.id)
    assert dispute.reason == "pricing"
    assert disputes.dispute_invoice_ids(session, org_id=customer.org_id, dispute_id=dispute.id) == [
        second.id
    ]
    # Disputing it again keeps the one dispute but still tells the collector.
    portal.submit_dispute(
        session, access=access, invoice_id=second.id, reason="other", comment="again",
        today=TODAY,
    )  # fmt: skip
    assert (
        len(disputes.list_disputes(session, org_id=customer.org_id, customer_id=customer.id)) == 1
    )
    titles = [t.title for t in tasks.open_tasks(session, org_id=customer.org_id)]
    assert titles.count("Invoice disputed on the portal") == 2
    assert "Promise to pay made on the portal" in titles


@pytest.mark.parametrize(
    ("template", "problem"),
    [
        ("https://pay.example/?customer={customer}", "unknown placeholder {customer}"),
        ("https://pay.example/?amount={amount:.2f}", "unknown placeholder {amount:.2f}"),
        ("https://pay.example/?ref={reference!r}", "unknown placeholder {reference!r}"),
        ("https://pay.example/?amount={0}", "unknown placeholder {0}"),
        ("https://pay.example/?amount={}", "unknown placeholder {}"),
        ("https://pay.example/?amount={amount", "expected '}' before end of string"),
        ("pay.example/?amount={amount}", "must start with https:// or http://"),
    ],
)
def test_a_bad_payment_url_is_an_error_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, template: str, problem: str
) -> None:
    monkeypatch.setenv("RECOUP_PAYMENT_URL", template)
    with pytest.raises(ValidationError, match=re.escape(f"RECOUP_PAYMENT_URL: {problem}")):
        portal.PortalSettings()


def test_a_bad_payment_url_stops_the_app_from_starting(monkeypatch: pytest.MonkeyPatch) -> None:
    from recoup.web.app import create_app

    monkeypatch.setenv("RECOUP_PAYMENT_URL", "https://pay.example/?customer={customer}")
    with pytest.raises(ValidationError, match="RECOUP_PAYMENT_URL"):
        create_app(database_url="sqlite://", migrate=False)


def test_the_payment_url_is_optional(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RECOUP_PAYMENT_URL", raising=False)
    assert portal.PortalSettings().payment_url == ""
    monkeypatch.setenv("RECOUP_PAYMENT_URL", " https://pay.example/{reference}?a={amount} ")
    assert portal.PortalSettings().payment_url == "https://pay.example/{reference}?a={amount}"


def test_online_payments_per_currency_with_a_balance_due(session: Session) -> None:
    org = make_org(session)
    customer = make_customer(session, org=org, external_id="C9")
    make_invoice(session, customer=customer, number="E-1", total="100.00")
    make_invoice(session, customer=customer, number="G-1", total="80.00", currency="GBP")
    make_invoice(session, customer=customer, number="U-1", total="5.00", currency="USD")
    make_payment(session, customer=customer, amount="5.00", currency="USD")  # USD settled
    statement = portal.customer_statement(
        session, org_id=org.id, customer_id=customer.id, as_of=TODAY
    )

    links = portal.online_payments(
        "https://pay.example/?r={reference}&a={amount}&c={currency}",
        {"external_id": "C9"},
        statement,
    )
    assert [(p.currency, p.amount, p.url) for p in links] == [
        ("EUR", 10000, "https://pay.example/?r=C9%20E-1&a=100.00&c=EUR"),
        ("GBP", 8000, "https://pay.example/?r=C9%20G-1&a=80.00&c=GBP"),
    ]
    assert portal.online_payments("", {"external_id": "C9"}, statement) == ()


def test_a_promise_while_one_is_pending_is_passed_on_not_recorded(
    session: Session, customer
) -> None:  # type: ignore[no-untyped-def]
    access = _access(session, customer)
    first = portal.submit_promise(
        session, access=access, promised_on=date(2026, 3, 10), today=TODAY
    )
    assert (first.outcome, first.done) == ("recorded", "promise")
    (pending,) = promises.list_promises(session, org_id=customer.org_id, customer_id=customer.id)
    again = portal.submit_promise(
        session, access=access, promised_on=date(2026, 3, 20), comment="later", today=TODAY
    )
    assert (again.outcome, again.done) == ("already_promised", "promise_pending")
    # The pending promise stands, unchanged; the new date is a message for the collector.
    assert promises.list_promises(session, org_id=customer.org_id, customer_id=customer.id) == [
        pending
    ]
    assert pending.promised_on == date(2026, 3, 10)
    assert len(portal.submissions(session, org_id=customer.org_id, customer_id=customer.id)) == 2
    task = next(t for t in tasks.open_tasks(session, org_id=customer.org_id) if "not" in t.title)
    assert (
        task.title == "Promise to pay made on the portal: not recorded, agree it with the customer"
    )
    assert task.body == (
        f"Not recorded as a promise: invoice INV-1 already has a pending promise (#{pending.id}, "
        "to pay by 2026-03-10): cancel it first if the customer has moved the date (a moved "
        "promise is not a kept one).\n\nlater"
    )
    page = portal.portal_page(session, access=access, as_of=TODAY)
    assert page.pending_promise_on == date(2026, 3, 10)


def test_a_promise_on_invoices_in_a_plan_goes_to_the_team(session: Session, customer) -> None:  # type: ignore[no-untyped-def]
    access = _access(session, customer)
    first, _ = ledger.open_invoices(session, org_id=customer.org_id, customer_id=customer.id)
    plans.create_plan(session, org_id=customer.org_id, customer_id=customer.id,
                      invoice_ids=[first.id], start_on=TODAY, first_due=date(2026, 4, 1),
                      instalments=2)  # fmt: skip
    receipt = portal.submit_promise(
        session, access=access, promised_on=date(2026, 3, 10), today=TODAY
    )
    assert (receipt.outcome, receipt.done) == ("review", "promise_review")
    assert promises.list_promises(session, org_id=customer.org_id, customer_id=customer.id) == []
    assert portal.portal_page(session, access=access, as_of=TODAY).pending_promise_on is None
