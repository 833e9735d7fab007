"""Pure auth rules: who may do what, and when a login is throttled.

The permission table below is the one place that says what each role may do; pages and
actions ask ``allowed(role, permission)`` and nothing else.
"""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from recoup.auth.enums import Role


class Permission(StrEnum):
    """Something a user can do in the team's web app."""

    VIEW = "view"  # dashboard, worklist, customers, invoices
    EXPORT = "export"  # CSV downloads
    WORK_ACCOUNTS = "work_accounts"  # notes, calls, promises, disputes, portal links
    MANAGE_CREDIT = "manage_credit"  # credit holds, payment plans, write-offs
    IMPORT_DATA = "import_data"  # upload ledger files
    MANAGE_USERS = "manage_users"  # add, deactivate users


PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.MANAGER: frozenset(
        {
            Permission.VIEW,
            Permission.EXPORT,
            Permission.WORK_ACCOUNTS,
            Permission.MANAGE_CREDIT,
            Permission.IMPORT_DATA,
        }
    ),
    Role.COLLECTOR: frozenset({Permission.VIEW, Permission.EXPORT, Permission.WORK_ACCOUNTS}),
    Role.VIEWER: frozenset({Permission.VIEW, Permission.EXPORT}),
}


def allowed(role: Role | str, permission: Permission) -> bool:
    """Whether ``role`` may do ``permission``.

    >>> allowed("collector", Permission.WORK_ACCOUNTS)
    True
    >>> allowed("viewer", Permission.IMPORT_DATA)
    False
    """
    return permission in PERMISSIONS.get(Role(role), frozenset())


class Key(StrEnum):
    """What a throttling rule counts failures of."""

    ACCOUNT_FROM_CLIENT = "account_from_client"  # one email from one address
    ACCOUNT = "account"  # one email, from anywhere (a distributed guess at one password)
    CLIENT = "client"  # one address, whatever the email (password spraying)


@dataclass(frozen=True, slots=True)
class Backoff:
    """A throttling rule: after ``limit`` failures in ``window``, each failure locks the
    key out for ``first``, doubled for every further failure, never longer than
    ``longest``. A success clears the count when ``reset_by_success``."""

    key: Key
    limit: int
    first: timedelta
    longest: timedelta
    window: timedelta
    reset_by_success: bool = True


@dataclass(frozen=True, slots=True)
class Attempt:
    """One remembered login attempt."""

    email: str
    ip: str
    at: datetime
    succeeded: bool


MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
# Locks start short and grow only while the guessing goes on, so nobody can lock an
# account out for long without trying all the time; an address that has logged in to
# its own account is still throttled for the guesses it makes at others.
BACKOFFS = (
    Backoff(Key.ACCOUNT_FROM_CLIENT, limit=5, first=MINUTE, longest=HOUR, window=24 * HOUR),
    Backoff(Key.ACCOUNT, limit=10, first=MINUTE, longest=HOUR, window=24 * HOUR),
    Backoff(Key.CLIENT, limit=20, first=MINUTE, longest=HOUR, window=HOUR, reset_by_success=False),
)
REMEMBERED = max(rule.window for rule in BACKOFFS)  # attempts older than this are forgotten


def _counts(rule: Backoff, attempt: Attempt, *, email: str, ip: str) -> bool:
    if rule.key is Key.ACCOUNT:
        return attempt.email == email
    if rule.key is Key.CLIENT:
        return attempt.ip == ip
    return attempt.email == email and attempt.ip == ip


def rule_locked_until(
    rule: Backoff, attempts: Sequence[Attempt], *, email: str, ip: str, now: datetime
) -> datetime | None:
    """When ``rule``'s lockout of ``email`` / ``ip`` ends, if one is in force at ``now``.

    >>> from datetime import datetime as dt
    >>> rule = Backoff(Key.ACCOUNT, limit=3, first=MINUTE, longest=HOUR, window=HOUR)
    >>> tries = [Attempt("a@x", "1.1.1.1", dt(2026, 1, 1, 9, m), False) for m in (0, 1, 2)]
    >>> rule_locked_until(rule, tries, email="a@x", ip="2.2.2.2", now=dt(2026, 1, 1, 9, 2))
    datetime.datetime(2026, 1, 1, 9, 3)
    >>> tries.append(Attempt("a@x", "1.1.1.1", dt(2026, 1, 1, 9, 3), False))
    >>> rule_locked_until(rule, tries, email="a@x", ip="2.2.2.2", now=dt(2026, 1, 1, 9, 3))
    datetime.datetime(2026, 1, 1, 9, 5)
    """
    failures = 0
    last: datetime | None = None
    for attempt in attempts:
        if attempt.at <= now - rule.window or not _counts(rule, attempt, email=email, ip=ip):
            continue
        if attempt.succeeded:
            if rule.reset_by_success:
                failures, last = 0, None
            continue
        failures += 1
        last = attempt.at
    if last is None or failures < rule.limit:
        return None
    until = last + min(rule.first * 2 ** (failures - rule.limit), rule.longest)
    return until if until > now else None


def locked_until(
    attempts: Sequence[Attempt],
    *,
    email: str,
    ip: str,
    now: datetime,
    rules: Sequence[Backoff] = BACKOFFS,
) -> datetime | None:
    """When the longest lockout of ``email`` from ``ip`` ends, if one is in force.

    ``attempts`` are the remembered attempts for that email or from that address,
    oldest first.
    """
    ends = [
        until
        for rule in rules
        if (until := rule_locked_until(rule, attempts, email=email, ip=ip, now=now)) is not None
    ]
    return max(ends, default=None)


def hash_token(token: str) -> str:
    """The SHA-256 (hex) under which a session or portal token is stored."""
    return hashlib.sha256(token.encode()).hexdigest()
