"""ISO 4217 codes that are not money (gold, SDR, "no currency", test) are refused on
import with the row and the reason, like unknown codes; real X-currencies are accepted."""

import pytest
from sqlalchemy.orm import Session

from recoup.errors import RowsRejected
from tests.imports.conftest import CUSTOMERS, Importer, ledger_counts

NOT_MONEY = {
    "XXX": "the code for transactions without a currency",
    "XTS": "reserved for testing",
    "XAU": "gold (one troy ounce)",
    "XAG": "silver (one troy ounce)",
    "XPT": "platinum (one troy ounce)",
    "XPD": "palladium (one troy ounce)",
    "XDR": "the IMF's special drawing right, a unit of account",
    "XBA": "a European bond-market unit (EURCO)",
    "XBB": "a European bond-market unit (E.M.U.-6)",
    "XBC": "a European bond-market unit (E.U.A.-9)",
    "XBD": "a European bond-market unit (E.U.A.-17)",
    "XSU": "the Sucre, a regional unit of account",
    "XUA": "the African Development Bank's unit of account",
}


def _rejected(session: Session, run_import: Importer, kind: str, text: str) -> list[str]:
    before = ledger_counts(session)
    with pytest.raises(RowsRejected) as caught:
        run_import(kind, text)
    assert ledger_counts(session) == before
    return [str(problem) for problem in caught.value.problems]


@pytest.mark.parametrize("code", sorted(NOT_MONEY))
def test_invoice_in_a_code_that_is_not_money_is_refused(
    session: Session, run_import: Importer, code: str
) -> None:
    run_import("customers", CUSTOMERS)
    text = f"number,customer,issue_date,due_date,total,currency\nINV-1,C1,2026-01-01,2026-01-31,100.00,{code.lower()}"
    assert _rejected(session, run_import, "invoices", text) == [
        f"row 2, currency: '{code.lower()}' is {NOT_MONEY[code]}, not a currency one can invoice in"
    ]


@pytest.mark.parametrize("code", ["XAU", "XDR", "XXX"])
def test_customer_and_payment_in_a_code_that_is_not_money_are_refused(
    session: Session, run_import: Importer, code: str
) -> None:
    customers = f"external_id,name,currency,country\nC1,Alpha GmbH,EUR,DE\nC2,Gold Ltd,{code},GB"
    assert _rejected(session, run_import, "customers", customers) == [
        f"row 3, currency: '{code}' is {NOT_MONEY[code]}, not a currency one can invoice in"
    ]
    run_import("customers", CUSTOMERS)
    payments = f"external_id,customer,received_on,amount,currency\nP1,C1,2026-02-01,10.00,{code}"
    assert _rejected(session, run_import, "payments", payments) == [
        f"row 2, currency: '{code}' is {NOT_MONEY[code]}, not a currency one can invoice in"
    ]


def test_real_currencies_with_an_x_code_are_accepted(run_import: Importer) -> None:
    # CFA francs (XOF, XAF), the CFP franc (XPF) and the East Caribbean dollar (XCD).
    run_import(
        "customers", "external_id,name,currency,country\nC1,Dakar SA,XOF,SN\nC2,Douala SA,XAF,CM"
    )
    result = run_import(
        "invoices",
        "number,customer,issue_date,due_date,total,currency\n"
        "INV-1,C1,2026-01-01,2026-01-31,100000,XOF\n"
        "INV-2,C2,2026-01-01,2026-01-31,5000,XAF\n"
        "INV-3,C2,2026-01-01,2026-01-31,10.00,XCD\n"
        "INV-4,C2,2026-01-01,2026-01-31,100,XPF",
    )
    assert result.created == 4
