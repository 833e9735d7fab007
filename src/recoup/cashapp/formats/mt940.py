"""SWIFT MT940 customer statements, read with the ``mt-940`` library.

The library splits the fields and reads ``:61:`` (dates, debit/credit mark, amount,
references) and the German structured ``:86:`` (``?00`` posting text, ``?20``-``?29``
purpose with the SEPA keywords ``EREF+``/``SVWZ+``, ``?30``-``?33`` counterparty,
``?34`` return reason). This module adds what it leaves as text: the Dutch ``/KEY/``
layout of ING, Rabobank and ABN AMRO (``/EREF/``, ``/REMI/``, ``/ORDP//NAME/``,
``/CNTP/``, ``/RTRN/``), the SNS layout (the counterparty IBAN and name first), and
plain free text, which is kept whole as the remittance.

Returns are recognised by a return code (``?34``, ``/RTRN/``) or the transaction type
``RTI``; reversals (``RC``/``RD`` marks) by their mark.
"""

import logging
import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import mt940
from stdnum import iban as iban_number
from stdnum.iso7064 import mod_97_10

from recoup.cashapp.formats.common import compact_iban, squash
from recoup.cashapp.formats.errors import StatementError, brief
from recoup.cashapp.statement import Statement, StatementLine

_FORMAT = "mt940"
# The library logs each field it cannot match, with the whole pattern, as an error;
# without a handler Python prints that to stderr ahead of our message naming the line.
# Configured logging still receives it.
logging.getLogger("mt940").addHandler(logging.NullHandler())
_TAG = re.compile(r"^:([0-9A-Za-z]{1,5}):")
# Fields of an MT940 message (and of the MT942 interim report some banks mix in).
_FIELDS = re.compile(r"^(?:[0-9]{2}[A-Z]?|NS)$")
# SWIFT FIN blocks: basic and application headers {1:}{2:}, user header {3:{108:..}},
# the text block's opening "{4:" and closing "-}", trailer {5:{CHK:..}}.
_SWIFT_BLOCK = re.compile(r"\{[1235]:(?:[^{}]|\{[^{}]*\})*\}|\{4:|-\}")
# The Dutch layout: known keywords between slashes (ING, Rabobank, ABN AMRO SEPA).
_DUTCH_KEYS = (
    "EREF", "PREF", "MARF", "CSID", "CNTP", "REMI", "ORDP", "BENM", "RTRN", "ISDT", "NAME",
    "ADDR", "IBAN", "BIC", "TRCD", "CREF", "PURP", "ULTC", "ULTD", "ULTB", "ABSC", "SVCL",
    "EXCH", "CHGS", "OCMT", "RTYP", "BUSP", "FX", "SUM", "TRTP",
)  # fmt: skip
_DUTCH = re.compile(r"/(" + "|".join(_DUTCH_KEYS) + r")/")
_NOT_GIVEN = {"", "NONREF", "NOTPROVIDED"}
# German business transaction codes (GVC) of returns: SEPA direct debits returned to
# their creditor (108, 109 B2B, 181, 184 B2B) and credit transfers returned (159).
_GERMAN_RETURN_CODES = {"108", "109", "159", "181", "184"}
_GERMAN_ACCOUNT = re.compile(r"^(\d{8})/(\d{1,10})$")
_POLISH_ACCOUNT = re.compile(r"Z RACH\.:\s*(\d{26})\b")
_POLISH_PAYER = re.compile(r"\bOD:\s*([^\n;]+)")


def read_mt940(data: bytes) -> tuple[Statement, ...]:
    """Every statement (``:20:`` block) of an MT940 file."""
    original = _decode(data)
    _check_fields(original)
    # SWIFT FIN envelopes ({1:...}{2:...}{4: ... -}{5:}) around each message.
    text = _join_wrapped_fields(_SWIFT_BLOCK.sub("", original))
    try:
        blocks = mt940.parse_statements(
            text, options=mt940.Options.all(), tags={61: _WIDE_STATEMENT_LINE}
        )
    except Exception as error:  # the library raises RuntimeError/ValueError/KeyError
        raise _library_error(error, original) from None
    statements = tuple(
        _statement(block, index) for index, block in enumerate(blocks, start=1) if block.data
    )
    if not statements:
        raise StatementError("no statement (:20: … :62F:) found", format=_FORMAT)
    return statements


def _wide_statement_line() -> mt940.tags.Statement:
    """The ``:61:`` parser with a customer reference of up to 34 characters: SNS puts
    the counterparty IBAN (18) there."""

    # The library derives the processors' key from the class name: it must stay
    # "Statement".
    class Statement(mt940.tags.Statement):
        pattern = mt940.tags.Statement.pattern.replace(r"[^\n]){0,16}", r"[^\n]){0,34}")

    return Statement()


_WIDE_STATEMENT_LINE = _wide_statement_line()
# Fields of one line that some banks (ING) wrap anyway: their continuation is joined.
_ONE_LINE_FIELDS = re.compile(r"^:(?:20|21|25|28C?|6[02][FM]|64|65|13D?):")


def _join_wrapped_fields(text: str) -> str:
    """Undo the wrapping of fields that are one line (``:25:``, ``:28C:``, balances) and
    of a ``:61:`` spread over more than two lines (ING wraps at any character)."""
    lines: list[str] = []
    field: list[str] = []

    def close() -> None:
        if len(field) > 2 and field[0].startswith(":61:"):
            head, rest = field[0], field[1:]
            while rest and not rest[0].startswith("/"):
                head += rest.pop(0)
            lines.append(head)
            if rest:
                lines.append("".join(rest))
        else:
            lines.extend(field)
        field.clear()

    for line in text.split("\n"):
        if _TAG.match(line) or line.strip() == "-":
            close()
            field.append(line)
        elif field and _ONE_LINE_FIELDS.match(field[0]) and line.strip():
            field[0] += line.strip()
        elif field and field[0].startswith(":61:"):
            field.append(line.strip())
        else:
            close()
            lines.append(line)
    close()
    return "\n".join(lines)


def _library_error(error: Exception, original: str) -> StatementError:
    """The library's complaint about a field, as the field, its line in the file as it
    came (before wrapped fields were joined) and its value."""
    if len(error.args) >= 3 and isinstance(error.args[1], mt940.tags.Tag):
        tag, value = error.args[1], str(error.args[2])
        first = value.split("\n")[0]
        for number, line in enumerate(original.split("\n"), start=1):
            line = _SWIFT_BLOCK.sub("", line)
            if line.startswith(f":{tag.id}:") and line[len(f":{tag.id}:") :] in first:
                return StatementError(
                    f"the :{tag.id}: field cannot be read: {first!r}",
                    format=_FORMAT,
                    line=number,
                )
    return StatementError(f"could not be read ({brief(error)})", format=_FORMAT)


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 refuses only 5 byte values
        text = data.decode("latin-1")
    # Control characters some banks wrap the file in (SOH/ETX) and CRLF line ends.
    return text.replace("\r\n", "\n").replace("\r", "\n").strip("\x01\x03\n ")


def _check_fields(text: str) -> None:
    first = True
    for number, line in enumerate(text.split("\n"), start=1):
        stripped = _SWIFT_BLOCK.sub("", line)
        match = _TAG.match(stripped)
        if match is None:
            if stripped.strip():
                first = False
            continue
        tag = match.group(1)
        # A Rabobank file opens with ":940:", its own header line.
        if not _FIELDS.match(tag) and not (first and tag == "940"):
            raise StatementError(f":{tag}: is not an MT940 field", format=_FORMAT, line=number)
        first = False


def _account_iban(identification: str, currency: str) -> str:
    """The IBAN in a ``:25:`` account field; ING and Rabobank add the currency
    ("NL77INGB0574908765EUR", "NL34RABO0142623393 EUR"); German banks give their bank
    code and the account number ("37040044/532013000").

    >>> _account_iban("NL77INGB0574908765EUR", "EUR")
    'NL77INGB0574908765'
    >>> _account_iban("37040044/532013000", "EUR")
    'DE89370400440532013000'
    >>> _account_iban("50880050/0194774600888", "EUR")
    ''
    """
    text = identification.replace(" ", "").upper()
    if currency and text.endswith(currency) and len(text) > 18:
        text = text[: -len(currency)]
    german = _GERMAN_ACCOUNT.match(text)
    if german:
        # A German bank code and account number: the IBAN is determined by them, and
        # the same account's camt files name it so.
        bban = german.group(1) + german.group(2).zfill(10)
        return f"DE{mod_97_10.calc_check_digits(bban + 'DE')}{bban}"
    return compact_iban(text)


def _balance(block: Any, *keys: str) -> tuple[Decimal | None, date | None, str]:
    for key in keys:
        balance = block.data.get(key)
        if balance is not None:
            return balance.amount.amount, _date(balance.date), balance.amount.currency or ""
    return None, None, ""


def _date(value: Any) -> date:
    return date(value.year, value.month, value.day)


def _statement(block: Any, index: int) -> Statement:
    data = block.data
    reference = str(data.get("transaction_reference") or "").strip()
    where = f"statement {reference or index}"
    identification = str(data.get("account_identification") or "").strip()
    if not identification:
        raise StatementError("no account (:25:)", format=_FORMAT, entry=where)
    opening, opening_date, opening_currency = _balance(
        block, "final_opening_balance", "intermediate_opening_balance", "opening_balance"
    )
    closing, closing_date, closing_currency = _balance(
        block, "final_closing_balance", "intermediate_closing_balance", "closing_balance"
    )
    currency = opening_currency or closing_currency
    if not currency:
        raise StatementError(
            "no opening balance (:60F:) with a currency", format=_FORMAT, entry=where
        )
    number = " ".join(
        str(data[key]) for key in ("statement_number", "sequence_number") if data.get(key)
    )
    return Statement(
        format=_FORMAT,
        account_iban=_account_iban(identification, currency),
        account_number=identification,
        currency=currency,
        statement_id=squash(reference, "/".join(number.split())),
        opening_balance=opening,
        closing_balance=closing,
        opening_date=opening_date,
        closing_date=closing_date,
        lines=tuple(_lines(block, currency)),
    )


def _lines(block: Any, currency: str) -> Iterator[StatementLine]:
    for transaction in block:
        data = transaction.data
        amount = data["amount"]
        mark = str(data.get("status") or "")
        value_date = _date(data["date"])
        entry_date = data.get("entry_date")
        details = _details(data)
        bank_reference = str(data.get("bank_reference") or "").strip()
        transaction_type = str(data.get("id") or "").strip()
        return_reason = details.get("return_reason", "")
        if not return_reason and transaction_type[-3:] == "RTI":
            return_reason = "RTI"
        end_to_end = details.get("end_to_end_id", "")
        yield StatementLine(
            booking_date=_date(entry_date) if entry_date else value_date,
            value_date=value_date,
            amount=abs(amount.amount),
            currency=amount.currency or currency,
            # C: credit; D: debit; RC: reversal of a credit (money out); RD: money in.
            credit=mark.upper() in ("C", "RD"),
            bank_id="" if bank_reference.upper() in _NOT_GIVEN else bank_reference,
            end_to_end_id=end_to_end,
            creditor_reference=details.get("creditor_reference", ""),
            remittance=details.get("remittance", ""),
            payer_name=details.get("payer_name", ""),
            payer_iban=details.get("payer_iban", "") or _extra_iban(data),
            payer_bic=details.get("payer_bic", ""),
            bank_code=details.get("bank_code", "") or transaction_type,
            return_reason=return_reason,
            returned_end_to_end_id=end_to_end if return_reason else "",
            reversal=mark.upper().startswith("R"),
        )


def _extra_iban(data: dict[str, Any]) -> str:
    """The counterparty IBAN some banks put in ``:61:`` (Rabobank: the second line)."""
    for key in ("extra_details", "customer_reference"):
        value = compact_iban(str(data.get(key) or "").split(" ")[0])
        if value and iban_number.is_valid(value):
            return value
    return ""


def _details(data: dict[str, Any]) -> dict[str, str]:
    """The ``:86:`` fields as line attributes, whichever layout the bank uses."""
    # The library replaces the text by its fields when it is the German ?-layout.
    if "transaction_details" not in data:
        return _german(data)
    text = str(data.get("transaction_details") or "")
    flat = "".join(part.rstrip("\n") for part in text.split("\n"))
    if _DUTCH.search(flat) and flat.lstrip().startswith("/"):
        return _dutch(flat)
    return _free_text(text)


def _german(data: dict[str, Any]) -> dict[str, str]:
    def field(key: str) -> str:
        return squash(str(data.get(key) or ""))

    # German banks append their own message ("MTLG:...") to the last keyword's text.
    end_to_end, _, message = field("end_to_end_reference").partition("MTLG:")
    purpose = field("purpose").replace("MTLG:", " MTLG:")
    name = field("applicant_name")
    iban = compact_iban(field("applicant_iban") or field("gvc_applicant_iban"))
    return {
        "remittance": squash(
            purpose, f"MTLG:{message}" if message else "", field("additional_purpose")
        ),
        "payer_name": name or field("deviate_applicant"),
        "payer_iban": iban,
        "payer_bic": field("applicant_bin") or field("gvc_applicant_bin"),
        "end_to_end_id": "" if end_to_end.strip().upper() in _NOT_GIVEN else end_to_end.strip(),
        "bank_code": squash(field("transaction_code"), field("posting_text")),
        # ?34 extends the posting key; on a return it is the reason (901-999).
        "return_reason": (field("return_debit_notes") or "RTRN") if _german_return(data) else "",
    }


def _german_return(data: dict[str, Any]) -> bool:
    posting = str(data.get("posting_text") or "").upper()
    return str(data.get("transaction_code") or "") in _GERMAN_RETURN_CODES or any(
        word in posting for word in ("RETOUR", "RUECK", "RÜCK", "RUCK")
    )


def _dutch(flat: str) -> dict[str, str]:
    parts = _DUTCH.split(flat)
    fields: dict[str, str] = {}
    # parts: [before, KEY, value, KEY, value, ...]; a key seen twice keeps the first.
    for key, value in zip(parts[1::2], parts[2::2], strict=True):
        fields.setdefault(key, value.strip("/ "))
    result: dict[str, str] = {}
    remittance = fields.get("REMI", "")
    if remittance.startswith("STRD/"):
        # /REMI/STRD/CUR/<creditor reference>/ (ING): the structured reference.
        result["creditor_reference"] = remittance.split("/")[-1].strip()
    else:
        result["remittance"] = squash(remittance.removeprefix("USTD").strip("/ "))
    counterparty = fields.get("CNTP", "")
    if counterparty:
        # /CNTP/<account>/<BIC>/<name>/<city>/
        account, bic, name = [*counterparty.split("/"), "", ""][:3]
        result["payer_iban"] = compact_iban(account)
        result["payer_bic"] = bic.strip()
        result["payer_name"] = squash(name)
    for party in ("ORDP", "BENM"):
        if party in fields or "NAME" in fields:
            result.setdefault("payer_name", squash(fields.get("NAME", "")))
    if "IBAN" in fields:
        result.setdefault("payer_iban", compact_iban(fields["IBAN"]))
    if "BIC" in fields:
        result.setdefault("payer_bic", fields["BIC"].strip())
    end_to_end = fields.get("EREF", "")
    result["end_to_end_id"] = "" if end_to_end.upper() in _NOT_GIVEN else end_to_end
    result["return_reason"] = fields.get("RTRN", "").split("/")[0].strip()
    result["bank_code"] = fields.get("TRCD", "") or fields.get("TRTP", "")
    return result


def _free_text(text: str) -> dict[str, str]:
    lines = [line.strip() for line in text.split("\n")]
    first = lines[0].split(" ", 1) if lines else [""]
    account = compact_iban(first[0])
    if account and iban_number.is_valid(account):
        # SNS: "<IBAN> <name>" on the first line, the remittance after it.
        return {
            "payer_iban": account,
            "payer_name": squash(first[1] if len(first) > 1 else ""),
            "remittance": squash(*lines[1:]),
        }
    result = {"remittance": squash(*lines)}
    # mBank (Poland): "Z RACH.: <NRB>; OD: <name>" + address on the next line.
    polish = _POLISH_ACCOUNT.search(text)
    if polish and iban_number.is_valid(f"PL{polish.group(1)}"):
        result["payer_iban"] = f"PL{polish.group(1)}"
    payer = _POLISH_PAYER.search(text)
    if payer:
        result["payer_name"] = squash(payer.group(1))
    return result
