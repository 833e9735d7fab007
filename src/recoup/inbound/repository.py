"""All SQL of customer replies (their own tables only)."""

from collections.abc import Sequence
from datetime import date

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from recoup.inbound.enums import ReplyKind, ReplyStatus
from recoup.inbound.models import (
    InboundSettings,
    Reply,
    ReplyAttachment,
    ReplyToken,
    Undeliverable,
)


def settings(session: Session, org_id: int) -> InboundSettings | None:
    return session.scalars(select(InboundSettings).where(InboundSettings.org_id == org_id)).first()


def token_of(session: Session, org_id: int, customer_id: int) -> ReplyToken | None:
    query = select(ReplyToken).where(
        ReplyToken.org_id == org_id, ReplyToken.customer_id == customer_id
    )
    return session.scalars(query).first()


def customer_of_token(session: Session, org_id: int, token: str) -> int | None:
    query = select(ReplyToken.customer_id).where(
        ReplyToken.org_id == org_id, ReplyToken.token == token
    )
    return session.scalar(query)


def reply_by_message_id(session: Session, org_id: int, message_id: str) -> Reply | None:
    query = select(Reply).where(Reply.org_id == org_id, Reply.message_id == message_id)
    return session.scalars(query).first()


def reply(session: Session, org_id: int, reply_id: int) -> Reply | None:
    found = session.get(Reply, reply_id)
    return found if found is not None and found.org_id == org_id else None


def replies(
    session: Session,
    org_id: int,
    *,
    statuses: Sequence[ReplyStatus] = (),
    customer_id: int | None = None,
    customer_ids: Sequence[int] | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[Reply], int]:
    """Replies, newest first, and how many there are in all."""
    query = select(Reply).where(Reply.org_id == org_id)
    if statuses:
        query = query.where(Reply.status.in_([str(s) for s in statuses]))
    if customer_id is not None:
        query = query.where(Reply.customer_id == customer_id)
    if customer_ids is not None:
        query = query.where(
            or_(Reply.customer_id.in_(list(customer_ids)), Reply.customer_id.is_(None))
        )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(Reply.received_at.desc(), Reply.id.desc()).limit(limit).offset(offset)
    )
    return list(rows), int(total)


def pausing(session: Session, org_id: int, as_of: date) -> list[Reply]:
    """Replies that may pause a customer on ``as_of``: waiting for a person, or "already
    paid" with a pause lasting until then or later."""
    query = select(Reply).where(
        Reply.org_id == org_id,
        Reply.customer_id.is_not(None),
        or_(
            Reply.status == ReplyStatus.WAITING,
            and_(Reply.kind == ReplyKind.PAID, Reply.paused_until >= as_of),
        ),
    )
    return list(session.scalars(query))


def attachments(session: Session, org_id: int, reply_id: int) -> list[ReplyAttachment]:
    query = select(ReplyAttachment).where(
        ReplyAttachment.org_id == org_id, ReplyAttachment.reply_id == reply_id
    )
    return list(session.scalars(query.order_by(ReplyAttachment.id)))


def attachment_counts(session: Session, org_id: int, reply_ids: Sequence[int]) -> dict[int, int]:
    if not reply_ids:
        return {}
    query = (
        select(ReplyAttachment.reply_id, func.count())
        .where(ReplyAttachment.org_id == org_id, ReplyAttachment.reply_id.in_(list(reply_ids)))
        .group_by(ReplyAttachment.reply_id)
    )
    return {reply_id: int(count) for reply_id, count in session.execute(query)}


def undeliverable(session: Session, org_id: int, customer_id: int) -> list[Undeliverable]:
    query = select(Undeliverable).where(
        Undeliverable.org_id == org_id, Undeliverable.customer_id == customer_id
    )
    return list(session.scalars(query.order_by(Undeliverable.id)))
