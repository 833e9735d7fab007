"""The portal's words in the customer's language: English, German, French, Dutch,
Spanish and Italian.

A small catalogue rather than gettext files: the portal has a few dozen phrases and no
build step. English and German sit beside each other in ``MESSAGES``; every further
language is one dictionary in ``TRANSLATIONS`` (a test fails when one lacks a phrase).
Amounts and dates are formatted with Babel for the same locale.
"""

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_currency

from recoup import money
from recoup.charges.words import ChargeFacts, describe_charge
from recoup.languages import base_language, choose_language

LOCALES = {"en": "en_GB", "de": "de_DE"}
#: Each language named in itself, for the page's language links.
LANGUAGE_NAMES = {"en": "English", "de": "Deutsch"}

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
    "language": {"en": "Language", "de": "Sprache"},
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
    "pay_selected": {
        "en": "Pay the ticked invoices online",
        "de": "Angekreuzte Rechnungen online bezahlen",
    },
    "thanks_paid": {
        "en": "Thank you for your payment. It will show on your account as soon as our "
        "payment provider confirms it.",
        "de": "Vielen Dank für Ihre Zahlung. Sie erscheint auf Ihrem Konto, sobald unser "
        "Zahlungsdienstleister sie bestätigt.",
    },
    "err_pay": {
        "en": "The online payment could not be started. Please try again later or pay by "
        "bank transfer.",
        "de": "Die Online-Zahlung konnte nicht gestartet werden. Bitte versuchen Sie es "
        "später noch einmal oder zahlen Sie per Überweisung.",
    },
}

#: French: formal register (vous), as a French credit team writes to a customer.
FRENCH: dict[str, str] = {
    "title": "Votre compte client chez {org}",
    "hello": "Relevé de compte de {customer}",
    "as_of": "au {date}",
    "balance": "Solde à régler",
    "overdue": "dont échu",
    "nothing_open": "Aucune somme n’est due sur votre compte. Merci !",
    "open_invoices": "Factures non réglées",
    "credits": "Avoirs et paiements non affectés",
    "charges": "Pénalités et frais",
    "invoice": "Facture",
    "issued": "Émise le",
    "due": "Échéance",
    "amount": "Montant",
    "open": "Restant dû",
    "days_overdue": "échue depuis {days} jours",
    "day_overdue": "échue depuis 1 jour",
    "not_due": "non échue",
    "credit_note": "Avoir",
    "payment": "Paiement reçu",
    "how_to_pay": "Modalités de paiement",
    "bank_transfer": "Merci de régler par virement sur le compte suivant :",
    "account_holder": "Titulaire du compte",
    "bank": "Banque",
    "reference": "Référence à rappeler",
    "qr_hint": "Scannez ce code avec votre application bancaire pour payer {amount} "
    "par virement SEPA.",
    "no_bank": "Veuillez nous contacter pour obtenir nos coordonnées bancaires.",
    "promise_title": "Nous indiquer une date de paiement",
    "promise_intro": "Indiquez-nous à quelle date vous réglerez ; nous suspendrons nos "
    "relances jusque-là.",
    "promised_on": "Date de paiement",
    "promised_amount": "Montant (laisser vide pour la totalité du solde)",
    "comment": "Commentaire",
    "comment_optional": "Commentaire (facultatif)",
    "send_promise": "Envoyer mon engagement",
    "dispute_title": "Contester une facture ou poser une question",
    "dispute_intro": "Une facture vous semble inexacte ? Signalez-le-nous et nous l’examinerons.",
    "reason": "Motif",
    "reason_not_received": "Marchandise ou facture non reçue",
    "reason_wrong_amount": "Montant ou prix erroné",
    "reason_goods_or_service": "Problème de marchandise ou de prestation",
    "reason_already_paid": "Déjà réglée",
    "reason_no_purchase_order": "Numéro de bon de commande manquant ou erroné",
    "reason_other": "Autre",
    "send_dispute": "Envoyer ma réclamation",
    "feedback_title": "Message à notre service recouvrement",
    "message": "Votre message",
    "send_feedback": "Envoyer le message",
    "thanks_promise": "Merci. Nous avons bien noté votre engagement de paiement au {date}.",
    "thanks_dispute": "Merci. Nous avons bien reçu votre réclamation concernant la facture "
    "{number} et vous répondrons rapidement.",
    "thanks_feedback": "Merci pour votre message.",
    "fix_errors": "Veuillez vérifier le champ signalé.",
    "err_promised_on": "Veuillez choisir une date comprise entre aujourd’hui et six mois.",
    "err_amount": "Veuillez saisir un montant tel que 1250,00, au plus égal au solde.",
    "err_too_many": "Nous avons reçu de nombreux messages de votre part au cours de la "
    "dernière heure. Veuillez réessayer plus tard ou nous appeler.",
    "err_comment": "Veuillez écrire quelques mots (2000 caractères au maximum).",
    "err_invoice": "Veuillez choisir l’une de vos factures non réglées.",
    "err_reason": "Veuillez choisir un motif.",
    "choose": "Choisir…",
    "contact_us": "Une question ? Contactez-nous :",
    "secure_link": "Cette page est accessible par un lien personnel valable jusqu’au {date}. "
    "Merci de ne pas le transmettre.",
    "language": "Langue",
    "invalid_title": "Ce lien n’est plus valable",
    "invalid_body": "Le lien a peut-être expiré ou été remplacé par un lien plus récent. "
    "Veuillez utiliser le lien de notre dernier message ou contacter l’entreprise qui vous "
    "l’a envoyé.",
    "your_requests": "Vos messages",
    "kind_promise": "Engagement de paiement au {date}",
    "kind_dispute": "Réclamation concernant la facture {number}",
    "kind_feedback": "Message",
    "download_statement": "Télécharger le relevé de compte (PDF)",
    "invoice_pdf": "Facture {number} en PDF",
    "pay_online": "Payer en ligne : {amount}",
    "pay_online_hint": "Vous serez redirigé vers la page sécurisée de notre prestataire de "
    "paiement.",
    "sort_code": "Code guichet britannique (sort code)",
    "account_number": "Numéro de compte",
    "routing_number": "Numéro de routage (ABA)",
    "or_bank_transfer": "Ou réglez par virement sur le compte suivant :",
    "missing_title": "Cette facture n’est pas disponible",
    "missing_body": "Elle ne figure pas parmi les factures non réglées de votre compte ; "
    "elle a peut-être été payée ou annulée par un avoir entre-temps. La page de votre compte "
    "présente tout ce qui reste dû.",
    "back_to_account": "Retour à votre compte",
    "pay_selected": "Payer en ligne les factures cochées",
    "thanks_paid": "Merci pour votre paiement. Il apparaîtra sur votre compte dès que notre "
    "prestataire de paiement l’aura confirmé.",
    "err_pay": "Le paiement en ligne n’a pas pu être lancé. Veuillez réessayer plus tard ou "
    "payer par virement.",
}

#: Dutch: the u-form, as a Dutch or Flemish credit team writes to a customer.
DUTCH: dict[str, str] = {
    "title": "Uw klantrekening bij {org}",
    "hello": "Rekeningoverzicht voor {customer}",
    "as_of": "per {date}",
    "balance": "Te betalen saldo",
    "overdue": "waarvan vervallen",
    "nothing_open": "Er staat niets open op uw rekening. Hartelijk dank!",
    "open_invoices": "Openstaande facturen",
    "credits": "Creditnota’s en niet-toegewezen betalingen",
    "charges": "Rente en kosten",
    "invoice": "Factuur",
    "issued": "Datum",
    "due": "Vervaldatum",
    "amount": "Bedrag",
    "open": "Openstaand",
    "days_overdue": "{days} dagen te laat",
    "day_overdue": "1 dag te laat",
    "not_due": "nog niet vervallen",
    "credit_note": "Creditnota",
    "payment": "Ontvangen betaling",
    "how_to_pay": "Zo betaalt u",
    "bank_transfer": "Maak het bedrag over naar:",
    "account_holder": "Rekeninghouder",
    "bank": "Bank",
    "reference": "Betalingskenmerk",
    "qr_hint": "Scan met uw bankapp om {amount} via een SEPA-overboeking te betalen.",
    "no_bank": "Neem contact met ons op voor de betaalgegevens.",
    "promise_title": "Een betaaldatum doorgeven",
    "promise_intro": "Laat ons weten wanneer u betaalt; tot die datum sturen wij u geen "
    "herinneringen.",
    "promised_on": "Betaaldatum",
    "promised_amount": "Bedrag (leeg laten voor het volledige saldo)",
    "comment": "Opmerking",
    "comment_optional": "Opmerking (optioneel)",
    "send_promise": "Toezegging versturen",
    "dispute_title": "Een factuur betwisten of een vraag stellen",
    "dispute_intro": "Klopt er iets niet aan een factuur? Laat het ons weten, dan zoeken wij "
    "het uit.",
    "reason": "Reden",
    "reason_not_received": "Goederen of factuur niet ontvangen",
    "reason_wrong_amount": "Verkeerd bedrag of verkeerde prijs",
    "reason_goods_or_service": "Probleem met de goederen of de dienst",
    "reason_already_paid": "Al betaald",
    "reason_no_purchase_order": "Ordernummer ontbreekt of is onjuist",
    "reason_other": "Anders",
    "send_dispute": "Vraag versturen",
    "feedback_title": "Bericht aan onze afdeling Debiteurenbeheer",
    "message": "Uw bericht",
    "send_feedback": "Bericht versturen",
    "thanks_promise": "Hartelijk dank. Wij hebben uw betalingstoezegging voor {date} genoteerd.",
    "thanks_dispute": "Hartelijk dank. Wij hebben uw vraag over factuur {number} ontvangen "
    "en reageren zo snel mogelijk.",
    "thanks_feedback": "Hartelijk dank voor uw bericht.",
    "fix_errors": "Controleer het gemarkeerde veld.",
    "err_promised_on": "Kies een datum vanaf vandaag tot uiterlijk zes maanden vooruit.",
    "err_amount": "Vul een bedrag in zoals 1250,00, ten hoogste het saldo.",
    "err_too_many": "Wij hebben het afgelopen uur veel berichten van u ontvangen. Probeer het "
    "later opnieuw of bel ons.",
    "err_comment": "Schrijf een paar woorden (ten hoogste 2000 tekens).",
    "err_invoice": "Kies een van uw openstaande facturen.",
    "err_reason": "Kies een reden.",
    "choose": "Kies…",
    "contact_us": "Vragen? Neem contact met ons op:",
    "secure_link": "Deze pagina opent via een persoonlijke link die geldig is tot {date}. "
    "Stuur deze niet door.",
    "language": "Taal",
    "invalid_title": "Deze link is niet meer geldig",
    "invalid_body": "De link is mogelijk verlopen of vervangen door een nieuwere. Gebruik de "
    "link uit ons laatste bericht, of neem contact op met het bedrijf dat hem u heeft "
    "gestuurd.",
    "your_requests": "Wat u ons liet weten",
    "kind_promise": "Betalingstoezegging voor {date}",
    "kind_dispute": "Vraag over factuur {number}",
    "kind_feedback": "Bericht",
    "download_statement": "Rekeningoverzicht downloaden (pdf)",
    "invoice_pdf": "Factuur {number} als pdf",
    "pay_online": "Online betalen: {amount}",
    "pay_online_hint": "U wordt doorgestuurd naar de beveiligde pagina van onze "
    "betaaldienstverlener.",
    "sort_code": "Britse bankcode (sort code)",
    "account_number": "Rekeningnummer",
    "routing_number": "Routingnummer (ABA)",
    "or_bank_transfer": "Of maak het bedrag over naar:",
    "missing_title": "Deze factuur is niet beschikbaar",
    "missing_body": "Zij staat niet tussen de openstaande facturen van uw rekening; "
    "misschien is zij intussen betaald of gecrediteerd. Uw rekeningpagina toont alles wat "
    "nog openstaat.",
    "back_to_account": "Terug naar uw rekening",
    "pay_selected": "Aangevinkte facturen online betalen",
    "thanks_paid": "Hartelijk dank voor uw betaling. Zij verschijnt op uw rekening zodra onze "
    "betaaldienstverlener haar bevestigt.",
    "err_pay": "De online betaling kon niet worden gestart. Probeer het later opnieuw of "
    "betaal per overschrijving.",
}

#: Spanish: "usted", as a Spanish credit team writes to a customer.
SPANISH: dict[str, str] = {
    "title": "Su cuenta de cliente en {org}",
    "hello": "Extracto de cuenta de {customer}",
    "as_of": "a {date}",
    "balance": "Saldo pendiente",
    "overdue": "del que está vencido",
    "nothing_open": "No tiene importes pendientes en su cuenta. ¡Muchas gracias!",
    "open_invoices": "Facturas pendientes",
    "credits": "Abonos y cobros sin aplicar",
    "charges": "Intereses y gastos",
    "invoice": "Factura",
    "issued": "Fecha",
    "due": "Vencimiento",
    "amount": "Importe",
    "open": "Pendiente",
    "days_overdue": "{days} días de retraso",
    "day_overdue": "1 día de retraso",
    "not_due": "no vencida",
    "credit_note": "Abono",
    "payment": "Cobro recibido",
    "how_to_pay": "Cómo pagar",
    "bank_transfer": "Le rogamos que pague por transferencia a:",
    "account_holder": "Titular de la cuenta",
    "bank": "Banco",
    "reference": "Concepto",
    "qr_hint": "Escanee el código con la aplicación de su banco para pagar {amount} por "
    "transferencia SEPA.",
    "no_bank": "Póngase en contacto con nosotros para conocer los datos de pago.",
    "promise_title": "Indicar una fecha de pago",
    "promise_intro": "Indíquenos cuándo pagará y hasta entonces no le enviaremos recordatorios.",
    "promised_on": "Fecha de pago",
    "promised_amount": "Importe (déjelo en blanco para el saldo total)",
    "comment": "Comentario",
    "comment_optional": "Comentario (opcional)",
    "send_promise": "Enviar mi compromiso",
    "dispute_title": "Reclamar una factura o hacer una consulta",
    "dispute_intro": "¿Hay algún error en una factura? Indíquenoslo y lo revisaremos.",
    "reason": "Motivo",
    "reason_not_received": "Mercancía o factura no recibida",
    "reason_wrong_amount": "Importe o precio incorrecto",
    "reason_goods_or_service": "Problema con la mercancía o el servicio",
    "reason_already_paid": "Ya pagada",
    "reason_no_purchase_order": "Falta el número de pedido o es incorrecto",
    "reason_other": "Otro",
    "send_dispute": "Enviar mi reclamación",
    "feedback_title": "Mensaje a nuestro departamento de cobros",
    "message": "Su mensaje",
    "send_feedback": "Enviar mensaje",
    "thanks_promise": "Muchas gracias. Hemos registrado su compromiso de pago para el {date}.",
    "thanks_dispute": "Muchas gracias. Hemos recibido su reclamación sobre la factura "
    "{number} y le responderemos en breve.",
    "thanks_feedback": "Muchas gracias por su mensaje.",
    "fix_errors": "Revise el campo señalado.",
    "err_promised_on": "Elija una fecha entre hoy y dentro de seis meses.",
    "err_amount": "Indique un importe como 1250,00, como máximo el saldo.",
    "err_too_many": "Hemos recibido muchos mensajes suyos en la última hora. Vuelva a "
    "intentarlo más tarde o llámenos.",
    "err_comment": "Escriba unas palabras (2000 caracteres como máximo).",
    "err_invoice": "Elija una de sus facturas pendientes.",
    "err_reason": "Elija un motivo.",
    "choose": "Elegir…",
    "contact_us": "¿Tiene alguna pregunta? Contacte con nosotros:",
    "secure_link": "Accede a esta página mediante un enlace personal válido hasta el {date}. "
    "No lo reenvíe.",
    "language": "Idioma",
    "invalid_title": "Este enlace ya no es válido",
    "invalid_body": "Es posible que el enlace haya caducado o se haya sustituido por otro más "
    "reciente. Utilice el enlace de nuestro último mensaje o póngase en contacto con la "
    "empresa que se lo envió.",
    "your_requests": "Lo que nos ha comunicado",
    "kind_promise": "Compromiso de pago para el {date}",
    "kind_dispute": "Reclamación sobre la factura {number}",
    "kind_feedback": "Mensaje",
    "download_statement": "Descargar el extracto de cuenta (PDF)",
    "invoice_pdf": "Factura {number} en PDF",
    "pay_online": "Pagar en línea: {amount}",
    "pay_online_hint": "Se le redirigirá a la página segura de nuestro proveedor de pagos.",
    "sort_code": "Código bancario británico (sort code)",
    "account_number": "Número de cuenta",
    "routing_number": "Número de ruta (ABA)",
    "or_bank_transfer": "O pague por transferencia a:",
    "missing_title": "Esta factura no está disponible",
    "missing_body": "No figura entre las facturas pendientes de su cuenta; puede que se haya "
    "pagado o abonado entretanto. La página de su cuenta muestra todo lo pendiente.",
    "back_to_account": "Volver a su cuenta",
    "pay_selected": "Pagar en línea las facturas marcadas",
    "thanks_paid": "Gracias por su pago. Aparecerá en su cuenta en cuanto nuestro proveedor "
    "de pagos lo confirme.",
    "err_pay": "No se pudo iniciar el pago en línea. Inténtelo de nuevo más tarde o pague "
    "por transferencia.",
}

#: Italian: the courtesy form "Lei", as an Italian credit team writes to a customer.
ITALIAN: dict[str, str] = {
    "title": "Il Suo conto cliente presso {org}",
    "hello": "Estratto conto di {customer}",
    "as_of": "al {date}",
    "balance": "Saldo da pagare",
    "overdue": "di cui scaduto",
    "nothing_open": "Sul Suo conto non risulta nulla da pagare. Grazie!",
    "open_invoices": "Fatture da pagare",
    "credits": "Note di credito e pagamenti non abbinati",
    "charges": "Interessi e spese",
    "invoice": "Fattura",
    "issued": "Data",
    "due": "Scadenza",
    "amount": "Importo",
    "open": "Da pagare",
    "days_overdue": "{days} giorni di ritardo",
    "day_overdue": "1 giorno di ritardo",
    "not_due": "non ancora scaduta",
    "credit_note": "Nota di credito",
    "payment": "Pagamento ricevuto",
    "how_to_pay": "Come pagare",
    "bank_transfer": "La preghiamo di pagare con bonifico a:",
    "account_holder": "Intestatario del conto",
    "bank": "Banca",
    "reference": "Causale",
    "qr_hint": "Inquadri il codice con l’app della Sua banca per pagare {amount} con bonifico "
    "SEPA.",
    "no_bank": "La preghiamo di contattarci per le coordinate di pagamento.",
    "promise_title": "Comunicare una data di pagamento",
    "promise_intro": "Ci indichi quando pagherà: fino ad allora non Le invieremo solleciti.",
    "promised_on": "Data di pagamento",
    "promised_amount": "Importo (lasciare vuoto per l’intero saldo)",
    "comment": "Commento",
    "comment_optional": "Commento (facoltativo)",
    "send_promise": "Invia il mio impegno",
    "dispute_title": "Contestare una fattura o fare una domanda",
    "dispute_intro": "C’è qualcosa che non va in una fattura? Ce lo segnali e verificheremo.",
    "reason": "Motivo",
    "reason_not_received": "Merce o fattura non ricevuta",
    "reason_wrong_amount": "Importo o prezzo errato",
    "reason_goods_or_service": "Problema con la merce o il servizio",
    "reason_already_paid": "Già pagata",
    "reason_no_purchase_order": "Numero d’ordine mancante o errato",
    "reason_other": "Altro",
    "send_dispute": "Invia la mia contestazione",
    "feedback_title": "Messaggio al nostro Ufficio Crediti",
    "message": "Il Suo messaggio",
    "send_feedback": "Invia il messaggio",
    "thanks_promise": "Grazie. Abbiamo registrato il Suo impegno a pagare entro il {date}.",
    "thanks_dispute": "Grazie. Abbiamo ricevuto la Sua contestazione sulla fattura {number} "
    "e Le risponderemo al più presto.",
    "thanks_feedback": "Grazie per il Suo messaggio.",
    "fix_errors": "La preghiamo di verificare il campo evidenziato.",
    "err_promised_on": "Scelga una data compresa tra oggi e i prossimi sei mesi.",
    "err_amount": "Inserisca un importo come 1250,00, non superiore al saldo.",
    "err_too_many": "Nell’ultima ora abbiamo ricevuto molti messaggi da parte Sua. La "
    "preghiamo di riprovare più tardi o di telefonarci.",
    "err_comment": "Scriva qualche parola (al massimo 2000 caratteri).",
    "err_invoice": "Scelga una delle Sue fatture da pagare.",
    "err_reason": "Scelga un motivo.",
    "choose": "Scegliere…",
    "contact_us": "Domande? Ci contatti:",
    "secure_link": "Questa pagina è raggiungibile tramite un link personale valido fino al "
    "{date}. La preghiamo di non inoltrarlo.",
    "language": "Lingua",
    "invalid_title": "Questo link non è più valido",
    "invalid_body": "Il link potrebbe essere scaduto o essere stato sostituito da uno più "
    "recente. Utilizzi il link del nostro ultimo messaggio o contatti l’azienda che glielo "
    "ha inviato.",
    "your_requests": "Le Sue comunicazioni",
    "kind_promise": "Impegno di pagamento entro il {date}",
    "kind_dispute": "Contestazione della fattura {number}",
    "kind_feedback": "Messaggio",
    "download_statement": "Scarica l’estratto conto (PDF)",
    "invoice_pdf": "Fattura {number} in PDF",
    "pay_online": "Paga online: {amount}",
    "pay_online_hint": "Sarà indirizzato alla pagina sicura del nostro fornitore di "
    "servizi di pagamento.",
    "sort_code": "Codice bancario britannico (sort code)",
    "account_number": "Numero di conto",
    "routing_number": "Codice ABA",
    "or_bank_transfer": "Oppure paghi con bonifico a:",
    "missing_title": "Questa fattura non è disponibile",
    "missing_body": "Non è tra le fatture da pagare del Suo conto; potrebbe essere stata "
    "pagata o stornata con nota di credito nel frattempo. La pagina del Suo conto mostra "
    "tutto ciò che resta da pagare.",
    "back_to_account": "Torna al Suo conto",
    "pay_selected": "Paga online le fatture selezionate",
    "thanks_paid": "La ringraziamo per il Suo pagamento. Comparirà sul Suo conto non appena "
    "il nostro fornitore di pagamenti lo avrà confermato.",
    "err_pay": "Non è stato possibile avviare il pagamento online. La preghiamo di riprovare "
    "più tardi o di pagare con bonifico.",
}

#: Every language beyond English and German: its phrases, its name, its locale.
TRANSLATIONS: dict[str, tuple[str, str, dict[str, str]]] = {
    "fr": ("Français", "fr_FR", FRENCH),
    "nl": ("Nederlands", "nl_NL", DUTCH),
    "es": ("Español", "es_ES", SPANISH),
    "it": ("Italiano", "it_IT", ITALIAN),
}
for _code, (_name, _locale, _phrases) in TRANSLATIONS.items():
    LANGUAGE_NAMES[_code] = _name
    LOCALES[_code] = _locale
    for _key, _text in _phrases.items():
        MESSAGES[_key][_code] = _text

LANGUAGES = tuple(LANGUAGE_NAMES)


Translate = Callable[..., str]


def language_of(code: str | None, country: str | None = "") -> str:
    """The portal language for a customer's language code, else for their country
    (``recoup.languages.choose_language``); English when the portal has no such language.

    >>> language_of("de-AT"), language_of("fr"), language_of(None), language_of("pt")
    ('de', 'fr', 'en', 'en')
    >>> language_of("", country="FR"), language_of("de", country="FR")
    ('fr', 'de')
    >>> language_of("", country="BE"), language_of("fr", country="BE")
    ('nl', 'fr')
    """
    base = base_language(choose_language(code, country=country))
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
