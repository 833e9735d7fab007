"""The management report page: for managers and admins, the month's figures, its PDF."""

from tests.pdf import pdf_text, squash
from tests.web.support import World, log_in, make_client


def test_a_manager_reads_the_report_and_downloads_its_pdf(world: World) -> None:
    client = make_client(world)
    log_in(client, "manager@alpha.example")
    page = client.get("/reports/management?month=2026-06")
    assert page.status_code == 200
    assert "Management report: June 2026" in page.text
    assert '<title id="aging-EUR">Aging by bucket over 12 months (EUR)</title>' in page.text
    # On 2026-06-30: 300.50 not yet due, 1,200.00 45 days past due (this organisation only).
    assert "<td>2026-06</td><td>€300.50</td><td>€0.00</td><td>€1,200.00</td>" in page.text
    pdf = client.get("/reports/management?month=2026-06&language=de&format=pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    assert "Managementbericht: Juni 2026" in squash(pdf_text(pdf.content))


def test_the_report_defaults_to_the_last_complete_month(world: World) -> None:
    client = make_client(world)
    log_in(client, "admin@alpha.example")
    assert "Management report: May 2026" in client.get("/reports/management").text
    bad = client.get("/reports/management?month=June")
    assert bad.status_code == 422
