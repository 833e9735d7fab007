"""The management report in the web app (managers and admins): the page, or its PDF."""

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from recoup.errors import InvalidInput
from recoup.web.deps import DB, CreditManager

router = APIRouter()


def _month(value: str | None, today: date) -> tuple[int, int]:
    """``YYYY-MM``, or the last complete month before ``today``."""
    if not value:
        previous = today.replace(day=1) - timedelta(days=1)
        return previous.year, previous.month
    try:
        year, month = (int(part) for part in value.split("-"))
    except ValueError:
        raise InvalidInput(f"{value!r} is not a month (YYYY-MM)", field="month") from None
    if not 1 <= month <= 12:
        raise InvalidInput(f"{value!r} is not a month (YYYY-MM)", field="month")
    return year, month


@router.get("/reports/management", response_class=HTMLResponse)
def management_report(
    request: Request,
    db: DB,
    actor: CreditManager,
    month: Annotated[str | None, Query()] = None,
    language: Annotated[str, Query()] = "en",
    format: Annotated[str, Query()] = "html",
) -> Response:
    """The monthly management report (``?month=2026-11&language=de&format=pdf``)."""
    from recoup.analytics import report  # matplotlib: loaded on the first report only

    year, number = _month(month, request.app.state.clock())
    data = report.management_report(db, org_id=actor.org_id, year=year, month=number)
    if format == "pdf":
        pdf = report.render_pdf(data, language=language)
        name = f"management-report-{data.month}.pdf"
        return Response(
            pdf,
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    return HTMLResponse(report.render_html(data, language=language))
