"""Notes on a customer's account and the calls made to it.

Services never commit; the caller owns the transaction."""

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.orm import Session

from recoup.cases import repository
from recoup.cases.fields import choice
from recoup.cases.ledger_views import customer
from recoup.cases.models import (
    CallLog,
    CallOutcome,
    Note,
)
from recoup.db.base import utcnow
from recoup.errors import InvalidInput


def add_note(
    session: Session, *, org_id: int, customer_id: int, text: str, author: str = ""
) -> Note:
    """A note on a customer's account."""
    customer(session, org_id=org_id, customer_id=customer_id)
    if not text.strip():
        raise InvalidInput("a note needs some text", field="text")
    note = Note(org_id=org_id, customer_id=customer_id, text=text.strip(), author=author)
    repository.add(session, note)
    return note


def log_call(
    session: Session,
    *,
    org_id: int,
    customer_id: int,
    outcome: str,
    contact: str = "",
    note: str = "",
    author: str = "",
    at: datetime | None = None,
) -> CallLog:
    """Record a call with a customer and its outcome."""
    customer(session, org_id=org_id, customer_id=customer_id)
    call = CallLog(
        org_id=org_id,
        customer_id=customer_id,
        outcome=choice(CallOutcome, outcome, "outcome"),
        contact=contact.strip(),
        note=note,
        author=author,
        called_at=at or utcnow(),
    )
    repository.add(session, call)
    return call


# Who wrote a record the system made itself (not a person's contact with the customer).
NOBODY = frozenset({"", "system"})


def contact_days(
    session: Session, *, org_id: int, start: date, end: date
) -> list[tuple[int, date]]:
    """``(customer id, UTC day)`` of every note a person wrote and every call a person
    logged on ``start``..``end``: a person's contact with the customer (a note or call
    without an author, or by "system", is left out)."""
    since = datetime.combine(start, time(), UTC)
    until = datetime.combine(end + timedelta(days=1), time(), UTC)
    return [
        (customer_id, when.astimezone(UTC).date())
        for customer_id, author, when in repository.notes_and_calls(session, org_id, since, until)
        if author.strip() not in NOBODY
    ]
