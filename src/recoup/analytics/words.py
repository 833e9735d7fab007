"""What the KPIs are called, in English and German, and how their figures read."""

from decimal import Decimal

from babel.numbers import format_decimal

from recoup.analytics.core import Kpi

LANGUAGES = ("en", "de")

KPI_NAMES: dict[str, dict[Kpi, str]] = {
    "en": {
        Kpi.DSO: "DSO (days)",
        Kpi.COUNTBACK_DSO: "DSO, count-back (days)",
        Kpi.BEST_DSO: "Best possible DSO (days)",
        Kpi.ADD: "Average days delinquent",
        Kpi.CEI: "Collection effectiveness (%)",
        Kpi.OVERDUE_PERCENT: "Overdue, amount (%)",
        Kpi.OVERDUE_COUNT_PERCENT: "Overdue, invoices (%)",
        Kpi.COLLECTED_PERCENT: "Collected of due (%)",
        Kpi.BAD_DEBT_PERCENT: "Written off of sales (%)",
        Kpi.DAYS_TO_PAY: "Days to pay (weighted)",
        Kpi.DAYS_LATE: "Days late (weighted)",
        Kpi.PROMISE_KEPT_PERCENT: "Promises kept (%)",
        Kpi.DISPUTE_RATE: "Disputes per 100 invoices",
        Kpi.DAYS_TO_RESOLVE: "Days to resolve a dispute",
        Kpi.AGENCY_RECOVERY_PERCENT: "Agency recovery (%)",
    },
    "de": {
        Kpi.DSO: "DSO (Tage)",
        Kpi.COUNTBACK_DSO: "DSO, Rückrechnung (Tage)",
        Kpi.BEST_DSO: "Bestmögliche DSO (Tage)",
        Kpi.ADD: "Durchschnittlicher Zahlungsverzug (Tage)",
        Kpi.CEI: "Inkasso-Effektivität (%)",
        Kpi.OVERDUE_PERCENT: "Überfällig, Betrag (%)",
        Kpi.OVERDUE_COUNT_PERCENT: "Überfällig, Rechnungen (%)",
        Kpi.COLLECTED_PERCENT: "Eingegangen vom Fälligen (%)",
        Kpi.BAD_DEBT_PERCENT: "Abgeschrieben vom Umsatz (%)",
        Kpi.DAYS_TO_PAY: "Tage bis zur Zahlung (gewichtet)",
        Kpi.DAYS_LATE: "Tage verspätet (gewichtet)",
        Kpi.PROMISE_KEPT_PERCENT: "Eingehaltene Zusagen (%)",
        Kpi.DISPUTE_RATE: "Reklamationen je 100 Rechnungen",
        Kpi.DAYS_TO_RESOLVE: "Tage bis zur Klärung einer Reklamation",
        Kpi.AGENCY_RECOVERY_PERCENT: "Inkassobüro-Erlösquote (%)",
    },
}


def kpi_name(kpi: Kpi, language: str = "en") -> str:
    """The KPI's name in ``language`` (English when there is none)."""
    return KPI_NAMES.get(language, KPI_NAMES["en"])[kpi]


def figure(value: Decimal | None, language: str = "en") -> str:
    """A KPI figure with two decimals in the language's way; a dash for none.

    >>> figure(Decimal("1234.5")), figure(Decimal("1234.5"), "de"), figure(None)
    ('1,234.50', '1.234,50', '—')
    """
    if value is None:
        return "—"
    return str(format_decimal(value, format="#,##0.00", locale=language))


REPORT_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Management report",
        "month": "Month",
        "as_of": "Figures as the ledger stood on",
        "kpis": "Key figures",
        "kpi": "Figure",
        "target": "Target",
        "actual": "Actual",
        "met": "met",
        "missed": "missed",
        "aging": "Aging by bucket over 12 months",
        "dso": "DSO against target",
        "cei": "Collection effectiveness (CEI) against target",
        "collected_vs_due": "Collected against due",
        "due": "Due",
        "collected": "Collected of due",
        "collectors": "Collectors",
        "collector": "Collector",
        "open": "Open",
        "overdue": "Overdue",
        "paid_in_month": "Paid this month",
        "promises": "Promises made",
        "accounts": "Accounts",
        "after_contact": "Paid after contact",
        "kept_of_closed": "Kept of closed",
        "within_sla": "Disputes resolved within SLA",
        "tasks_on_time": "Tasks done on time",
        "collectors_note": "Accounts: customers with money open at the month's end. Paid "
        "after contact: payments allocated when the customer had a message sent, a call, a "
        "note or a task done by a person in the 30 days before. Promises made in the month; "
        "disputes resolved in it within 14 days of being opened; tasks done in it by their "
        "due date, of those with one.",
        "disputes": "Dispute reasons this month",
        "reason": "Reason",
        "count": "Disputes",
        "amount": "Amount",
        "write_offs": "Write-offs",
        "written_off": "Written off",
        "none": "None this month.",
        "unassigned": "(unassigned)",
        "goal": "goal",
        "formulas": "DSO = ending AR / credit sales × days; CEI = (beginning AR + sales − ending "
        "AR) / (beginning AR + sales − ending current AR), with the period's sales.",
        "nothing": "Nothing invoiced or open in these months.",
        "agency": "Agency hand-offs and recoveries",
        "placed": "Placed with an agency",
        "recovered": "Recovered by agencies",
        "no_agency": "Nothing placed with or recovered by an agency in these months.",
        "forecast": "Cash forecast, next 13 weeks",
        "forecast_from": "Expected receipts per week from",
        "expected": "Expected",
        "week_from": "Week from",
        "total": "Total",
        "nothing_expected": "No receipts expected.",
        "naive_note": "No model trained yet (`recoup model train`): each invoice is "
        "predicted as late as its customer's average.",
        "trained_note": "Predicted by the organisation's trained late-payment model.",
        "backtest": "Backtest: the forecast made on",
        "backtest_forecast": "expected",
        "backtest_arrived": "arrived",
        "backtest_error": "error (sum of weekly differences over what arrived)",
        "at_risk": "Top 20 accounts at risk",
        "customer": "Customer",
        "chance_late": "Chance of paying late",
        "at_risk_amount": "Expected amount at risk",
        "at_risk_formula": "Expected amount at risk = open amount × probability of paying late.",
        "nothing_at_risk": "No open amount at risk.",
    },
    "de": {
        "title": "Managementbericht",
        "month": "Monat",
        "as_of": "Zahlen nach dem Stand des Hauptbuchs am",
        "kpis": "Kennzahlen",
        "kpi": "Kennzahl",
        "target": "Ziel",
        "actual": "Ist",
        "met": "erreicht",
        "missed": "verfehlt",
        "aging": "Altersstruktur der Forderungen über 12 Monate",
        "dso": "DSO gegenüber dem Ziel",
        "cei": "Inkasso-Effektivität (CEI) gegenüber dem Ziel",
        "collected_vs_due": "Eingegangen gegenüber fällig",
        "due": "Fällig",
        "collected": "Davon eingegangen",
        "collectors": "Sachbearbeiter",
        "collector": "Sachbearbeiter",
        "open": "Offen",
        "overdue": "Überfällig",
        "paid_in_month": "Bezahlt im Monat",
        "promises": "Zahlungszusagen",
        "accounts": "Konten",
        "after_contact": "Bezahlt nach Kontakt",
        "kept_of_closed": "Eingehalten von abgeschlossenen",
        "within_sla": "Reklamationen fristgerecht geklärt",
        "tasks_on_time": "Aufgaben fristgerecht erledigt",
        "collectors_note": "Konten: Kunden mit offenen Beträgen am Monatsende. Bezahlt nach "
        "Kontakt: Zahlungen, zugeordnet, nachdem der Kunde in den 30 Tagen davor eine "
        "Nachricht, einen Anruf, eine Notiz oder eine erledigte Aufgabe einer Person erhalten "
        "hatte. Zusagen aus dem Monat; Reklamationen, im Monat binnen 14 Tagen nach Eröffnung "
        "geklärt; Aufgaben, im Monat bis zu ihrer Fälligkeit erledigt, von denen mit einer.",
        "disputes": "Reklamationsgründe in diesem Monat",
        "reason": "Grund",
        "count": "Reklamationen",
        "amount": "Betrag",
        "write_offs": "Abschreibungen",
        "written_off": "Abgeschrieben",
        "none": "Keine in diesem Monat.",
        "unassigned": "(nicht zugeordnet)",
        "goal": "Ziel",
        "formulas": "DSO = Forderungen am Ende / Umsatz auf Ziel × Tage; CEI = (Forderungen am "
        "Anfang + Umsatz − Forderungen am Ende) / (Forderungen am Anfang + Umsatz − nicht "
        "fällige Forderungen am Ende), mit dem Umsatz des Zeitraums.",
        "nothing": "In diesen Monaten nichts fakturiert und nichts offen.",
        "agency": "Übergaben an Inkassobüros und Erlöse",
        "placed": "An Inkassobüro übergeben",
        "recovered": "Von Inkassobüros eingezogen",
        "no_agency": "In diesen Monaten nichts an ein Inkassobüro übergeben oder von ihm "
        "eingezogen.",
        "forecast": "Liquiditätsprognose, nächste 13 Wochen",
        "forecast_from": "Erwartete Zahlungseingänge je Woche ab",
        "expected": "Erwartet",
        "week_from": "Woche ab",
        "total": "Summe",
        "nothing_expected": "Keine Zahlungseingänge erwartet.",
        "naive_note": "Noch kein Modell trainiert (`recoup model train`): jede Rechnung wird "
        "so spät erwartet, wie der Kunde im Durchschnitt zahlt.",
        "trained_note": "Vorhersage des trainierten Zahlungsverzugsmodells der Organisation.",
        "backtest": "Rückblick: die Prognose vom",
        "backtest_forecast": "erwartet",
        "backtest_arrived": "eingegangen",
        "backtest_error": "Abweichung (Summe der wöchentlichen Differenzen durch das Eingegangene)",
        "at_risk": "Die 20 Konten mit dem größten Risiko",
        "customer": "Kunde",
        "chance_late": "Wahrscheinlichkeit verspäteter Zahlung",
        "at_risk_amount": "Erwarteter gefährdeter Betrag",
        "at_risk_formula": "Erwarteter gefährdeter Betrag = offener Betrag × "
        "Wahrscheinlichkeit verspäteter Zahlung.",
        "nothing_at_risk": "Kein offener Betrag gefährdet.",
    },
}

DISPUTE_REASONS: dict[str, dict[str, str]] = {
    "en": {
        "pricing": "Pricing",
        "quantity": "Quantity",
        "quality": "Quality",
        "not_received": "Not received",
        "duplicate": "Duplicate",
        "already_paid": "Already paid",
        "other": "Other",
    },
    "de": {
        "pricing": "Preis",
        "quantity": "Menge",
        "quality": "Qualität",
        "not_received": "Nicht erhalten",
        "duplicate": "Doppelt berechnet",
        "already_paid": "Bereits bezahlt",
        "other": "Sonstiges",
    },
}
