"""The management report of November 2026 over the hand-worked book of test_service.py:
its figures, its charts' accessible titles and tables, in English and German, and the
PDF's text."""

from decimal import Decimal

from sqlalchemy.orm import Session

from recoup.analytics import report, service
from recoup.analytics.core import Kpi
from tests.analytics.test_service import _book
from tests.pdf import pdf_text, squash


def test_report_figures(session: Session) -> None:
    org = _book(session)
    service.set_goal(session, org_id=org.id, kpi="dso", target=Decimal(30))
    data = report.management_report(session, org_id=org.id, year=2026, month=11)
    assert data.month == "2026-11"
    assert [c.currency for c in data.currencies] == ["EUR", "GBP"]
    eur = data.currencies[0]
    assert eur.months[0] == "2025-12"
    assert eur.months[-1] == "2026-11"
    # October's end: I1 (due that day) and I4 are not yet due.
    assert eur.aging[-2] == [130_000, 0, 0, 0, 0]
    # November's end: 2,000 not yet due, 400 + 200 in 1-30.
    assert eur.aging[-1] == [200_000, 60_000, 0, 0, 0]
    assert eur.dso[-1] == Decimal("31.2")
    assert eur.cei[-1] == Decimal("66.67")
    assert (eur.due[-1], eur.collected_of_due[-1]) == (70_000, 50_000)
    assert eur.values[Kpi.DSO] == Decimal("31.2")
    assert [(r.group, r.figures.ending_ar) for r in eur.collectors] == [
        ("ann", 240_000),
        ("bob", 20_000),
    ]
    assert eur.disputes == [("pricing", 1, 20_000)]
    assert data.target(Kpi.DSO, "EUR") == Decimal(30)


def test_report_html_and_pdf_in_english(session: Session) -> None:
    org = _book(session)
    service.set_goal(session, org_id=org.id, kpi="dso", target=Decimal(30))
    data = report.management_report(session, org_id=org.id, year=2026, month=11)
    html = report.render_html(data, language="en")
    assert '<svg role="img" aria-labelledby="aging-EUR"' in html
    assert '<title id="aging-EUR">Aging by bucket over 12 months (EUR)</title>' in html
    assert '<title id="dso-EUR">DSO against target (EUR)</title>' in html
    assert "<td>2026-11</td><td>€2,000.00</td><td>€600.00</td>" in html
    text = squash(pdf_text(report.render_pdf(data, language="en")))
    assert "Management report: November 2026" in text
    assert "Acme Ltd" in text
    assert "DSO (days) 31.20 30.00 missed" in text
    assert "Collection effectiveness (%) 66.67" in text
    # ann: 2,400 open, 400 overdue, 600 paid in November, DSO 36, CEI, no promises.
    assert "ann €2,400.00 €400.00 €600.00 36.00" in text
    assert "Pricing 1 €200.00" in text


def test_report_in_german(session: Session) -> None:
    org = _book(session)
    data = report.management_report(session, org_id=org.id, year=2026, month=11)
    text = squash(pdf_text(report.render_pdf(data, language="de")))
    assert "Managementbericht: November 2026" in text
    assert "DSO (Tage) 31,20" in text
    assert "Altersstruktur der Forderungen über 12 Monate" in text
    assert "Preis 1 200,00 €" in text
