"""``recoup audit verify`` and ``recoup audit checkpoint``: the chain, its head, the
checkpoints outside the database and the ledger's rows, checked against each other.

What a clean report proves, and what it does not, is in the README's Security section
and in ``Report``'s docstring.
"""

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Table
from sqlalchemy.orm import Session

from recoup.audit import checkpoints, repository
from recoup.audit.core import (
    BrokenLink,
    ChainCheck,
    Checkpoint,
    Mismatch,
    checkpoint_problems,
    reconcile,
    replay,
    sign_checkpoint,
    verify_chain,
)
from recoup.audit.models import GENESIS_HASH
from recoup.audit.service import head_problem, keyring
from recoup.auth.models import User
from recoup.config import get_settings
from recoup.db.base import utcnow
from recoup.errors import Conflict
from recoup.ledger.models import Allocation, CreditNote, Customer, Invoice, Payment

# The tables whose every row must be what its events say.
RECONCILED: tuple[Table, ...] = tuple(
    model.__table__  # type: ignore[misc]
    for model in (Customer, Invoice, CreditNote, Payment, Allocation, User)
)


def checkpoint_root() -> Path:
    """The configured checkpoint directory (``RECOUP_AUDIT_CHECKPOINT_DIR``)."""
    return Path(get_settings().audit_checkpoint_dir)


@dataclass
class Report:
    """What ``verify`` found.

    A report with no ``broken``, ``problems`` or ``mismatches`` proves, for the keys and
    checkpoints it was given: no event was altered, inserted, removed or reordered
    without the key; the chain has not been cut back or rewritten since the newest
    checkpoint; and every reconciled row equals what its events say. It does not prove
    that the events told the truth when written (a process holding the key writes what
    it likes), nor anything about the unkeyed events after the last checkpoint if no
    key is set, nor anything if the key and the checkpoint directory were both taken.
    """

    count: int = 0
    broken: BrokenLink | None = None
    unkeyed: int = 0
    checkpoints: int = 0
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    mismatches: list[Mismatch] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether nothing is wrong (warnings aside)."""
        return self.broken is None and not self.problems and not self.mismatches


def verify(
    session: Session, *, org_id: int, root: Path | None = None, reconcile_rows: bool = True
) -> Report:
    """Check the organisation's chain under the configured keys, its head, every
    checkpoint under ``root`` (default: the configured directory) and, unless told not
    to, every reconciled table against its events."""
    keys = keyring()
    report = Report()
    found, report.problems = checkpoints.read_all(root or checkpoint_root(), org_id)
    chain = verify_chain(
        repository.iter_chain(session, org_id),
        genesis=GENESIS_HASH,
        keys=keys,
        wanted=frozenset(c.seq for c in found),
    )
    report.count, report.broken, report.unkeyed = chain.count, chain.broken, chain.unkeyed
    if report.broken is None:
        report.broken = head_problem(chain.last, repository.head(session, org_id))
    if keys.current is None:
        report.warnings.append(
            "no audit key is configured (RECOUP_AUDIT_KEY): the chain is a plain SHA-256 "
            "that anyone who can write the database can recompute"
        )
    elif chain.unkeyed:
        report.warnings.append(
            f"{chain.unkeyed} event(s) written before the key was set are sealed only by "
            "the keyed events after them"
        )
    report.checkpoints = len(found)
    if not found:
        report.warnings.append(
            "no checkpoint found: a chain cut back or rewritten as a whole is not detected "
            "(run `recoup audit checkpoint`)"
        )
    for checkpoint in found:
        problems, warnings = checkpoint_problems(checkpoint, keys=keys, chain=chain)
        report.problems += problems
        report.warnings += warnings
    if reconcile_rows:
        for table in RECONCILED:
            report.mismatches += reconcile(
                table.name,
                repository.table_rows(session, org_id, table),
                replay(repository.entity_events(session, org_id, table.name)),
            )
    return report


def checkpoint(
    session: Session, *, org_id: int, root: Path | None = None
) -> tuple[Checkpoint, Path]:
    """Write a checkpoint of the organisation's current head outside the database.

    The events since the newest checkpoint are verified first (from its hash on, so a
    daily checkpoint reads one day of events): a broken chain or head is refused
    (``Conflict``), never sealed.
    """
    directory = root or checkpoint_root()
    keys = keyring()
    found, _ = checkpoints.read_all(directory, org_id)
    base = next(
        (c for c in reversed(found) if not checkpoint_problems(c, keys=keys, chain=_pinned(c))[0]),
        None,
    )
    after, genesis = (base.seq, base.hash) if base else (0, GENESIS_HASH)
    chain = verify_chain(
        repository.iter_chain(session, org_id, after=after), genesis=genesis, keys=keys, after=after
    )
    head = repository.head(session, org_id)
    broken = chain.broken or head_problem(chain.last or (after, genesis), head)
    if broken:
        raise Conflict(f"audit chain broken at event {broken.seq}: {broken.reason}")
    seq, head_hash = head
    signed = sign_checkpoint(
        org_id=org_id,
        seq=seq,
        head_hash=head_hash,
        written_at=utcnow().isoformat(timespec="microseconds"),
        keys=keyring(),
    )
    return signed, checkpoints.write(directory, signed)


def _pinned(checkpoint: Checkpoint) -> ChainCheck:
    """A chain that agrees with ``checkpoint`` (to check its signature alone)."""
    return ChainCheck(
        last=(checkpoint.seq, checkpoint.hash), hashes={checkpoint.seq: checkpoint.hash}
    )
