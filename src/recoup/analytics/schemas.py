"""Response models of the KPIs report."""

from datetime import date

from pydantic import BaseModel


class Kpis(BaseModel):
    """The KPIs of one currency and group over the period (None: not defined, e.g. no
    sales)."""

    currency: str
    group: str
    values: dict[str, str | None]


class KpiReport(BaseModel):
    start: date
    end: date
    by: str
    rows: list[Kpis]
