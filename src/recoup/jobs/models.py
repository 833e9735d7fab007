"""Tables of the partitioned daily run and of the worker's schedule.

A day's run of an organisation is one ``daily_runs`` row and its ``run_partitions``
(customer-id ranges). Each step commits on its own: the cases phase (once per day),
each partition (once per day and range), yesterday's KPI snapshot (once per day, beside
the partitions), and the close (the snapshot if not taken yet, model upkeep).
The rows say which steps are done, so a second worker, a restarted one, or a second
``recoup run`` does what is left and plans nothing twice.
"""

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import JSON, BigInteger, Float, Index, String, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from recoup.db.base import Base, OrgScoped


class DailyRun(OrgScoped, Base):
    """One organisation's run of one day."""

    __tablename__ = "daily_runs"
    __table_args__ = (UniqueConstraint("org_id", "as_of"),)

    as_of: Mapped[date]
    partition_size: Mapped[int]
    partitions: Mapped[int] = mapped_column(default=0)
    # When the cases phase (cases judged, partitions laid out) committed.
    cases_done_at: Mapped[datetime | None] = mapped_column(default=None)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    # When yesterday's closing KPI snapshot was stored (``partitions.take_snapshot``, a
    # step any worker takes while others plan partitions; else the close takes it).
    snapshot_at: Mapped[datetime | None] = mapped_column(default=None)
    planned: Mapped[int] = mapped_column(default=0)  # outbox rows of the cases phase
    # The cases' messages to customers, timed by the cases phase: each partition
    # enqueues those of its customers after its plan, as a single run does.
    case_effects: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class RunPartition(OrgScoped, Base):
    """One customer-id range of a day's run (both ends included)."""

    __tablename__ = "run_partitions"
    __table_args__ = (
        UniqueConstraint("org_id", "as_of", "first_customer_id"),
        Index("ix_run_partitions_pending", "org_id", "as_of", "done_at"),
    )

    as_of: Mapped[date]
    first_customer_id: Mapped[int] = mapped_column(BigInteger)
    last_customer_id: Mapped[int] = mapped_column(BigInteger)
    done_at: Mapped[datetime | None] = mapped_column(default=None)
    done_by: Mapped[str] = mapped_column(String(100), default="")  # host:pid
    planned: Mapped[int] = mapped_column(default=0)  # outbox rows this partition added
    seconds: Mapped[float] = mapped_column(Float, default=0.0)  # how long its transaction took


class RunSchedule(OrgScoped, Base):
    """When ``recoup worker`` starts the organisation's daily run: a local time of day
    in a time zone (an organisation without a row runs at 06:00 UTC)."""

    __tablename__ = "run_schedules"
    __table_args__ = (UniqueConstraint("org_id"),)

    run_at: Mapped[time] = mapped_column(Time)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
