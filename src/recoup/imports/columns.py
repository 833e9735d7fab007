"""The columns each kind of import understands, with the headers accounting exports use.

Headers are matched after folding case and dropping everything but letters and digits,
so "Due Date", "due_date" and "DueDate" are the same header.
"""

import re
from dataclasses import dataclass, replace
from enum import StrEnum

from recoup.errors import Problem


class Kind(StrEnum):
    CUSTOMERS = "customers"
    CONTACTS = "contacts"
    INVOICES = "invoices"
    PAYMENTS = "payments"
    CREDIT_NOTES = "credit-notes"


class Type(StrEnum):
    TEXT = "text"
    DATE = "date"
    AMOUNT = "amount"
    INT = "int"
    BOOL = "bool"
    LIST = "list"


@dataclass(frozen=True, slots=True)
class Column:
    """A canonical column, its value type and the other headers that mean it."""

    name: str
    type: Type = Type.TEXT
    required: bool = False
    aliases: tuple[str, ...] = ()
    doc: str = ""


def fold(header: str) -> str:
    """A header reduced to lower-case letters and digits ("Due Date" -> "duedate")."""
    return re.sub(r"[^0-9a-z]", "", header.lower())


_CUSTOMER_REF = Column(
    "customer",
    required=True,
    aliases=(
        "customer_id",
        "customer",
        "customer name",
        "customer full name",
        "contactname",
        "account",
        "client",
    ),
    doc="the customer's external id or exact name (QuickBooks Customer, Xero ContactName)",
)
# An invoice's or credit note's customer: also Xero reports' "Contact" (in a contacts
# file that is the person).
_CUSTOMER_OF_RECORD = replace(
    _CUSTOMER_REF,
    aliases=(*_CUSTOMER_REF.aliases, "contact"),
    doc="the customer's external id or exact name (QuickBooks Customer, Xero ContactName "
    "or Contact)",
)
_CONTACT_COLUMNS = (
    Column(
        "contact_name",
        aliases=("contact", "contact person", "attention", "full name"),
        doc="a person (QuickBooks Full Name)",
    ),
    Column("first_name", aliases=("firstname", "first name"), doc="the contact's (Xero FirstName)"),
    Column(
        "last_name",
        aliases=("lastname", "last name", "surname"),
        doc="with first_name: the contact",
    ),
    Column("email", aliases=("email address", "emailaddress", "e-mail"), doc="their email"),
    Column("phone", aliases=("phone number", "phonenumber", "telephone"), doc="phone"),
    Column(
        "mobile",
        aliases=("mobilenumber", "mobile number", "mobile phone", "cell", "cell phone"),
        doc="a mobile number (Xero MobileNumber): texts go to it, so it wins over phone",
    ),
)

# The parts of an address, with Xero's names: postal (PO...) and street (SA...), the
# street address standing in for a customer whose postal address is blank.
ADDRESS_PARTS = ("line1", "line2", "line3", "line4", "city", "region", "postcode", "country")
_XERO_PART = {"city": "city", "region": "region", "postcode": "postalcode", "country": "country"}
_PLAIN_PART = {
    "line1": ("address line 1", "address1"),
    "line2": ("address line 2", "address2"),
    "line3": ("address line 3", "address3"),
    "city": ("city", "town"),
    "region": ("region", "state", "county"),
    "postcode": ("postal code", "postcode", "zip", "zip code"),
}
_ADDRESS_COLUMNS = tuple(
    Column(
        f"{kind}_{part}",
        aliases=(
            prefix + _XERO_PART.get(part, f"address{part}"),
            *(_PLAIN_PART.get(part, ()) if kind == "postal" else ()),
        ),
        doc=f"{kind} address ({doc})",
    )
    for kind, prefix, doc in (("postal", "po", "Xero PO..."), ("street", "sa", "Xero SA..."))
    for part in ADDRESS_PARTS
)

COLUMNS: dict[Kind, tuple[Column, ...]] = {
    Kind.CUSTOMERS: (
        Column(
            "external_id",
            aliases=("customer_id", "id", "account number", "accountnumber", "customer number"),
            doc="your key for the customer; defaults to the name",
        ),
        Column(
            "name",
            required=True,
            aliases=("customer", "customer name", "contactname", "company", "display name"),
            doc="legal name (QuickBooks Customer, Xero ContactName)",
        ),
        Column("currency", aliases=("currency code", "default currency"), doc="ISO 4217"),
        Column("country", aliases=("country code",), doc="ISO 3166 code or the country's name"),
        Column("vat_number", aliases=("vat", "vat id", "taxnumber", "tax number", "tax id")),
        Column(
            "registration_number",
            aliases=("company number", "companynumber", "registration", "reg no"),
        ),
        Column("language", aliases=("lang", "locale"), doc="en, de, fr, ..."),
        Column(
            "timezone",
            aliases=("time zone", "tz"),
            doc="IANA name, e.g. Europe/Berlin; else the country's (its main one), or the "
            "organisation's",
        ),
        Column(
            "payment_terms_days",
            Type.INT,
            aliases=("terms", "payment terms", "paymentterms", "due days", "duedatesalesday"),
            doc="days from issue to due date, or the day of the month (Xero DueDateSalesDay)",
        ),
        Column(
            "payment_terms_basis",
            aliases=("terms basis", "duedatesalesterm"),
            doc="after the invoice date (default), after the end of the invoice month, of the "
            "following month, of the current month (Xero DueDateSalesTerm)",
        ),
        Column("credit_limit", Type.AMOUNT, aliases=("credit limit", "creditlimit")),
        Column("tags", Type.LIST, aliases=("segment", "groups", "labels"), doc="a;b;c"),
        Column("collector", aliases=("assigned collector", "owner", "account manager")),
        Column("status", doc="active, on_hold or closed"),
        Column("is_consumer", Type.BOOL, aliases=("consumer",), doc="yes for a consumer"),
        Column(
            "address",
            aliases=("postal address", "billing address"),
            doc="for letters (one line: commas separate its lines); else made from the postal "
            "(or street) address parts",
        ),
        *_ADDRESS_COLUMNS,
        Column("sales_owner", aliases=("sales rep", "salesperson"), doc="email of the owner"),
        Column("do_not_contact", Type.BOOL, doc="yes: only tasks, no messages"),
        Column("legal_hold", Type.BOOL, doc="yes: only tasks, no messages"),
        # Contract terms for charges (stored as the customer's charge terms).
        Column(
            "law",
            aliases=("jurisdiction", "governing law"),
            doc="whose late-payment statute applies: GB, EU, DE, FR, AT, BE, NL, PL",
        ),
        Column(
            "interest_rate",
            aliases=("contract rate", "late interest"),
            doc="contract rate, % a year (wins over the statute)",
        ),
        Column(
            "late_fee",
            aliases=("late payment fee",),
            doc="25.00 (in the customer's currency) or 2.5% of the overdue amount",
        ),
        Column(
            "compensation",
            aliases=("fixed compensation",),
            doc="per late invoice, in the customer's currency (wins over the statute)",
        ),
        *_CONTACT_COLUMNS,
    ),
    Kind.CONTACTS: (
        _CUSTOMER_REF,
        Column(
            "name",
            aliases=("contact", "contact name", "full name"),
            doc="the person; else first_name and last_name; else the email",
        ),
        Column("first_name", aliases=("firstname", "first name")),
        Column("last_name", aliases=("lastname", "last name", "surname")),
        Column("email", aliases=("email address", "emailaddress", "e-mail")),
        Column("phone", aliases=("phone number", "phonenumber", "telephone")),
        Column(
            "mobile",
            aliases=("mobilenumber", "mobile number", "mobile phone", "cell", "cell phone"),
            doc="wins over phone: texts go to it",
        ),
        Column("role", doc="billing, ap or other"),
        Column("language", aliases=("lang", "locale")),
        Column("preferred_channel", aliases=("channel",), doc="email, sms, letter or phone"),
        Column("opted_out", Type.LIST, aliases=("opt out", "optout"), doc="channels, a;b"),
    ),
    Kind.INVOICES: (
        Column(
            "number",
            required=True,
            aliases=("num", "no.", "invoicenumber", "invoice number", "invoice no", "invoice"),
            doc="unique per organisation (QuickBooks No. or Num, Xero InvoiceNumber)",
        ),
        _CUSTOMER_OF_RECORD,
        Column(
            "issue_date",
            Type.DATE,
            required=True,
            aliases=("date", "invoicedate", "invoice date", "issued", "txn date"),
        ),
        Column(
            "due_date",
            Type.DATE,
            aliases=("duedate", "due date", "due"),
            doc="defaults to issue date + the customer's terms",
        ),
        Column(
            "total",
            Type.AMOUNT,
            required=True,
            aliases=("amount", "invoice amount", "invoiceamount", "gross", "total amount"),
            doc="gross amount (QuickBooks Amount, Xero Total)",
        ),
        Column("tax", Type.AMOUNT, aliases=("taxtotal", "totaltax", "tax amount", "vat amount")),
        Column("currency", aliases=("currency code",), doc="defaults to the customer's"),
        Column(
            "open_balance",
            Type.AMOUNT,
            aliases=(
                "open balance",
                "amountdue",
                "invoiceamountdue",
                "amount due",
                "balance",
                "outstanding",
            ),
            doc="what is still owed (QuickBooks Open Balance, Xero AmountDue)",
        ),
        Column("po_number", aliases=("po", "po number", "purchase order", "reference")),
        Column("external_id", aliases=("id", "invoiceid", "invoice id"), doc="defaults to number"),
        Column(
            "status",
            doc="open, awaiting payment, overdue; paid; void, voided, deleted; "
            "draft, submitted, awaiting approval: skipped",
        ),
        Column(
            "type",
            aliases=("transaction type",),
            doc="Credit Memo / credit note rows (and negative totals) become credit notes",
        ),
    ),
    Kind.PAYMENTS: (
        Column(
            "external_id",
            aliases=("id", "payment id", "paymentid", "transaction id"),
            doc="your key for the payment; derived from its content when absent",
        ),
        Column(
            "customer",
            aliases=("customer_id", "customer", "customer name", "contactname", "account"),
            doc="optional when the invoices are named",
        ),
        Column(
            "received_on",
            Type.DATE,
            required=True,
            aliases=("date", "payment date", "paymentdate", "received", "value date"),
        ),
        Column("amount", Type.AMOUNT, required=True, aliases=("payment amount", "paid")),
        Column("currency", aliases=("currency code",), doc="defaults to the customer's"),
        Column(
            "method",
            aliases=("payment method",),
            doc="bank transfer (BACS, CHAPS, Faster Payments, SEPA, SWIFT), direct debit, "
            "card, cheque, cash or other",
        ),
        Column(
            "reference",
            aliases=(
                "ref",
                "ref no",
                "reference no",
                "payment reference",
                "memo",
                "description",
                "remittance",
            ),
            doc="the payer's reference (QuickBooks Ref no.)",
        ),
        Column("payer_name", aliases=("payer", "payer name", "counterparty")),
        Column("payer_iban", aliases=("iban", "payer iban", "account iban")),
        Column(
            "invoices",
            Type.LIST,
            aliases=("invoice", "invoice number", "invoicenumber", "applied to"),
            doc="invoices it settles: INV-1;INV-2 or INV-1:100.00;INV-2:50",
        ),
    ),
    Kind.CREDIT_NOTES: (
        Column(
            "number",
            required=True,
            aliases=("num", "credit note number", "creditnotenumber", "credit note"),
        ),
        _CUSTOMER_OF_RECORD,
        Column("issue_date", Type.DATE, required=True, aliases=("date", "credit note date")),
        Column("total", Type.AMOUNT, required=True, aliases=("amount", "total amount")),
        Column("currency", aliases=("currency code",), doc="defaults to the customer's"),
        Column("reason", aliases=("memo", "description")),
        Column("invoice", aliases=("invoice number", "applies to"), doc="apply it to this invoice"),
        Column("external_id", aliases=("id", "creditnoteid"), doc="defaults to number"),
        Column(
            "remaining",
            Type.AMOUNT,
            aliases=(
                "open balance",
                "remaining credit",
                "remainingcredit",
                "amount remaining",
                "amountdue",
                "amount due",
                "unapplied amount",
            ),
            doc="what is left to apply (QuickBooks Open Balance, Xero RemainingCredit); "
            "the rest is already applied: to the invoice named, else as the invoice list "
            "says",
        ),
    ),
}


def map_header(kind: Kind, header: list[str]) -> tuple[dict[str, int], list[Problem]]:
    """Which column index holds each canonical column; problems for missing/doubled ones.

    The canonical name beats an alias, an earlier alias a later one; columns Recoup does
    not know are ignored.
    """
    folded = [fold(h) for h in header]
    found: dict[str, int] = {}
    problems: list[Problem] = []
    for column in COLUMNS[kind]:
        hits: list[int] = []
        for name in (column.name, *column.aliases):
            hits = [i for i, h in enumerate(folded) if h == fold(name) and i not in found.values()]
            if hits:
                break
        if len(hits) > 1:
            problems.append(Problem(0, column.name, f"column {header[hits[0]]!r} appears twice"))
        elif hits:
            found[column.name] = hits[0]
        elif column.required:
            names = ", ".join(dict.fromkeys((column.name, *column.aliases)))
            problems.append(
                Problem(0, column.name, f"required column is missing (named one of: {names})")
            )
    return found, problems


def markdown(kind: Kind) -> str:
    """The README's table of the columns ``kind`` reads (README and code must agree)."""
    lines = [
        "| column | required | also recognised as | notes |",
        "| --- | --- | --- | --- |",
    ]
    for column in COLUMNS[kind]:
        required = "yes" if column.required else ""
        lines.append(
            f"| `{column.name}` | {required} | {', '.join(column.aliases)} | {column.doc} |"
        )
    return "\n".join(lines)


def readme_tables() -> str:
    """Every import's column table under its README heading."""
    return "\n\n".join(f"#### `recoup import {kind}`\n\n{markdown(kind)}" for kind in Kind)


if __name__ == "__main__":  # python -m recoup.imports.columns --markdown
    import sys

    if sys.argv[1:] != ["--markdown"]:
        sys.exit("usage: python -m recoup.imports.columns --markdown")
    print(readme_tables())
