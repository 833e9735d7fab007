"""The management report of November 2026 over the hand-worked book of test_service.py:
its figures, its charts' accessible titles and tables, in English and German, and the
PDF's text."""

from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from recoup.analytics import report, service
from recoup.analytics.core import Kpi
from recoup.analytics.prediction.service import InvoiceScore, accounts_at_risk
from recoup.cases import agency
from recoup.ledger import service as ledger
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
    assert (eur.due[-1], eur.collected_of_due[-1]) == (170_000, 110_000)
    assert eur.values[Kpi.DSO] == Decimal("31.2")
    assert [(r.collector, r.figures.open_amount) for r in eur.collectors] == [
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
    # ann: 1 account, 2,400 open, 400 overdue, 600 paid in November (none after a
    # contact: the book has none), DSO 36, CEI, no promises, disputes or tasks.
    assert "ann 1 €2,400.00 €400.00 €600.00 €0.00 36.00" in text
    assert "<th>Accounts</th>" in html
    assert "<th>Paid after contact</th>" in html
    assert "<th>Kept of closed</th>" in html
    assert "<th>Disputes resolved within SLA</th>" in html
    assert "<th>Tasks done on time</th>" in html
    assert "<td>0 / 0</td>" in html
    assert "in the 30 days before" in text
    assert "Pricing 1 €200.00" in text


def test_report_in_german(session: Session) -> None:
    org = _book(session)
    data = report.management_report(session, org_id=org.id, year=2026, month=11)
    text = squash(pdf_text(report.render_pdf(data, language="de")))
    assert "Managementbericht: November 2026" in text
    assert "DSO (Tage) 31,20" in text
    assert "Altersstruktur der Forderungen über 12 Monate" in text
    assert "Preis 1 200,00 €" in text
    html = report.render_html(data, language="de")
    assert "<th>Konten</th>" in html
    assert "<th>Bezahlt nach Kontakt</th>" in html
    assert "<th>Eingehalten von abgeschlossenen</th>" in html
    assert "<th>Reklamationen fristgerecht geklärt</th>" in html
    assert "<th>Aufgaben fristgerecht erledigt</th>" in html
    assert "ann 1 2.400,00 € 400,00 € 600,00 € 0,00 € 36,00" in text


def _hand_off_alpha(session: Session, org_id: int) -> None:
    """Alpha's I1 (400.00 open) placed with an agency on 20 November, 100.00 of it
    recovered on 25 November."""
    alpha = next(c for c in ledger.customers(session, org_id=org_id) if c.external_id == "C1")
    open_now = ledger.open_invoices(session, org_id=org_id, customer_id=alpha.id)
    i1 = next(i for i in open_now if i.number == "I1")
    handoff = agency.request_handoff(
        session,
        org_id=org_id,
        customer_id=alpha.id,
        invoice_ids=[i1.id],
        agency="Debt Hunters",
        requested_by="kim@acme.example",
        on=date(2026, 11, 20),
        commission_rate=Decimal("0.25"),
    )
    agency.approve_handoff(
        session,
        org_id=org_id,
        handoff_id=handoff.id,
        approver="max@acme.example",
        approver_role="manager",
        on=date(2026, 11, 20),
    )
    agency.record_recovery(
        session,
        org_id=org_id,
        handoff_id=handoff.id,
        amount=Decimal(100),
        received_on=date(2026, 11, 25),
    )


def test_forecast_accounts_at_risk_and_agency_without_a_model(session: Session) -> None:
    org = _book(session)
    _hand_off_alpha(session, org.id)
    data = report.management_report(session, org_id=org.id, year=2026, month=11)
    assert data.forecast_from == date(2026, 12, 1)
    assert not data.model_trained  # no model: the naive rule, and the report says so
    assert data.weeks[0] == date(2026, 12, 1)
    assert len(data.weeks) == 13
    eur, gbp = data.currencies
    # Known on 1 December: I1 and I4 past due and open (late), I3 paid 5 days late:
    # every example late, so the naive rule gives 100 % and 5 days' lateness. I1 and I4
    # (overdue) are expected within a week of 1 December, I2 (due 5 Dec) on 10 Dec, so
    # all in the week from 8 December (I1's 400.00 less the agency's 100.00); G1 (due 1 Dec) on 6 Dec, in the first week.
    assert eur.forecast == [0, 250_000] + [0] * 11
    assert gbp.forecast == [80_000] + [0] * 12
    assert eur.backtest is None  # nothing open 13 weeks before
    assert [(a.name, a.open_amount, a.at_risk) for a in eur.at_risk] == [
        ("Alpha GmbH", 230_000, 230_000),
        ("Beta SARL", 20_000, 20_000),
    ]
    assert [(a.name, a.at_risk) for a in gbp.at_risk] == [("Gamma Ltd", 80_000)]
    assert eur.placed[-1] == 40_000
    assert eur.recovered[-1] == 10_000
    assert sum(eur.placed[:-1]) == sum(eur.recovered[:-1]) == 0
    text = squash(pdf_text(report.render_pdf(data, language="en")))
    assert "No model trained yet (`recoup model train`)" in text
    assert "8 Dec 2026 €2,500.00" in text  # as a British company writes dates
    assert "Total €2,500.00" in text
    assert "Alpha GmbH €2,300.00 100 % €2,300.00 Beta SARL €200.00 100 % €200.00" in text
    assert "Gamma Ltd £800.00 100 % £800.00" in text
    assert "2026-11 €400.00 €100.00" in text  # placed, recovered
    html = report.render_html(data, language="en")
    assert '<title id="forecast-EUR">Cash forecast, next 13 weeks (EUR)</title>' in html
    assert '<title id="agency-EUR">Agency hand-offs and recoveries (EUR)</title>' in html
    german = squash(pdf_text(report.render_pdf(data, language="de")))
    assert "Noch kein Modell trainiert" in german
    assert "Liquiditätsprognose, nächste 13 Wochen" in german
    assert "08.12.2026 2.500,00 €" in german
    assert "Alpha GmbH 2.300,00 € 100 % 2.300,00 €" in german
    assert "2026-11 400,00 € 100,00 €" in german


def test_accounts_at_risk_sum_open_amount_times_probability() -> None:
    def score(invoice_id: int, customer_id: int, currency: str, amount: int, p: float):  # type: ignore[no-untyped-def]
        return InvoiceScore(
            invoice_id,
            customer_id,
            f"N{invoice_id}",
            currency,
            amount,
            date(2026, 1, 1),
            p,
            date(2026, 2, 1),
        )

    scores = [
        score(1, 1, "EUR", 100_00, 0.72),  # 72.00
        score(2, 1, "EUR", 50_00, 0.1),  # 5.00
        score(3, 2, "EUR", 1_000_00, 0.05),  # 50.00
        score(4, 1, "USD", 10_00, 0.5),  # 5.00, apart from the euros
    ]
    found = accounts_at_risk(scores, {1: "Alpha", 2: "Beta"})
    assert [(a.name, a.currency, a.open_amount, a.at_risk, a.invoices) for a in found] == [
        ("Alpha", "EUR", 150_00, 77_00, 2),
        ("Beta", "EUR", 1_000_00, 50_00, 1),
        ("Alpha", "USD", 10_00, 5_00, 1),
    ]
    assert round(found[0].probability, 4) == round(77 / 150, 4)


def test_the_backtest_is_shown_beside_the_forecast(session: Session) -> None:
    org = _book(session)
    data = report.management_report(
        session, org_id=org.id, year=2026, month=11, forecast_from=date(2027, 2, 1)
    )
    eur = data.currencies[0]
    assert eur.backtest is not None
    assert eur.backtest.made_on == date(2026, 11, 2)  # 13 weeks before
    # Of what was open on 2 November, I1's 600.00 arrived on 10 November (week 2).
    assert eur.backtest.actual[1] == 60_000
    text = squash(pdf_text(report.render_pdf(data, language="en")))
    assert "Backtest: the forecast made on 2 Nov 2026: expected" in text
