"""Response models of the outbox: the messages queued, sent or failed."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel


class OutboxMessage(BaseModel):
    id: int
    customer_id: int | None
    kind: str
    template: str
    recipient: str
    source: str
    status: str
    attempts: int
    next_attempt_at: datetime
    sent_at: datetime | None
    last_error: str
    subject: str
    created_at: datetime

    @classmethod
    def of(cls, row: Any) -> "OutboxMessage":
        return cls(**{f: getattr(row, f) for f in cls.model_fields})
