"""Portal links issued in bulk, when the messages that carry them are planned.

``comms.outbox.enqueue`` gives each planned message to a customer a link of its own
(``new_token``) and records the links of the rows it actually wrote (``record``), in
the transaction that plans them: rendering the message later reads the link from the
row and writes nothing. Kept apart from ``portal.service`` (which reads cases, charges
and payments) so that the outbox can import it.
"""

import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from recoup.auth.core import hash_token
from recoup.db import bulk
from recoup.portal.models import PortalToken

VALID = timedelta(days=30)  # from the moment the message is due to go out


def new_token() -> str:
    """A fresh, unguessable link token (only its hash is kept in ``portal_tokens``)."""
    return secrets.token_urlsafe(32)


def record(session: Session, *, org_id: int, links: Sequence[tuple[int, str, datetime]]) -> None:
    """Make ``links`` (customer id, token, when its message is due) live for ``VALID``."""
    bulk.insert_with_ids(
        session,
        PortalToken.__table__,
        [
            {
                "org_id": org_id,
                "customer_id": customer_id,
                "token_hash": hash_token(token),
                "expires_at": due + VALID,
            }
            for customer_id, token, due in links
        ],
    )
