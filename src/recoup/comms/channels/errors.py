"""How a delivery failed: worth retrying (temporary) or not (permanent)."""

from recoup.errors import RecoupError


class DeliveryError(RecoupError):
    """A message could not be delivered. ``code`` is the server's reply code, if any."""

    status_code = 502
    temporary = False

    def __init__(self, message: str, *, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class TemporaryFailure(DeliveryError):
    """Delivery failed but may succeed later: retry with backoff."""

    temporary = True


class PermanentFailure(DeliveryError):
    """Delivery failed and will fail again: do not retry; a person must look."""
