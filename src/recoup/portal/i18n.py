"""The portal's words in English and German (the customer's language).

A small catalogue rather than gettext files: the portal has a few dozen phrases and no
build step. Amounts and dates are formatted with Babel for the same locale.
"""

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_currency

from recoup import money
from recoup.charges.words import ChargeFacts, describe_charge

LANGUAGES = ("en", "de")
LOCALES = {"en": "en_GB", "de": "de_DE"}

MESSAGES: dict[str, dict[str, str]] = {
    "title": {"en": "Your account with {org}", "de": "Ihr Kundenkonto bei {org}"},
    "hello": {"en": "Statement for {customer}", "de": "Kontoauszug für {customer}"},
    "as_of": {"en": "as of {date}", "de": "Stand {date}"},
    "balance": {"en": "Balance due", "de": "Offener Saldo"},
    "overdue": {"en": "of which overdue", "de": "davon überfällig"},
    "nothing_open": {
        "en": "Nothing is open on your account. Thank you!",
        "de": "Auf Ihrem Konto ist nichts offen. Vielen Dank!",
    },
    "open_invoices": {"en": "Open invoices", "de": "Offene Rechnungen"},
    "credits": {"en": "Credits and unapplied payments", "de": "Gutschriften und Zahlungen"},
    "charges": {"en": "Interest and fees", "de": "Zinsen und Gebühren"},
    "invoice": {"en": "Invoice", "de": "Rechnung"},
    "issued": {"en": "Issued", "de": "Datum"},
    "due": {"en": "Due", "de": "Fällig"},
    "amount": {"en": "Amount", "de": "Betrag"},
    "open": {"en": "Open", "de": "Offen"},
    "days_overdue": {"en": "{days} days overdue", "de": "{days} Tage überfällig"},
    "day_overdue": {"en": "1 day overdue", "de": "1 Tag überfällig"},
    "not_due": {"en": "not yet due", "de": "noch nicht fällig"},
    "credit_note": {"en": "Credit note", "de": "Gutschrift"},
    "payment": {"en": "Payment received", "de": "Zahlungseingang"},
    "how_to_pay": {"en": "How to pay", "de": "So bezahlen Sie"},
    "bank_transfer": {
        "en": "Please pay by bank transfer to:",
        "de": "Bitte überweisen Sie auf folgendes Konto:",
    },
    "account_holder": {"en": "Account holder", "de": "Kontoinhaber"},
    "bank": {"en": "Bank", "de": "Bank"},
    "reference": {"en": "Payment reference", "de": "Verwendungszweck"},
    "qr_hint": {
        "en": "Scan with your banking app to pay {amount} by SEPA transfer.",
        "de": "Mit Ihrer Banking-App scannen, um {amount} per SEPA-Überweisung zu zahlen.",
    },
    "no_bank": {
        "en": "Please contact us for payment details.",
        "de": "Bitte kontaktieren Sie uns für die Zahlungsdaten.",
    },
    "promise_title": {"en": "Promise a payment date", "de": "Zahlungstermin zusagen"},
    "promise_intro": {
        "en": "Tell us when you will pay, and we will hold off reminders until then.",
        "de": "Teilen Sie uns mit, wann Sie zahlen – bis dahin erhalten Sie keine Mahnungen.",
    },
    "promised_on": {"en": "Payment date", "de": "Zahlungsdatum"},
    "promised_amount": {
        "en": "Amount (leave empty for the full balance)",
        "de": "Betrag (leer lassen für den gesamten Saldo)",
    },
    "comment": {"en": "Comment", "de": "Kommentar"},
    "comment_optional": {"en": "Comment (optional)", "de": "Kommentar (optional)"},
    "send_promise": {"en": "Send my promise", "de": "Zusage senden"},
    "dispute_title": {"en": "Query or dispute an invoice", "de": "Rechnung beanstanden"},
    "dispute_intro": {
        "en": "Something wrong with an invoice? Tell us and we will look into it.",
        "de": "Stimmt etwas mit einer Rechnung nicht? Sagen Sie es uns, wir prüfen das.",
    },
    "reason": {"en": "Reason", "de": "Grund"},
    "reason_not_received": {
        "en": "Goods or invoice not received",
        "de": "Ware oder Rechnung nicht erhalten",
    },
    "reason_wrong_amount": {"en": "Wrong amount or price", "de": "Falscher Betrag oder Preis"},
    "reason_goods_or_service": {
        "en": "Problem with goods or service",
        "de": "Mangel an Ware oder Leistung",
    },
    "reason_already_paid": {"en": "Already paid", "de": "Bereits bezahlt"},
    "reason_no_purchase_order": {
        "en": "Purchase order missing or wrong",
        "de": "Bestellnummer fehlt oder ist falsch",
    },
    "reason_other": {"en": "Other", "de": "Sonstiges"},
    "send_dispute": {"en": "Send my query", "de": "Beanstandung senden"},
    "feedback_title": {"en": "Message to our credit team", "de": "Nachricht an unsere Buchhaltung"},
    "message": {"en": "Your message", "de": "Ihre Nachricht"},
    "send_feedback": {"en": "Send message", "de": "Nachricht senden"},
    "thanks_promise": {
        "en": "Thank you. We have noted your promise to pay on {date}.",
        "de": "Vielen Dank. Wir haben Ihre Zahlungszusage für den {date} notiert.",
    },
    "thanks_promise_pending": {
        "en": "Thank you. You have already promised to pay on {pending}, and that promise "
        "stands. We have passed your new date, {date}, to our credit team, who will contact "
        "you to agree it.",
        "de": "Vielen Dank. Sie haben bereits eine Zahlung zum {pending} zugesagt; diese "
        "Zusage bleibt bestehen. Ihren neuen Termin, den {date}, haben wir an unsere "
        "Buchhaltung weitergegeben, die sich mit Ihnen in Verbindung setzt, um ihn "
        "abzustimmen.",
        # Ready for the portal's further languages (they sit in TRANSLATIONS elsewhere).
        "fr": "Merci. Vous vous êtes déjà engagé à payer le {pending}, et cet engagement est "
        "maintenu. Nous avons transmis votre nouvelle date, le {date}, à notre service crédit, "
        "qui vous contactera pour la convenir.",
        "nl": "Hartelijk dank. U hebt al toegezegd op {pending} te betalen en die toezegging "
        "blijft staan. Wij hebben uw nieuwe datum, {date}, doorgegeven aan onze "
        "debiteurenafdeling, die contact met u opneemt om die af te spreken.",
        "es": "Muchas gracias. Ya se comprometió a pagar el {pending} y ese compromiso se "
        "mantiene. Hemos trasladado su nueva fecha, el {date}, a nuestro departamento de "
        "crédito, que se pondrá en contacto con usted para acordarla.",
        "it": "Grazie. Si è già impegnato a pagare entro il {pending} e tale impegno resta "
        "valido. Abbiamo trasmesso la Sua nuova data, il {date}, al nostro ufficio crediti, "
        "che La contatterà per concordarla.",
    },
    "thanks_promise_review": {
        "en": "Thank you. Your invoices are already covered by an arrangement with us, so "
        "this has not been recorded as a new promise. We have passed your date, {date}, to "
        "our credit team, who will contact you.",
        "de": "Vielen Dank. Für Ihre Rechnungen besteht bereits eine Vereinbarung mit uns, "
        "daher wurde dies nicht als neue Zahlungszusage erfasst. Ihren Termin, den {date}, "
        "haben wir an unsere Buchhaltung weitergegeben, die sich mit Ihnen in Verbindung "
        "setzt.",
        "fr": "Merci. Vos factures font déjà l’objet d’un arrangement avec nous ; ceci n’a donc "
        "pas été enregistré comme un nouvel engagement. Nous avons transmis votre date, le "
        "{date}, à notre service crédit, qui vous contactera.",
        "nl": "Hartelijk dank. Voor uw facturen bestaat al een regeling met ons, daarom is dit "
        "niet als nieuwe toezegging vastgelegd. Wij hebben uw datum, {date}, doorgegeven aan "
        "onze debiteurenafdeling, die contact met u opneemt.",
        "es": "Muchas gracias. Sus facturas ya están cubiertas por un acuerdo con nosotros, por "
        "lo que esto no se ha registrado como un nuevo compromiso. Hemos trasladado su fecha, "
        "el {date}, a nuestro departamento de crédito, que se pondrá en contacto con usted.",
        "it": "Grazie. Le Sue fatture sono già coperte da un accordo con noi, quindi questo non "
        "è stato registrato come nuovo impegno. Abbiamo trasmesso la Sua data, il {date}, al "
        "nostro ufficio crediti, che La contatterà.",
    },
    "thanks_dispute": {
        "en": "Thank you. We have received your query about invoice {number} and will reply soon.",
        "de": "Vielen Dank. Wir haben Ihre Beanstandung zu Rechnung {number} erhalten "
        "und melden uns bald.",
    },
    "thanks_feedback": {
        "en": "Thank you for your message.",
        "de": "Vielen Dank für Ihre Nachricht.",
    },
    "fix_errors": {
        "en": "Please check the highlighted field.",
        "de": "Bitte prüfen Sie das markierte Feld.",
    },
    "err_promised_on": {
        "en": "Please choose a date from today up to six months ahead.",
        "de": "Bitte wählen Sie ein Datum ab heute bis in sechs Monaten.",
    },
    "err_amount": {
        "en": "Please enter an amount such as 1250.00, at most the balance.",
        "de": "Bitte einen Betrag wie 1250,00 eingeben, höchstens den Saldo.",
    },
    "err_too_many": {
        "en": "We have received many messages from you in the last hour. Please try again "
        "later, or call us.",
        "de": "Wir haben in der letzten Stunde viele Nachrichten von Ihnen erhalten. Bitte "
        "versuchen Sie es später noch einmal oder rufen Sie uns an.",
    },
    "err_comment": {
        "en": "Please write a few words (at most 2000 characters).",
        "de": "Bitte schreiben Sie ein paar Worte (höchstens 2000 Zeichen).",
    },
    "err_invoice": {
        "en": "Please choose one of your open invoices.",
        "de": "Bitte wählen Sie eine Ihrer offenen Rechnungen.",
    },
    "err_reason": {"en": "Please choose a reason.", "de": "Bitte wählen Sie einen Grund."},
    "choose": {"en": "Choose…", "de": "Bitte wählen…"},
    "contact_us": {"en": "Questions? Contact us:", "de": "Fragen? Kontaktieren Sie uns:"},
    "secure_link": {
        "en": "This page is reached through a personal link valid until {date}. Do not forward it.",
        "de": "Diese Seite ist über einen persönlichen Link bis {date} erreichbar. "
        "Bitte nicht weitergeben.",
    },
    "language": {"en": "Deutsch", "de": "English"},
    "invalid_title": {"en": "This link cannot be used", "de": "Dieser Link ist nicht gültig"},
    "invalid_body": {
        "en": "The link may have expired or been replaced by a newer one. Please use the "
        "link in our latest message, or contact the company that sent it to you.",
        "de": "Der Link ist abgelaufen oder wurde durch einen neueren ersetzt. Bitte "
        "verwenden Sie den Link aus unserer letzten Nachricht oder wenden Sie sich an das "
        "Unternehmen, das ihn Ihnen geschickt hat.",
    },
    "your_requests": {"en": "What you told us", "de": "Ihre Mitteilungen"},
    "kind_promise": {"en": "Promise to pay on {date}", "de": "Zahlungszusage für {date}"},
    "kind_dispute": {
        "en": "Query about invoice {number}",
        "de": "Beanstandung zu Rechnung {number}",
    },
    "kind_feedback": {"en": "Message", "de": "Nachricht"},
    "download_statement": {
        "en": "Download statement (PDF)",
        "de": "Kontoauszug herunterladen (PDF)",
    },
    "invoice_pdf": {"en": "Invoice {number} as PDF", "de": "Rechnung {number} als PDF"},
    "pay_online": {"en": "Pay online: {amount}", "de": "Online bezahlen: {amount}"},
    "pay_online_hint": {
        "en": "You will be taken to our payment provider's secure page.",
        "de": "Sie werden zur sicheren Seite unseres Zahlungsdienstleisters weitergeleitet.",
    },
    "sort_code": {"en": "Sort code", "de": "Bankleitzahl (Sort Code)"},
    "account_number": {"en": "Account number", "de": "Kontonummer"},
    "routing_number": {"en": "Routing number (ABA)", "de": "Routing-Nummer (ABA)"},
    "or_bank_transfer": {
        "en": "Or pay by bank transfer to:",
        "de": "Oder überweisen Sie auf folgendes Konto:",
    },
    "missing_title": {
        "en": "This invoice is not available",
        "de": "Diese Rechnung ist nicht verfügbar",
    },
    "missing_body": {
        "en": "It is not one of the open invoices on your account; it may have been paid "
        "or credited in the meantime. Your account page shows everything that is open.",
        "de": "Sie gehört nicht zu den offenen Rechnungen Ihres Kontos; vielleicht wurde sie "
        "inzwischen bezahlt oder gutgeschrieben. Ihre Kontoseite zeigt alles, was offen ist.",
    },
    "back_to_account": {"en": "Back to your account", "de": "Zurück zu Ihrem Konto"},
}

Translate = Callable[..., str]


def language_of(code: str | None) -> str:
    """The portal language for a customer's language code (German or else English).

    >>> language_of("de-AT"), language_of("fr"), language_of(None)
    ('de', 'en', 'en')
    """
    base = (code or "en").split("-")[0].split("_")[0].lower()
    return base if base in LANGUAGES else "en"


def translator(language: str) -> Translate:
    """``t(key, **values)`` in ``language``; English when a phrase has no translation.

    >>> translator("de")("days_overdue", days=12)
    '12 Tage überfällig'
    """

    def translate(key: str, **values: object) -> str:
        phrases = MESSAGES[key]
        return phrases.get(language, phrases["en"]).format(**values)

    return translate


def format_amount(minor: int, currency: str, language: str) -> str:
    """Minor units as a localised amount with its currency.

    >>> format_amount(123450, "EUR", "de")
    '1.234,50\\xa0€'
    >>> format_amount(123450, "GBP", "en")
    '£1,234.50'
    """
    amount: Decimal = money.from_minor(minor, currency)
    return str(format_currency(amount, currency, locale=LOCALES[language]))


def format_day(day: date, language: str) -> str:
    """A date the way the customer writes it.

    >>> format_day(date(2026, 3, 5), "de"), format_day(date(2026, 3, 5), "en")
    ('05.03.2026', '5 Mar 2026')
    """
    return str(format_date(day, format="medium", locale=LOCALES[language]))


def charge_words(facts: ChargeFacts | None, fallback: str, language: str) -> str:
    """A charge as the customer reads it, in ``language`` (``recoup.charges.words``);
    ``fallback`` when its facts are not known."""
    return describe_charge(facts, LOCALES[language]) if facts is not None else fallback
