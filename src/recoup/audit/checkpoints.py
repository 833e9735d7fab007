"""Checkpoints of each organisation's chain head, written as files outside the database.

One JSON file per checkpoint under ``<RECOUP_AUDIT_CHECKPOINT_DIR>/org-<id>/``, created
exclusively and never rewritten, readable by its owner only. Someone who can rewrite
the database but not this directory (or the off-site copy of it) cannot rewind or
rewrite the chain unnoticed: ``recoup audit verify`` compares every checkpoint with the
event at its sequence number.
"""

import json
import os
from pathlib import Path

from recoup.audit.core import Checkpoint


def org_directory(root: Path, org_id: int) -> Path:
    """Where the organisation's checkpoints are."""
    return root / f"org-{org_id}"


def write(root: Path, checkpoint: Checkpoint) -> Path:
    """Store ``checkpoint`` in a new file (mode 0600); its path."""
    directory = org_directory(root, checkpoint.org_id)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    stamp = checkpoint.written_at.replace(":", "").replace("-", "").replace("+0000", "Z")
    path = directory / f"{checkpoint.seq:012d}-{stamp}.json"
    text = json.dumps(
        {
            "org_id": checkpoint.org_id,
            "seq": checkpoint.seq,
            "hash": checkpoint.hash,
            "written_at": checkpoint.written_at,
            "key_id": checkpoint.key_id,
            "signature": checkpoint.signature,
        },
        indent=2,
        sort_keys=True,
    )
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(text + "\n")
        file.flush()
        os.fsync(file.fileno())
    return path


def read_all(root: Path, org_id: int) -> tuple[list[Checkpoint], list[str]]:
    """The organisation's checkpoints by sequence, and a problem per unreadable file."""
    found: list[Checkpoint] = []
    problems: list[str] = []
    directory = org_directory(root, org_id)
    if not directory.is_dir():
        return found, problems
    for path in sorted(directory.glob("*.json")):
        try:
            data = json.loads(path.read_text())
            checkpoint = Checkpoint(
                org_id=int(data["org_id"]),
                seq=int(data["seq"]),
                hash=str(data["hash"]),
                written_at=str(data["written_at"]),
                key_id=data.get("key_id"),
                signature=data.get("signature"),
            )
        except (OSError, ValueError, KeyError, TypeError) as error:
            problems.append(f"checkpoint {path.name} cannot be read ({error})")
            continue
        if checkpoint.org_id != org_id:
            problems.append(f"checkpoint {path.name} belongs to organisation {checkpoint.org_id}")
            continue
        found.append(checkpoint)
    return sorted(found, key=lambda c: (c.seq, c.written_at)), problems
