"""Member-state rules checked against worked examples from their sources.

Every figure below is worked out by hand: base × rate % × days / 365 per period, summed
unrounded, rounded once. The rates come from the central banks' publications named in
the shipped tables' headers.
"""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from recoup.charges import service as charges
from recoup.charges.core import (
    BalanceChange,
    Conversion,
    Debt,
    RateChange,
    RateTable,
    Statute,
    compensation_due,
    interest_due,
)
from recoup.charges.jurisdictions import shipped_jurisdictions
from recoup.charges.tables import shipped_table
from tests.charges.factories import make_customer, make_invoice, make_org

D = Decimal


def statute(code: str) -> Statute:
    jurisdiction = shipped_jurisdictions()[code]
    return Statute(jurisdiction, shipped_table(jurisdiction.reference))


def debt(total: str, due: date, *, currency: str = "EUR") -> Debt:
    return Debt("INV-1", currency, due, (BalanceChange(date(2000, 1, 1), D(total)),))


# --- Austria: UGB §456, 9.2 points over the OeNB's Basiszinssatz -----------------------


@pytest.mark.parametrize(
    ("due", "as_of", "rate"),
    [
        # DOMAIN.md: -0.62 % through 2022 → 8.58 % (Lexis ZAK 2022/3: "8,58 %" for H1 2022);
        # the Basiszinssatz of 30 June 2022 (-0.62 %) governs July-December 2022.
        (date(2022, 6, 30), date(2022, 7, 31), "8.58"),
        # 1.88 % from 2022-12-21 (the OeNB's rule: ECB 2.50 − 0.62) → 11.08 % in H1 2023.
        (date(2022, 12, 31), date(2023, 1, 31), "11.08"),
    ],
)
def test_austria_uses_the_basiszinssatz_not_the_ecb_rate(due: date, as_of: date, rate: str) -> None:
    result = interest_due(debt=debt("1000.00", due), as_of=as_of, statute=statute("AT"))
    assert [p.rate_percent for p in result.periods] == [D(rate)]


def test_austria_worked_example_across_two_half_years() -> None:
    # €10,000 due 2024-06-30, late from 2024-07-01, as of 2025-03-31.
    # July-December 2024: the Basiszinssatz of 30 June 2024 is 3.88 % (OeNB, from
    # 2023-09-20) → 13.08 %; 184 days: 10,000 × 13.08 × 184 / 36,500 = 659.3753424...
    # January-March 2025: that of 31 December 2024 is 2.53 % (OeNB, from 2024-12-18)
    # → 11.73 %; 90 days: 10,000 × 11.73 × 90 / 36,500 = 289.2328767...
    # Total 948.6082191... → €948.61. (The ECB rate, 4.25 % on 30 June 2024, would give
    # 13.45 %: the old rule overstated it.)
    result = interest_due(
        debt=debt("10000.00", date(2024, 6, 30)), as_of=date(2025, 3, 31), statute=statute("AT")
    )
    assert [(p.days, p.rate_percent) for p in result.periods] == [
        (184, D("13.08")),
        (90, D("11.73")),
    ]
    assert result.periods[0].basis == "at_basiszins 3.88 % on 2024-06-30 + 9.2"
    assert result.total == D("948.61")
    assert result.warnings == ()


# --- Netherlands: wettelijke handelsrente, compounded after each full year -------------


def test_netherlands_adds_a_full_years_interest_to_the_base() -> None:
    # €10,000 due 2023-12-31, late from 2024-01-01, as of 2025-03-31 (BW 6:119a(3): "telkens na afloop van een jaar").
    # Year 1, 2024: 1 Jan 2024 ECB MRO 4.50 % → 12.50 % (12.5 % "per 1 januari 2024"),
    #   182 days: 10,000 × 12.5 × 182 / 36,500 = 623.2876712...
    #   1 Jul 2024 MRO 4.25 % → 12.25 % ("per 1 juli 2024 ... 12,25%"),
    #   184 days: 10,000 × 12.25 × 184 / 36,500 = 617.5342465...
    #   year's interest 1,240.8219178... → €1,240.82 added to the base on 2025-01-01.
    # Year 2 to 2025-03-31: 1 Jan 2025 MRO 3.15 % → 11.15 %, 90 days on 11,240.82:
    #   11,240.82 × 11.15 × 90 / 36,500 = 309.0455580... (simple interest: 274.93)
    # Total 1,549.8674758... → €1,549.87.
    result = interest_due(
        debt=debt("10000.00", date(2023, 12, 31)), as_of=date(2025, 3, 31), statute=statute("NL")
    )
    assert [(p.days, p.base, p.rate_percent) for p in result.periods] == [
        (182, D("10000.00"), D("12.50")),
        (184, D("10000.00"), D("12.25")),
        (90, D("11240.82"), D("11.15")),
    ]
    assert result.total == D("1549.87")
    assert "compounded yearly" in result.rule
    assert "base includes 1240.82 interest added after each full year" in result.periods[2].basis


def test_netherlands_compounding_counts_interest_already_charged() -> None:
    # Charged through 2024-12-31 already; the next charge (Jan-Mar 2025) still earns on the
    # year's interest: 309.0455580... → €309.05.
    result = interest_due(
        debt=debt("10000.00", date(2023, 12, 31)),
        as_of=date(2025, 3, 31),
        statute=statute("NL"),
        since=date(2025, 1, 1),
    )
    assert [(p.start, p.base) for p in result.periods] == [(date(2025, 1, 1), D("11240.82"))]
    assert result.total == D("309.05")


def test_no_other_jurisdiction_compounds() -> None:
    result = interest_due(
        debt=debt("10000.00", date(2023, 12, 31)), as_of=date(2025, 3, 31), statute=statute("EU")
    )
    assert {p.base for p in result.periods} == {D("10000.00")}


# --- Poland: NBP reference rate + 10 points; EUR compensation paid in PLN --------------


def test_poland_worked_examples() -> None:
    # Ustawa o przeciwdziałaniu nadmiernym opóźnieniom, art. 4 pkt 3: NBP reference rate
    # + 10 points, the rate of 1 January / 1 July governing the half-year.
    # 1 July 2025: reference rate 5.25 % (the cut to 5.00 % took effect on 3 July 2025)
    # → 15.25 %; PLN 10,000 late from 2025-07-01 to 2025-12-31, 184 days:
    # 10,000 × 15.25 × 184 / 36,500 = 768.7671232... → PLN 768.77.
    h2 = interest_due(
        debt=debt("10000.00", date(2025, 6, 30), currency="PLN"),
        as_of=date(2025, 12, 31),
        statute=statute("PL"),
    )
    assert [(p.days, p.rate_percent) for p in h2.periods] == [(184, D("15.25"))]
    assert h2.total == D("768.77")
    # 1 January 2026: 4.00 % (from 4 December 2025) → 14.00 %; 90 days to 2026-03-31:
    # 10,000 × 14 × 90 / 36,500 = 345.2054794... → PLN 345.21. (ECB + 8 would be 10.15 %.)
    h1 = interest_due(
        debt=debt("10000.00", date(2025, 12, 31), currency="PLN"),
        as_of=date(2026, 3, 31),
        statute=statute("PL"),
    )
    assert [(p.days, p.rate_percent) for p in h1.periods] == [(90, D("14.00"))]
    assert h1.total == D("345.21")


@pytest.mark.parametrize(
    ("total", "euros"),
    # art. 10(1): EUR 40 up to PLN 5,000; EUR 70 above it and below PLN 50,000; EUR 100
    # from PLN 50,000.
    [("5000.00", "40"), ("5000.01", "70"), ("49999.99", "70"), ("50000.00", "100")],
)
def test_poland_compensation_bands_in_pln_paid_at_the_nbp_rate(total: str, euros: str) -> None:
    # A test rate of 4.2100 PLN per EUR (a fixture, not a published figure).
    conversion = Conversion(D("4.2100"), date(2025, 12, 31), "nbp_eur_pln")
    decision = compensation_due(
        debt=debt(total, date(2026, 1, 31), currency="PLN"),
        jurisdiction=shipped_jurisdictions()["PL"],
        conversion=conversion,
    )
    assert decision.amount == (D(euros) * D("4.21")).quantize(D("0.01"))
    assert f"{euros} EUR at 4.2100 PLN per EUR (nbp_eur_pln of 2025-12-31)" in decision.rule


def test_a_compensation_in_another_currency_without_a_named_rate_is_refused() -> None:
    decision = compensation_due(
        debt=debt("500.00", date(2026, 1, 31), currency="USD"),
        jurisdiction=shipped_jurisdictions()["DE"],
    )
    assert decision.amount == 0
    assert decision.reason == (
        "DE compensation is fixed in EUR and INV-1 is in USD; the law names no reference "
        "rate to convert it at, so Recoup does not: set a compensation in USD on the "
        "customer's or the invoice's terms"
    )


def test_polish_organisation_converts_at_the_imported_nbp_rate(session: Session) -> None:
    org = make_org(session, country="PL", currency="PLN")
    customer = make_customer(session, org=org, currency="PLN")
    invoice = make_invoice(session, customer=customer, total="6000.00", due_date=date(2026, 1, 31))
    missing = charges.charge_compensation(
        session, org_id=org.id, invoice_id=invoice.id, key="c0", as_of=date(2026, 2, 1)
    )
    assert missing.charge is None
    assert missing.reason == (
        "PL compensation is fixed in EUR and paid in PLN at the nbp_eur_pln rate of "
        "2025-12-31 (or the working day before), which Recoup does not have: run "
        "`recoup charges rates update`"
    )
    # Test figures: 31 December 2025 was a working day (Wednesday).
    charges.import_rates(
        session,
        table=RateTable(
            "nbp_eur_pln",
            (
                RateChange(date(2025, 12, 30), D("4.2000")),
                RateChange(date(2025, 12, 31), D("4.2100")),
            ),
        ),
        source="test",
    )
    result = charges.charge_compensation(
        session, org_id=org.id, invoice_id=invoice.id, key="c1", as_of=date(2026, 2, 1)
    )
    assert result.charge is not None
    # PLN 6,000 is in the EUR 70 band: 70 × 4.21 = PLN 294.70.
    assert (result.charge.amount, result.charge.currency) == (29470, "PLN")


# --- member states Recoup does not implement ----------------------------------------


@pytest.mark.parametrize("country", ["SE", "CZ", "HU", "DK", "RO", "BG"])
def test_unsupported_member_states_are_refused_not_given_ecb_plus_eight(
    session: Session, country: str
) -> None:
    org = make_org(session, country=country, currency="EUR")
    invoice = make_invoice(
        session,
        customer=make_customer(session, org=org, currency="EUR"),
        due_date=date(2025, 1, 31),
    )
    assert charges.jurisdiction_of(session, org_id=org.id, invoice_id=invoice.id) is None
    interest = charges.explain_interest(
        session, org_id=org.id, invoice_id=invoice.id, as_of=date(2025, 6, 30)
    )
    assert interest.total == 0
    assert interest.reason is not None
    assert "is not implemented: no statutory interest or compensation is charged" in interest.reason
    compensation = charges.charge_compensation(
        session, org_id=org.id, invoice_id=invoice.id, key="c", as_of=date(2025, 6, 30)
    )
    assert compensation.charge is None
    assert compensation.reason == interest.reason
