"""API tables: the organisations' API tokens and the answers kept for idempotent POSTs.

A token is random (``rcp_`` and 43 URL-safe characters, 256 bits); only its SHA-256 is
stored, so a copy of the database opens nothing, and the token is shown once.
"""

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKeyConstraint, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from recoup.audit.registry import audited
from recoup.db.base import Base, OrgScoped
from recoup.ledger.models import Customer, Invoice


@audited
class ApiToken(OrgScoped, Base):
    """A bearer token of one organisation with its scopes and expiry."""

    __tablename__ = "api_tokens"
    __table_args__ = (
        UniqueConstraint("token_hash"),
        UniqueConstraint("org_id", "id"),
        Index("ix_api_tokens_org_created", "org_id", "created_at"),
    )

    name: Mapped[str] = mapped_column(String(200), default="")
    token_hash: Mapped[str] = mapped_column(String(64))
    prefix: Mapped[str] = mapped_column(String(16))  # the first characters, to recognise it
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    expires_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    created_by: Mapped[str] = mapped_column(String(254), default="")


class IdempotentAnswer(OrgScoped, Base):
    """The first answer to a POST sent with an ``Idempotency-Key`` (per token): the same
    key with the same request gets it again; with another request, a 422."""

    __tablename__ = "api_idempotent_answers"
    __table_args__ = (
        UniqueConstraint("token_id", "key"),
        ForeignKeyConstraint(["org_id", "token_id"], ["api_tokens.org_id", "api_tokens.id"]),
    )

    token_id: Mapped[int] = mapped_column(BigInteger)
    key: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))  # SHA-256 of method, path, body
    status_code: Mapped[int]
    body: Mapped[str] = mapped_column(String)


# Indexes for the API's keyset pages on the ledger's tables (declared here, created by
# the API's own migration): a page is a range scan of one index, however deep.
Index("ix_invoices_api_org_status_id", Invoice.org_id, Invoice.status, Invoice.id)
Index("ix_invoices_api_org_due_id", Invoice.org_id, Invoice.due_date, Invoice.id)
Index("ix_customers_api_org_name_id", Customer.org_id, Customer.name, Customer.id)
