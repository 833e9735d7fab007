"""Online payments' use cases: configure a provider, start checkouts for the invoices a
customer chose on the portal, and act on the provider's signed events.

A paid checkout is recorded and allocated through the ledger (``record_payment`` and
``allocate``: the one set of allocation rules), exactly once per event id; the customer's
promises are judged again and a receipt is planned in the outbox, so the next run sees
the invoices paid and chases no more. A refund or a chargeback withdraws the payment
(``withdraw_payment`` reverses its allocations) and the customer's timeline says why.
Services never commit.
"""

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from recoup import money
from recoup.cases import notes, promises, tasks
from recoup.cases.ledger_views import contacts, email_contact
from recoup.comms.models import OutboxKind
from recoup.comms.outbox import Effect, enqueue
from recoup.comms.payloads import Message
from recoup.errors import InvalidInput, NotFound
from recoup.ledger import queries as ledger_queries
from recoup.ledger import service as ledger
from recoup.ledger.enums import InvoiceStatus, PaymentMethod
from recoup.ledger.queries import InvoiceView
from recoup.payments import core, repository
from recoup.payments.core import EventKind, OpenItem, PaymentEvent
from recoup.payments.models import Checkout, CheckoutStatus, ProviderAccount, ProviderEvent
from recoup.payments.provider import (
    BadSignature,
    CheckoutLine,
    CheckoutRequest,
    PaymentProvider,
    providers,
)

AUTHOR = "online payments"
# What each provider's keys look like (a typo caught before the first customer pays).
KEY_PREFIXES = {"stripe": (("sk_", "rk_"), ("whsec_",))}


@dataclass(frozen=True, slots=True)
class ProviderStatus:
    """A configured provider as the settings page shows it (the key masked)."""

    provider: str
    key_hint: str
    updated_on: date


def _hint(secret: str) -> str:
    """``sk_test_…1234``: enough to tell keys apart, not enough to use one."""
    head = secret[: secret.find("_", 3) + 1] if secret.count("_") >= 2 else secret[:3]
    return f"{head}…{secret[-4:]}"


def setup_provider(
    session: Session, *, org_id: int, provider: str, secret_key: str, webhook_secret: str
) -> ProviderAccount:
    """Take payments online with ``provider``: its API secret key and the signing secret
    of the webhook endpoint (``/payments/<provider>/webhook``). Replaces earlier keys."""
    if provider not in providers():
        known = ", ".join(sorted(providers()))
        raise InvalidInput(f"unknown provider {provider!r} (known: {known})", field="provider")
    secret_key, webhook_secret = secret_key.strip(), webhook_secret.strip()
    key_prefixes, secret_prefixes = KEY_PREFIXES.get(provider, ((), ()))
    if not secret_key or (key_prefixes and not secret_key.startswith(key_prefixes)):
        wanted = " or ".join(key_prefixes) or "a key"
        raise InvalidInput(f"a {provider} secret key starts with {wanted}", field="secret_key")
    if not webhook_secret or (secret_prefixes and not webhook_secret.startswith(secret_prefixes)):
        wanted = " or ".join(secret_prefixes) or "a secret"
        raise InvalidInput(
            f"a {provider} webhook signing secret starts with {wanted}", field="webhook_secret"
        )
    ledger.get_organisation(session, org_id=org_id)
    found = repository.account(session, org_id, provider)
    if found is None:
        found = ProviderAccount(org_id=org_id, provider=provider)
        session.add(found)
    found.secret_key, found.webhook_secret = secret_key, webhook_secret
    session.flush()
    return found


def remove_provider(session: Session, *, org_id: int, provider: str) -> None:
    """Stop taking payments online with ``provider`` (checkouts already paid stay)."""
    found = repository.account(session, org_id, provider)
    if found is None:
        raise NotFound(f"no {provider} account is set up")
    session.delete(found)
    session.flush()


def provider_status(session: Session, *, org_id: int) -> list[ProviderStatus]:
    """The organisation's payment providers, keys masked."""
    return [
        ProviderStatus(a.provider, _hint(a.secret_key), a.updated_at.date())
        for a in repository.accounts(session, org_id)
    ]


def _provider(session: Session, org_id: int) -> PaymentProvider | None:
    known = providers()
    for account in repository.accounts(session, org_id):
        if account.provider in known:
            return known[account.provider](account.secret_key, account.webhook_secret)
    return None


def checkout_available(session: Session, *, org_id: int) -> bool:
    """Whether the organisation takes payments online through a provider."""
    return _provider(session, org_id) is not None


def open_items(session: Session, *, org_id: int, customer_id: int) -> list[OpenItem]:
    """The customer's open invoices that can be paid online, oldest due first."""
    invoices = ledger_queries.open_invoices(session, org_id=org_id, customer_id=customer_id)
    invoices = sorted(invoices, key=lambda i: (i.due_date, i.number))
    return [
        OpenItem(i.id, i.number, i.currency, i.open_amount)
        for i in invoices
        if i.status == InvoiceStatus.OPEN and i.open_amount > 0
    ]


def start_checkout(
    session: Session,
    *,
    org_id: int,
    customer_id: int,
    invoice_ids: Sequence[int],
    success_url: str,
    cancel_url: str,
    today: date,
    language: str = "",
) -> list[Checkout]:
    """Checkouts with the organisation's provider for the chosen open invoices of the
    customer, one per currency (each asks for the invoices' open amounts). Asking again
    for the same invoices and amounts on the same day returns the same checkouts."""
    provider = _provider(session, org_id)
    if provider is None:
        raise NotFound("this organisation does not take payments online")
    customer = ledger.customer_by_id(session, org_id=org_id, customer_id=customer_id)
    plans = core.plan_checkouts(
        open_items(session, org_id=org_id, customer_id=customer_id), invoice_ids
    )
    recipient = email_contact(
        contacts(session, org_id=org_id, customer_ids=[customer_id])[customer_id]
    )
    made = []
    for plan in plans:
        ids = [item.invoice_id for item in plan.items]
        metadata = {
            "org_id": str(org_id),
            "customer_id": str(customer_id),
            "invoice_ids": ",".join(map(str, ids)),
        }
        fingerprint = ";".join(f"{i.invoice_id}:{i.open_amount}" for i in plan.items)
        key = f"recoup:{org_id}:{customer_id}:{plan.currency}:{fingerprint}:{today.isoformat()}"
        created = provider.create_checkout(
            CheckoutRequest(
                currency=plan.currency,
                lines=tuple(
                    CheckoutLine(f"Invoice {item.number}", item.open_amount) for item in plan.items
                ),
                success_url=success_url,
                cancel_url=cancel_url,
                metadata=metadata,
                reference=f"{org_id}:{customer.external_id}"[:200],
                idempotency_key=hashlib.sha256(key.encode()).hexdigest(),
                email=recipient.email if recipient else "",
                locale=language,
            )
        )
        checkout = repository.checkout_by_session(session, provider.name, created.session_id)
        if checkout is None:
            checkout = Checkout(
                org_id=org_id,
                provider=provider.name,
                session_id=created.session_id,
                customer_id=customer_id,
                currency=plan.currency,
                amount=plan.amount,
                invoice_ids=ids,
                url=created.url,
            )
            session.add(checkout)
        made.append(checkout)
    session.flush()
    return made


def checkouts(session: Session, *, org_id: int, customer_id: int) -> list[Checkout]:
    """A customer's online checkouts, newest first."""
    return list(repository.checkouts(session, org_id, customer_id))


# -- provider events --------------------------------------------------------------------


def _verified(
    session: Session, provider: str, payload: bytes, headers: Mapping[str, str]
) -> tuple[ProviderAccount, PaymentEvent]:
    """The event and the organisation whose signing secret verifies it."""
    known = providers()
    if provider not in known:
        raise NotFound(f"no payment provider {provider!r}")
    for account in repository.accounts_of(session, provider):
        try:
            event = known[provider](account.secret_key, account.webhook_secret).read_event(
                payload, headers
            )
        except BadSignature:
            continue
        if event.org_id is not None and event.org_id != account.org_id:
            raise BadSignature("the event names another organisation than its signature")
        return account, event
    raise BadSignature(f"no organisation's {provider} signing secret verifies this event")


def handle_event(
    session: Session, *, provider: str, payload: bytes, headers: Mapping[str, str]
) -> str:
    """Verify a provider's event and act on it once; what was done (for the provider's
    delivery log). An event seen before changes nothing. Raises ``BadSignature``."""
    account, event = _verified(session, provider, payload, headers)
    if repository.event(session, provider, event.event_id) is not None:
        return f"event {event.event_id} was handled already"
    record = ProviderEvent(
        org_id=account.org_id, provider=provider, event_id=event.event_id, kind=event.type[:64]
    )
    try:
        with session.begin_nested():
            session.add(record)
            session.flush()
    except IntegrityError:  # the same event, delivered twice at once: the other one acts
        return f"event {event.event_id} was handled already"
    actions = {
        EventKind.PAID: _paid,
        EventKind.REFUNDED: _refunded,
        EventKind.DISPUTED: _disputed,
        EventKind.DISPUTE_WON: _dispute_won,
    }
    action = actions.get(event.kind)
    if action is None:
        outcome, checkout = f"ignored: {event.reason or event.type}", None
    else:
        outcome, checkout = action(session, account.org_id, event)
    record.outcome = outcome[:500]
    record.checkout_id = checkout.id if checkout else None
    session.flush()
    return outcome


def _amount(minor: int, currency: str) -> str:
    return f"{currency} {money.format_minor(minor, currency)}"


def _record(
    session: Session,
    org_id: int,
    checkout: Checkout,
    *,
    amount: int,
    on: date,
    external_id: str,
    payer_name: str = "",
) -> tuple[int, str, list[InvoiceView]]:
    """Record ``amount`` as the customer's card payment and allocate it to the checkout's
    invoices in order, as far as each is still open; the rest stays on account. Returns
    the payment's id and external id, and the invoices it was applied to."""
    payment = ledger.record_payment(
        session,
        org_id=org_id,
        customer_id=checkout.customer_id,
        received_on=on,
        amount=money.from_minor(amount, checkout.currency),
        currency=checkout.currency,
        external_id=external_id[:100],
        method=PaymentMethod.CARD,
        reference=checkout.session_id[:200],
        payer_name=payer_name[:200],
    )
    found = {
        i.id: i
        for i in ledger_queries.invoices_among(
            session, org_id=org_id, invoice_ids=checkout.invoice_ids
        )
    }
    payable = [
        found[i]
        for i in checkout.invoice_ids
        if i in found
        and found[i].status == InvoiceStatus.OPEN
        and found[i].open_amount > 0
        and found[i].currency == checkout.currency
        and found[i].customer_id == checkout.customer_id
    ]
    paid = []
    for invoice, part in zip(
        payable, core.spread(amount, [i.open_amount for i in payable]), strict=True
    ):
        if part:
            ledger.allocate(
                session,
                org_id=org_id,
                invoice_id=invoice.id,
                amount=money.from_minor(part, checkout.currency),
                on=on,
                payment_id=payment.id,
            )
            paid.append(invoice)
    return payment.id, payment.external_id, paid


def _paid(session: Session, org_id: int, event: PaymentEvent) -> tuple[str, Checkout | None]:
    checkout = repository.checkout_by_session(session, event.provider, event.session_id)
    if checkout is None or checkout.org_id != org_id:
        return f"no checkout {event.session_id} of this organisation: nothing recorded", None
    if checkout.status != CheckoutStatus.OPEN:
        return f"checkout {checkout.session_id} is {checkout.status} already", checkout
    if event.currency != checkout.currency or event.amount <= 0:
        tasks.create_task(
            session,
            org_id=org_id,
            customer_id=checkout.customer_id,
            title="Online payment to check by hand",
            body=f"{event.provider} reports {_amount(event.amount, event.currency)} for "
            f"checkout {checkout.session_id}, which asked for "
            f"{_amount(checkout.amount, checkout.currency)}. Nothing was recorded.",
            kind="review",
            key=f"payments:check:{event.event_id}",
        )
        return "amount or currency differs from the checkout: a task was raised", checkout
    payment_id, external_id, paid = _record(
        session,
        org_id,
        checkout,
        amount=event.amount,
        on=event.occurred_on,
        external_id=f"{event.provider}:{event.payment_intent or event.session_id}",
        payer_name=event.payer_name,
    )
    checkout.status = CheckoutStatus.PAID
    checkout.payment_intent = event.payment_intent
    checkout.payment_id = payment_id
    checkout.paid_amount = event.amount
    checkout.paid_on = event.occurred_on
    numbers = ", ".join(i.number for i in paid) or "nothing (all settled meanwhile)"
    what = f"{_amount(event.amount, checkout.currency)} paid online ({event.provider})"
    notes.add_note(
        session,
        org_id=org_id,
        customer_id=checkout.customer_id,
        text=f"{what}, recorded as payment {external_id} and applied to {numbers}.",
        author=AUTHOR,
    )
    promises.evaluate_promises(session, org_id=org_id, as_of=event.occurred_on)
    receipt = _plan_receipt(session, org_id, checkout, [i.id for i in paid], event)
    return f"payment {external_id}: {what}, applied to {numbers}; {receipt}", checkout


def _plan_receipt(
    session: Session, org_id: int, checkout: Checkout, paid_ids: list[int], event: PaymentEvent
) -> str:
    """Plan the customer's receipt in the outbox (once per checkout): the thank-you when
    the account is clear, else the statement of what is still open."""
    customer = ledger.customer_by_id(session, org_id=org_id, customer_id=checkout.customer_id)
    if customer.do_not_contact or customer.legal_hold:
        return "no receipt (the customer may not be contacted)"
    chosen = email_contact(
        contacts(session, org_id=org_id, customer_ids=[customer.id])[customer.id]
    )
    recipient = chosen.email if chosen else event.payer_email
    if not recipient:
        return "no receipt (no email address)"
    still_open = [
        i.id
        for i in ledger_queries.open_invoices(session, org_id=org_id, customer_id=customer.id)
        if i.open_amount > 0
    ]
    template = "statement" if still_open else "thank_you"
    enqueue(
        session,
        org_id=org_id,
        effects=[
            Effect(
                key=f"payments:receipt:{checkout.id}",
                kind=OutboxKind.EMAIL,
                customer_id=customer.id,
                scheduled_at=event.occurred_at,
                template=template,
                recipient=recipient,
                source="payments",
                payload=Message(
                    invoice_ids=still_open or paid_ids,
                    contact_id=chosen.id if chosen else None,
                    as_of=event.occurred_on,
                    checkout_id=checkout.id,
                ).dump(),
            )
        ],
    )
    return f"receipt ({template}) to {recipient} planned"


def _withdraw(session: Session, org_id: int, checkout: Checkout, reason: str) -> list[str]:
    """Withdraw the checkout's payment; the numbers of the invoices it was applied to."""
    assert checkout.payment_id is not None
    reversed_ = ledger.withdraw_payment(
        session, org_id=org_id, payment_id=checkout.payment_id, reason=reason, actor=AUTHOR
    )
    invoices = ledger_queries.invoices_among(
        session, org_id=org_id, invoice_ids=sorted({r.invoice_id for r in reversed_})
    )
    return [i.number for i in sorted(invoices, key=lambda i: i.number)]


def _refunded(session: Session, org_id: int, event: PaymentEvent) -> tuple[str, Checkout | None]:
    checkout = repository.checkout_by_intent(session, org_id, event.provider, event.payment_intent)
    if checkout is None:
        return f"no checkout paid with {event.payment_intent or 'that payment'}", None
    if checkout.status != CheckoutStatus.PAID or checkout.payment_id is None:
        return f"checkout {checkout.session_id} is {checkout.status}: nothing to reverse", checkout
    kept = 0 if event.refunded_in_full else max(checkout.paid_amount - event.amount, 0)
    refunded = checkout.paid_amount - kept
    given = _amount(refunded, checkout.currency)
    why = f"refunded through {event.provider} ({given}, {event.event_id})"
    numbers = _withdraw(session, org_id, checkout, why)
    reopened = ", ".join(numbers) or "no invoice"
    text = (
        f"Online payment of {_amount(checkout.paid_amount, checkout.currency)} {why}: "
        f"its allocations to {reopened} were reversed."
    )
    if kept:
        payment_id, _, paid = _record(
            session,
            org_id,
            checkout,
            amount=kept,
            on=event.occurred_on,
            external_id=f"{event.provider}:{event.payment_intent}:{event.event_id}",
        )
        checkout.payment_id = payment_id
        again = ", ".join(i.number for i in paid) or "the account"
        text += f" The {_amount(kept, checkout.currency)} kept is applied again to {again}."
    else:
        checkout.status = CheckoutStatus.REFUNDED
        checkout.payment_id = None
    notes.add_note(
        session, org_id=org_id, customer_id=checkout.customer_id, text=text, author=AUTHOR
    )
    return text, checkout


def _disputed(session: Session, org_id: int, event: PaymentEvent) -> tuple[str, Checkout | None]:
    checkout = repository.checkout_by_intent(session, org_id, event.provider, event.payment_intent)
    if checkout is None:
        return f"no checkout paid with {event.payment_intent or 'that payment'}", None
    if checkout.status != CheckoutStatus.PAID or checkout.payment_id is None:
        return f"checkout {checkout.session_id} is {checkout.status}: nothing to reverse", checkout
    reason = event.reason.replace("_", " ") or "no reason given"
    why = f"disputed with the card issuer (chargeback, reason: {reason}; {event.event_id})"
    numbers = _withdraw(session, org_id, checkout, why)
    checkout.status = CheckoutStatus.DISPUTED
    checkout.payment_id = None
    reopened = ", ".join(numbers) or "no invoice"
    text = (
        f"Online payment of {_amount(checkout.paid_amount, checkout.currency)} {why}: "
        f"the payment was withdrawn and {reopened} reopened."
    )
    notes.add_note(
        session, org_id=org_id, customer_id=checkout.customer_id, text=text, author=AUTHOR
    )
    customer = ledger.customer_by_id(session, org_id=org_id, customer_id=checkout.customer_id)
    tasks.create_task(
        session,
        org_id=org_id,
        customer_id=checkout.customer_id,
        title="Chargeback on an online payment",
        body=f"{text}\n\nAnswer the dispute in the {event.provider} dashboard.",
        kind="review",
        assignee=customer.collector,
        due_on=event.occurred_on,
        key=f"payments:dispute:{event.event_id}",
    )
    return text, checkout


def _dispute_won(session: Session, org_id: int, event: PaymentEvent) -> tuple[str, Checkout | None]:
    checkout = repository.checkout_by_intent(session, org_id, event.provider, event.payment_intent)
    if checkout is None:
        return f"no checkout paid with {event.payment_intent or 'that payment'}", None
    if checkout.status != CheckoutStatus.DISPUTED:
        return f"checkout {checkout.session_id} is {checkout.status}: nothing to restore", checkout
    payment_id, external_id, paid = _record(
        session,
        org_id,
        checkout,
        amount=checkout.paid_amount,
        on=event.occurred_on,
        external_id=f"{event.provider}:{event.payment_intent}:{event.event_id}",
    )
    checkout.status = CheckoutStatus.PAID
    checkout.payment_id = payment_id
    again = ", ".join(i.number for i in paid) or "the account"
    paid_amount = _amount(checkout.paid_amount, checkout.currency)
    text = (
        f"The chargeback on the online payment of {paid_amount}"
        f" was decided for us ({event.event_id}): the payment is recorded again as "
        f"{external_id} and applied to {again}."
    )
    notes.add_note(
        session, org_id=org_id, customer_id=checkout.customer_id, text=text, author=AUTHOR
    )
    return text, checkout
