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
