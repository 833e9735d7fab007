"""The dashboard's trend charts: DSO and % overdue at each of the last 12 month ends,
from the stored snapshots, as SVG with the numbers in a table."""

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import delete
from sqlalchemy.orm import Session

from recoup.analytics import service as analytics
from recoup.analytics.models import KpiSnapshot
from recoup.db import transaction
from recoup.web import service
from tests.analytics.test_service import _book
from tests.web.support import AS_OF, World, log_in, make_client


def test_trends_come_from_the_snapshots(session: Session) -> None:
    org = _book(session)
    day = date(2026, 11, 30)
    assert service.dashboard(session, org_id=org.id, as_of=day, collector=None).trends == []
    analytics.backfill(session, org_id=org.id, start=date(2025, 11, 1), end=day)
    data = service.dashboard(session, org_id=org.id, as_of=day, collector=None)
    eur, dso_chart, overdue_chart = data.trends[0]
    assert eur.currency == "EUR"
    assert eur.months[0] == "2025-12"
    assert eur.months[-1] == "2026-11"
    # November as test_service.py works it out: 2,600 / 2,500 × 30; 600 of 2,600 overdue.
    assert eur.dso[-1] == Decimal("31.2")
    assert eur.overdue_percent[-1] == Decimal("23.08")
    assert eur.dso[-2] is not None  # October: I1 and I4 open, sales 1,300
    # Snapshots from the book's first day: earlier months are marked incomplete.
    assert eur.complete[-2:] == (True, True)
    assert not eur.complete[0]
    assert '<title id="trend-dso-EUR">DSO over 12 months (EUR)</title>' in dso_chart
    assert "Overdue share of receivables over 12 months (EUR)" in overdue_chart
    # A collector's own dashboard has no organisation-wide trend.
    mine = service.dashboard(session, org_id=org.id, as_of=day, collector="ann")
    assert mine.trends == []


def test_the_dashboard_page_shows_the_charts_and_their_numbers(world: World) -> None:
    with transaction(world.engine, actor="test") as session:
        analytics.backfill(session, org_id=world.a.id, start=AS_OF - timedelta(days=40), end=AS_OF)
        trend = analytics.dashboard_trends(session, org_id=world.a.id, end=AS_OF)[0]
    try:
        client = make_client(world)
        log_in(client, "manager@alpha.example")
        page = client.get("/").text
        section = page.split('id="trends"', 1)[1].split("</section>", 1)[0]
        assert f'<title id="trend-dso-{trend.currency}">' in section
        last = f'<td>{trend.months[-1]}</td><td class="num">{trend.dso[-1]}</td>'
        assert last in section
    finally:
        with transaction(world.engine, actor="test") as session:
            session.execute(delete(KpiSnapshot).where(KpiSnapshot.org_id == world.a.id))
