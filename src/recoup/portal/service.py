"""Portal use cases: secure links, the customer's statement, how to pay it (by bank
transfer or, when ``RECOUP_PAYMENT_URL`` is set, online), and what customers submit.

A link is a random token whose SHA-256 is stored with its customer, expiry and
revocation; ``open_portal`` returns None for anything but a live link, so a wrong,
expired or revoked token can never show data. Services never commit.
"""

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import segno
from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.orm import Session

from recoup import money
from recoup.auth.core import hash_token
from recoup.cases import coexistence, disputes, notes, promises, tasks
from recoup.cashapp.reference import payment_reference as reference_words
from recoup.cashapp.reference import reference_limit
from recoup.charges import service as charges
from recoup.db.base import utcnow
from recoup.errors import Conflict, InvalidInput, NotFound
from recoup.ledger import core as ledger_core
from recoup.ledger import queries as ledger_queries
from recoup.ledger import service as ledger
from recoup.ledger.core import split_in_order
from recoup.ledger.organisation import BankAccountDetails, OrganisationDetails, bank_accounts
from recoup.payments import service as payments
from recoup.portal import core, repository
from recoup.portal.core import Statement, StatementLine
from recoup.portal.i18n import language_of
from recoup.portal.models import DisputeReason, PortalSubmission, PortalToken, SubmissionKind

_CUSTOMER_FIELDS = ("id", "external_id", "name", "currency", "language", "collector", "country")


class PortalSettings(BaseSettings):
    """Where customers reach the portal (``RECOUP_PUBLIC_URL``) and, optionally, the
    payment provider's page that takes an online payment (``RECOUP_PAYMENT_URL``, a URL
    template with ``{reference}``, ``{amount}`` and ``{currency}``; empty: no button)."""

    model_config = SettingsConfigDict(env_prefix="RECOUP_", env_file=".env", extra="ignore")

    public_url: str = "http://127.0.0.1:8000"
    payment_url: str = ""

    @field_validator("payment_url")
    @classmethod
    def _check_payment_url(cls, value: str) -> str:
        if not value.strip():
            return ""
        try:
            return core.check_payment_url(value)
        except InvalidInput as error:
            raise ValueError(error.message) from None


def issue_token(session: Session, *, org_id: int, customer_id: int, days: int = 30) -> str:
    """A new portal link token for a customer, valid for ``days`` days.

    Earlier links stay valid until they expire (a reminder sent last week still works);
    ``revoke_tokens`` ends them.
    """
    if not 1 <= days <= core.LINK_DAYS_MAX:
        raise InvalidInput(f"a link is valid for 1 to {core.LINK_DAYS_MAX} days", field="days")
    _customer(session, org_id=org_id, customer_id=customer_id)
    token = secrets.token_urlsafe(32)
    session.add(
        PortalToken(
            org_id=org_id,
            customer_id=customer_id,
            token_hash=hash_token(token),
            expires_at=utcnow() + timedelta(days=days),
        )
    )
    session.flush()
    return token


def portal_url(token: str) -> str:
    """The address of the portal page a token opens (for message templates)."""
    return f"{PortalSettings().public_url.rstrip('/')}/p/{token}"


def revoke_tokens(session: Session, *, org_id: int, customer_id: int) -> int:
    """Revoke every live link of a customer; how many were revoked."""
    _customer(session, org_id=org_id, customer_id=customer_id)
    return repository.revoke(session, org_id, customer_id, utcnow())


@dataclass(frozen=True, slots=True)
class PortalAccess:
    """What a live link opens: one customer of one organisation."""

    token_id: int
    org_id: int
    customer_id: int
    expires_at: datetime
    client: str = ""  # the address the request came from (for the rate limit)


def open_portal(
    session: Session, *, token: str, now: datetime | None = None, client: str = ""
) -> PortalAccess | None:
    """The customer a token opens, or None when it is unknown, expired or revoked;
    ``client`` is the address asking (submissions from it are rate-limited)."""
    if not token or len(token) > 100:
        return None
    now = now or utcnow()
    row = repository.token_by_hash(session, hash_token(token))
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        return None
    row.last_used_at = now
    session.flush()
    return PortalAccess(row.id, row.org_id, row.customer_id, row.expires_at, client[:64])


def _customer(session: Session, *, org_id: int, customer_id: int) -> dict[str, Any]:
    """What the portal shows and decides of a customer: ``_CUSTOMER_FIELDS`` by name."""
    found = ledger_queries.customer_record(session, org_id=org_id, customer_id=customer_id)
    if found is None:
        raise NotFound(f"no customer with id {customer_id}")
    return {field: getattr(found, field) for field in _CUSTOMER_FIELDS}


def customer_statement(
    session: Session, *, org_id: int, customer_id: int, as_of: date
) -> Statement:
    """A customer's open invoices, open charges, open credit notes and unapplied payments
    on ``as_of``."""
    invoices = [
        StatementLine(
            "invoice",
            i.id,
            i.number,
            i.issue_date,
            i.due_date,
            i.currency,
            i.total_amount,
            i.open_amount,
            ledger_core.days_past_due(i.due_date, as_of),
        )
        for i in ledger.open_invoices(session, org_id=org_id, customer_id=customer_id)
        if i.open_amount > 0
    ]
    notes = ledger_queries.customer_credit_notes(session, org_id=org_id, customer_id=customer_id)
    credits = [
        StatementLine("credit_note", n.id, n.number, n.issue_date, None, n.currency,
                      n.total_amount, n.open_amount, 0)
        for n in notes
        if n.status == "open" and n.open_amount > 0
    ]  # fmt: skip
    payments = ledger_queries.customer_payments(session, org_id=org_id, customer_id=customer_id)
    credits += [
        StatementLine("payment", p.id, p.external_id, p.received_on, None, p.currency,
                      p.amount, p.unallocated_amount, 0)
        for p in payments
        if p.unallocated_amount > 0
    ]  # fmt: skip
    credits.sort(key=lambda line: (line.issue_date, line.number))
    charged = [  # recorded charges, then interest accrued to date (id 0: not recorded yet)
        StatementLine(
            "charge",
            c.charge_id or 0,
            c.description,
            c.on,
            None,
            c.currency,
            c.amount,
            c.amount,
            0,
            c.facts,  # what the customer reads: the charge in words, in the page's language
        )
        for c in charges.statement_charges(
            session, org_id=org_id, customer_id=customer_id, as_of=as_of
        )
    ]
    return core.build_statement(as_of, invoices, credits, charged)


@dataclass(frozen=True, slots=True)
class PaymentInstructions:
    """Where to pay the balance in one currency (that currency's bank account), and an
    EPC QR code (SVG) for a euro balance paid to an IBAN."""

    currency: str
    account_holder: str
    bank_name: str
    iban: str
    bic: str
    sort_code: str
    account_number: str
    routing_number: str
    reference: str
    qr_svg: str | None
    qr_amount: int | None


@dataclass(frozen=True, slots=True)
class OnlinePayment:
    """The payment provider's link that pays the balance in one currency."""

    currency: str
    amount: int
    url: str


@dataclass(frozen=True, slots=True)
class PortalPage:
    """Everything the customer's page shows."""

    organisation: OrganisationDetails
    customer: dict[str, Any]
    language: str
    statement: Statement
    payments: tuple[PaymentInstructions, ...]
    submissions: list[PortalSubmission]
    expires_at: datetime
    online_payments: tuple[OnlinePayment, ...] = ()
    # The date of the customer's promise still pending with the team (the earliest),
    # for the truthful answer to a promise made while one is pending.
    pending_promise_on: date | None = None
    # The organisation takes payments through a provider (``recoup.payments``): the
    # customer ticks invoices and pays them in a checkout (instead of the URL template).
    checkout: bool = False


def epc_qr_svg(payload: str) -> str:
    """An SVG image of an EPC QR code (error correction M, as the guideline asks)."""
    code = segno.make(payload, error="m", boost_error=False, encoding="utf-8")
    svg: str = code.svg_inline(scale=4, border=4, omitsize=True, title="EPC QR")
    return svg


def payment_instructions(
    organisation: OrganisationDetails,
    accounts: Sequence[BankAccountDetails],
    customer: dict[str, Any],
    statement: Statement,
) -> tuple[PaymentInstructions, ...]:
    """For each currency with a balance due and a bank account: the account, the reference
    to quote (the account number and that currency's invoices) and, in euros, the EPC QR
    code."""
    by_currency = {account.currency: account for account in accounts}
    instructions = []
    for balance in statement.balances:
        account = by_currency.get(balance.currency)
        if account is None or balance.balance <= 0:
            continue
        # The customer's RF creditor reference first (the bank-statement matcher's key),
        # then its account number (unless that is only its name) and the invoices, as far
        # as the payer's bank takes them.
        external_id = str(customer["external_id"])
        only_name = ledger_core.key_is_name(external_id, str(customer.get("name", "")))
        words = [] if only_name else [external_id]
        words += [line.number for line in statement.invoices if line.currency == balance.currency]
        reference = reference_words(
            int(customer["id"]) if customer.get("id") else None,
            words,
            limit=reference_limit(account.sort_code),
        )
        holder = account.account_name or organisation.legal_name or organisation.name
        qr_svg, qr_amount = None, None
        if balance.currency == "EUR" and account.iban:
            payload = core.epc_payload(
                name=holder,
                iban=account.iban,
                bic=account.bic,
                amount=money.from_minor(balance.balance, "EUR"),
                text=reference,
            )
            qr_svg, qr_amount = epc_qr_svg(payload), balance.balance
        instructions.append(
            PaymentInstructions(
                currency=balance.currency,
                account_holder=holder,
                bank_name=account.bank_name,
                iban=account.iban,
                bic=account.bic,
                sort_code=account.sort_code,
                account_number=account.account_number,
                routing_number=account.routing_number,
                reference=reference,
                qr_svg=qr_svg,
                qr_amount=qr_amount,
            )
        )
    return tuple(instructions)


def online_payments(
    template: str, customer: dict[str, Any], statement: Statement
) -> tuple[OnlinePayment, ...]:
    """A payment link per currency with a balance due, from ``RECOUP_PAYMENT_URL``'s
    template (none without one); the reference names the account and that currency's
    invoices."""
    if not template:
        return ()
    return tuple(
        OnlinePayment(
            balance.currency,
            balance.balance,
            core.payment_link(
                template,
                reference=reference_words(
                    None,
                    [
                        str(customer["external_id"]),
                        *(i.number for i in statement.invoices if i.currency == balance.currency),
                    ],
                    limit=core.EPC_MAX_TEXT,
                ),
                amount=money.from_minor(balance.balance, balance.currency),
                currency=balance.currency,
            ),
        )
        for balance in statement.balances
        if balance.balance > 0
    )


def start_online_payment(
    session: Session,
    *,
    access: PortalAccess,
    invoice_ids: Sequence[int],
    return_url: str,
    today: date,
    language: str = "",
) -> tuple[OnlinePayment, ...]:
    """Checkouts with the organisation's payment provider for the invoices the customer
    ticked, one per currency; the customer comes back to ``return_url``."""
    made = payments.start_checkout(
        session,
        org_id=access.org_id,
        customer_id=access.customer_id,
        invoice_ids=invoice_ids,
        success_url=f"{return_url}?done=paid#thanks",
        cancel_url=return_url,
        today=today,
        language=language,
    )
    return tuple(OnlinePayment(c.currency, c.amount, c.url) for c in made)


def page_language(session: Session, *, access: PortalAccess, chosen: str | None = None) -> str:
    """The language of the customer's pages: the one chosen on the page, else theirs."""
    customer = _customer(session, org_id=access.org_id, customer_id=access.customer_id)
    return language_of(chosen or customer["language"], customer["country"])


def portal_page(
    session: Session, *, access: PortalAccess, as_of: date, language: str | None = None
) -> PortalPage:
    """The customer's statement, how to pay, and what they told us before."""
    organisation = ledger.get_organisation(session, org_id=access.org_id)
    customer = _customer(session, org_id=access.org_id, customer_id=access.customer_id)
    statement = customer_statement(
        session, org_id=access.org_id, customer_id=access.customer_id, as_of=as_of
    )
    checkout = payments.checkout_available(session, org_id=access.org_id)
    return PortalPage(
        organisation=organisation,
        customer=customer,
        language=language_of(language or customer["language"], customer["country"]),
        statement=statement,
        payments=payment_instructions(
            organisation,
            bank_accounts(session, org_id=access.org_id),
            customer,
            statement,
        ),
        submissions=repository.submissions(session, access.org_id, access.customer_id)[:10],
        expires_at=access.expires_at,
        online_payments=()
        if checkout
        else online_payments(PortalSettings().payment_url, customer, statement),
        checkout=checkout,
        pending_promise_on=min(
            (
                p.promised_on
                for p in promises.list_promises(
                    session,
                    org_id=access.org_id,
                    customer_id=access.customer_id,
                    statuses=["pending"],
                )
            ),
            default=None,
        ),
    )


def _submission(
    session: Session, access: PortalAccess, kind: SubmissionKind, **values: Any
) -> PortalSubmission:
    by_link, by_client = repository.recent_submissions(
        session,
        token_id=access.token_id,
        client=access.client,
        since=utcnow() - core.SUBMISSION_WINDOW,
    )
    core.check_submission_rate(by_link=by_link, by_client=by_client)
    customer = _customer(session, org_id=access.org_id, customer_id=access.customer_id)
    submission = PortalSubmission(
        client=access.client,
        org_id=access.org_id,
        customer_id=access.customer_id,
        token_id=access.token_id,
        kind=kind,
        language=language_of(customer["language"], customer["country"]),
        collector=customer["collector"],
        **values,
    )
    session.add(submission)
    session.flush()
    return submission


@dataclass(frozen=True, slots=True)
class PromiseReceipt:
    """What became of a promise made on the portal, so that the customer is told the
    truth: ``recorded`` (a promise to pay that pauses the reminders), ``already_promised``
    (a promise is still pending: the new date went to the team to agree, the pending
    promise stands) or ``review`` (the invoices are in a payment plan or with an agency:
    the team will be in touch)."""

    submission: PortalSubmission
    outcome: str

    @property
    def done(self) -> str:
        """The name of the answer the portal page shows (``?done=``)."""
        return {"recorded": "promise", "already_promised": "promise_pending"}.get(
            self.outcome, "promise_review"
        )


def submit_promise(
    session: Session,
    *,
    access: PortalAccess,
    promised_on: date,
    amount: str = "",
    currency: str = "",
    comment: str = "",
    today: date,
) -> PromiseReceipt:
    """The customer promises to pay (all, or ``amount``) on ``promised_on``.

    The message is always kept and the collector told; the promise itself is recorded
    only when the cases allow it (``recoup.cases.core.admit``) — not beside a pending
    promise, a payment plan or a hand-off to an agency — and the receipt says which."""
    core.check_promise_date(promised_on, today=today)
    text = core.check_comment(comment, required=False)
    statement = customer_statement(
        session, org_id=access.org_id, customer_id=access.customer_id, as_of=today
    )
    balances = {b.currency: b.balance for b in statement.balances if b.balance > 0}
    if not balances:
        raise InvalidInput("nothing is owed, so there is nothing to promise", field="amount")
    chosen = currency if currency in balances else min(balances)
    open_items = [line for line in statement.invoices if line.currency == chosen]
    minor: int | None = None
    if amount.strip():
        try:
            value: Decimal = money.parse_amount(amount)
            minor = money.to_minor(value, chosen)
        except InvalidInput:
            raise InvalidInput("not an amount", field="amount") from None
        if not 0 < minor <= balances[chosen]:
            raise InvalidInput("must be more than zero and at most the balance", field="amount")
    submission = _submission(
        session,
        access,
        SubmissionKind.PROMISE,
        promised_on=promised_on,
        currency=chosen,
        promised_amount=minor if minor is not None else balances[chosen],
        comment=text,
    )
    # The promise covers the open invoices oldest first, as far as the amount goes; it
    # pauses the ladder for them (``recoup.cases``).
    parts = split_in_order(
        minor if minor is not None else sum(i.open_amount for i in open_items),
        [i.open_amount for i in open_items],
    )
    items = [
        (line.id, None if part == line.open_amount else money.from_minor(part, chosen))
        for line, part in zip(open_items, parts, strict=True)
        if part
    ]
    refused = Conflict("nothing open to promise on an invoice") if not items else None
    refused = refused or _record_case(
        session,
        lambda: promises.add_promise(
            session,
            org_id=access.org_id,
            customer_id=access.customer_id,
            items=items,
            promised_on=promised_on,
            made_on=today,
            channel="portal",
            note=text,
        ),
    )
    outcome = "recorded"
    if refused is not None:
        held = coexistence.cases_on_invoices(
            session, org_id=access.org_id, invoice_ids=[invoice_id for invoice_id, _ in items]
        )
        promised = any(c.kind == "promise" for c in held)
        outcome = "already_promised" if promised else "review"
    _notify(session, submission, today, refused=refused)
    return PromiseReceipt(submission, outcome)


def submit_dispute(
    session: Session,
    *,
    access: PortalAccess,
    invoice_id: int,
    reason: str,
    comment: str,
    today: date,
) -> PortalSubmission:
    """The customer queries one of their open invoices."""
    open_ids = {
        i.id: i
        for i in ledger.open_invoices(session, org_id=access.org_id, customer_id=access.customer_id)
    }
    if invoice_id not in open_ids:
        raise InvalidInput("not one of your open invoices", field="invoice")
    try:
        why = DisputeReason(reason)
    except ValueError:
        raise InvalidInput("choose a reason", field="reason") from None
    text = core.check_comment(comment, required=why is DisputeReason.OTHER)
    invoice = open_ids[invoice_id]
    submission = _submission(
        session,
        access,
        SubmissionKind.DISPUTE,
        invoice_id=invoice_id,
        currency=invoice.currency,
        reason=str(why),
        comment=text,
    )
    if _disputed(session, access, invoice_id):
        notes.add_note(
            session,
            org_id=access.org_id,
            customer_id=access.customer_id,
            text=f"The customer disputed invoice {invoice.number} again on the portal: {text}",
            author="customer (portal)",
        )
    else:
        _record_case(
            session,
            lambda: disputes.open_dispute(
                session,
                org_id=access.org_id,
                customer_id=access.customer_id,
                invoice_ids=[invoice_id],
                reason=CASE_REASONS[why],
                owner=submission.collector,
                description=f"{why.value.replace('_', ' ')} (portal): {text}".strip(": "),
                opened_on=today,
            ),
        )
    _notify(session, submission, today)
    return submission


def submit_feedback(
    session: Session, *, access: PortalAccess, comment: str, today: date
) -> PortalSubmission:
    """The customer leaves a message for the credit team (a note on the account)."""
    text = core.check_comment(comment, required=True)
    submission = _submission(session, access, SubmissionKind.FEEDBACK, comment=text)
    notes.add_note(
        session,
        org_id=access.org_id,
        customer_id=access.customer_id,
        text=f"Message from the customer (portal): {text}",
        author="customer (portal)",
    )
    _notify(session, submission, today)
    return submission


# How the portal's reasons (worded for customers) map onto the cases' reasons.
CASE_REASONS = {
    DisputeReason.NOT_RECEIVED: "not_received",
    DisputeReason.WRONG_AMOUNT: "pricing",
    DisputeReason.GOODS_OR_SERVICE: "quality",
    DisputeReason.ALREADY_PAID: "already_paid",
    DisputeReason.NO_PURCHASE_ORDER: "other",
    DisputeReason.OTHER: "other",
}


def _disputed(session: Session, access: PortalAccess, invoice_id: int) -> bool:
    """Whether an open dispute of the customer already covers the invoice."""
    open_disputes = disputes.list_disputes(
        session,
        org_id=access.org_id,
        customer_id=access.customer_id,
        statuses=["open", "investigating"],
    )
    return any(
        invoice_id in disputes.dispute_invoice_ids(session, org_id=access.org_id, dispute_id=d.id)
        for d in open_disputes
    )


def _record_case(session: Session, record: Callable[[], object]) -> Conflict | None:
    """Record a promise or dispute in ``recoup.cases``; when the cases refuse it (the
    same invoices promised or disputed twice, in a plan, with an agency) nothing of it is
    written and the refusal is returned — the customer's message is still stored and
    the collector told."""
    try:
        with session.begin_nested():
            record()
    except Conflict as refusal:
        return refusal
    return None


def _notify(
    session: Session, submission: PortalSubmission, today: date, refused: Conflict | None = None
) -> None:
    """A task for the customer's collector to look at what came in (and, when the cases
    refused to record it, why: the collector agrees it with the customer)."""
    titles = {
        SubmissionKind.PROMISE: "Promise to pay made on the portal",
        SubmissionKind.DISPUTE: "Invoice disputed on the portal",
        SubmissionKind.FEEDBACK: "Message left on the portal",
    }
    title = titles[SubmissionKind(submission.kind)]
    body = submission.comment
    if refused is not None and submission.kind == SubmissionKind.PROMISE:
        title = f"{title}: not recorded, agree it with the customer"
        body = f"Not recorded as a promise: {refused.message}.\n\n{body}".strip()
    tasks.create_task(
        session,
        org_id=submission.org_id,
        customer_id=submission.customer_id,
        title=title,
        body=body,
        kind="review",
        assignee=submission.collector,
        due_on=today,
        key=f"portal:{submission.id}",
    )


def submissions(session: Session, *, org_id: int, customer_id: int) -> list[PortalSubmission]:
    """A customer's portal submissions, newest first (for the team's timeline)."""
    return repository.submissions(session, org_id, customer_id)


def unseen_submissions(
    session: Session, *, org_id: int, collector: str | None = None, limit: int = 10
) -> list[PortalSubmission]:
    """Submissions the team has not looked at, for one collector or everyone."""
    return repository.unseen(session, org_id, collector, limit)


def mark_seen(session: Session, *, org_id: int, customer_id: int) -> None:
    """Someone of the team has seen this customer's submissions."""
    repository.mark_seen(session, org_id, customer_id, utcnow())
