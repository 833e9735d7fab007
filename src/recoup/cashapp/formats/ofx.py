"""OFX and QFX statements (1.x SGML and 2.x XML), read with ofxtools.

ofxtools reads the header and turns both SGML and XML into one element tree. Its
models are strict about element order, and real bank files are not (the test files of
other importers put several ``BANKTRANLIST`` in one statement), so the statements are
read from the tree, with ofxtools' own type converters for dates and amounts.
"""

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from io import BytesIO
from typing import Any
from xml.etree.ElementTree import Element

from ofxtools import Types
from ofxtools.Parser import OFXTree

from recoup.cashapp.formats.common import compact_iban, squash
from recoup.cashapp.formats.errors import StatementError, brief
from recoup.cashapp.statement import Statement, StatementLine

_FORMAT = "ofx"
_STATEMENTS = ("STMTRS", "CCSTMTRS")
_DATE: Any = Types.DateTime()
_AMOUNT: Any = Types.Decimal()
_CREDIT_TYPES = {"CREDIT", "DEP", "DIRECTDEP", "INT", "DIV"}


def read_ofx(data: bytes) -> tuple[Statement, ...]:
    """Every bank and credit-card statement of an OFX/QFX file."""
    tree = OFXTree()
    try:
        tree.parse(BytesIO(data))
    except Exception as error:  # ofxtools raises its own ParseError/OFXHeaderError
        raise StatementError(f"not a valid OFX file ({brief(error)})", format=_FORMAT) from None
    root = tree.getroot()
    if root is None:
        raise StatementError("the file has no <OFX> element", format=_FORMAT)
    found = [element for element in root.iter() if element.tag in _STATEMENTS]
    if not found:
        raise StatementError("no bank statement (STMTRS) in the file", format=_FORMAT)
    return tuple(_statement(element, index) for index, element in enumerate(found, start=1))


def _text(element: Element | None, path: str) -> str:
    if element is None:
        return ""
    found = element.find(path)
    return (found.text or "").strip() if found is not None else ""


def _date(text: str, where: str, what: str) -> date:
    try:
        _DATE.convert(text)
        # The bank's own calendar day: ofxtools would turn "…[-8:PST]" into UTC.
        return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except Exception:  # ofxtools raises ValueError subclasses of its own
        raise StatementError(
            f"{what} {text!r} is not a date", format=_FORMAT, entry=where
        ) from None


def _amount(text: str, where: str, what: str) -> Decimal:
    try:
        value: Decimal = _AMOUNT.convert(text)
    except Exception:
        raise StatementError(
            f"{what} {text!r} is not a number", format=_FORMAT, entry=where
        ) from None
    return value


def _statement(element: Element, index: int) -> Statement:
    where = f"statement {index}"
    currency = _text(element, "CURDEF").upper()
    if not currency:
        raise StatementError("no currency (CURDEF)", format=_FORMAT, entry=where)
    account = element.find("BANKACCTFROM")
    if account is None:
        account = element.find("CCACCTFROM")
    number = _text(account, "ACCTID")
    if not number:
        raise StatementError("no account (BANKACCTFROM/ACCTID)", format=_FORMAT, entry=where)
    closing = closing_date = None
    balance = element.find("LEDGERBAL")
    if balance is not None and _text(balance, "BALAMT"):
        closing = _amount(_text(balance, "BALAMT"), where, "balance")
        if _text(balance, "DTASOF"):
            closing_date = _date(_text(balance, "DTASOF"), where, "balance date")
    opening_date = None
    start = element.find("BANKTRANLIST/DTSTART")
    if start is not None and (start.text or "").strip():
        opening_date = _date((start.text or "").strip(), where, "DTSTART")
    return Statement(
        format=_FORMAT,
        account_iban=compact_iban(number),
        account_number=number,
        currency=currency,
        statement_id="",
        opening_balance=None,
        closing_balance=closing,
        opening_date=opening_date,
        closing_date=closing_date,
        lines=tuple(_lines(element, currency, where)),
    )


def _lines(statement: Element, currency: str, where: str) -> Iterator[StatementLine]:
    transactions = [
        transaction
        for transaction_list in statement.findall("BANKTRANLIST")
        for transaction in transaction_list.findall("STMTTRN")
    ]
    for number, transaction in enumerate(transactions, start=1):
        name = squash(_text(transaction, "NAME") or _text(transaction, "PAYEE/NAME"))
        here = f"{where}, transaction {number}" + (f" ({name})" if name else "")
        posted = _text(transaction, "DTPOSTED")
        if not posted:
            raise StatementError("no date (DTPOSTED)", format=_FORMAT, entry=here)
        amount_text = _text(transaction, "TRNAMT")
        if not amount_text:
            raise StatementError("no amount (TRNAMT)", format=_FORMAT, entry=here)
        amount = _amount(amount_text, here, "amount")
        available = _text(transaction, "DTAVAIL")
        line_currency = (
            _text(transaction, "CURRENCY/CURSYM") or _text(transaction, "ORIGCURRENCY/CURSYM")
        ).upper()
        kind = _text(transaction, "TRNTYPE").upper()
        counter_account = _text(transaction, "BANKACCTTO/ACCTID") or _text(
            transaction, "CCACCTTO/ACCTID"
        )
        yield StatementLine(
            booking_date=_date(posted, here, "DTPOSTED"),
            value_date=_date(available, here, "DTAVAIL") if available else None,
            amount=abs(amount),
            currency=line_currency or currency,
            # The sign says the direction; TRNTYPE only where the amount is zero.
            credit=amount > 0 or (amount == 0 and kind in _CREDIT_TYPES),
            bank_id=_text(transaction, "FITID"),
            remittance=squash(_text(transaction, "MEMO")),
            payer_name=name,
            payer_iban=compact_iban(counter_account),
            bank_code=kind,
        )
