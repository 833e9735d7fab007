"""The outbox payload of the monthly management report (one row per recipient)."""

from recoup.comms.payloads import Payload


class MonthlyReport(Payload):
    """The report of ``month`` (YYYY-MM), rendered when sent, in ``language``."""

    month: str
    language: str | None = "en"
