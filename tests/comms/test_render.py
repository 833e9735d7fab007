"""Rendering messages: every template, both languages, figures formatted by locale."""

import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from babel.dates import format_date
from babel.numbers import format_currency

from recoup.comms.channels.sms import segments
from recoup.comms.context import (
    ContactInfo,
    CustomerInfo,
    InstalmentInfo,
    InvoiceLine,
    MessageContext,
    OrganisationInfo,
    PromiseInfo,
    days_overdue,
)
from recoup.comms.render import TEMPLATES, RenderError, render, render_sms, template_names
from recoup.errors import RecoupError
from recoup.languages import LANGUAGES
from recoup.ledger.models import (
    BankAccount,
    Contact,
    CreditNote,
    Customer,
    Invoice,
    Organisation,
    Payment,
)
from tests.documents.factories import AS_OF, ORGANISATION, make_context

CUSTOMER_MESSAGES = [
    "pre_due_reminder",
    "due_notice",
    "courtesy_reminder",
    "formal_notice",
    "final_demand",
    "instalment_reminder",
    "missed_instalment",
    "promise_confirmation",
    "statement",
]


def plain(text: str) -> str:
    """Babel separates number and symbol with a no-break space; compare with a space."""
    return text.replace("\xa0", " ")


def test_every_shipped_template_exists_in_english() -> None:
    assert template_names() == sorted(TEMPLATES)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_every_template_renders_in_every_language(name: str, language: str) -> None:
    message = render(name, make_context(language=language, country="DE"))

    assert message.locale.split("_")[0] == language  # with Germany's formats where Babel has them
    assert message.subject
    assert "\n" not in message.subject
    assert any(name in message.subject for name in ("C-1001", "Globex", "INV-2026-"))
    assert message.text.endswith("\n")
    assert "\n\n\n" not in message.text
    for leftover in ("{{", "}}", "{%", "%}"):
        assert leftover not in message.text
    if name == "call_script":
        assert message.html is None
    else:
        assert message.html is not None
        assert message.html.startswith("<!DOCTYPE html>")
        assert f'<html lang="{language}">' in message.html
        assert "{{" not in message.html
        assert "{%" not in message.html


@pytest.mark.parametrize("name", CUSTOMER_MESSAGES)
def test_customer_messages_state_invoices_totals_charges_and_how_to_pay(name: str) -> None:
    message = render(name, make_context())
    assert message.html is not None
    for part in (message.text, message.html):
        part = plain(part)
        for expected in (
            # invoice lines: number, due date, open amount, days overdue
            "INV-2026-0041",
            "1 Feb 2026",
            "€1,234.56",
            "58",
            "INV-2026-0057",
            "€250.00",
            "INV-2026-0102",
            "£999.99",
            "due today",
            # charges, credits and the totals per currency
            "Late-payment interest",
            "€15.23",
            "€40.00",
            "CN-0007",
            "€1,439.79",
            # payment instructions, portal, the organisation's contact details
            "Barclays Bank",
            "GB33 BUKB 2020 1555 5555 55",
            "BUKBGB22",
            "C-1001",
            "https://pay.acme.example/p/abc123",
            "credit@acme.example",
        ):
            assert expected in part, f"{expected!r} missing from {name}"
    assert "+44 20 7946 0000" in message.text


def test_totals_are_per_currency_and_never_added_together() -> None:
    text = render("courtesy_reminder", make_context()).text

    assert re.search(r"Total due in EUR +€1,439\.79", text)
    assert re.search(r"Total due in GBP +£999\.99", text)
    # 1,439.79 + 999.99 would be 2,439.78: no such figure anywhere
    assert "2,439.78" not in text


def test_a_single_currency_has_one_plain_total() -> None:
    context = make_context(invoices=make_context().invoices[:1], charges=(), credits=())

    text = render("courtesy_reminder", context).text

    assert re.search(r"Total due +€1,234\.56", text)
    assert "Total due in" not in text
    assert (
        render("courtesy_reminder", context).subject
        == "Payment reminder: invoice INV-2026-0041 is overdue"
    )


def test_german_formats_money_and_dates_the_german_way() -> None:
    message = render("formal_notice", make_context(language="de", country="DE"))
    text = message.text

    assert message.subject == "Mahnung: überfälliges Kundenkonto C-1001 – Globex GmbH"
    assert "1.234,56\xa0€" in text
    assert "1.439,79\xa0€" in text
    assert "999,99\xa0£" in text
    assert "bis spätestens 14. April 2026" in text
    assert "01.02.2026" in text  # due dates in the table
    assert "11,62\xa0%" in text
    assert "Guten Tag Anna Schmidt," in text  # the contact, by name
    assert "Mit freundlichen Grüßen" in text
    assert "Verzugszinsen" in text
    assert "Pauschale" in text


def test_english_follows_the_customers_country() -> None:
    british = render("formal_notice", make_context(language="en", country="GB")).text
    american = render("formal_notice", make_context(language="en", country="US")).text

    assert "by 14 April 2026" in british
    assert "by April 14, 2026" in american


def test_formal_notice_restates_terms_and_consequences() -> None:
    text = render("formal_notice", make_context()).text

    assert "30 days from the date of invoice" in text
    assert "by 14 April 2026" in text
    assert "late-payment legislation" in text
    assert "11.62% a year" in text
    assert "compensation for our recovery costs" in text
    assert "we will place your account on credit hold" in text
    assert "Yours sincerely," in text  # addressed to a named person


def test_formal_notice_on_an_account_already_on_hold_says_so() -> None:
    text = render("formal_notice", make_context(credit_hold=True, contact=None)).text

    assert "Your account has been placed on credit hold" in text
    assert "Dear Globex GmbH accounts team," in text  # no contact: the company
    assert "Yours faithfully," in text


def test_final_demand_names_who_the_debt_goes_to() -> None:
    default = render("final_demand", make_context()).text
    named = render("final_demand", make_context(handoff_to="Atradius Collections")).text

    assert "a collection agency or our solicitors" in default
    assert "pass the debt to Atradius Collections" in named
    assert "This is our final demand" in named


def test_instalment_messages_state_the_instalment() -> None:
    reminder = render("instalment_reminder", make_context()).text
    missed = render("missed_instalment", make_context())

    assert "instalment 2 of 4" in reminder
    assert re.search(r"Still to pay: +€400\.00", reminder)
    assert missed.subject == "Missed instalment 2 of 4 – account C-1001"
    assert "pay the outstanding €400.00 by 14 April 2026" in missed.text
    assert "€1,500.00 will become due immediately" in missed.text


def test_promise_confirmation_states_amount_and_date() -> None:
    text = render("promise_confirmation", make_context()).text

    assert "your promise to pay €1,000.00 by 10 April 2026" in text


def test_thank_you_lists_the_settled_invoices() -> None:
    paid = InvoiceLine("INV-9", date(2026, 1, 5), date(2026, 2, 4), "EUR", 70000, 0, 55)

    text = render("thank_you", make_context(invoices=(paid,), charges=(), credits=())).text

    assert "now clear" in text
    assert "INV-9" in text
    assert "€700.00" in text


def test_owner_notification_explains_the_event() -> None:
    hold = render("owner_notification", make_context(contact=ContactInfo(name="Sam Sales")))
    other = render("owner_notification", make_context(event="something_new"))

    assert hold.subject == "Credit hold: Globex GmbH (C-1001)"
    assert "Hello Sam Sales," in hold.text
    assert "do not confirm or ship new orders on credit" in hold.text
    assert "Customer says the March delivery was short." in hold.text
    assert other.subject.startswith("Account update:")


def test_call_script_gives_the_collector_the_figures() -> None:
    message = render("call_script", make_context())

    assert message.html is None
    assert "this is Jane Doe from the credit control team at Acme Supplies Ltd" in message.text
    assert "May I speak to Anna Schmidt" in message.text
    assert "+49 30 1234567" in message.text
    assert "€1,439.79 and £999.99" in message.text
    assert "INV-2026-0041" in message.text
    assert "GB33 BUKB 2020 1555 5555 55" in message.text


def test_a_language_without_templates_falls_back_to_english() -> None:
    message = render("due_notice", make_context(language="pt", country="PT"))

    assert message.subject == "Payment due: 3 invoices – account C-1001"
    assert message.locale == "en_PT"


def test_the_contacts_language_comes_before_the_customers() -> None:
    context = make_context(language="en", country="DE", contact_language="de")

    assert context.locale == "de_DE"
    assert render("due_notice", context).subject.startswith("Zahlung fällig")


def test_locale_defaults_to_english() -> None:
    context = make_context(language="", country="", contact=None)
    nonsense = make_context(language="xx-!!", country="")

    assert context.locale == "en"
    assert nonsense.locale == "en"


def test_html_is_escaped_and_text_is_not() -> None:
    customer = CustomerInfo(external_id="C-1", name="Smith & <Sons>")

    message = render("formal_notice", make_context(customer=customer))

    assert message.html is not None
    assert "Smith &amp; &lt;Sons&gt;" in message.html
    assert "<Sons>" not in message.html
    assert "Smith & <Sons>" in message.text
    assert message.subject.endswith("Smith & <Sons>")


def test_letter_medium_gives_a_fragment_without_email_chrome() -> None:
    message = render("formal_notice", make_context(), medium="letter")

    assert message.html is not None
    assert "<html" not in message.html
    assert "style=" not in message.html
    assert "View your account" not in message.html  # no button on paper
    assert "https://pay.acme.example/p/abc123" in message.html
    assert 'class="invoices"' in message.html


def test_an_unknown_template_is_an_error_naming_it() -> None:
    with pytest.raises(RenderError, match="no_such_letter") as caught:
        render("no_such_letter", make_context())
    assert isinstance(caught.value, RecoupError)


def test_a_message_missing_its_data_is_an_error() -> None:
    with pytest.raises(RenderError, match=r"promise_confirmation.*'promise'"):
        render("promise_confirmation", make_context(promise=None))


def test_an_undefined_variable_is_an_error_naming_the_template(tmp_path: Path) -> None:
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "due_notice.subject.j2").write_text("Due: {{ no_such_thing }}")

    with pytest.raises(RenderError, match=r"en/due_notice\.subject\.j2.*no_such_thing"):
        render("due_notice", make_context(), templates_dir=tmp_path)


def test_a_syntax_error_is_an_error_naming_the_template(tmp_path: Path) -> None:
    (tmp_path / "de").mkdir()
    (tmp_path / "de" / "due_notice.txt.j2").write_text("{% if %}")

    with pytest.raises(RenderError, match=r"de/due_notice\.txt\.j2"):
        render("due_notice", make_context(language="de"), templates_dir=tmp_path)


def test_an_organisations_own_templates_come_first(tmp_path: Path) -> None:
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "due_notice.subject.j2").write_text(
        "Your {{ organisation.name }} invoices: {{ totals[0].balance|money(totals[0].currency) }}"
    )

    message = render("due_notice", make_context(), templates_dir=tmp_path)

    assert message.subject == "Your Acme Supplies Ltd invoices: €1,439.79"
    assert "INV-2026-0041" in message.text  # the rest is Recoup's own


def test_totals_add_charges_and_deduct_credits_per_currency() -> None:
    totals = {t.currency: t for t in make_context().totals}

    assert (totals["EUR"].invoices, totals["EUR"].overdue) == (148456, 148456)
    assert (totals["EUR"].charges, totals["EUR"].credits) == (5523, 10000)
    assert totals["EUR"].balance == 148456 + 5523 - 10000 == 143979
    assert (totals["GBP"].balance, totals["GBP"].overdue) == (99999, 0)
    assert make_context().max_days_overdue == 58


def test_context_from_ledger_rows() -> None:
    from recoup.comms.context import context_from_ledger

    organisation = Organisation(
        name="Acme Supplies Ltd",
        address="1 High Street",
        email="credit@acme.example",
        phone="+44 20 7946 0000",
    )
    account = BankAccount(
        currency="EUR", bank_name="Barclays Bank", iban="GB33BUKB20201555555555", bic="BUKBGB22"
    )
    customer = Customer(
        external_id="C-7", name="Initech", language="de", country="AT", payment_terms_days=14
    )
    invoices = [
        Invoice(
            number=number,
            issue_date=date(2026, 1, 1),
            due_date=due,
            currency="EUR",
            total_amount=10000,
            open_amount=open_amount,
            po_number="",
        )
        for number, due, open_amount in [
            ("B", date(2026, 3, 1), 10000),
            ("A", date(2026, 2, 1), 4000),
            ("PAID", date(2026, 1, 15), 0),
        ]
    ]
    note = CreditNote(number="CN-1", issue_date=date(2026, 3, 2), currency="EUR", open_amount=1500)
    payment = Payment(
        external_id="P-1",
        reference="",
        received_on=date(2026, 3, 3),
        currency="EUR",
        unallocated_amount=500,
    )
    contact = Contact(name="Eva", email="eva@initech.example", phone="", language="")

    context = context_from_ledger(
        organisation=organisation,
        bank_account=account,
        customer=customer,
        contact=contact,
        invoices=invoices,
        credit_notes=[note],
        payments=[payment],
        as_of=AS_OF,
        step="courtesy",
        pay_by=date(2026, 4, 7),
    )

    assert [i.number for i in context.invoices] == ["A", "B"]  # open only, oldest due first
    assert [i.days_overdue for i in context.invoices] == [58, 30]
    assert [(c.reference, c.kind, c.amount) for c in context.credits] == [
        ("CN-1", "credit_note", 1500),
        ("P-1", "payment", 500),
    ]
    assert context.totals[0].balance == 14000 - 1500 - 500
    assert context.payment_reference == "C-7"  # several invoices: the account number
    assert context.locale == "de_AT"
    assert context.pay_by == date(2026, 4, 7)
    assert context.organisation.iban == "GB33BUKB20201555555555"
    assert context.customer.payment_terms_days == 14
    assert "€\xa0140,00" in render("courtesy_reminder", context).text  # Austrian format


def test_days_overdue_counts_from_the_day_after_the_due_date() -> None:
    assert days_overdue(date(2026, 3, 31), date(2026, 3, 31)) == 0
    assert days_overdue(date(2026, 3, 31), date(2026, 4, 1)) == 1
    assert days_overdue(date(2026, 2, 28), date(2026, 3, 31)) == 31


def test_the_context_is_immutable() -> None:
    context = make_context()

    with pytest.raises(AttributeError):
        context.as_of = date(2027, 1, 1)  # type: ignore[misc]
    assert isinstance(context, MessageContext)
    assert context.organisation is ORGANISATION


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", sorted(set(TEMPLATES) - {"call_script", "owner_notification"}))
def test_every_customer_message_has_a_short_text_message(name: str, language: str) -> None:
    text = render_sms(name, make_context(language=language, country="GB"))

    assert len(text) > 40
    assert segments(text) <= 2  # two SMS segments at most, in the GSM alphabet
    assert "\n" not in text
    assert "\xa0" not in text  # a no-break space would force UCS-2, halving the length
    assert re.match(r"Acme Supplies Ltd ?: ", text)  # French sets a space before a colon


def test_text_message_figures() -> None:
    english = render_sms("courtesy_reminder", make_context(pays_online=True))
    german = render_sms("missed_instalment", make_context(language="de", country="DE"))

    assert english == (
        "Acme Supplies Ltd: 2 overdue invoices on account C-1001, €1,439.79 and £999.99 in "
        "total. Please pay by 14 Apr 2026 to IBAN GB33 BUKB 2020 1555 5555 55, reference "
        "C-1001, or online: https://pay.acme.example/p/abc123. Questions: +44 20 7946 0000"
    )
    assert "Die 2. von 4 Raten (400,00 €, fällig am 15.04.2026) ist nicht eingegangen" in german


def test_a_text_message_falls_back_to_english() -> None:
    text = render_sms("thank_you", make_context(language="pt", country="PT"))

    assert text == (
        "Acme Supplies Ltd: thank you for your payment. Your account C-1001 is now clear."
    )


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_every_template_renders_with_the_bare_minimum(name: str, language: str) -> None:
    bare = MessageContext(
        organisation=OrganisationInfo(name="Acme"),
        customer=CustomerInfo(external_id="C-1", name="Globex", language=language),
        invoices=(InvoiceLine("INV-1", date(2026, 3, 1), date(2026, 3, 31), "JPY", 1200, 1200, 7),),
        as_of=AS_OF,
        promise=PromiseInfo(1200, "JPY", date(2026, 4, 30)),
        instalment=InstalmentInfo(1, 2, date(2026, 4, 30), "JPY", 600),
        event="credit_hold",
    )

    message = render(name, bare)
    sms = render_sms(name, bare)

    if name != "thank_you":  # thanks for what is settled; INV-1 is still open
        assert "INV-1" in message.text
        yen = format_currency(1200, "JPY", locale=message.locale)  # ¥1,200, 1.200 ¥, ...
        assert " ".join(yen.split()) in " ".join((message.text + sms).split())
    assert "None" not in message.text
    assert "contact us." not in message.text  # no contact details: no empty invitation
    assert "None" not in sms


def test_a_customer_without_a_country_is_written_to_in_the_organisations_formats() -> None:
    context = make_context(language="en", country="")
    british = replace(context, organisation=replace(context.organisation, country="GB"))

    assert context.locale == "en"
    assert british.locale == "en_GB"
    assert format_date(date(2026, 6, 30), format="long", locale=british.locale) == "30 June 2026"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", sorted(set(TEMPLATES) - {"call_script", "owner_notification"}))
def test_a_text_message_stays_within_two_segments_with_long_names(name: str, language: str) -> None:
    # The longest names an import accepts would not fit: these are long real ones.
    context = make_context(language=language, country="GB")
    context = replace(
        context,
        organisation=replace(context.organisation, name="Northern Industrial Supplies (Leeds) Ltd"),
        customer=replace(context.customer, external_id="CUST-000123456"),
    )
    text = render_sms(name, context)
    assert segments(text) <= 2, (len(text), text)


def test_a_pre_due_reminder_that_also_lists_overdue_invoices_says_so() -> None:
    # The sample lists invoices already past due: a reminder led by a new invoice must
    # not call them "due shortly".
    context = make_context()
    assert context.overdue_invoices
    english = render("pre_due_reminder", context)
    assert english.subject == "Reminder: invoices due soon and overdue – account C-1001"
    assert "already overdue" in english.text
    german = render("pre_due_reminder", make_context(language="de", country="DE"))
    assert "bereits überfällig" in german.text
    assert german.subject.startswith("Erinnerung: bald fällige und überfällige Rechnungen")


def _hotwells(numbers: list[str], account: BankAccount) -> MessageContext:
    """A customer imported without an account number (its key is its name), paying into
    ``account``."""
    from recoup.comms.context import context_from_ledger

    customer = Customer(
        id=8, external_id="Hotwells Yacht Club", name="Hotwells Yacht Club", language="en",
        country="GB",
    )  # fmt: skip
    invoices = [
        Invoice(number=number, issue_date=date(2026, 1, 1), due_date=date(2026, 2, 1),
                currency="GBP", total_amount=10000, open_amount=10000, po_number="")
        for number in numbers
    ]  # fmt: skip
    return context_from_ledger(
        organisation=Organisation(name="Harbour Lane Print Ltd", address="Bristol",
                                  email="ar@harbour.example"),
        bank_account=account, customer=customer, invoices=invoices, as_of=AS_OF,
    )  # fmt: skip


UK_ACCOUNT = BankAccount(currency="GBP", sort_code="20-20-15", account_number="55555555")


def test_a_reference_to_a_uk_account_fits_a_uk_transfer() -> None:
    # Faster Payments and Bacs carry 18 characters: the RF reference (12) and, when it
    # fits, the one invoice; never the name.
    assert _hotwells(["1024", "1025"], UK_ACCOUNT).payment_reference == "RF7900000008"
    assert _hotwells(["1024"], UK_ACCOUNT).payment_reference == "RF7900000008 1024"
    assert _hotwells(["INV-2026-000123"], UK_ACCOUNT).payment_reference == "RF7900000008"
    sepa = BankAccount(currency="GBP", iban="GB33BUKB20201555555555", bic="BUKBGB22")
    assert _hotwells(["1024", "1025"], sepa).payment_reference == "RF7900000008"  # no name


def test_a_customer_without_an_account_number_is_named_by_its_reference() -> None:
    context = _hotwells(["1024"], UK_ACCOUNT)
    assert context.customer.external_id == "RF79 0000 0008"
    subject = render("formal_notice", context).subject
    assert subject == "Formal notice: overdue account RF79 0000 0008 – Hotwells Yacht Club"
