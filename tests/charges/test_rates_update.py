"""``recoup charges rates update`` against recorded responses served on 127.0.0.1.

The files in ``data/rates/`` are in the formats the publishers serve. Rows dated after
the shipped tables end are test figures, not published rates: ECB 1.65 % from
2026-06-10, Bank Rate 3.60 % from 2026-03-20, Basiszinssatz 0.77 % from 2026-07-01,
NBP 3.50 % from 2026-05-07, and the NBP EUR rates.
"""

import json
import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import urlsplit

import pytest

from recoup.charges.core import RateChange, RateTable
from recoup.charges.rates_update import (
    derive_at_basiszins,
    download,
    parse_boe_csv,
    parse_bundesbank_csv,
    parse_ecb_csv,
    parse_nbp_archive,
)
from recoup.charges.tables import shipped_table
from tests.charges.conftest import Recoup

DATA = Path(__file__).parent / "data" / "rates"
D = __import__("decimal").Decimal
ROUTES = {
    "/service/data/FM/D.U2.EUR.4F.KR.MRR_FR.LEV": "ecb_mro.csv",
    "/boeapps/database/_iadb-fromshowcolumns.asp": "boe_iudbedr.csv",
    "/rest/download/BBK01/SU0115": "bundesbank_su0115.csv",
    "/dane/stopy/stopy_procentowe_archiwum.xml": "nbp_stopy_procentowe_archiwum.xml",
}


class Publisher(BaseHTTPRequestHandler):
    """Serves the recorded responses by path, as the publishers do; ``broken`` paths
    answer with an HTML error page instead."""

    broken: ClassVar[set[str]] = set()
    requested: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        self.requested.append(self.path)
        if path in self.broken:
            self._send(200, "<html><body>Service unavailable</body></html>", "text/html")
        elif path in ROUTES:
            self._send(200, (DATA / ROUTES[path]).read_text(encoding="utf-8"), "text/csv")
        elif path.startswith("/api/exchangerates/rates/a/eur/"):
            start, end = path.split("/")[6:8]
            document = json.loads((DATA / "nbp_eur.json").read_text(encoding="utf-8"))
            document["rates"] = [r for r in document["rates"] if start <= r["effectiveDate"] <= end]
            if document["rates"]:
                self._send(200, json.dumps(document), "application/json")
            else:  # what the NBP Web API answers for a window without data
                self._send(404, "404 NotFound - Not Found - Brak danych", "text/plain")
        else:
            self._send(404, "not found", "text/plain")

    def _send(self, status: int, body: str, kind: str) -> None:
        payload = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", f"{kind}; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def publisher() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Publisher)
    Publisher.broken, Publisher.requested = set(), []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_each_published_format_is_read() -> None:
    ecb = parse_ecb_csv((DATA / "ecb_mro.csv").read_text(encoding="utf-8"))
    assert ecb[-2:] == [
        RateChange(date(2025, 6, 11), D("2.15")),
        RateChange(date(2026, 6, 10), D("1.65")),
    ]
    # A daily series comes down to the days it changed.
    boe = parse_boe_csv((DATA / "boe_iudbedr.csv").read_text(encoding="utf-8"))
    assert boe == [
        RateChange(date(2025, 12, 15), D("4.00")),
        RateChange(date(2025, 12, 18), D("3.75")),
        RateChange(date(2026, 3, 20), D("3.60")),
    ]
    # Monthly values, each in force from the month's first day.
    bbk = parse_bundesbank_csv((DATA / "bundesbank_su0115.csv").read_text(encoding="utf-8"))
    assert bbk == [
        RateChange(date(2025, 6, 1), D("2.27")),
        RateChange(date(2025, 7, 1), D("1.27")),
        RateChange(date(2026, 7, 1), D("0.77")),
    ]
    nbp = parse_nbp_archive(
        (DATA / "nbp_stopy_procentowe_archiwum.xml").read_text(encoding="utf-8")
    )
    assert [(c.effective_from, c.rate_percent) for c in nbp] == [
        (date(2025, 11, 6), D("4.25")),
        (date(2025, 12, 4), D("4.00")),
        (date(2026, 3, 5), D("3.75")),
        (date(2026, 5, 7), D("3.50")),
    ]


def test_the_austrian_derivation_reproduces_the_oenb_announcements() -> None:
    # From the OeNB's 3.88 % of 2023-09-20, the shipped ECB table gives the OeNB's own
    # later figures: 3.03 % from 2024-09-18 and 2.53 % from 2024-12-18.
    at = RateTable("at_basiszins", (RateChange(date(2023, 9, 20), D("3.88")),))
    derived = derive_at_basiszins(shipped_table("ecb_mro"), at)
    shipped = shipped_table("at_basiszins")
    assert [(c.effective_from, c.rate_percent) for c in derived[:2]] == [
        (date(2024, 9, 18), D("3.03")),
        (date(2024, 12, 18), D("2.53")),
    ]
    assert [c for c in shipped.changes if c.effective_from > date(2023, 9, 20)] == derived


def test_update_imports_what_is_new_and_then_nothing(recoup: Recoup, publisher: str) -> None:
    recoup("init")
    first = recoup("charges", "rates", "update", "--base-url", publisher)
    assert first.exit_code == 0, first.output
    lines = first.stdout.splitlines()
    assert lines == [
        f"ecb_mro: 1 new, 0 changed (ECB Data Portal: {publisher}/service/data/FM/"
        "D.U2.EUR.4F.KR.MRR_FR.LEV?format=csvdata)",
        f"boe_base: 1 new, 0 changed (Bank of England database: {publisher}/boeapps/database/"
        "_iadb-fromshowcolumns.asp?csv.x=yes&Datefrom=01/Jan/2009&Dateto=now"
        "&SeriesCodes=IUDBEDR&CSVF=TN&UsingCodes=Y&VPD=Y&VFD=N)",
        f"de_basiszins: 1 new, 0 changed (Deutsche Bundesbank time series BBK01.SU0115: "
        f"{publisher}/rest/download/BBK01/SU0115?format=csv&lang=en)",
        f"nbp_ref: 1 new, 0 changed (Narodowy Bank Polski: "
        f"{publisher}/dane/stopy/stopy_procentowe_archiwum.xml)",
        lines[4],  # the NBP EUR rates: the first window's URL depends on today
        "at_basiszins: 1 new, 0 changed (derived from ecb_mro (OeNB rule))",
    ]
    assert lines[4].startswith("nbp_eur_pln: ")
    listed = recoup("charges", "rates", "list", "--table", "at_basiszins").stdout.splitlines()
    # ECB 2.15 → 1.65 (test figure) is a 0.5 move: the Austrian base rate 1.53 → 1.03.
    assert listed[-1] == "at_basiszins  2026-06-10          1.03  imported"
    boe = recoup("charges", "rates", "list", "--table", "boe_base").stdout.splitlines()
    assert boe[-2:] == [
        "boe_base      2025-12-18          3.75  shipped",
        "boe_base      2026-03-20          3.60  imported",
    ]
    again = recoup("charges", "rates", "update", "--base-url", publisher)
    assert again.exit_code == 0, again.output
    assert all(" up to date " in line for line in again.stdout.splitlines())


def test_an_unreadable_response_stores_nothing(recoup: Recoup, publisher: str) -> None:
    recoup("init")
    Publisher.broken = {"/rest/download/BBK01/SU0115"}
    result = recoup("charges", "rates", "update", "--base-url", publisher)
    assert result.exit_code == 1
    assert result.stderr.startswith(
        f"error: Deutsche Bundesbank time series BBK01.SU0115 ({publisher}/rest/download/"
        "BBK01/SU0115?format=csv&lang=en) sent no rates"
    )
    # The ECB and Bank of England series read before it were not stored either.
    listed = recoup("charges", "rates", "list").stdout
    assert "imported" not in listed


def test_a_single_table_and_the_download_validation(publisher: str) -> None:
    got = download("boe_base", today=date(2026, 12, 2), base_url=publisher)
    assert got.changes[-1] == RateChange(date(2026, 3, 20), D("3.60"))
    # A rate dated more than a month after today is refused.
    with pytest.raises(Exception, match="sent a rate dated 2026-03-20, more than a month ahead"):
        download("boe_base", today=date(2026, 1, 2), base_url=publisher)
