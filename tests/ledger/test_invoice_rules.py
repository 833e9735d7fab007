"""The invoice checks are one set of rules (``ledger.core.invoice_problems``): the
ledger service refuses what an import would report, with the same words."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from recoup.errors import InvalidInput
from recoup.ledger import service as ledger
from recoup.ledger.models import Invoice
from tests.factories import make_customer, make_org


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"tax": Decimal("120.00")}, "tax: tax is more than the total"),
        ({"total": Decimal("-1.00")}, "total: must not be negative"),
        (
            {"due_date": date(2026, 2, 1)},
            "due_date: due date 2026-02-01 is before the issue date 2026-03-01",
        ),
    ],
)
def test_the_service_refuses_what_an_import_reports(
    session: Session, change: dict[str, object], message: str
) -> None:
    org = make_org(session)
    customer = make_customer(session, org=org)
    given: dict[str, object] = {"total": Decimal("100.00"), "tax": Decimal("20.00"), **change}
    with pytest.raises(InvalidInput) as refused:
        ledger.create_invoice(
            session,
            org_id=org.id,
            customer_id=customer.id,
            number="INV-1",
            issue_date=date(2026, 3, 1),
            **given,  # type: ignore[arg-type]
        )
    assert str(refused.value) == message
    assert session.query(Invoice).count() == 0
