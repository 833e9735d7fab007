"""All SQL of the API's own tables: tokens and idempotent answers."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from recoup.api.models import ApiToken, IdempotentAnswer


def token_by_hash(session: Session, token_hash: str) -> ApiToken | None:
    """The token whose SHA-256 is ``token_hash``."""
    return session.scalars(select(ApiToken).where(ApiToken.token_hash == token_hash)).first()


def token(session: Session, org_id: int, token_id: int) -> ApiToken | None:
    """One of the organisation's tokens."""
    return session.scalars(
        select(ApiToken).where(ApiToken.org_id == org_id, ApiToken.id == token_id)
    ).first()


def tokens(session: Session, org_id: int) -> list[ApiToken]:
    """The organisation's tokens, newest first."""
    query = select(ApiToken).where(ApiToken.org_id == org_id)
    return list(session.scalars(query.order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def answer(session: Session, token_id: int, key: str) -> IdempotentAnswer | None:
    """The answer kept for ``key`` of the token."""
    return session.scalars(
        select(IdempotentAnswer).where(
            IdempotentAnswer.token_id == token_id, IdempotentAnswer.key == key
        )
    ).first()
