"""Validators for the values a ledger record holds, in python-stdnum's shape.

Each ``validate_*`` returns the compact, normalised value or raises ``InvalidInput``
naming the field; ``is_valid_*`` answers yes or no.

>>> validate_country("de")
'DE'
>>> validate_vat("DE 136 695 976", "DE")
'DE136695976'
>>> validate_registration("732 829 320", "FR")
'732829320'
>>> validate_registration("HRB 123456", "DE")
'HRB 123456'
"""

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

import phonenumbers
from babel import Locale, UnknownLocaleError
from babel.core import get_global
from babel.languages import get_official_languages
from stdnum import bic as stdnum_bic
from stdnum import iban as stdnum_iban
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError
from stdnum.us import rtn as us_rtn
from stdnum.util import get_cc_module

from recoup.errors import InvalidInput

# Company-register numbers python-stdnum can check, by country.
_REGISTRATION_MODULES = {
    "AT": "businessid",
    "AU": "abn",
    "BE": "vat",
    "CH": "uid",
    "DE": "handelsregisternummer",
    "DK": "cvr",
    "ES": "cif",
    "FI": "ytunnus",
    "FR": "siren",
    "IT": "iva",
    "NO": "orgnr",
    "SE": "orgnr",
    "US": "ein",
}
_COUNTRIES = frozenset(get_global("territory_currencies"))
# A Handelsregister number without its court: register (HRA, HRB, GnR, PR, VR), number,
# and the letter some courts add ("HRB 12345 B").
_GERMAN_REGISTER = re.compile(r"^(HRA|HRB|GnR|PR|VR)\s*(\d{1,6})(?:\s*([A-Z]{1,2}))?$", re.I)


# Names people write that are not a territory's name in Babel.
_COUNTRY_ALIASES = {"uk": "GB", "greatbritain": "GB", "england": "GB", "usa": "US"}


def _fold_name(name: str) -> str:
    return "".join(ch for ch in name.casefold() if ch.isalnum())


@lru_cache(maxsize=32)
def _country_names(language: str) -> dict[str, str]:
    """Country names in ``language`` (Babel's territory names, folded) -> ISO code."""
    try:
        names = Locale.parse(language).territories
    except (ValueError, UnknownLocaleError):
        return {}
    return {_fold_name(name): code for code, name in names.items() if code in _COUNTRIES}


@lru_cache(maxsize=1)
def _own_names() -> dict[str, str]:
    """Each country's name in its own official languages (folded) -> ISO code:
    ``nederland`` -> NL, ``osterreich`` -> AT. A name two countries share is left out."""
    found: dict[str, str] = {}
    shared: set[str] = set()
    for country in sorted(_COUNTRIES):
        for language in get_official_languages(country):
            name = _country_names(language)
            for folded, code in name.items():
                if code != country:
                    continue
                if found.setdefault(folded, code) != code:
                    shared.add(folded)
    return {folded: code for folded, code in found.items() if folded not in shared}


def validate_country(code: str, *, languages: Sequence[str] = ("en",)) -> str:
    """An ISO 3166 alpha-2 country code, upper-cased; a country's name is accepted too,
    in English, any of ``languages`` (the organisation's) or its own languages.

    >>> validate_country("Netherlands"), validate_country("Niederlande", languages=("de",))
    ('NL', 'NL')
    >>> validate_country("United Kingdom"), validate_country("Nederland")
    ('GB', 'NL')
    >>> validate_country("Österreich"), validate_country("Suisse"), validate_country("España")
    ('AT', 'CH', 'ES')
    """
    normalised = code.strip().upper()
    if len(normalised) == 2 and normalised in _COUNTRIES:
        return normalised
    folded = _fold_name(code)
    for language in ("en", *languages):
        found = _country_names(language).get(folded)
        if found:
            return found
    if folded in _COUNTRY_ALIASES:
        return _COUNTRY_ALIASES[folded]
    if folded in _own_names():
        return _own_names()[folded]
    what = "country code" if len(normalised) <= 3 else "country"
    raise InvalidInput(f"unknown {what} {code!r}", field="country")


def languages_of(country: str) -> tuple[str, ...]:
    """The official languages of ``country`` (for reading names written in them).

    >>> languages_of("BE")
    ('nl', 'fr', 'de')
    """
    return tuple(get_official_languages(country.upper())) if country else ()


@lru_cache(maxsize=256)
def validate_language(code: str) -> str:
    """A language (or locale) Babel knows, such as ``en``, ``de`` or ``de_AT``."""
    normalised = code.strip().replace("-", "_")
    try:
        Locale.parse(normalised)
    except (ValueError, UnknownLocaleError):
        raise InvalidInput(f"unknown language {code!r}", field="language") from None
    return normalised


@lru_cache(maxsize=256)
def language_of_country(country: str) -> str:
    """The language most people in ``country`` write in (Babel's likely subtags), for a
    customer whose language nobody gave; English where the country is unknown.

    >>> language_of_country("DE"), language_of_country("GB"), language_of_country("")
    ('de', 'en', 'en')
    """
    try:
        return str(Locale.parse(f"und_{country.upper()}").language) if country else "en"
    except (ValueError, UnknownLocaleError):
        return "en"


@lru_cache(maxsize=1)
def _timezones() -> frozenset[str]:
    return frozenset(available_timezones())


def validate_timezone(name: str) -> str:
    """An IANA time zone name such as ``Europe/Berlin``."""
    normalised = name.strip()
    if normalised not in _timezones():
        raise InvalidInput(f"unknown time zone {name!r}", field="timezone")
    ZoneInfo(normalised)
    return normalised


# Where a country spans time zones, the one its businesses mostly keep (the capital's
# or the most populous region's).
_MAIN_ZONE = {
    "US": "America/New_York", "CA": "America/Toronto", "AU": "Australia/Sydney",
    "BR": "America/Sao_Paulo", "MX": "America/Mexico_City", "RU": "Europe/Moscow",
    "ES": "Europe/Madrid", "PT": "Europe/Lisbon", "NZ": "Pacific/Auckland",
    "ID": "Asia/Jakarta", "AR": "America/Argentina/Buenos_Aires", "CL": "America/Santiago",
    "KZ": "Asia/Almaty", "CN": "Asia/Shanghai", "UA": "Europe/Kyiv", "DE": "Europe/Berlin",
    "FR": "Europe/Paris", "NL": "Europe/Amsterdam", "DK": "Europe/Copenhagen",
    "EC": "America/Guayaquil", "CD": "Africa/Kinshasa", "MN": "Asia/Ulaanbaatar",
    "MY": "Asia/Kuala_Lumpur", "PG": "Pacific/Port_Moresby", "KI": "Pacific/Tarawa",
    "FM": "Pacific/Pohnpei", "MH": "Pacific/Majuro", "PF": "Pacific/Tahiti",
    "UZ": "Asia/Tashkent", "CY": "Asia/Nicosia", "GL": "America/Nuuk",
}  # fmt: skip


def timezone_of_country(country: str) -> str:
    """The time zone a customer in ``country`` keeps when nobody said (its messages go
    out in its morning): the country's only zone, else its main one; UTC when unknown.

    >>> timezone_of_country("GB"), timezone_of_country("US"), timezone_of_country("")
    ('Europe/London', 'America/New_York', 'UTC')
    """
    code = country.strip().upper()
    if code in _MAIN_ZONE:
        return _MAIN_ZONE[code]
    zones = [z for z in get_global("territory_zones").get(code, ()) if z in _timezones()]
    return zones[0] if len(zones) == 1 else "UTC"


def _module(country: str, name: str) -> Any:
    try:
        return get_cc_module(country.lower(), name)
    except ImportError:
        return None


def validate_vat(number: str, country: str) -> str:
    """A VAT number, checked with the country's rules where python-stdnum has them."""
    if not number.strip():
        return ""
    compact = number.strip().replace(" ", "").replace(".", "").replace("-", "").upper()
    prefix = compact[:2] if compact[:2].isalpha() else country.upper()
    try:
        if prefix.lower() in eu_vat.MEMBER_STATES:
            return str(eu_vat.validate(compact if compact[:2].isalpha() else prefix + compact))
        module = _module(prefix, "vat")
        valid = str(module.validate(compact)) if module else compact
        return valid if valid[:2].isalpha() else prefix + valid
    except ValidationError as exc:
        raise InvalidInput(f"invalid VAT number {number!r}: {exc}", field="vat_number") from None


def validate_registration(number: str, country: str) -> str:
    """A company-register number, checked where python-stdnum knows the country's."""
    if not number.strip():
        return ""
    name = _REGISTRATION_MODULES.get(country.upper())
    module = _module(country, name) if name else None
    if module is None:
        return number.strip()
    try:
        return str(module.validate(number))
    except ValidationError as exc:
        if country.upper() == "DE" and (bare := _GERMAN_REGISTER.match(number.strip())):
            # "HRB 123456": the register and number, without the court's name.
            suffix = f" {bare[3]}" if bare[3] else ""
            return f"{bare[1].upper()} {bare[2]}{suffix}"
        raise InvalidInput(
            f"invalid registration number {number!r}: {exc}", field="registration_number"
        ) from None


def validate_iban(number: str) -> str:
    """An IBAN in compact form."""
    if not number.strip():
        return ""
    try:
        return str(stdnum_iban.validate(number))
    except ValidationError as exc:
        raise InvalidInput(f"invalid IBAN {number!r}: {exc}", field="iban") from None


def validate_bic(code: str) -> str:
    """A SWIFT BIC (8 or 11 characters), upper-cased.

    >>> validate_bic("bukb gb22")
    'BUKBGB22'
    """
    if not code.strip():
        return ""
    try:
        return str(stdnum_bic.validate(code))
    except ValidationError as exc:
        raise InvalidInput(f"invalid BIC {code!r}: {exc}", field="bic") from None


def _digits(value: str, *, length: int, field: str, what: str) -> str:
    compact = "".join(value.replace("-", " ").split())
    if not compact:
        return ""
    if not compact.isdigit() or len(compact) != length:
        raise InvalidInput(f"invalid {what} {value!r}: {length} digits expected", field=field)
    return compact


def validate_sort_code(code: str) -> str:
    """A UK bank sort code: six digits, written ``20-20-15`` or ``202015``.

    >>> validate_sort_code("20-20-15")
    '202015'
    """
    return _digits(code, length=6, field="sort_code", what="sort code")


def validate_uk_account_number(number: str) -> str:
    """A UK bank account number: eight digits.

    >>> validate_uk_account_number("5555 5555")
    '55555555'
    """
    return _digits(number, length=8, field="account_number", what="UK account number")


def validate_routing_number(number: str) -> str:
    """A US ABA routing transit number (nine digits with a check digit).

    >>> validate_routing_number("111000025")
    '111000025'
    """
    if not number.strip():
        return ""
    try:
        return str(us_rtn.validate(number))
    except ValidationError as exc:
        raise InvalidInput(
            f"invalid routing number {number!r}: {exc}", field="routing_number"
        ) from None


def validate_phone(number: str, country: str = "") -> str:
    """A phone number in E.164 form (``+441134960000``), as text-message providers take
    it; a national number is read in ``country``'s numbering plan.

    >>> validate_phone("0113 496 0000", "GB")
    '+441134960000'
    >>> validate_phone("+49 (30) 901820")
    '+4930901820'
    """
    text = number.strip()
    if not text:
        return ""
    try:
        parsed = phonenumbers.parse(text, country.upper() or None)
    except phonenumbers.NumberParseException as exc:
        raise InvalidInput(f"not a phone number {number!r}: {exc}", field="phone") from None
    if not phonenumbers.is_valid_number(parsed):
        where = f" in {country.upper()}" if country else ""
        raise InvalidInput(f"not a valid phone number{where}: {number!r}", field="phone")
    return str(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))


def validate_email(address: str) -> str:
    """A plausible email address (one ``@``, a dot in the domain, no spaces)."""
    normalised = address.strip()
    if not normalised:
        return ""
    local, at, domain = normalised.rpartition("@")
    if not at or not local or "." not in domain or " " in normalised:
        raise InvalidInput(f"invalid email address {address!r}", field="email")
    return normalised


def is_valid_vat(number: str, country: str) -> bool:
    """Whether ``number`` is a valid VAT number for ``country``."""
    try:
        validate_vat(number, country)
    except InvalidInput:
        return False
    return True
