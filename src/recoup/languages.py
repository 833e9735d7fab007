"""Which language a customer is written to in: the one place that decides.

Messages, documents and the customer portal all ask ``choose_language``: the contact's
language, then the customer's, then the language of the customer's country, then
English. A language that somebody set always wins over the country (a Belgian customer
whose language is ``fr`` gets French; one with none gets Dutch).

>>> choose_language("", "fr", country="BE")
'fr'
>>> choose_language("", "", country="BE")
'nl'
>>> choose_language(None, "", country="ch")
'de'
>>> choose_language("", "", country="US")
'en'
"""

from babel import Locale, UnknownLocaleError

#: The languages Recoup writes to customers in (messages, documents, portal).
LANGUAGES: tuple[str, ...] = ("en", "de", "fr", "nl", "es", "it")

DEFAULT_LANGUAGE = "en"

#: The language of a customer's country when nobody set one. Belgium is written to in
#: Dutch unless the customer's (or contact's) language says French; Switzerland in German.
COUNTRY_LANGUAGES: dict[str, str] = {
    "FR": "fr",
    "BE": "nl",
    "NL": "nl",
    "ES": "es",
    "IT": "it",
    "DE": "de",
    "AT": "de",
    "CH": "de",
}


def country_language(country: str | None) -> str:
    """The language for a customer in ``country`` (ISO code), English when not listed."""
    return COUNTRY_LANGUAGES.get((country or "").strip().upper(), DEFAULT_LANGUAGE)


def choose_language(*asked: str | None, country: str | None = "") -> str:
    """The first language given in ``asked`` (contact's, then customer's, ...), else the
    language of ``country``, else English. Codes are returned as given (``de-AT``
    stays ``de-AT``); callers that support fewer languages narrow it themselves."""
    for candidate in asked:
        if candidate and candidate.strip():
            return candidate.strip()
    return country_language(country)


def base_language(code: str | None) -> str:
    """The language part of a code: ``de`` for ``de-AT`` / ``de_AT``, lower case.

    >>> base_language("nl_BE"), base_language("FR"), base_language(None)
    ('nl', 'fr', '')
    """
    return (code or "").strip().replace("-", "_").split("_")[0].lower()


def locale_of(language: str, country: str) -> str:
    """The Babel locale to write ``language`` in for someone in ``country``: ``de`` in
    Austria is ``de_AT``; a language that names its territory keeps it; a combination
    Babel does not know keeps the language alone; an unknown language is English.

    >>> locale_of("de", "at"), locale_of("en-GB", "US"), locale_of("en", ""), locale_of("xx", "GB")
    ('de_AT', 'en_GB', 'en', 'en')
    """
    try:
        parsed = Locale.parse(language.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return DEFAULT_LANGUAGE
    country = country.strip().upper()
    if parsed.territory is None and len(country) == 2:
        try:
            return str(Locale.parse(f"{parsed.language}_{country}"))
        except (ValueError, UnknownLocaleError):
            pass
    return str(parsed)
