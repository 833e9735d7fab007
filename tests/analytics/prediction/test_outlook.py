"""The customer page's outlook: the amount-weighted payment date and chance of paying
late of a customer's open invoices, with the facts that weigh most, in words."""

from datetime import date

from sqlalchemy.orm import Session

from recoup.analytics.prediction import service as prediction
from recoup.analytics.prediction.service import Outlook
from recoup.ledger.models import Invoice
from tests.analytics.prediction.test_service import NOW, book  # noqa: F401 - the fixture


def test_no_model_no_outlook(session: Session, book: dict[str, Invoice]) -> None:  # noqa: F811
    a4 = book["A4"]
    found = prediction.customer_outlook(
        session, org_id=a4.org_id, customer_id=a4.customer_id, as_of=NOW.date()
    )
    assert found == []


def test_outlook_of_a_late_and_an_early_payer(
    session: Session,
    book: dict[str, Invoice],  # noqa: F811
) -> None:
    a4, b2 = book["A4"], book["B2"]
    prediction.train(session, org_id=a4.org_id, now=NOW)
    # A paid its three invoices 10 days late: A4 (due 1 May) expected 11 May, 100 %.
    assert prediction.customer_outlook(
        session, org_id=a4.org_id, customer_id=a4.customer_id, as_of=NOW.date()
    ) == [
        Outlook(
            "EUR",
            400_00,
            date(2026, 5, 11),
            1.0,
            0,
            ["paid earlier invoices 10 days late on average", "3 of 3 earlier invoices paid late"],
        )
    ]
    # B paid its one invoice two days early: B2 expected 29 April, 0 %.
    assert prediction.customer_outlook(
        session, org_id=b2.org_id, customer_id=b2.customer_id, as_of=NOW.date()
    ) == [
        Outlook(
            "EUR",
            200_00,
            date(2026, 4, 29),
            0.0,
            0,
            ["paid earlier invoices 2 days early on average", "0 of 1 earlier invoices paid late"],
        )
    ]
