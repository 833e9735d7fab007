"""The outbox payload credit carries out: place a credit hold (planned by the
escalation policy; applied by ``credit.effects``)."""

from recoup.comms.payloads import Planned


class HoldOrder(Planned):
    """Put the customer on credit hold, for ``reason``."""

    reason: str = "escalation policy"
