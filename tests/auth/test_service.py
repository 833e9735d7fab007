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


def test_five_failures_lock_the_email_from_that_address_for_fifteen_minutes(
    session: Session,
) -> None:
    org = make_org(session)
    make_user(session, org.id)
    for minute in range(5):
        result = auth.authenticate(
            session,
            email="kim@acme.example",
            password="wrong",
            ip="10.0.0.1",
            now=NOW + timedelta(minutes=minute),
        )
        assert result.user is None
    assert result.locked_until == NOW + timedelta(minutes=19)
    # Even the right password is refused while locked ...
    locked = auth.authenticate(
        session,
        email="kim@acme.example",
        password=PASSWORD,
        ip="10.0.0.1",
        now=NOW + timedelta(minutes=10),
    )
    assert locked.user is None
    assert locked.locked_until == NOW + timedelta(minutes=19)
    # ... but not from another address, nor after the lockout.
    other = auth.authenticate(
        session, email="kim@acme.example", password=PASSWORD, ip="10.0.0.2", now=NOW
    )
    assert other.user is not None
    later = auth.authenticate(
        session,
        email="kim@acme.example",
        password=PASSWORD,
        ip="10.0.0.1",
        now=NOW + timedelta(minutes=19),
    )
    assert later.user is not None


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
