"""Jurisdictions as data: the shipped file's rules, and clear errors for a bad file."""

from decimal import Decimal

import pytest

from recoup.charges.core import Fixing, RateRounding
from recoup.charges.jurisdictions import (
    JurisdictionsInvalid,
    for_country,
    parse_jurisdictions,
    shipped_jurisdictions,
    unsupported_countries,
)

D = Decimal
EU_MEMBERS = [
    "AT",
    "BE",
    "BG",
    "CY",
    "CZ",
    "DE",
    "DK",
    "EE",
    "ES",
    "FI",
    "FR",
    "GR",
    "HR",
    "HU",
    "IE",
    "IT",
    "LT",
    "LU",
    "LV",
    "MT",
    "NL",
    "PL",
    "PT",
    "RO",
    "SE",
    "SI",
    "SK",
]


@pytest.mark.parametrize(
    ("code", "reference", "margin", "fixing", "compensation"),
    [
        ("GB", "boe_base", "8", Fixing.DEBT_FIXED, [("0", "40"), ("1000", "70"), ("10000", "100")]),
        ("EU", "ecb_mro", "8", Fixing.HALF_YEAR_FIRST_DAY, [("0", "40")]),
        ("DE", "de_basiszins", "9", Fixing.HALF_YEAR_FIRST_DAY, [("0", "40")]),
        ("FR", "ecb_mro", "10", Fixing.HALF_YEAR_FIRST_DAY, [("0", "40")]),
        ("AT", "at_basiszins", "9.2", Fixing.HALF_YEAR_PREVIOUS_DAY, [("0", "40")]),
        ("BE", "ecb_mro", "8", Fixing.HALF_YEAR_FIRST_DAY, [("0", "40")]),
        ("NL", "ecb_mro", "8", Fixing.HALF_YEAR_FIRST_DAY, [("0", "40")]),
        (
            "PL",
            "nbp_ref",
            "10",
            Fixing.HALF_YEAR_FIRST_DAY,
            [("0", "40"), ("5000.01", "70"), ("50000", "100")],
        ),
    ],
)
def test_shipped_rules(
    code: str, reference: str, margin: str, fixing: Fixing, compensation: list[tuple[str, str]]
) -> None:
    rules = shipped_jurisdictions()[code]
    assert (rules.reference, rules.margin_points, rules.fixing) == (reference, D(margin), fixing)
    assert [(b.from_amount, b.amount) for b in rules.compensation_bands] == [
        (D(f), D(a)) for f, a in compensation
    ]
    assert rules.compensation_currency == ("GBP" if code == "GB" else "EUR")
    assert rules.compensation_thresholds_currency == ("PLN" if code == "PL" else "")
    assert rules.source.startswith("https://")


def test_margins_are_exact_decimals_not_floats() -> None:
    assert str(shipped_jurisdictions()["AT"].margin_points) == "9.2"


def test_only_belgium_rounds() -> None:
    rounding = {code: j.rate_rounding for code, j in shipped_jurisdictions().items()}
    assert rounding.pop("BE") is RateRounding.UP_TO_HALF_POINT
    assert set(rounding.values()) == {RateRounding.NONE}


def test_every_eu_member_has_a_jurisdiction_or_a_reason_and_others_none() -> None:
    rules = shipped_jurisdictions()
    found = {country: for_country(rules, country) for country in EU_MEMBERS}
    refused = unsupported_countries()
    # Outside the euro a member state's own central bank sets the reference rate: never
    # the ECB + 8 of the EU minimum.
    assert sorted(refused) == ["BG", "CZ", "DK", "HU", "RO", "SE"]
    assert all(found[c] is None for c in refused)
    assert all(found[c] for c in EU_MEMBERS if c not in refused)
    assert {c: j.code for c, j in found.items() if j and j.code != "EU"} == {
        "AT": "AT", "BE": "BE", "DE": "DE", "FR": "FR", "NL": "NL", "PL": "PL"
    }  # fmt: skip
    assert for_country(rules, "GB").code == "GB"  # type: ignore[union-attr]
    assert for_country(rules, "US") is None
    assert for_country(rules, "CH") is None


GOOD = """
jurisdictions:
  XX:
    name: Somewhere
    countries: [XA]
    reference: ecb_mro
    margin_points: 8
    fixing: half_year_first_day
    compensation:
      currency: EUR
      bands:
        - {from: 0, amount: 40}
"""


def test_a_minimal_file_parses() -> None:
    rules = parse_jurisdictions(GOOD, tables={"ecb_mro"})
    assert rules["XX"].rate_rounding is RateRounding.NONE


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ("margin_points: 8", "jurisdictions.XX.margin_points: Input should be a valid decimal"),
        ("fixing: half_year_first_day", "jurisdictions.XX.fixing: Input should be"),
        (
            "currency: EUR",
            "jurisdictions.XX.compensation.currency: Value error, unknown currency 'EURO'",
        ),
        (
            "{from: 0, amount: 40}",
            "jurisdictions.XX.compensation: Value error, the first band must start from 0",
        ),
        (
            "countries: [XA]",
            "jurisdictions.XX.countries: Value error, not ISO 3166 alpha-2 codes: xa",
        ),
        ("    name: Somewhere\n", "jurisdictions.XX.name: Field required"),
    ],
)
def test_bad_files_name_the_field(change: str, problem: str) -> None:
    broken = GOOD.replace(
        change,
        {
            "margin_points: 8": "margin_points: eight",
            "fixing: half_year_first_day": "fixing: monthly",
            "currency: EUR": "currency: EURO",
            "{from: 0, amount: 40}": "{from: 5, amount: 40}",
            "countries: [XA]": "countries: [xa]",
            "    name: Somewhere\n": "",
        }[change],
    )
    with pytest.raises(JurisdictionsInvalid) as raised:
        parse_jurisdictions(broken, tables={"ecb_mro"})
    assert any(p.startswith(problem) for p in raised.value.problems), raised.value.problems


def test_unknown_keys_tables_and_shared_countries_are_refused() -> None:
    with pytest.raises(JurisdictionsInvalid, match="margin: Extra inputs are not permitted"):
        parse_jurisdictions(GOOD.replace("margin_points", "margin"), tables={"ecb_mro"})
    with pytest.raises(JurisdictionsInvalid, match="reference: no rate table 'ecb_mro'"):
        parse_jurisdictions(GOOD, tables={"boe_base"})
    twice = GOOD + GOOD.replace("jurisdictions:\n", "").replace("XX:", "YY:")
    with pytest.raises(JurisdictionsInvalid, match="XA is in both XX and YY"):
        parse_jurisdictions(twice, tables={"ecb_mro"})
    with pytest.raises(JurisdictionsInvalid, match="not valid YAML"):
        parse_jurisdictions("jurisdictions: [", tables={"ecb_mro"})
