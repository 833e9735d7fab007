"""Every language Recoup writes to customers in: each has every message, document label,
portal phrase and charge wording English has; each message reads as a native credit
controller writes it (the local legal terms, Babel's amounts and dates) with no English
left in it; and the language is chosen from the contact, the customer, then the country.
"""

import re
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from recoup.charges import words as charge_words
from recoup.charges.words import ChargeFacts, RatePeriod
from recoup.comms.context import (
    ChargeLine,
    ContactInfo,
    CustomerInfo,
    InstalmentInfo,
    InvoiceLine,
    MessageContext,
    OrganisationInfo,
    PromiseInfo,
)
from recoup.comms.render import TEMPLATES, TEMPLATES_DIR, render, render_sms
from recoup.documents.invoice import InvoiceCopy, Settlement, invoice_copy_html
from recoup.documents.letter import letter_html
from recoup.documents.pdf import _label_table
from recoup.documents.statement import statement_html
from recoup.languages import LANGUAGES, choose_language
from recoup.portal import i18n as portal
from tests.customer_text import visible_text

#: The languages added beside English and German.
NEW_LANGUAGES = [language for language in LANGUAGES if language not in ("en", "de")]

AS_OF = date(2026, 3, 31)
PAY_BY = date(2026, 4, 14)

#: The locale each language's sample customer lives in.
COUNTRIES = {"fr": "FR", "nl": "NL", "es": "ES", "it": "IT"}

#: What the sample (one EUR invoice of 1,260.00, 24.50 interest, 40.00 compensation:
#: 1,324.50 to pay) looks like in each language, and the pay-by date 14 April 2026.
FORMATS = {
    "fr": ("1 260,00 €", "1 324,50 €", "14 avril 2026"),
    "nl": ("€ 1.260,00", "€ 1.324,50", "14 april 2026"),
    "es": ("1.260,00 €", "1.324,50 €", "14 de abril de 2026"),
    "it": ("1.260,00 €", "1.324,50 €", "14 aprile 2026"),
}

#: Phrases each message must contain, per language: the register and the legal terms.
PHRASES: dict[str, dict[str, list[str]]] = {
    "fr": {
        "pre_due_reminder": ["Nous nous permettons de vous rappeler", "prochainement à échéance"],
        "due_notice": ["arrive à échéance", "nous n’avons pas encore reçu votre règlement"],
        "courtesy_reminder": ["Sauf erreur de notre part", "ne nous a pas encore été réglée"],
        "formal_notice": [
            "MISE EN DEMEURE DE PAYER",
            "nous vous mettons en demeure",
            "intérêts de retard",
            "indemnité forfaitaire pour frais de recouvrement de 40 €",
            "Madame, Monsieur,",
            "salutations distinguées",
        ],
        "final_demand": ["DERNIER AVIS AVANT RECOUVREMENT CONTENTIEUX", "société de recouvrement"],
        "thank_you": ["Nous vous remercions de votre règlement", "soldé"],
        "instalment_reminder": ["l’échéance 2 sur 4", "échéancier"],
        "missed_instalment": ["ne nous est pas parvenue", "immédiatement exigible"],
        "promise_confirmation": ["votre engagement de régler", "au plus tard le"],
        "statement": ["votre relevé de compte", "restent dues"],
        "owner_notification": ["Blocage du compte", "service recouvrement"],
        "call_script": ["GUIDE D’APPEL", "service recouvrement"],
    },
    "nl": {
        "pre_due_reminder": ["Graag herinneren wij u eraan", "binnenkort"],
        "due_notice": ["nu betaalbaar", "Beste Claire Martin,"],
        "courtesy_reminder": ["Betalingsherinnering", "zo spoedig mogelijk over te maken"],
        "formal_notice": [
            "AANMANING EN INGEBREKESTELLING",
            "stellen u hierbij in gebreke",
            "wettelijke handelsrente van 12,15% per jaar",
            "forfaitaire vergoeding voor invorderingskosten van € 40",
            "Geachte heer, mevrouw,",
            "Hoogachtend,",
        ],
        "final_demand": ["LAATSTE AANMANING", "uit handen aan een incassobureau"],
        "thank_you": ["Hartelijk dank voor uw betaling", "volledig voldaan"],
        "instalment_reminder": ["termijn 2 van 4", "betalingsregeling"],
        "missed_instalment": ["hebben wij nog niet ontvangen", "direct opeisbaar"],
        "promise_confirmation": ["uw toezegging genoteerd", "uiterlijk 20 april 2026"],
        "statement": ["uw rekeningoverzicht per 31 maart 2026", "staan open"],
        "owner_notification": ["Klant geblokkeerd", "Debiteurenbeheer"],
        "call_script": ["BELSCRIPT", "Debiteurenbeheer"],
    },
    "es": {
        "pre_due_reminder": ["Le recordamos que", "próximamente"],
        "due_notice": ["todavía no hemos recibido su pago", "Buenos días, Claire Martin:"],
        "courtesy_reminder": ["Recordatorio de pago", "a la mayor brevedad posible"],
        "formal_notice": [
            "REQUERIMIENTO FORMAL DE PAGO",
            "le requerimos el pago",
            "intereses de demora",
            "Ley 3/2004",
            "indemnización por costes de cobro de 40 €",
            "Estimados señores:",
            "Atentamente,",
        ],
        "final_demand": ["ÚLTIMO AVISO", "agencia de recobro"],
        "thank_you": ["Le agradecemos su pago", "saldada"],
        "instalment_reminder": ["la cuota 2 de 4", "plan de pagos"],
        "missed_instalment": ["No hemos recibido la cuota 2 de 4", "exigible de inmediato"],
        "promise_confirmation": ["su compromiso de pagar", "a más tardar el 20 de abril de 2026"],
        "statement": ["su extracto de cuenta a 31 de marzo de 2026", "pendientes"],
        "owner_notification": ["Cliente bloqueado", "Departamento de Cobros"],
        "call_script": ["GUION DE LLAMADA", "Departamento de Cobros"],
    },
    "it": {
        "pre_due_reminder": ["Le ricordiamo che", "in scadenza a breve"],
        "due_notice": ["giunta a scadenza", "Gentile Claire Martin,"],
        "courtesy_reminder": ["Promemoria di pagamento", "al più presto"],
        "formal_notice": [
            "SOLLECITO FORMALE E MESSA IN MORA",
            "La costituiamo in mora",
            "D.Lgs. 9 ottobre 2002, n. 231",
            "interessi di mora dal giorno successivo alla scadenza al tasso del 12,15% annuo",
            "risarcimento forfettario dei costi di recupero di 40 euro",
            "Spettabile Kestrel,",
            "Distinti saluti.",
        ],
        "final_demand": ["DIFFIDA AD ADEMPIERE", "società di recupero crediti"],
        "thank_you": ["La ringraziamo per il Suo pagamento", "saldato"],
        "instalment_reminder": ["la rata 2 di 4", "piano di rateizzazione"],
        "missed_instalment": ["Non abbiamo ancora ricevuto la rata 2 di 4", "esigibile"],
        "promise_confirmation": ["il Suo impegno a pagare", "entro il 20 aprile 2026"],
        "statement": ["il Suo estratto conto al 31 marzo 2026", "partite"],
        "owner_notification": ["Cliente bloccato", "Ufficio Crediti"],
        "call_script": ["TRACCIA DI CHIAMATA", "D.Lgs. 231/2002"],
    },
}

#: English words that never belong in a text in another language (whole words).
ENGLISH = re.compile(
    r"\b(the|and|your|you|please|invoices?|payments?|overdue|dear|thank|regards|our|with|"
    r"from|balance|reference|account|statement|amount|days|interest|credit|will|have|"
    r"fee|late|due date|total due)\b",
    re.IGNORECASE,
)

ORGANISATION = OrganisationInfo(
    name="Durand Industrie",
    address="12 rue de la Paix\n75002 Paris",
    email="recouvrement@durand.example",
    phone="+33 1 23 45 67 89",
    bank_name="BNP Paribas",
    iban="FR7630006000011234567890189",
    bic="BNPAFRPP",
    account_holder="Durand Industrie",
    registration="RCS Paris 123 456 789",
    country="FR",
)


def sample(language: str, **fields: object) -> MessageContext:
    """One EUR invoice of 1,260.00, 59 days late, with interest and compensation in words."""
    interest = ChargeFacts(
        kind="interest",
        currency="EUR",
        invoice_number="F-2026-0012",
        periods=(
            RatePeriod(
                date(2026, 2, 1),
                date(2026, 3, 31),
                Decimal("1260.00"),
                Decimal("12.15"),
                "ecb_mro",
                Decimal("2.15"),
                Decimal(10),
            ),
        ),
    )
    compensation = ChargeFacts(
        kind="compensation", currency="EUR", invoice_number="F-2026-0012", base=Decimal("1260")
    )
    context = MessageContext(
        organisation=ORGANISATION,
        customer=CustomerInfo(
            external_id="K-204",
            name="Kestrel",
            language=language,
            country=COUNTRIES[language],
            address="Kestrel\nVia Roma 1\n20121 Milano",
            payment_terms_days=30,
        ),
        contact=ContactInfo(name="Claire Martin", email="ap@kestrel.example", phone="+33 6 12"),
        invoices=(
            InvoiceLine(
                "F-2026-0012", date(2026, 1, 2), date(2026, 2, 1), "EUR", 126000, 126000, 58
            ),
        ),
        charges=(
            ChargeLine("engine text", "EUR", 2450, "F-2026-0012", interest),
            ChargeLine("engine text", "EUR", 4000, "F-2026-0012", compensation),
        ),
        as_of=AS_OF,
        payment_reference="K-204",
        portal_url="https://pay.durand.example/p/abc",
        pay_by=PAY_BY,
        interest_rate=Decimal("12.15"),
        signatory="Marie Durand",
        promise=PromiseInfo(126000, "EUR", date(2026, 4, 20), date(2026, 3, 30)),
        instalment=InstalmentInfo(2, 4, PAY_BY, "EUR", 31500, 0, 94500, date(2026, 3, 1)),
        event="credit_hold",
    )
    return replace(context, **fields)  # type: ignore[arg-type]


def flat(text: str) -> str:
    """Babel's and French typography's no-break spaces read as spaces."""
    return text.replace("\xa0", " ").replace("\u202f", " ")


def english_in(text: str) -> list[str]:
    return sorted({match.group(0) for match in ENGLISH.finditer(flat(text))})


# --- every kind exists in every language ---------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_file_english_has_exists_in_every_language(language: str) -> None:
    english = {p.name for p in (TEMPLATES_DIR / "en").iterdir()}
    assert english - {p.name for p in (TEMPLATES_DIR / language).iterdir()} == set()


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_label_phrase_and_charge_wording_exists_in_every_language(language: str) -> None:
    labels = _label_table()
    assert set(labels["en"]) - set(labels.get(language, {})) == set()
    assert [key for key, texts in portal.MESSAGES.items() if language not in texts] == []
    assert language in portal.LANGUAGES
    assert language in portal.LANGUAGE_NAMES
    assert set(charge_words._PHRASES["en"]) - set(charge_words._PHRASES.get(language, {})) == set()
    assert [t for t, names in charge_words._REFERENCES.items() if language not in names] == []


def test_the_tests_know_every_new_language() -> None:
    assert sorted(PHRASES) == sorted(NEW_LANGUAGES)
    for language in NEW_LANGUAGES:
        assert sorted(PHRASES[language]) == sorted(TEMPLATES)


# --- each message, as a native speaker writes it ---------------------------------------------


@pytest.mark.parametrize("language", NEW_LANGUAGES)
@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_every_message_reads_in_the_language_with_its_formats(name: str, language: str) -> None:
    context = sample(language)
    invoice_amount, total, pay_by = FORMATS[language]
    email = render(name, context)
    letter = render(name, context, medium="letter")

    assert email.locale.startswith(language)
    text = flat(email.subject + "\n" + email.text)
    for phrase in PHRASES[language][name]:
        assert phrase in text, (phrase, text)
    if name != "thank_you":
        assert invoice_amount in text
    if name not in ("thank_you", "owner_notification", "instalment_reminder", "missed_instalment"):
        assert total in text
    if name in ("formal_notice", "final_demand", "missed_instalment", "instalment_reminder"):
        assert pay_by in text
    shown = [email.subject, email.text]
    shown += [visible_text(part) for part in (email.html, letter.html) if part is not None]
    if name not in ("owner_notification", "call_script"):
        shown.append(render_sms(name, context))
        shown.append(visible_text(letter_html(name, context)))
    for part in shown:
        assert english_in(part) == [], (name, part)


@pytest.mark.parametrize("language", NEW_LANGUAGES)
def test_documents_are_printed_in_the_language(language: str) -> None:
    context = sample(language)
    statement = visible_text(statement_html(context))
    copy = InvoiceCopy(
        number="F-2026-0012",
        issue_date=date(2026, 1, 2),
        due_date=date(2026, 2, 1),
        currency="EUR",
        total_amount=126000,
        tax_amount=21000,
        open_amount=126000,
        po_number="PO-77",
        settlements=(Settlement("payment", "VIR-1", date(2026, 3, 1), 10000),),
    )
    invoice = visible_text(invoice_copy_html(context, copy))
    labels = _label_table()[language]

    assert labels["statement"] in statement
    assert labels["invoice_copy"] in invoice
    assert FORMATS[language][0] in flat(statement)
    assert FORMATS[language][0] in flat(invoice)
    assert english_in(statement) == []
    assert english_in(invoice) == []


@pytest.mark.parametrize("language", NEW_LANGUAGES)
def test_charges_are_described_in_the_language(language: str) -> None:
    context = sample(language)
    interest, compensation = (flat(c.words(context.locale)) for c in context.charges)
    expected = {
        "fr": ("Intérêts de retard au taux de 12,15 % l’an", "Indemnité forfaitaire"),
        "nl": ("Wettelijke handelsrente van 12,15% per jaar", "Forfaitaire vergoeding"),
        "es": ("Intereses de demora al tipo del 12,15 % anual", "Indemnización por costes"),
        "it": ("Interessi di mora al tasso del 12,15% annuo", "Risarcimento forfettario"),
    }[language]

    assert interest.startswith(expected[0])
    assert compensation.startswith(expected[1])
    assert FORMATS[language][0] in interest
    assert english_in(interest) == []
    assert english_in(compensation) == []


@pytest.mark.parametrize("language", NEW_LANGUAGES)
def test_the_portal_speaks_the_language(language: str) -> None:
    t = portal.translator(language)
    phrases = [t(key) for key, texts in portal.MESSAGES.items() if "{" not in texts["en"]]

    assert flat(portal.format_amount(126000, "EUR", language)) == FORMATS[language][0]
    assert [p for p in phrases if english_in(p)] == []


# --- which language -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("contact", "customer", "country", "expected"),
    [
        ("fr", "de", "DE", "fr"),  # the contact's language first
        ("", "fr", "BE", "fr"),  # then the customer's (a French-speaking Belgian)
        ("", "", "BE", "nl"),  # then the country: Belgium in Dutch unless set
        ("", "", "FR", "fr"),
        ("", "", "NL", "nl"),
        ("", "", "ES", "es"),
        ("", "", "IT", "it"),
        ("", "", "AT", "de"),
        ("", "", "CH", "de"),
        ("", "", "US", "en"),
        ("", "", "", "en"),
    ],
)
def test_the_language_is_the_contacts_then_the_customers_then_the_countrys(
    contact: str, customer: str, country: str, expected: str
) -> None:
    context = MessageContext(
        organisation=OrganisationInfo(name="Durand Industrie", country="GB"),
        customer=CustomerInfo(
            external_id="K-1", name="Kestrel", language=customer, country=country
        ),
        contact=ContactInfo(name="Claire Martin", language=contact),
        as_of=AS_OF,
    )

    assert choose_language(contact, customer, country=country) == expected
    assert context.language == expected
    assert context.locale.split("_")[0] == expected
    assert portal.language_of(contact or customer, country) == (
        expected if expected in portal.LANGUAGES else "en"
    )
