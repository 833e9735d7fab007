"""What a bank statement says, as every parser returns it (no database, no matching).

Amounts are exact: ``Decimal`` in the statement's currency, always positive, with the
direction in ``credit`` (money in) — a debit line is ``credit=False``.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class StatementLine:
    """One booked movement (one payment: a batch booking's TxDtls are several lines)."""

    booking_date: date
    amount: Decimal
    currency: str
    credit: bool
    value_date: date | None = None
    # The bank's own id of the transaction (camt AcctSvcrRef / TxId, OFX FITID, MT940
    # bank reference), empty when the format gives none.
    bank_id: str = ""
    end_to_end_id: str = ""
    # Structured creditor reference (camt Strd/CdtrRefInf/Ref, e.g. "RF18539007547034").
    creditor_reference: str = ""
    # Unstructured remittance text, joined with single spaces.
    remittance: str = ""
    payer_name: str = ""
    payer_iban: str = ""
    payer_bic: str = ""
    # Bank transaction code in the format's words (camt Domn/Fmly/SubFmly or Prtry,
    # MT940 GVC/transaction type, OFX TRNTYPE).
    bank_code: str = ""
    # A returned payment / direct-debit return: the reason code (camt RtrInf/Rsn/Cd,
    # MT940 return code) and, where given, the original end-to-end id.
    return_reason: str = ""
    returned_end_to_end_id: str = ""
    # The bank booked this line to undo an earlier one (camt RvslInd, MT940 RC/RD mark):
    # a correction, not a payment or a refund.
    reversal: bool = False


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement (or notification) of one account."""

    format: str
    account_iban: str
    account_number: str
    currency: str
    statement_id: str = ""
    opening_balance: Decimal | None = None
    closing_balance: Decimal | None = None
    opening_date: date | None = None
    closing_date: date | None = None
    lines: tuple[StatementLine, ...] = field(default_factory=tuple)
