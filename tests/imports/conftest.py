"""Helpers for import tests: write a CSV, import it, count what is in the ledger."""

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from recoup.audit.models import AuditEvent
from recoup.imports.columns import Kind
from recoup.imports.service import ImportResult, import_file
from recoup.ledger.models import (
    Allocation,
    Contact,
    CreditNote,
    Customer,
    Invoice,
    Organisation,
    Payment,
)
from tests.factories import make_org

Importer = Callable[..., ImportResult]


@pytest.fixture
def org(session: Session) -> Organisation:
    return make_org(session, currency="EUR")


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[[str, str], Path]:
    def write(text: str, name: str = "file.csv") -> Path:
        path = tmp_path / name
        path.write_text(text.strip() + "\n", encoding="utf-8")
        return path

    return write


@pytest.fixture
def run_import(
    session: Session, org: Organisation, write_csv: Callable[[str, str], Path]
) -> Importer:
    def run(kind: str, text: str, **options: object) -> ImportResult:
        return import_file(
            session, org_id=org.id, kind=Kind(kind), path=write_csv(text, f"{kind}.csv"), **options
        )

    return run


def ledger_counts(session: Session) -> dict[str, int]:
    """Rows per ledger table and audit events: "nothing was written" compares these."""
    models = (Customer, Contact, Invoice, CreditNote, Payment, Allocation, AuditEvent)
    return {
        m.__tablename__: session.scalar(select(func.count()).select_from(m)) or 0 for m in models
    }


CUSTOMERS = """
external_id,name,currency,country,vat_number,payment_terms_days,language,email
C1,Alpha GmbH,EUR,DE,DE136695976,30,de,ap@alpha.example
C2,Beta Ltd,GBP,GB,,14,en,
"""
