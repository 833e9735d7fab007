"""Analytics tables: daily KPI snapshots and the organisation's KPI goals."""

from datetime import date
from decimal import Decimal

from sqlalchemy import BigInteger, Index, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from recoup.db.base import Base, OrgScoped
from recoup.ledger.models import Allocation, Invoice

# The bucket of a snapshot's day-totals row: the day's flows (sales, collections).
FLOWS = ""


class KpiSnapshot(OrgScoped, Base):
    """What the ledger held at the end of one day, for one currency and collector.

    A row per due-date bucket holds the open amount and invoice count in it; the row of
    bucket ``FLOWS`` ("") holds the day's flows instead: invoices issued (amount and
    count) and payments applied. Trends read these instead of the whole ledger.
    """

    __tablename__ = "kpi_snapshots"
    __table_args__ = (
        UniqueConstraint("org_id", "as_of", "currency", "collector", "bucket"),
        Index("ix_kpi_snapshots_org_as_of", "org_id", "as_of"),
    )

    as_of: Mapped[date]
    currency: Mapped[str] = mapped_column(String(3))
    collector: Mapped[str] = mapped_column(String(200), default="")
    bucket: Mapped[str] = mapped_column(String(16), default=FLOWS)
    open_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    open_count: Mapped[int] = mapped_column(default=0)
    sales_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    sales_count: Mapped[int] = mapped_column(default=0)
    collected_amount: Mapped[int] = mapped_column(BigInteger, default=0)


class KpiGoal(OrgScoped, Base):
    """A target for one KPI (an upper bound where lower is better), for one currency or,
    with currency "", for every currency."""

    __tablename__ = "kpi_goals"
    __table_args__ = (UniqueConstraint("org_id", "kpi", "currency"),)

    kpi: Mapped[str] = mapped_column(String(32))
    currency: Mapped[str] = mapped_column(String(3), default="")
    target: Mapped[Decimal] = mapped_column(Numeric(12, 2))


class ReportSettings(OrgScoped, Base):
    """Who receives the monthly management report by email and in which language.

    ``recipients`` are email addresses, one per line; empty: the organisation's active
    users with the manager role at the time of sending.
    """

    __tablename__ = "report_settings"
    __table_args__ = (UniqueConstraint("org_id"),)

    recipients: Mapped[str] = mapped_column(String(2000), default="")
    language: Mapped[str] = mapped_column(String(8), default="en")


# Indexes on the ledger's tables for the KPIs' sums (migration analytics_0003): the
# credit sales by issue date and the period's allocations, read from the index alone.
Index(
    "ix_invoices_org_issue_sales",
    Invoice.org_id,
    Invoice.issue_date,
    Invoice.status,
    Invoice.currency,
    Invoice.total_amount,
)
Index(
    "ix_allocations_org_allocated_on",
    Allocation.org_id,
    Allocation.allocated_on,
    Allocation.invoice_id,
    Allocation.payment_id,
    Allocation.amount,
)
