"""The Bank page's reads: statements a page at a time, lines counted by status."""

from collections import Counter
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from recoup.cashapp import service
from recoup.cashapp.statement import Statement, StatementLine
from recoup.errors import NotFound
from tests.factories import make_customer, make_invoice, make_org

DAY = date(2026, 3, 2)


def _statement(name: str, *lines: StatementLine) -> Statement:
    return Statement(
        format="camt053", account_iban="DE02120300000000202051", account_number="",
        currency="EUR", statement_id=name, lines=lines,
    )  # fmt: skip


def _line(amount: str, bank_id: str, credit: bool = True, text: str = "") -> StatementLine:
    return StatementLine(
        booking_date=DAY, amount=Decimal(amount), currency="EUR", credit=credit,
        bank_id=bank_id, remittance=text,
    )  # fmt: skip


def test_statements_are_paged_newest_first_and_lines_counted_by_status(session: Session) -> None:
    org = make_org(session)
    other = make_org(session, slug="other")
    customer = make_customer(session, org=org, external_id="C1", name="Nordwind Logistik GmbH")
    make_invoice(session, customer=customer, number="INV-1042", total="500.00")
    first = _statement("S1", _line("500.00", "a", text="INV-1042"), _line("3.00", "b", False))
    second = _statement("S2", _line("12.34", "c", text="?"), _line("56.78", "d", text="?"))
    service.import_statements(session, org_id=org.id, statements=[first])
    service.import_statements(session, org_id=org.id, statements=[second])
    service.import_statements(session, org_id=other.id, statements=[second])

    page, total = service.statement_page(session, org_id=org.id, limit=1)
    assert total == 2
    assert [s.statement_id for s in page] == ["S2"]
    page, _ = service.statement_page(session, org_id=org.id, limit=1, offset=1)
    assert [s.statement_id for s in page] == ["S1"]

    counts = service.line_counts(session, org_id=org.id)
    s1, s2 = (service.statement_page(session, org_id=org.id, limit=2)[0][i].id for i in (1, 0))
    assert counts == {s1: Counter(applied=1, debit=1), s2: Counter(unmatched=2)}
    assert service.line_counts(session, org_id=org.id, statement_ids=[s2]) == {
        s2: Counter(unmatched=2)
    }
    assert service.get_statement(session, org_id=org.id, statement_id=s1).statement_id == "S1"
    with pytest.raises(NotFound):
        service.get_statement(session, org_id=other.id, statement_id=s1)
    line = service.list_lines(session, org_id=org.id, statement_id=s2)[0]
    assert service.read_line(session, org_id=org.id, line_id=line.id).amount == 1234
    with pytest.raises(NotFound):
        service.read_line(session, org_id=other.id, line_id=line.id)
