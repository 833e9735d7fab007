"""The structured creditor reference (ISO 11649, ``RF…``) Recoup issues per customer.

A payer who quotes it names the customer exactly: the body is the customer's id, the
two check digits (python-stdnum's ``iso11649``) catch a mistyped digit.
"""

import re
from collections.abc import Sequence
from functools import lru_cache

from stdnum import iso11649
from stdnum.iso7064 import mod_97_10

_BODY_DIGITS = 8
# The longest reference a payer's bank carries with a transfer: to a UK sort code and
# account number (Faster Payments, Bacs) 18 characters; SEPA and SWIFT 140.
UK_DOMESTIC_MAX = 18
REMITTANCE_MAX = 140
# An RF reference somewhere in free text, possibly split into groups by spaces.
_IN_TEXT = re.compile(r"\bRF\s?\d\d(?:\s?[0-9A-Z]){1,21}\b", re.IGNORECASE)


def customer_reference(customer_id: int) -> str:
    """The compact reference of a customer, e.g. ``RF97 0000 1042`` without the spaces.

    >>> customer_reference(1042)
    'RF9700001042'
    """
    body = f"{customer_id:0{_BODY_DIGITS}d}"
    return f"RF{mod_97_10.calc_check_digits(body + 'RF')}{body}"


def payment_reference(
    customer_id: int | None, words: Sequence[str], *, limit: int = REMITTANCE_MAX
) -> str:
    """What a customer quotes with a payment: its RF reference (the bank-statement
    matcher's exact key), then as many of ``words`` (the invoice, the account) as fit in
    ``limit`` characters.

    >>> payment_reference(8, ["Hotwells Yacht Club"], limit=UK_DOMESTIC_MAX)
    'RF7900000008'
    >>> payment_reference(1042, ["INV-1"], limit=UK_DOMESTIC_MAX)
    'RF9700001042 INV-1'
    >>> payment_reference(1042, ["C042", "INV-1", "INV-2"])
    'RF9700001042 C042 INV-1 INV-2'
    """
    text = customer_reference(customer_id) if customer_id else ""
    for word in words:
        longer = f"{text} {word}" if text else word
        if len(longer) > limit:
            break
        text = longer
    return text


def reference_limit(sort_code: str | None) -> int:
    """The longest reference a payment into an account can carry: a UK account (paid
    by its sort code) takes 18 characters, others 140."""
    return UK_DOMESTIC_MAX if (sort_code or "").strip() else REMITTANCE_MAX


def printed(reference: str) -> str:
    """The reference in groups of four, as printed on documents.

    >>> printed("RF9700001042")
    'RF97 0000 1042'
    """
    return str(iso11649.format(reference))


def customer_of(reference: str) -> int | None:
    """The customer id a valid Recoup reference names; None for anything else."""
    compact = str(iso11649.compact(reference)).upper()
    if not iso11649.is_valid(compact):
        return None
    body = compact[4:]
    if not body.isdigit() or len(body) != _BODY_DIGITS:
        return None
    return int(body)


def references_in(text: str) -> list[str]:
    """The valid RF references in ``text`` (compact), in order."""
    return list(_references_in(text))


@lru_cache(maxsize=1 << 16)
def _references_in(text: str) -> tuple[str, ...]:
    # Kept for texts seen again: a statement's line is read several times while matched.
    found: list[str] = []
    for match in _IN_TEXT.finditer(text):
        compact = str(iso11649.compact(match.group(0))).upper()
        # Groups may run into the next word ("RF97 0000 1042 INV 7"): of the valid
        # prefixes, a Recoup customer's reference first, else the longest.
        valid = [compact[:n] for n in range(len(compact), 4, -1) if iso11649.is_valid(compact[:n])]
        ours = [v for v in valid if customer_of(v) is not None]
        chosen = (ours or valid or [""])[0]
        if chosen and chosen not in found:
            found.append(chosen)
    return tuple(found)
