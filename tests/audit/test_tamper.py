"""Tampering that only someone with write access to the database could do, and that the
keyed chain, the head, the checkpoints and the reconciliation each catch.

Every scenario writes with SQL straight into the tables, as an attacker (or a careless
administrator) would, then runs the verification that ``recoup audit verify`` runs.
"""

import json
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from recoup.audit import verification
from recoup.audit.core import EventData, Mismatch, event_hash
from recoup.audit.models import GENESIS_HASH, AuditEvent, AuditHead
from recoup.auth import service as auth
from recoup.auth.models import Role, User
from recoup.ledger import service as ledger
from recoup.ledger.models import Allocation, Customer, Invoice, Organisation
from tests.audit.conftest import KEY_A, KEY_B
from tests.factories import make_credit_note, make_customer, make_invoice, make_org, make_payment


def build(session: Session) -> tuple[Organisation, Customer, Invoice, User]:
    """An organisation with a customer, two invoices, a payment applied, and a user."""
    org = make_org(session)
    customer = make_customer(session, org=org, name="Acme GmbH")
    invoice = make_invoice(session, customer=customer, number="INV-1", total="100.00")
    make_invoice(session, customer=customer, number="INV-2", total="50.00")
    payment = make_payment(session, customer=customer, amount="30.00")
    ledger.allocate(
        session,
        org_id=org.id,
        invoice_id=invoice.id,
        payment_id=payment.id,
        amount=Decimal("30.00"),
        on=date(2026, 2, 1),
    )
    user = auth.create_user(
        session,
        org_id=org.id,
        email="vic@acme.example",
        password="a long passphrase 7",
        role="viewer",
    )
    session.flush()
    return org, customer, invoice, user


def chain(session: Session, org_id: int) -> list[AuditEvent]:
    return list(
        session.scalars(
            select(AuditEvent).where(AuditEvent.org_id == org_id).order_by(AuditEvent.seq)
        )
    )


def clean(session: Session, org_id: int, root: Path) -> verification.Report:
    report = verification.verify(session, org_id=org_id, root=root)
    assert report.ok, (report.broken, report.problems, report.mismatches)
    return report


def test_a_clean_ledger_verifies_with_its_checkpoints(
    session: Session, tmp_path: Path, audit_key: Callable[[str], None]
) -> None:
    org, *_ = build(session)
    verification.checkpoint(session, org_id=org.id, root=tmp_path)
    make_customer(session, org=org, external_id="C2")
    verification.checkpoint(session, org_id=org.id, root=tmp_path)
    report = clean(session, org.id, tmp_path)
    assert report.checkpoints == 2
    assert report.unkeyed == 0
    assert report.warnings == []
    assert {e.key_id for e in chain(session, org.id)} == {"a"}


# 1. The last events deleted and the head's sequence rewound to match.
def test_events_cut_off_with_the_head_rewound_are_caught_by_the_checkpoint(
    session: Session, tmp_path: Path, audit_key: Callable[[str], None]
) -> None:
    org, *_ = build(session)
    make_customer(session, org=org, external_id="C2")
    verification.checkpoint(session, org_id=org.id, root=tmp_path)
    events = chain(session, org.id)
    last, kept = events[-1], events[-2]
    session.execute(delete(AuditEvent).where(AuditEvent.id == last.id))
    session.execute(
        update(AuditHead).where(AuditHead.org_id == org.id).values(seq=kept.seq, hash=kept.hash)
    )
    session.execute(delete(Customer).where(Customer.org_id == org.id, Customer.external_id == "C2"))
    report = verification.verify(session, org_id=org.id, root=tmp_path)
    assert report.broken is None  # the chain itself is consistent: only the checkpoint knows
    assert report.mismatches == []
    assert len(report.problems) == 1
    assert (
        f"the chain now ends at event {kept.seq} (events removed, head rewound)"
        in (report.problems[0])
    )


# 2. The head's hash altered (it used to be ignored).
def test_an_altered_head_hash_is_caught(
    session: Session, tmp_path: Path, audit_key: Callable[[str], None]
) -> None:
    org, *_ = build(session)
    session.execute(update(AuditHead).where(AuditHead.org_id == org.id).values(hash="f" * 64))
    report = verification.verify(session, org_id=org.id, root=tmp_path)
    assert report.broken is not None
    assert report.broken.reason == "the head's hash is not the last event's hash (altered)"


def _rewrite(session: Session, org_id: int, seq: int, after: str, *, strip_keys: bool) -> None:
    """Change event ``seq`` and recompute every hash from it on, as the SHA-256 chain
    let anyone do (no key needed); optionally also erase the key ids."""
    events = chain(session, org_id)
    prev = events[seq - 2].hash if seq > 1 else GENESIS_HASH
    for event in events[seq - 1 :]:
        data = EventData(
            seq=event.seq,
            occurred_at=event.occurred_at,
            actor=event.actor,
            action=event.action,
            entity=event.entity,
            entity_id=event.entity_id,
            before=event.before,
            after=after if event.seq == seq else event.after,
            key_id=None if strip_keys else event.key_id,
        )
        digest = event_hash(prev, data)
        values = {"after": data.after, "prev_hash": prev, "hash": digest}
        if strip_keys:
            values["key_id"] = None
        session.execute(update(AuditEvent).where(AuditEvent.id == event.id).values(values))
        prev = digest
    session.execute(
        update(AuditHead).where(AuditHead.org_id == org_id).values(seq=events[-1].seq, hash=prev)
    )


# 3a. An event rewritten and every later hash recomputed: without the key, no HMAC fits.
def test_a_rewritten_and_rehashed_chain_fails_the_keyed_hash(
    session: Session, tmp_path: Path, audit_key: Callable[[str], None]
) -> None:
    org, customer, *_ = build(session)
    first = chain(session, org.id)[0]
    forged = first.after.replace("Acme GmbH", "Evil GmbH")
    session.execute(update(Customer).where(Customer.id == customer.id).values(name="Evil GmbH"))
    _rewrite(session, org.id, 1, forged, strip_keys=False)
    report = verification.verify(session, org_id=org.id, root=tmp_path)
    assert report.broken is not None
    assert (report.broken.seq, report.broken.reason) == (
        1,
        "content does not match its hash (altered)",
    )


# 3b. ... and with the key ids erased too (a plain SHA-256 chain): the checkpoint knows.
def test_a_chain_rewritten_as_unkeyed_is_caught_by_the_checkpoint(
    session: Session, tmp_path: Path, audit_key: Callable[[str], None]
) -> None:
    org, customer, *_ = build(session)
    verification.checkpoint(session, org_id=org.id, root=tmp_path)
    first = chain(session, org.id)[0]
    session.execute(update(Customer).where(Customer.id == customer.id).values(name="Evil GmbH"))
    _rewrite(session, org.id, 1, first.after.replace("Acme GmbH", "Evil GmbH"), strip_keys=True)
    report = verification.verify(session, org_id=org.id, root=tmp_path)
    assert report.broken is None
    assert report.mismatches == []
    assert len(report.problems) == 1
    assert "differs from it (chain rewritten)" in report.problems[0]
    assert report.unkeyed == len(chain(session, org.id))
    assert any("written before the key was set" in w for w in report.warnings)


# 4. An invoice deleted from its table.
def test_a_deleted_invoice_is_caught_by_the_reconciliation(
    session: Session, tmp_path: Path, audit_key: Callable[[str], None]
) -> None:
    org, _customer, invoice, _user = build(session)
    session.execute(delete(Allocation).where(Allocation.invoice_id == invoice.id))
    session.execute(delete(Invoice).where(Invoice.id == invoice.id))
    report = verification.verify(session, org_id=org.id, root=tmp_path)
    assert report.broken is None
    allocation_id = session.scalars(
        select(AuditEvent.entity_id).where(
            AuditEvent.org_id == org.id, AuditEvent.entity == "allocations"
        )
    ).one()
    assert sorted(report.mismatches) == [
        Mismatch("allocations", allocation_id, "its events say it exists but the row is gone"),
        Mismatch("invoices", invoice.id, "its events say it exists but the row is gone"),
    ]


# 5. A customer renamed in the table.
def test_a_customer_renamed_in_the_table_is_caught(
    session: Session, tmp_path: Path, audit_key: Callable[[str], None]
) -> None:
    org, customer, *_ = build(session)
    session.execute(update(Customer).where(Customer.id == customer.id).values(name="Evil GmbH"))
    report = verification.verify(session, org_id=org.id, root=tmp_path)
    assert report.mismatches == [
        Mismatch("customers", customer.id, "name is 'Evil GmbH' but its events say 'Acme GmbH'")
    ]


# 6. A user's role changed in the table.
def test_a_role_changed_in_the_table_is_caught(
    session: Session, tmp_path: Path, audit_key: Callable[[str], None]
) -> None:
    org, _customer, _invoice, user = build(session)
    session.execute(update(User).where(User.id == user.id).values(role=Role.ADMIN))
    report = verification.verify(session, org_id=org.id, root=tmp_path)
    assert report.mismatches == [
        Mismatch("users", user.id, "role is 'admin' but its events say 'viewer'")
    ]


def test_rows_written_around_the_log_are_reported(
    session: Session, tmp_path: Path, audit_key: Callable[[str], None]
) -> None:
    org, *_ = build(session)
    # An admin slipped into the table, and an invoice's open amount lowered with SQL.
    session.execute(
        User.__table__.insert().values(
            org_id=org.id, email="mallory@x.example", name="", role="admin", password_hash="x",
            active=True,
        )
    )  # fmt: skip
    mallory = session.scalars(select(User.id).where(User.email == "mallory@x.example")).one()
    invoice = session.scalars(select(Invoice).where(Invoice.number == "INV-2")).one()
    session.execute(update(Invoice).where(Invoice.id == invoice.id).values(open_amount=0))
    report = verification.verify(session, org_id=org.id, root=tmp_path)
    assert sorted(report.mismatches) == [
        Mismatch("invoices", invoice.id, "open_amount is 0 but its events say 5000"),
        Mismatch("users", mallory, "has no event (written around the audit log)"),
    ]


def test_an_altered_checkpoint_file_is_refused(
    session: Session, tmp_path: Path, audit_key: Callable[[str], None]
) -> None:
    org, *_ = build(session)
    _, path = verification.checkpoint(session, org_id=org.id, root=tmp_path)
    assert path.stat().st_mode & 0o777 == 0o600
    data = json.loads(path.read_text())
    data["seq"] -= 1
    path.chmod(0o600)
    path.write_text(json.dumps(data))
    report = verification.verify(session, org_id=org.id, root=tmp_path)
    assert len(report.problems) == 1
    assert "its signature does not match (file altered)" in report.problems[0]


def test_a_key_rotation_keeps_old_events_verifiable(
    session: Session, tmp_path: Path, audit_key: Callable[[str], None]
) -> None:
    org, *_ = build(session)
    verification.checkpoint(session, org_id=org.id, root=tmp_path)
    audit_key(f"b:{KEY_B},a:{KEY_A}")  # b signs from now on; a only verifies
    make_customer(session, org=org, external_id="C2")
    verification.checkpoint(session, org_id=org.id, root=tmp_path)
    clean(session, org.id, tmp_path)
    assert [e.key_id for e in chain(session, org.id)][-1] == "b"
    audit_key(f"b:{KEY_B}")  # the retired key lost: what it signed cannot be verified
    report = verification.verify(session, org_id=org.id, root=tmp_path)
    assert report.broken is not None
    assert report.broken.reason == "signed with key 'a', which is not configured"


def test_events_written_before_the_key_still_verify_and_are_sealed_by_it(
    session: Session, tmp_path: Path, audit_key: Callable[[str], None]
) -> None:
    audit_key("")
    org, customer, *_ = build(session)
    report = verification.verify(session, org_id=org.id, root=tmp_path)
    assert report.ok
    assert any("no audit key is configured" in w for w in report.warnings)
    unkeyed = len(chain(session, org.id))
    audit_key(f"a:{KEY_A}")
    make_customer(session, org=org, external_id="C2")
    report = clean(session, org.id, tmp_path)
    assert report.unkeyed == unkeyed
    # An old, unkeyed event rewritten and rehashed: the first keyed event no longer fits.
    first = chain(session, org.id)[0]
    session.execute(update(Customer).where(Customer.id == customer.id).values(name="Evil GmbH"))
    _rewrite(session, org.id, 1, first.after.replace("Acme GmbH", "Evil GmbH"), strip_keys=False)
    report = verification.verify(session, org_id=org.id, root=tmp_path)
    assert report.broken is not None
    assert (report.broken.seq, report.broken.reason) == (
        unkeyed + 1,
        "content does not match its hash (altered)",
    )


def test_a_checkpoint_of_a_broken_chain_is_refused(
    session: Session, tmp_path: Path, audit_key: Callable[[str], None]
) -> None:
    org, *_ = build(session)
    session.execute(update(AuditHead).where(AuditHead.org_id == org.id).values(hash="f" * 64))
    with pytest.raises(Exception, match="the head's hash is not the last event's hash"):
        verification.checkpoint(session, org_id=org.id, root=tmp_path)
    assert not list(tmp_path.rglob("*.json"))


def test_a_credit_note_used_up_by_allocations_reconciles(
    session: Session, tmp_path: Path, audit_key: Callable[[str], None]
) -> None:
    """The allocation that uses up a credit note also marks it applied: audited too."""
    org, customer, invoice, _ = build(session)
    note = make_credit_note(session, customer=customer, total="10.00")
    for _ in range(2):  # 5.00 twice: the second leaves nothing open
        ledger.allocate(
            session,
            org_id=org.id,
            invoice_id=invoice.id,
            credit_note_id=note.id,
            amount=Decimal("5.00"),
            on=date(2026, 2, 2),
        )
    session.refresh(note)
    assert note.status == "applied"
    clean(session, org.id, tmp_path)
