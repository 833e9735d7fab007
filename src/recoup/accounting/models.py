"""What has been exported already, so that ``--since-last`` writes each record once."""

from sqlalchemy import BigInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from recoup.db.base import Base, OrgScoped


class ExportedRecord(OrgScoped, Base):
    """One record of one kind (``payments``, ``allocations``...) written to an export
    file; ``created_at`` says when."""

    __tablename__ = "accounting_exports"
    __table_args__ = (UniqueConstraint("org_id", "kind", "record_id"),)

    kind: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[int] = mapped_column(BigInteger)
    format: Mapped[str] = mapped_column(String(16))
