"""The ledger's states, roles, channels and payment methods (pure: no tables here, so
cores may import them)."""

from enum import StrEnum


class CustomerStatus(StrEnum):
    ACTIVE = "active"
    ON_HOLD = "on_hold"
    CLOSED = "closed"


class ContactRole(StrEnum):
    BILLING = "billing"
    AP = "ap"
    OTHER = "other"


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    LETTER = "letter"
    PHONE = "phone"


class InvoiceStatus(StrEnum):
    OPEN = "open"
    PAID = "paid"
    VOID = "void"
    WRITTEN_OFF = "written_off"


class CreditNoteStatus(StrEnum):
    OPEN = "open"
    APPLIED = "applied"
    VOID = "void"


class PaymentMethod(StrEnum):
    BANK_TRANSFER = "bank_transfer"
    DIRECT_DEBIT = "direct_debit"
    CARD = "card"
    CHEQUE = "cheque"
    CASH = "cash"
    OTHER = "other"
