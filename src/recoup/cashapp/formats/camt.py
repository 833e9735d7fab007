"""ISO 20022 bank-to-customer cash management: camt.052 (intraday report), camt.053
(statement) and camt.054 (debit/credit notification), message versions 02 to 13.

The versions differ in where a few elements sit (``TxDtls/Amt`` since 03, ``AmtDtls``
before; ``Sts/Cd`` since 09; ``Pty`` around a party's name since 08; ``BICFI`` for
``BIC``), so the reader matches elements by local name, whatever the namespace, and
tries each known place. The XML is read with defusedxml (no entity expansion, no
external references): statements come from outside.

Only booked entries become lines (``Sts`` BOOK): a pending or informational entry is not
money yet. One entry with several ``TxDtls`` (a batch booking) is one line per
transaction when their amounts (in the account's currency) add up to the entry's; when
they do not, the booking stays one line with every transaction's text.
"""

import re
from collections import Counter
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from functools import cache
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from recoup.cashapp.formats.common import compact_iban, decimal_of, iso_date, squash
from recoup.cashapp.formats.errors import StatementError, brief
from recoup.cashapp.statement import Statement, StatementLine

# The message (root child) of each kind, and the element of one statement in it.
_MESSAGES = {
    "BkToCstmrAcctRpt": ("camt052", "Rpt"),
    "BkToCstmrStmt": ("camt053", "Stmt"),
    "BkToCstmrDbtCdtNtfctn": ("camt054", "Ntfctn"),
}
_NAMESPACE = re.compile(r"camt\.(05[234])\.001\.(\d\d)")
_SUPPORTED_VERSIONS = range(2, 14)
# Opening balance: the booked opening balance, else the previous day's closing one;
# closing: the booked closing balance (camt.052 reports carry interim ones).
_OPENING = ("OPBD", "PRCD", "ITBD")
_CLOSING = ("CLBD", "ITBD")
_NOT_GIVEN = {"NOTPROVIDED", "NOT PROVIDED", "NONREF"}


def read_camt(data: bytes) -> tuple[Statement, ...]:
    """Every statement (report, notification) of a camt.052/053/054 document."""
    try:
        root = fromstring(data)
    except (ParseError, DefusedXmlException) as error:
        raise StatementError(f"not well-formed XML ({brief(error)})", format="camt") from None
    # The message under <Document>, which some banks wrap in an envelope with a business
    # application header (<AppHdr>); its namespace names the version.
    message, namespace = _strip_namespaces(root)
    if message is None:
        first = next(iter(root), None)
        found = first.tag if root.tag == "Document" and first is not None else root.tag
        raise StatementError(
            f"<{found}> is not a camt.052, camt.053 or camt.054 message", format="camt"
        )
    kind, item = _MESSAGES[message.tag]
    version = _NAMESPACE.search(namespace)
    if version and int(version.group(2)) not in _SUPPORTED_VERSIONS:
        raise StatementError(
            f"message version {version.group(2)} is not supported (02 to 13 are)", format=kind
        )
    statements = tuple(
        _statement(element, kind, index)
        for index, element in enumerate(message.findall(item), start=1)
    )
    if not statements:
        raise StatementError(f"the message has no <{item}>", format=kind)
    return statements


def _strip_namespaces(root: Element) -> tuple[Element | None, str]:
    """Tags by local name; the first camt message element and its namespace."""
    message: Element | None = None
    namespace = ""
    for element in root.iter():
        if element.tag.startswith("{"):
            space, element.tag = element.tag[1:].split("}", 1)
        else:
            space = ""
        if message is None and element.tag in _MESSAGES:
            message, namespace = element, space
    return message, namespace


@cache
def _steps(path: str) -> tuple[str, ...]:
    return tuple(path.split("/"))


def _find(element: Element, path: str) -> Element | None:
    """``element.find(path)`` for plain tag paths, without ElementPath's overhead (a
    10,000-line statement asks some 300,000 of them)."""
    return _descend(element, _steps(path), 0)


def _descend(element: Element, steps: tuple[str, ...], depth: int) -> Element | None:
    last = depth == len(steps) - 1
    for child in element:
        if child.tag == steps[depth]:
            if last:
                return child
            found = _descend(child, steps, depth + 1)
            if found is not None:
                return found
    return None


def _text(element: Element | None, *paths: str) -> str:
    """The stripped text at the first of ``paths`` that has some, else ""."""
    if element is None:
        return ""
    for path in paths:
        found = _find(element, path)
        if found is not None and found.text and found.text.strip():
            return found.text.strip()
    return ""


def _statement(element: Element, kind: str, index: int) -> Statement:
    statement_id = _text(element, "Id")
    where = f"statement {statement_id or index}"
    account = element.find("Acct")
    if account is None:
        raise StatementError("no account (<Acct>)", format=kind, entry=where)
    iban = compact_iban(_text(account, "Id/IBAN"))
    number = _text(account, "Id/Othr/Id") or iban
    currency = _text(account, "Ccy")
    opening = closing = None
    opening_date = closing_date = None
    balances = {
        _text(balance, "Tp/CdOrPrtry/Cd", "Tp/CdOrPrtry/Prtry"): balance
        for balance in reversed(element.findall("Bal"))
    }
    for code in _OPENING:
        if code in balances:
            opening, opening_date, opening_currency = _balance(balances[code], kind, where)
            currency = currency or opening_currency
            break
    for code in _CLOSING:
        if code in balances:
            closing, closing_date, closing_currency = _balance(balances[code], kind, where)
            currency = currency or closing_currency
            break
    lines: list[StatementLine] = []
    for number_in_statement, entry in enumerate(element.findall("Ntry"), start=1):
        lines.extend(_entry_lines(entry, kind, f"{where}, entry {number_in_statement}", iban))
    if not currency and lines:
        currency = lines[0].currency
    return Statement(
        format=kind,
        account_iban=iban,
        account_number=number,
        currency=currency,
        statement_id=statement_id,
        opening_balance=opening,
        closing_balance=closing,
        opening_date=opening_date,
        closing_date=closing_date,
        lines=tuple(lines),
    )


def _balance(balance: Element, kind: str, where: str) -> tuple[Decimal, date | None, str]:
    amount_element = balance.find("Amt")
    if amount_element is None or not (amount_element.text or "").strip():
        raise StatementError("a balance has no amount", format=kind, entry=where)
    amount = decimal_of(amount_element.text or "", format=kind, where=where)
    if _text(balance, "CdtDbtInd") == "DBIT":
        amount = -amount
    when = _text(balance, "Dt/Dt", "Dt/DtTm")
    return (
        amount,
        iso_date(when, format=kind, where=where) if when else None,
        (amount_element.get("Ccy", "")),
    )


def _amount(element: Element | None, *paths: str) -> tuple[Decimal, str] | None:
    if element is None:
        return None
    for path in paths:
        found = _find(element, path)
        if found is not None and (found.text or "").strip():
            return decimal_of(found.text or "", format="camt"), found.get("Ccy", "")
    return None


def _bank_code(element: Element | None) -> str:
    domain = _text(element, "BkTxCd/Domn/Cd")
    if domain:
        family = _text(element, "BkTxCd/Domn/Fmly/Cd")
        sub = _text(element, "BkTxCd/Domn/Fmly/SubFmlyCd")
        return "/".join(part for part in (domain, family, sub) if part)
    return _text(element, "BkTxCd/Prtry/Cd")


def _entry_lines(entry: Element, kind: str, where: str, own_iban: str) -> Iterator[StatementLine]:
    status = _text(entry, "Sts/Cd", "Sts/Prtry", "Sts")
    if status and status != "BOOK":
        return
    entry_amount = _amount(entry, "Amt")
    if entry_amount is None:
        raise StatementError("no amount (<Amt>)", format=kind, entry=where)
    amount, currency = entry_amount
    if not currency:
        raise StatementError("the amount has no currency (Ccy)", format=kind, entry=where)
    mark = _text(entry, "CdtDbtInd")
    if mark not in ("CRDT", "DBIT"):
        raise StatementError(
            f"credit/debit mark {mark!r} is neither CRDT nor DBIT", format=kind, entry=where
        )
    credit = mark == "CRDT"
    booked = _text(entry, "BookgDt/Dt", "BookgDt/DtTm")
    valued = _text(entry, "ValDt/Dt", "ValDt/DtTm")
    if not booked and not valued:
        raise StatementError("no booking date (<BookgDt>)", format=kind, entry=where)
    booking_date = iso_date(booked or valued, format=kind, where=where)
    value_date = iso_date(valued, format=kind, where=where) if valued else None
    reversal = _text(entry, "RvslInd").lower() in ("true", "1")
    entry_ref = _text(entry, "AcctSvcrRef") or _text(entry, "NtryRef")
    entry_code = _bank_code(entry)
    entry_info = _text(entry, "AddtlNtryInf")
    details = [
        transaction
        for group in entry.findall("NtryDtls")
        for transaction in group.findall("TxDtls")
    ]
    if not details:
        yield StatementLine(
            amount=amount,
            currency=currency,
            credit=credit,
            bank_id=entry_ref,
            bank_code=entry_code,
            remittance=squash(entry_info),
            booking_date=booking_date,
            value_date=value_date,
            reversal=reversal,
        )
        return
    amounts = [_amount(detail, "Amt", "AmtDtls/TxAmt/Amt") for detail in details]
    signs = [(_text(detail, "CdtDbtInd") or mark) == mark for detail in details]
    if len(details) > 1 and not _splits(amount, currency, amounts, signs):
        # A batch whose transactions carry no amounts in the account's currency, or
        # amounts that do not add up to the booking: one line for the money booked, with
        # every transaction's text, for a person to split.
        texts = [_remittance(detail) for detail in details]
        yield StatementLine(
            amount=amount,
            currency=currency,
            credit=credit,
            bank_id=entry_ref,
            bank_code=entry_code,
            remittance=squash(*texts) or squash(entry_info),
            booking_date=booking_date,
            value_date=value_date,
            reversal=reversal,
        )
        return
    ids = [_text(detail, "Refs/AcctSvcrRef") or _text(detail, "Refs/TxId") for detail in details]
    repeated = {key for key, count in Counter(ids).items() if count > 1 or not key}
    for position, (detail, found, same, own_id) in enumerate(
        zip(details, amounts, signs, ids, strict=True), start=1
    ):
        line_amount = found[0] if found is not None and len(details) > 1 else amount
        line_currency = (found[1] if found is not None and len(details) > 1 else "") or currency
        if own_id and own_id not in repeated:
            bank_id = own_id
        elif len(details) == 1:
            bank_id = own_id or entry_ref
        else:
            # Transactions of one batch without ids of their own: the booking's id and
            # their place in it, stable when the same statement comes again.
            bank_id = f"{own_id or entry_ref}/{position}" if (own_id or entry_ref) else ""
        yield _detail_line(
            detail,
            credit=credit if same else not credit,
            amount=line_amount,
            currency=line_currency,
            bank_id=bank_id,
            bank_code=_bank_code(detail) or entry_code,
            entry_info=entry_info,
            own_iban=own_iban,
            booking_date=booking_date,
            value_date=value_date,
            reversal=reversal,
        )


def _splits(
    amount: Decimal,
    currency: str,
    amounts: list[tuple[Decimal, str] | None],
    signs: list[bool],
) -> bool:
    """Whether a batch's transactions are in the booking's currency and add up to it."""
    total = Decimal(0)
    for found, same in zip(amounts, signs, strict=True):
        if found is None or found[1] not in ("", currency):
            return False
        total += found[0] if same else -found[0]
    return total == amount


def _remittance(detail: Element) -> str:
    unstructured = [(element.text or "").strip() for element in detail.findall("RmtInf/Ustrd")]
    documents = [
        (element.text or "").strip() for element in detail.findall("RmtInf/Strd/RfrdDocInf/Nb")
    ]
    # One payment for several invoices may carry a creditor reference for each: the
    # first is the line's, the others go with the text.
    references = [
        (element.text or "").strip() for element in detail.findall("RmtInf/Strd/CdtrRefInf/Ref")[1:]
    ]
    return squash(*unstructured, *documents, *references)


def _party(detail: Element, role: str) -> tuple[str, str, str]:
    """Name, IBAN and BIC of the debtor (``Dbtr``) or creditor (``Cdtr``) of a transaction."""
    name = _text(
        detail,
        f"RltdPties/{role}/Nm",
        f"RltdPties/{role}/Pty/Nm",
        f"RltdPties/Ultmt{role}/Nm",
        f"RltdPties/Ultmt{role}/Pty/Nm",
    )
    iban = compact_iban(_text(detail, f"RltdPties/{role}Acct/Id/IBAN"))
    bic = _text(
        detail, f"RltdAgts/{role}Agt/FinInstnId/BIC", f"RltdAgts/{role}Agt/FinInstnId/BICFI"
    )
    return name, iban, bic


def _detail_line(
    detail: Element,
    *,
    credit: bool,
    amount: Decimal,
    currency: str,
    bank_id: str,
    bank_code: str,
    entry_info: str,
    own_iban: str,
    booking_date: date,
    value_date: date | None,
    reversal: bool,
) -> StatementLine:
    # The counterparty: who paid us on a credit, whom we paid on a debit; a direct-debit
    # return names us as creditor, so then the other party is the one.
    first, second = ("Dbtr", "Cdtr") if credit else ("Cdtr", "Dbtr")
    name, iban, bic = _party(detail, first)
    if (not name and not iban) or (own_iban and iban == own_iban):
        other = _party(detail, second)
        if other[0] or other[1]:
            name, iban, bic = other
    end_to_end = _text(detail, "Refs/EndToEndId")
    if end_to_end.upper() in _NOT_GIVEN:
        end_to_end = ""
    return_reason = _text(detail, "RtrInf/Rsn/Cd", "RtrInf/Rsn/Prtry")
    if not return_reason and _find(detail, "RtrInf") is not None:
        return_reason = "RTRN"
    remittance = _remittance(detail) or squash(_text(detail, "AddtlTxInf"), entry_info)
    return StatementLine(
        booking_date=booking_date,
        value_date=value_date,
        amount=amount,
        currency=currency,
        credit=credit,
        bank_id=bank_id,
        end_to_end_id=end_to_end,
        creditor_reference=squash(_text(detail, "RmtInf/Strd/CdtrRefInf/Ref")).replace(" ", ""),
        remittance=remittance,
        payer_name=squash(name),
        payer_iban=iban,
        payer_bic=bic,
        bank_code=bank_code,
        return_reason=return_reason,
        # A return carries the returned transaction's own end-to-end id.
        returned_end_to_end_id=end_to_end if return_reason else "",
        reversal=reversal,
    )
