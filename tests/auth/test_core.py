"""The permission table and the login throttle, on hand-made examples."""

from datetime import UTC, datetime, timedelta

import pytest

from recoup.auth.core import PERMISSIONS, Permission, allowed, locked_until
from recoup.auth.models import Role


def at(minute: int) -> datetime:
    return datetime(2026, 3, 1, 9, 0, tzinfo=UTC) + timedelta(minutes=minute)


def test_every_role_has_an_entry_and_roles_nest() -> None:
    assert set(PERMISSIONS) == set(Role)
    assert PERMISSIONS[Role.VIEWER] < PERMISSIONS[Role.COLLECTOR] < PERMISSIONS[Role.MANAGER]
    assert PERMISSIONS[Role.MANAGER] < PERMISSIONS[Role.ADMIN] == frozenset(Permission)


@pytest.mark.parametrize(
    ("role", "permission", "expected"),
    [
        ("viewer", Permission.VIEW, True),
        ("viewer", Permission.WORK_ACCOUNTS, False),
        ("collector", Permission.WORK_ACCOUNTS, True),
        ("collector", Permission.IMPORT_DATA, False),
        ("manager", Permission.IMPORT_DATA, True),
        ("manager", Permission.MANAGE_USERS, False),
        ("admin", Permission.MANAGE_USERS, True),
    ],
)
def test_allowed(role: str, permission: Permission, expected: bool) -> None:
    assert allowed(role, permission) is expected


def test_five_failures_in_fifteen_minutes_lock_for_fifteen_from_the_fifth() -> None:
    failures = [at(0), at(3), at(6), at(9), at(12)]
    assert locked_until(failures, now=at(12)) == at(27)
    assert locked_until(failures, now=at(26)) == at(27)
    assert locked_until(failures, now=at(27)) is None


def test_failures_spread_over_more_than_the_window_do_not_lock() -> None:
    failures = [at(0), at(5), at(10), at(15), at(16)]  # first to fifth: 16 minutes
    assert locked_until(failures, now=at(16)) is None


def test_four_failures_never_lock() -> None:
    assert locked_until([at(0), at(1), at(2), at(3)], now=at(3)) is None
