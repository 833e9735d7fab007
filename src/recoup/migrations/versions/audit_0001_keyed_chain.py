"""audit: keyed chain (the key id of each event's HMAC); users recorded in the chain

Events written before this migration keep a NULL key id: their plain SHA-256 hashes
still verify, and the first keyed event after them seals them under the key.

``recoup audit verify`` now reconciles every user with its events; the first admin that
``recoup init`` created was not audited, so each user without an event gets a "create"
event here (actor ``migration:audit_0001``), recording what the table says today.

Revision ID: audit_0001
Revises: 0001
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from recoup.audit.core import EventData, canonical_json, event_hash
from recoup.db.base import UTCDateTime

revision: str = "audit_0001"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = ("auth_0001",)

GENESIS_HASH = "0" * 64
# Typed, so that timestamps are stored exactly as the application stores (and hashes) them.
_EVENTS = sa.table(
    "audit_events",
    *(sa.column(name) for name in ("org_id", "seq", "actor", "action", "entity", "entity_id")),
    *(sa.column(name) for name in ("before", "after", "prev_hash", "hash")),
    sa.column("occurred_at", UTCDateTime()),
)
ACTOR = "migration:audit_0001"


def upgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("key_id", sa.String(length=32), nullable=True))
    _record_unaudited_users()


def _record_unaudited_users() -> None:
    connection = op.get_bind()
    unaudited = connection.execute(
        sa.text(
            "SELECT u.id, u.org_id, u.email, u.name, u.role, u.active FROM users u "
            "WHERE NOT EXISTS (SELECT 1 FROM audit_events e WHERE e.org_id = u.org_id "
            "AND e.entity = 'users' AND e.entity_id = u.id) ORDER BY u.org_id, u.id"
        )
    ).all()
    now = datetime.now(UTC)
    for org_id in sorted({row.org_id for row in unaudited}):
        head = connection.execute(
            sa.text("SELECT seq, hash FROM audit_heads WHERE org_id = :org"), {"org": org_id}
        ).one_or_none()
        if head is None:
            connection.execute(
                sa.text("INSERT INTO audit_heads (org_id, seq, hash) VALUES (:org, 0, :hash)"),
                {"org": org_id, "hash": GENESIS_HASH},
            )
        seq, prev = (head.seq, head.hash) if head else (0, GENESIS_HASH)
        for row in (r for r in unaudited if r.org_id == org_id):
            seq += 1
            after = canonical_json(
                {"email": row.email, "name": row.name, "role": row.role, "active": bool(row.active)}
            )
            data = EventData(seq, now, ACTOR, "create", "users", row.id, None, after)
            digest = event_hash(prev, data)
            connection.execute(
                _EVENTS.insert().values(
                    org_id=org_id, seq=seq, occurred_at=now, actor=ACTOR, action="create",
                    entity="users", entity_id=row.id, before=None, after=after, prev_hash=prev,
                    hash=digest,
                )
            )  # fmt: skip
            prev = digest
        connection.execute(
            sa.text("UPDATE audit_heads SET seq = :seq, hash = :hash WHERE org_id = :org"),
            {"org": org_id, "seq": seq, "hash": prev},
        )


def downgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_column("key_id")
