"""All SQL of the accounting domain: which records were exported already."""

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from recoup.accounting.models import ExportedRecord
from recoup.db import bulk


def exported_ids(session: Session, org_id: int, kind: str) -> set[int]:
    """The ids of the records of ``kind`` exported before."""
    return set(
        session.scalars(
            select(ExportedRecord.record_id).where(
                ExportedRecord.org_id == org_id, ExportedRecord.kind == kind
            )
        )
    )


def remember(session: Session, org_id: int, kind: str, fmt: str, record_ids: Sequence[int]) -> None:
    """Note that these records (not exported before) were exported."""
    bulk.insert_with_ids(
        session,
        ExportedRecord.__table__,
        [{"org_id": org_id, "kind": kind, "record_id": i, "format": fmt} for i in record_ids],
    )
