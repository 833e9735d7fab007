"""Pure rules of approvals: which credit-limit changes need a second person, and who may
decide a request (never the person who asked for it)."""

from decimal import Decimal

# A credit limit raised by more than this (in the customer's currency) needs a second
# person's approval; lowering it, or raising it by less, takes effect at once.
CREDIT_INCREASE_THRESHOLD = Decimal("10000")


def limit_needs_approval(previous: int | None, new: int | None, threshold: int) -> bool:
    """Whether moving a credit limit from ``previous`` to ``new`` (minor units; None: no
    limit) is an increase of more than ``threshold`` (minor units).

    Setting a first limit restricts the customer (no approval); removing one is an
    unbounded increase.

    >>> limit_needs_approval(500_000, 2_000_000, 1_000_000)
    True
    >>> limit_needs_approval(500_000, 1_500_000, 1_000_000), limit_needs_approval(None, 10**9, 1)
    (False, False)
    >>> limit_needs_approval(500_000, None, 1_000_000), limit_needs_approval(None, None, 0)
    (True, False)
    """
    if previous is None:
        return False
    if new is None:
        return True
    return new - previous > threshold


def same_person(requester: str, decider: str) -> bool:
    """Whether two emails name the same person (case and spaces aside).

    >>> same_person("Kim@Acme.example ", "kim@acme.example"), same_person("", "kim@x")
    (True, False)
    """
    asked = requester.strip().casefold()
    return bool(asked) and asked == decider.strip().casefold()
