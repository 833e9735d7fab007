"""Jurisdictions as data: ``jurisdictions.yaml``, validated on load.

Numbers in the file are read as exact decimals (never floats). Every problem is
reported with its place in the file (``jurisdictions.BE.margin_points: ...``).

>>> rules = shipped_jurisdictions()
>>> rules["DE"].margin_points, rules["DE"].reference, for_country(rules, "IT").code
(Decimal('9'), 'de_basiszins', 'EU')
>>> for_country(rules, "US") is None
True
"""

from collections.abc import Collection, Mapping
from decimal import Decimal
from functools import cache
from importlib.resources import files
from typing import Annotated, Any, Self

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from recoup import money
from recoup.charges.core import (
    CompensationBand,
    Compounding,
    Fixing,
    Jurisdiction,
    RateRounding,
)
from recoup.charges.tables import known_table_names
from recoup.errors import RecoupError

FILE_NAME = "jurisdictions.yaml"


class JurisdictionsInvalid(RecoupError):
    """The jurisdictions file is malformed; the message lists every problem."""

    status_code = 422

    def __init__(self, file: str, problems: list[str]) -> None:
        super().__init__(f"{file} is invalid:\n" + "\n".join(f"  {p}" for p in problems))
        self.problems = problems


class _ExactLoader(yaml.SafeLoader):
    """YAML that reads ``9.2`` as ``Decimal('9.2')``, never as a float."""


def _decimal(loader: yaml.SafeLoader, node: yaml.Node) -> Decimal:
    assert isinstance(node, yaml.ScalarNode)
    return Decimal(loader.construct_scalar(node).replace("_", ""))


_ExactLoader.add_constructor("tag:yaml.org,2002:float", _decimal)

_Strict = ConfigDict(extra="forbid", frozen=True, strict=False)
Percent = Annotated[Decimal, Field(ge=-100, le=100, allow_inf_nan=False)]


class _Band(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    from_amount: Decimal = Field(alias="from", ge=0, allow_inf_nan=False)
    amount: Decimal = Field(gt=0, allow_inf_nan=False)


class _Compensation(BaseModel):
    model_config = _Strict

    currency: str
    # The bands' `from` amounts are in this currency (default: `currency`); the amount
    # is then paid in it, converted at the rate table `conversion` (units of it per unit
    # of `currency`).
    thresholds_currency: str = ""
    conversion: str = ""
    bands: list[_Band] = Field(min_length=1)

    @field_validator("currency", "thresholds_currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        if value and not money.is_currency(value):
            raise ValueError(f"unknown currency {value!r}")
        return value.upper()

    @model_validator(mode="after")
    def _conversion(self) -> Self:
        foreign = self.thresholds_currency not in ("", self.currency)
        if foreign != bool(self.conversion):
            raise ValueError("thresholds_currency and conversion go together")
        return self

    @model_validator(mode="after")
    def _bands_ascend(self) -> Self:
        starts = [band.from_amount for band in self.bands]
        if starts[0] != 0:
            raise ValueError("the first band must start from 0")
        if starts != sorted(set(starts)):
            raise ValueError("bands must be in ascending order of `from`, each `from` once")
        return self


class _Jurisdiction(BaseModel):
    model_config = _Strict

    name: str = Field(min_length=1)
    law: str = ""
    source: str = ""
    countries: list[str] = Field(default_factory=list)
    reference: str
    margin_points: Percent
    fixing: Fixing
    rate_rounding: RateRounding = RateRounding.NONE
    compounding: Compounding = Compounding.NONE
    compensation: _Compensation
    note: str = ""

    @field_validator("countries")
    @classmethod
    def _countries(cls, value: list[str]) -> list[str]:
        bad = [c for c in value if len(c) != 2 or not c.isalpha() or not c.isupper()]
        if bad:
            raise ValueError(f"not ISO 3166 alpha-2 codes: {', '.join(map(str, bad))}")
        return value


class _File(BaseModel):
    model_config = _Strict

    jurisdictions: dict[str, _Jurisdiction] = Field(min_length=1)
    unsupported: dict[str, str] = Field(default_factory=dict)

    @field_validator("jurisdictions")
    @classmethod
    def _codes(cls, value: dict[str, _Jurisdiction]) -> dict[str, _Jurisdiction]:
        bad = [code for code in value if not (code.isalpha() and code.isupper())]
        if bad:
            raise ValueError(f"codes must be upper-case letters: {', '.join(bad)}")
        seen: dict[str, str] = {}
        for code, rules in value.items():
            for country in rules.countries:
                if country in seen:
                    raise ValueError(f"{country} is in both {seen[country]} and {code}")
                seen[country] = code
        return value

    @model_validator(mode="after")
    def _unsupported_apart(self) -> Self:
        both = sorted(
            country
            for rules in self.jurisdictions.values()
            for country in rules.countries
            if country in self.unsupported
        )
        if both:
            raise ValueError(f"in a jurisdiction and unsupported: {', '.join(both)}")
        return self


def _where(location: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in location) or "file"


def parse_jurisdictions(
    text: str, *, tables: Collection[str], file: str = FILE_NAME
) -> dict[str, Jurisdiction]:
    """The jurisdictions in the YAML ``text``, each referring to one of ``tables``."""
    try:
        raw: Any = yaml.load(text, Loader=_ExactLoader)  # a SafeLoader subclass
    except yaml.YAMLError as error:
        raise JurisdictionsInvalid(file, [f"not valid YAML: {error}"]) from None
    try:
        parsed = _File.model_validate(raw)
    except ValidationError as error:
        problems = [f"{_where(e['loc'])}: {e['msg']}" for e in error.errors()]
        raise JurisdictionsInvalid(file, problems) from None
    problems = [
        f"jurisdictions.{code}.reference: no rate table {rules.reference!r} "
        f"(known: {', '.join(sorted(tables))})"
        for code, rules in parsed.jurisdictions.items()
        if rules.reference not in tables
    ] + [
        f"jurisdictions.{code}.compensation.conversion: no rate table "
        f"{rules.compensation.conversion!r}"
        for code, rules in parsed.jurisdictions.items()
        if rules.compensation.conversion and rules.compensation.conversion not in tables
    ]
    if problems:
        raise JurisdictionsInvalid(file, problems)
    return {
        code: Jurisdiction(
            code=code,
            name=rules.name,
            reference=rules.reference,
            margin_points=rules.margin_points,
            fixing=rules.fixing,
            compensation_currency=rules.compensation.currency,
            compensation_bands=tuple(
                CompensationBand(band.from_amount, band.amount) for band in rules.compensation.bands
            ),
            rate_rounding=rules.rate_rounding,
            compounding=rules.compounding,
            compensation_thresholds_currency=rules.compensation.thresholds_currency,
            compensation_conversion=rules.compensation.conversion,
            countries=frozenset(rules.countries),
            law=rules.law,
            source=rules.source,
            note=" ".join(rules.note.split()),
        )
        for code, rules in parsed.jurisdictions.items()
    }


def parse_unsupported(text: str) -> dict[str, str]:
    """The ``unsupported`` countries of a jurisdictions file and why."""
    raw: Any = yaml.load(text, Loader=_ExactLoader)
    return {str(k): " ".join(str(v).split()) for k, v in (raw.get("unsupported") or {}).items()}


def _shipped_text() -> str:
    return (files("recoup.charges") / FILE_NAME).read_text(encoding="utf-8")


@cache
def shipped_jurisdictions() -> Mapping[str, Jurisdiction]:
    """The jurisdictions shipped with Recoup (validated on first use)."""
    return parse_jurisdictions(_shipped_text(), tables=known_table_names())


@cache
def unsupported_countries() -> Mapping[str, str]:
    """Countries whose statute Recoup does not implement, each with the reason.

    >>> unsupported_countries()["SE"]  # doctest: +ELLIPSIS
    "the Swedish statutory late-payment rate (on the Riksbank's reference rate, ...) is not..."
    """
    shipped_jurisdictions()  # validates the file
    return parse_unsupported(_shipped_text())


def for_country(rules: Mapping[str, Jurisdiction], country: str) -> Jurisdiction | None:
    """The jurisdiction whose countries hold ``country``, if any."""
    return next((j for j in rules.values() if country.upper() in j.countries), None)
