"""When an account counts as cleared for the escalation engine (pure, day by day): paid
invoices with charges still open keep the cycle open and get no thank-you; an invoice not
yet due keeps the thank-you back (it would say nothing is open)."""

from datetime import date

from recoup.policy.core import ContactView, CustomerView, InvoiceView
from tests.policy.simulate import days, fired, simulate

BILLING = ContactView(id=1, name="Accounts", email="ap@alpha.example")
OVERDUE = InvoiceView(11, "INV-1", date(2026, 3, 2), "GBP", 100_000)
NOT_YET_DUE = InvoiceView(12, "INV-2", date(2026, 4, 30), "GBP", 50_000)


def alpha(*, invoices: tuple[InvoiceView, ...], still_owes: str = "") -> CustomerView:
    return CustomerView(
        id=1,
        external_id="C1",
        name="Alpha Ltd",
        invoices=invoices,
        contacts=(BILLING,),
        country="GB",
        timezone="Europe/London",
        still_owes=still_owes,
    )


def test_open_charges_keep_the_cycle_open_and_the_thank_you_back() -> None:
    # INV-1 paid on 10 March; its compensation (£70) stays open until 13 March.
    def portfolio(day: date) -> list[CustomerView]:
        if day < date(2026, 3, 10):
            return [alpha(invoices=(OVERDUE,))]
        owes = "1 open charge" if day < date(2026, 3, 13) else ""
        return [alpha(invoices=(), still_owes=owes)]

    history = simulate(portfolio, days(date(2026, 2, 25), date(2026, 3, 16)))
    assert fired(history) == [
        ("2026-02-27", "pre-due reminder"),
        ("2026-03-03", "due notice"),
        ("2026-03-13", "thank you"),  # Friday: the charge paid, the account cleared
    ]
    kept = [d.as_of for d in history if (1, "cycle stays open: 1 open charge") in d.notes]
    assert kept == [date(2026, 3, 10), date(2026, 3, 11), date(2026, 3, 12)]


def test_no_thank_you_while_an_invoice_not_yet_due_is_open() -> None:
    def portfolio(day: date) -> list[CustomerView]:
        paid = day >= date(2026, 3, 10)
        return [alpha(invoices=(NOT_YET_DUE,) if paid else (OVERDUE, NOT_YET_DUE))]

    history = simulate(portfolio, days(date(2026, 2, 25), date(2026, 3, 12)))
    assert fired(history) == [
        ("2026-02-27", "pre-due reminder"),
        ("2026-03-03", "due notice"),
    ]
    assert any((1, "no thank-you: invoices not yet due are still open") in d.notes for d in history)
