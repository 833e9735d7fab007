"""The handler of the monthly report's outbox rows (emails from the ``analytics``
source): the report rendered from the ledger as it stands, with its PDF. Registered
with ``comms.payloads`` when imported."""

from recoup.analytics.delivery import SOURCE, render_email
from recoup.analytics.payloads import MonthlyReport
from recoup.comms.models import OutboxKind
from recoup.comms.payloads import Handler, register

register([OutboxKind.EMAIL], Handler(MonthlyReport, render=render_email), source=SOURCE)
