"""All SQL of the payments domain (its own tables only)."""

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from recoup.payments.models import Checkout, ProviderAccount, ProviderEvent


def account(session: Session, org_id: int, provider: str) -> ProviderAccount | None:
    """The organisation's account with ``provider``."""
    return session.scalar(
        select(ProviderAccount).where(
            ProviderAccount.org_id == org_id, ProviderAccount.provider == provider
        )
    )


def accounts(session: Session, org_id: int | None = None) -> Sequence[ProviderAccount]:
    """Every configured provider account (of one organisation when given), oldest first."""
    query = select(ProviderAccount).order_by(ProviderAccount.id)
    if org_id is not None:
        query = query.where(ProviderAccount.org_id == org_id)
    return session.scalars(query).all()


def accounts_of(session: Session, provider: str) -> Sequence[ProviderAccount]:
    """Every organisation's account with ``provider`` (for telling whose event it is)."""
    return session.scalars(
        select(ProviderAccount)
        .where(ProviderAccount.provider == provider)
        .order_by(ProviderAccount.id)
    ).all()


def checkout_by_session(session: Session, provider: str, session_id: str) -> Checkout | None:
    """The checkout the provider knows as ``session_id``."""
    return session.scalar(
        select(Checkout)
        .where(Checkout.provider == provider, Checkout.session_id == session_id)
        .with_for_update()
    )


def checkout_by_intent(
    session: Session, org_id: int, provider: str, intent: str
) -> Checkout | None:
    """The organisation's checkout whose payment is the provider's ``intent``."""
    if not intent:
        return None
    return session.scalar(
        select(Checkout)
        .where(
            Checkout.org_id == org_id,
            Checkout.provider == provider,
            Checkout.payment_intent == intent,
        )
        .with_for_update()
    )


def checkouts(session: Session, org_id: int, customer_id: int) -> Sequence[Checkout]:
    """A customer's checkouts, newest first."""
    return session.scalars(
        select(Checkout)
        .where(Checkout.org_id == org_id, Checkout.customer_id == customer_id)
        .order_by(Checkout.id.desc())
    ).all()


def event(session: Session, provider: str, event_id: str) -> ProviderEvent | None:
    """The handled event ``event_id`` of ``provider``."""
    return session.scalar(
        select(ProviderEvent).where(
            ProviderEvent.provider == provider, ProviderEvent.event_id == event_id
        )
    )
