"""An organisation's own versions of its escalation policies, and who follows which.

Policies ship as YAML files (``definition``); an organisation changes one through the
approvals queue (``recoup.approvals``: a second person approves), and the approved text
is stored here, overriding the file of that name for this organisation only. The daily
run, the dry run and the policies page read the policies through ``org_policies``.
Services never commit.
"""

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from recoup.errors import InvalidInput
from recoup.policy.definition import POLICY_DIR, Policy, parse_policy
from recoup.policy.models import OrgPolicy, PolicyAssignment
from recoup.policy.service import available_policies


@lru_cache(maxsize=8)
def _loaded(directory: str, stamp: tuple[tuple[str, float], ...]) -> dict[str, Policy]:
    return available_policies(Path(directory) if directory else None)


def file_policies(policy_dir: Path | None = None) -> dict[str, Policy]:
    """``available_policies(policy_dir)``, parsed once per version of the files (pages
    ask on every request). Treat the result as read-only."""
    stamp: tuple[tuple[str, float], ...] = ()
    if policy_dir is not None and policy_dir.is_dir():
        stamp = tuple((p.name, p.stat().st_mtime) for p in sorted(policy_dir.glob("*.yaml")))
    return _loaded(str(policy_dir or ""), stamp)


def policy_names(session: Session, *, org_id: int, policy_dir: Path | None = None) -> list[str]:
    """The names of the policies the organisation can assign, sorted."""
    own = session.scalars(select(OrgPolicy.name).where(OrgPolicy.org_id == org_id)).all()
    return sorted(set(file_policies(policy_dir)) | set(own))


def org_policies(session: Session, *, org_id: int, base: dict[str, Policy]) -> dict[str, Policy]:
    """``base`` (the files) with the organisation's approved versions in place of theirs."""
    stored = session.scalars(select(OrgPolicy).where(OrgPolicy.org_id == org_id)).all()
    if not stored:
        return base
    policies = dict(base)
    for row in stored:
        policies[row.name] = parse_policy(row.text, source=f"policy {row.name!r}")
    return policies


def policies_in_use(
    session: Session, *, org_id: int, policy_dir: Path | None = None
) -> dict[str, Policy]:
    """The policies the organisation's runs use: the shipped ones and ``policy_dir``'s
    (``file_policies``), with its approved versions in place of theirs."""
    return org_policies(session, org_id=org_id, base=file_policies(policy_dir))


@lru_cache(maxsize=8)
def _file_texts(directory: str, stamp: tuple[tuple[str, float], ...]) -> dict[str, str]:
    texts: dict[str, str] = {}
    for folder in (POLICY_DIR, Path(directory) if directory else None):  # the dir overrides
        if folder is None or not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.yaml")):
            text = path.read_text(encoding="utf-8")
            texts[parse_policy(text, source=path.name).name] = text
    return texts


def _file_text(name: str, policy_dir: Path | None) -> str:
    stamp: tuple[tuple[str, float], ...] = ()
    if policy_dir is not None and policy_dir.is_dir():
        stamp = tuple((p.name, p.stat().st_mtime) for p in sorted(policy_dir.glob("*.yaml")))
    return _file_texts(str(policy_dir or ""), stamp).get(name, "")


def policy_text(session: Session, *, org_id: int, name: str, policy_dir: Path | None = None) -> str:
    """The YAML of the policy the organisation uses under ``name`` (its own version,
    else the file's); empty when there is none."""
    stored = session.scalar(
        select(OrgPolicy.text).where(OrgPolicy.org_id == org_id, OrgPolicy.name == name)
    )
    return stored if stored is not None else _file_text(name, policy_dir)


def store_version(
    session: Session,
    *,
    org_id: int,
    text: str,
    requested_by: str,
    approved_by: str,
    on: date,
) -> OrgPolicy:
    """Make ``text`` (a valid policy) the organisation's version of its policy; only the
    approvals service calls this, once a second person approved the change."""
    policy = parse_policy(text)
    row = session.scalar(
        select(OrgPolicy).where(OrgPolicy.org_id == org_id, OrgPolicy.name == policy.name)
    )
    if row is None:
        row = OrgPolicy(org_id=org_id, name=policy.name)
        session.add(row)
    row.text = text
    row.requested_by = requested_by
    row.approved_by = approved_by
    row.changed_on = on
    session.flush()
    return row


@dataclass(frozen=True, slots=True)
class Assignment:
    """A customer or an invoice that follows a policy of its own."""

    id: int
    customer_id: int | None
    invoice_id: int | None
    policy: str


def list_assignments(
    session: Session, *, org_id: int, limit: int = 200
) -> tuple[list[Assignment], int]:
    """The customers' and invoices' own policies (newest first, at most ``limit``) and
    how many there are."""
    scoped = (
        PolicyAssignment.org_id == org_id,
        (PolicyAssignment.customer_id.is_not(None)) | (PolicyAssignment.invoice_id.is_not(None)),
    )
    rows = session.execute(
        select(
            PolicyAssignment.id,
            PolicyAssignment.customer_id,
            PolicyAssignment.invoice_id,
            PolicyAssignment.policy,
        )
        .where(*scoped)
        .order_by(PolicyAssignment.id.desc())
        .limit(limit)
    ).all()
    total = session.scalar(select(func.count()).select_from(PolicyAssignment).where(*scoped))
    return [Assignment(*row) for row in rows], total or 0


def own_policy(
    session: Session, *, org_id: int, customer_id: int | None = None, invoice_id: int | None = None
) -> str:
    """The policy assigned to this very customer or invoice (empty: it inherits)."""
    found = session.scalar(
        select(PolicyAssignment.policy)
        .where(
            PolicyAssignment.org_id == org_id,
            PolicyAssignment.customer_id.is_(None)
            if customer_id is None
            else PolicyAssignment.customer_id == customer_id,
            PolicyAssignment.invoice_id.is_(None)
            if invoice_id is None
            else PolicyAssignment.invoice_id == invoice_id,
        )
        .order_by(PolicyAssignment.id.desc())
        .limit(1)
    )
    return found or ""


def unassign_policy(
    session: Session, *, org_id: int, customer_id: int | None = None, invoice_id: int | None = None
) -> int:
    """Let a customer or an invoice follow the policy of the wider scope again; how many
    assignments were removed (each removal is audited)."""
    if customer_id is None and invoice_id is None:
        raise InvalidInput("name a customer or an invoice", field="customer")
    rows = session.scalars(
        select(PolicyAssignment).where(
            PolicyAssignment.org_id == org_id,
            PolicyAssignment.customer_id.is_(None)
            if customer_id is None
            else PolicyAssignment.customer_id == customer_id,
            PolicyAssignment.invoice_id.is_(None)
            if invoice_id is None
            else PolicyAssignment.invoice_id == invoice_id,
        )
    ).all()
    for row in rows:
        session.delete(row)
    session.flush()
    return len(rows)
