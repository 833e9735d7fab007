"""Users, logging in with throttling, and sessions."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from recoup.audit.models import AuditEvent
from recoup.auth import service as auth
from recoup.auth.models import User
from recoup.errors import Conflict, InvalidInput, NotFound
from tests.factories import make_org

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
PASSWORD = "a long passphrase"


def make_user(session: Session, org_id: int, email: str = "kim@acme.example") -> User:
    return auth.create_user(
        session, org_id=org_id, email=email, password=PASSWORD, role="collector", name="Kim"
    )


def test_a_user_is_stored_with_an_argon2_hash_and_audited_without_it(session: Session) -> None:
    org = make_org(session)
    user = make_user(session, org.id, email=" Kim@ACME.example ")
    assert user.email == "kim@acme.example"
    assert user.password_hash.startswith("$argon2id$")
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.entity == "users", AuditEvent.entity_id == user.id)
    ).one()
    assert event.after is not None
    assert "argon2" not in event.after
    assert "kim@acme.example" in event.after


@pytest.mark.parametrize(
    ("email", "password", "role", "field"),
    [
        ("not-an-email", PASSWORD, "viewer", "email"),
        ("a@b.example", "short", "viewer", "password"),
        ("a@b.example", "password12", "viewer", "password"),
        ("a@b.example", " " * 10, "viewer", "password"),
        ("kim.lee@b.example", "kim.lee@b.example", "viewer", "password"),
        ("kim.lee@b.example", "Acme2026!Acme", "viewer", "password"),  # the organisation
        ("kim.lee@b.example", "Kimlee-1984", "viewer", "password"),
        ("a@b.example", PASSWORD, "boss", "role"),
    ],
)
def test_bad_users_are_refused(
    session: Session, email: str, password: str, role: str, field: str
) -> None:
    org = make_org(session)
    with pytest.raises(InvalidInput) as error:
        auth.create_user(session, org_id=org.id, email=email, password=password, role=role)
    assert error.value.field == field


def test_emails_are_unique_across_organisations(session: Session) -> None:
    make_user(session, make_org(session, slug="a").id)
    with pytest.raises(Conflict):
        make_user(session, make_org(session, slug="b").id, email="KIM@acme.example")


def test_login_with_the_right_password(session: Session) -> None:
    org = make_org(session)
    user = make_user(session, org.id)
    result = auth.authenticate(
        session, email="kim@acme.example", password=PASSWORD, ip="10.0.0.1", now=NOW
    )
    assert result.user is user
    assert user.last_login_at == NOW


def test_failures_lock_with_backoff_per_address_and_per_account(session: Session) -> None:
    org = make_org(session)
    make_user(session, org.id)

    def attempt(minute: float, password: str, ip: str = "10.0.0.1") -> auth.LoginResult:
        return auth.authenticate(
            session,
            email="kim@acme.example",
            password=password,
            ip=ip,
            now=NOW + timedelta(minutes=minute),
        )

    for minute in range(5):
        result = attempt(minute, "wrong")
        assert result.user is None
    # the fifth failure (9:04) locks this address out of the account for one minute
    assert result.locked_until == NOW + timedelta(minutes=5)
    locked = attempt(4.5, PASSWORD)  # even the right password is refused while locked
    assert locked.user is None
    assert locked.locked_until == NOW + timedelta(minutes=5)
    # the sixth failure (9:05) locks for two minutes, the seventh (9:07) for four
    assert attempt(5, "wrong").locked_until == NOW + timedelta(minutes=7)
    assert attempt(7, "wrong").locked_until == NOW + timedelta(minutes=11)
    # another address may still try (7 failures on the account, 10 lock it everywhere)
    for minute, ip in ((8, "10.0.0.2"), (8, "10.0.0.3")):
        assert attempt(minute, "wrong", ip).locked_until is None
    tenth = attempt(9, "wrong", "10.0.0.4")
    assert tenth.locked_until == NOW + timedelta(minutes=10)
    assert attempt(9.5, PASSWORD, "10.0.0.5").user is None
    assert attempt(10, PASSWORD, "10.0.0.5").user is not None
    # the success cleared the account's counts: the first address may try again
    assert attempt(11, PASSWORD).user is not None


def test_one_address_guessing_at_many_accounts_is_locked_out(session: Session) -> None:
    org = make_org(session)
    make_user(session, org.id)
    for n in range(20):
        result = auth.authenticate(
            session,
            email=f"guess{n}@acme.example",
            password="Winter2026!",
            ip="203.0.113.9",
            now=NOW + timedelta(seconds=n),
        )
    assert result.locked_until == NOW + timedelta(seconds=19, minutes=1)
    blocked = auth.authenticate(
        session,
        email="kim@acme.example",
        password=PASSWORD,
        ip="203.0.113.9",
        now=NOW + timedelta(seconds=30),
    )
    assert blocked.user is None
    assert blocked.locked_until == NOW + timedelta(seconds=19, minutes=1)


def test_a_success_clears_earlier_failures(session: Session) -> None:
    org = make_org(session)
    make_user(session, org.id)

    def attempt(minute: int, password: str) -> auth.LoginResult:
        return auth.authenticate(
            session,
            email="kim@acme.example",
            password=password,
            ip="10.0.0.1",
            now=NOW + timedelta(minutes=minute),
        )

    for minute in range(4):
        attempt(minute, "wrong")
    assert attempt(4, PASSWORD).user is not None
    assert attempt(5, "wrong").locked_until is None


def test_unknown_and_inactive_users_fail_like_a_wrong_password(session: Session) -> None:
    org = make_org(session)
    admin = make_user(session, org.id, email="admin@acme.example")
    user = make_user(session, org.id)
    auth.set_active(session, org_id=org.id, user_id=user.id, active=False, by_user_id=admin.id)
    for email in ("kim@acme.example", "nobody@acme.example"):
        result = auth.authenticate(session, email=email, password=PASSWORD, ip="1.2.3.4", now=NOW)
        assert result.user is None
        assert result.locked_until is None


def test_sessions_expire_when_idle_and_end_on_logout_or_deactivation(session: Session) -> None:
    org = make_org(session)
    admin = make_user(session, org.id, email="admin@acme.example")
    user = make_user(session, org.id)
    token = auth.start_session(session, user=user, now=NOW)
    found = auth.resolve_session(session, token=token, now=NOW + timedelta(hours=1))
    assert found is not None
    assert found[0] is user
    assert auth.resolve_session(session, token=token + "x", now=NOW) is None
    assert auth.resolve_session(session, token=token, now=NOW + timedelta(hours=14)) is None

    token = auth.start_session(session, user=user, now=NOW)
    auth.end_session(session, token=token)
    assert auth.resolve_session(session, token=token, now=NOW) is None

    token = auth.start_session(session, user=user, now=NOW)
    auth.set_active(session, org_id=org.id, user_id=user.id, active=False, by_user_id=admin.id)
    assert auth.resolve_session(session, token=token, now=NOW) is None


def test_users_of_another_organisation_are_not_found(session: Session) -> None:
    a, b = make_org(session, slug="a"), make_org(session, slug="b")
    user = make_user(session, b.id)
    with pytest.raises(NotFound):
        auth.get_user(session, org_id=a.id, user_id=user.id)
    with pytest.raises(NotFound):
        auth.set_active(session, org_id=a.id, user_id=user.id, active=False, by_user_id=0)


def test_nobody_deactivates_themselves(session: Session) -> None:
    org = make_org(session)
    user = make_user(session, org.id)
    with pytest.raises(Conflict):
        auth.set_active(session, org_id=org.id, user_id=user.id, active=False, by_user_id=user.id)


def test_a_user_changes_their_password_and_their_other_sessions_end(session: Session) -> None:
    org = make_org(session)
    user = make_user(session, org.id)
    here = auth.start_session(session, user=user, now=NOW)
    elsewhere = auth.start_session(session, user=user, now=NOW)
    with pytest.raises(InvalidInput) as wrong:
        auth.change_password(
            session, org_id=org.id, user_id=user.id, current="not it", new="tide pool lantern"
        )
    assert wrong.value.field == "current_password"
    with pytest.raises(InvalidInput) as weak:
        auth.change_password(
            session, org_id=org.id, user_id=user.id, current=PASSWORD, new="password123"
        )
    assert weak.value.field == "password"
    auth.change_password(
        session,
        org_id=org.id,
        user_id=user.id,
        current=PASSWORD,
        new="tide pool lantern",
        keep_token=here,
    )
    assert auth.resolve_session(session, token=here, now=NOW) is not None
    assert auth.resolve_session(session, token=elsewhere, now=NOW) is None
    login = auth.authenticate(
        session, email=user.email, password="tide pool lantern", ip="10.0.0.1", now=NOW
    )
    assert login.user is user
    event = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.entity == "users", AuditEvent.entity_id == user.id)
        .order_by(AuditEvent.id.desc())
        .limit(1)
    ).one()
    assert event.after is not None
    assert "changed" in event.after
    assert "argon2" not in event.after


def test_an_admin_resets_a_password_and_every_session_ends(session: Session) -> None:
    org = make_org(session)
    admin = make_user(session, org.id, email="admin@acme.example")
    user = make_user(session, org.id)
    token = auth.start_session(session, user=user, now=NOW)
    password = auth.reset_password(session, org_id=org.id, user_id=user.id, by_user_id=admin.id)
    assert len(password) == 16
    assert auth.resolve_session(session, token=token, now=NOW) is None
    assert (
        auth.authenticate(session, email=user.email, password=PASSWORD, ip="10.0.0.1", now=NOW).user
        is None
    )
    assert (
        auth.authenticate(session, email=user.email, password=password, ip="10.0.0.1", now=NOW).user
        is user
    )
    with pytest.raises(Conflict):
        auth.reset_password(session, org_id=org.id, user_id=admin.id, by_user_id=admin.id)
    other = make_org(session, slug="other")
    with pytest.raises(NotFound):
        auth.reset_password(session, org_id=other.id, user_id=user.id, by_user_id=admin.id)
