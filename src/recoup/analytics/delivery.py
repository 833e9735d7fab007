"""The monthly management report by email: planned by the daily run, sent by the outbox.

On the first business day of a month (the organisation's country; a run in the
``CATCH_UP_DAYS`` after it catches up if that day's run did not happen) the daily run
puts one outbox row per recipient in the outbox for the month before, keyed
``management-report:YYYY-MM:email`` so that any number of runs plan it once. Nothing is
rendered then: the dispatcher renders the report when it sends (``render_email``), from
the ledger as it stands, with the PDF attached.

Recipients: the addresses set with ``recoup report recipients``, or else every active
user with the manager role.
"""

from datetime import date, datetime, timedelta
from email.utils import formataddr

from sqlalchemy import select
from sqlalchemy.orm import Session

from recoup.analytics import core
from recoup.analytics.core import Kpi
from recoup.analytics.models import ReportSettings
from recoup.analytics.payloads import MonthlyReport
from recoup.analytics.words import LANGUAGES, REPORT_WORDS, figure, kpi_name
from recoup.auth import service as auth
from recoup.auth.models import Role
from recoup.comms.dispatcher import Attachment, Rendered
from recoup.comms.models import OutboxKind, OutboxMessage
from recoup.comms.outbox import Effect, enqueue
from recoup.comms.payloads import Envelope
from recoup.errors import InvalidInput
from recoup.ledger import service as ledger
from recoup.ledger.validators import validate_email
from recoup.policy.business_days import is_business_day

TEMPLATE = "management_report"
KEY_PREFIX = "management-report"
SOURCE = "analytics"  # the source of the report's outbox rows (analytics.effects renders them)
# The figures the email's text gives per currency (the PDF has the rest).
EMAIL_FIGURES = (Kpi.DSO, Kpi.CEI, Kpi.OVERDUE_PERCENT, Kpi.COLLECTED_PERCENT)
# A run this many days after the first business day still plans a report not planned
# yet (a missed run); later in the month nothing is planned (a first run mid-month does
# not send last month's report out of the blue).
CATCH_UP_DAYS = 6


def first_business_day(country: str, year: int, month: int) -> date:
    """The first business day (Monday to Friday, not a public holiday) of a month.

    >>> first_business_day("GB", 2026, 11), first_business_day("DE", 2027, 1)
    (datetime.date(2026, 11, 2), datetime.date(2027, 1, 4))
    """
    day = date(year, month, 1)
    while not is_business_day(country, day):
        day += timedelta(days=1)
    return day


def month_to_report(country: str, as_of: date) -> str | None:
    """The month (``YYYY-MM``) whose report the run of ``as_of`` plans: the previous
    month, on the first business day of ``as_of``'s month and ``CATCH_UP_DAYS`` after;
    None on other days.

    >>> month_to_report("GB", date(2026, 11, 1)), month_to_report("GB", date(2026, 11, 2))
    (None, '2026-10')
    >>> month_to_report("GB", date(2027, 1, 5)), month_to_report("GB", date(2026, 11, 9))
    ('2026-12', None)
    """
    first = first_business_day(country, as_of.year, as_of.month)
    if not first <= as_of <= first + timedelta(days=CATCH_UP_DAYS):
        return None
    previous = as_of.replace(day=1) - timedelta(days=1)
    return f"{previous:%Y-%m}"


def _settings(session: Session, org_id: int) -> ReportSettings | None:
    return session.scalars(
        select(ReportSettings).where(ReportSettings.org_id == org_id)
    ).one_or_none()


def set_recipients(
    session: Session, *, org_id: int, emails: list[str], language: str = "en"
) -> ReportSettings:
    """Send the report to ``emails`` in ``language`` (no emails: to the managers)."""
    if language not in LANGUAGES:
        raise InvalidInput(
            f"{language!r} is not a report language ({', '.join(LANGUAGES)})", field="language"
        )
    checked = []
    for address in emails:
        try:
            checked.append(validate_email(address.strip()))
        except InvalidInput as error:
            raise InvalidInput(f"{address!r}: {error.message}", field="to") from None
    row = _settings(session, org_id)
    if row is None:
        row = ReportSettings(org_id=org_id)
        session.add(row)
    row.recipients = "\n".join(dict.fromkeys(checked))
    row.language = language
    session.flush()
    return row


def configured_recipients(session: Session, *, org_id: int) -> list[str]:
    """The addresses set for the report (empty: it goes to the managers)."""
    row = _settings(session, org_id)
    return row.recipients.split() if row is not None else []


def recipients(session: Session, *, org_id: int) -> tuple[list[str], str]:
    """Who receives the report and in which language: the configured addresses, or else
    the active managers."""
    row = _settings(session, org_id)
    language = row.language if row is not None else "en"
    if row is not None and row.recipients.strip():
        return row.recipients.split(), language
    managers = [
        u.email
        for u in auth.list_users(session, org_id=org_id)
        if u.active and u.role == Role.MANAGER
    ]
    return managers, language


def _effects(
    session: Session, org_id: int, month: str, now: datetime, suffix: str = ""
) -> list[Effect]:
    emails, language = recipients(session, org_id=org_id)
    return [
        Effect(
            key=f"{KEY_PREFIX}:{month}:{email}{suffix}",
            kind=OutboxKind.EMAIL,
            customer_id=None,
            scheduled_at=now,
            payload=MonthlyReport(month=month, language=language).dump(),
            template=TEMPLATE,
            recipient=email,
            source=SOURCE,
            to_customer=False,
        )
        for email in emails
    ]


def plan_monthly_report(session: Session, *, org_id: int, as_of: date, now: datetime) -> int:
    """Plan the report of the month before ``as_of`` for each recipient on the first
    business day of ``as_of``'s month (or in the catch-up days after); the rows that
    were new (0 when planned before, on another day, or without recipients)."""
    country = ledger.get_organisation(session, org_id=org_id).country
    month = month_to_report(country, as_of)
    if month is None:
        return 0
    return len(enqueue(session, org_id=org_id, effects=_effects(session, org_id, month, now)))


def send_now(session: Session, *, org_id: int, month: str, now: datetime) -> list[str]:
    """Queue ``month``'s report for each recipient now (besides the monthly one); the
    addresses. Refuses when there is nobody to send it to."""
    core.month_bounds(*_year_month(month))
    effects = _effects(session, org_id, month, now, suffix=f":now:{now.isoformat()}")
    if not effects:
        raise InvalidInput(
            "nobody to send the report to: no active manager and no recipients set "
            "(`recoup report recipients --to EMAIL`)",
            field="send",
        )
    enqueue(session, org_id=org_id, effects=effects)
    return [e.recipient for e in effects]


def _year_month(month: str) -> tuple[int, int]:
    try:
        year, number = (int(part) for part in month.split("-"))
    except ValueError:
        raise InvalidInput(f"{month!r} is not a month (YYYY-MM)", field="month") from None
    if not 1 <= number <= 12:
        raise InvalidInput(f"{month!r} is not a month (YYYY-MM)", field="month")
    return year, number


def render_email(session: Session, row: OutboxMessage, payload: MonthlyReport) -> Rendered:
    """The report of the row's month as it stands now: a short text with the key
    figures per currency and the whole report as a PDF attachment."""
    from recoup.analytics import report  # matplotlib and WeasyPrint: only when sending

    month, language = payload.month, payload.language or "en"
    year, number = _year_month(month)
    data = report.management_report(session, org_id=row.org_id, year=year, month=number)
    organisation = ledger.get_organisation(session, org_id=row.org_id)
    sender = organisation.sender_name or organisation.name
    # The sender, as for every message (unless the mail settings name one).
    envelope = Envelope(
        sender=formataddr((sender, organisation.email)) if organisation.email else "",
        reply_to=organisation.reply_to,
    )
    words = REPORT_WORDS.get(language, REPORT_WORDS["en"])
    lines = [f"{words['title']} {month} — {data.organisation}", ""]
    for part in data.currencies:
        lines.append(part.currency)
        lines += [
            f"  {kpi_name(kpi, language)}: {figure(part.values.get(kpi), language)}"
            for kpi in EMAIL_FIGURES
        ]
        lines.append("")
    if not data.currencies:
        lines += [words["none"], ""]
    filename = f"management-report-{month}.pdf"
    lines.append(
        "Der vollständige Bericht liegt als PDF bei."
        if language == "de"
        else "The full report is attached as a PDF."
    )
    pdf = report.render_pdf(data, language=language)
    return Rendered(
        subject=f"{words['title']} {month} — {data.organisation}",
        text="\n".join(lines) + "\n",
        attachments=(Attachment(filename, "application/pdf", pdf),),
        envelope=envelope,
    )
