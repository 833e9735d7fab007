"""Download reference rates from the central banks' own public endpoints, validate them
and turn them into rate changes for ``charges.service.import_rates``.

One source per table, each read in the exact format its publisher serves:

- ``ecb_mro``: ECB Data Portal, series ``FM.D.U2.EUR.4F.KR.MRR_FR.LEV`` (main refinancing
  operations, fixed rate), SDMX CSV (``format=csvdata``: a header naming ``TIME_PERIOD``
  and ``OBS_VALUE`` among other columns).
- ``boe_base``: Bank of England database, series ``IUDBEDR`` (official Bank Rate, daily),
  CSV ``DATE,IUDBEDR`` with dates such as ``18 Dec 2025``.
- ``de_basiszins``: Bundesbank time series ``BBK01.SU0115`` (Basiszinssatz § 247 BGB), CSV
  with a header row, metadata rows (unit, last update, ...) and then ``YYYY-MM-DD,value,flag``
  rows; ``.`` marks a missing value.
- ``nbp_ref``: NBP archive of its interest rates (``stopy_procentowe_archiwum.xml``):
  ``<pozycje obowiazuje_od="YYYY-MM-DD">`` holding ``<pozycja id="ref" oprocentowanie="5,75"/>``.
- ``nbp_eur_pln``: NBP Web API, table A average EUR rate (JSON ``{"rates": [{"effectiveDate":
  ..., "mid": ...}]}``), fetched in windows of at most 93 days as the API requires.
- ``at_basiszins``: derived from the ECB series by the rule of the 1. Euro-Justiz-
  Begleitgesetz (Art. I § 1 with BGBl. II Nr. 27/1999): the Austrian base rate moves by
  as much as the ECB main refinancing rate has moved since the base rate last changed,
  once that adds up to 0.5 points or more. The OeNB publishes no machine-readable series
  of it that Recoup reads; the derivation reproduces every OeNB announcement checked
  (see ``rates/at_basiszins.csv``) and starts from the newest row of that table.

A daily series is reduced to the days its value changed. Every row is validated like a
rate file (date, range, decimals); a response that cannot be read is refused with the
source named and nothing is imported.
"""

import csv
import io
import json
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from recoup.charges import service
from recoup.charges.core import RateChange, RateNotFound, RateTable
from recoup.charges.tables import IMPORT_ONLY
from recoup.charges.tables import _rate as checked_rate
from recoup.errors import RecoupError

USER_AGENT = "Recoup reference-rate update (+https://github.com/recoup)"
TIMEOUT_SECONDS = 30
NBP_WINDOW_DAYS = 93
# How far back the NBP EUR rates are fetched: the compensation of a debt due in the
# coming months needs the rate of the last working day of the month before.
NBP_FX_HISTORY_DAYS = 400


class SourceUnreadable(RecoupError):
    """A central bank's response could not be downloaded or read; nothing was imported."""

    status_code = 502


@dataclass(frozen=True, slots=True)
class Source:
    """Where a table's rates come from and how its response is read."""

    table: str
    publisher: str
    default_base: str
    paths: Callable[[date], list[str]]
    parse: Callable[[str], list[RateChange]]
    # The NBP Web API answers 404 for a window without a working day.
    empty_on_404: bool = False


def _changes_only(points: Iterable[tuple[date, Decimal]]) -> list[RateChange]:
    """The days a series changed value (the first point included), in date order."""
    changes: list[RateChange] = []
    for day, rate in sorted(points):
        if changes and changes[-1].effective_from == day:
            raise ValueError(f"{day} appears twice")
        if not changes or changes[-1].rate_percent != rate:
            changes.append(RateChange(day, rate))
    return changes


def _value(text: str, where: str) -> Decimal:
    try:
        return checked_rate(text.replace(",", ".") if text.count(",") == 1 else text)
    except ValueError as error:
        raise ValueError(f"{where}: {error}") from None


def parse_ecb_csv(text: str) -> list[RateChange]:
    """An ECB Data Portal SDMX CSV series (columns ``TIME_PERIOD`` and ``OBS_VALUE``)."""
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or not {"TIME_PERIOD", "OBS_VALUE"} <= set(reader.fieldnames):
        raise ValueError("no TIME_PERIOD and OBS_VALUE columns")
    points = []
    for number, row in enumerate(reader, start=2):
        if not (row["OBS_VALUE"] or "").strip():
            continue
        day = date.fromisoformat(row["TIME_PERIOD"].strip())
        points.append((day, _value(row["OBS_VALUE"].strip(), f"line {number}")))
    return _changes_only(points)


def parse_boe_csv(text: str) -> list[RateChange]:
    """A Bank of England database CSV of series ``IUDBEDR`` (``DATE,IUDBEDR``)."""
    reader = csv.reader(io.StringIO(text))
    header = [cell.strip().upper() for cell in next(reader, [])]
    if header[:2] != ["DATE", "IUDBEDR"]:
        raise ValueError("the header is not DATE,IUDBEDR")
    points = []
    for number, row in enumerate(reader, start=2):
        if not row or not row[0].strip() or row[1].strip() in ("", ".."):
            continue
        day = datetime.strptime(row[0].strip(), "%d %b %Y").date()
        points.append((day, _value(row[1].strip(), f"line {number}")))
    return _changes_only(points)


def parse_bundesbank_csv(text: str) -> list[RateChange]:
    """A Bundesbank time-series CSV: dated rows after the header and metadata rows.

    The base-rate series is monthly (``2026-01`` or the month's last day): each value is
    taken to be in force from the month's first day, as the base rate changes only on
    1 January and 1 July.
    """
    points = []
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if len(row) < 2:
            continue
        cell = row[0].strip()
        try:
            day = date.fromisoformat(cell if len(cell) != 7 else f"{cell}-01").replace(day=1)
        except ValueError:
            continue  # the header, the metadata rows and a closing comment
        if row[1].strip() in ("", "."):
            continue
        points.append((day, _value(row[1].strip(), f"line {number}")))
    return _changes_only(points)


def parse_nbp_archive(text: str) -> list[RateChange]:
    """The NBP's archive of its rates: the reference rate (``id="ref"``) of each set."""
    root = ET.fromstring(text)
    points = []
    for group in root.iter("pozycje"):
        for item in group.iter("pozycja"):
            if item.attrib.get("id") != "ref":
                continue
            # The date is on the set (archive) or on the item (current rates file).
            day = date.fromisoformat(
                item.attrib.get("obowiazuje_od") or group.attrib["obowiazuje_od"]
            )
            points.append((day, _value(item.attrib["oprocentowanie"], f"{day}")))
    if not points:
        raise ValueError('no reference rate (pozycja id="ref")')
    return _changes_only(points)


def parse_nbp_rates(text: str) -> list[RateChange]:
    """NBP Web API table A rates of one currency (JSON), one row per working day."""
    document = json.loads(text)
    return [
        RateChange(
            date.fromisoformat(rate["effectiveDate"]),
            _value(str(rate["mid"]), rate["effectiveDate"]),
        )
        for rate in document["rates"]
    ]


def _nbp_windows(today: date) -> list[str]:
    paths = []
    end = today
    start_of_history = today - timedelta(days=NBP_FX_HISTORY_DAYS)
    while end > start_of_history:
        start = max(end - timedelta(days=NBP_WINDOW_DAYS - 1), start_of_history)
        paths.append(f"/api/exchangerates/rates/a/eur/{start}/{end}/?format=json")
        end = start - timedelta(days=1)
    return paths


SOURCES: dict[str, Source] = {
    source.table: source
    for source in (
        Source(
            "ecb_mro",
            "ECB Data Portal",
            "https://data-api.ecb.europa.eu",
            lambda today: ["/service/data/FM/D.U2.EUR.4F.KR.MRR_FR.LEV?format=csvdata"],
            parse_ecb_csv,
        ),
        Source(
            "boe_base",
            "Bank of England database",
            "https://www.bankofengland.co.uk",
            lambda today: [
                "/boeapps/database/_iadb-fromshowcolumns.asp?csv.x=yes&Datefrom=01/Jan/2009"
                "&Dateto=now&SeriesCodes=IUDBEDR&CSVF=TN&UsingCodes=Y&VPD=Y&VFD=N"
            ],
            parse_boe_csv,
        ),
        Source(
            "de_basiszins",
            "Deutsche Bundesbank time series BBK01.SU0115",
            "https://api.statistiken.bundesbank.de",
            lambda today: ["/rest/download/BBK01/SU0115?format=csv&lang=en"],
            parse_bundesbank_csv,
        ),
        Source(
            "nbp_ref",
            "Narodowy Bank Polski",
            "https://static.nbp.pl",
            lambda today: ["/dane/stopy/stopy_procentowe_archiwum.xml"],
            parse_nbp_archive,
        ),
        Source(
            "nbp_eur_pln",
            "Narodowy Bank Polski Web API (table A, EUR)",
            "https://api.nbp.pl",
            _nbp_windows,
            parse_nbp_rates,
            empty_on_404=True,
        ),
    )
}
# Derived tables: (the table, the table it is derived from).
DERIVED = {"at_basiszins": "ecb_mro"}


def derive_at_basiszins(ecb: RateTable, austrian: RateTable) -> list[RateChange]:
    """New Austrian base rates after the newest known one, from the ECB rate changes.

    The base rate moves by as much as the ECB rate has moved since the base rate's last
    change, once that is 0.5 points or more (either way).

    >>> ecb = RateTable("ecb_mro", (RateChange(date(2024, 6, 12), Decimal("4.25")),
    ...     RateChange(date(2024, 9, 18), Decimal("3.65")),
    ...     RateChange(date(2024, 10, 23), Decimal("3.40")),
    ...     RateChange(date(2024, 12, 18), Decimal("3.15"))))
    >>> at = RateTable("at_basiszins", (RateChange(date(2023, 9, 20), Decimal("3.88")),))
    >>> [(c.effective_from.isoformat(), str(c.rate_percent)) for c in derive_at_basiszins(
    ...     RateTable("ecb_mro", (RateChange(date(2023, 9, 20), Decimal("4.50")),
    ...               *ecb.changes)), at)]
    [('2024-09-18', '3.03'), ('2024-12-18', '2.53')]
    """
    last = austrian.last
    anchor = ecb.in_force_on(last.effective_from).rate_percent
    level = last.rate_percent
    derived = []
    for change in ecb.changes:
        if change.effective_from <= last.effective_from:
            continue
        moved = change.rate_percent - anchor
        if abs(moved) >= Decimal("0.5"):
            level += moved
            anchor = change.rate_percent
            derived.append(RateChange(change.effective_from, level))
    return derived


Fetch = Callable[[str], str]


class NoData(SourceUnreadable):
    """The server answered 404: no data for what was asked."""


def fetch_url(url: str) -> str:
    """GET ``url`` as text (the publishers' servers want a User-Agent)."""
    if not url.startswith(("https://", "http://")):
        raise SourceUnreadable(f"{url}: only http(s) URLs are fetched")
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            body: bytes = response.read()
    except urllib.error.HTTPError as error:
        kind = NoData if error.code == 404 else SourceUnreadable
        raise kind(f"{url}: HTTP {error.code} {error.reason}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        raise SourceUnreadable(f"{url}: {error}") from None
    return body.decode("utf-8-sig")


@dataclass(frozen=True, slots=True)
class Downloaded:
    """What one source gave: the table's validated changes and the URLs read."""

    table: str
    changes: tuple[RateChange, ...]
    urls: tuple[str, ...]
    publisher: str


def download(
    table: str, *, today: date, base_url: str | None = None, fetch: Fetch = fetch_url
) -> Downloaded:
    """Download and validate one table's series; ``SourceUnreadable`` names what failed."""
    source = SOURCES[table]
    base = (base_url or source.default_base).rstrip("/")
    urls = [base + path for path in source.paths(today)]
    changes: list[RateChange] = []
    for url in urls:
        try:
            text = fetch(url)
        except NoData:
            if source.empty_on_404:
                continue
            raise
        try:
            changes += source.parse(text)
        except (ValueError, KeyError, TypeError, ET.ParseError) as error:
            raise SourceUnreadable(
                f"{source.publisher} ({url}) sent something Recoup cannot read: {error}"
            ) from None
    by_day = {change.effective_from: change for change in changes}
    if not by_day:
        raise SourceUnreadable(f"{source.publisher} ({urls[0]}) sent no rates")
    future = [day for day in by_day if day > today + timedelta(days=31)]
    if future:
        raise SourceUnreadable(
            f"{source.publisher} ({urls[0]}) sent a rate dated {min(future)}, more than a "
            "month ahead: refused"
        )
    ordered = tuple(by_day[day] for day in sorted(by_day))
    return Downloaded(table, ordered, tuple(urls), source.publisher)


def new_changes(
    name: str, current: RateTable | None, downloaded: Sequence[RateChange]
) -> RateTable | None:
    """The downloaded changes that differ from what ``current`` has in force on their
    day (a daily series' first point, equal to a known rate, is no change); ``None``
    when nothing is new. Exchange-rate tables keep every working day's rate."""
    kept = []
    known = {c.effective_from: c.rate_percent for c in current.changes} if current else {}
    for change in downloaded:
        if known.get(change.effective_from) == change.rate_percent:
            continue
        if current is not None and name not in IMPORT_ONLY:
            try:
                if current.in_force_on(change.effective_from).rate_percent == change.rate_percent:
                    continue
            except RateNotFound:
                pass
        kept.append(change)
    return RateTable(name, tuple(kept)) if kept else None


@dataclass(frozen=True, slots=True)
class Updated:
    """One table's update: what was downloaded, and what was imported (``None``: nothing new)."""

    table: str
    source: str
    downloaded: int
    imported: service.RatesImported | None


def update_rates(
    session: Session,
    *,
    today: date,
    tables: Sequence[str] | None = None,
    base_url: str | None = None,
    fetch: Fetch = fetch_url,
) -> list[Updated]:
    """Download every table (or ``tables``), validate and import what is new, in the
    caller's transaction; a source that fails raises ``SourceUnreadable`` and the caller
    rolls back, so a partial update is never stored."""
    names = list(tables) if tables else [*SOURCES, *DERIVED]
    unknown = [n for n in names if n not in SOURCES and n not in DERIVED]
    if unknown:
        known = ", ".join([*SOURCES, *DERIVED])
        raise SourceUnreadable(f"no source for {', '.join(unknown)} (known: {known})")
    results = []
    for name in [n for n in names if n in SOURCES]:
        got = download(name, today=today, base_url=base_url, fetch=fetch)
        source = f"{got.publisher}: {got.urls[0]}"
        results.append(_store(session, name, got.changes, source))
        # The publisher's series as of today: the table is complete through today.
        service.record_check(session, table=name, checked_through=today, source=source)
    for name in [n for n in names if n in DERIVED]:
        basis = service.rate_table(session, name=DERIVED[name])
        derived = derive_at_basiszins(basis, service.rate_table(session, name=name))
        source = f"derived from {DERIVED[name]} (OeNB rule)"
        results.append(_store(session, name, tuple(derived), source))
        service.record_check(
            session, table=name, checked_through=basis.checked_through, source=source
        )
    return results


def _store(session: Session, name: str, changes: Sequence[RateChange], source: str) -> Updated:
    try:
        current: RateTable | None = service.rate_table(session, name=name)
    except RateNotFound:
        current = None
    table = new_changes(name, current, changes)
    imported = service.import_rates(session, table=table, source=source) if table else None
    return Updated(name, source, len(changes), imported)
