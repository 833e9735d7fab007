"""Pure portal rules: the EPC payment QR payload, the payment provider's link, the
statement, what a customer may submit, and the names of the PDFs they download.

The EPC QR code ("Girocode") follows the European Payments Council's guideline EPC069-12:
a text payload of newline-separated fields that banking apps read to pre-fill a SEPA
credit transfer. Only euro amounts can be paid that way.
"""

import re
import string
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import NamedTuple
from urllib.parse import quote

from recoup.charges.words import ChargeFacts
from recoup.errors import InvalidInput

EPC_MAX_AMOUNT = Decimal("999999999.99")
EPC_MAX_TEXT = 140
PROMISE_HORIZON_DAYS = 180
MAX_COMMENT = 2000
LINK_DAYS_MAX = 366  # a portal link is valid 1 to this many days
PAYMENT_URL_PLACEHOLDERS = ("reference", "amount", "currency")


def epc_payload(
    *, name: str, iban: str, amount: Decimal, text: str, bic: str = "", currency: str = "EUR"
) -> str:
    """The EPC069-12 (version 002, UTF-8) payload of a SEPA credit transfer.

    >>> print(epc_payload(name="Demo Trading Ltd", iban="DE89 3704 0044 0532 0130 00",
    ...                   bic="COBADEFFXXX", amount=Decimal("1234.5"), text="C1 INV-1"))
    BCD
    002
    1
    SCT
    COBADEFFXXX
    Demo Trading Ltd
    DE89370400440532013000
    EUR1234.50
    <BLANKLINE>
    <BLANKLINE>
    C1 INV-1
    """
    if currency != "EUR":
        raise InvalidInput("an EPC QR code can only pay euros", field="currency")
    if not Decimal("0.01") <= amount <= EPC_MAX_AMOUNT:
        raise InvalidInput("amount outside what an EPC QR code can carry", field="amount")
    compact_iban = "".join(iban.split()).upper()
    if not compact_iban:
        raise InvalidInput("no IBAN to pay to", field="iban")
    fields = [
        "BCD",
        "002",
        "1",  # UTF-8
        "SCT",
        bic.strip().upper(),
        name.strip()[:70],
        compact_iban,
        f"EUR{amount.quantize(Decimal('0.01'))}",
        "",  # purpose code
        "",  # structured creditor reference (we use the unstructured text instead)
        text.strip()[:EPC_MAX_TEXT],
    ]
    return "\n".join(fields)


class StatementLine(NamedTuple):
    """One open item of a statement (an invoice, or a credit as a negative amount)."""

    kind: str  # "invoice" | "charge" | "credit_note" | "payment"
    id: int
    number: str
    issue_date: date
    due_date: date | None
    currency: str
    total_amount: int
    open_amount: int
    days_past_due: int
    facts: ChargeFacts | None = None  # a charge: what it is, for the customer's words


@dataclass(frozen=True, slots=True)
class CurrencyBalance:
    """What a customer owes in one currency: invoices and charges (interest, fees) less
    open credits and payments."""

    currency: str
    invoiced: int
    credits: int
    overdue: int

    @property
    def balance(self) -> int:
        """Open invoices and charges minus unapplied credits and payments (minor units)."""
        return self.invoiced - self.credits


@dataclass(frozen=True, slots=True)
class Statement:
    """A customer's open items on ``as_of`` and their balance per currency."""

    as_of: date
    invoices: Sequence[StatementLine]
    credits: Sequence[StatementLine]
    balances: Sequence[CurrencyBalance] = field(default_factory=tuple)
    charges: Sequence[StatementLine] = field(default_factory=tuple)


def build_statement(
    as_of: date,
    invoices: Sequence[StatementLine],
    credits: Sequence[StatementLine],
    charges: Sequence[StatementLine] = (),
) -> Statement:
    """Group open items into balances per currency (currencies are never added). Charges
    (interest, compensation, fees) are owed from the day they are charged: overdue. Open
    credits and payments count against the oldest, overdue money first: "of which
    overdue" is never more than the balance.

    >>> inv = StatementLine("invoice", 1, "INV-1", date(2026, 1, 1), date(2026, 1, 31),
    ...                     "EUR", 10000, 8000, 0)
    >>> late = inv._replace(id=2, number="INV-2", due_date=date(2025, 12, 1), days_past_due=61)
    >>> cn = StatementLine("credit_note", 3, "CN-1", date(2026, 1, 5), None, "EUR", 500, 500, 0)
    >>> fee = StatementLine("charge", 4, "Compensation on INV-2", date(2026, 1, 2), None,
    ...                     "EUR", 4000, 4000, 0)
    >>> s = build_statement(date(2026, 1, 31), [inv, late], [cn], [fee])
    >>> [(b.currency, b.invoiced, b.credits, b.overdue, b.balance) for b in s.balances]
    [('EUR', 20000, 500, 11500, 19500)]
    """
    sums: dict[str, list[int]] = {}
    for line in invoices:
        acc = sums.setdefault(line.currency, [0, 0, 0])
        acc[0] += line.open_amount
        if line.days_past_due > 0:
            acc[2] += line.open_amount
    for line in charges:
        acc = sums.setdefault(line.currency, [0, 0, 0])
        acc[0] += line.open_amount
        acc[2] += line.open_amount
    for line in credits:
        sums.setdefault(line.currency, [0, 0, 0])[1] += line.open_amount
    balances = tuple(
        CurrencyBalance(c, invoiced, credited, max(0, overdue - credited))
        for c, (invoiced, credited, overdue) in sorted(sums.items())
    )
    return Statement(as_of, tuple(invoices), tuple(credits), balances, tuple(charges))


def check_promise_date(promised_on: date, *, today: date) -> date:
    """A promised payment date must be today or later, within ``PROMISE_HORIZON_DAYS``.

    >>> check_promise_date(date(2026, 3, 1), today=date(2026, 2, 1))
    datetime.date(2026, 3, 1)
    >>> check_promise_date(date(2026, 1, 31), today=date(2026, 2, 1))
    Traceback (most recent call last):
    ...
    recoup.errors.InvalidInput: promised_on: must not be in the past
    """
    if promised_on < today:
        raise InvalidInput("must not be in the past", field="promised_on")
    if promised_on > today + timedelta(days=PROMISE_HORIZON_DAYS):
        raise InvalidInput(f"must be within {PROMISE_HORIZON_DAYS} days", field="promised_on")
    return promised_on


# A link may send this many promises, disputes and messages an hour, and one address
# this many through all the links it holds: enough for any customer, too few to flood a
# collector's task list.
SUBMISSIONS_PER_LINK = 10
SUBMISSIONS_PER_CLIENT = 30
SUBMISSION_WINDOW = timedelta(hours=1)


class TooManySubmissions(InvalidInput):
    """A link or an address has sent too much in the last hour (HTTP 429)."""

    status_code = 429


def check_submission_rate(*, by_link: int, by_client: int) -> None:
    """Refuse one more submission when the link or the address already sent its share in
    the last ``SUBMISSION_WINDOW``.

    >>> check_submission_rate(by_link=9, by_client=29)
    >>> check_submission_rate(by_link=10, by_client=0)
    Traceback (most recent call last):
    ...
    recoup.portal.core.TooManySubmissions: rate: too many messages in the last hour
    """
    if by_link >= SUBMISSIONS_PER_LINK or by_client >= SUBMISSIONS_PER_CLIENT:
        raise TooManySubmissions("too many messages in the last hour", field="rate")


def check_comment(text: str, *, required: bool) -> str:
    """A customer's free text, trimmed; required ones must say something."""
    cleaned = text.strip()
    if required and not cleaned:
        raise InvalidInput("please write a few words", field="comment")
    if len(cleaned) > MAX_COMMENT:
        raise InvalidInput(f"at most {MAX_COMMENT} characters", field="comment")
    return cleaned


def check_payment_url(template: str) -> str:
    """A payment provider's URL template (``RECOUP_PAYMENT_URL``), checked: an http(s)
    address whose only placeholders are ``{reference}``, ``{amount}`` and ``{currency}``.

    >>> check_payment_url("https://pay.example/checkout?ref={reference}&amount={amount}")
    'https://pay.example/checkout?ref={reference}&amount={amount}'
    >>> check_payment_url("https://pay.example/?customer={customer}")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    recoup.errors.InvalidInput: RECOUP_PAYMENT_URL: unknown placeholder {customer}; use ...
    """
    template = template.strip()
    if not template.lower().startswith(("https://", "http://")):
        raise InvalidInput("must start with https:// or http://", field="RECOUP_PAYMENT_URL")
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as error:  # a lone { or }
        raise InvalidInput(
            f"{error}; write {{{{ and }}}} for literal braces", field="RECOUP_PAYMENT_URL"
        ) from None
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in PAYMENT_URL_PLACEHOLDERS or spec or conversion:
            shown = "{" + name + (f"!{conversion}" if conversion else "")
            shown += (f":{spec}" if spec else "") + "}"
            raise InvalidInput(
                f"unknown placeholder {shown}; use {{reference}}, {{amount}} and {{currency}}",
                field="RECOUP_PAYMENT_URL",
            )
    return template


def payment_link(template: str, *, reference: str, amount: Decimal, currency: str) -> str:
    """The payment provider's address for paying ``amount`` of ``currency``, each value
    URL-encoded into a template that ``check_payment_url`` accepted.

    >>> payment_link("https://pay.example/checkout?ref={reference}&amount={amount}"
    ...              "&currency={currency}", reference="C1 INV-1/2", amount=Decimal("1500.50"),
    ...              currency="EUR")
    'https://pay.example/checkout?ref=C1%20INV-1%2F2&amount=1500.50&currency=EUR'
    """
    return template.format(
        reference=quote(reference, safe=""),
        amount=quote(str(amount), safe=""),
        currency=quote(currency, safe=""),
    )


def pdf_filename(*parts: str) -> str:
    """The name of a downloaded PDF: the parts joined by hyphens, spelt in ASCII, with
    anything but letters, digits and dots between them made a hyphen (so that a header
    and every file system take it).

    >>> pdf_filename("invoice", "RE/2026 001")
    'invoice-RE-2026-001.pdf'
    >>> pdf_filename("statement", "Müller-1", "2026-06-30")
    'statement-Muller-1-2026-06-30.pdf'
    """
    ascii_text = unicodedata.normalize("NFKD", "-".join(parts)).encode("ascii", "ignore")
    name = re.sub(r"[^A-Za-z0-9.]+", "-", ascii_text.decode()).strip("-.")
    return f"{name or 'document'}.pdf"
