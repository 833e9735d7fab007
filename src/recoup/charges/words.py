"""A charge in the customer's words: the one place that says what a charge is.

Charges are stored with an engine description ("GB: boe_base + 8 points, fixed for the
life of the debt") that suits the credit team and the audit trail, not the customer.
Every message, document and portal page that shows a charge to a customer writes it
with ``describe_charge``, in the customer's language, with Babel formatting the rates,
amounts and dates for the customer's locale:

>>> from textwrap import fill
>>> interest = ChargeFacts(
...     kind="interest", currency="GBP", invoice_number="INV-1",
...     period_start=date(2023, 7, 11), period_end=date(2024, 3, 31),
...     periods=(RatePeriod(date(2023, 7, 11), date(2024, 3, 31), Decimal("999.99"),
...                         Decimal("13.00"), "boe_base", Decimal("5.00"), Decimal(8)),),
... )
>>> print(fill(describe_charge(interest, "en_GB"), 80))
Statutory interest at 13.00% a year — Bank of England base rate 5.00% plus 8% —
on £999.99 from 11 July 2023 to 31 March 2024 (invoice INV-1)
>>> print(fill(describe_charge(interest, "de_DE").replace("\\xa0", " "), 80))
Verzugszinsen von 13,00 % p. a. (8 Prozentpunkte über dem Leitzins der Bank of
England von 5,00 %) auf 999,99 £ vom 11. Juli 2023 bis 31. März 2024 (Rechnung
INV-1)

The facts come from a stored charge (``facts_from_charge``: its kind, period and the
details the charges service recorded). What cannot be read from them is left out, never
shown raw: the worst a customer reads is "Late-payment interest from … to …".

The function is pure: no database, no clock.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal, format_percent

from recoup.charges.core import InterestExplanation

DEFAULT_LANGUAGE = "en"


@dataclass(frozen=True, slots=True)
class RatePeriod:
    """Days of interest at one rate on one amount.

    ``reference`` names the reference-rate table (``boe_base``, ``ecb_mro``,
    ``de_basiszins``, ...) with ``reference_percent`` and ``margin_points`` when the
    statute set the rate; all three are empty for a contract rate (``contractual``).
    """

    start: date
    end: date
    base: Decimal  # the open amount that earned interest, in major units
    rate_percent: Decimal
    reference: str = ""
    reference_percent: Decimal | None = None
    margin_points: Decimal | None = None
    rounded_up: bool = False  # reference + margin rounded up to a half point (Belgium)
    contractual: bool = False


@dataclass(frozen=True, slots=True)
class ChargeFacts:
    """What a customer needs to know about one charge, as plain data.

    ``kind`` is ``interest``, ``compensation`` or ``late_fee``; ``base`` is the debt a
    compensation or a percentage fee was worked out on, ``fee_percent`` the fee's rate.
    """

    kind: str
    currency: str
    invoice_number: str = ""
    period_start: date | None = None
    period_end: date | None = None
    periods: tuple[RatePeriod, ...] = ()
    base: Decimal | None = None
    fee_percent: Decimal | None = None
    accruing: bool = False  # interest accrued to date, still running until payment


# The reference rates by table name, as a customer knows them. Grammar note for German:
# every name is masculine, so "über dem …" reads right; in French every name is a
# masculine "taux", so "majoré de …" agrees; in Italian every name is masculine ("tasso").
_REFERENCES: dict[str, dict[str, str]] = {
    "boe_base": {
        "en": "Bank of England base rate",
        "de": "Leitzins der Bank of England",
        "fr": "taux directeur de la Banque d’Angleterre",
        "nl": "basisrente van de Bank of England",
        "es": "tipo oficial del Banco de Inglaterra",
        "it": "tasso ufficiale della Banca d’Inghilterra",
    },
    "ecb_mro": {
        "en": "European Central Bank main refinancing rate",
        "de": "Hauptrefinanzierungssatz der Europäischen Zentralbank",
        "fr": "taux de refinancement de la Banque centrale européenne",
        "nl": "herfinancieringsrente van de Europese Centrale Bank",
        "es": "tipo de las operaciones principales de financiación del Banco Central Europeo",
        "it": "tasso di riferimento della Banca centrale europea",
    },
    "de_basiszins": {
        "en": "German base rate (Basiszinssatz)",
        "de": "Basiszinssatz",
        "fr": "taux de base allemand (Basiszinssatz)",
        "nl": "Duitse basisrente (Basiszinssatz)",
        "es": "tipo básico alemán (Basiszinssatz)",
        "it": "tasso base tedesco (Basiszinssatz)",
    },
    "at_basiszins": {
        "en": "Austrian base rate (Basiszinssatz)",
        "de": "Basiszinssatz der Oesterreichischen Nationalbank",
        "fr": "taux de base de la Banque nationale d’Autriche",
        "nl": "basisrente van de Oostenrijkse Nationale Bank",
        "es": "tipo básico del Banco Nacional de Austria",
        "it": "tasso base della Banca nazionale austriaca",
    },
    "nbp_reference": {
        "en": "National Bank of Poland reference rate",
        "de": "Referenzzinssatz der Polnischen Nationalbank",
        "fr": "taux de référence de la Banque nationale de Pologne",
        "nl": "referentierente van de Poolse Nationale Bank",
        "es": "tipo de referencia del Banco Nacional de Polonia",
        "it": "tasso di riferimento della Banca nazionale di Polonia",
    },
}
_REFERENCES["nbp_ref"] = _REFERENCES["nbp_reference"]  # the table's name in the rates data
_ANY_REFERENCE = {
    "en": "reference rate",
    "de": "Referenzzinssatz",
    "fr": "taux de référence",
    "nl": "referentierente",
    "es": "tipo de referencia",
    "it": "tasso di riferimento",
}

_PHRASES: dict[str, dict[str, str]] = {
    "en": {
        "statutory": "Statutory interest",
        "contractual": "Contractual interest",
        "interest": "Late-payment interest",
        "rate": "at {rate} a year",
        "rate_next": "at {rate} a year",
        "reference": " — {reference} {reference_rate} plus {margin}{rounded} —",
        "rounded": ", rounded up to the next half point",
        "on_amount": " on {base}",
        "span": " from {start} to {end}",
        "then": "; then ",
        "invoice": " (invoice {number})",
        "compensation": "Fixed sum for the cost of recovering the late payment",
        "compensation_base": " of {base}",
        "late_fee": "Late payment fee",
        "late_fee_percent": " of {percent} on {base} overdue",
        "other": "Charge",
        "accruing": ", accruing until payment",
    },
    "de": {
        "statutory": "Verzugszinsen",
        "contractual": "Vertragszinsen",
        "interest": "Verzugszinsen",
        "rate": "von {rate} p. a.",
        "rate_next": "{rate} p. a.",
        "reference": " ({margin} Prozentpunkte über dem {reference} von {reference_rate}{rounded})",
        "rounded": ", aufgerundet auf den nächsten halben Prozentpunkt",
        "on_amount": " auf {base}",
        "span": " vom {start} bis {end}",
        "then": "; danach ",
        "invoice": " (Rechnung {number})",
        "compensation": "Verzugspauschale (Pauschale für Beitreibungskosten)",
        "compensation_base": " zur Forderung von {base}",
        "late_fee": "Mahngebühr",
        "late_fee_percent": " von {percent} auf den überfälligen Betrag von {base}",
        "other": "Gebühr",
        "accruing": ", bis zur Zahlung weiterlaufend",
    },
    # French: the Code de commerce's "pénalités de retard" are interest at a rate; the
    # customer reads them as "intérêts de retard". The EUR 40 is the "indemnité
    # forfaitaire pour frais de recouvrement" (art. L. 441-10 / D. 441-5).
    "fr": {
        "statutory": "Intérêts de retard",
        "contractual": "Intérêts de retard conventionnels",
        "interest": "Intérêts de retard",
        "rate": "au taux de {rate} l’an",
        "rate_next": "au taux de {rate} l’an",
        "reference": " ({reference} de {reference_rate} majoré de {margin} points{rounded})",
        "rounded": ", arrondi au demi-point supérieur",
        "on_amount": " sur {base}",
        "span": " du {start} au {end}",
        "then": " ; puis ",
        "invoice": " (facture {number})",
        "compensation": "Indemnité forfaitaire pour frais de recouvrement",
        "compensation_base": " au titre de la créance de {base}",
        "late_fee": "Frais de retard",
        "late_fee_percent": " de {percent} sur le montant échu de {base}",
        "other": "Frais",
        "accruing": ", courant jusqu’au paiement",
    },
    # Dutch: "wettelijke handelsrente" (art. 6:119a BW; in Belgium the law of 2 August
    # 2002) and the EUR 40 "forfaitaire vergoeding voor invorderingskosten".
    "nl": {
        "statutory": "Wettelijke handelsrente",
        "contractual": "Contractuele rente",
        "interest": "Vertragingsrente",
        "rate": "van {rate} per jaar",
        "rate_next": "{rate} per jaar",
        "reference": " ({reference} van {reference_rate} plus {margin} procentpunt{rounded})",
        "rounded": ", naar boven afgerond op een half procentpunt",
        "on_amount": " over {base}",
        "span": " van {start} tot en met {end}",
        "then": "; daarna ",
        "invoice": " (factuur {number})",
        "compensation": "Forfaitaire vergoeding voor invorderingskosten",
        "compensation_base": " over de vordering van {base}",
        "late_fee": "Aanmaningskosten",
        "late_fee_percent": " van {percent} over het vervallen bedrag van {base}",
        "other": "Kosten",
        "accruing": ", doorlopend tot de dag van betaling",
    },
    # Spanish: "intereses de demora" and the EUR 40 "indemnización por costes de cobro"
    # of Ley 3/2004 (art. 8).
    "es": {
        "statutory": "Intereses de demora",
        "contractual": "Intereses de demora pactados",
        "interest": "Intereses de demora",
        "rate": "al tipo del {rate} anual",
        "rate_next": "al {rate} anual",
        "reference": " ({reference} del {reference_rate} más {margin} puntos{rounded})",
        "rounded": ", redondeado al medio punto superior",
        "on_amount": " sobre {base}",
        "span": " del {start} al {end}",
        "then": "; después, ",
        "invoice": " (factura {number})",
        "compensation": "Indemnización por costes de cobro",
        "compensation_base": " por la deuda de {base}",
        "late_fee": "Recargo por demora",
        "late_fee_percent": " del {percent} sobre el importe vencido de {base}",
        "other": "Cargo",
        "accruing": ", que se devengan hasta el pago",
    },
    # Italian: "interessi di mora" and the EUR 40 "risarcimento forfettario dei costi di
    # recupero" of D.Lgs. 231/2002 (art. 6).
    "it": {
        "statutory": "Interessi di mora",
        "contractual": "Interessi di mora convenzionali",
        "interest": "Interessi di mora",
        "rate": "al tasso del {rate} annuo",
        "rate_next": "al {rate} annuo",
        "reference": " ({reference} del {reference_rate} maggiorato di {margin} punti{rounded})",
        "rounded": ", arrotondato al mezzo punto superiore",
        "on_amount": " su {base}",
        "span": " dal {start} al {end}",
        "then": "; poi ",
        "invoice": " (fattura {number})",
        "compensation": "Risarcimento forfettario dei costi di recupero",
        "compensation_base": " per il credito di {base}",
        "late_fee": "Penale per ritardato pagamento",
        "late_fee_percent": " del {percent} sull’importo scaduto di {base}",
        "other": "Addebito",
        "accruing": ", in maturazione fino al pagamento",
    },
}


def languages() -> frozenset[str]:
    """The languages charges can be described in."""
    return frozenset(_PHRASES)


def describe_charge(facts: ChargeFacts, locale: str) -> str:
    """The charge in words, in the language of ``locale`` (English when there are no
    words in it), numbers, amounts and dates formatted for ``locale``.

    >>> fee = ChargeFacts("late_fee", "EUR", "R-7", fee_percent=Decimal("2.5"),
    ...                   base=Decimal("1200"))
    >>> print(describe_charge(fee, "de_DE").replace("\\xa0", " "))
    Mahngebühr von 2,5 % auf den überfälligen Betrag von 1.200,00 € (Rechnung R-7)
    >>> comp = ChargeFacts("compensation", "GBP", "INV-9", base=Decimal("999.99"))
    >>> print(describe_charge(comp, "en_GB"))
    Fixed sum for the cost of recovering the late payment of £999.99 (invoice INV-9)
    """
    language, locale = _language(locale)
    words = _PHRASES[language]
    if facts.kind == "interest":
        text = _interest(facts, words, language, locale)
    elif facts.kind == "compensation":
        text = words["compensation"]
        if facts.base is not None:
            text += words["compensation_base"].format(base=_money(facts.base, facts, locale))
    elif facts.kind == "late_fee":
        text = words["late_fee"]
        if facts.fee_percent is not None and facts.base is not None:
            text += words["late_fee_percent"].format(
                percent=_percent(facts.fee_percent, locale, exact=True),
                base=_money(facts.base, facts, locale),
            )
    else:
        text = words["other"]
    if facts.invoice_number:
        text += words["invoice"].format(number=facts.invoice_number)
    if facts.accruing:
        text += words["accruing"]
    return text


def _interest(facts: ChargeFacts, words: Mapping[str, str], language: str, locale: str) -> str:
    periods = facts.periods
    if not periods:
        text = words["interest"]
        if facts.period_start and facts.period_end:
            text += _span(facts.period_start, facts.period_end, words, locale)
        return text
    statutory = not any(p.contractual for p in periods)
    parts = []
    for index, period in enumerate(periods):
        rate = words["rate_next" if index else "rate"]
        part = rate.format(rate=_percent(period.rate_percent, locale))
        if period.reference_percent is not None and period.margin_points is not None:
            part += words["reference"].format(
                reference=_REFERENCES.get(period.reference, _ANY_REFERENCE)[language],
                reference_rate=_percent(period.reference_percent, locale),
                margin=_margin(period.margin_points, language, locale),
                rounded=words["rounded"] if period.rounded_up else "",
            )
        part += words["on_amount"].format(base=_money(period.base, facts, locale))
        part += _span(period.start, period.end, words, locale)
        parts.append(part)
    heading = words["statutory"] if statutory else words["contractual"]
    return f"{heading} {words['then'].join(parts)}"


def _span(start: date, end: date, words: Mapping[str, str], locale: str) -> str:
    return words["span"].format(
        start=format_date(start, format="long", locale=locale),
        end=format_date(end, format="long", locale=locale),
    )


def _language(locale: str) -> tuple[str, str]:
    try:
        parsed = Locale.parse((locale or DEFAULT_LANGUAGE).replace("-", "_"))
    except (ValueError, TypeError, UnknownLocaleError):
        return DEFAULT_LANGUAGE, DEFAULT_LANGUAGE
    if parsed.language in _PHRASES:
        return parsed.language, str(parsed)
    # English words, formatted for the customer's country as far as Babel knows it
    # (as messages do: ``recoup.comms.render.resolve_locale``).
    if not parsed.territory:
        return DEFAULT_LANGUAGE, DEFAULT_LANGUAGE
    try:
        return DEFAULT_LANGUAGE, str(Locale.parse(f"{DEFAULT_LANGUAGE}_{parsed.territory}"))
    except (ValueError, TypeError, UnknownLocaleError):
        return DEFAULT_LANGUAGE, DEFAULT_LANGUAGE


def _percent(value: Decimal, locale: str, *, exact: bool = False) -> str:
    """A rate in percent: two decimals (``13.00%`` / ``13,00 %``), or as given."""
    if exact:
        return str(format_percent(value / 100, locale=locale, decimal_quantization=False))
    pattern = Locale.parse(locale).percent_formats[None].pattern.replace("#,##0", "#,##0.00")
    return str(format_percent(value / 100, format=pattern, locale=locale))


def _margin(points: Decimal, language: str, locale: str) -> str:
    """The margin over the reference rate: ``8%`` in English, ``9,2`` (points) in the
    other languages."""
    if language != "en":
        return str(format_decimal(points, locale=locale, decimal_quantization=False))
    return _percent(points, locale, exact=True)


def _money(amount: Decimal, facts: ChargeFacts, locale: str) -> str:
    return str(format_currency(amount, facts.currency, locale=locale))


# --- reading a stored charge ------------------------------------------------------------

# The engine's basis of a statutory period: "boe_base 5.25 % on 2023-06-30 + 8", with
# " rounded up to 12.5" where the jurisdiction rounds.
_BASIS = re.compile(
    r"^(?P<table>[a-z][a-z0-9_]*) (?P<reference>-?\d+(?:\.\d+)?) % on \S+ "
    r"\+ (?P<margin>-?\d+(?:\.\d+)?)(?P<rounded> rounded up)?"
)
_DEBT = re.compile(r"for a debt of (?P<base>\d+(?:\.\d+)?) [A-Z]{3}")
_FEE_PERCENT = re.compile(r"^(?P<percent>\d+(?:\.\d+)?) % of (?P<base>\d+(?:\.\d+)?) [A-Z]{3}")


def facts_from_charge(
    *,
    kind: str,
    currency: str,
    invoice_number: str = "",
    period_start: date | None = None,
    period_end: date | None = None,
    details: Mapping[str, Any] | None = None,
) -> ChargeFacts:
    """The facts of a stored charge, from its columns and the ``details`` the charges
    service recorded (what cannot be read is left out).

    >>> details = {"periods": [{"from": "2023-07-11", "to": "2024-03-31", "base": "999.99",
    ...     "rate_percent": "13.00", "basis": "boe_base 5.00 % on 2023-06-30 + 8"}]}
    >>> facts = facts_from_charge(kind="interest", currency="GBP", details=details)
    >>> p = facts.periods[0]
    >>> p.reference, p.reference_percent, p.margin_points, p.base
    ('boe_base', Decimal('5.00'), Decimal('8'), Decimal('999.99'))
    >>> facts_from_charge(kind="compensation", currency="GBP", details={
    ...     "rule": "GB fixed compensation for a debt of 999.99 GBP (0 GBP or more): 40 GBP"
    ... }).base
    Decimal('999.99')
    """
    details = details or {}
    kind = str(kind)
    rule = str(details.get("rule") or "")
    base: Decimal | None = None
    fee_percent: Decimal | None = None
    periods: tuple[RatePeriod, ...] = ()
    if kind == "interest":
        periods = _periods(details.get("periods"))
    elif kind == "compensation":
        match = _DEBT.search(rule)
        base = _decimal(match["base"]) if match else None
    elif kind == "late_fee":
        match = _FEE_PERCENT.match(rule)
        if match:
            fee_percent, base = _decimal(match["percent"]), _decimal(match["base"])
    return ChargeFacts(
        kind=kind,
        currency=currency,
        invoice_number=invoice_number,
        period_start=period_start,
        period_end=period_end,
        periods=periods,
        base=base,
        fee_percent=fee_percent,
    )


def facts_from_interest(
    explanation: InterestExplanation, *, invoice_number: str, accruing: bool = False
) -> ChargeFacts:
    """The facts of interest worked out but not (yet) charged, e.g. accrued to date
    (``accruing``: it goes on running until payment)."""
    return ChargeFacts(
        accruing=accruing,
        kind="interest",
        currency=explanation.currency,
        invoice_number=invoice_number,
        period_start=explanation.start,
        period_end=explanation.end,
        periods=tuple(
            _period(p.start, p.end, p.base, p.rate_percent, p.basis) for p in explanation.periods
        ),
    )


def _periods(raw: object) -> tuple[RatePeriod, ...]:
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        return ()
    periods = []
    for item in raw:
        if not isinstance(item, Mapping):
            return ()
        try:
            start = date.fromisoformat(str(item["from"]))
            end = date.fromisoformat(str(item["to"]))
        except (KeyError, ValueError):
            return ()
        base, rate = _decimal(item.get("base")), _decimal(item.get("rate_percent"))
        if base is None or rate is None:
            return ()
        periods.append(_period(start, end, base, rate, str(item.get("basis") or "")))
    return tuple(periods)


def _period(start: date, end: date, base: Decimal, rate: Decimal, basis: str) -> RatePeriod:
    match = _BASIS.match(basis)
    return RatePeriod(
        start=start,
        end=end,
        base=base,
        rate_percent=rate,
        reference=match["table"] if match else "",
        reference_percent=_decimal(match["reference"]) if match else None,
        margin_points=_decimal(match["margin"]) if match else None,
        rounded_up=bool(match and match["rounded"]),
        contractual=basis.startswith("contract"),
    )


def _decimal(value: object) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
