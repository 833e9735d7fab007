"""What a message is about: plain, frozen data that the templates and documents render.

The dataclasses here are pure (no database, no clock): the dispatcher builds a
``MessageContext`` from the ledger (``context_from_ledger``) or from an outbox payload,
and the same context renders an email, a letter, an SMS or a call script. Amounts are
integer minor units beside their currency; totals are kept per currency and never added
across currencies.

>>> from datetime import date
>>> context = MessageContext(
...     organisation=OrganisationInfo(name="Acme Ltd"),
...     customer=CustomerInfo(external_id="C1", name="Globex GmbH", language="de", country="DE"),
...     invoices=(
...         InvoiceLine("INV-1", date(2026, 1, 1), date(2026, 1, 31), "EUR", 10000, 10000, 30),
...         InvoiceLine("INV-2", date(2026, 1, 5), date(2026, 2, 4), "GBP", 5000, 2500, 25),
...         InvoiceLine("INV-3", date(2026, 2, 1), date(2026, 3, 3), "EUR", 4000, 4000, -2),
...     ),
...     as_of=date(2026, 3, 2),
... )
>>> context.locale
'de_DE'
>>> [(t.currency, t.balance) for t in context.totals]
[('EUR', 14000), ('GBP', 2500)]
>>> [(t.currency, t.overdue) for t in context.totals]
[('EUR', 10000), ('GBP', 2500)]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from recoup.cashapp.reference import customer_reference, printed, reference_limit
from recoup.cashapp.reference import payment_reference as reference_words
from recoup.charges.words import ChargeFacts, describe_charge
from recoup.languages import choose_language, locale_of
from recoup.ledger import core as ledger_core

if TYPE_CHECKING:  # types only: the dataclasses here import no table, nor what does
    from recoup.ledger.organisation import BankAccountDetails, OrganisationDetails

# What the builder reads of the ledger's rows (read-only): the ledger's records are
# such rows, and so is anything else shaped like them (a test's plain objects).


class LedgerInvoice(Protocol):
    """An invoice as a message lists it."""

    @property
    def number(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def issue_date(self) -> date: ...
    @property
    def due_date(self) -> date: ...
    @property
    def currency(self) -> str: ...
    @property
    def total_amount(self) -> int: ...
    @property
    def open_amount(self) -> int: ...
    @property
    def po_number(self) -> str: ...


class LedgerCreditNote(Protocol):
    """A credit note as a message credits it."""

    @property
    def number(self) -> str: ...
    @property
    def issue_date(self) -> date: ...
    @property
    def currency(self) -> str: ...
    @property
    def open_amount(self) -> int: ...


class LedgerPayment(Protocol):
    """A payment as a message credits what is not yet applied of it."""

    @property
    def external_id(self) -> str: ...
    @property
    def reference(self) -> str: ...
    @property
    def received_on(self) -> date: ...
    @property
    def currency(self) -> str: ...
    @property
    def unallocated_amount(self) -> int: ...


class LedgerCustomer(Protocol):
    """The customer a message is about (its address and ``is_consumer`` are read when
    there, for older schemas have neither)."""

    @property
    def id(self) -> int | None: ...
    @property
    def external_id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def language(self) -> str: ...
    @property
    def country(self) -> str: ...
    @property
    def payment_terms_days(self) -> int: ...


class LedgerContact(Protocol):
    """The person a message is addressed to."""

    @property
    def name(self) -> str: ...
    @property
    def email(self) -> str: ...
    @property
    def phone(self) -> str: ...
    @property
    def language(self) -> str: ...


DEFAULT_LOCALE = "en"


@dataclass(frozen=True, slots=True)
class OrganisationInfo:
    """The sender: letterhead, contact details and where to pay."""

    name: str
    address: str = ""  # lines separated by newlines
    email: str = ""
    phone: str = ""
    # The bank account of the message's currency (``OrganisationInfo`` is per message).
    bank_name: str = ""
    iban: str = ""
    bic: str = ""
    sort_code: str = ""  # UK: six digits
    account_number: str = ""
    routing_number: str = ""  # US ABA
    account_holder: str = ""
    website: str = ""
    registration: str = ""  # company number / VAT id line for the letter footer
    country: str = ""  # formats for customers whose country is not known
    legal_name: str = ""
    vat_number: str = ""
    registration_number: str = ""
    sender_name: str = ""
    reply_to: str = ""
    signature_name: str = ""
    signature_title: str = ""


@dataclass(frozen=True, slots=True)
class CustomerInfo:
    """The debtor as the message names it."""

    external_id: str
    name: str
    language: str = ""
    country: str = ""
    address: str = ""  # lines separated by newlines (the letter's address block)
    payment_terms_days: int | None = None
    is_consumer: bool = False  # a consumer never gets B2B statutory wording


@dataclass(frozen=True, slots=True)
class ContactInfo:
    """The person the message is addressed to (or, for ``owner_notification``, the owner)."""

    name: str = ""
    email: str = ""
    phone: str = ""
    language: str = ""


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    """An invoice as a message lists it; ``days_overdue`` is negative before the due date."""

    number: str
    issue_date: date
    due_date: date
    currency: str
    total_amount: int
    open_amount: int
    days_overdue: int
    po_number: str = ""


@dataclass(frozen=True, slots=True)
class ChargeLine:
    """A charge added to the account: late-payment interest, a fee, fixed compensation.

    ``description`` is the credit team's text; ``facts`` say what the charge is, for
    ``words``, which is what a customer reads.
    """

    description: str
    currency: str
    amount: int
    invoice_number: str = ""
    facts: ChargeFacts | None = None

    def words(self, locale: str) -> str:
        """The charge as the customer reads it, in ``locale``'s language (see
        ``recoup.charges.words``); a line without facts keeps its description."""
        if self.facts is None:
            return self.description
        return describe_charge(self.facts, locale)


@dataclass(frozen=True, slots=True)
class CreditLine:
    """Money the customer has to its credit: an open credit note or an unapplied payment."""

    reference: str
    issue_date: date
    currency: str
    amount: int  # positive: what reduces the balance
    kind: str = "credit_note"  # or "payment"


@dataclass(frozen=True, slots=True)
class PromiseInfo:
    """A promise to pay, for ``promise_confirmation``."""

    amount: int
    currency: str
    promised_date: date
    made_on: date | None = None


@dataclass(frozen=True, slots=True)
class InstalmentInfo:
    """One instalment of a payment plan, for ``instalment_reminder`` / ``missed_instalment``."""

    sequence: int  # 1-based
    count: int  # instalments in the plan
    due_date: date
    currency: str
    amount: int
    paid_amount: int = 0  # already received towards this instalment
    plan_remaining_amount: int = 0  # still owed under the plan, this instalment included
    plan_agreed_on: date | None = None


@dataclass(frozen=True, slots=True)
class CurrencyTotal:
    """What the customer owes in one currency (minor units)."""

    currency: str
    invoices: int  # open amount of the listed invoices
    overdue: int  # the part of ``invoices`` that is past due
    charges: int
    credits: int

    @property
    def balance(self) -> int:
        """Open invoices plus charges less credits: what settles the account."""
        return self.invoices + self.charges - self.credits


@dataclass(frozen=True, slots=True)
class MessageContext:
    """Everything one message to one customer says.

    ``step`` names the escalation step that caused it; ``pay_by`` is the deadline a
    notice sets; ``interest_rate`` is the yearly late-payment interest in percent
    (``Decimal("11.62")``) when the notice should state it; ``credit_hold`` says whether
    the account is already on hold; ``handoff_to`` names the agency or law firm a final
    demand warns of; ``event`` and ``note`` say what an ``owner_notification`` is about;
    ``reminded_before`` says whether an earlier reminder was actually sent about every
    overdue invoice listed (only then may a message say "despite our previous reminders").
    ``signatory`` is the person who signs above "Credit Control" (empty: the organisation's
    signature name, else the team signs).
    """

    organisation: OrganisationInfo
    customer: CustomerInfo
    as_of: date
    contact: ContactInfo | None = None
    invoices: tuple[InvoiceLine, ...] = ()
    charges: tuple[ChargeLine, ...] = ()
    credits: tuple[CreditLine, ...] = ()
    payment_reference: str = ""
    portal_url: str | None = None
    pays_online: bool = False  # the portal takes payments (RECOUP_PAYMENT_URL is set)
    step: str = ""
    signatory: str = ""
    pay_by: date | None = None
    interest_rate: Decimal | None = None
    credit_hold: bool = False
    handoff_to: str = ""
    promise: PromiseInfo | None = None
    instalment: InstalmentInfo | None = None
    event: str = ""
    note: str = ""
    reminded_before: bool = False
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def language(self) -> str:
        """The language asked for: the contact's, else the customer's, else that of the
        customer's country (``recoup.languages.choose_language``), else English."""
        return choose_language(
            self.contact.language if self.contact else "",
            self.customer.language,
            country=self.customer.country,
        )

    @property
    def locale(self) -> str:
        """The Babel locale to write in: the language, with the customer's country (or,
        not known, the organisation's).

        ``de`` for a customer in Austria is ``de_AT``; a combination Babel does not know
        keeps the language alone; an unknown language is English.
        """
        return locale_of(self.language, self.customer.country.strip() or self.organisation.country)

    @property
    def addressee(self) -> str:
        """The name to greet: the contact's, when it is a person's name (not empty, not an
        email address, not the company's own name); empty otherwise, and the templates
        greet the company (``Dear Kestrel Tools Ltd accounts team``) or, in German, with
        ``Sehr geehrte Damen und Herren``. A consumer is a person: greeted by name."""
        name = " ".join((self.contact.name if self.contact else "").split())
        if self.customer.is_consumer:  # a person: greet them, never "<name> accounts team"
            return name if name and "@" not in name else " ".join(self.customer.name.split())
        # An import that had no name often puts the address in it: never greet that.
        if not name or "@" in name or name.casefold() == self.customer.name.strip().casefold():
            return ""
        return name

    @property
    def sender(self) -> str:
        """The person who signs: the signatory, else the organisation's configured
        signature name, when it names a person (not the organisation, which the signature
        block names anyway, nor an email address)."""
        name = " ".join((self.signatory or self.organisation.signature_name or "").split())
        if not name or "@" in name or name.casefold() == self.organisation.name.strip().casefold():
            return ""
        return name

    @property
    def sender_title(self) -> str:
        """The configured signer's title (``recoup org set --signature-title``) when that
        person signs; empty (another signatory, or nobody): the team's name in the
        message's language signs."""
        if self.signatory.strip() or not self.sender:
            return ""
        return " ".join((self.organisation.signature_title or "").split())

    @property
    def currencies(self) -> tuple[str, ...]:
        """Every currency the message mentions, sorted."""
        found = {line.currency for line in self.invoices}
        found |= {line.currency for line in self.charges}
        found |= {line.currency for line in self.credits}
        return tuple(sorted(found))

    @property
    def totals(self) -> tuple[CurrencyTotal, ...]:
        """One total per currency, sorted by currency; never a sum across currencies."""
        return tuple(
            CurrencyTotal(
                currency=currency,
                invoices=sum(i.open_amount for i in self.invoices if i.currency == currency),
                overdue=sum(
                    i.open_amount
                    for i in self.invoices
                    if i.currency == currency and i.days_overdue > 0
                ),
                charges=sum(c.amount for c in self.charges if c.currency == currency),
                credits=sum(c.amount for c in self.credits if c.currency == currency),
            )
            for currency in self.currencies
        )

    @property
    def overdue_invoices(self) -> tuple[InvoiceLine, ...]:
        """The listed invoices that are past due."""
        return tuple(i for i in self.invoices if i.days_overdue > 0)

    @property
    def max_days_overdue(self) -> int:
        """Days the oldest listed invoice is past due (0 when none is)."""
        return (
            max((i.days_overdue for i in self.invoices), default=0) if self.overdue_invoices else 0
        )


# The messages that ask the customer to pay the invoices they list.
CHASING_TEMPLATES = frozenset(
    {"pre_due_reminder", "courtesy_reminder", "due_notice", "formal_notice", "final_demand"}
)


def stale_reason(template: str, context: MessageContext) -> str | None:
    """Why a chasing message planned earlier must not go out now, or None.

    Between the plan and the dispatch the customer may have paid (or been credited):
    a reminder listing no invoice ("Payment due: 0 invoices") is never sent; nor is a
    pre-due reminder none of whose invoices is still to fall due (what is left is
    overdue, and the overdue steps chase it).
    """
    if template not in CHASING_TEMPLATES:
        return None
    if not context.invoices:
        return "its invoices were paid or credited after it was planned"
    if template == "pre_due_reminder" and all(i.days_overdue > 0 for i in context.invoices):
        return (
            "the invoices it announced were paid or credited after it was planned; "
            "what is left is overdue and chased by the overdue steps"
        )
    return None


def days_overdue(due_date: date, as_of: date) -> int:
    """Days past due on ``as_of``: 1 on the day after the due date, negative before it.

    >>> days_overdue(date(2026, 3, 31), date(2026, 4, 1))
    1
    >>> days_overdue(date(2026, 3, 31), date(2026, 3, 24))
    -7
    """
    return ledger_core.days_past_due(due_date, as_of)


def account_number(customer_id: int | None, external_id: str, name: str) -> str:
    """The customer's account number as messages print it ("account ..."): the
    organisation's key, or, where that is only the name (an import without account
    numbers), the customer's RF reference, which names it exactly.

    >>> account_number(8, "C-0042", "Hotwells Yacht Club")
    'C-0042'
    >>> account_number(8, "Hotwells Yacht Club", "Hotwells Yacht Club")
    'RF79 0000 0008'
    """
    if customer_id and ledger_core.key_is_name(external_id, name):
        return printed(customer_reference(customer_id))
    return external_id


def organisation_info(
    organisation: OrganisationDetails, bank_account: BankAccountDetails | None = None
) -> OrganisationInfo:
    """The sender as a message shows it, asking for payment into ``bank_account``."""
    numbers = [n for n in (organisation.registration_number, organisation.vat_number) if n]
    account = bank_account
    return OrganisationInfo(
        name=organisation.name,
        address=organisation.address,
        email=organisation.email,
        phone=organisation.phone,
        bank_name=account.bank_name if account else "",
        iban=account.iban if account else "",
        bic=account.bic if account else "",
        sort_code=account.sort_code if account else "",
        account_number=account.account_number if account else "",
        routing_number=account.routing_number if account else "",
        account_holder=(account.account_name if account else "")
        or organisation.legal_name
        or organisation.name,
        website=organisation.website,
        registration=" · ".join(numbers),
        country=organisation.country,
        legal_name=organisation.legal_name,
        vat_number=organisation.vat_number,
        registration_number=organisation.registration_number,
        sender_name=organisation.sender_name,
        reply_to=organisation.reply_to,
        signature_name=organisation.signature_name,
        signature_title=organisation.signature_title,
    )


def context_from_ledger(
    *,
    organisation: OrganisationDetails,
    customer: LedgerCustomer,
    invoices: Iterable[LedgerInvoice],
    as_of: date,
    contact: LedgerContact | None = None,
    charges: Sequence[ChargeLine] = (),
    credit_notes: Iterable[LedgerCreditNote] = (),
    payments: Iterable[LedgerPayment] = (),
    payment_reference: str | None = None,
    portal_url: str | None = None,
    step: str = "",
    bank_account: BankAccountDetails | None = None,
    settled: bool = False,
    **options: Any,
) -> MessageContext:
    """A ``MessageContext`` from ledger rows the caller has loaded.

    ``bank_account`` is where the customer is asked to pay (that of the invoices' currency).

    Only invoices with an open amount are listed (with ``settled``, those paid in full
    too: a thank-you names what was settled), oldest due first; open credit notes
    and unapplied payments become credits. The payment reference defaults to the
    customer's RF creditor reference followed by the invoice number when there is one
    invoice and by the customer's account number otherwise. ``options`` sets the
    remaining ``MessageContext`` fields (``pay_by``, ``interest_rate``, ``promise``,
    ``signatory``, ...).
    """
    lines = tuple(
        sorted(
            (
                InvoiceLine(
                    number=invoice.number,
                    issue_date=invoice.issue_date,
                    due_date=invoice.due_date,
                    currency=invoice.currency,
                    total_amount=invoice.total_amount,
                    open_amount=invoice.open_amount,
                    days_overdue=days_overdue(invoice.due_date, as_of),
                    po_number=invoice.po_number,
                )
                for invoice in invoices
                if invoice.open_amount > 0 or (settled and invoice.status == "paid")
            ),
            key=lambda line: (line.due_date, line.number),
        )
    )
    credits = tuple(
        CreditLine(note.number, note.issue_date, note.currency, note.open_amount, "credit_note")
        for note in credit_notes
        if note.open_amount > 0
    ) + tuple(
        CreditLine(
            payment.reference or payment.external_id,
            payment.received_on,
            payment.currency,
            payment.unallocated_amount,
            "payment",
        )
        for payment in payments
        if payment.unallocated_amount > 0
    )
    if payment_reference is None:
        # The customer's creditor reference (ISO 11649) first: the bank statement
        # matcher's exact key; then the invoice, or the account number for several, as
        # far as the payer's bank takes them.
        if len(lines) == 1:
            quoted = [lines[0].number]
        else:  # the account number, unless it is only the name
            only_name = customer.id and ledger_core.key_is_name(
                customer.external_id, customer.name
            )  # the RF reference names it instead
            quoted = [] if only_name else [customer.external_id]
        limit = reference_limit(bank_account.sort_code if bank_account else "")
        payment_reference = reference_words(customer.id, quoted, limit=limit)
    return MessageContext(
        organisation=organisation_info(organisation, bank_account),
        customer=CustomerInfo(
            external_id=account_number(customer.id, customer.external_id, customer.name),
            name=customer.name,
            language=customer.language,
            country=customer.country,
            # Read defensively: older schemas have no customer address.
            address=str(getattr(customer, "address", "") or ""),
            payment_terms_days=customer.payment_terms_days,
            is_consumer=bool(getattr(customer, "is_consumer", False)),
        ),
        contact=ContactInfo(
            name=contact.name, email=contact.email, phone=contact.phone, language=contact.language
        )
        if contact is not None
        else None,
        invoices=lines,
        charges=tuple(charges),
        credits=credits,
        as_of=as_of,
        payment_reference=payment_reference,
        portal_url=portal_url,
        step=step,
        **options,
    )
