"""The organisation's own details and its bank accounts, one per currency.

Every message, letter, statement and portal page signs and asks for payment with these:
the sender, the letterhead, the registration and VAT numbers of the footer, and the bank
account of the invoice's currency. Changes are validated (python-stdnum) and audited.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.orm import Session

from recoup import money
from recoup.audit.service import Change, append
from recoup.errors import InvalidInput, NotFound
from recoup.ledger import repository
from recoup.ledger.models import BankAccount, Organisation
from recoup.ledger.validators import (
    validate_bic,
    validate_email,
    validate_iban,
    validate_registration,
    validate_routing_number,
    validate_sort_code,
    validate_uk_account_number,
    validate_vat,
)


class OrganisationDetails(Protocol):
    """The organisation's details as its readers see them (read-only): what messages,
    letters, the portal and ``recoup check`` show. The stored organisation is one; a
    reader typed with this needs no table and can change nothing."""

    @property
    def id(self) -> int: ...
    @property
    def slug(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def country(self) -> str: ...
    @property
    def base_currency(self) -> str: ...
    @property
    def address(self) -> str: ...
    @property
    def email(self) -> str: ...
    @property
    def phone(self) -> str: ...
    @property
    def website(self) -> str: ...
    @property
    def legal_name(self) -> str: ...
    @property
    def registration_number(self) -> str: ...
    @property
    def vat_number(self) -> str: ...
    @property
    def sender_name(self) -> str: ...
    @property
    def reply_to(self) -> str: ...
    @property
    def signature_name(self) -> str: ...
    @property
    def signature_title(self) -> str: ...
    @property
    def first_run(self) -> str: ...


class BankAccountDetails(Protocol):
    """A bank account of the organisation as its readers see it (read-only): where
    customers pay the invoices of ``currency``. The stored account is one."""

    @property
    def currency(self) -> str: ...
    @property
    def bank_name(self) -> str: ...
    @property
    def account_name(self) -> str: ...
    @property
    def iban(self) -> str: ...
    @property
    def bic(self) -> str: ...
    @property
    def sort_code(self) -> str: ...
    @property
    def account_number(self) -> str: ...
    @property
    def routing_number(self) -> str: ...


def _text(limit: int) -> Callable[[str, Organisation], str]:
    def check(value: str, _org: Organisation) -> str:
        text = value.strip()
        if len(text) > limit:
            raise InvalidInput(f"at most {limit} characters, got {len(text)}")
        return text

    return check


def _address(value: str, _org: Organisation) -> str:
    # One line per comma or newline, as a letter's address block prints it.
    lines = [line.strip() for line in value.replace("\\n", "\n").replace(",", "\n").splitlines()]
    text = "\n".join(line for line in lines if line)
    if len(text) > 500:
        raise InvalidInput("an address has at most 500 characters")
    return text


def _website(value: str, _org: Organisation) -> str:
    text = value.strip()
    if text and (" " in text or "." not in text):
        raise InvalidInput(f"not a web address: {value!r}")
    return text


FIRST_RUN_CHOICES = ("gentle", "policy")


def check_first_run(value: str) -> str:
    """The onboarding choice for customers never chased: ``gentle`` or ``policy``."""
    choice = value.strip().lower()
    if choice not in FIRST_RUN_CHOICES:
        raise InvalidInput(f"first run is gentle or policy, not {value!r}", field="first_run")
    return choice


def _first_run(value: str, _org: Organisation) -> str:
    return check_first_run(value)


# The details `recoup org set` changes, each with its check.
DETAILS: Mapping[str, Callable[[str, Organisation], str]] = {
    "name": _text(200),
    "legal_name": _text(200),
    "address": _address,
    "email": lambda value, _org: validate_email(value),
    "reply_to": lambda value, _org: validate_email(value),
    "phone": _text(40),
    "website": _website,
    "registration_number": lambda value, org: validate_registration(value, org.country),
    "vat_number": lambda value, org: validate_vat(value, org.country),
    "sender_name": _text(200),
    "signature_name": _text(200),
    "signature_title": _text(200),
    "first_run": _first_run,
}


def update_details(
    session: Session, *, org: Organisation, changes: Mapping[str, str]
) -> dict[str, tuple[str, str]]:
    """Set the organisation's ``changes`` (all checked before any is written); returns
    ``{field: (before, after)}`` of what really changed, and audits it."""
    problems: list[str] = []
    values: dict[str, str] = {}
    for field, value in changes.items():
        check = DETAILS.get(field)
        if check is None:
            problems.append(f"{field}: not a detail of the organisation")
            continue
        try:
            values[field] = check(value, org)
        except InvalidInput as error:
            problems.append(error.message if error.field else f"{field}: {error.message}")
    if problems:
        raise InvalidInput("; ".join(problems))
    changed = {
        field: (str(getattr(org, field)), value)
        for field, value in values.items()
        if getattr(org, field) != value
    }
    for field, (_, value) in changed.items():
        setattr(org, field, value)
    if changed:
        session.flush()
        append(
            session,
            [
                Change(
                    org.id,
                    "update",
                    "organisations",
                    org.id,
                    {field: before for field, (before, _) in changed.items()},
                    {field: after for field, (_, after) in changed.items()},
                )
            ],
        )
    return changed


@dataclass(frozen=True, slots=True)
class BankDetails:
    """A bank account as typed by a person; empty strings are "not given"."""

    bank_name: str = ""
    account_name: str = ""
    iban: str = ""
    bic: str = ""
    sort_code: str = ""
    account_number: str = ""
    routing_number: str = ""


def checked_bank_details(details: BankDetails, *, currency: str) -> BankDetails:
    """``details`` validated and completed, or ``InvalidInput`` saying what is wrong.

    An account needs an IBAN, a UK sort code and account number, or a US routing and
    account number. A UK IBAN also gives the sort code and account number that UK
    payers type into their bank (an IBAN's digits 9-14 and 15-22).

    >>> d = checked_bank_details(BankDetails(iban="GB33BUKB20201555555555"), currency="GBP")
    >>> d.sort_code, d.account_number
    ('202015', '55555555')
    """
    iban = validate_iban(details.iban)
    bic = validate_bic(details.bic)
    sort_code = validate_sort_code(details.sort_code)
    routing = validate_routing_number(details.routing_number)
    account = "".join(details.account_number.split())
    if sort_code:
        account = validate_uk_account_number(account)
    if iban.startswith("GB") and not sort_code and not account:
        sort_code, account = iban[8:14], iban[14:22]
    if routing and not (account.isdigit() and 4 <= len(account) <= 17):
        raise InvalidInput(
            f"a US account number has 4 to 17 digits, got {details.account_number!r}",
            field="account_number",
        )
    if not (iban or (sort_code and account) or (routing and account)):
        raise InvalidInput(
            f"a {currency} bank account needs an IBAN, a sort code and account number, "
            "or a routing and account number",
            field="iban",
        )
    if account and not (sort_code or routing or iban):
        raise InvalidInput(
            "an account number needs its sort code (UK) or routing number (US)",
            field="account_number",
        )
    return BankDetails(
        bank_name=details.bank_name.strip()[:200],
        account_name=details.account_name.strip()[:200],
        iban=iban,
        bic=bic,
        sort_code=sort_code,
        account_number=account,
        routing_number=routing,
    )


def set_bank_account(
    session: Session, *, org: Organisation, currency: str, details: BankDetails
) -> BankAccount:
    """The account customers pay ``currency`` invoices into (replaces the one there was)."""
    currency = money.validate_currency(currency)
    checked = checked_bank_details(details, currency=currency)
    account = bank_account_for(session, org_id=org.id, currency=currency)
    if account is None:
        account = BankAccount(org_id=org.id, currency=currency)
        session.add(account)
    for field in BankDetails.__slots__:
        setattr(account, field, getattr(checked, field))
    session.flush()
    return account


def remove_bank_account(session: Session, *, org: Organisation, currency: str) -> None:
    """Forget the organisation's ``currency`` account."""
    account = bank_account_for(session, org_id=org.id, currency=currency.upper())
    if account is None:
        raise NotFound(f"no {currency.upper()} bank account")
    session.delete(account)
    session.flush()


def bank_account_for(session: Session, *, org_id: int, currency: str) -> BankAccount | None:
    """The account for invoices in ``currency``, if the organisation has one."""
    return repository.bank_account(session, org_id, currency)


def bank_accounts(session: Session, *, org_id: int) -> list[BankAccount]:
    """The organisation's accounts, by currency."""
    return repository.bank_accounts(session, org_id)
