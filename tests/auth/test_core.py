"""The permission table and the login throttle (backoff per account, per account and
address, per address), on hand-made examples."""

from datetime import UTC, datetime, timedelta

import pytest

from recoup.auth.core import (
    BACKOFFS,
    PERMISSIONS,
    Attempt,
    Permission,
    allowed,
    locked_until,
    rule_locked_until,
)
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


KIM, SAM = "kim@acme.example", "sam@acme.example"
HOME, CAFE = "10.0.0.1", "10.0.0.2"


def fail(minute: int, email: str = KIM, ip: str = HOME) -> Attempt:
    return Attempt(email, ip, at(minute), False)


def test_five_failures_from_one_address_lock_for_a_minute_then_two_then_four() -> None:
    attempts = [fail(0), fail(1), fail(2), fail(3)]
    assert locked_until(attempts, email=KIM, ip=HOME, now=at(3)) is None
    attempts.append(fail(4))  # the fifth: locked from 9:04 for one minute
    assert locked_until(attempts, email=KIM, ip=HOME, now=at(4)) == at(5)
    attempts.append(fail(5))  # the sixth, at 9:05: two minutes
    assert locked_until(attempts, email=KIM, ip=HOME, now=at(5)) == at(7)
    attempts.append(fail(7))  # the seventh, at 9:07: four minutes
    assert locked_until(attempts, email=KIM, ip=HOME, now=at(10)) == at(11)
    assert locked_until(attempts, email=KIM, ip=HOME, now=at(11)) is None
    # the same email from another address is not locked by the first rule (7 < 10)
    assert locked_until(attempts, email=KIM, ip=CAFE, now=at(7)) is None


def test_the_lock_never_grows_beyond_an_hour() -> None:
    attempts = [fail(minute) for minute in range(12)]  # 12th failure: 2**7 minutes -> 60
    assert locked_until(attempts, email=KIM, ip=HOME, now=at(11)) == at(71)


def test_ten_failures_on_one_account_from_ten_addresses_lock_it_everywhere() -> None:
    attempts = [fail(minute, ip=f"192.0.2.{minute}") for minute in range(10)]
    assert locked_until(attempts, email=KIM, ip=CAFE, now=at(9)) == at(10)
    assert locked_until(attempts[:9], email=KIM, ip=CAFE, now=at(9)) is None


def test_twenty_failures_from_one_address_on_twenty_accounts_lock_the_address() -> None:
    attempts = [fail(minute, email=f"user{minute}@acme.example") for minute in range(20)]
    assert locked_until(attempts, email=SAM, ip=HOME, now=at(19)) == at(20)
    assert locked_until(attempts, email=SAM, ip=CAFE, now=at(19)) is None
    # a success in between does not clear the address's count (spraying from a
    # logged-in account), but it does clear an account's own
    mixed = [*attempts[:10], Attempt(SAM, HOME, at(10), True), *attempts[10:]]
    assert locked_until(mixed, email=SAM, ip=HOME, now=at(19)) == at(20)


def test_a_success_clears_the_account_counts() -> None:
    attempts = [fail(0), fail(1), fail(2), fail(3), Attempt(KIM, HOME, at(4), True), fail(5)]
    assert locked_until(attempts, email=KIM, ip=HOME, now=at(5)) is None


def test_failures_older_than_the_window_are_forgotten() -> None:
    rule = BACKOFFS[2]  # the address: an hour
    attempts = [fail(minute, email=f"u{minute}@x.example") for minute in range(20)]
    assert rule_locked_until(rule, attempts, email=SAM, ip=HOME, now=at(19)) == at(20)
    later = [*attempts, fail(80, email="late@x.example")]  # 9:00-9:19 out of 8:20-9:20 window
    assert rule_locked_until(rule, later, email=SAM, ip=HOME, now=at(80)) is None
