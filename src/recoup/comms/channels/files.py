"""Writing one file per message, idempotently by key (the development channels)."""

import contextlib
import hashlib
import os
import re
import tempfile
from pathlib import Path

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def file_name(key: str, suffix: str) -> str:
    """A safe, stable file name for an idempotency key.

    The readable part may collide after cleaning; the hash of the key never does.

    >>> file_name("policy:C42:cycle1:formal notice:email", ".json")
    'policy_C42_cycle1_formal_notice_email-dfc1ba556148.json'
    """
    readable = _UNSAFE.sub("_", key).strip("._")[:80] or "message"
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]
    return f"{readable}-{digest}{suffix}"


def write_once(directory: Path, name: str, content: bytes) -> Path:
    """Write ``content`` to ``directory/name`` unless that file exists; return its path.

    The file appears complete or not at all (written aside, then linked into place), and
    of two writers of the same name exactly one wins, so a key is never written twice.
    """
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / name
    if target.exists():
        return target
    descriptor, temporary = tempfile.mkstemp(dir=directory, prefix=".tmp-")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        # Of two writers of the same key the first wins; the second leaves its file.
        with contextlib.suppress(FileExistsError):
            os.link(temporary, target)
    finally:
        os.unlink(temporary)
    return target
