"""When each organisation's daily run is due, by its local time of day.

The pure rule (``due_day``) and the reads and writes of the schedules
(``recoup.jobs.models.RunSchedule``); an organisation without a schedule runs at
``DEFAULT_RUN_AT`` UTC.
"""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from recoup.errors import InvalidInput
from recoup.jobs.models import DailyRun, RunSchedule
from recoup.ledger import service as ledger

DEFAULT_RUN_AT = time(6)


def due_day(run_at: time, timezone: str, now: datetime) -> date | None:
    """The local day whose run is due at ``now`` (aware), or None before ``run_at``.

    >>> from datetime import UTC
    >>> due_day(time(6), "Europe/Berlin", datetime(2026, 3, 3, 4, 59, tzinfo=UTC))
    >>> due_day(time(6), "Europe/Berlin", datetime(2026, 3, 3, 5, 0, tzinfo=UTC))
    datetime.date(2026, 3, 3)
    >>> due_day(time(6), "America/New_York", datetime(2026, 3, 3, 5, 0, tzinfo=UTC))
    """
    local = now.astimezone(ZoneInfo(timezone))
    return local.date() if local.time() >= run_at else None


def zone(name: str) -> str:
    """``name`` if it is a known IANA time zone; else an error naming the option."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        message = f"{name!r} is not a time zone (e.g. Europe/London)"
        raise InvalidInput(message, field="timezone") from None
    return name


def set_schedule(session: Session, *, org_id: int, run_at: time, timezone: str) -> RunSchedule:
    """Run the organisation's day at ``run_at`` in ``timezone`` from now on."""
    schedule = session.scalars(select(RunSchedule).where(RunSchedule.org_id == org_id)).first()
    if schedule is None:
        schedule = RunSchedule(org_id=org_id, run_at=run_at, timezone=zone(timezone))
        session.add(schedule)
    else:
        schedule.run_at, schedule.timezone = run_at, zone(timezone)
    session.flush()
    return schedule


def schedules(session: Session) -> dict[int, tuple[time, str]]:
    """Each organisation's ``(run_at, timezone)`` (the default where none is set)."""
    stored = {s.org_id: (s.run_at, s.timezone) for s in session.scalars(select(RunSchedule))}
    return {
        org.id: stored.get(org.id, (DEFAULT_RUN_AT, "UTC")) for org in ledger.organisations(session)
    }


def due_days(session: Session, *, now: datetime) -> list[tuple[int, date]]:
    """``(org_id, day)`` of every organisation whose run is due and not closed yet."""
    due = [
        (org_id, day)
        for org_id, (run_at, timezone) in sorted(schedules(session).items())
        if (day := due_day(run_at, timezone, now)) is not None
    ]
    closed = {
        (row.org_id, row.as_of)
        for row in session.execute(
            select(DailyRun.org_id, DailyRun.as_of).where(
                DailyRun.closed_at.is_not(None), DailyRun.as_of.in_({d for _, d in due})
            )
        )
    }
    return [item for item in due if item not in closed]
