"""The audit log: every ledger change is recorded, and tampering is detected."""

import json
import threading

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from recoup.audit import service as audit
from recoup.audit.models import AuditEvent
from recoup.db import make_engine, transaction
from recoup.db.migrate import upgrade
from recoup.ledger.models import Contact, Organisation
from tests.factories import make_customer, make_org


def events(session: Session, org_id: int) -> list[AuditEvent]:
    return list(
        session.scalars(
            select(AuditEvent).where(AuditEvent.org_id == org_id).order_by(AuditEvent.seq)
        )
    )


def test_create_update_delete_are_recorded_with_before_and_after(session: Session) -> None:
    org = make_org(session)
    customer = make_customer(session, org=org, name="Old Name")
    contact = Contact(org_id=org.id, customer_id=customer.id, name="Ann", email="ann@x.example")
    session.add(contact)
    session.flush()
    customer.name = "New Name"
    session.flush()
    session.delete(contact)
    session.flush()

    create_customer, create_contact, rename, removal = events(session, org.id)
    assert (create_customer.action, create_customer.entity, create_customer.entity_id) == (
        "create",
        "customers",
        customer.id,
    )
    assert create_customer.before is None
    assert json.loads(create_customer.after)["name"] == "Old Name"
    assert create_contact.entity == "contacts"
    assert (rename.action, json.loads(rename.before), json.loads(rename.after)) == (
        "update",
        {"name": "Old Name"},
        {"name": "New Name"},
    )
    assert (removal.action, removal.after) == ("delete", None)
    assert json.loads(removal.before)["email"] == "ann@x.example"
    assert {e.actor for e in (create_customer, rename, removal)} == {"test"}
    assert rename.occurred_at.tzinfo is not None
    assert audit.verify(session, org_id=org.id) == (4, None)


def test_an_altered_event_is_the_first_broken_link(session: Session) -> None:
    org = make_org(session)
    for i in range(4):
        make_customer(session, org=org, external_id=f"C{i}")
    session.execute(
        update(AuditEvent)
        .where(AuditEvent.org_id == org.id, AuditEvent.seq == 3)
        .values(after=events(session, org.id)[2].after.replace("C2", "C9"))
    )
    _count, broken = audit.verify(session, org_id=org.id)
    assert broken is not None
    assert (broken.seq, broken.reason) == (3, "content does not match its hash (altered)")


def test_a_deleted_event_is_detected(session: Session) -> None:
    org = make_org(session)
    for i in range(3):
        make_customer(session, org=org, external_id=f"C{i}")
    session.execute(delete(AuditEvent).where(AuditEvent.org_id == org.id, AuditEvent.seq == 2))
    _, broken = audit.verify(session, org_id=org.id)
    assert broken is not None
    assert (broken.seq, broken.reason) == (2, "event 2 is missing")


def test_events_cut_off_the_end_are_detected(session: Session) -> None:
    org = make_org(session)
    for i in range(3):
        make_customer(session, org=org, external_id=f"C{i}")
    session.execute(delete(AuditEvent).where(AuditEvent.org_id == org.id, AuditEvent.seq == 3))
    _, broken = audit.verify(session, org_id=org.id)
    assert broken is not None
    assert broken.reason == "chain ends at 2 but head says 3"


def test_organisations_have_separate_chains(session: Session) -> None:
    first, second = make_org(session, slug="a"), make_org(session, slug="b")
    make_customer(session, org=first)
    make_customer(session, org=second)
    make_customer(session, org=first, external_id="C2")
    assert [e.seq for e in events(session, first.id)] == [1, 2]
    assert [e.seq for e in events(session, second.id)] == [1]


def test_concurrent_writers_extend_the_chain_without_forking(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    with transaction(engine, actor="setup") as session:
        org_id = make_org(session).id
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(5):
                with transaction(engine, actor=f"writer-{n}") as session:
                    org = session.get_one(Organisation, org_id)
                    make_customer(session, org=org, external_id=f"W{n}-{i}")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with transaction(engine, actor="check") as session:
        assert audit.verify(session, org_id=org_id) == (15, None)
        actors = {e.actor for e in events(session, org_id)}
    assert actors == {"writer-0", "writer-1", "writer-2"}
    engine.dispose()
