"""All SQL of the portal: its links and the customers' submissions."""

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from recoup.portal.models import PortalSubmission, PortalToken


def token_by_hash(session: Session, token_hash: str) -> PortalToken | None:
    """The portal link whose token hashes to ``token_hash``."""
    return session.scalars(
        select(PortalToken).where(PortalToken.token_hash == token_hash)
    ).one_or_none()


def revoke(session: Session, org_id: int, customer_id: int, at: datetime) -> int:
    """Revoke every live link of a customer; how many were revoked."""
    result = session.execute(
        update(PortalToken)
        .where(
            PortalToken.org_id == org_id,
            PortalToken.customer_id == customer_id,
            PortalToken.revoked_at.is_(None),
        )
        .values(revoked_at=at)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def submissions(session: Session, org_id: int, customer_id: int) -> list[PortalSubmission]:
    """A customer's submissions, newest first."""
    return list(
        session.scalars(
            select(PortalSubmission)
            .where(PortalSubmission.org_id == org_id, PortalSubmission.customer_id == customer_id)
            .order_by(PortalSubmission.created_at.desc(), PortalSubmission.id.desc())
        )
    )


def unseen(
    session: Session, org_id: int, collector: str | None, limit: int
) -> list[PortalSubmission]:
    """Submissions nobody has looked at yet, newest first (for ``collector`` if given)."""
    query = select(PortalSubmission).where(
        PortalSubmission.org_id == org_id, PortalSubmission.seen_at.is_(None)
    )
    if collector is not None:
        query = query.where(PortalSubmission.collector == collector)
    return list(
        session.scalars(
            query.order_by(PortalSubmission.created_at.desc(), PortalSubmission.id.desc()).limit(
                limit
            )
        )
    )


def count_unseen(session: Session, org_id: int) -> int:
    """How many submissions of the organisation nobody has looked at yet."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(PortalSubmission)
            .where(PortalSubmission.org_id == org_id, PortalSubmission.seen_at.is_(None))
        )
        or 0
    )


def mark_seen(session: Session, org_id: int, customer_id: int, at: datetime) -> None:
    """Mark a customer's submissions as seen by the team."""
    session.execute(
        update(PortalSubmission)
        .where(
            PortalSubmission.org_id == org_id,
            PortalSubmission.customer_id == customer_id,
            PortalSubmission.seen_at.is_(None),
        )
        .values(seen_at=at)
        .execution_options(synchronize_session=False)
    )


def recent_submissions(
    session: Session, *, token_id: int, client: str, since: datetime
) -> tuple[int, int]:
    """How many submissions came through the link ``token_id``, and from ``client``,
    since ``since``."""
    recent = PortalSubmission.created_at >= since
    by_link = session.scalar(
        select(func.count()).where(PortalSubmission.token_id == token_id, recent)
    )
    by_client = (
        session.scalar(select(func.count()).where(PortalSubmission.client == client, recent))
        if client
        else 0
    )
    return by_link or 0, by_client or 0
