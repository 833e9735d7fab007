"""Delivery channels: SMTP email, SMS (file or HTTP provider) and the letter sink.

Every channel raises ``TemporaryFailure`` when trying again later may succeed (the
server is down, a timeout, a 4xx SMTP reply, an HTTP 5xx) and ``PermanentFailure`` when
it will not (a rejected recipient, a 5xx SMTP reply, an HTTP 4xx); both are a
``DeliveryError``. The dispatcher retries the first with backoff and gives up on the
second.
"""

from recoup.comms.channels.errors import DeliveryError, PermanentFailure, TemporaryFailure

__all__ = ["DeliveryError", "PermanentFailure", "TemporaryFailure"]
