"""What the customer reads: charges in words, greetings and signatures, and every
template in every language free of engine jargon.

The worked example is the one of issue 15: a UK debt of £999.99 due on 10 July 2023 is
late from 11 July 2023; the Late Payment Act fixes the Bank of England base rate in force
on 30 June 2023 (5.00 %, from 22 June 2023) for the life of the debt, so the rate is
5.00 + 8 = 13.00 % a year. From 11 July 2023 to 31 March 2024 is 21 + 31 + 30 + 31 + 30
+ 31 + 31 + 29 + 31 = 265 days: 999.99 × 13 % × 265 / 365 = £94.38.
"""

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from recoup.charges import core
from recoup.charges import service as charges
from recoup.charges.jurisdictions import shipped_jurisdictions
from recoup.charges.tables import shipped_table
from recoup.charges.words import describe_charge, facts_from_charge, facts_from_interest
from recoup.comms.context import ChargeLine, ContactInfo, MessageContext, OrganisationInfo
from recoup.comms.dispatcher import dispatch
from recoup.comms.models import OutboxKind
from recoup.comms.outbox import Effect, enqueue
from recoup.comms.render import TEMPLATES_DIR, render, render_sms, template_names
from recoup.comms.service import customer_context
from recoup.config import Settings
from recoup.db import make_engine, transaction
from recoup.db.migrate import upgrade
from recoup.documents.invoice import InvoiceCopy, Settlement, invoice_copy_html
from recoup.documents.letter import letter_html
from recoup.documents.statement import statement_html
from recoup.jobs.effects import LiveChannels
from recoup.ledger import service as ledger
from tests.charges.factories import make_customer, make_invoice, make_org
from tests.customer_text import problems
from tests.documents.factories import ORGANISATION, make_context
from tests.mailbox import StartServer
from tests.pdf import pdf_text

LANGUAGES = sorted(p.name for p in TEMPLATES_DIR.iterdir() if p.is_dir())
AS_OF = date(2024, 3, 31)


def uk_interest_line() -> ChargeLine:
    """The worked example's interest, computed by the engine and stored as the charges
    service stores it, then read back as a customer line."""
    debt = core.Debt(
        number="INV-1",
        currency="GBP",
        due_date=date(2023, 7, 10),
        balances=(core.BalanceChange(date(2023, 6, 10), Decimal("999.99")),),
    )
    statute = core.Statute(shipped_jurisdictions()["GB"], shipped_table("boe_base"))
    explained = core.interest_due(debt=debt, as_of=AS_OF, statute=statute)
    assert explained.total == Decimal("94.38")
    details = charges.explanation_details(explained)
    facts = facts_from_charge(
        kind="interest",
        currency="GBP",
        invoice_number="INV-1",
        period_start=explained.start,
        period_end=explained.end,
        details=details,
    )
    return ChargeLine(explained.rule, "GBP", explained.total_minor, "INV-1", facts)


def compensation_line() -> ChargeLine:
    rule = "GB fixed compensation for a debt of 999.99 GBP (0 GBP or more): 40.00 GBP"
    facts = facts_from_charge(
        kind="compensation", currency="GBP", invoice_number="INV-1", details={"rule": rule}
    )
    return ChargeLine(rule, "GBP", 4000, "INV-1", facts)


def percent_fee_line() -> ChargeLine:
    rule = "2.5 % of 1200.00 EUR overdue (contract terms)"
    facts = facts_from_charge(
        kind="late_fee", currency="EUR", invoice_number="INV-2026-0041", details={"rule": rule}
    )
    return ChargeLine(f"Late fee on INV-2026-0041: {rule}", "EUR", 3000, "INV-2026-0041", facts)


def test_uk_interest_in_words_as_a_credit_controller_writes_it() -> None:
    line = uk_interest_line()

    assert line.amount == 9438
    assert line.words("en_GB") == (
        "Statutory interest at 13.00% a year — Bank of England base rate 5.00% plus 8% — "
        "on £999.99 from 11 July 2023 to 31 March 2024 (invoice INV-1)"
    )
    assert line.words("de_DE") == (
        "Verzugszinsen von 13,00\xa0% p. a. (8 Prozentpunkte über dem Leitzins der Bank of "
        "England von 5,00\xa0%) auf 999,99\xa0£ vom 11. Juli 2023 bis 31. März 2024 "
        "(Rechnung INV-1)"
    )
    assert "boe_base" in line.description  # the credit team's text keeps the rule


def test_compensation_and_fees_in_words_never_the_rule() -> None:
    assert compensation_line().words("en_GB") == (
        "Fixed sum for the cost of recovering the late payment of £999.99 (invoice INV-1)"
    )
    assert percent_fee_line().words("de_DE") == (
        "Mahngebühr von 2,5\xa0% auf den überfälligen Betrag von 1.200,00\xa0€ "
        "(Rechnung INV-2026-0041)"
    )
    assert percent_fee_line().words("en_GB") == (
        "Late payment fee of 2.5% on €1,200.00 overdue (invoice INV-2026-0041)"
    )


def test_a_language_without_words_is_written_in_english_with_its_formats() -> None:
    facts = uk_interest_line().facts
    assert facts is not None
    # English words in Babel's English for Portugal (en_PT), as messages use for it.
    assert describe_charge(facts, "pt_PT") == (
        "Statutory interest at 13,00% a year — Bank of England base rate 5,00% plus 8% — "
        "on 999,99\xa0£ from 11 July 2023 to 31 March 2024 (invoice INV-1)"
    )


def test_details_that_cannot_be_read_give_plain_words_not_raw_text() -> None:
    facts = facts_from_charge(
        kind="interest",
        currency="EUR",
        invoice_number="INV-9",
        period_start=date(2026, 2, 2),
        period_end=date(2026, 3, 31),
        details={"rule": "XX: something_new + 3 points", "periods": "unexpected"},
    )
    assert describe_charge(facts, "en_GB") == (
        "Late-payment interest from 2 February 2026 to 31 March 2026 (invoice INV-9)"
    )


def test_german_interest_across_the_rate_change_from_the_ledger(session: Session) -> None:
    """BGB §288: Basiszinssatz + 9 points. 10,000.00 € due 31 May 2023: 1.62 + 9 = 10.62 %
    for 1-30 June (30 days: 87.29 €), 3.12 + 9 = 12.12 % from 1 July to 30 September
    (92 days: 305.49 €); 392.78 € in all."""
    org = make_org(session, country="DE", currency="EUR")
    customer = make_customer(session, org=org, currency="EUR")
    customer.language = "de"
    customer.country = "DE"
    invoice = make_invoice(session, customer=customer, total="10000.00", due_date=date(2023, 5, 31))
    charges.charge_interest(
        session, org_id=org.id, invoice_id=invoice.id, as_of=date(2023, 9, 30), key="int-1"
    )
    charges.charge_compensation(
        session, org_id=org.id, invoice_id=invoice.id, key="comp-1", as_of=date(2023, 9, 30)
    )

    context = customer_context(
        session, org_id=org.id, customer_id=customer.id, as_of=date(2023, 10, 2)
    )
    text = render("formal_notice", context).text

    assert (
        "Verzugszinsen von 10,62\xa0% p. a. (9 Prozentpunkte über dem Basiszinssatz von "
        "1,62\xa0%) auf 10.000,00\xa0€ vom 1. Juni 2023 bis 30. Juni 2023; danach "
        "12,12\xa0% p. a. (9 Prozentpunkte über dem Basiszinssatz von 3,12\xa0%) auf "
        "10.000,00\xa0€ vom 1. Juli 2023 bis 30. September 2023 (Rechnung INV-1)"
    ) in " ".join(text.split(" \n"))  # the table may wrap nothing; compare as written
    assert "392,78\xa0€" in text
    assert "Verzugspauschale (Pauschale für Beitreibungskosten) zur Forderung von " in text
    assert "40,00\xa0€" in text
    assert "Sehr geehrte Damen und Herren," in text  # no contact: no name to greet
    assert problems(text) == []


# --- greeting and signature ---------------------------------------------------------------


def test_the_contact_is_greeted_by_name() -> None:
    assert "Dear Anna Schmidt," in render("courtesy_reminder", make_context()).text
    german = render("courtesy_reminder", make_context(language="de", country="DE")).text
    assert "Guten Tag Anna Schmidt," in german


def test_a_consumer_is_greeted_by_name_even_without_a_contact_name() -> None:
    customer = replace(make_context().customer, name="Tom Baker", is_consumer=True)
    for contact in (None, ContactInfo(name="", email="tom@example.org")):
        text = render("due_notice", make_context(contact=contact, customer=customer)).text
        assert "Dear Tom Baker," in text
        assert "accounts team" not in text


@pytest.mark.parametrize(
    "contact",
    [
        None,
        ContactInfo(name="", email="payables@kestrel.example"),
        ContactInfo(name="payables@kestrel.example", email="payables@kestrel.example"),
        ContactInfo(name="  ", email="payables@kestrel.example"),
    ],
    ids=["no contact", "no name", "email as name", "blank name"],
)
def test_without_a_name_the_company_is_greeted(contact: ContactInfo | None) -> None:
    customer = replace(make_context().customer, name="Kestrel Tools Ltd")
    english = render("formal_notice", make_context(contact=contact, customer=customer)).text
    german_context = make_context(language="de", country="DE", contact=contact)
    german = render("formal_notice", german_context).text

    assert "Dear Kestrel Tools Ltd accounts team," in english
    assert "Yours faithfully," in english  # not addressed to a person by name
    assert "Sehr geehrte Damen und Herren," in german
    assert "Dear payables" not in english
    assert "Guten Tag payables" not in german


def test_one_signature_block_from_the_organisations_details() -> None:
    """The organisation as signatory (what the run used to pass) is not repeated."""
    context = make_context(signatory="Acme Supplies Ltd", contact=None)
    text = render("formal_notice", context).text
    signature = text[text.index("Yours faithfully,") :]

    assert signature.splitlines() == [
        "Yours faithfully,",
        "",
        "Credit Control",
        "Acme Supplies Ltd",
        "1 High Street",
        "London EC1A 1BB",
        "United Kingdom",
        "Telephone: +44 20 7946 0000",
        "Email: credit@acme.example",
    ]
    html = render("formal_notice", context).html
    assert html is not None
    assert html.count("Acme Supplies Ltd</p>") == 1  # the signature's one mention
    assert "Credit Control<br>Acme Supplies Ltd" in html


def test_a_person_signs_above_credit_control() -> None:
    text = render("courtesy_reminder", make_context(signatory="Jane Doe")).text
    assert "Kind regards,\n\nJane Doe\nCredit Control\nAcme Supplies Ltd\n" in text
    german = render("courtesy_reminder", make_context(language="de", signatory="Jane Doe")).text
    assert "Mit freundlichen Grüßen\n\nJane Doe\nForderungsmanagement\nAcme Supplies Ltd" in german


def test_the_organisations_configured_signature_signs() -> None:
    """`recoup org set --signature-name/--signature-title`: the person and their title
    sign every message, in every language, instead of the team's name."""
    organisation = replace(
        ORGANISATION, signature_name="Alex Morgan", signature_title="Head of Credit"
    )
    text = render("courtesy_reminder", make_context(signatory="", organisation=organisation)).text
    assert "Kind regards,\n\nAlex Morgan\nHead of Credit\nAcme Supplies Ltd\n" in text
    html = render("courtesy_reminder", make_context(signatory="", organisation=organisation)).html
    assert html is not None
    assert "Alex Morgan<br>Head of Credit<br>Acme Supplies Ltd" in html
    french = render(
        "courtesy_reminder", make_context(language="fr", signatory="", organisation=organisation)
    )
    assert "Alex Morgan\nHead of Credit\nAcme Supplies Ltd" in french.text
    # Another signatory signs under the team's name, not under the configured title.
    other = render(
        "courtesy_reminder", make_context(signatory="Jane Doe", organisation=organisation)
    )
    assert "Jane Doe\nCredit Control\nAcme" in other.text
    # A title without a name signs nothing of its own: the team does.
    untitled = replace(ORGANISATION, signature_title="Head of Credit")
    assert (
        "\nCredit Control\nAcme"
        in render("courtesy_reminder", make_context(signatory="", organisation=untitled)).text
    )


# --- every template, every language ------------------------------------------------------


def sample_contexts(language: str) -> dict[str, MessageContext]:
    """The sample account with real charge facts, addressed in each way a contact can be."""
    country = "DE" if language == "de" else "GB"
    charges_ = (uk_interest_line(), compensation_line(), percent_fee_line())
    base = make_context(language=language, country=country, charges=charges_)
    return {
        "named contact": base,
        "no contact": replace(base, contact=None, signatory=""),
        "email as name": replace(
            base,
            contact=ContactInfo(name="payables@kestrel.example", email="payables@kestrel.example"),
            signatory="Acme Supplies Ltd",
        ),
        "no charges": replace(base, charges=(), credits=(), interest_rate=None, pay_by=None),
        # A new installation: the organisation has a name and nothing else yet.
        "bare organisation": replace(
            base,
            organisation=OrganisationInfo(name="My Company"),
            signatory="My Company",
            portal_url=None,
            payment_reference="",
        ),
    }


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_template_reads_as_words_in_every_language(language: str) -> None:
    failures: list[str] = []
    for label, context in sample_contexts(language).items():
        for name in template_names():
            for medium in ("email", "letter"):
                message = render(name, context, medium=medium)  # type: ignore[arg-type]
                assert message.locale.startswith(language), (name, message.locale)
                where = f"{name} ({medium}, {label})"
                failures += [f"{where} subject: {p}" for p in problems(message.subject)]
                failures += [f"{where} text: {p}" for p in problems(message.text)]
                if message.html is not None:
                    failures += [f"{where} html: {p}" for p in problems(message.html, html=True)]
            sms = render_sms(name, context)
            failures += [f"{name} (sms, {label}): {p}" for p in problems(sms)]
            letter = letter_html(name, context)
            failures += [f"{name} (letter PDF, {label}): {p}" for p in problems(letter, html=True)]
        statement = statement_html(context)
        failures += [f"statement ({label}): {p}" for p in problems(statement, html=True)]
        copy = InvoiceCopy(
            number="INV-2026-0041",
            issue_date=date(2026, 1, 2),
            due_date=date(2026, 2, 1),
            currency="EUR",
            total_amount=123456,
            tax_amount=20576,
            open_amount=113456,
            po_number="PO-77",
            settlements=(Settlement("payment", "P-1", date(2026, 3, 1), 10000),),
        )
        invoice = invoice_copy_html(context, copy)
        failures += [f"invoice copy ({label}): {p}" for p in problems(invoice, html=True)]
    assert failures == []


def test_the_check_catches_what_the_issue_saw(tmp_path: Path) -> None:
    """The checks themselves: each finds the defect it is for."""
    assert problems("Dear payables@kestrel.example,") != []
    assert problems("GB: boe_base + 8 points, fixed for the life of the debt") != []
    assert problems("(0 GBP or more)") != []
    assert problems("Reference: None") != []
    assert problems("Total {{ total }}") != []
    assert problems("<p>Hello {{ name }}</p>", html=True) != []
    assert problems("from 2023-07-11") != []
    assert problems("Please pay to IBAN , reference C-1") != []
    assert problems('<td class="td_num">£1.00</td>', html=True) == []  # markup is not text
    assert problems("Write to credit_control@acme.example or https://a.example/p/x_y") == []


# --- the rules of other jurisdictions, in words ------------------------------------------


def words_for(
    code: str, table: str, *, due: date, as_of: date, locale: str, **terms: Decimal
) -> str:
    debt = core.Debt(
        number="INV-7",
        currency="EUR",
        due_date=due,
        balances=(core.BalanceChange(due, Decimal("1000.00")),),
    )
    statute = core.Statute(shipped_jurisdictions()[code], shipped_table(table))
    explained = core.interest_due(
        debt=debt, as_of=as_of, statute=statute, terms=core.Terms(**terms)
    )
    return describe_charge(facts_from_interest(explained, invoice_number="INV-7"), locale)


def test_belgium_says_the_rate_was_rounded_up() -> None:
    """ECB 4.25 % on 1 July 2024 + 8 = 12.25 %, rounded up to 12.50 %; 31 days on
    €1,000.00 = €10.62 (the amount is the engine's; the words say how)."""
    assert words_for(
        "BE", "ecb_mro", due=date(2024, 6, 30), as_of=date(2024, 7, 31), locale="en_IE"
    ) == (
        "Statutory interest at 12.50% a year — European Central Bank main refinancing rate "
        "4.25% plus 8%, rounded up to the next half point — on €1,000.00 from 1 July 2024 "
        "to 31 July 2024 (invoice INV-7)"
    )


def test_a_negative_german_base_rate_reads_naturally() -> None:
    """Basiszinssatz −0.88 % (1 July 2016 to 31 December 2022) + 9 = 8.12 %."""
    assert words_for(
        "DE", "de_basiszins", due=date(2022, 6, 30), as_of=date(2022, 7, 10), locale="de_DE"
    ) == (
        "Verzugszinsen von 8,12\xa0% p. a. (9 Prozentpunkte über dem Basiszinssatz von "
        "-0,88\xa0%) auf 1.000,00\xa0€ vom 1. Juli 2022 bis 10. Juli 2022 (Rechnung INV-7)"
    )


def test_a_contract_rate_is_called_contractual() -> None:
    english = words_for("DE", "de_basiszins", due=date(2026, 1, 31), as_of=date(2026, 2, 28),
                        locale="en_GB", interest_rate_percent=Decimal(8))  # fmt: skip
    german = words_for("DE", "de_basiszins", due=date(2026, 1, 31), as_of=date(2026, 2, 28),
                       locale="de_DE", interest_rate_percent=Decimal(8))  # fmt: skip
    assert english == (
        "Contractual interest at 8.00% a year on €1,000.00 from 1 February 2026 "
        "to 28 February 2026 (invoice INV-7)"
    )
    assert german == (
        "Vertragszinsen von 8,00\xa0% p. a. auf 1.000,00\xa0€ vom 1. Februar 2026 "
        "bis 28. Februar 2026 (Rechnung INV-7)"
    )


# --- end to end: what the customer's mailbox receives ------------------------------------


def test_the_email_a_customer_receives_greets_the_company_and_words_the_charges(
    database_url: str, smtp_server: StartServer, tmp_path: Path
) -> None:
    """The issue's case: a contact whose name is its address, the organisation given as
    signatory, charges on the account; delivered over SMTP with the statement attached."""
    engine = make_engine(database_url)
    upgrade(engine)
    with transaction(engine, actor="test") as session:
        org = ledger.create_organisation(
            session, slug="acme", name="Acme Supplies Ltd", country="GB", base_currency="GBP",
            email="credit@acme.example", iban="GB33BUKB20201555555555",
        )  # fmt: skip
        customer = ledger.create_customer(
            session, org_id=org.id, external_id="K1", name="Kestrel Tools Ltd", currency="GBP",
            country="GB",
        )  # fmt: skip
        contact = ledger.add_contact(
            session, org_id=org.id, customer_id=customer.id,
            name="payables@kestrel.example", email="payables@kestrel.example",
        )  # fmt: skip
        invoice = ledger.create_invoice(
            session, org_id=org.id, customer_id=customer.id, number="INV-1",
            issue_date=date(2023, 6, 10), due_date=date(2023, 7, 10), total=Decimal("999.99"),
        )  # fmt: skip
        charges.charge_interest(
            session, org_id=org.id, invoice_id=invoice.id, as_of=AS_OF, key="interest"
        )
        charges.charge_compensation(
            session, org_id=org.id, invoice_id=invoice.id, key="compensation", as_of=AS_OF
        )
        enqueue(
            session,
            org_id=org.id,
            effects=[
                Effect(
                    key="notice",
                    kind=OutboxKind.EMAIL,
                    customer_id=customer.id,
                    scheduled_at=datetime(2024, 4, 2, 9, tzinfo=UTC),
                    template="formal_notice",
                    recipient=contact.email,
                    payload={
                        "as_of": "2024-04-02",
                        "invoice_ids": [invoice.id],
                        "contact_id": contact.id,
                        "step": "formal notice",
                        "params": {"attach_statement": True},
                    },
                )
            ],
        )
    mailbox, port = smtp_server()
    settings = Settings(
        smtp_url=f"smtp://127.0.0.1:{port}",
        letters_dir=str(tmp_path / "letters"),
        sms_url=f"file://{tmp_path / 'sms'}",
    )
    now = datetime(2024, 4, 2, 9, tzinfo=UTC)
    report = dispatch(engine, LiveChannels(settings), clock=lambda: now)
    engine.dispose()

    assert (report.sent, report.failed, report.errors) == (1, 0, [])
    notice = mailbox.message(0)
    text = notice.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")
    html = notice.get_body(preferencelist=("html",)).get_content()
    assert "Dear Kestrel Tools Ltd accounts team," in text
    assert (
        "£94.38   Statutory interest at 13.00% a year — Bank of England base rate 5.00% plus "
        "8% — on £999.99 from 11 July 2023 to 31 March 2024 (invoice INV-1)"
    ) in text
    assert (
        "£40.00   Fixed sum for the cost of recovering the late payment of £999.99 (invoice INV-1)"
    ) in text
    assert text.count("Acme Supplies Ltd") == 2  # the payee line and the one signature
    assert "Credit Control\nAcme Supplies Ltd\n" in text
    assert problems(notice["Subject"]) == []
    assert problems(text) == []
    assert problems(html, html=True) == []
    (attachment,) = list(notice.iter_attachments())
    statement = " ".join(pdf_text(attachment.get_content()).split())
    assert "Statutory interest at 13.00% a year" in statement
    assert "boe_base" not in statement
