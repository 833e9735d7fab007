"""Pure auth rules: who may do what, and when a login is throttled.

The permission table below is the one place that says what each role may do; pages and
actions ask ``allowed(role, permission)`` and nothing else.
"""

from collections.abc import Sequence
from datetime import datetime, timedelta
from enum import StrEnum

from recoup.auth.models import Role


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


# Five failed attempts for one email from one address within 15 minutes lock that pair
# out for 15 minutes from the fifth; other addresses can still log in to the account.
FAILURE_LIMIT = 5
FAILURE_WINDOW = timedelta(minutes=15)
LOCKOUT = timedelta(minutes=15)


def locked_until(
    failures: Sequence[datetime],
    *,
    now: datetime,
    limit: int = FAILURE_LIMIT,
    window: timedelta = FAILURE_WINDOW,
    lockout: timedelta = LOCKOUT,
) -> datetime | None:
    """When a lockout caused by ``failures`` (ascending times) ends, if one is in force.

    A lockout starts at the failure that completes ``limit`` failures within ``window``.

    >>> from datetime import datetime as dt
    >>> minutes = [dt(2026, 1, 1, 9, m) for m in (0, 2, 4, 6, 8)]
    >>> locked_until(minutes, now=dt(2026, 1, 1, 9, 10))
    datetime.datetime(2026, 1, 1, 9, 23)
    >>> locked_until(minutes, now=dt(2026, 1, 1, 9, 23)) is None
    True
    >>> locked_until(minutes[:4], now=dt(2026, 1, 1, 9, 10)) is None
    True
    """
    until: datetime | None = None
    for last in range(limit - 1, len(failures)):
        if failures[last] - failures[last - limit + 1] <= window:
            until = failures[last] + lockout
    return until if until is not None and until > now else None
